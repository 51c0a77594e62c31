// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Malformed frames: each one is dropped and counted as DROP_MALFORMED,
 * leaves the buffer untouched and reaches no counter of a service or
 * backend. Every frame is aimed at a served VIP:port, so a parser that
 * accepted it would forward it (XDP_TX) and fail the test.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <bpf/bpf.h>

#include "harness.h"
#include "xlb_util.h"

static bool setup(struct h *h)
{
	const __u32 ring[7] = { 1, 1, 1, 1, 1, 1, 1 };

	return h_open(h) && h_backends_up(h, 1) &&
	       h_service(h, H_VIP4, 80, IPPROTO_TCP, 1, ring, 7) &&
	       h_service(h, H_VIP4, 53, IPPROTO_UDP, 2, ring, 7) &&
	       h_service(h, H_VIP6, 80, IPPROTO_TCP, 3, ring, 7) &&
	       h_service(h, H_VIP6, 53, IPPROTO_UDP, 4, ring, 7);
}

static bool expect_malformed(struct h *h, const char *desc,
			     const struct pkt *in)
{
	struct h_case c = {
		.desc = desc,
		.in = in,
		.action = XDP_DROP,
		.stat = { [XLB_STAT_DROP_MALFORMED] = 1 },
	};

	return h_check(h, &c, NULL);
}

/* Ethernet, then IPv4 or IPv6 client -> VIP, then TCP or UDP to 80/53. */
static void start(struct pkt *p, bool v6)
{
	pkt_init(p);
	pkt_eth(p, H_ROUTER_MAC, H_LB_MAC);
	if (v6)
		pkt_ipv6(p, H_CLIENT6, H_VIP6);
	else
		pkt_ipv4(p, H_CLIENT4, H_VIP4);
}

static void tcp(struct pkt *p, bool v6)
{
	start(p, v6);
	pkt_tcp(p, 40000, 80, PKT_SYN);
}

static void udp(struct pkt *p, bool v6)
{
	start(p, v6);
	pkt_udp(p, 5353, 53);
}

/*
 * BPF_PROG_TEST_RUN refuses frames shorter than an Ethernet header
 * (EINVAL), so the program's own check cannot be reached from here. If a
 * kernel ever accepts one, it is checked like the rest.
 */
TEST(malformed_shorter_than_ethernet)
{
	struct h_result r;
	struct pkt in;
	struct h h;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .repeat = 1);

	if (!setup(&h))
		goto out;
	tcp(&in, false);
	pkt_finish(&in);
	pkt_truncate(&in, 13);
	opts.data_in = in.data;
	opts.data_size_in = in.len;
	opts.data_out = r.out;
	opts.data_size_out = sizeof(r.out);
	if (bpf_prog_test_run_opts(h.dp.prog_fd, &opts) == -EINVAL) {
		xlb_test_skip("BPF_PROG_TEST_RUN rejects frames < 14 bytes");
		goto out;
	}
	expect_malformed(&h, "13-byte frame", &in);
out:
	h_close(&h);
}

TEST(malformed_l2)
{
	struct pkt in;
	struct h h;

	if (!setup(&h))
		goto out;

	/* 802.1Q TPID, then half a tag */
	pkt_init(&in);
	pkt_eth(&in, H_ROUTER_MAC, H_LB_MAC);
	pkt_vlan(&in, 100);
	pkt_ipv4(&in, H_CLIENT4, H_VIP4);
	pkt_tcp(&in, 40000, 80, PKT_SYN);
	pkt_finish(&in);
	pkt_truncate(&in, 14 + 2);
	expect_malformed(&h, "truncated 802.1Q tag", &in);

	pkt_init(&in);
	pkt_eth(&in, H_ROUTER_MAC, H_LB_MAC);
	pkt_vlan_tpid(&in, 0x88a8, 10);
	pkt_vlan(&in, 20);
	pkt_ipv4(&in, H_CLIENT4, H_VIP4);
	pkt_tcp(&in, 40000, 80, PKT_SYN);
	pkt_finish(&in);
	pkt_truncate(&in, 14 + 4 + 3);
	expect_malformed(&h, "truncated inner tag of 802.1ad", &in);

	/* Ethernet header only, claiming IPv4 / IPv6 */
	tcp(&in, false);
	pkt_finish(&in);
	pkt_truncate(&in, 14);
	expect_malformed(&h, "IPv4 EtherType, no header", &in);
	tcp(&in, true);
	pkt_finish(&in);
	pkt_truncate(&in, 14);
	expect_malformed(&h, "IPv6 EtherType, no header", &in);
out:
	h_close(&h);
}

TEST(malformed_ipv4_header)
{
	struct pkt in;
	struct h h;

	if (!setup(&h))
		goto out;

	tcp(&in, false);
	pkt_finish(&in);
	pkt_truncate(&in, 14 + 19);
	expect_malformed(&h, "19 bytes of IPv4 header", &in);

	for (__u8 ihl = 0; ihl < 5; ihl++) {
		tcp(&in, false);
		pkt_finish(&in);
		pkt_ipv4_set_ihl(&in, ihl);
		expect_malformed(&h, "IHL < 5", &in);
	}

	tcp(&in, false);
	pkt_finish(&in);
	pkt_set8(&in, 14, 0x65); /* version 6 under EtherType IPv4 */
	expect_malformed(&h, "IP version 6 in an IPv4 EtherType", &in);

	tcp(&in, false);
	pkt_payload(&in, "data", 4);
	pkt_finish(&in);
	pkt_ipv4_set_tot_len(&in, in.len - 14 + 1);
	expect_malformed(&h, "total length one beyond the frame", &in);

	tcp(&in, false);
	pkt_finish(&in);
	pkt_ipv4_set_tot_len(&in, 0xffff);
	expect_malformed(&h, "total length 65535", &in);

	tcp(&in, false);
	pkt_finish(&in);
	pkt_ipv4_set_tot_len(&in, 19);
	expect_malformed(&h, "total length below the header length", &in);

	/* IHL 15: the header claims 60 bytes, the frame has 20 + 20 */
	tcp(&in, false);
	pkt_finish(&in);
	pkt_truncate(&in, 14 + 20 + 10);
	pkt_ipv4_set_tot_len(&in, 30);
	pkt_ipv4_set_ihl(&in, 15);
	expect_malformed(&h, "IHL beyond total length", &in);
out:
	h_close(&h);
}

TEST(malformed_ipv4_options)
{
	static const struct {
		const char *desc;
		__u8 opts[40];
		size_t len;
	} cases[] = {
		{ "option length 0", { 68, 0, 0, 0 }, 4 },
		{ "option length 1", { 148, 1, 0, 0 }, 4 },
		{ "option runs past the header", { 148, 8, 0, 0 }, 4 },
		{ "second option runs past", { 1, 148, 4, 0, 0, 7, 4, 0 }, 8 },
		{ "NOP, then length 0", { 1, 68, 0, 0 }, 4 },
		{ "last byte: option without its length", { 1, 1, 1, 148 }, 4 },
		{ "40 bytes, last option 1 byte too long",
		  { 1, 1, 1, 1, 68, 37 },
		  40 },
	};
	struct pkt in;
	struct h h;

	if (!setup(&h))
		goto out;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		start(&in, false);
		pkt_ipv4_options(&in, cases[i].opts, cases[i].len);
		pkt_tcp(&in, 40000, 80, PKT_SYN);
		pkt_payload(&in, "x", 1);
		pkt_finish(&in);
		expect_malformed(&h, cases[i].desc, &in);
	}
out:
	h_close(&h);
}

static void malformed_l4(bool v6)
{
	struct pkt in;
	struct h h;

	if (!setup(&h))
		goto out;

	/* lengths agree with the short frame: the L4 check must catch it */
	tcp(&in, v6);
	pkt_truncate(&in, in.len - 1);
	pkt_finish(&in);
	expect_malformed(&h, "19 bytes of TCP header", &in);

	tcp(&in, v6);
	pkt_truncate(&in, in.len - 10);
	pkt_finish(&in);
	expect_malformed(&h, "10 bytes of TCP header", &in);

	for (__u8 doff = 0; doff < 5; doff++) {
		tcp(&in, v6);
		pkt_payload(&in, "payload!", 8);
		pkt_finish(&in);
		pkt_tcp_set_doff(&in, doff);
		expect_malformed(&h, "TCP data offset < 5", &in);
	}

	tcp(&in, v6);
	pkt_payload(&in, "payload!", 8);
	pkt_finish(&in);
	pkt_tcp_set_doff(&in, 8); /* 32 bytes, segment has 28 */
	expect_malformed(&h, "TCP data offset beyond the segment", &in);

	udp(&in, v6);
	pkt_truncate(&in, in.len - 4);
	pkt_finish(&in);
	expect_malformed(&h, "4 bytes of UDP header", &in);

	/* frame long enough, but the IP length ends inside the header */
	udp(&in, v6);
	pkt_payload(&in, "12345678", 8);
	pkt_finish(&in);
	if (v6)
		pkt_ipv6_set_plen(&in, 7);
	else
		pkt_ipv4_set_tot_len(&in, 20 + 7);
	expect_malformed(&h, "IP length ends inside the UDP header", &in);

	tcp(&in, v6);
	pkt_payload(&in, "12345678", 8);
	pkt_finish(&in);
	if (v6)
		pkt_ipv6_set_plen(&in, 19);
	else
		pkt_ipv4_set_tot_len(&in, 20 + 19);
	expect_malformed(&h, "IP length ends inside the TCP header", &in);
out:
	h_close(&h);
}

TEST(malformed_l4_over_ipv4)
{
	malformed_l4(false);
}

TEST(malformed_l4_over_ipv6)
{
	malformed_l4(true);
}

TEST(malformed_ipv6)
{
	struct pkt in;
	struct h h;

	if (!setup(&h))
		goto out;

	tcp(&in, true);
	pkt_finish(&in);
	pkt_truncate(&in, 14 + 39);
	expect_malformed(&h, "39 bytes of IPv6 header", &in);

	tcp(&in, true);
	pkt_finish(&in);
	pkt_set8(&in, 14, 0x45); /* version 4 under EtherType IPv6 */
	expect_malformed(&h, "IP version 4 in an IPv6 EtherType", &in);

	tcp(&in, true);
	pkt_payload(&in, "data", 4);
	pkt_finish(&in);
	pkt_ipv6_set_plen(&in, in.len - 14 - 40 + 1);
	expect_malformed(&h, "payload length one beyond the frame", &in);

	tcp(&in, true);
	pkt_finish(&in);
	pkt_ipv6_set_plen(&in, 0xffff);
	expect_malformed(&h, "payload length 65535", &in);

	/* extension header cut short, payload length agreeing */
	start(&in, true);
	pkt_ipv6_hopopts(&in, 8);
	pkt_tcp(&in, 40000, 80, PKT_SYN);
	pkt_truncate(&in, 14 + 40 + 4);
	pkt_finish(&in);
	expect_malformed(&h, "truncated hop-by-hop header", &in);

	start(&in, true);
	pkt_ipv6_hopopts(&in, 8);
	pkt_ipv6_dstopts(&in, 16);
	pkt_tcp(&in, 40000, 80, PKT_SYN);
	pkt_truncate(&in, 14 + 40 + 8 + 7);
	pkt_finish(&in);
	expect_malformed(&h, "truncated second extension header", &in);

	start(&in, true);
	pkt_ipv6_frag(&in, 0, false, 1);
	pkt_tcp(&in, 40000, 80, PKT_SYN);
	pkt_truncate(&in, 14 + 40 + 6);
	pkt_finish(&in);
	expect_malformed(&h, "truncated fragment header", &in);

	/* header length running past the payload */
	start(&in, true);
	pkt_ipv6_dstopts(&in, 8);
	pkt_tcp(&in, 40000, 80, PKT_SYN);
	pkt_finish(&in);
	pkt_set8(&in, 14 + 40 + 1, 3); /* 32 bytes; 28 are there */
	expect_malformed(&h, "extension header past the payload", &in);

	/* a header past the payload length, reaching into a trailer */
	start(&in, true);
	pkt_ipv6_hopopts(&in, 16);
	pkt_tcp(&in, 40000, 80, PKT_SYN);
	pkt_finish(&in);
	pkt_ipv6_set_plen(&in, 8);
	expect_malformed(&h, "extension header past the payload length", &in);

	/* IPv6 payload length covering only the extension headers */
	start(&in, true);
	pkt_ipv6_hopopts(&in, 8);
	pkt_tcp(&in, 40000, 80, PKT_SYN);
	pkt_finish(&in);
	pkt_ipv6_set_plen(&in, 8);
	expect_malformed(&h, "TCP header outside the payload length", &in);
out:
	h_close(&h);
}
