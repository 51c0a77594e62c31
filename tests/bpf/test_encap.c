// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Encapsulation (forwarding ipip and gue, bpf/lib/encap.h): the exact frame
 * that leaves for a backend in every outer/inner family pair, its next hop
 * from the kernel's FIB, and the packets that cannot leave (no route, no
 * neighbour), counted per mode.
 *
 * bpf_fib_lookup() in BPF_PROG_TEST_RUN asks the FIB of the caller's
 * network namespace from the point of view of the ctx's ingress
 * interface, so each test runs in a private namespace (ns_up) with two
 * veth pairs and static routes and neighbours:
 *
 *	xin  (H_LB_MAC, 10.0.0.1/24, 2001:db8:1::1/64): clients arrive here;
 *	     10.20.0.0/16 and 2001:db8:20::/48 via the router ROUTER_IN
 *	     (permanent neighbour), 10.40.0.0/16 via 10.0.0.253 (none)
 *	xout (OUT_MAC, 10.1.0.1/24): 10.30.0.0/16 via 10.1.0.254 (ROUTER_OUT)
 *	10.50.0.0/16, 2001:db8:50::/48 via ROUTER_IN with MTU 1400 (locked)
 *	nothing else: 10.99.0.1 has no route.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>

#include "harness.h"
#include "xlb_decap.h"
#include "xlb_decap.skel.h"

static const __u8 OUT_MAC[6] = { 0x02, 0x78, 0x6c, 0x62, 0x00, 0x03 };
static const __u8 ROUTER_IN[6] = { 0x02, 0x00, 0x5e, 0x00, 0x01, 0xfe };
static const __u8 ROUTER_OUT[6] = { 0x02, 0x00, 0x5e, 0x00, 0x02, 0xfe };

#define BE4 "10.20.0.10"      /* behind ROUTER_IN */
#define BE6 "2001:db8:20::10" /* behind ROUTER_IN */
#define BE4_OUT "10.30.0.10"  /* behind ROUTER_OUT, on xout */
#define BE4_NONEIGH "10.40.0.10"
#define BE4_NOROUTE "10.99.0.1"
#define BE4_MTU "10.50.0.10" /* path MTU 1400 */
#define BE6_MTU "2001:db8:50::10"
#define SRC4 "10.0.0.1" /* the FIB's source towards BE4 */
#define SRC6 "2001:db8:1::1"

struct ns {
	int home; /* the test process's namespace, to go back to */
	int xin, xout;
};

static bool sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc) {
		xlb_test_fail(__FILE__, __LINE__, "'%s' exited %d", cmd, rc);
		return false;
	}
	return true;
}

static bool sysctl_set(const char *path)
{
	int fd = open(path, O_WRONLY);
	bool ok = fd >= 0 && write(fd, "1", 1) == 1;

	if (fd >= 0)
		close(fd);
	return ASSERT_TRUE(ok, path);
}

static bool ns_up(struct ns *n)
{
	n->home = open("/proc/self/ns/net", O_RDONLY);
	if (!ASSERT_TRUE(n->home >= 0, "open own netns"))
		return false;
	if (!ASSERT_OK(unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)"))
		return false;
	if (!sysctl_set("/proc/sys/net/ipv4/ip_forward") ||
	    !sysctl_set("/proc/sys/net/ipv6/conf/all/forwarding"))
		return false;
	if (!sh("ip -batch - <<'EOF'\n"
		"link set lo up\n"
		"link add xin address 02:78:6c:62:00:01 type veth peer name xinp\n"
		"link add xout address 02:78:6c:62:00:03 type veth peer name xoutp\n"
		"link set xin up\nlink set xinp up\n"
		"link set xout up\nlink set xoutp up\n"
		"addr add 10.0.0.1/24 dev xin\n"
		"addr add 10.1.0.1/24 dev xout\n"
		"addr add 2001:db8:1::1/64 dev xin nodad\n"
		"neigh add 10.0.0.254 lladdr 02:00:5e:00:01:fe dev xin nud permanent\n"
		"neigh add 10.1.0.254 lladdr 02:00:5e:00:02:fe dev xout nud permanent\n"
		"neigh add 2001:db8:1::fe lladdr 02:00:5e:00:01:fe dev xin nud permanent\n"
		"route add 10.20.0.0/16 via 10.0.0.254 dev xin\n"
		"route add 10.30.0.0/16 via 10.1.0.254 dev xout\n"
		"route add 10.40.0.0/16 via 10.0.0.253 dev xin\n"
		"route add 2001:db8:20::/48 via 2001:db8:1::fe dev xin\n"
		"route add 10.50.0.0/16 via 10.0.0.254 dev xin mtu lock 1400\n"
		"route add 2001:db8:50::/48 via 2001:db8:1::fe dev xin mtu lock 1400\n"
		"EOF"))
		return false;
	n->xin = if_nametoindex("xin");
	n->xout = if_nametoindex("xout");
	return ASSERT_TRUE(n->xin > 0 && n->xout > 0, "test interfaces");
}

/* Back home; the namespace and its interfaces go with the last user. */
static void ns_down(struct ns *n)
{
	if (n->home >= 0) {
		ASSERT_OK(setns(n->home, CLONE_NEWNET), "setns home");
		close(n->home);
	}
}

/* The client's packet from its IP header on. */
static void build_ip(struct pkt *p, bool v6, __u8 tos, __u8 proto, __u16 sport,
		     __u8 flags)
{
	if (v6) {
		pkt_ipv6(p, H_CLIENT6, H_VIP6);
		pkt_ipv6_flow(p, tos, 0x12345);
	} else {
		pkt_ipv4(p, H_CLIENT4, H_VIP4);
		pkt_ipv4_tos(p, tos);
	}
	if (proto == IPPROTO_UDP)
		pkt_udp(p, sport, 53);
	else
		pkt_tcp(p, sport, 80, flags);
	pkt_payload_fill(p, 100, sport);
}

static void build_in(struct pkt *p, bool v6, __u8 tos, __u8 proto, __u16 sport,
		     __u8 flags)
{
	pkt_init(p);
	pkt_eth(p, H_ROUTER_MAC, H_LB_MAC);
	build_ip(p, v6, tos, proto, sport, flags);
	pkt_finish(p);
}

/*
 * Independent of tools/lib/pkt.c: RFC 1071 over the 20 header bytes at
 * @h; a correct header sums to 0xffff.
 */
static __u16 csum_sum(const __u8 *h, size_t len)
{
	__u32 s = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		s += (__u32)h[i] << 8 | h[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

struct want {
	bool o6;	  /* outer family */
	const char *src;  /* outer source */
	const char *dst;  /* backend */
	const __u8 *dmac; /* next hop */
	const __u8 *smac; /* egress interface */
	bool gue;
	__u16 gue_port;
};

/*
 * The frame that must leave: Ethernet to the next hop, the outer header
 * (TTL 64, DF, id 0, TOS / traffic class copied, flow label from the flow
 * hash), UDP for gue (source port from the flow hash, checksum 0), then
 * the input from its IP header on, byte for byte.
 */
static void build_out_flow(struct pkt *o, const struct pkt *in,
			   const struct pkt *flow, const struct want *w,
			   __u8 tos)
{
	int l3 = pkt_l3_off(in);
	struct xlb_flow_key k = {};
	__u32 hash;
	bool in6 = in->data[12] == 0x86;

	ASSERT_TRUE(h_pkt_key(flow, &k), "flow key");
	hash = xlb_hash_outer(&k, 0);
	pkt_init(o);
	pkt_eth(o, w->smac, w->dmac);
	if (w->o6) {
		pkt_ipv6(o, w->src, w->dst);
		pkt_ipv6_hlim(o, 64);
		pkt_ipv6_flow(o, tos, hash & 0xfffff);
	} else {
		pkt_ipv4(o, w->src, w->dst);
		pkt_ipv4_ttl(o, 64);
		pkt_ipv4_id(o, 0);
		pkt_ipv4_tos(o, tos);
		pkt_ipv4_frag(o, true, false, 0);
	}
	if (w->gue) {
		pkt_udp(o, 0xc000 | (hash & 0x3fff), w->gue_port);
	} else if (w->o6) {
		o->data[o->layer[o->nlayers - 1].off + 6] =
			in6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
	} else {
		pkt_ipv4_proto(o, in6 ? IPPROTO_IPV6 : IPPROTO_IPIP);
	}
	pkt_payload(o, in->data + l3, in->len - l3);
	pkt_finish(o);
	if (w->gue) {
		int udp = pkt_off(o, PKT_L_UDP, 0);

		pkt_set16(o, udp + 6, 0);
	}
}

static void build_out(struct pkt *o, const struct pkt *in, const struct want *w,
		      __u8 tos)
{
	build_out_flow(o, in, in, w, tos);
}

/* Outer header fields read straight from the output, not via pkt.c. */
static void check_outer(const struct h_result *r, const struct want *w,
			__u8 tos)
{
	const __u8 *ip = r->out + 14;

	if (!ASSERT_TRUE(r->out_len > 14 + 48, "output long enough"))
		return;
	if (w->o6) {
		__u32 vtf =
			(__u32)ip[0] << 24 | ip[1] << 16 | ip[2] << 8 | ip[3];

		ASSERT_EQ(vtf >> 28, 6u, "outer version 6");
		ASSERT_EQ((vtf >> 20) & 0xff, tos, "traffic class copied");
		ASSERT_EQ(ip[7], 64, "hop limit 64");
		if (w->gue) {
			ASSERT_EQ(ip[6], IPPROTO_UDP, "next header UDP");
			ASSERT_EQ(ip[40 + 2] << 8 | ip[40 + 3], w->gue_port,
				  "GUE port");
			ASSERT_EQ(ip[40 + 6] << 8 | ip[40 + 7], 0,
				  "UDP checksum 0");
			ASSERT_EQ(ip[40] >> 6, 3, "source port 49152+");
		}
		return;
	}
	ASSERT_EQ(ip[0], 0x45, "outer IPv4, IHL 5");
	ASSERT_EQ(ip[1], tos, "TOS copied");
	ASSERT_EQ(ip[6] & 0x40, 0x40, "DF set");
	ASSERT_EQ(ip[8], 64, "TTL 64");
	ASSERT_EQ(csum_sum(ip, 20), 0xffff, "IPv4 header checksum");
	ASSERT_EQ(ip[2] << 8 | ip[3], r->out_len - 14, "total length");
	if (w->gue) {
		ASSERT_EQ(ip[9], IPPROTO_UDP, "protocol UDP");
		ASSERT_EQ(ip[20 + 2] << 8 | ip[20 + 3], w->gue_port,
			  "GUE port");
		ASSERT_EQ(ip[20 + 6] << 8 | ip[20 + 7], 0, "UDP checksum 0");
		ASSERT_EQ(ip[20] >> 6, 3, "source port 49152+");
	}
}

enum {
	SVC_ENCAP = 1,
	SVC_L2 = 2,
	BE = 1,	   /* the encapsulated service's only backend */
	BE_L2 = 2, /* the l2 service's */
	/* the same address for the other two (a backend serves one service) */
	BE_V6VIP = 3, /* service SVC_ENCAP + 2's */
	BE_TCP = 4,   /* service SVC_ENCAP + 3's */
};

/* A backend at @addr (either family), up. */
static bool backend_at(struct h *h, __u32 id, const char *addr)
{
	struct xlb_backend be = { .flags = XLB_BE_F_UP, .gen = 1 };

	return h_addr(&be.addr, &be.family, addr) && h_backend_set(h, id, &be);
}

/* One service per VIP family in mode @fwd, all of it to @be_addr. */
static bool setup(struct h *h, __u8 fwd, const char *be_addr)
{
	__u32 ring[3][7];

	for (int i = 0; i < 7; i++) {
		ring[0][i] = BE;
		ring[1][i] = BE_V6VIP;
		ring[2][i] = BE_TCP;
	}
	return h_open(h) && backend_at(h, BE, be_addr) &&
	       backend_at(h, BE_V6VIP, be_addr) &&
	       backend_at(h, BE_TCP, be_addr) &&
	       h_service_fwd(h, H_VIP4, 53, IPPROTO_UDP, SVC_ENCAP,
			     XLB_SCHED_MAGLEV, fwd, ring[0], 7) &&
	       h_service_fwd(h, H_VIP6, 53, IPPROTO_UDP, SVC_ENCAP + 2,
			     XLB_SCHED_MAGLEV, fwd, ring[1], 7) &&
	       h_service_fwd(h, H_VIP4, 80, IPPROTO_TCP, SVC_ENCAP + 3,
			     XLB_SCHED_MAGLEV, fwd, ring[2], 7);
}

static __u32 stat_of(__u8 fwd, enum xlb_encap_stat s)
{
	return (fwd == XLB_FWD_GUE ? XLB_STAT_GUE_ENCAP : XLB_STAT_IPIP_ENCAP) +
	       s;
}

/* A new UDP flow in, the exact encapsulated frame out, counted. */
static void run_encap(__u8 fwd, bool in6, const struct want *w, __u32 ifidx,
		      __u32 action, const char *desc)
{
	const __u8 tos = 0xb8; /* DSCP EF */
	struct pkt in, exp;
	struct h_result r;
	struct h_case c = {
		.desc = desc,
		.in = &in,
		.ingress_ifindex = ifidx,
		.action = action,
		.out = &exp,
		.stat = {
			[XLB_STAT_TX] = action == XDP_TX,
			[XLB_STAT_REDIRECT] = action == XDP_REDIRECT,
			[XLB_STAT_NEW_FLOW] = 1,
		},
		.svc_id = in6 ? SVC_ENCAP + 2 : SVC_ENCAP,
		.be_id = in6 ? BE_V6VIP : BE,
		.new_flow = true,
		.flows = 1,
	};
	struct h h;

	c.stat[stat_of(fwd, XLB_ENCAP_SENT)] = 1;
	if (!setup(&h, fwd, w->dst))
		return;
	build_in(&in, in6, tos, IPPROTO_UDP, 40000, 0);
	build_out(&exp, &in, w, tos);
	if (h_check(&h, &c, &r))
		check_outer(&r, w, tos);
	/* the flow's next packet: the same frame again, established */
	c.stat[XLB_STAT_NEW_FLOW] = 0;
	c.new_flow = false;
	c.flows = 0;
	h_check(&h, &c, NULL);
	h_close(&h);
}

/* To BE4 or BE6 through ROUTER_IN, from the FIB's source, default port. */
static struct want want(bool o6, bool gue)
{
	return (struct want){
		.o6 = o6,
		.src = o6 ? SRC6 : SRC4,
		.dst = o6 ? BE6 : BE4,
		.dmac = ROUTER_IN,
		.smac = H_LB_MAC,
		.gue = gue,
		.gue_port = XLB_GUE_PORT_DEFAULT,
	};
}

static void encap_case(__u8 fwd, bool in6, bool o6, const char *desc)
{
	struct want w = want(o6, fwd == XLB_FWD_GUE);
	struct ns n = { .home = -1 };

	if (ns_up(&n))
		run_encap(fwd, in6, &w, n.xin, XDP_TX, desc);
	ns_down(&n);
}

TEST(encap_ipip4)
{
	encap_case(XLB_FWD_IPIP, false, false, "ipip: IPv4 in IPv4 (proto 4)");
}

TEST(encap_ip6ip6)
{
	encap_case(XLB_FWD_IPIP, true, true, "ipip: IPv6 in IPv6 (nh 41)");
}

TEST(encap_ipip_v4_in_v6)
{
	encap_case(XLB_FWD_IPIP, false, true, "ipip: IPv4 in IPv6 (nh 4)");
}

TEST(encap_ipip_v6_in_v4)
{
	encap_case(XLB_FWD_IPIP, true, false, "ipip: IPv6 in IPv4 (proto 41)");
}

TEST(encap_gue4)
{
	encap_case(XLB_FWD_GUE, false, false, "gue: IPv4 in UDP/IPv4");
}

TEST(encap_gue6)
{
	encap_case(XLB_FWD_GUE, true, true, "gue: IPv6 in UDP/IPv6");
}

TEST(encap_gue_v6_in_v4)
{
	encap_case(XLB_FWD_GUE, true, false, "gue: IPv6 in UDP/IPv4");
}

/* encap_source and gue_port from XLB_MAP_ENCAP replace the defaults. */
TEST(encap_configured_source_and_port)
{
	struct want w4 = want(false, true), w6 = want(true, true);
	struct xlb_encap e = { .gue_port = htons(7000) };
	struct ns n = { .home = -1 };
	struct pkt in, exp;
	struct h_result r;
	struct h h;
	__u8 fam;

	w4.src = "192.0.2.7";
	w6.src = "2001:db8:99::7";
	w4.gue_port = w6.gue_port = 7000;
	inet_pton(AF_INET, w4.src, &e.src4);
	h_addr(&e.src6, &fam, w6.src);
	if (!ns_up(&n) || !setup(&h, XLB_FWD_GUE, BE4))
		goto out;
	ASSERT_OK(xlb_dp_encap_set(&h.dp, &e), "xlb_dp_encap_set");
	build_in(&in, false, 0, IPPROTO_UDP, 40001, 0);
	build_out(&exp, &in, &w4, 0);
	if (h_run_if(&h, &in, n.xin, &r)) {
		ASSERT_EQ(r.action, XDP_TX, "action");
		ASSERT_MEMEQ(r.out, r.out_len, exp.data, exp.len,
			     "gue to 7000 from 192.0.2.7");
	}
	h_close(&h);
	if (!setup(&h, XLB_FWD_GUE, BE6))
		goto out;
	ASSERT_OK(xlb_dp_encap_set(&h.dp, &e), "xlb_dp_encap_set");
	build_in(&in, false, 0, IPPROTO_UDP, 40001, 0);
	build_out(&exp, &in, &w6, 0);
	if (h_run_if(&h, &in, n.xin, &r)) {
		ASSERT_EQ(r.action, XDP_TX, "action");
		ASSERT_MEMEQ(r.out, r.out_len, exp.data, exp.len,
			     "gue to 7000 from 2001:db8:99::7");
	}
	h_close(&h);
out:
	ns_down(&n);
}

/* A next hop behind another interface: XDP_REDIRECT with its MACs. */
TEST(encap_redirect_other_interface)
{
	struct want w = want(false, false);
	struct ns n = { .home = -1 };

	w.dst = BE4_OUT;
	w.src = "10.1.0.1";
	w.dmac = ROUTER_OUT;
	w.smac = OUT_MAC;
	if (ns_up(&n))
		run_encap(XLB_FWD_IPIP, false, &w, n.xin, XDP_REDIRECT,
			  "ipip out of xout");
	ns_down(&n);
}

/*
 * The next hop is cached per backend (lib/encap.h): a route change is
 * followed on the first packet after xlbd's xlb_dp_nexthops_changed().
 */
TEST(encap_route_change_followed)
{
	struct want w = want(false, false), w2;
	struct ns n = { .home = -1 };
	struct pkt in, exp;
	struct h_result r;
	struct h h;

	w2 = w;
	w2.src = "10.1.0.1";
	w2.dmac = ROUTER_OUT;
	w2.smac = OUT_MAC;
	if (!ns_up(&n) || !setup(&h, XLB_FWD_IPIP, BE4))
		goto out;
	build_in(&in, false, 0, IPPROTO_UDP, 40003, 0);
	build_out(&exp, &in, &w, 0);
	if (h_run_if(&h, &in, n.xin, &r))
		ASSERT_MEMEQ(r.out, r.out_len, exp.data, exp.len,
			     "via ROUTER_IN (and now cached)");
	if (sh("ip route replace 10.20.0.0/16 via 10.1.0.254 dev xout") &&
	    ASSERT_OK(xlb_dp_nexthops_changed(&h.dp), "nexthops changed")) {
		build_out(&exp, &in, &w2, 0);
		if (h_run_if(&h, &in, n.xin, &r)) {
			ASSERT_EQ(r.action, XDP_REDIRECT, "out of xout");
			ASSERT_MEMEQ(r.out, r.out_len, exp.data, exp.len,
				     "via ROUTER_OUT after the change");
		}
	}
	h_close(&h);
out:
	ns_down(&n);
}

/* Nothing leaves without a route or a resolved neighbour: counted drops. */
static void unsent(__u8 fwd, const char *be, enum xlb_encap_stat why,
		   const char *desc)
{
	struct ns n = { .home = -1 };
	struct pkt in;
	struct h_case c = {
		.desc = desc,
		.in = &in,
		.action = XDP_DROP,
		.stat = { [XLB_STAT_NEW_FLOW] = 1 },
		.flows = 1, /* the flow is pinned before the route is asked */
	};
	struct h h;

	c.stat[stat_of(fwd, why)] = 1;
	if (!ns_up(&n) || !setup(&h, fwd, be))
		goto out;
	c.ingress_ifindex = n.xin;
	build_in(&in, false, 0, IPPROTO_UDP, 40002, 0);
	h_check(&h, &c, NULL);
	h_close(&h);
out:
	ns_down(&n);
}

TEST(encap_no_route_counted)
{
	unsent(XLB_FWD_IPIP, BE4_NOROUTE, XLB_ENCAP_NO_ROUTE,
	       "ipip, no route: dropped");
	unsent(XLB_FWD_GUE, BE4_NOROUTE, XLB_ENCAP_NO_ROUTE,
	       "gue, no route: dropped");
}

TEST(encap_no_neigh_counted)
{
	unsent(XLB_FWD_IPIP, BE4_NONEIGH, XLB_ENCAP_NO_NEIGH,
	       "ipip, next hop unresolved: dropped, never a zero MAC");
	unsent(XLB_FWD_GUE, BE4_NONEIGH, XLB_ENCAP_NO_NEIGH,
	       "gue, next hop unresolved: dropped");
}

/* An l2 service next to encapsulated ones forwards exactly as before. */
TEST(encap_l2_service_unchanged)
{
	struct ns n = { .home = -1 };
	struct h_frame f = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.proto = IPPROTO_TCP,
		.sport = 41000,
		.dport = 8080,
		.flags = PKT_ACK,
		.payload = 64,
	};
	struct pkt in, exp;
	struct h_case c = {
		.desc = "l2 service beside ipip ones: MACs rewritten only",
		.in = &in,
		.action = XDP_TX,
		.out = &exp,
		.stat = { [XLB_STAT_TX] = 1, [XLB_STAT_NEW_FLOW] = 1 },
		.svc_id = SVC_L2,
		.be_id = BE_L2,
		.new_flow = true,
		.flows = 1,
	};
	__u32 ring[7];
	struct h h;

	for (int i = 0; i < 7; i++)
		ring[i] = BE_L2;
	if (!ns_up(&n) || !setup(&h, XLB_FWD_IPIP, BE4))
		goto out;
	c.ingress_ifindex = n.xin;
	if (h_backend(&h, BE_L2, XLB_BE_F_UP, 1) &&
	    h_service(&h, H_VIP4, 8080, IPPROTO_TCP, SVC_L2, ring, 7)) {
		h_build_in(&in, &f);
		h_build_to(&exp, &f, BE_L2);
		h_check(&h, &c, NULL);
	}
	h_close(&h);
out:
	ns_down(&n);
}

/*
 * An ICMP error about a VIP flow (a router's "fragmentation needed" about
 * the backend's reply) follows the flow to its backend, encapsulated.
 */
TEST(encap_icmp_error_follows_flow)
{
	struct want w = want(false, true);
	struct ns n = { .home = -1 };
	struct pkt in, reply, icmp, exp;
	struct h_result r;
	struct h h;

	if (!ns_up(&n) || !setup(&h, XLB_FWD_GUE, BE4))
		goto out;
	build_in(&in, false, 0, IPPROTO_UDP, 40003, 0);
	if (!h_run_if(&h, &in, n.xin, &r) ||
	    !ASSERT_EQ(r.action, XDP_TX, "flow pinned"))
		goto close;
	/* the backend's reply VIP:53 -> client:40003, quoted */
	pkt_init(&reply);
	pkt_ipv4(&reply, H_VIP4, H_CLIENT4);
	pkt_udp(&reply, 53, 40003);
	pkt_payload_fill(&reply, 100, 1);
	pkt_finish(&reply);
	pkt_init(&icmp);
	pkt_eth(&icmp, H_ROUTER_MAC, H_LB_MAC);
	pkt_ipv4(&icmp, "198.18.5.1", H_VIP4);
	pkt_icmp_frag_needed(&icmp, 1300, &reply);
	pkt_finish(&icmp);
	/* the flow's hash, not the ICMP packet's: same UDP source port */
	build_out_flow(&exp, &icmp, &in, &w, 0);
	if (h_run_if(&h, &icmp, n.xin, &r)) {
		ASSERT_EQ(r.action, XDP_TX, "action");
		ASSERT_MEMEQ(r.out, r.out_len, exp.data, exp.len,
			     "ICMP error encapsulated to the flow's backend");
		ASSERT_EQ(h_stat(&h, XLB_STAT_ICMP_FORWARDED), 1,
			  "icmp_forwarded");
	}
close:
	h_close(&h);
out:
	ns_down(&n);
}

/* The backend's own address or a VIP, for its decapsulator. */
static bool decap_addr(struct xlb_decap_bpf *s, const char *a, __u32 flags)
{
	struct xlb_decap_key k = {};

	return h_addr(&k.addr, &k.family, a) &&
	       ASSERT_OK(bpf_map__update_elem(s->maps.xlb_decap_addrs, &k,
					      sizeof(k), &flags, sizeof(flags),
					      BPF_ANY),
			 "fill xlb_decap_addrs");
}

/*
 * What xlb sends, the backends' decapsulator turns back into the client's
 * packet (UDP checksum 0 over IPv6 included).
 */
static void roundtrip(__u8 fwd, bool in6, bool o6)
{
	struct ns n = { .home = -1 };
	struct xlb_decap_bpf *s = NULL;
	struct pkt in, exp;
	struct h_result r;
	__u8 out[H_OUT_MAX];
	struct h h;
	int l3;

	if (!ns_up(&n) || !setup(&h, fwd, o6 ? BE6 : BE4))
		goto out;
	build_in(&in, in6, 0, IPPROTO_UDP, 40004, 0);
	if (!h_run_if(&h, &in, n.xin, &r) ||
	    !ASSERT_EQ(r.action, XDP_TX, "encapsulated"))
		goto close;
	s = xlb_decap_bpf__open_and_load();
	if (!ASSERT_TRUE(s, "load xlb_decap") ||
	    !decap_addr(s, o6 ? BE6 : BE4, XLB_DECAP_LOCAL) ||
	    !decap_addr(s, H_VIP4, XLB_DECAP_VIP) ||
	    !decap_addr(s, H_VIP6, XLB_DECAP_VIP))
		goto close;
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = r.out,
		    .data_size_in = r.out_len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1);
	if (!ASSERT_OK(bpf_prog_test_run_opts(
			       bpf_program__fd(s->progs.xlb_decap), &opts),
		       "decap test run"))
		goto close;
	ASSERT_EQ(opts.retval, XDP_PASS, "decap passes");
	/* the client's packet behind the outer frame's MACs */
	l3 = pkt_l3_off(&in);
	pkt_init(&exp);
	pkt_eth(&exp, H_LB_MAC, ROUTER_IN);
	pkt_payload(&exp, in.data + l3, in.len - l3);
	pkt_finish(&exp);
	pkt_set16(&exp, 12, in6 ? 0x86dd : 0x0800);
	ASSERT_MEMEQ(out, opts.data_size_out, exp.data, exp.len,
		     "decapsulated = the client's packet");
close:
	xlb_decap_bpf__destroy(s);
	h_close(&h);
out:
	ns_down(&n);
}

TEST(encap_decap_roundtrip)
{
	roundtrip(XLB_FWD_IPIP, false, false);
	roundtrip(XLB_FWD_IPIP, true, false);
	roundtrip(XLB_FWD_IPIP, false, true);
	roundtrip(XLB_FWD_GUE, false, true);
	roundtrip(XLB_FWD_GUE, true, true);
}

/*
 * One byte over the path MTU once encapsulated: the client gets "fragmentation
 * needed" (IPv4 with DF) or "packet too big" (IPv6) from the VIP, back out
 * of the interface it came in on, with the MTU less the overhead, quoting
 * the packet's first 64 bytes; counted too_big. IPv4 without DF: dropped,
 * counted the same.
 */
static void over_mtu(__u8 fwd, bool in6, bool df)
{
	/* outer IPv4 for IPv4, outer IPv6 for IPv6: 20 or 40 bytes */
	__u32 olen = (in6 ? 40 : 20) + (fwd == XLB_FWD_GUE ? 8 : 0);
	struct ns n = { .home = -1 };
	struct pkt in, exp;
	struct h_case c = {
		.desc = "over the path MTU",
		.in = &in,
		.action = in6 || df ? XDP_TX : XDP_DROP,
		.out = in6 || df ? &exp : NULL,
		.stat = { [XLB_STAT_NEW_FLOW] = 1 },
		.flows = 1,
	};
	struct h h;
	int l3;

	c.stat[stat_of(fwd, XLB_ENCAP_TOO_BIG)] = 1;
	if (!ns_up(&n) || !setup(&h, fwd, in6 ? BE6_MTU : BE4_MTU))
		goto out;
	c.ingress_ifindex = n.xin;
	/* IP length 1400 - olen + 1: one byte too many */
	pkt_init(&in);
	pkt_eth(&in, H_ROUTER_MAC, H_LB_MAC);
	if (in6) {
		pkt_ipv6(&in, H_CLIENT6, H_VIP6);
	} else {
		pkt_ipv4(&in, H_CLIENT4, H_VIP4);
		pkt_ipv4_frag(&in, df, false, 0);
	}
	pkt_udp(&in, 40005, 53);
	pkt_payload_fill(&in, 1400 - olen + 1 - (in6 ? 48 : 28), 5);
	pkt_finish(&in);
	l3 = pkt_l3_off(&in);
	pkt_init(&exp);
	pkt_eth(&exp, H_LB_MAC, H_ROUTER_MAC);
	if (in6) {
		pkt_ipv6(&exp, H_VIP6, H_CLIENT6);
		pkt_ipv6_hlim(&exp, 64);
		pkt_icmp6(&exp, 2, 0, 1400 - olen);
	} else {
		pkt_ipv4(&exp, H_VIP4, H_CLIENT4);
		pkt_ipv4_ttl(&exp, 64);
		pkt_ipv4_id(&exp, 0);
		pkt_icmp(&exp, 3, 4, 1400 - olen);
	}
	pkt_payload(&exp, in.data + l3, 64);
	pkt_finish(&exp);
	if (h_check(&h, &c, NULL) && !in6 && df) {
		/* a packet that fits goes through */
		struct h_result r;
		struct pkt ok;

		pkt_init(&ok);
		pkt_eth(&ok, H_ROUTER_MAC, H_LB_MAC);
		pkt_ipv4(&ok, H_CLIENT4, H_VIP4);
		pkt_ipv4_frag(&ok, true, false, 0);
		pkt_udp(&ok, 40005, 53);
		pkt_payload_fill(&ok, 1400 - olen - 28, 5);
		pkt_finish(&ok);
		if (h_run_if(&h, &ok, n.xin, &r)) {
			ASSERT_EQ(r.action, XDP_TX, "at the path MTU: sent");
			ASSERT_EQ(r.out_len, 14 + 1400, "encapsulated: 1400");
		}
	}
	h_close(&h);
out:
	ns_down(&n);
}

TEST(encap_too_big_v4_frag_needed)
{
	over_mtu(XLB_FWD_IPIP, false, true);
	over_mtu(XLB_FWD_GUE, false, true);
}

TEST(encap_too_big_v6_packet_too_big)
{
	over_mtu(XLB_FWD_IPIP, true, true);
	over_mtu(XLB_FWD_GUE, true, true);
}

TEST(encap_too_big_v4_no_df_dropped)
{
	over_mtu(XLB_FWD_IPIP, false, false);
}
