// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The backends' decapsulator (bpf/xlb_decap.bpf.c): an ipip or gue frame
 * from xlb comes out as the inner packet behind the same MACs; anything
 * else passes unchanged.
 */
#include <bpf/libbpf.h>
#include <bpf/bpf.h>

#include "harness.h"
#include "xlb_decap.skel.h"

enum outer {
	O_NONE,
	O_IPIP4,
	O_IPIP6,
	O_GUE4,
	O_GUE6
};

static void run(enum outer o, bool inner6, __u16 port, bool decap)
{
	struct xlb_decap_bpf *s = xlb_decap_bpf__open_and_load();
	__u8 out[H_OUT_MAX];
	struct pkt in, inner, exp;
	int l3;

	if (!ASSERT_TRUE(s, "load xlb_decap"))
		return;
	pkt_init(&inner);
	if (inner6)
		pkt_ipv6(&inner, H_CLIENT6, H_VIP6);
	else
		pkt_ipv4(&inner, H_CLIENT4, H_VIP4);
	pkt_tcp(&inner, 40000, 80, PKT_SYN);
	pkt_payload_fill(&inner, 64, 1);
	pkt_finish(&inner);

	pkt_init(&in);
	pkt_eth(&in, H_EGRESS_MAC, H_LB_MAC);
	if (o == O_IPIP4 || o == O_GUE4)
		pkt_ipv4(&in, "10.0.0.1", "10.0.1.10");
	else if (o == O_IPIP6 || o == O_GUE6)
		pkt_ipv6(&in, "2001:db8:1::1", "2001:db8:2::10");
	if (o == O_GUE4 || o == O_GUE6) {
		pkt_udp(&in, 51234, port);
		pkt_payload(&in, inner.data, inner.len);
	} else if (o == O_IPIP4 || o == O_IPIP6) {
		if (inner6)
			pkt_ipv6(&in, H_CLIENT6, H_VIP6);
		else
			pkt_ipv4(&in, H_CLIENT4, H_VIP4);
		pkt_tcp(&in, 40000, 80, PKT_SYN);
		pkt_payload_fill(&in, 64, 1);
	}
	pkt_finish(&in);
	ASSERT_EQ(in.err, 0, "input built");

	pkt_init(&exp);
	pkt_eth(&exp, H_EGRESS_MAC, H_LB_MAC);
	pkt_payload(&exp, inner.data, inner.len);
	pkt_finish(&exp);
	l3 = 12;
	pkt_set16(&exp, l3, inner6 ? 0x86dd : 0x0800);

	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in.data,
		    .data_size_in = in.len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);
	if (!ASSERT_OK(bpf_prog_test_run_opts(
			       bpf_program__fd(s->progs.xlb_decap), &opts),
		       "test run"))
		goto out;
	ASSERT_EQ(opts.retval, XDP_PASS, "action");
	const struct pkt *want = decap ? &exp : &in;

	if (opts.data_size_out != want->len ||
	    memcmp(out, want->data, want->len)) {
		xlb_test_fail(__FILE__, __LINE__, "decap output differs");
		xlb_test_hexdiff(want->data, want->len, out,
				 opts.data_size_out);
	}
out:
	xlb_decap_bpf__destroy(s);
}

TEST(decap_ipip4)
{
	run(O_IPIP4, false, 0, true);
}

TEST(decap_ip6ip6)
{
	run(O_IPIP6, true, 0, true);
}

TEST(decap_mixed_v4_in_v6)
{
	run(O_IPIP6, false, 0, true);
}

TEST(decap_mixed_v6_in_v4)
{
	run(O_IPIP4, true, 0, true);
}

TEST(decap_gue4)
{
	run(O_GUE4, false, 6080, true);
}

TEST(decap_gue6_inner4)
{
	run(O_GUE6, false, 6080, true);
}

TEST(decap_udp_other_port_unchanged)
{
	run(O_GUE4, false, 6081, false);
}

TEST(decap_plain_tcp_unchanged)
{
	run(O_NONE, false, 0, false);
}
