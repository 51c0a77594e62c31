// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Forwarding and passing: what reaches a backend, rewritten how, and what
 * goes to the kernel untouched.
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <unistd.h>

#include "harness.h"
#include "xlb_util.h"

/* A ring of n slots all holding backend id. */
static void ring_fill(__u32 *ring, __u32 n, __u32 id)
{
	for (__u32 i = 0; i < n; i++)
		ring[i] = id;
}

/* Service id 1 on vip:port/proto whose 7-slot ring is all be_id, backends
 * 1..3 UP. */
static bool setup_one(struct h *h, const char *vip, __u16 port, __u8 proto,
		      __u32 be_id)
{
	__u32 ring[7];

	ring_fill(ring, 7, be_id);
	return h_open(h) && h_backends_up(h, 3) &&
	       h_service(h, vip, port, proto, 1, ring, 7);
}

/* The fixture of a packet that must reach be_id with its MACs rewritten. */
static bool check_fwd(struct h *h, const char *desc, const struct h_frame *f,
		      __u32 be_id, bool new_flow)
{
	struct pkt in, exp;
	struct h_case c = {
		.desc = desc,
		.in = &in,
		.action = XDP_TX,
		.out = &exp,
		.stat = {
			[XLB_STAT_TX] = 1,
			[XLB_STAT_NEW_FLOW] = new_flow,
		},
		.svc_id = 1,
		.be_id = be_id,
		.new_flow = new_flow,
		.flows = new_flow,
	};

	h_build_in(&in, f);
	h_build_to(&exp, f, be_id);
	/* the first packet after a SYN confirms the flow (main table) */
	c.stat[XLB_STAT_FLOW_PROMOTED] =
		!new_flow && h_flow_unconfirmed(h, &in);
	return h_check(h, &c, NULL);
}

/* The fixture of a frame that must go to the kernel untouched. */
static bool check_pass(struct h *h, const char *desc, const struct pkt *in,
		       enum xlb_stat why)
{
	struct h_case c = {
		.desc = desc,
		.in = in,
		.action = XDP_PASS,
	};

	c.stat[why] = 1;
	return h_check(h, &c, NULL);
}

TEST(tcp4_syn_to_vip)
{
	const struct h_frame f = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.sport = 40000,
		.dport = 80,
		.flags = PKT_SYN,
	};
	struct xlb_flow flow;
	struct pkt in;
	struct h h;

	if (!setup_one(&h, H_VIP4, 80, IPPROTO_TCP, 2))
		goto out;
	if (!check_fwd(&h, "SYN to VIP:80", &f, 2, true))
		goto out;

	/* pinned: client -> VIP 5-tuple to backend 2, gen 1 */
	h_build_in(&in, &f);
	if (!ASSERT_TRUE(h_flow_lookup(&h, &in, &flow),
			 "flow in the flow table"))
		goto out;
	ASSERT_EQ(flow.backend_id, 2, "pinned backend");
	ASSERT_EQ(flow.backend_gen, 1, "pinned gen");
	ASSERT_NE(flow.created, 0, "creation time");
	ASSERT_EQ(flow.seen, (__u32)flow.created, "last seen at creation");
out:
	h_close(&h);
}

TEST(tcp4_established_same_backend)
{
	const __u32 ring[7] = { 1, 2, 3, 1, 2, 3, 1 };
	struct h_frame f = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.sport = 40001,
		.dport = 80,
		.flags = PKT_SYN,
	};
	struct xlb_flow_key k;
	struct pkt in;
	__u32 be;
	struct h h;

	if (!h_open(&h) || !h_backends_up(&h, 3) ||
	    !h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, ring, 7))
		goto out;
	h_build_in(&in, &f);
	if (!h_pkt_key(&in, &k))
		goto out;
	be = h_ring_pick(&k, ring, 7);
	if (!check_fwd(&h, "SYN", &f, be, true))
		goto out;

	h_build_in(&in, &f);
	ASSERT_TRUE(h_flow_unconfirmed(&h, &in), "SYN waits unconfirmed");
	ASSERT_EQ(h_flow_count_main(&h), 0, "main table untouched by a SYN");
	f.flags = PKT_ACK;
	f.seq = 2;
	if (!check_fwd(&h, "ACK of the handshake", &f, be, false))
		goto out;
	h_build_in(&in, &f);
	ASSERT_TRUE(!h_flow_unconfirmed(&h, &in), "ACK confirmed the flow");
	ASSERT_EQ(h_flow_count_main(&h), 1, "confirmed flow in main table");
	f.flags = PKT_ACK | PKT_PSH;
	f.payload = 700;
	if (!check_fwd(&h, "data", &f, be, false))
		goto out;
	f.flags = PKT_ACK | PKT_FIN;
	f.payload = 0;
	check_fwd(&h, "FIN", &f, be, false);
out:
	h_close(&h);
}

TEST(udp4_to_udp_vip)
{
	const struct h_frame f = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.proto = IPPROTO_UDP,
		.sport = 5353,
		.dport = 53,
		.payload = 40,
	};
	struct xlb_flow flow;
	struct pkt in;
	struct h h;

	if (!setup_one(&h, H_VIP4, 53, IPPROTO_UDP, 3))
		goto out;
	if (!check_fwd(&h, "UDP query", &f, 3, true))
		goto out;
	h_build_in(&in, &f);
	if (ASSERT_TRUE(h_flow_lookup(&h, &in, &flow), "UDP flow pinned"))
		ASSERT_EQ(flow.backend_id, 3, "pinned backend");
	check_fwd(&h, "second datagram", &f, 3, false);
out:
	h_close(&h);
}

TEST(tcp_to_udp_only_service_passes)
{
	const struct h_frame f = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.sport = 40000,
		.dport = 53,
		.flags = PKT_SYN,
	};
	struct pkt in;
	struct h h;

	if (!setup_one(&h, H_VIP4, 53, IPPROTO_UDP, 1))
		goto out;
	h_build_in(&in, &f);
	check_pass(&h, "TCP to a UDP-only VIP:53", &in, XLB_STAT_PASS_NON_VIP);
out:
	h_close(&h);
}

TEST(tcp6_to_vip)
{
	struct h_frame f = {
		.src = H_CLIENT6,
		.dst = H_VIP6,
		.sport = 40000,
		.dport = 443,
		.flags = PKT_SYN,
	};
	struct xlb_flow flow;
	struct pkt in;
	struct h h;

	if (!setup_one(&h, H_VIP6, 443, IPPROTO_TCP, 2))
		goto out;
	if (!check_fwd(&h, "IPv6 SYN", &f, 2, true))
		goto out;
	h_build_in(&in, &f);
	if (ASSERT_TRUE(h_flow_lookup(&h, &in, &flow), "IPv6 flow pinned"))
		ASSERT_EQ(flow.backend_id, 2, "pinned backend");
	f.flags = PKT_ACK;
	f.payload = 100;
	check_fwd(&h, "IPv6 ACK", &f, 2, false);
out:
	h_close(&h);
}

/* IPv6 TCP to VIP6:80 with a chain of extension headers (a string of
 * letters: h hop-by-hop, d destination options, r routing, f atomic
 * fragment, a AH). */
static void tcp6_ext(struct pkt *p, const __u8 *smac, const __u8 *dmac,
		     const char *chain, __u16 sport)
{
	pkt_init(p);
	pkt_eth(p, smac, dmac);
	pkt_ipv6(p, H_CLIENT6, H_VIP6);
	for (const char *c = chain; *c; c++) {
		switch (*c) {
		case 'h':
			pkt_ipv6_hopopts(p, 8);
			break;
		case 'd':
			pkt_ipv6_dstopts(p, 16);
			break;
		case 'r':
			pkt_ipv6_routing(p, "2001:db8:f::100");
			break;
		case 'f':
			pkt_ipv6_frag(p, 0, false, 77);
			break;
		case 'a':
			pkt_ipv6_ah(p, 12);
			break;
		}
	}
	pkt_tcp(p, sport, 80, PKT_SYN);
	pkt_payload(p, "ext", 3);
	pkt_finish(p);
}

static bool check_ext_fwd(struct h *h, const char *chain, __u16 sport, __u32 be)
{
	struct pkt in, exp;
	__u8 mac[6];
	struct h_case c = {
		.desc = chain,
		.in = &in,
		.action = XDP_TX,
		.out = &exp,
		.stat = { [XLB_STAT_TX] = 1, [XLB_STAT_NEW_FLOW] = 1 },
		.svc_id = 1,
		.be_id = be,
		.new_flow = true,
		.flows = 1,
	};

	h_be_mac(be, mac);
	tcp6_ext(&in, H_ROUTER_MAC, H_LB_MAC, chain, sport);
	tcp6_ext(&exp, H_EGRESS_MAC, mac, chain, sport);
	return h_check(h, &c, NULL);
}

TEST(tcp6_ext_headers_to_vip)
{
	static const char *const chains[] = {
		"h", "d", "hd", "hdrd", "f", "a", "hdfa",
	};
	struct h h;

	if (!setup_one(&h, H_VIP6, 80, IPPROTO_TCP, 3))
		goto out;
	for (size_t i = 0; i < ARRAY_SIZE(chains); i++)
		check_ext_fwd(&h, chains[i], 41000 + i, 3);
out:
	h_close(&h);
}

/* XLB_MAX_IPV6_EXT headers are walked; one more is the kernel's job. */
TEST(ipv6_ext_header_limit)
{
	char chain[XLB_MAX_IPV6_EXT + 2] = "";
	struct pkt in;
	struct h h;

	if (!setup_one(&h, H_VIP6, 80, IPPROTO_TCP, 1))
		goto out;
	/* hop-by-hop first, then destination options */
	chain[0] = 'h';
	for (int i = 1; i < XLB_MAX_IPV6_EXT; i++)
		chain[i] = 'd';
	check_ext_fwd(&h, chain, 42000, 1);

	chain[XLB_MAX_IPV6_EXT] = 'd';
	tcp6_ext(&in, H_ROUTER_MAC, H_LB_MAC, chain, 42001);
	check_pass(&h, "XLB_MAX_IPV6_EXT + 1 extension headers", &in,
		   XLB_STAT_PASS_EXT_LIMIT);
out:
	h_close(&h);
}

TEST(vlan_tagged_to_vip)
{
	struct h_frame f = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.sport = 40000,
		.dport = 80,
		.flags = PKT_SYN,
		.vlans = 1,
		.vid = { 100 },
		.payload = 10,
	};
	struct h h;

	if (!setup_one(&h, H_VIP4, 80, IPPROTO_TCP, 2) ||
	    !h_service(&h, H_VIP6, 80, IPPROTO_TCP, 2,
		       (const __u32[7]){ 3, 3, 3, 3, 3, 3, 3 }, 7))
		goto out;
	if (!check_fwd(&h, "802.1Q VID 100", &f, 2, true))
		goto out;

	f.vlans = 2;
	f.vid[0] = 10;
	f.vid[1] = 20;
	f.sport = 40001;
	if (!check_fwd(&h, "802.1ad VID 10 + 802.1Q VID 20", &f, 2, true))
		goto out;

	/* IPv6 in two tags: service 2 */
	{
		struct pkt in, exp;
		__u8 mac[6];
		struct h_case c = {
			.desc = "IPv6 in 802.1ad + 802.1Q",
			.in = &in,
			.action = XDP_TX,
			.out = &exp,
			.stat = { [XLB_STAT_TX] = 1, [XLB_STAT_NEW_FLOW] = 1 },
			.svc_id = 2,
			.be_id = 3,
			.new_flow = true,
			.flows = 1,
		};

		f.src = H_CLIENT6;
		f.dst = H_VIP6;
		h_be_mac(3, mac);
		h_build_in(&in, &f);
		h_build(&exp, &f, H_EGRESS_MAC, mac);
		h_check(&h, &c, NULL);
	}
out:
	h_close(&h);
}

TEST(three_vlan_tags_pass)
{
	struct pkt in;
	struct h h;

	if (!setup_one(&h, H_VIP4, 80, IPPROTO_TCP, 1))
		goto out;
	/* deeper than XLB_MAX_VLAN_DEPTH: not ours to parse */
	pkt_init(&in);
	pkt_eth(&in, H_ROUTER_MAC, H_LB_MAC);
	pkt_vlan_tpid(&in, 0x88a8, 1);
	pkt_vlan(&in, 2);
	pkt_vlan(&in, 3);
	pkt_ipv4(&in, H_CLIENT4, H_VIP4);
	pkt_tcp(&in, 40000, 80, PKT_SYN);
	pkt_finish(&in);
	check_pass(&h, "three VLAN tags", &in, XLB_STAT_PASS_NON_IP);
out:
	h_close(&h);
}

TEST(non_vip_and_non_ip_pass)
{
	struct h_frame f = {
		.src = H_CLIENT4,
		.dst = H_OTHER4,
		.sport = 40000,
		.dport = 80,
		.flags = PKT_SYN,
		.payload = 20,
	};
	static const __u8 zero_mac[6];
	struct pkt in;
	struct h h;

	if (!setup_one(&h, H_VIP4, 80, IPPROTO_TCP, 1) ||
	    !h_service(&h, H_VIP6, 80, IPPROTO_TCP, 2,
		       (const __u32[7]){ 1, 1, 1, 1, 1, 1, 1 }, 7))
		goto out;

	h_build_in(&in, &f);
	check_pass(&h, "IPv4 TCP to a non-VIP", &in, XLB_STAT_PASS_NON_VIP);

	f.proto = IPPROTO_UDP;
	h_build_in(&in, &f);
	check_pass(&h, "IPv4 UDP to a non-VIP", &in, XLB_STAT_PASS_NON_VIP);

	f.proto = IPPROTO_TCP;
	f.src = H_CLIENT6;
	f.dst = H_OTHER6;
	h_build_in(&in, &f);
	check_pass(&h, "IPv6 TCP to a non-VIP", &in, XLB_STAT_PASS_NON_VIP);

	/* VIP address, protocol xlb does not serve (GRE) */
	pkt_init(&in);
	pkt_eth(&in, H_ROUTER_MAC, H_LB_MAC);
	pkt_ipv4(&in, H_CLIENT4, H_VIP4);
	pkt_ipv4_proto(&in, 47);
	pkt_payload_fill(&in, 24, 0);
	pkt_finish(&in);
	check_pass(&h, "GRE to the VIP", &in, XLB_STAT_PASS_NON_VIP);

	pkt_init(&in);
	pkt_eth(&in, H_ROUTER_MAC,
		(const __u8[6]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff });
	pkt_arp(&in, 1, H_ROUTER_MAC, H_CLIENT4, zero_mac, H_VIP4);
	pkt_finish(&in);
	check_pass(&h, "ARP who-has VIP", &in, XLB_STAT_PASS_NON_IP);

	/* LLDP: some other EtherType, padded to the minimum frame */
	pkt_init(&in);
	pkt_eth(&in, H_ROUTER_MAC, H_LB_MAC);
	pkt_ethertype(&in, 0x88cc);
	pkt_payload_fill(&in, 46, 0);
	pkt_finish(&in);
	check_pass(&h, "LLDP", &in, XLB_STAT_PASS_NON_IP);

	/* EtherType 0 is an 802.3 frame of length 0, not a cut-short one;
	 * behind a VLAN tag as well */
	pkt_init(&in);
	pkt_eth(&in, H_ROUTER_MAC, H_LB_MAC);
	pkt_ethertype(&in, 0x0000);
	pkt_payload_fill(&in, 46, 0);
	pkt_finish(&in);
	check_pass(&h, "EtherType 0", &in, XLB_STAT_PASS_NON_IP);
	pkt_init(&in);
	pkt_eth(&in, H_ROUTER_MAC, H_LB_MAC);
	pkt_vlan(&in, 100);
	pkt_ethertype(&in, 0x0000);
	pkt_payload_fill(&in, 42, 0);
	pkt_finish(&in);
	check_pass(&h, "EtherType 0 behind 802.1Q", &in, XLB_STAT_PASS_NON_IP);
out:
	h_close(&h);
}

TEST(vip_unserved_port_passes)
{
	struct h_frame f = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.sport = 40000,
		.dport = 22,
		.flags = PKT_SYN,
	};
	struct pkt in;
	struct h h;

	if (!setup_one(&h, H_VIP4, 80, IPPROTO_TCP, 1))
		goto out;
	/* the address marker must not turn other ports into services */
	if (!h_vip_mark(&h, H_VIP4, true))
		goto out;
	h_build_in(&in, &f);
	check_pass(&h, "VIP:22, only :80 served", &in, XLB_STAT_PASS_NON_VIP);
	f.dport = 0;
	h_build_in(&in, &f);
	check_pass(&h, "VIP:0 with the VIP marker on", &in,
		   XLB_STAT_PASS_NON_VIP);
	f.dport = 80;
	f.proto = IPPROTO_UDP;
	h_build_in(&in, &f);
	check_pass(&h, "UDP VIP:80, only TCP served", &in,
		   XLB_STAT_PASS_NON_VIP);
out:
	h_close(&h);
}

/* IPv4 TCP SYN to VIP:80 carrying IPv4 options. */
static void tcp4_opts(struct pkt *p, const __u8 *smac, const __u8 *dmac,
		      const __u8 *opts, size_t len, __u16 sport)
{
	pkt_init(p);
	pkt_eth(p, smac, dmac);
	pkt_ipv4(p, H_CLIENT4, H_VIP4);
	pkt_ipv4_options(p, opts, len);
	pkt_tcp(p, sport, 80, PKT_SYN);
	pkt_payload(p, "opt", 3);
	pkt_finish(p);
}

TEST(ipv4_valid_options_forwarded)
{
	static const struct {
		const char *desc;
		__u8 opts[40];
		size_t len;
	} cases[] = {
		{ "NOP NOP router-alert", { 1, 1, 148, 4, 0, 0 }, 6 },
		{ "router alert", { 148, 4, 0, 0 }, 4 },
		{ "EOL then garbage", { 0, 0xff, 0xff, 0xff }, 4 },
		{ "timestamp, 40 bytes", { 68, 40, 5, 0 }, 40 },
		{ "NOP x3 then EOL", { 1, 1, 1, 0 }, 4 },
	};
	struct pkt in, exp;
	__u8 mac[6];
	struct h h;

	if (!setup_one(&h, H_VIP4, 80, IPPROTO_TCP, 2))
		goto out;
	h_be_mac(2, mac);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct h_case c = {
			.desc = cases[i].desc,
			.in = &in,
			.action = XDP_TX,
			.out = &exp,
			.stat = { [XLB_STAT_TX] = 1, [XLB_STAT_NEW_FLOW] = 1 },
			.svc_id = 1,
			.be_id = 2,
			.new_flow = true,
			.flows = 1,
		};

		tcp4_opts(&in, H_ROUTER_MAC, H_LB_MAC, cases[i].opts,
			  cases[i].len, 43000 + i);
		tcp4_opts(&exp, H_EGRESS_MAC, mac, cases[i].opts, cases[i].len,
			  43000 + i);
		h_check(&h, &c, NULL);
	}
out:
	h_close(&h);
}

/* A backend on another interface than the one the packet came in on. */
static bool backend_on(struct h *h, __u32 id, __u32 ifindex)
{
	struct xlb_backend be = {
		.flags = XLB_BE_F_UP,
		.gen = 1,
		.ifindex = ifindex,
	};

	h_be_mac(id, be.dmac);
	memcpy(be.smac, H_EGRESS_MAC, 6);
	return h_backend_set(h, id, &be);
}

/* Some interface other than lo, the test run's default ingress. */
static __u32 other_ifindex(void)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	__u32 idx = 0;

	for (i = ifs; i && i->if_index; i++) {
		if (i->if_index != 1) {
			idx = i->if_index;
			break;
		}
	}
	if (ifs)
		if_freenameindex(ifs);
	return idx;
}

TEST(egress_on_ingress_is_tx)
{
	const struct h_frame f = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.sport = 40000,
		.dport = 80,
		.flags = PKT_SYN,
	};
	struct h h;

	/* BPF_PROG_TEST_RUN's default ingress is the loopback, ifindex 1 */
	if (!setup_one(&h, H_VIP4, 80, IPPROTO_TCP, 2) || !backend_on(&h, 2, 1))
		goto out;
	check_fwd(&h, "backend behind the ingress port", &f, 2, true);
out:
	h_close(&h);
}

/*
 * XDP_REDIRECT. Without a devmap entry for the backend's interface
 * bpf_redirect_map() fails and the packet is a counted drop. With one, the
 * program returns XDP_REDIRECT; BPF_PROG_TEST_RUN (without
 * BPF_F_TEST_XDP_LIVE_FRAMES) reports that verdict but does not transmit,
 * so what is checked is the verdict, the rewritten frame and the counters.
 */
TEST(redirect_without_devmap_entry_drops)
{
	const struct h_frame f = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.sport = 40000,
		.dport = 80,
		.flags = PKT_SYN,
	};
	struct pkt in, exp;
	struct h h;
	struct h_case c = {
		.desc = "backend on ifindex 1000, not in the devmap",
		.in = &in,
		.action = XDP_DROP,
		/* the program leaves its rewrite in the dropped buffer */
		.out = &exp,
		.stat = {
			[XLB_STAT_NEW_FLOW] = 1,
			[XLB_STAT_DROP_REDIRECT] = 1,
		},
		/* dropped: not accounted as forwarded */
		.svc_id = 0,
		.flows = 1,
	};

	if (!setup_one(&h, H_VIP4, 80, IPPROTO_TCP, 2) ||
	    !backend_on(&h, 2, 1000))
		goto out;
	h_build_in(&in, &f);
	h_build_to(&exp, &f, 2);
	h_check(&h, &c, NULL);
out:
	h_close(&h);
}

TEST(redirect_with_devmap_entry)
{
	const struct h_frame f = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.sport = 40000,
		.dport = 80,
		.flags = PKT_SYN,
		.payload = 64,
	};
	__u32 ifindex = other_ifindex();
	struct pkt in, exp;
	struct h h;
	struct h_case c = {
		.desc = "backend behind another port in the devmap",
		.in = &in,
		.action = XDP_REDIRECT,
		.out = &exp,
		.stat = {
			[XLB_STAT_NEW_FLOW] = 1,
			[XLB_STAT_REDIRECT] = 1,
		},
		.svc_id = 1,
		.be_id = 2,
		.new_flow = true,
		.flows = 1,
	};

	if (!ifindex) {
		xlb_test_skip("no interface besides lo to redirect to");
		return;
	}
	if (!setup_one(&h, H_VIP4, 80, IPPROTO_TCP, 2) ||
	    !backend_on(&h, 2, ifindex) ||
	    !ASSERT_OK(xlb_dp_tx_port_add(&h.dp, ifindex), "tx port"))
		goto out;
	h_build_in(&in, &f);
	h_build_to(&exp, &f, 2);
	if (!h_check(&h, &c, NULL))
		goto out;

	/* the same flow's next packet, arriving on the backend's port: TX */
	{
		struct h_frame ack = f;

		ack.flags = PKT_ACK;
		h_build_in(&in, &ack);
		h_build_to(&exp, &ack, 2);
	}
	c.desc = "backend port is the ingress port";
	c.ingress_ifindex = ifindex;
	c.action = XDP_TX;
	c.stat[XLB_STAT_NEW_FLOW] = 0;
	c.stat[XLB_STAT_REDIRECT] = 0;
	c.stat[XLB_STAT_TX] = 1;
	c.stat[XLB_STAT_FLOW_PROMOTED] = 1; /* confirms the SYN's entry */
	c.new_flow = false;
	c.flows = 0;
	h_check(&h, &c, NULL);
out:
	h_close(&h);
}
