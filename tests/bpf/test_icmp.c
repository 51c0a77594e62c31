// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * ICMP errors about VIP flows (path MTU discovery through xlb) and IP
 * fragments.
 */
#include <arpa/inet.h>

#include "harness.h"

static void ring_fill(__u32 *ring, __u32 n, __u32 id)
{
	for (__u32 i = 0; i < n; i++)
		ring[i] = id;
}

/*
 * What a router on the way back sends when the backend's reply
 * vip:80 -> client:cport is too big: an error to the VIP (outer_dst NULL,
 * or another address) quoting the reply (its IP header and quote_l4 bytes
 * of what follows).
 */
static void icmp_err_to(struct pkt *p, const __u8 *smac, const __u8 *dmac,
			bool v6, __u8 proto, __u16 cport, size_t quote_l4,
			const char *outer_dst)
{
	struct pkt q;

	pkt_init(&q);
	if (v6)
		pkt_ipv6(&q, H_VIP6, H_CLIENT6);
	else
		pkt_ipv4(&q, H_VIP4, H_CLIENT4);
	if (proto == IPPROTO_UDP)
		pkt_udp(&q, 80, cport);
	else
		pkt_tcp(&q, 80, cport, PKT_ACK);
	pkt_payload_fill(&q, 1400, 0);
	pkt_finish(&q);

	pkt_init(p);
	pkt_eth(p, smac, dmac);
	if (v6) {
		pkt_ipv6(p, H_OTHER6, outer_dst ?: H_VIP6);
		pkt_icmp6(p, 2, 0, 1280); /* packet too big */
		pkt_quote(p, &q, 40 + quote_l4);
	} else {
		pkt_ipv4(p, H_OTHER4, outer_dst ?: H_VIP4);
		pkt_icmp(p, 3, 4, 1400); /* frag needed */
		pkt_quote(p, &q, 20 + quote_l4);
	}
	pkt_finish(p);
}

static void icmp_err(struct pkt *p, const __u8 *smac, const __u8 *dmac, bool v6,
		     __u8 proto, __u16 cport, size_t quote_l4)
{
	icmp_err_to(p, smac, dmac, v6, proto, cport, quote_l4, NULL);
}

/* Service 1 on vip:80/TCP, ring all 1, backends 1 and 2 UP. */
static bool setup(struct h *h, const char *vip)
{
	__u32 ring[7];

	ring_fill(ring, 7, 1);
	return h_open(h) && h_backends_up(h, 2) &&
	       h_service(h, vip, 80, IPPROTO_TCP, 1, ring, 7);
}

static bool syn(struct h *h, const char *src, const char *vip, __u16 sport,
		__u32 be)
{
	const struct h_frame f = {
		.src = src,
		.dst = vip,
		.sport = sport,
		.dport = 80,
		.flags = PKT_SYN,
	};
	struct pkt in, exp;
	struct h_case c = {
		.desc = "client SYN",
		.in = &in,
		.action = XDP_TX,
		.out = &exp,
		.stat = { [XLB_STAT_TX] = 1, [XLB_STAT_NEW_FLOW] = 1 },
		.svc_id = 1,
		.be_id = be,
		.new_flow = true,
		.flows = 1,
	};

	h_build_in(&in, &f);
	h_build_to(&exp, &f, be);
	return h_check(h, &c, NULL);
}

/* An ICMP error that must go to backend be, creating no flow. */
static bool expect_icmp_fwd(struct h *h, const char *desc, bool v6, __u16 cport,
			    size_t quote_l4, __u32 be)
{
	struct pkt in, exp;
	__u8 mac[6];
	struct h_case c = {
		.desc = desc,
		.in = &in,
		.action = XDP_TX,
		.out = &exp,
		.stat = {
			[XLB_STAT_TX] = 1,
			[XLB_STAT_ICMP_FORWARDED] = 1,
		},
		.svc_id = 1,
		.be_id = be,
		.new_flow = false,
		.flows = 0,
	};

	h_be_mac(be, mac);
	icmp_err(&in, H_ROUTER_MAC, H_LB_MAC, v6, IPPROTO_TCP, cport, quote_l4);
	icmp_err(&exp, H_EGRESS_MAC, mac, v6, IPPROTO_TCP, cport, quote_l4);
	return h_check(h, &c, NULL);
}

static void icmp_error_follows_flow(bool v6)
{
	const char *vip = v6 ? H_VIP6 : H_VIP4;
	__u32 ring[7];
	struct h h;

	if (!setup(&h, vip))
		goto out;
	if (!syn(&h, v6 ? H_CLIENT6 : H_CLIENT4, vip, 40000, 1))
		goto out;
	/* from now on the ring would send new flows to 2 */
	ring_fill(ring, 7, 2);
	if (!h_service(&h, vip, 80, IPPROTO_TCP, 1, ring, 7))
		goto out;

	if (!expect_icmp_fwd(&h, "error about the pinned flow", v6, 40000, 512,
			     1))
		goto out;
	if (!expect_icmp_fwd(&h, "minimal quote: IP header + 8 bytes", v6,
			     40000, 8, 1))
		goto out;
	/* a flow xlb has not seen: the ring decides, nothing is pinned */
	expect_icmp_fwd(&h, "error about an unpinned flow", v6, 40001, 8, 2);
out:
	h_close(&h);
}

TEST(icmp4_frag_needed_to_flow_backend)
{
	icmp_error_follows_flow(false);
}

TEST(icmp6_packet_too_big_to_flow_backend)
{
	icmp_error_follows_flow(true);
}

/* An error about a flow whose backend died goes where the ring says, and
 * neither moves the flow nor counts as a reschedule. */
TEST(icmp_error_about_flow_on_dead_backend)
{
	__u32 ring[7];
	struct xlb_flow fl;
	struct pkt syn_in;
	struct h h;
	const struct h_frame f = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.sport = 40000,
		.dport = 80,
		.flags = PKT_SYN,
	};

	if (!setup(&h, H_VIP4) || !syn(&h, H_CLIENT4, H_VIP4, 40000, 1))
		goto out;
	ring_fill(ring, 7, 2);
	if (!h_backend(&h, 1, 0, 1) ||
	    !h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, ring, 7))
		goto out;
	if (!expect_icmp_fwd(&h, "error about a flow on a dead backend", false,
			     40000, 8, 2))
		goto out;
	h_build_in(&syn_in, &f);
	if (ASSERT_TRUE(h_flow_lookup(&h, &syn_in, &fl), "flow still there"))
		ASSERT_EQ(fl.backend_id, 1, "flow not moved by the error");
out:
	h_close(&h);
}

TEST(icmp6_dest_unreach_to_flow_backend)
{
	struct pkt q, in, exp;
	__u8 mac[6];
	struct h h;
	struct h_case c = {
		.desc = "ICMPv6 destination unreachable",
		.in = &in,
		.action = XDP_TX,
		.out = &exp,
		.stat = { [XLB_STAT_TX] = 1, [XLB_STAT_ICMP_FORWARDED] = 1 },
		.svc_id = 1,
		.be_id = 1,
	};

	if (!setup(&h, H_VIP6) || !syn(&h, H_CLIENT6, H_VIP6, 40000, 1))
		goto out;
	pkt_init(&q);
	pkt_ipv6(&q, H_VIP6, H_CLIENT6);
	pkt_tcp(&q, 80, 40000, PKT_ACK);
	pkt_finish(&q);
	h_be_mac(1, mac);
	for (int i = 0; i < 2; i++) {
		struct pkt *p = i ? &exp : &in;

		pkt_init(p);
		pkt_eth(p, i ? H_EGRESS_MAC : H_ROUTER_MAC, i ? mac : H_LB_MAC);
		pkt_ipv6(p, H_OTHER6, H_VIP6);
		pkt_icmp6_unreach(p, 3, &q); /* address unreachable */
		pkt_finish(p);
	}
	h_check(&h, &c, NULL);
out:
	h_close(&h);
}

TEST(icmp_not_about_a_vip_flow_passes)
{
	struct pkt in, q;
	struct h h;

	if (!setup(&h, H_VIP4) ||
	    !h_service(&h, H_VIP6, 80, IPPROTO_TCP, 2,
		       (const __u32[7]){ 1, 1, 1, 1, 1, 1, 1 }, 7))
		goto out;

	pkt_init(&in);
	pkt_eth(&in, H_ROUTER_MAC, H_LB_MAC);
	pkt_ipv4(&in, H_CLIENT4, H_VIP4);
	pkt_icmp_echo(&in, 1, 1);
	pkt_payload_fill(&in, 56, 0);
	pkt_finish(&in);
	h_check_pass(&h, "ping the VIP", &in, XLB_STAT_PASS_ICMP);

	pkt_init(&in);
	pkt_eth(&in, H_ROUTER_MAC, H_LB_MAC);
	pkt_ipv6(&in, H_CLIENT6, H_VIP6);
	pkt_icmp6_echo(&in, 1, 1);
	pkt_payload_fill(&in, 56, 0);
	pkt_finish(&in);
	h_check_pass(&h, "ping6 the VIP", &in, XLB_STAT_PASS_ICMP);

	/* neighbour solicitation for the VIP: the kernel's business */
	pkt_init(&in);
	pkt_eth(&in, H_ROUTER_MAC, H_LB_MAC);
	pkt_ipv6(&in, H_OTHER6, "ff02::1:ff00:100");
	pkt_ipv6_hlim(&in, 255);
	pkt_icmp6(&in, 135, 0, 0);
	pkt_payload_fill(&in, 16, 0);
	pkt_finish(&in);
	h_check_pass(&h, "neighbour solicitation", &in, XLB_STAT_PASS_ICMP);

	/* time exceeded quoting a VIP flow: not an error xlb forwards */
	pkt_init(&q);
	pkt_ipv4(&q, H_VIP4, H_CLIENT4);
	pkt_tcp(&q, 80, 40000, PKT_ACK);
	pkt_finish(&q);
	pkt_init(&in);
	pkt_eth(&in, H_ROUTER_MAC, H_LB_MAC);
	pkt_ipv4(&in, H_OTHER4, H_VIP4);
	pkt_icmp(&in, 11, 0, 0);
	pkt_quote(&in, &q, 28);
	pkt_finish(&in);
	h_check_pass(&h, "time exceeded", &in, XLB_STAT_PASS_ICMP);

	/* frag needed quoting a flow of no service: VIP:22, and UDP */
	pkt_init(&q);
	pkt_ipv4(&q, H_VIP4, H_CLIENT4);
	pkt_tcp(&q, 22, 40000, PKT_ACK);
	pkt_finish(&q);
	pkt_init(&in);
	pkt_eth(&in, H_ROUTER_MAC, H_LB_MAC);
	pkt_ipv4(&in, H_OTHER4, H_VIP4);
	pkt_icmp_frag_needed(&in, 1400, &q);
	pkt_finish(&in);
	h_check_pass(&h, "frag needed about VIP:22", &in, XLB_STAT_PASS_ICMP);

	icmp_err(&in, H_ROUTER_MAC, H_LB_MAC, false, IPPROTO_UDP, 40000, 8);
	h_check_pass(&h, "frag needed about UDP VIP:80", &in,
		     XLB_STAT_PASS_ICMP);

	/* quotes too short to hold the ports */
	icmp_err(&in, H_ROUTER_MAC, H_LB_MAC, false, IPPROTO_TCP, 40000, 3);
	h_check_pass(&h, "quote with 3 bytes of TCP", &in, XLB_STAT_PASS_ICMP);
	icmp_err(&in, H_ROUTER_MAC, H_LB_MAC, true, IPPROTO_TCP, 40000, 3);
	h_check_pass(&h, "ICMPv6 quote with 3 bytes of TCP", &in,
		     XLB_STAT_PASS_ICMP);
	icmp_err(&in, H_ROUTER_MAC, H_LB_MAC, false, IPPROTO_TCP, 40000, 0);
	pkt_truncate(&in, in.len - 1);
	pkt_finish(&in);
	h_check_pass(&h, "quote shorter than an IPv4 header", &in,
		     XLB_STAT_PASS_ICMP);
	ASSERT_EQ(h_flow_count(&h), 0, "no flow created");
out:
	h_close(&h);
}

/*
 * An error goes to the source of the packet it quotes: one about the
 * VIP's reply that is sent to another address (another VIP, or not a VIP)
 * is not about that flow. Passed, and the flow stays as it was.
 */
TEST(icmp_error_to_another_address_than_its_vip_passes)
{
	static const char *const to4[] = { H_VIP4_B, H_OTHER4 };
	static const char *const to6[] = { "2001:db8:f::101", H_OTHER6 };
	__u32 ring[7];
	struct pkt in;
	struct h h;

	ring_fill(ring, 7, 1);
	if (!setup(&h, H_VIP4) ||
	    !h_service(&h, H_VIP4_B, 80, IPPROTO_TCP, 2, ring, 7) ||
	    !h_service(&h, H_VIP6, 80, IPPROTO_TCP, 3, ring, 7) ||
	    !h_service(&h, to6[0], 80, IPPROTO_TCP, 4, ring, 7) ||
	    !syn(&h, H_CLIENT4, H_VIP4, 40000, 1))
		goto out;
	for (int i = 0; i < 2; i++) {
		icmp_err_to(&in, H_ROUTER_MAC, H_LB_MAC, false, IPPROTO_TCP,
			    40000, 8, to4[i]);
		h_check_pass(&h,
			     i ? "frag needed about VIP:80, to a non-VIP"
			       : "frag needed about VIP:80, to another VIP",
			     &in, XLB_STAT_PASS_ICMP);
		icmp_err_to(&in, H_ROUTER_MAC, H_LB_MAC, true, IPPROTO_TCP,
			    40000, 8, to6[i]);
		h_check_pass(&h,
			     i ? "too big about VIP6:80, to a non-VIP"
			       : "too big about VIP6:80, to another VIP",
			     &in, XLB_STAT_PASS_ICMP);
	}
	/* the same errors to the VIP they quote still reach the backend */
	expect_icmp_fwd(&h, "frag needed to the VIP it quotes", false, 40000, 8,
			1);
out:
	h_close(&h);
}

TEST(icmp_error_service_without_backend_drops)
{
	struct pkt in;
	struct h h;
	struct h_case c = {
		.desc = "frag needed, service has no backend",
		.in = &in,
		.action = XDP_DROP,
		.stat = { [XLB_STAT_DROP_NO_BACKEND] = 1 },
	};

	if (!h_open(&h) || !h_backends_up(&h, 1) ||
	    !h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, NULL, 0))
		goto out;
	icmp_err(&in, H_ROUTER_MAC, H_LB_MAC, false, IPPROTO_TCP, 40000, 8);
	h_check(&h, &c, NULL);
out:
	h_close(&h);
}

/* A TCP segment from the client split into fragments: IPv4 or IPv6. */
static void frag(struct pkt *p, bool v6, const char *dst, __u16 offset,
		 bool more)
{
	pkt_init(p);
	pkt_eth(p, H_ROUTER_MAC, H_LB_MAC);
	if (v6) {
		pkt_ipv6(p, H_CLIENT6, dst);
		pkt_ipv6_frag(p, offset, more, 0xabcd);
	} else {
		pkt_ipv4(p, H_CLIENT4, dst);
		pkt_ipv4_frag(p, false, more, offset);
	}
	if (offset == 0) {
		pkt_tcp(p, 40000, 80, PKT_ACK);
		pkt_payload_fill(p, 1000, 0);
	} else {
		/* a later fragment: no L4 header, just data */
		if (v6)
			pkt_set8(p, pkt_off(p, PKT_L_IPV6_EXT, 0), IPPROTO_TCP);
		else
			pkt_ipv4_proto(p, IPPROTO_TCP);
		pkt_payload_fill(p, 600, 0);
	}
	pkt_finish(p);
}

static void fragments(bool v6)
{
	const char *vip = v6 ? H_VIP6 : H_VIP4;
	const char *other = v6 ? H_OTHER6 : H_OTHER4;
	static const struct {
		const char *desc;
		__u16 offset;
		bool more;
	} frags[] = {
		{ "first fragment", 0, true },
		{ "middle fragment", 1008, true },
		{ "last fragment", 2016, false },
	};
	struct pkt in;
	struct h h;

	if (!setup(&h, vip) || !h_vip_mark(&h, vip, true))
		goto out;
	for (size_t i = 0; i < sizeof(frags) / sizeof(frags[0]); i++) {
		struct h_case c = {
			.desc = frags[i].desc,
			.in = &in,
			.action = XDP_DROP,
			.stat = { [XLB_STAT_DROP_FRAGMENT] = 1 },
		};

		frag(&in, v6, vip, frags[i].offset, frags[i].more);
		h_check(&h, &c, NULL);
	}

	frag(&in, v6, other, 0, true);
	h_check_pass(&h, "first fragment to a non-VIP", &in,
		     XLB_STAT_PASS_NON_VIP);
	frag(&in, v6, other, 1008, false);
	h_check_pass(&h, "last fragment to a non-VIP", &in,
		     XLB_STAT_PASS_NON_VIP);

	/* VIP without the address marker: the kernel gets it */
	if (!h_vip_mark(&h, vip, false))
		goto out;
	frag(&in, v6, vip, 0, true);
	h_check_pass(&h, "fragment to a VIP without the marker", &in,
		     XLB_STAT_PASS_NON_VIP);
	ASSERT_EQ(h_flow_count(&h), 0, "no flow created");
out:
	h_close(&h);
}

TEST(fragments4_to_vip_drop)
{
	fragments(false);
}

TEST(fragments6_to_vip_drop)
{
	fragments(true);
}

/* An IPv6 "atomic fragment" (offset 0, M clear) is a whole datagram. */
TEST(ipv6_atomic_fragment_forwarded)
{
	struct pkt in, exp;
	__u8 mac[6];
	struct h h;
	struct h_case c = {
		.desc = "atomic fragment",
		.in = &in,
		.action = XDP_TX,
		.out = &exp,
		.stat = { [XLB_STAT_TX] = 1, [XLB_STAT_NEW_FLOW] = 1 },
		.svc_id = 1,
		.be_id = 1,
		.new_flow = true,
		.flows = 1,
	};

	if (!setup(&h, H_VIP6) || !h_vip_mark(&h, H_VIP6, true))
		goto out;
	h_be_mac(1, mac);
	for (int i = 0; i < 2; i++) {
		struct pkt *p = i ? &exp : &in;

		pkt_init(p);
		pkt_eth(p, i ? H_EGRESS_MAC : H_ROUTER_MAC, i ? mac : H_LB_MAC);
		pkt_ipv6(p, H_CLIENT6, H_VIP6);
		pkt_ipv6_frag(p, 0, false, 1);
		pkt_tcp(p, 40000, 80, PKT_SYN);
		pkt_finish(p);
	}
	h_check(&h, &c, NULL);
out:
	h_close(&h);
}
