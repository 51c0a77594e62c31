// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * VIP frames by destination MAC: only those sent to the interface's own
 * MAC are forwarded; broadcast, multicast and other hosts' frames go to the
 * kernel untouched, counted, and leave no flow behind.
 */
#include <arpa/inet.h>
#include <string.h>

#include "harness.h"

static const __u8 BCAST[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const __u8 MCAST4[6] = { 0x01, 0x00, 0x5e, 0x13, 0x00, 0x64 };
static const __u8 MCAST6[6] = { 0x33, 0x33, 0x00, 0x00, 0x01, 0x00 };
/* another host on the segment: H_LB_MAC but for the last byte */
static const __u8 OTHER[6] = { 0x02, 0x78, 0x6c, 0x62, 0x00, 0x09 };
/* H_LB_MAC with the I/G bit set: a group address, not ours */
static const __u8 LB_GROUP[6] = { 0x03, 0x78, 0x6c, 0x62, 0x00, 0x01 };

/*
 * Service 1 on H_VIP4:80/tcp, ring all backend 1, and service 2 on
 * H_VIP6:80/tcp, all backend 2 (a backend serves one service).
 */
static bool setup(struct h *h)
{
	__u32 ring1[7], ring2[7];

	for (int i = 0; i < 7; i++) {
		ring1[i] = 1;
		ring2[i] = 2;
	}
	return h_open(h) && h_backends_up(h, 2) &&
	       h_service(h, H_VIP4, 80, IPPROTO_TCP, 1, ring1, 7) &&
	       h_service(h, H_VIP6, 80, IPPROTO_TCP, 2, ring2, 7) &&
	       h_vip_mark(h, H_VIP4, true);
}

static void frame(struct pkt *p, const struct h_frame *f, const __u8 dmac[6])
{
	h_build(p, f, H_ROUTER_MAC, dmac);
}

static bool expect_fwd(struct h *h, const char *desc, const struct h_frame *f,
		       const __u8 dmac[6], __u32 svc, bool new_flow)
{
	struct pkt in, exp;
	struct h_case c = {
		.desc = desc,
		.in = &in,
		.action = XDP_TX,
		.out = &exp,
		.stat = { [XLB_STAT_TX] = 1, [XLB_STAT_NEW_FLOW] = new_flow },
		.svc_id = svc,
		.be_id = svc, /* service 1: backend 1, 2: 2 */
		.new_flow = new_flow,
		.flows = new_flow,
	};

	frame(&in, f, dmac);
	h_build_to(&exp, f, svc);
	c.stat[XLB_STAT_FLOW_PROMOTED] =
		!new_flow && h_flow_unconfirmed(h, &in);
	return h_check(h, &c, NULL);
}

TEST(l2_group_and_other_host_vip_frames_pass)
{
	struct h_frame f4 = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.sport = 41000,
		.dport = 80,
		.flags = PKT_SYN,
	};
	struct h_frame f6 = f4;
	struct pkt in;
	struct h h;

	f6.src = H_CLIENT6;
	f6.dst = H_VIP6;
	if (!setup(&h))
		goto out;
	frame(&in, &f4, BCAST);
	h_check_pass(&h, "SYN to the VIP, broadcast MAC", &in,
		     XLB_STAT_PASS_MAC_GROUP);
	frame(&in, &f4, MCAST4);
	h_check_pass(&h, "SYN to the VIP, IPv4 multicast MAC", &in,
		     XLB_STAT_PASS_MAC_GROUP);
	frame(&in, &f6, MCAST6);
	h_check_pass(&h, "IPv6 SYN to the VIP, IPv6 multicast MAC", &in,
		     XLB_STAT_PASS_MAC_GROUP);
	frame(&in, &f4, LB_GROUP);
	h_check_pass(&h, "SYN to the VIP, our MAC with the group bit", &in,
		     XLB_STAT_PASS_MAC_GROUP);
	frame(&in, &f4, OTHER);
	h_check_pass(&h, "SYN to the VIP, another host's MAC", &in,
		     XLB_STAT_PASS_MAC_OTHER);
	frame(&in, &f6, OTHER);
	h_check_pass(&h, "IPv6 SYN to the VIP, another host's MAC", &in,
		     XLB_STAT_PASS_MAC_OTHER);
	f4.proto = IPPROTO_UDP;
	frame(&in, &f4, OTHER);
	h_check_pass(&h, "UDP to the VIP (no such service), another host's MAC",
		     &in, XLB_STAT_PASS_NON_VIP);
	ASSERT_EQ(h_flow_count(&h), 0, "no flow from frames not ours");

	/* our own MAC: forwarded, as ever */
	f4.proto = IPPROTO_TCP;
	expect_fwd(&h, "SYN to the VIP, our MAC", &f4, H_LB_MAC, 1, true);
	expect_fwd(&h, "IPv6 SYN to the VIP, our MAC", &f6, H_LB_MAC, 2, true);
out:
	h_close(&h);
}

TEST(l2_established_flow_to_other_mac_not_forwarded)
{
	struct h_frame f = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.sport = 41001,
		.dport = 80,
		.flags = PKT_SYN,
	};
	struct xlb_flow before, after;
	struct pkt in;
	struct h h;

	if (!setup(&h) ||
	    !expect_fwd(&h, "SYN, our MAC", &f, H_LB_MAC, 1, true))
		goto out;
	f.flags = PKT_ACK;
	if (!expect_fwd(&h, "ACK, our MAC", &f, H_LB_MAC, 1, false))
		goto out;
	frame(&in, &f, OTHER);
	if (!ASSERT_TRUE(h_flow_lookup(&h, &in, &before), "flow pinned"))
		goto out;
	/* a copy of the flow's packet that a flooding switch sent here */
	h_check_pass(&h, "the flow's ACK to another host's MAC", &in,
		     XLB_STAT_PASS_MAC_OTHER);
	frame(&in, &f, BCAST);
	h_check_pass(&h, "the flow's ACK to the broadcast MAC", &in,
		     XLB_STAT_PASS_MAC_GROUP);
	f.flags = PKT_FIN | PKT_ACK;
	frame(&in, &f, OTHER);
	h_check_pass(&h, "the flow's FIN to another host's MAC", &in,
		     XLB_STAT_PASS_MAC_OTHER);
	if (ASSERT_TRUE(h_flow_lookup(&h, &in, &after), "flow still pinned"))
		ASSERT_EQ(after.flags, before.flags,
			  "a FIN not ours does not close the flow");
	expect_fwd(&h, "the flow's FIN, our MAC", &f, H_LB_MAC, 1, false);
out:
	h_close(&h);
}

TEST(l2_unknown_mac_passes_only_group_frames)
{
	static const __u8 zero[6];
	const struct h_frame f = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.sport = 41002,
		.dport = 80,
		.flags = PKT_SYN,
	};
	struct pkt in;
	struct h h;

	if (!setup(&h) ||
	    !ASSERT_OK(xlb_dp_if_mac_set(&h.dp, zero), "MAC not known"))
		goto out;
	frame(&in, &f, BCAST);
	h_check_pass(&h, "MAC not known: broadcast passed", &in,
		     XLB_STAT_PASS_MAC_GROUP);
	expect_fwd(&h, "MAC not known: any unicast MAC is ours", &f, OTHER, 1,
		   true);
out:
	h_close(&h);
}

TEST(l2_fragment_and_icmp_error_to_group_mac_pass)
{
	const struct h_frame f = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.sport = 41003,
		.dport = 80,
		.flags = PKT_SYN,
	};
	struct h_case drop = {
		.desc = "fragment to the VIP, our MAC",
		.action = XDP_DROP,
		.stat = { [XLB_STAT_DROP_FRAGMENT] = 1 },
	};
	struct pkt in, q;
	struct h h;

	if (!setup(&h))
		goto out;
	pkt_init(&in);
	pkt_eth(&in, H_ROUTER_MAC, BCAST);
	pkt_ipv4(&in, H_CLIENT4, H_VIP4);
	pkt_ipv4_frag(&in, false, true, 0);
	pkt_udp(&in, 5000, 80);
	pkt_payload_fill(&in, 64, 1);
	pkt_finish(&in);
	h_check_pass(&h, "fragment to the VIP, broadcast MAC", &in,
		     XLB_STAT_PASS_MAC_GROUP);
	memcpy(in.data, H_LB_MAC, 6);
	drop.in = &in;
	h_check(&h, &drop, NULL);

	/* an error about the flow's reply, to another host's MAC */
	if (!expect_fwd(&h, "SYN, our MAC", &f, H_LB_MAC, 1, true))
		goto out;
	pkt_init(&q);
	pkt_ipv4(&q, H_VIP4, H_CLIENT4);
	pkt_tcp(&q, 80, 41003, PKT_ACK);
	pkt_payload_fill(&q, 1400, 0);
	pkt_finish(&q);
	pkt_init(&in);
	pkt_eth(&in, H_ROUTER_MAC, OTHER);
	pkt_ipv4(&in, H_OTHER4, H_VIP4);
	pkt_icmp_frag_needed(&in, 1400, &q);
	pkt_finish(&in);
	h_check_pass(&h, "frag needed about the flow, another host's MAC", &in,
		     XLB_STAT_PASS_MAC_OTHER);
	memcpy(in.data, MCAST4, 6);
	h_check_pass(&h, "frag needed about the flow, multicast MAC", &in,
		     XLB_STAT_PASS_MAC_GROUP);
out:
	h_close(&h);
}

TEST(l2_non_vip_frames_keep_their_counters)
{
	const struct h_frame f = {
		.src = H_CLIENT4,
		.dst = H_OTHER4,
		.sport = 41004,
		.dport = 80,
		.flags = PKT_SYN,
	};
	struct pkt in;
	struct h h;

	if (!setup(&h))
		goto out;
	frame(&in, &f, BCAST);
	h_check_pass(&h, "SYN to another address, broadcast MAC", &in,
		     XLB_STAT_PASS_NON_VIP);
	frame(&in, &f, OTHER);
	h_check_pass(&h, "SYN to another address, another host's MAC", &in,
		     XLB_STAT_PASS_NON_VIP);
out:
	h_close(&h);
}
