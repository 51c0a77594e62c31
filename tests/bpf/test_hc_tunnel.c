// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Health checks through the tunnel (bpf/xlb_hc_tunnel.bpf.c): a marked
 * probe to a backend's address leaves with the VIP as its destination
 * (checksum right) inside exactly the outer header the data plane writes
 * (gue over IPv4, ipip over IPv6), the backend's answer from the VIP gets
 * the backend's address back; unmarked packets and answers to no probe are
 * untouched, a mark of no probe or to another address is dropped.
 */
#include <arpa/inet.h>
#include <linux/pkt_cls.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "xlb_hc_tunnel.h"
#include "xlb_hc_tunnel.skel.h"

static const __u8 LB[6] = { 0x02, 0x78, 0x6c, 0x62, 0x00, 0x01 };
static const __u8 GW[6] = { 0x02, 0x00, 0x5e, 0x00, 0x01, 0xfe };

struct fam {
	const char *lb, *be, *vip, *other;
	bool v6, gue;
};

static const struct fam F4 = { "10.0.0.1",   "10.20.0.10", "198.19.0.100",
			       "10.20.0.11", false,	   true };
static const struct fam F6 = { "2001:db8:1::1",
			       "2001:db8:20::10",
			       "2001:db8:100::100",
			       "2001:db8:20::11",
			       true,
			       false };

/* eth, IP src -> dst (DF on IPv4, as the kernel's TCP sends), TCP */
static void frame(struct pkt *p, const __u8 *smac, const __u8 *dmac,
		  const struct fam *f, const char *src, const char *dst,
		  __u16 sport, __u16 dport, __u8 flags)
{
	pkt_init(p);
	pkt_eth(p, smac, dmac);
	if (f->v6) {
		pkt_ipv6(p, src, dst);
	} else {
		pkt_ipv4(p, src, dst);
		pkt_ipv4_frag(p, true, false, 0);
	}
	pkt_tcp(p, sport, dport, flags);
	pkt_payload(p, "GET / HTTP/1.1\r\n", 16);
	pkt_finish(p);
}

static int run(struct bpf_program *prog, __u32 mark, const struct pkt *in,
	       __u8 *out, __u32 *len)
{
	struct __sk_buff ctx = { .mark = mark };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in->data,
		    .data_size_in = in->len, .data_out = out,
		    .data_size_out = *len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	if (!ASSERT_OK(bpf_prog_test_run_opts(bpf_program__fd(prog), &o),
		       "test run"))
		return -1;
	*len = o.data_size_out;
	return o.retval;
}

static void same(const __u8 *out, __u32 len, const struct pkt *want,
		 const char *what)
{
	if (len != want->len || memcmp(out, want->data, len)) {
		xlb_test_fail(__FILE__, __LINE__, "%s: output differs", what);
		xlb_test_hexdiff(want->data, want->len, out, len);
	}
}

static void tunnel(const struct fam *f)
{
	struct xlb_hc_tunnel_bpf *s = xlb_hc_tunnel_bpf__open_and_load();
	struct xlb_hct_probe pr = { .family = f->v6 ? XLB_FAMILY_V6
						    : XLB_FAMILY_V4,
				    .fwd = f->gue ? XLB_FWD_GUE : XLB_FWD_IPIP,
				    .gue_port = htons(6080) };
	struct pkt probe, inner, want, ans, ans_want, other;
	__u8 out[2048], fam;
	__u32 id = 1, len, olen = f->v6 ? 40 : 20;
	const __u8 *o;

	if (!ASSERT_TRUE(s, "load"))
		return;
	h_addr(&pr.vip, &fam, f->vip);
	h_addr(&pr.backend, &fam, f->be);
	ASSERT_OK(bpf_map__update_elem(s->maps.xlb_hct_probes, &id, 4, &pr,
				       sizeof(pr), BPF_ANY),
		  "probe 1");
	frame(&probe, LB, GW, f, f->lb, f->be, 40000, 80, 0x18);
	frame(&ans, GW, LB, f, f->vip, f->lb, 80, 40000, 0x18);

	len = sizeof(out);
	ASSERT_EQ(run(s->progs.xlb_hct_egress, 0, &probe, out, &len), TC_ACT_OK,
		  "unmarked: passed");
	same(out, len, &probe, "unmarked");
	len = sizeof(out);
	ASSERT_EQ(run(s->progs.xlb_hct_ingress, 0, &ans, out, &len), TC_ACT_OK,
		  "answer to no probe: passed");
	same(out, len, &ans, "answer to no probe");
	len = sizeof(out);
	ASSERT_EQ(run(s->progs.xlb_hct_egress, XLB_HCT_MARK | 2, &probe, out,
		      &len),
		  TC_ACT_SHOT, "mark of no probe: dropped");
	frame(&other, LB, GW, f, f->lb, f->other, 40000, 80, 0x18);
	len = sizeof(out);
	ASSERT_EQ(run(s->progs.xlb_hct_egress, XLB_HCT_MARK | 1, &other, out,
		      &len),
		  TC_ACT_SHOT, "probe 1 to another address: dropped");

	len = sizeof(out);
	ASSERT_EQ(run(s->progs.xlb_hct_egress, XLB_HCT_MARK | 1, &probe, out,
		      &len),
		  TC_ACT_OK, "probe: sent");
	/* what the data plane would send: outer header, then the probe
	 * with the VIP as destination, checksums recomputed by pkt.c */
	frame(&inner, LB, GW, f, f->lb, f->vip, 40000, 80, 0x18);
	o = out + 14;
	pkt_init(&want);
	pkt_eth(&want, LB, GW);
	if (f->v6) {
		pkt_ipv6(&want, f->lb, f->be);
		pkt_ipv6_hlim(&want, 64);
		pkt_ipv6_flow(&want, 0, (o[1] & 0xf) << 16 | o[2] << 8 | o[3]);
		want.data[want.layer[want.nlayers - 1].off + 6] = IPPROTO_IPV6;
	} else {
		pkt_ipv4(&want, f->lb, f->be);
		pkt_ipv4_ttl(&want, 64);
		pkt_ipv4_id(&want, 0);
		pkt_ipv4_frag(&want, true, false, 0);
	}
	if (f->gue)
		pkt_udp(&want, o[olen] << 8 | o[olen + 1], 6080);
	else if (!f->v6)
		pkt_ipv4_proto(&want, IPPROTO_IPIP);
	pkt_payload(&want, inner.data + 14, inner.len - 14);
	pkt_finish(&want);
	if (f->gue) {
		pkt_set16(&want, pkt_off(&want, PKT_L_UDP, 0) + 6, 0);
		ASSERT_TRUE(o[olen] >= 0xc0, "GUE source port 49152-65535");
	}
	same(out, len, &want, "encapsulated probe");

	frame(&ans_want, GW, LB, f, f->be, f->lb, 80, 40000, 0x18);
	len = sizeof(out);
	ASSERT_EQ(run(s->progs.xlb_hct_ingress, 0, &ans, out, &len), TC_ACT_OK,
		  "answer: passed");
	same(out, len, &ans_want, "answer from the VIP: the backend's address");
	xlb_hc_tunnel_bpf__destroy(s);
}

TEST(hc_tunnel_gue4)
{
	tunnel(&F4);
}

TEST(hc_tunnel_ipip6)
{
	tunnel(&F6);
}
