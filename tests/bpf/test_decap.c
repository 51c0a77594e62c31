// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The backends' decapsulator (bpf/xlb_decap.bpf.c): an ipip or gue frame
 * from xlb to one of the host's addresses, carrying a packet to a VIP,
 * comes out as the inner packet behind the same MACs; anything else
 * (another outer destination, an inner destination that is no VIP, a
 * frame cut short) passes unchanged, and the counters say which. Every
 * case runs through both programs, XDP and tc (an skb), which must give
 * the same bytes and counters.
 */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>

#include "harness.h"
#include "xlb_decap.h"
#include "xlb_decap.skel.h"

#define LOCAL4 "10.0.1.10"
#define LOCAL6 "2001:db8:2::10"

enum outer {
	O_NONE,
	O_IPIP4,
	O_IPIP6,
	O_GUE4,
	O_GUE6
};

struct dcase {
	enum outer o;
	bool inner6;
	__u16 port;	       /* gue: outer UDP destination */
	const char *outer_dst; /* NULL: the local address of its family */
	const char *inner_dst; /* NULL: the VIP of its family */
	int cut;	       /* bytes cut off the end of the input */
	int expect; /* XLB_DECAP_* counter that must move, -1: none */
	/* the kernel's test run takes no skb with a cut IP header */
	bool xdp_only;
	bool gue_ver5; /* gue: the inner header's version nibble 5, no IP */
	bool gso;      /* tc only: an skb of 2 GSO segments */
};

static void add_addr(struct xlb_decap_bpf *s, const char *a, __u32 flags)
{
	struct xlb_decap_key k = {};

	if (!h_addr(&k.addr, &k.family, a))
		return;
	ASSERT_OK(bpf_map__update_elem(s->maps.xlb_decap_addrs, &k, sizeof(k),
				       &flags, sizeof(flags), BPF_ANY),
		  "fill xlb_decap_addrs");
}

static __u64 counter(struct xlb_decap_bpf *s, __u32 idx)
{
	int n = libbpf_num_possible_cpus();
	__u64 v[n], sum = 0;

	if (bpf_map__lookup_elem(s->maps.xlb_decap_stats, &idx, sizeof(idx), v,
				 sizeof(v), 0))
		return ~0ULL;
	for (int i = 0; i < n; i++)
		sum += v[i];
	return sum;
}

static void inner_ip(struct pkt *p, const struct dcase *c)
{
	if (c->inner6)
		pkt_ipv6(p, H_CLIENT6, c->inner_dst ?: H_VIP6);
	else
		pkt_ipv4(p, H_CLIENT4, c->inner_dst ?: H_VIP4);
	pkt_tcp(p, 40000, 80, PKT_SYN);
	pkt_payload_fill(p, 64, 1);
}

static void run_prog(const struct dcase *c, bool tc)
{
	struct xlb_decap_bpf *s = xlb_decap_bpf__open_and_load();
	bool decap = c->expect == XLB_DECAP_STRIPPED;
	__u8 out[H_OUT_MAX];
	struct pkt in, inner, exp;

	if (!ASSERT_TRUE(s, "load xlb_decap"))
		return;
	add_addr(s, LOCAL4, XLB_DECAP_LOCAL);
	add_addr(s, LOCAL6, XLB_DECAP_LOCAL);
	add_addr(s, H_VIP4, XLB_DECAP_VIP);
	add_addr(s, H_VIP6, XLB_DECAP_VIP);
	/* a VIP that is also an outer destination: no confusion either way */
	add_addr(s, H_VIP4_B, XLB_DECAP_VIP | XLB_DECAP_LOCAL);

	pkt_init(&inner);
	inner_ip(&inner, c);
	pkt_finish(&inner);

	pkt_init(&in);
	pkt_eth(&in, H_EGRESS_MAC, H_LB_MAC);
	if (c->o == O_IPIP4 || c->o == O_GUE4)
		pkt_ipv4(&in, "10.0.0.1", c->outer_dst ?: LOCAL4);
	else if (c->o == O_IPIP6 || c->o == O_GUE6)
		pkt_ipv6(&in, "2001:db8:1::1", c->outer_dst ?: LOCAL6);
	if (c->o == O_GUE4 || c->o == O_GUE6) {
		pkt_udp(&in, 51234, c->port);
		pkt_payload(&in, inner.data, inner.len);
	} else {
		inner_ip(&in, c);
	}
	pkt_finish(&in);
	ASSERT_EQ(in.err, 0, "input built");
	in.len -= c->cut;
	if (c->gue_ver5) {
		size_t v = ETH_HLEN + (c->o == O_GUE6 ? 40 : 20) + 8;

		in.data[v] = 0x50 | (in.data[v] & 0x0f);
	}

	pkt_init(&exp);
	pkt_eth(&exp, H_EGRESS_MAC, H_LB_MAC);
	pkt_payload(&exp, inner.data, inner.len);
	pkt_finish(&exp);
	pkt_set16(&exp, 12, c->inner6 ? 0x86dd : 0x0800);

	struct __sk_buff skb = { .gso_segs = 2, .gso_size = 64 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in.data,
		    .data_size_in = in.len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);

	if (c->gso) {
		opts.ctx_in = &skb;
		opts.ctx_size_in = sizeof(skb);
	}
	if (!ASSERT_OK(bpf_prog_test_run_opts(
			       bpf_program__fd(tc ? s->progs.xlb_decap_tc
						  : s->progs.xlb_decap),
			       &opts),
		       tc ? "test run (tc)" : "test run (xdp)"))
		goto out;
	ASSERT_EQ(opts.retval,
		  !tc				  ? XDP_PASS
		  : c->expect == XLB_DECAP_FAILED ? (__u32)TC_ACT_SHOT
						  : (__u32)TC_ACT_UNSPEC,
		  tc ? "action (tc)" : "action (xdp)");
	const struct pkt *want = decap ? &exp : &in;

	if (opts.data_size_out != want->len ||
	    memcmp(out, want->data, want->len)) {
		xlb_test_fail(__FILE__, __LINE__,
			      tc ? "decap output differs (tc)"
				 : "decap output differs (xdp)");
		xlb_test_hexdiff(want->data, want->len, out,
				 opts.data_size_out);
	}
	for (__u32 i = 0; i < XLB_DECAP_NR_COUNTERS; i++)
		ASSERT_EQ(counter(s, i), (__u64)(c->expect == (int)i),
			  tc ? "counter (tc)" : "counter (xdp)");
out:
	xlb_decap_bpf__destroy(s);
}

static void run(const struct dcase *c)
{
	if (!c->gso)
		run_prog(c, false);
	if (!c->xdp_only)
		run_prog(c, true);
}

TEST(decap_ipip4)
{
	run(&(struct dcase){ O_IPIP4, .expect = XLB_DECAP_STRIPPED });
}

TEST(decap_ip6ip6)
{
	run(&(struct dcase){ O_IPIP6, true, .expect = XLB_DECAP_STRIPPED });
}

TEST(decap_mixed_v4_in_v6)
{
	run(&(struct dcase){ O_IPIP6, false, .expect = XLB_DECAP_STRIPPED });
}

TEST(decap_mixed_v6_in_v4)
{
	run(&(struct dcase){ O_IPIP4, true, .expect = XLB_DECAP_STRIPPED });
}

TEST(decap_gue4)
{
	run(&(struct dcase){ O_GUE4, false, 6080,
			     .expect = XLB_DECAP_STRIPPED });
}

TEST(decap_gue6_inner4)
{
	run(&(struct dcase){ O_GUE6, false, 6080,
			     .expect = XLB_DECAP_STRIPPED });
}

TEST(decap_gue6_inner6)
{
	run(&(struct dcase){ O_GUE6, true, 6080,
			     .expect = XLB_DECAP_STRIPPED });
}

TEST(decap_outer_to_a_vip_that_is_local)
{
	run(&(struct dcase){ O_IPIP4, .outer_dst = H_VIP4_B,
			     .expect = XLB_DECAP_STRIPPED });
}

TEST(decap_udp_other_port_unchanged)
{
	run(&(struct dcase){ O_GUE4, false, 6081, .expect = -1 });
}

TEST(decap_plain_tcp_unchanged)
{
	run(&(struct dcase){ O_NONE, .expect = -1 });
}

TEST(decap_outer_not_local_unchanged)
{
	run(&(struct dcase){ O_IPIP4, .outer_dst = "10.0.1.11",
			     .expect = XLB_DECAP_NOT_LOCAL });
}

TEST(decap_outer6_not_local_unchanged)
{
	run(&(struct dcase){ O_GUE6, true, 6080, .outer_dst = "2001:db8:2::11",
			     .expect = XLB_DECAP_NOT_LOCAL });
}

TEST(decap_outer_is_vip_not_local_unchanged)
{
	run(&(struct dcase){ O_IPIP4, .outer_dst = H_VIP4,
			     .expect = XLB_DECAP_NOT_LOCAL });
}

TEST(decap_inner_not_vip_unchanged)
{
	run(&(struct dcase){ O_IPIP4, .inner_dst = "198.19.0.77",
			     .expect = XLB_DECAP_NOT_VIP });
}

TEST(decap_inner6_not_vip_unchanged)
{
	run(&(struct dcase){ O_GUE4, true, 6080, .inner_dst = "2001:db8:f::77",
			     .expect = XLB_DECAP_NOT_VIP });
}

TEST(decap_inner_local_not_vip_unchanged)
{
	run(&(struct dcase){ O_IPIP6, true, .inner_dst = LOCAL6,
			     .expect = XLB_DECAP_NOT_VIP });
}

/* The whole inner IPv6 header must be there to read its destination. */
TEST(decap_inner_cut_short_unchanged)
{
	run(&(struct dcase){ O_IPIP6, true, .cut = 64 + 20 + 1,
			     .expect = XLB_DECAP_MALFORMED });
}

/* Inner IPv4 + TCP + payload: 104 bytes. */
#define INNER4_LEN (20 + 20 + 64)

TEST(decap_outer_ip_cut_short_unchanged)
{
	/* 10 bytes of the outer IPv4 header left */
	run(&(struct dcase){ O_IPIP4, .cut = 10 + INNER4_LEN,
			     .expect = XLB_DECAP_MALFORMED, .xdp_only = true });
}

TEST(decap_outer_ip6_cut_short_unchanged)
{
	run(&(struct dcase){ O_IPIP6, .cut = 1 + INNER4_LEN,
			     .expect = XLB_DECAP_MALFORMED, .xdp_only = true });
}

TEST(decap_gue_udp_cut_short_unchanged)
{
	run(&(struct dcase){ O_GUE4, false, 6080, .cut = 4 + INNER4_LEN,
			     .expect = XLB_DECAP_MALFORMED });
}

TEST(decap_gue_no_inner_unchanged)
{
	/* UDP to the GUE port and nothing after it */
	run(&(struct dcase){ O_GUE6, false, 6080, .cut = INNER4_LEN,
			     .expect = XLB_DECAP_MALFORMED });
}

TEST(decap_gue_not_ip_unchanged)
{
	run(&(struct dcase){ O_GUE4, false, 6080, .gue_ver5 = true,
			     .expect = XLB_DECAP_MALFORMED });
	run(&(struct dcase){ O_GUE6, true, 6080, .gue_ver5 = true,
			     .expect = XLB_DECAP_MALFORMED });
}

/*
 * A GRO-merged GUE frame cannot be stripped as one packet; an ipip one
 * whose GSO type the kernel cannot shorten (the test run sets none)
 * neither: both dropped, counted failed, the frame as it came.
 */
TEST(decap_tc_gso_gue_failed)
{
	run(&(struct dcase){ O_GUE4, false, 6080, .gso = true,
			     .expect = XLB_DECAP_FAILED });
}

TEST(decap_tc_gso_refused_failed)
{
	run(&(struct dcase){ O_IPIP6, true, .gso = true,
			     .expect = XLB_DECAP_FAILED });
}

TEST(decap_gue_inner4_cut_short_unchanged)
{
	run(&(struct dcase){ O_GUE4, false, 6080, .cut = INNER4_LEN - 19,
			     .expect = XLB_DECAP_MALFORMED });
}
