// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Packet fuzzer: random and mutated frames through the real program
 * (BPF_PROG_TEST_RUN), each held to the model in pkt_model.c (RFCs and
 * the README's data-plane table, not bpf/):
 *  - never XDP_ABORTED; exactly one verdict counter moves, by one, and it
 *    agrees with the action; the verdict is one the model allows;
 *  - XDP_PASS / XDP_DROP leave the frame as it came;
 *  - a forwarded frame (L2 mode) differs only in its MACs: the source is
 *    our egress port, the destination a backend of the service the frame
 *    (or the flow an ICMP error quotes) is addressed to;
 *  - at the end the verdict counters add up to the frames fed, and every
 *    service counted exactly the frames forwarded to it.
 * Frames: to our MAC, or a broadcast, multicast or another host's MAC;
 * VLAN stacks (0-3 tags), IPv4 options (valid and broken), IPv6 extension
 * chains (0-8 headers), fragments, ICMP errors quoting VIP flows (sent to
 * that VIP or another address) and garbage, then mutations: truncation,
 * lying length fields, random bytes; and wholly random frames.
 *
 * XLB_PKT_FRAMES (default 20000; make fuzz: 1000000) and XLB_PKT_SEED (a
 * failure prints it: rerun with it to get the same frames) in the
 * environment.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "pkt_model.h"

#define NSVC 5

struct fz {
	struct h h;
	struct m_service svc[NSVC];
	__u32 be_svc[16]; /* backend id -> service id */
	__u64 seed;
	__u64 fwd[NSVC + 1]; /* frames forwarded, by service id */
};

static __u64 rnd(struct fz *z)
{
	/* xorshift64* */
	z->seed ^= z->seed >> 12;
	z->seed ^= z->seed << 25;
	z->seed ^= z->seed >> 27;
	return z->seed * 0x2545f4914f6cdd1dULL;
}

static __u32 below(struct fz *z, __u32 n)
{
	return (__u32)(rnd(z) >> 32) % n;
}

static bool chance(struct fz *z, int percent)
{
	return below(z, 100) < (__u32)percent;
}

static bool add_svc(struct fz *z, int i, const char *vip, __u16 port,
		    __u8 proto, const __u32 *bes, int nbe)
{
	struct m_service *s = &z->svc[i];
	__u32 ring[7];

	s->id = i + 1;
	s->port = port;
	s->proto = proto;
	s->has_backends = nbe > 0;
	if (!h_addr(&s->vip, &s->family, vip))
		return false;
	for (int k = 0; k < 7; k++)
		ring[k] = nbe ? bes[k % nbe] : 0;
	for (int k = 0; k < nbe; k++)
		z->be_svc[bes[k]] = s->id;
	return h_service(&z->h, vip, port, proto, s->id, nbe ? ring : NULL, 7);
}

static bool setup(struct fz *z)
{
	static const __u32 b1[] = { 1, 2, 3 }, b2[] = { 4, 5 }, b3[] = { 6, 7 },
			   b4[] = { 8 };

	memset(z, 0, sizeof(*z));
	return h_open(&z->h) && h_backends_up(&z->h, 8) &&
	       add_svc(z, 0, H_VIP4, 80, IPPROTO_TCP, b1, 3) &&
	       add_svc(z, 1, H_VIP4, 53, IPPROTO_UDP, b2, 2) &&
	       add_svc(z, 2, H_VIP6, 80, IPPROTO_TCP, b3, 2) &&
	       add_svc(z, 3, H_VIP6, 53, IPPROTO_UDP, b4, 1) &&
	       add_svc(z, 4, H_VIP4_B, 80, IPPROTO_TCP, NULL, 0) &&
	       h_vip_mark(&z->h, H_VIP4, true) &&
	       h_vip_mark(&z->h, H_VIP4_B, true) &&
	       h_vip_mark(&z->h, H_VIP6, true);
}

static const char *pick(struct fz *z, const char *const *v, int n)
{
	return v[below(z, n)];
}

static __u16 port(struct fz *z)
{
	static const __u16 p[] = { 80, 53, 443, 0, 65535 };

	return chance(z, 80) ? p[below(z, 5)] : (__u16)rnd(z);
}

static void l4(struct fz *z, struct pkt *p, bool v6, const char *vip)
{
	static const char *const c4[] = { H_CLIENT4, H_OTHER4 };
	static const char *const c6[] = { H_CLIENT6, H_OTHER6 };
	static const char *const q4[] = { H_VIP4, H_VIP4_B, H_OTHER4 };
	static const char *const q6[] = { H_VIP6, H_OTHER6 };
	struct pkt q;

	switch (below(z, 6)) {
	case 0:
	case 1:
		pkt_tcp(p, 1024 + below(z, 60000), port(z), rnd(z) & 0x3f);
		if (chance(z, 20)) {
			__u8 o[12];

			for (int i = 0; i < 12; i++)
				o[i] = chance(z, 50) ? 1 : rnd(z);
			pkt_tcp_options(p, o, 1 + below(z, 12));
		}
		break;
	case 2:
		pkt_udp(p, 1024 + below(z, 60000), port(z));
		break;
	case 3: /* an error about a reply of a (maybe served) flow, mostly
		 * sent to the address it quotes */
		pkt_init(&q);
		if (v6)
			pkt_ipv6(&q, chance(z, 80) ? vip : pick(z, q6, 2),
				 pick(z, c6, 2));
		else
			pkt_ipv4(&q, chance(z, 80) ? vip : pick(z, q4, 3),
				 pick(z, c4, 2));
		if (chance(z, 50))
			pkt_tcp(&q, port(z), 40000, PKT_ACK);
		else
			pkt_udp(&q, port(z), 40000);
		pkt_payload_fill(&q, below(z, 64), rnd(z));
		pkt_finish(&q);
		if (v6 && chance(z, 50))
			pkt_icmp6_too_big(p, 1280, &q);
		else if (v6)
			pkt_icmp6_unreach(p, below(z, 7), &q);
		else
			pkt_icmp_frag_needed(p, 1400, &q);
		/* the quote cut anywhere */
		if (chance(z, 30))
			pkt_truncate(p, p->len - below(z, q.len + 1));
		break;
	case 4: /* other ICMP, or an error quoting garbage */
		if (v6)
			pkt_icmp6(p, chance(z, 50) ? 128 : below(z, 256),
				  below(z, 4), rnd(z));
		else
			pkt_icmp(p, chance(z, 50) ? 8 : below(z, 20),
				 below(z, 16), rnd(z));
		break;
	default:
		if (v6)
			pkt_payload_fill(p, 0, 0);
		else
			pkt_ipv4_proto(p, chance(z, 50) ? 47 : rnd(z));
	}
	pkt_payload_fill(p, chance(z, 50) ? 0 : below(z, 200), rnd(z));
}

static void frame(struct fz *z, struct pkt *p)
{
	static const char *const d4[] = { H_VIP4, H_VIP4_B, H_OTHER4 };
	static const char *const d6[] = { H_VIP6, H_OTHER6 };
	static const char *const s4[] = { H_CLIENT4, H_OTHER4, "0.0.0.0",
					  "255.255.255.255" };
	static const char *const s6[] = { H_CLIENT6, H_OTHER6,
					  "::", "fe80::1" };
	static const __u8 macs[][6] = {
		{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, /* broadcast */
		{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 }, /* IPv4 multicast */
		{ 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 }, /* IPv6 multicast */
		{ 0x02, 0x78, 0x6c, 0x62, 0x00, 0x09 }, /* another host */
		{ 0x03, 0x78, 0x6c, 0x62, 0x00, 0x01 }, /* ours, I/G bit set */
	};
	__u8 b[64];
	int tags = chance(z, 70) ? 0 : below(z, 4), k;
	const char *dst;

	pkt_init(p);
	pkt_eth(p, H_ROUTER_MAC, chance(z, 90) ? H_LB_MAC : macs[below(z, 5)]);
	for (int i = 0; i < tags; i++)
		pkt_vlan_tpid(p, chance(z, 50) ? 0x8100 : 0x88a8,
			      below(z, 4096));
	switch (below(z, 10)) {
	case 0: /* not IP */
		pkt_ethertype(p, chance(z, 30)	 ? 0x0806
				 : chance(z, 30) ? below(z, 0x600)
						 : (__u16)rnd(z));
		pkt_payload_fill(p, below(z, 100), rnd(z));
		break;
	case 1:
	case 2:
	case 3:
	case 4:
		dst = pick(z, d4, 3);
		pkt_ipv4(p, pick(z, s4, 4), dst);
		if (chance(z, 15)) {
			k = 1 + below(z, 40);
			for (int i = 0; i < k; i++)
				b[i] = chance(z, 30)   ? 1
				       : chance(z, 30) ? 148
						       : rnd(z);
			pkt_ipv4_options(p, b, k);
		}
		if (chance(z, 10))
			pkt_ipv4_frag(p, false, chance(z, 50),
				      8 * below(z, 100));
		l4(z, p, false, dst);
		break;
	default:
		dst = pick(z, d6, 2);
		pkt_ipv6(p, pick(z, s6, 4), dst);
		k = chance(z, 60) ? 0 : below(z, 9);
		for (int i = 0; i < k; i++) {
			switch (below(z, 5)) {
			case 0:
				if (i == 0) {
					pkt_ipv6_hopopts(p,
							 8 * (1 + below(z, 3)));
					break;
				}
				/* fallthrough */
			case 1:
				pkt_ipv6_dstopts(p, 8 * (1 + below(z, 3)));
				break;
			case 2:
				pkt_ipv6_routing(p, H_OTHER6);
				break;
			case 3:
				pkt_ipv6_frag(p,
					      chance(z, 50) ? 0
							    : 8 * below(z, 100),
					      chance(z, 50), rnd(z));
				break;
			default:
				pkt_ipv6_ah(p, 4 + 8 * below(z, 3));
			}
		}
		l4(z, p, true, dst);
	}
	pkt_finish(p);
}

/* Lies and damage, on a finished frame. */
static void mutate(struct fz *z, struct pkt *p)
{
	int n = 1 + below(z, 4), l3 = pkt_l3_off(p);

	for (int i = 0; i < n && p->len > 14; i++) {
		switch (below(z, 6)) {
		case 0:
			p->len = 14 + below(z, p->len - 14);
			break;
		case 1: /* a length field: IPv4 total, IPv6 payload */
			if (l3 >= 0 && (size_t)l3 + 6 <= p->len)
				pkt_set16(
					p,
					l3 + ((p->data[l3] >> 4) == 6 ? 4 : 2),
					chance(z, 50) ? (__u16)rnd(z)
						      : below(z, 100));
			break;
		case 2: /* IHL / version */
			if (l3 >= 0 && (size_t)l3 < p->len)
				pkt_set8(p, l3, rnd(z));
			break;
		case 3: /* a byte in the headers */
			pkt_set8(p, below(z, p->len < 120 ? p->len : 120),
				 rnd(z));
			break;
		case 4: /* TCP data offset, UDP length, ICMP type */
			if (l3 >= 0) {
				size_t o = l3 + 20 + below(z, 60);

				if (o < p->len)
					pkt_set8(p, o, rnd(z));
			}
			break;
		default:
			pkt_set8(p, below(z, p->len), rnd(z));
		}
	}
}

static void garbage(struct fz *z, struct pkt *p)
{
	static const __u16 types[] = { 0x0800, 0x86dd, 0x8100, 0x88a8, 0 };

	pkt_init(p);
	p->len = 14 + below(z, 300);
	for (size_t i = 0; i < p->len; i++)
		p->data[i] = rnd(z);
	if (chance(z, 80))
		pkt_set16(p, 12, types[below(z, 5)]);
	p->finished = true;
}

static enum m_verdict observed(__u32 action, const __u64 *d, int *moved)
{
	static const struct {
		enum xlb_stat stat;
		enum m_verdict v;
		__u32 action;
	} map[] = {
		{ XLB_STAT_TX, M_FWD, XDP_TX },
		{ XLB_STAT_REDIRECT, M_FWD, XDP_REDIRECT },
		{ XLB_STAT_PASS_NON_IP, M_NON_IP, XDP_PASS },
		{ XLB_STAT_PASS_NON_VIP, M_NON_VIP, XDP_PASS },
		{ XLB_STAT_PASS_EXT_LIMIT, M_EXT_LIMIT, XDP_PASS },
		{ XLB_STAT_PASS_ICMP, M_PASS_ICMP, XDP_PASS },
		{ XLB_STAT_DROP_MALFORMED, M_MALFORMED, XDP_DROP },
		{ XLB_STAT_DROP_NO_BACKEND, M_NO_BACKEND, XDP_DROP },
		{ XLB_STAT_DROP_FRAGMENT, M_FRAGMENT, XDP_DROP },
		{ XLB_STAT_DROP_REDIRECT, M_N, XDP_DROP },
		{ XLB_STAT_DROP_FLOW_RATE, M_N, XDP_DROP },
		{ XLB_STAT_PASS_MAC_GROUP, M_MAC_GROUP, XDP_PASS },
		{ XLB_STAT_PASS_MAC_OTHER, M_MAC_OTHER, XDP_PASS },
	};
	enum m_verdict v = M_N;

	*moved = 0;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (!d[map[i].stat])
			continue;
		*moved += d[map[i].stat];
		v = map[i].action == action ? map[i].v : M_N;
	}
	if (v == M_FWD && d[XLB_STAT_ICMP_FORWARDED])
		v = M_ICMP_FWD;
	return v;
}

static void hexdump(const struct pkt *p)
{
	for (size_t i = 0; i < p->len; i++)
		fprintf(stderr, "%02x%s", p->data[i],
			i % 32 == 31 ? "\n" : " ");
	fputc('\n', stderr);
}

/* One frame; false (with a report) if the program broke a property. */
static bool one(struct fz *z, const struct pkt *in, __u64 *stats, __u64 n,
		__u64 seed)
{
	__u64 now[XLB_STAT_MAX], d[XLB_STAT_MAX];
	struct m_expect e;
	struct h_result r;
	enum m_verdict v;
	const char *why = NULL;
	int moved;
	__u32 be = 0;

	m_classify(z->svc, NSVC, H_LB_MAC, in->data, in->len, &e);
	if (!h_run(&z->h, in, &r) ||
	    !ASSERT_OK(xlb_dp_stats_global(&z->h.dp, now), "stats"))
		return false;
	for (int i = 0; i < XLB_STAT_MAX; i++)
		d[i] = now[i] - stats[i];
	memcpy(stats, now, sizeof(now));
	v = observed(r.action, d, &moved);
	if (r.action == XDP_ABORTED)
		why = "XDP_ABORTED";
	else if (moved != 1)
		why = "not exactly one verdict counter moved by one";
	else if (v == M_N)
		why = "the action and its counter disagree";
	else if (!(e.allowed & M_BIT(v)))
		why = "a verdict the model does not allow";
	else if (r.action == XDP_PASS || r.action == XDP_DROP) {
		if (r.out_len != in->len || memcmp(r.out, in->data, in->len))
			why = "a passed or dropped frame was changed";
	} else {
		be = h_out_backend(&z->h, &r);
		if (r.out_len != in->len ||
		    memcmp(r.out + 12, in->data + 12, in->len - 12))
			why = "a forwarded frame changed beyond its MACs";
		else if (memcmp(r.out + 6, H_EGRESS_MAC, 6))
			why = "a forwarded frame's source MAC is not ours";
		else if (!be || be >= 16 ||
			 (e.svc_id && z->be_svc[be] != e.svc_id))
			why = "forwarded to a backend of another service";
		else
			z->fwd[z->be_svc[be]]++;
	}
	if (!why)
		return true;
	xlb_test_fail(
		__FILE__, __LINE__,
		"frame %llu (XLB_PKT_SEED=%llu): %s: %s, counted %s, backend %u "
		"(service %u); model allows 0x%x (service %u)",
		(unsigned long long)n, (unsigned long long)seed, why,
		h_action_name(r.action), m_verdict_name(v), be,
		be < 16 ? z->be_svc[be] : 0, e.allowed, e.svc_id);
	for (int i = 0; i < M_N; i++)
		if (e.allowed & M_BIT(i))
			fprintf(stderr, "  allowed: %s\n", m_verdict_name(i));
	hexdump(in);
	return false;
}

TEST(pkt_fuzz_frames_against_model)
{
	const char *fe = getenv("XLB_PKT_FRAMES"), *se = getenv("XLB_PKT_SEED");
	__u64 frames = fe ? strtoull(fe, NULL, 10) : 20000, seed, total = 0;
	__u64 stats[XLB_STAT_MAX] = {}, base[XLB_STAT_MAX];
	struct xlb_counters c;
	struct pkt in;
	struct fz z;
	__u64 n, skipped = 0, run_seed;

	seed = se ? strtoull(se, NULL, 10)
		  : (__u64)time(NULL) ^ (__u64)getpid() << 20;
	if (!seed)
		seed = 1;
	if (!setup(&z))
		goto out;
	printf("  pkt_fuzz: %llu frames, XLB_PKT_SEED=%llu\n",
	       (unsigned long long)frames, (unsigned long long)seed);
	if (!ASSERT_OK(xlb_dp_stats_global(&z.h.dp, stats), "stats"))
		goto out;
	memcpy(base, stats, sizeof(base));
	for (n = 0; n < frames; n++) {
		/* each frame from its own seed: one number reproduces it */
		run_seed = seed + n * 0x9e3779b97f4a7c15ULL;
		z.seed = run_seed ? run_seed : 1;
		if (chance(&z, 5)) {
			garbage(&z, &in);
		} else {
			frame(&z, &in);
			if (in.err) {
				skipped++;
				continue;
			}
			if (chance(&z, 30))
				mutate(&z, &in);
		}
		z.seed = run_seed ? run_seed : 1;
		if (!one(&z, &in, stats, n, seed))
			goto out;
	}
	/* the verdict counters add up to the frames fed */
	for (int i = 0; i < XLB_STAT_MAX; i++)
		if (i != XLB_STAT_ICMP_FORWARDED && i != XLB_STAT_NEW_FLOW &&
		    i != XLB_STAT_RESCHEDULED &&
		    i != XLB_STAT_FLOW_TABLE_FULL &&
		    i != XLB_STAT_FLOW_RATE_UNPINNED &&
		    i != XLB_STAT_FLOW_PROMOTED)
			total += stats[i] - base[i];
	ASSERT_EQ(total, frames - skipped, "verdicts counted == frames fed");
	ASSERT_TRUE(skipped < frames / 100 + 1,
		    "few frames the builder refused");
	for (int i = 1; i <= NSVC; i++) {
		if (!h_counters_svc(&z.h, i, &c))
			goto out;
		ASSERT_EQ(c.packets, z.fwd[i],
			  "service packets == frames forwarded to it");
	}
out:
	h_close(&z.h);
}

/*
 * Found by the fuzzer: IPv4 options that end with NOP at the frame's last
 * byte (a header-only fragment) are sound; they were dropped as malformed.
 */
TEST(pkt_fuzz_regress_nop_options_at_frame_end)
{
	static const __u8 nops[4] = { 1, 1, 1, 1 };
	struct pkt in;
	struct fz z;
	struct h_case c = {
		.desc = "fragment, IHL 6 of NOPs, no payload, to a VIP",
		.in = &in,
		.action = XDP_DROP,
		.stat = { [XLB_STAT_DROP_FRAGMENT] = 1 },
	};

	if (!setup(&z))
		goto out;
	pkt_init(&in);
	pkt_eth(&in, H_ROUTER_MAC, H_LB_MAC);
	pkt_ipv4(&in, H_CLIENT4, H_VIP4);
	pkt_ipv4_options(&in, nops, sizeof(nops));
	pkt_ipv4_frag(&in, false, true, 8);
	pkt_ipv4_proto(&in, 47);
	pkt_finish(&in);
	h_check(&z.h, &c, NULL);
out:
	h_close(&z.h);
}
