// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Full NAT (forwarding nat): a client's packet to VIP:port leaves as SNAT
 * address:port -> backend address:port, the backend's reply to SNAT:port
 * leaves as VIP:port -> client, each to the next hop the kernel's FIB
 * names. The program runs in a private network namespace with two veth
 * interfaces (clients on xc, backends on xb), routes and neighbours, so
 * bpf_fib_lookup answers as on a real two-armed load balancer.
 *
 * Output frames are compared byte for byte with frames the packet builder
 * made, and their checksums verified here from scratch (RFC 791, 793, 768,
 * 8200 pseudo-headers), not with the program's incremental update.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "jclock.h"
#include "maglev.h"
#include "nat_peer.h"
#include "nat_sweep.h"
#include "sched_ring.h"
#include "xlb_decide.h"

#define SNAT4 "10.1.0.1"
#define BE4 "10.1.0.10"
#define BE4_2 "10.1.0.11" /* least-connections' second backend */
#define BE4_NONEIGH "10.1.0.99"
#define SNAT6 "2001:db8:b::1"
#define BE6 "2001:db8:b::10"
#define CLIENT4_B "198.18.0.3"
#define BE_PORT 8080

struct natns {
	int orig; /* the test's own netns, restored at the end */
	__u32 xc, xb;
};

static bool sh(const char *cmd)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), "%s >/dev/null 2>&1", cmd);
	if (system(buf) != 0) {
		xlb_test_fail(__FILE__, __LINE__, "setup: %s", cmd);
		return false;
	}
	return true;
}

/*
 * xc (H_LB_MAC) faces the clients, who are directly connected with
 * H_ROUTER_MAC (the router's MAC, as in the other tests); xb
 * (H_EGRESS_MAC) faces the backends, h_be_mac(1) at BE4 and BE6.
 */
static bool ns_up(struct natns *n)
{
	static const char *const cmds[] = {
		"ip link add xc address 02:78:6c:62:00:01 type veth peer name xcp",
		"ip link add xb address 02:78:6c:62:00:02 type veth peer name xbp",
		"ip link set xc up",
		"ip link set xcp up",
		"ip link set xb up",
		"ip link set xbp up",
		"ip addr add 198.18.0.1/24 dev xc",
		"ip addr add 10.1.0.1/24 dev xb",
		"ip -6 addr add 2001:db8:c::1/64 dev xc nodad",
		"ip -6 addr add 2001:db8:b::1/64 dev xb nodad",
		"ip neigh add 198.18.0.2 lladdr 02:00:5e:00:00:01 dev xc nud permanent",
		"ip neigh add 198.18.0.3 lladdr 02:00:5e:00:00:01 dev xc nud permanent",
		"ip neigh add 10.1.0.10 lladdr 02:be:00:00:00:01 dev xb nud permanent",
		"ip -6 neigh add 2001:db8:c::2 lladdr 02:00:5e:00:00:01 dev xc nud permanent",
		"ip -6 neigh add 2001:db8:b::10 lladdr 02:be:00:00:00:01 dev xb nud permanent",
		"sysctl -w net.ipv4.conf.all.forwarding=1",
		"sysctl -w net.ipv4.conf.xc.forwarding=1",
		"sysctl -w net.ipv4.conf.xb.forwarding=1",
		"sysctl -w net.ipv6.conf.all.forwarding=1",
	};

	n->orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (!ASSERT_TRUE(n->orig >= 0, "open own netns"))
		return false;
	if (!ASSERT_OK(unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)")) {
		close(n->orig);
		n->orig = -1;
		return false;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!sh(cmds[i]))
			return false;
	n->xc = if_nametoindex("xc");
	n->xb = if_nametoindex("xb");
	return ASSERT_TRUE(n->xc && n->xb, "interfaces exist");
}

/* Back to the test's netns; the private one goes with its last user. */
static void ns_down(struct natns *n)
{
	if (n->orig >= 0) {
		ASSERT_OK(setns(n->orig, CLONE_NEWNET), "setns back");
		close(n->orig);
	}
	n->orig = -1;
}

/* One's complement sum over bytes, from scratch. */
static __u32 sum16(__u32 s, const __u8 *b, size_t len)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (b[i] << 8) | b[i + 1];
	if (len & 1)
		s += b[len - 1] << 8;
	return s;
}

static __u16 fold(__u32 s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return s;
}

/*
 * Every checksum of the IPv4/IPv6 packet at @l3 (@len bytes) is right:
 * IPv4 header, TCP/UDP (pseudo-header included), ICMP (whole message) and
 * ICMPv6 (pseudo-header included), and within an ICMP error (@quote 0)
 * the quoted packet's: its IPv4 header and, when it is quoted whole, its
 * TCP/UDP checksum. A UDP checksum of 0 (none) is accepted only when
 * @udp_none_ok.
 */
static bool l3_csums_ok(const __u8 *l3, size_t len, bool udp_none_ok,
			bool quote)
{
	const __u8 *l4;
	__u32 ps = 0;
	size_t l4len, tot;
	__u8 proto;

	if (len < ((l3[0] >> 4) == 4 ? 20 : 40))
		return ASSERT_TRUE(false, "packet long enough");
	if ((l3[0] >> 4) == 4) {
		size_t ihl = (l3[0] & 15) * 4;

		if (!ASSERT_EQ(
			    fold(sum16(0, l3, ihl)), 0xffff,
			    quote ? "quoted IPv4 header checksum (from scratch)"
				  : "IPv4 header checksum (from scratch)"))
			return false;
		l4 = l3 + ihl;
		tot = (l3[2] << 8) | l3[3];
		l4len = tot - ihl;
		proto = l3[9];
		ps = sum16(ps, l3 + 12, 8);
	} else {
		l4 = l3 + 40;
		l4len = (l3[4] << 8) | l3[5];
		tot = 40 + l4len;
		proto = l3[6];
		ps = sum16(ps, l3 + 8, 32);
	}
	/* a quote cut short: its L4 checksum covers bytes not there */
	if (quote && tot > len)
		return true;
	if (!ASSERT_TRUE(tot <= len, "lengths within the packet"))
		return false;
	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6) {
		__u32 s = proto == IPPROTO_ICMP ? 0 : ps + proto + l4len;

		if (!ASSERT_EQ(fold(sum16(s, l4, l4len)), 0xffff,
			       proto == IPPROTO_ICMP
				       ? "ICMP checksum (from scratch)"
				       : "ICMPv6 checksum (from scratch)"))
			return false;
		return quote ||
		       l3_csums_ok(l4 + 8, l4len - 8, udp_none_ok, true);
	}
	ps += proto + l4len;
	if (proto == IPPROTO_UDP && udp_none_ok && !l4[6] && !l4[7])
		return true;
	return ASSERT_EQ(fold(sum16(ps, l4, l4len)), 0xffff,
			 proto == IPPROTO_TCP ? "TCP checksum (from scratch)"
					      : "UDP checksum (from scratch)");
}

/* The same for an untagged frame. */
static bool csums_ok(const __u8 *f, size_t len, bool udp_none_ok)
{
	if (len < 14 + 40)
		return ASSERT_TRUE(false, "frame long enough");
	return l3_csums_ok(f + 14, len - 14, udp_none_ok, false);
}

static bool nat_cfg(struct h *h, __u16 pmin, __u16 pmax)
{
	struct xlb_nat_cfg c = {
		.port_min = pmin,
		.port_max = pmax,
		.n_v4 = 1,
		.n_v6 = 1,
		.tcp_syn_timeout = 1000,
		.tcp_est_timeout = 100000,
		.tcp_close_timeout = 500,
		.udp_timeout = 3000,
	};
	__u8 fam;

	if (!h_addr(&c.v4[0], &fam, SNAT4) || !h_addr(&c.v6[0], &fam, SNAT6))
		return false;
	return ASSERT_OK(xlb_dp_nat_cfg_set(&h->dp, &c), "nat cfg");
}

/* Service @id on @vip:80 (@proto), full NAT, backend 1 only. */
static bool nat_service_flags(struct h *h, const char *vip, __u8 proto,
			      __u32 id, __u32 flags)
{
	const __u32 ring[1] = { 1 };
	struct xlb_svc_key k;
	struct xlb_svc v = {
		.id = id,
		.table_size = 1,
		.sched = XLB_SCHED_ROUND_ROBIN,
		.fwd = XLB_FWD_NAT,
		.flags = flags,
	};

	if (!h_svc_key(&k, vip, 80, proto))
		return false;
	if (!ASSERT_OK(xlb_dp_service_publish(&h->dp, &k, &v, ring, 1),
		       "publish nat service"))
		return false;
	h->svc_ids[h->nsvc++] = id;
	return true;
}

static bool nat_service(struct h *h, const char *vip, __u8 proto, __u32 id)
{
	return nat_service_flags(h, vip, proto, id, 0);
}

static bool nat_backend(struct h *h, const char *addr)
{
	struct xlb_backend be = {
		.flags = XLB_BE_F_UP,
		.gen = 1,
		.svc_id = 1,
		.port = htons(BE_PORT),
	};

	return h_addr(&be.addr, &be.family, addr) && h_backend_set(h, 1, &be);
}

/* The client's first packet most cases start from: a SYN to VIP4:80. */
static const struct h_frame client_syn4 = {
	.src = H_CLIENT4,
	.dst = H_VIP4,
	.sport = 40000,
	.dport = 80,
	.flags = PKT_SYN,
};

static __u8 be1_mac[6];

struct nat_env {
	struct natns ns;
	struct h h;
};

/*
 * The data plane, the netns, a pool of ports [pmin, pmax] and service 1 on
 * @vip:80/@proto with full NAT to backend 1 at @be_addr:BE_PORT.
 */
static bool env_up(struct nat_env *e, __u16 pmin, __u16 pmax, const char *vip,
		   __u8 proto, const char *be_addr)
{
	h_be_mac(1, be1_mac);
	e->ns.orig = -1;
	memset(&e->h, 0, sizeof(e->h));
	/* xb, a reply interface: its own MAC (xlbd writes it likewise) */
	return h_open(&e->h) && ns_up(&e->ns) &&
	       ASSERT_OK(xlb_dp_iface_set(&e->h.dp, e->ns.xb, H_EGRESS_MAC),
			 "xb's MAC") &&
	       nat_cfg(&e->h, pmin, pmax) &&
	       nat_service(&e->h, vip, proto, 1) && nat_backend(&e->h, be_addr);
}

static void env_down(struct nat_env *e)
{
	h_close(&e->h);
	ns_down(&e->ns);
}

/* SNAT port the output frame carries (host order), 0 if not TCP/UDP. */
static __u16 out_sport(const struct h_result *r)
{
	const __u8 *l4;

	if (r->out_len < 14 + 40)
		return 0;
	l4 = r->out + 14 + (r->out[12] == 0x86 ? 40 : (r->out[14] & 15) * 4);
	return (l4[0] << 8) | l4[1];
}

/*
 * One flow through and back, IPv4 and IPv6, TCP: the client's port is
 * kept when free, the request leaves on the backend side (another
 * interface: XDP_REDIRECT) with the FIB's MACs, the reply on the client
 * side as VIP:80 -> client.
 */
static void both_directions(const char *client, const char *vip,
			    const char *snat, const char *be_addr)
{
	struct h_frame req = {
		.src = client,
		.dst = vip,
		.sport = 40000,
		.dport = 80,
		.flags = PKT_SYN,
		.seq = 7,
		.payload = 0,
	};
	struct h_frame out = req, rep = {
		.src = be_addr,
		.dst = snat,
		.sport = BE_PORT,
		.dport = 40000,
		.flags = PKT_SYN | PKT_ACK,
		.seq = 99,
	};
	struct h_frame rep_out = rep;
	struct pkt in, exp, rin, rexp;
	struct h_result r;
	struct nat_env e;

	out.src = snat;
	out.dst = be_addr;
	out.dport = BE_PORT;
	out.ttl = 63; /* routed: one hop less */
	rep_out.src = vip;
	rep_out.dst = client;
	rep_out.sport = 80;
	rep_out.ttl = 63;
	if (!env_up(&e, 1024, 65535, vip, IPPROTO_TCP, be_addr))
		goto out;

	h_build_in(&in, &req);
	h_build(&exp, &out, H_EGRESS_MAC, be1_mac);
	struct h_case fwd = {
		.desc = "client SYN to VIP:80 leaves SNAT:40000 -> backend:8080",
		.in = &in,
		.ingress_ifindex = e.ns.xc,
		.action = XDP_REDIRECT,
		.out = &exp,
		.stat = { [XLB_STAT_NEW_FLOW] = 1,
			  [XLB_STAT_NAT_FWD] = 1,
			  [XLB_STAT_REDIRECT] = 1 },
		.svc_id = 1,
		.be_id = 1,
		.new_flow = true,
	};
	if (!h_check(&e.h, &fwd, &r) || !csums_ok(r.out, r.out_len, false))
		goto out;

	h_build(&rin, &rep, be1_mac, H_EGRESS_MAC);
	h_build(&rexp, &rep_out, H_LB_MAC, H_ROUTER_MAC);
	struct h_case back = {
		.desc = "backend's SYN-ACK to SNAT:40000 leaves VIP:80 -> client",
		.in = &rin,
		.ingress_ifindex = e.ns.xb,
		.action = XDP_REDIRECT,
		.out = &rexp,
		.stat = { [XLB_STAT_NAT_REV] = 1, [XLB_STAT_REDIRECT] = 1 },
	};
	if (!h_check(&e.h, &back, &r) || !csums_ok(r.out, r.out_len, false))
		goto out;

	/* the established flow follows its entry, no new flow */
	req.flags = PKT_ACK;
	req.payload = 100;
	out.flags = PKT_ACK;
	out.payload = 100;
	h_build_in(&in, &req);
	h_build(&exp, &out, H_EGRESS_MAC, be1_mac);
	fwd.desc = "client ACK with data follows the flow";
	fwd.stat[XLB_STAT_NEW_FLOW] = 0;
	fwd.new_flow = false;
	if (h_check(&e.h, &fwd, &r))
		csums_ok(r.out, r.out_len, false);
out:
	env_down(&e);
}

TEST(nat_ipv4_tcp_both_directions)
{
	both_directions(H_CLIENT4, H_VIP4, SNAT4, BE4);
}

TEST(nat_ipv6_tcp_both_directions)
{
	both_directions(H_CLIENT6, H_VIP6, SNAT6, BE6);
}

/*
 * UDP: an IPv4 datagram without a checksum (0) leaves without one; one
 * with a checksum leaves with a right one; IPv6 always has one.
 */
static void udp_case(const char *client, const char *vip, const char *snat,
		     const char *be_addr, bool zero_csum)
{
	struct h_frame req = {
		.src = client,
		.dst = vip,
		.proto = IPPROTO_UDP,
		.sport = 5353,
		.dport = 80,
		.payload = 13,
	};
	struct h_frame out = req;
	struct pkt in, exp;
	struct h_result r;
	struct nat_env e;

	out.src = snat;
	out.dst = be_addr;
	out.dport = BE_PORT;
	out.ttl = 63;
	if (!env_up(&e, 1024, 65535, vip, IPPROTO_UDP, be_addr))
		goto out;
	h_build_in(&in, &req);
	h_build(&exp, &out, H_EGRESS_MAC, be1_mac);
	if (zero_csum) {
		size_t off = 14 + 20 + 6;

		in.data[off] = in.data[off + 1] = 0;
		exp.data[off] = exp.data[off + 1] = 0;
	}
	struct h_case c = {
		.desc = zero_csum ? "UDP without checksum stays without"
				  : "UDP checksum updated",
		.in = &in,
		.ingress_ifindex = e.ns.xc,
		.action = XDP_REDIRECT,
		.out = &exp,
		.stat = { [XLB_STAT_NEW_FLOW] = 1,
			  [XLB_STAT_NAT_FWD] = 1,
			  [XLB_STAT_REDIRECT] = 1 },
		.svc_id = 1,
		.be_id = 1,
		.new_flow = true,
	};
	if (h_check(&e.h, &c, &r))
		csums_ok(r.out, r.out_len, zero_csum);
out:
	env_down(&e);
}

TEST(nat_udp_checksums)
{
	udp_case(H_CLIENT4, H_VIP4, SNAT4, BE4, false);
	udp_case(H_CLIENT4, H_VIP4, SNAT4, BE4, true);
	udp_case(H_CLIENT6, H_VIP6, SNAT6, BE6, false);
}

/*
 * Two clients with the same source port to the same backend: the second
 * cannot have the first's SNAT port, gets another from the pool, and each
 * reply goes back to its own client.
 */
TEST(nat_port_collision)
{
	struct h_frame a = client_syn4;
	struct h_frame b = a, rep = {
		.src = BE4,
		.dst = SNAT4,
		.sport = BE_PORT,
		.flags = PKT_SYN | PKT_ACK,
	};
	struct pkt in;
	struct h_result r;
	struct nat_env e;
	__u16 pa, pb;

	b.src = CLIENT4_B;
	if (!env_up(&e, 1024, 65535, H_VIP4, IPPROTO_TCP, BE4))
		goto out;
	h_build_in(&in, &a);
	if (!h_run_if(&e.h, &in, e.ns.xc, &r) ||
	    !ASSERT_EQ(r.action, XDP_REDIRECT, "first client forwarded"))
		goto out;
	pa = out_sport(&r);
	h_build_in(&in, &b);
	if (!h_run_if(&e.h, &in, e.ns.xc, &r) ||
	    !ASSERT_EQ(r.action, XDP_REDIRECT, "second client forwarded"))
		goto out;
	pb = out_sport(&r);
	csums_ok(r.out, r.out_len, false);
	ASSERT_EQ(pa, 40000, "first client keeps its port");
	ASSERT_NE(pb, 40000, "second client gets another port");
	ASSERT_RANGE(pb, 1024, 65535, "from the pool");

	/* each reply back to its own client */
	rep.dport = pb;
	h_build(&in, &rep, be1_mac, H_EGRESS_MAC);
	if (h_run_if(&e.h, &in, e.ns.xb, &r) &&
	    ASSERT_EQ(r.action, XDP_REDIRECT, "reply to the second port")) {
		struct in_addr dst;

		memcpy(&dst, r.out + 14 + 16, 4);
		ASSERT_STREQ(inet_ntoa(dst), CLIENT4_B, "to the second client");
		ASSERT_EQ((r.out[14 + 20 + 2] << 8) | r.out[14 + 20 + 3], 40000,
			  "at its own port");
	}
	rep.dport = pa;
	h_build(&in, &rep, be1_mac, H_EGRESS_MAC);
	if (h_run_if(&e.h, &in, e.ns.xb, &r) &&
	    ASSERT_EQ(r.action, XDP_REDIRECT, "reply to the first port")) {
		struct in_addr dst;

		memcpy(&dst, r.out + 14 + 16, 4);
		ASSERT_STREQ(inet_ntoa(dst), H_CLIENT4, "to the first client");
	}
out:
	env_down(&e);
}

/*
 * A pool of one port: the first flow takes it; a second client (another
 * port, so it tries the pool only) finds none: dropped and counted,
 * nothing sent. A reply with no flow to the SNAT address passes to the
 * kernel untouched, counted; other traffic passes as before.
 */
TEST(nat_pool_exhausted_and_no_state)
{
	struct h_frame a = client_syn4;
	struct h_frame b = a, stray = {
		.src = BE4,
		.dst = SNAT4,
		.sport = BE_PORT,
		.dport = 2001,
		.flags = PKT_ACK,
	}, other = stray;
	struct pkt in, sin, oin;
	struct h_result r;
	struct nat_env e;

	b.src = CLIENT4_B;
	b.sport = 40001;
	other.dst = "10.1.0.77";
	if (!env_up(&e, 2000, 2000, H_VIP4, IPPROTO_TCP, BE4))
		goto out;
	h_build_in(&in, &a);
	if (!h_run_if(&e.h, &in, e.ns.xc, &r) ||
	    !ASSERT_EQ(r.action, XDP_REDIRECT, "first flow forwarded"))
		goto out;
	ASSERT_EQ(out_sport(&r), 2000, "the pool's only port");

	h_build_in(&in, &b);
	struct h_case c = {
		.desc = "second flow: pool exhausted",
		.in = &in,
		.ingress_ifindex = e.ns.xc,
		.action = XDP_DROP,
		.stat = { [XLB_STAT_NAT_POOL_EXHAUSTED] = 1 },
	};
	h_check(&e.h, &c, NULL);

	h_build(&sin, &stray, be1_mac, H_EGRESS_MAC);
	struct h_case s = {
		.desc = "to the SNAT address, no flow: passed, counted",
		.in = &sin,
		.ingress_ifindex = e.ns.xb,
		.action = XDP_PASS,
		.stat = { [XLB_STAT_NAT_NO_STATE] = 1 },
	};
	h_check(&e.h, &s, NULL);

	h_build(&oin, &other, be1_mac, H_EGRESS_MAC);
	struct h_case o = {
		.desc = "neither VIP nor SNAT: passed untouched",
		.in = &oin,
		.ingress_ifindex = e.ns.xb,
		.action = XDP_PASS,
		.stat = { [XLB_STAT_PASS_NON_VIP] = 1 },
	};
	h_check(&e.h, &o, NULL);
out:
	env_down(&e);
}

/* A backend the kernel has no neighbour for: dropped, counted, never a
 * frame with a made-up MAC. */
TEST(nat_no_neighbour_dropped)
{
	struct h_frame a = client_syn4;
	struct pkt in;
	struct nat_env e;

	if (!env_up(&e, 1024, 65535, H_VIP4, IPPROTO_TCP, BE4_NONEIGH))
		goto out;
	h_build_in(&in, &a);
	struct h_case c = {
		.desc = "no neighbour for the backend",
		.in = &in,
		.ingress_ifindex = e.ns.xc,
		.action = XDP_DROP,
		.stat = { [XLB_STAT_NEW_FLOW] = 1,
			  [XLB_STAT_DROP_NO_NEIGH] = 1 },
	};
	h_check(&e.h, &c, NULL);
out:
	env_down(&e);
}

/*
 * The FIB's answer is cached per CPU (lib/fib.h). Pinned to one CPU, so
 * every run below meets the same cache.
 */
static const __u8 be1_mac_moved[6] = { 0x02, 0xbe, 0x00, 0x00, 0x00, 0x77 };

/* The backend's neighbour entry on xb, now at @mac. */
static bool be_neigh(const char *be_addr, const __u8 *mac)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd),
		 "ip %s neigh replace %s lladdr "
		 "%02x:%02x:%02x:%02x:%02x:%02x dev xb nud permanent",
		 strchr(be_addr, ':') ? "-6" : "-4", be_addr, mac[0], mac[1],
		 mac[2], mac[3], mac[4], mac[5]);
	return sh(cmd);
}

/* Run @in on xc: forwarded out of xb to destination MAC @mac? */
static bool sent_to(struct nat_env *e, const struct pkt *in, const __u8 *mac,
		    const char *desc)
{
	struct h_result r;

	return h_run_if(&e->h, in, e->ns.xc, &r) &&
	       ASSERT_EQ(r.action, XDP_REDIRECT, desc) &&
	       ASSERT_MEMEQ(r.out, 6, mac, 6, desc);
}

/*
 * A flow's next hop is the FIB's answer for its first packet while that
 * is fresh: the kernel's neighbour entry of the backend moves to another
 * MAC and the next packet still leaves to the old one (unless XLB_NH_TTL
 * jiffies passed between the two: tried again, up to 10 times). Once
 * xlbd says next hops changed (nh_gen), the next packet asks the FIB and
 * follows the move.
 */
static void fib_cache_case(const char *client, const char *vip,
			   const char *be_addr)
{
	struct h_frame a = {
		.src = client,
		.dst = vip,
		.sport = 40000,
		.dport = 80,
		.flags = PKT_SYN,
	};
	struct pkt in;
	struct nat_env e;
	bool cached = false;

	h_pin_cpu0();
	if (!env_up(&e, 1024, 65535, vip, IPPROTO_TCP, be_addr))
		goto out;
	h_build_in(&in, &a);
	if (!sent_to(&e, &in, be1_mac, "the flow's first packet"))
		goto out;
	a.flags = PKT_ACK;
	h_build_in(&in, &a);
	for (int i = 0; i < 10 && !cached; i++) {
		__u64 j0, j1;
		struct h_result r;

		/* a fresh slot, filled by this packet, towards be1_mac */
		if (!be_neigh(be_addr, be1_mac) ||
		    !ASSERT_OK(xlb_dp_nexthops_changed(&e.h.dp), "nh_gen") ||
		    !ASSERT_OK(xlb_jiffies(&j0), "jiffies") ||
		    !sent_to(&e, &in, be1_mac, "fills the slot") ||
		    !be_neigh(be_addr, be1_mac_moved) ||
		    !h_run_if(&e.h, &in, e.ns.xc, &r) ||
		    !ASSERT_OK(xlb_jiffies(&j1), "jiffies"))
			goto out;
		cached = r.out_len >= 6 && !memcmp(r.out, be1_mac, 6);
		if (!cached && !ASSERT_TRUE(j1 - j0 >= XLB_NH_TTL,
					    "a fresh cached next hop is used"))
			goto out;
	}
	if (!ASSERT_TRUE(cached, "cached next hop used in one of 10 tries"))
		goto out;
	ASSERT_OK(xlb_dp_nexthops_changed(&e.h.dp), "nh_gen");
	sent_to(&e, &in, be1_mac_moved, "after nh_gen: the moved neighbour");
out:
	env_down(&e);
}

TEST(nat_fib_cache_ipv4_reused_until_nh_gen)
{
	fib_cache_case(H_CLIENT4, H_VIP4, BE4);
}

TEST(nat_fib_cache_ipv6_reused_until_nh_gen)
{
	fib_cache_case(H_CLIENT6, H_VIP6, BE6);
}

/*
 * A failed lookup is not cached: the next packet asks the FIB again, and
 * leaves as soon as the kernel has the neighbour, with no nh_gen bump.
 */
TEST(nat_fib_failure_not_cached)
{
	struct h_frame a = client_syn4;
	struct pkt in;
	struct h_result r;
	struct nat_env e;

	h_pin_cpu0();
	if (!env_up(&e, 1024, 65535, H_VIP4, IPPROTO_TCP, BE4_NONEIGH))
		goto out;
	h_build_in(&in, &a);
	for (int i = 0; i < 2; i++)
		if (!h_run_if(&e.h, &in, e.ns.xc, &r) ||
		    !ASSERT_EQ(r.action, XDP_DROP, "no neighbour: dropped"))
			goto out;
	if (be_neigh(BE4_NONEIGH, be1_mac_moved))
		sent_to(&e, &in, be1_mac_moved,
			"the neighbour's first packet leaves to it");
out:
	env_down(&e);
}

static bool fwd_entry(struct h *h, const struct pkt *in, struct xlb_nat_fwd *f)
{
	struct xlb_flow_key k;

	return h_pkt_key(in, &k) &&
	       !bpf_map_lookup_elem(h->dp.nat_fwd_fd, &k, f);
}

static bool fwd_entry_set(struct h *h, const struct pkt *in,
			  const struct xlb_nat_fwd *f)
{
	struct xlb_flow_key k;

	return h_pkt_key(in, &k) &&
	       !bpf_map_update_elem(h->dp.nat_fwd_fd, &k, f, BPF_EXIST);
}

/*
 * TCP state for timeouts: SYN -> SYN, the client's ACK -> established,
 * FIN -> closing. A flow idle past its state's timeout starts afresh
 * (counted as a new flow); the same idle time in a state with a longer
 * timeout is followed.
 */
TEST(nat_tcp_state_and_timeouts)
{
	struct h_frame syn = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.sport = 40000,
		.dport = 80,
		.flags = PKT_SYN,
	};
	struct h_frame ack = syn, fin = syn;
	struct pkt psyn, pack, pfin;
	struct xlb_nat_fwd f;
	struct h_result r;
	struct nat_env e;
	__u64 nf;

	ack.flags = PKT_ACK;
	fin.flags = PKT_FIN | PKT_ACK;
	h_build_in(&psyn, &syn);
	h_build_in(&pack, &ack);
	h_build_in(&pfin, &fin);
	if (!env_up(&e, 1024, 65535, H_VIP4, IPPROTO_TCP, BE4))
		goto out;

	if (!h_run_if(&e.h, &psyn, e.ns.xc, &r) ||
	    !ASSERT_TRUE(fwd_entry(&e.h, &psyn, &f), "entry made"))
		goto out;
	ASSERT_EQ(f.state, XLB_NAT_S_SYN, "SYN: state SYN");
	ASSERT_EQ(ntohs(f.snat_port), 40000, "client's port");
	ASSERT_EQ(ntohs(f.be_port), BE_PORT, "backend's port");

	/* a SYN idle past the SYN timeout (1000 jiffies) starts afresh */
	f.seen -= 1001;
	f.created -= 5;
	fwd_entry_set(&e.h, &psyn, &f);
	nf = h_stat(&e.h, XLB_STAT_NEW_FLOW);
	h_run_if(&e.h, &pack, e.ns.xc, &r);
	ASSERT_EQ(r.action, XDP_REDIRECT, "expired flow: forwarded anew");
	ASSERT_EQ(h_stat(&e.h, XLB_STAT_NEW_FLOW), nf + 1,
		  "expired SYN flow: a new flow");
	fwd_entry(&e.h, &pack, &f);
	ASSERT_EQ(f.state, XLB_NAT_S_EST, "ACK: established");
	ASSERT_EQ(ntohs(f.snat_port), 40000,
		  "the old flow's port was given back and taken again");

	/* established: the same idle time is well within its timeout */
	f.seen -= 1001;
	fwd_entry_set(&e.h, &pack, &f);
	nf = h_stat(&e.h, XLB_STAT_NEW_FLOW);
	h_run_if(&e.h, &pack, e.ns.xc, &r);
	ASSERT_EQ(h_stat(&e.h, XLB_STAT_NEW_FLOW), nf,
		  "established flow idle 1001 jiffies: followed");

	h_run_if(&e.h, &pfin, e.ns.xc, &r);
	fwd_entry(&e.h, &pfin, &f);
	ASSERT_EQ(f.state, XLB_NAT_S_CLOSING, "FIN: closing");
	/* closing: 500 jiffies */
	f.seen -= 501;
	fwd_entry_set(&e.h, &pfin, &f);
	nf = h_stat(&e.h, XLB_STAT_NEW_FLOW);
	h_run_if(&e.h, &pack, e.ns.xc, &r);
	ASSERT_EQ(h_stat(&e.h, XLB_STAT_NEW_FLOW), nf + 1,
		  "closed flow past its timeout: a new flow");

	/* a new SYN on an established tuple is a new connection */
	nf = h_stat(&e.h, XLB_STAT_NEW_FLOW);
	h_run_if(&e.h, &psyn, e.ns.xc, &r);
	ASSERT_EQ(h_stat(&e.h, XLB_STAT_NEW_FLOW), nf + 1,
		  "SYN on an established tuple: new flow");
	/* a retransmitted SYN is not */
	h_run_if(&e.h, &psyn, e.ns.xc, &r);
	ASSERT_EQ(h_stat(&e.h, XLB_STAT_NEW_FLOW), nf + 1,
		  "retransmitted SYN follows");
out:
	env_down(&e);
}

/* Move a flow's last packet, both directions, @ago jiffies back. */
static bool age_flow(struct h *h, const struct pkt *in, __u32 ago)
{
	struct xlb_nat_rev_key rk;
	struct xlb_flow_key k;
	struct xlb_nat_fwd f;
	struct xlb_nat_rev r;

	if (!h_pkt_key(in, &k) ||
	    !ASSERT_OK(bpf_map_lookup_elem(h->dp.nat_fwd_fd, &k, &f),
		       "forward entry"))
		return false;
	xlb_nat_rev_key_of(&rk, &k, &f);
	if (!ASSERT_OK(bpf_map_lookup_elem(h->dp.nat_rev_fd, &rk, &r),
		       "reverse entry"))
		return false;
	f.seen -= ago;
	r.seen -= ago;
	return !bpf_map_update_elem(h->dp.nat_fwd_fd, &k, &f, BPF_EXIST) &&
	       !bpf_map_update_elem(h->dp.nat_rev_fd, &rk, &r, BPF_EXIST);
}

static bool sweep(struct h *h, struct xlb_nat_sweep *st)
{
	__u64 now;

	return ASSERT_OK(xlb_jiffies(&now), "jiffies") &&
	       ASSERT_OK(xlb_dp_nat_sweep(&h->dp, now, NULL, NULL, st),
			 "sweep");
}

static long map_entries(int fd, size_t ksize)
{
	char k[64], next[64];
	long n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(k, next, ksize);
		prev = k;
		n++;
	}
	return n;
}

/*
 * Expiry gives ports back: with a pool of one port, a second client is
 * refused while the first flow lives, the sweep leaves a live flow alone,
 * deletes it once idle past its timeout (both entries), and the second
 * client then gets the port. A reply entry left without its forward entry
 * (evicted) goes too once idle past the closing timeout.
 */
TEST(nat_sweep_returns_ports)
{
	struct h_frame a = client_syn4;
	struct h_frame b = a;
	struct xlb_nat_sweep st;
	struct xlb_flow_key kb;
	struct pkt pa, pb;
	struct h_result r;
	struct nat_env e;

	b.src = CLIENT4_B;
	b.sport = 40001;
	h_build_in(&pa, &a);
	h_build_in(&pb, &b);
	if (!env_up(&e, 2000, 2000, H_VIP4, IPPROTO_TCP, BE4))
		goto out;
	if (!h_run_if(&e.h, &pa, e.ns.xc, &r) ||
	    !ASSERT_EQ(r.action, XDP_REDIRECT, "first client forwarded"))
		goto out;
	h_run_if(&e.h, &pb, e.ns.xc, &r);
	ASSERT_EQ(r.action, XDP_DROP, "second client: pool exhausted");

	if (!sweep(&e.h, &st))
		goto out;
	ASSERT_EQ(st.flows, 1, "one flow");
	ASSERT_EQ(st.expired, 0, "a live flow stays");
	ASSERT_EQ(map_entries(e.h.dp.nat_fwd_fd, sizeof(struct xlb_flow_key)),
		  1, "forward entry stays");

	/* idle past the SYN timeout (1000 jiffies) */
	if (!age_flow(&e.h, &pa, 1001) || !sweep(&e.h, &st))
		goto out;
	ASSERT_EQ(st.expired, 1, "idle flow expired");
	ASSERT_EQ(map_entries(e.h.dp.nat_fwd_fd, sizeof(struct xlb_flow_key)),
		  0, "forward entry deleted");
	ASSERT_EQ(
		map_entries(e.h.dp.nat_rev_fd, sizeof(struct xlb_nat_rev_key)),
		0, "reverse entry deleted");
	h_run_if(&e.h, &pb, e.ns.xc, &r);
	if (ASSERT_EQ(r.action, XDP_REDIRECT, "second client now forwarded"))
		ASSERT_EQ(out_sport(&r), 2000, "with the port given back");

	/* its forward entry evicted: the reply entry still holds the port */
	if (!age_flow(&e.h, &pb, 501) || !h_pkt_key(&pb, &kb) ||
	    !ASSERT_OK(bpf_map_delete_elem(e.h.dp.nat_fwd_fd, &kb), "evict"))
		goto out;
	h_run_if(&e.h, &pa, e.ns.xc, &r);
	ASSERT_EQ(r.action, XDP_DROP, "port held by the orphan reply entry");
	if (!sweep(&e.h, &st))
		goto out;
	ASSERT_EQ(st.orphans, 1, "orphan reply entry deleted");
	h_run_if(&e.h, &pa, e.ns.xc, &r);
	ASSERT_EQ(r.action, XDP_REDIRECT, "first client gets the port again");
out:
	env_down(&e);
}

/*
 * A flow made after the sweep read its clock (its last packet is later
 * than the sweep's now) is live, not idle for most of the 32-bit range:
 * the sweep leaves both of its entries (a 10,000-connection lab run lost
 * about 1% of its live flows that way).
 */
TEST(nat_sweep_spares_flows_newer_than_its_clock)
{
	struct h_frame a = client_syn4;
	struct xlb_nat_sweep st;
	struct h_result r;
	struct nat_env e;
	struct pkt pa;
	__u64 now;

	h_build_in(&pa, &a);
	if (!env_up(&e, 2000, 2000, H_VIP4, IPPROTO_TCP, BE4))
		goto out;
	if (!h_run_if(&e.h, &pa, e.ns.xc, &r) ||
	    !ASSERT_EQ(r.action, XDP_REDIRECT, "flow made") ||
	    !ASSERT_OK(xlb_jiffies(&now), "jiffies") ||
	    !ASSERT_OK(xlb_dp_nat_sweep(&e.h.dp, now - 100, NULL, NULL, &st),
		       "sweep"))
		goto out;
	ASSERT_EQ(st.expired, 0, "a flow newer than the sweep's clock stays");
	ASSERT_EQ(st.orphans, 0, "its reply entry too");
	ASSERT_EQ(map_entries(e.h.dp.nat_fwd_fd, sizeof(struct xlb_flow_key)),
		  1, "forward entry stays");
	ASSERT_EQ(
		map_entries(e.h.dp.nat_rev_fd, sizeof(struct xlb_nat_rev_key)),
		1, "reverse entry stays");
out:
	env_down(&e);
}

/*
 * ICMP errors about NAT flows. A frame: an error from @osrc to @odst
 * (IPv4: fragmentation needed, MTU 1400; IPv6: packet too big, MTU 1280)
 * quoting the packet qsrc:qsport -> qdst:qdport (a TCP ACK or a UDP
 * datagram with 20 bytes of data), @quote_l4 bytes of it past its IP
 * header (SIZE_MAX: all of it). @udp_csum0: the quoted UDP datagram
 * carries no checksum.
 */
struct icmp_err {
	const char *osrc, *odst;
	__u8 proto;
	const char *qsrc, *qdst;
	__u16 qsport, qdport;
	size_t quote_l4;
	bool udp_csum0;
	__u8 ttl; /* the error's, 0: the builder's (64) */
};

#define ICMP_MTU4 1400
#define ICMP_MTU6 1280

static bool is_v6(const char *a)
{
	return strchr(a, ':') != NULL;
}

static void icmp_frame(struct pkt *p, const __u8 *smac, const __u8 *dmac,
		       const struct icmp_err *e)
{
	bool v6 = is_v6(e->odst);
	size_t ip = v6 ? 40 : 20;
	struct pkt q;

	pkt_init(&q);
	if (v6)
		pkt_ipv6(&q, e->qsrc, e->qdst);
	else
		pkt_ipv4(&q, e->qsrc, e->qdst);
	if (e->proto == IPPROTO_UDP)
		pkt_udp(&q, e->qsport, e->qdport);
	else
		pkt_tcp(&q, e->qsport, e->qdport, PKT_ACK);
	pkt_payload_fill(&q, 20, 0x40);
	pkt_finish(&q);
	if (e->udp_csum0)
		pkt_set16(&q, ip + 6, 0);

	pkt_init(p);
	pkt_eth(p, smac, dmac);
	if (v6) {
		pkt_ipv6(p, e->osrc, e->odst);
		if (e->ttl)
			pkt_ipv6_hlim(p, e->ttl);
		pkt_icmp6(p, 2, 0, ICMP_MTU6);
	} else {
		pkt_ipv4(p, e->osrc, e->odst);
		if (e->ttl)
			pkt_ipv4_ttl(p, e->ttl);
		pkt_icmp(p, 3, 4, ICMP_MTU4);
	}
	pkt_quote(p, &q, e->quote_l4 == SIZE_MAX ? q.len : ip + e->quote_l4);
	pkt_finish(p);
}

/* The MTU an output error carries (ICMP header bytes 4..7). */
static __u32 out_mtu(const struct h_result *r)
{
	const __u8 *ic;

	if (r->out_len < 14 + 48)
		return 0;
	ic = r->out + 14 + (r->out[12] == 0x86 ? 40 : (r->out[14] & 15) * 4);
	return (__u32)ic[4] << 24 | ic[5] << 16 | ic[6] << 8 | ic[7];
}

/* A client's SYN from @client:40000 to @vip:80 makes the NAT flow. */
static bool nat_flow(struct nat_env *e, const char *client, const char *vip,
		     __u8 proto)
{
	struct h_frame f = {
		.src = client,
		.dst = vip,
		.proto = proto,
		.sport = 40000,
		.dport = 80,
		.flags = PKT_SYN,
		.payload = 20,
	};
	struct h_result r;
	struct pkt in;

	h_build_in(&in, &f);
	return h_run_if(&e->h, &in, e->ns.xc, &r) &&
	       ASSERT_EQ(r.action, XDP_REDIRECT, "flow made") &&
	       ASSERT_EQ(out_sport(&r), 40000, "SNAT port 40000");
}

/*
 * The reply side's MAC decision, as the request side's (xlb_l2_dst()): a
 * backend's reply to the SNAT address in a frame to another host's MAC,
 * or to a group, is passed untouched (not ours, whatever its addresses),
 * and so is an ICMP error about the flow; to the reply interface's own
 * MAC (XLB_MAP_IFACES) it is translated, and so it is one-armed on the
 * interface itself to its MAC (the runtime slot's).
 */
TEST(nat_reply_mac_not_ours_passes)
{
	static const __u8 other[6] = { 0x02, 0, 0, 0, 0, 0x99 };
	static const __u8 group[6] = { 0x01, 0, 0x5e, 0, 0, 0x01 };
	struct h_frame rep = {
		.src = BE4,
		.dst = SNAT4,
		.sport = BE_PORT,
		.dport = 40000,
		.flags = PKT_ACK,
		.payload = 10,
	};
	struct icmp_err ie = {
		.osrc = BE4,
		.odst = SNAT4,
		.qsrc = SNAT4,
		.qsport = 40000,
		.qdst = BE4,
		.qdport = BE_PORT,
		.quote_l4 = SIZE_MAX,
	};
	struct pkt in;
	struct h_result r;
	struct nat_env e;
	struct h_case c = {
		.in = &in,
		.action = XDP_PASS,
	};

	if (!env_up(&e, 1024, 65535, H_VIP4, IPPROTO_TCP, BE4) ||
	    !nat_flow(&e, H_CLIENT4, H_VIP4, IPPROTO_TCP))
		goto out;
	c.ingress_ifindex = e.ns.xb;
	h_build(&in, &rep, be1_mac, other);
	c.desc = "reply on the reply interface to another host's MAC: passed";
	c.stat[XLB_STAT_PASS_MAC_OTHER] = 1;
	h_check(&e.h, &c, NULL);
	h_build(&in, &rep, be1_mac, group);
	c.desc = "reply to a group MAC: passed";
	c.stat[XLB_STAT_PASS_MAC_OTHER] = 0;
	c.stat[XLB_STAT_PASS_MAC_GROUP] = 1;
	h_check(&e.h, &c, NULL);
	icmp_frame(&in, be1_mac, other, &ie);
	c.desc = "backend side's ICMP error to another host's MAC: passed";
	c.stat[XLB_STAT_PASS_MAC_GROUP] = 0;
	c.stat[XLB_STAT_PASS_MAC_OTHER] = 1;
	h_check(&e.h, &c, NULL);

	h_build(&in, &rep, be1_mac, H_EGRESS_MAC);
	if (h_run_if(&e.h, &in, e.ns.xb, &r))
		ASSERT_EQ(r.action, XDP_REDIRECT,
			  "to the reply interface's MAC: translated");
	/* one-armed: the reply arrives where the clients are */
	h_build(&in, &rep, be1_mac, H_LB_MAC);
	if (h_run_if(&e.h, &in, e.ns.xc, &r))
		ASSERT_EQ(r.action, XDP_TX,
			  "on the interface, to its MAC: translated");
	h_build(&in, &rep, be1_mac, H_EGRESS_MAC);
	if (h_run_if(&e.h, &in, e.ns.xc, &r))
		ASSERT_EQ(
			r.action, XDP_PASS,
			"on the interface, to the reply interface's MAC: passed");
out:
	env_down(&e);
}

/*
 * One side of the NAT: errors arrive on @ifindex from @mac[0] to @mac[1]
 * and leave from @mac[2] to @mac[3], accounted to @svc_id (0: none).
 */
struct icmp_side {
	__u32 ifindex;
	const __u8 *mac[4];
	__u32 svc_id;
};

/*
 * Check one translated error: @in_e must leave as @out_e (XDP_REDIRECT:
 * the other arm), byte for byte, every checksum right from scratch, the
 * MTU unchanged, the NAT entries neither added nor dropped.
 */
static void icmp_case(struct nat_env *e, const char *desc,
		      const struct icmp_side *sd, const struct icmp_err *in_e,
		      const struct icmp_err *out_e)
{
	long nf = map_entries(e->h.dp.nat_fwd_fd, sizeof(struct xlb_flow_key));
	struct pkt in, exp;
	struct h_result r;
	struct h_case c = {
		.desc = desc,
		.in = &in,
		.ingress_ifindex = sd->ifindex,
		.action = XDP_REDIRECT,
		.out = &exp,
		.stat = { [XLB_STAT_NAT_ICMP] = 1, [XLB_STAT_REDIRECT] = 1 },
		.svc_id = sd->svc_id,
		.be_id = sd->svc_id ? 1 : 0,
	};

	icmp_frame(&in, sd->mac[0], sd->mac[1], in_e);
	icmp_frame(&exp, sd->mac[2], sd->mac[3], out_e);
	if (!h_check(&e->h, &c, &r))
		return;
	csums_ok(r.out, r.out_len, out_e->udp_csum0);
	ASSERT_EQ(out_mtu(&r), r.out[12] == 0x86 ? ICMP_MTU6 : ICMP_MTU4,
		  "MTU unchanged");
	ASSERT_EQ(map_entries(e->h.dp.nat_fwd_fd, sizeof(struct xlb_flow_key)),
		  nf, "no NAT entry made or dropped");
}

/*
 * From the backends' side: a router (or the backend itself) sends its
 * error to the SNAT address, quoting SNAT:40000 -> backend:8080; the
 * client gets it from the VIP, quoting client:40000 -> VIP:80, whole
 * quote or only 8 bytes past the IP header.
 */
static void icmp_from_backend_side(const char *client, const char *vip,
				   const char *snat, const char *be_addr,
				   const char *router)
{
	struct icmp_err in_e = {
		.osrc = router,
		.odst = snat,
		.qsrc = snat,
		.qsport = 40000,
		.qdst = be_addr,
		.qdport = BE_PORT,
		.quote_l4 = SIZE_MAX,
	};
	struct icmp_err out_e = {
		.osrc = vip,
		.odst = client,
		.qsrc = client,
		.qsport = 40000,
		.qdst = vip,
		.qdport = 80,
		.quote_l4 = SIZE_MAX,
		.ttl = 63,
	};
	struct nat_env e;

	if (!env_up(&e, 1024, 65535, vip, IPPROTO_TCP, be_addr) ||
	    !nat_flow(&e, client, vip, IPPROTO_TCP))
		goto out;
	struct icmp_side sd = {
		.ifindex = e.ns.xb,
		.mac = { be1_mac, H_EGRESS_MAC, H_LB_MAC, H_ROUTER_MAC },
	};
	icmp_case(&e, "router's error about a NAT flow, whole quote", &sd,
		  &in_e, &out_e);
	in_e.osrc = be_addr;
	in_e.quote_l4 = out_e.quote_l4 = 8;
	icmp_case(&e, "backend's error about a NAT flow, 8-byte quote", &sd,
		  &in_e, &out_e);
out:
	env_down(&e);
}

TEST(nat_icmp4_from_backend_side_to_client)
{
	icmp_from_backend_side(H_CLIENT4, H_VIP4, SNAT4, BE4, "10.1.0.254");
}

TEST(nat_icmp6_from_backend_side_to_client)
{
	icmp_from_backend_side(H_CLIENT6, H_VIP6, SNAT6, BE6, "2001:db8:b::fe");
}

/*
 * From the clients' side: an error to the VIP quoting the reply
 * VIP:80 -> client:40000 goes to the backend from the SNAT address,
 * quoting backend:8080 -> SNAT:40000. UDP: the 8 bytes quoted hold the
 * UDP checksum, updated; none (0) stays none on IPv4.
 */
static void icmp_from_client_side(const char *client, const char *vip,
				  const char *snat, const char *be_addr,
				  const char *router, __u8 proto)
{
	struct icmp_err in_e = {
		.osrc = router,
		.odst = vip,
		.proto = proto,
		.qsrc = vip,
		.qsport = 80,
		.qdst = client,
		.qdport = 40000,
		.quote_l4 = SIZE_MAX,
	};
	struct icmp_err out_e = {
		.osrc = snat,
		.odst = be_addr,
		.proto = proto,
		.qsrc = be_addr,
		.qsport = BE_PORT,
		.qdst = snat,
		.qdport = 40000,
		.quote_l4 = SIZE_MAX,
		.ttl = 63,
	};
	struct nat_env e;

	if (!env_up(&e, 1024, 65535, vip, proto, be_addr) ||
	    !nat_flow(&e, client, vip, proto))
		goto out;
	struct icmp_side sd = {
		.ifindex = e.ns.xc,
		.mac = { H_ROUTER_MAC, H_LB_MAC, H_EGRESS_MAC, be1_mac },
		.svc_id = 1,
	};
	icmp_case(&e, "client side's error about a NAT reply, whole quote", &sd,
		  &in_e, &out_e);
	in_e.quote_l4 = out_e.quote_l4 = 8;
	icmp_case(&e, "client side's error about a NAT reply, 8-byte quote",
		  &sd, &in_e, &out_e);
	if (proto != IPPROTO_UDP || is_v6(vip))
		goto out;
	in_e.udp_csum0 = out_e.udp_csum0 = true;
	icmp_case(&e, "quoted UDP without checksum stays without", &sd, &in_e,
		  &out_e);
out:
	env_down(&e);
}

TEST(nat_icmp4_from_client_side_to_backend)
{
	icmp_from_client_side(H_CLIENT4, H_VIP4, SNAT4, BE4, "198.18.0.254",
			      IPPROTO_TCP);
	icmp_from_client_side(H_CLIENT4, H_VIP4, SNAT4, BE4, "198.18.0.254",
			      IPPROTO_UDP);
}

TEST(nat_icmp6_from_client_side_to_backend)
{
	icmp_from_client_side(H_CLIENT6, H_VIP6, SNAT6, BE6, "2001:db8:c::fe",
			      IPPROTO_TCP);
	icmp_from_client_side(H_CLIENT6, H_VIP6, SNAT6, BE6, "2001:db8:c::fe",
			      IPPROTO_UDP);
}

/*
 * Errors about no flow we hold pass to the kernel untouched: to the SNAT
 * address about another port, to the VIP about another client port
 * (both counted nat_no_state), to an address that is neither (pass_icmp).
 */
TEST(nat_icmp_unknown_flow_passes)
{
	struct icmp_err to_snat = {
		.osrc = "10.1.0.254",
		.odst = SNAT4,
		.qsrc = SNAT4,
		.qsport = 40001,
		.qdst = BE4,
		.qdport = BE_PORT,
		.quote_l4 = 8,
	};
	struct icmp_err to_vip = {
		.osrc = "198.18.0.254",
		.odst = H_VIP4,
		.qsrc = H_VIP4,
		.qsport = 80,
		.qdst = H_CLIENT4,
		.qdport = 40001,
		.quote_l4 = 8,
	};
	struct icmp_err other = to_snat;
	struct pkt in;
	struct nat_env e;

	other.odst = other.qsrc = "10.1.0.77";
	if (!env_up(&e, 1024, 65535, H_VIP4, IPPROTO_TCP, BE4) ||
	    !nat_flow(&e, H_CLIENT4, H_VIP4, IPPROTO_TCP))
		goto out;
	icmp_frame(&in, be1_mac, H_EGRESS_MAC, &to_snat);
	struct h_case a = {
		.desc = "error to the SNAT address about no flow",
		.in = &in,
		.ingress_ifindex = e.ns.xb,
		.action = XDP_PASS,
		.stat = { [XLB_STAT_NAT_NO_STATE] = 1 },
	};
	h_check(&e.h, &a, NULL);

	icmp_frame(&in, H_ROUTER_MAC, H_LB_MAC, &to_vip);
	a.desc = "error to the VIP about no flow";
	a.ingress_ifindex = e.ns.xc;
	h_check(&e.h, &a, NULL);

	icmp_frame(&in, be1_mac, H_EGRESS_MAC, &other);
	struct h_case o = {
		.desc = "error to neither VIP nor SNAT address",
		.in = &in,
		.ingress_ifindex = e.ns.xb,
		.action = XDP_PASS,
		.stat = { [XLB_STAT_PASS_ICMP] = 1 },
	};
	h_check(&e.h, &o, NULL);
out:
	env_down(&e);
}

/*
 * NAT forwarding is routing: a client's packet with TTL (hop limit) 2
 * leaves with 1, its IPv4 header checksum right from scratch; one with 1
 * is dropped and counted, making no flow; so are a reply and an ICMP
 * error with 1. A packet with TTL 1 to the SNAT address that is no NAT
 * flow's is the node's own: passed.
 */
static void ttl_case(const char *client, const char *vip, const char *snat,
		     const char *be_addr)
{
	struct h_frame req = {
		.src = client,
		.dst = vip,
		.sport = 40000,
		.dport = 80,
		.flags = PKT_SYN,
		.ttl = 1,
	};
	struct h_frame out = req, rep = {
		.src = be_addr,
		.dst = snat,
		.sport = BE_PORT,
		.dport = 40000,
		.flags = PKT_SYN | PKT_ACK,
		.ttl = 1,
	};
	struct icmp_err err = {
		.osrc = be_addr,
		.odst = snat,
		.qsrc = snat,
		.qsport = 40000,
		.qdst = be_addr,
		.qdport = BE_PORT,
		.quote_l4 = 8,
		.ttl = 1,
	};
	struct pkt in, exp;
	struct h_result r;
	struct nat_env e;

	out.src = snat;
	out.dst = be_addr;
	out.dport = BE_PORT;
	if (!env_up(&e, 1024, 65535, vip, IPPROTO_TCP, be_addr))
		goto out;
	h_build_in(&in, &req);
	struct h_case c = {
		.desc = "client's SYN with TTL 1: dropped, no flow",
		.in = &in,
		.ingress_ifindex = e.ns.xc,
		.action = XDP_DROP,
		.stat = { [XLB_STAT_DROP_TTL] = 1 },
	};
	h_check(&e.h, &c, NULL);
	ASSERT_EQ(map_entries(e.h.dp.nat_fwd_fd, sizeof(struct xlb_flow_key)),
		  0, "no NAT flow made");

	req.ttl = 2;
	out.ttl = 1;
	h_build_in(&in, &req);
	h_build(&exp, &out, H_EGRESS_MAC, be1_mac);
	struct h_case f = {
		.desc = "client's SYN with TTL 2 leaves with 1",
		.in = &in,
		.ingress_ifindex = e.ns.xc,
		.action = XDP_REDIRECT,
		.out = &exp,
		.stat = { [XLB_STAT_NEW_FLOW] = 1,
			  [XLB_STAT_NAT_FWD] = 1,
			  [XLB_STAT_REDIRECT] = 1 },
		.svc_id = 1,
		.be_id = 1,
		.new_flow = true,
	};
	if (h_check(&e.h, &f, &r))
		csums_ok(r.out, r.out_len, false);

	h_build(&in, &rep, be1_mac, H_EGRESS_MAC);
	c.desc = "backend's reply with TTL 1: dropped";
	c.ingress_ifindex = e.ns.xb;
	h_check(&e.h, &c, NULL);

	icmp_frame(&in, be1_mac, H_EGRESS_MAC, &err);
	c.desc = "ICMP error with TTL 1: dropped";
	h_check(&e.h, &c, NULL);

	rep.dport = 2001;
	h_build(&in, &rep, be1_mac, H_EGRESS_MAC);
	struct h_case own = {
		.desc = "TTL 1 to the SNAT address, no flow: the node's own",
		.in = &in,
		.ingress_ifindex = e.ns.xb,
		.action = XDP_PASS,
		.stat = { [XLB_STAT_NAT_NO_STATE] = 1 },
	};
	h_check(&e.h, &own, NULL);
out:
	env_down(&e);
}

TEST(nat_ipv4_ttl_decremented_dropped_at_1)
{
	ttl_case(H_CLIENT4, H_VIP4, SNAT4, BE4);
}

TEST(nat_ipv6_hop_limit_decremented_dropped_at_1)
{
	ttl_case(H_CLIENT6, H_VIP6, SNAT6, BE6);
}

/*
 * Flow sync of full NAT: a synced service's new flow is written to the
 * flow sync ring with the SNAT tuple it left with (unconfirmed while in
 * SYN state), once more when the client's ACK establishes it, and never
 * for later packets.
 */
static void check_sync_rec(const struct xlb_sync_rec *rec, const struct pkt *in,
			   __u16 snat_port, __u8 flags)
{
	union xlb_addr be, snat;
	struct xlb_flow_key k;
	__u8 fam;

	if (!h_pkt_key(in, &k) || !h_addr(&be, &fam, BE4) ||
	    !h_addr(&snat, &fam, SNAT4))
		return;
	ASSERT_TRUE(!memcmp(&rec->key, &k, sizeof(k)), "the client's tuple");
	ASSERT_TRUE(!memcmp(&rec->be_addr, &be, sizeof(be)), "the backend");
	ASSERT_TRUE(!memcmp(&rec->snat_addr, &snat, sizeof(snat)),
		    "the SNAT address the flow left with");
	ASSERT_EQ(ntohs(rec->snat_port), snat_port, "and its SNAT port");
	ASSERT_EQ(rec->be_family, XLB_FAMILY_V4, "family");
	ASSERT_EQ(rec->flags, flags, "flags");
	ASSERT_EQ(rec->backend_id, 1, "this node's backend id");
}

TEST(nat_sync_records_carry_the_snat_tuple)
{
	struct h_frame syn = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.sport = 40000,
		.dport = 80,
		.flags = PKT_SYN,
	};
	struct h_frame ack = syn;
	struct ring_buffer *rb = NULL;
	struct h_sync_recs recs;
	struct pkt in;
	struct h_result r;
	struct nat_env e;
	__u16 port;

	ack.flags = PKT_ACK;
	if (!env_up(&e, 1024, 65535, H_VIP4, IPPROTO_TCP, BE4) ||
	    !nat_service_flags(&e.h, H_VIP4, IPPROTO_TCP, 1, XLB_SVC_F_SYNC))
		goto out;
	rb = h_sync_open(&e.h, &recs);
	if (!rb)
		goto out;
	h_build_in(&in, &syn);
	if (!h_run_if(&e.h, &in, e.ns.xc, &r) ||
	    !ASSERT_EQ(r.action, XDP_REDIRECT, "SYN forwarded"))
		goto out;
	port = out_sport(&r);
	ring_buffer__consume(rb);
	if (!ASSERT_EQ(recs.n, 1, "the new flow: one record"))
		goto out;
	check_sync_rec(&recs.v[0], &in, port, XLB_SYNC_F_SYN);

	h_build_in(&in, &ack);
	for (int i = 0; i < 3; i++)
		if (!h_run_if(&e.h, &in, e.ns.xc, &r) ||
		    !ASSERT_EQ(r.action, XDP_REDIRECT, "ACK forwarded"))
			goto out;
	ring_buffer__consume(rb);
	if (ASSERT_EQ(recs.n, 2, "established: one more record, then none"))
		check_sync_rec(&recs.v[1], &in, port, 0);
	ASSERT_EQ(h_stat(&e.h, XLB_STAT_SYNC_LOST), 0, "nothing lost");
out:
	ring_buffer__free(rb);
	env_down(&e);
}

#define PEER_SNAT4 "10.1.0.7" /* a peer's: not in this node's pool */

/* The record a peer sends for client @sport's flow, SNAT @snat:@snat_port. */
static bool peer_rec(struct xlb_sync_rec *r, const char *client, __u16 sport,
		     const char *snat, __u16 snat_port)
{
	__u8 fam;

	memset(r, 0, sizeof(*r));
	r->key.sport = htons(sport);
	r->snat_port = htons(snat_port);
	r->be_family = XLB_FAMILY_V4;
	return h_svc_key(&r->key.svc, H_VIP4, 80, IPPROTO_TCP) &&
	       h_addr(&r->key.src, &fam, client) &&
	       h_addr(&r->be_addr, &fam, BE4) &&
	       h_addr(&r->snat_addr, &fam, snat);
}

static int peer_insert(struct nat_env *e, const struct xlb_sync_rec *r)
{
	struct xlb_backend be;
	__u64 now;

	if (!ASSERT_OK(xlb_dp_backend_get(&e->h.dp, 1, &be), "backend") ||
	    !ASSERT_OK(xlb_jiffies(&now), "jiffies"))
		return -1000;
	return xlb_dp_nat_peer_insert(&e->h.dp, r, &be, 1, now);
}

/*
 * A peer's flow inserted from its record: the client's packet, moved here,
 * leaves exactly as it left the peer (the peer's SNAT address and port,
 * no new flow, no port of this node's pool), and the backend's reply to
 * the peer's SNAT address, which this node's pool does not hold, goes
 * back to the client. The record sent again refreshes the copy; one that
 * names this node's own pool is refused; a flow of this node's own is
 * kept.
 */
TEST(nat_peer_flow_forwarded_and_answered_as_its_node)
{
	struct h_frame req = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.sport = 40000,
		.dport = 80,
		.flags = PKT_ACK, /* no payload: the builder seeds it by port */
	};
	struct h_frame out = req, rep = {
		.src = BE4,
		.dst = PEER_SNAT4,
		.sport = BE_PORT,
		.dport = 5555,
		.flags = PKT_ACK,
	};
	struct h_frame rep_out = rep, own = req;
	struct pkt in, exp, rin, rexp;
	struct xlb_sync_rec rec;
	struct xlb_flow_key k;
	struct xlb_nat_fwd f;
	struct h_result r;
	struct nat_env e;

	out.src = PEER_SNAT4;
	out.sport = 5555;
	out.dst = BE4;
	out.dport = BE_PORT;
	out.ttl = 63;
	rep_out.src = H_VIP4;
	rep_out.sport = 80;
	rep_out.dst = H_CLIENT4;
	rep_out.dport = 40000;
	rep_out.ttl = 63;
	if (!env_up(&e, 1024, 65535, H_VIP4, IPPROTO_TCP, BE4) ||
	    !peer_rec(&rec, H_CLIENT4, 40000, PEER_SNAT4, 5555))
		goto out;

	/* before the copy: a reply to the peer's address is not ours */
	h_build(&rin, &rep, be1_mac, H_EGRESS_MAC);
	h_check_pass(&e.h, "reply to a peer's SNAT address, no copy", &rin,
		     XLB_STAT_PASS_NON_VIP);

	if (!ASSERT_EQ(peer_insert(&e, &rec), XLB_NAT_PEER_INSERTED,
		       "peer's flow inserted"))
		goto out;
	h_build_in(&in, &req);
	if (!ASSERT_TRUE(h_pkt_key(&in, &k), "key") ||
	    !ASSERT_OK(bpf_map_lookup_elem(e.h.dp.nat_fwd_fd, &k, &f),
		       "forward entry"))
		goto out;
	ASSERT_EQ(f.state, XLB_NAT_S_EST, "established (no SYN flag)");

	h_build(&exp, &out, H_EGRESS_MAC, be1_mac);
	struct h_case fwd = {
		.desc = "client packet leaves with the peer's SNAT tuple",
		.in = &in,
		.ingress_ifindex = e.ns.xc,
		.action = XDP_REDIRECT,
		.out = &exp,
		.stat = { [XLB_STAT_NAT_FWD] = 1, [XLB_STAT_REDIRECT] = 1 },
		.svc_id = 1,
		.be_id = 1,
	};
	if (!h_check(&e.h, &fwd, &r) || !csums_ok(r.out, r.out_len, false))
		goto out;

	h_build(&rexp, &rep_out, H_LB_MAC, H_ROUTER_MAC);
	struct h_case back = {
		.desc = "reply to the peer's SNAT address back to the client",
		.in = &rin,
		.ingress_ifindex = e.ns.xb,
		.action = XDP_REDIRECT,
		.out = &rexp,
		.stat = { [XLB_STAT_NAT_REV] = 1, [XLB_STAT_REDIRECT] = 1 },
	};
	if (h_check(&e.h, &back, &r))
		csums_ok(r.out, r.out_len, false);

	/* forwarded here now: the copy is this node's to keep */
	if (!age_flow(&e.h, &in, 5))
		goto out;
	ASSERT_EQ(peer_insert(&e, &rec), XLB_NAT_PEER_KEPT,
		  "a copy this node forwards is kept");

	/* this node's own pool: the pools overlap, refused */
	if (!peer_rec(&rec, CLIENT4_B, 40001, SNAT4, 6000))
		goto out;
	ASSERT_EQ(peer_insert(&e, &rec), -EADDRINUSE,
		  "a flow on this node's own SNAT address is refused");

	/* a copy never forwarded: sent again, refreshed */
	if (!peer_rec(&rec, CLIENT4_B, 40001, PEER_SNAT4, 6000))
		goto out;
	rec.flags = XLB_SYNC_F_SYN;
	ASSERT_EQ(peer_insert(&e, &rec), XLB_NAT_PEER_INSERTED, "second copy");
	rec.flags = 0;
	ASSERT_EQ(peer_insert(&e, &rec), XLB_NAT_PEER_REFRESHED,
		  "sent again: refreshed");
	if (!h_pkt_key(&in, &k))
		goto out;
	k.src = rec.key.src;
	k.sport = rec.key.sport;
	if (ASSERT_OK(bpf_map_lookup_elem(e.h.dp.nat_fwd_fd, &k, &f),
		      "second copy's entry"))
		ASSERT_EQ(f.state, XLB_NAT_S_EST, "now established");

	/* this node's own flow on a client tuple: kept */
	own.src = CLIENT4_B;
	own.sport = 40002;
	own.flags = PKT_SYN;
	h_build_in(&in, &own);
	if (!h_run_if(&e.h, &in, e.ns.xc, &r) ||
	    !ASSERT_EQ(r.action, XDP_REDIRECT, "own flow made"))
		goto out;
	if (peer_rec(&rec, CLIENT4_B, 40002, PEER_SNAT4, 6001))
		ASSERT_EQ(peer_insert(&e, &rec), XLB_NAT_PEER_KEPT,
			  "this node's own flow is kept");
out:
	env_down(&e);
}

struct live_seen {
	int n;
	__u8 state;
	__u32 idle, timeout;
};

static void on_live(void *ctx, const struct xlb_flow_key *k,
		    const struct xlb_nat_fwd *f, __u8 state, __u32 idle,
		    __u32 timeout)
{
	struct live_seen *l = ctx;

	l->n++;
	l->state = state;
	l->idle = idle;
	l->timeout = timeout;
}

/* The sweep hands the flows it keeps to its caller, with their timeout. */
TEST(nat_sweep_reports_live_flows)
{
	struct h_frame a = client_syn4;
	struct live_seen l = {};
	struct xlb_nat_sweep st;
	struct h_result r;
	struct nat_env e;
	struct pkt in;
	__u64 now;

	h_build_in(&in, &a);
	if (!env_up(&e, 1024, 65535, H_VIP4, IPPROTO_TCP, BE4) ||
	    !h_run_if(&e.h, &in, e.ns.xc, &r) ||
	    !ASSERT_EQ(r.action, XDP_REDIRECT, "flow made") ||
	    !age_flow(&e.h, &in, 10) ||
	    !ASSERT_OK(xlb_jiffies(&now), "jiffies"))
		goto out;
	if (!ASSERT_OK(xlb_dp_nat_sweep(&e.h.dp, now, on_live, &l, &st),
		       "sweep"))
		goto out;
	ASSERT_EQ(l.n, 1, "the live flow reported");
	ASSERT_EQ(l.state, XLB_NAT_S_SYN, "in its state");
	ASSERT_RANGE(l.idle, 10, 500, "idle since its packet");
	ASSERT_EQ(l.timeout, 1000, "the SYN timeout");
	if (!age_flow(&e.h, &in, 1001) ||
	    !ASSERT_OK(xlb_jiffies(&now), "jiffies") ||
	    !ASSERT_OK(xlb_dp_nat_sweep(&e.h.dp, now, on_live, &l, &st),
		       "sweep"))
		goto out;
	ASSERT_EQ(l.n, 1, "an expired flow is not reported");
	ASSERT_EQ(st.expired, 1, "it expired");
out:
	env_down(&e);
}

/*
 * least-connections with nat: two backends (BE4, BE4_2), the service's
 * candidate list as xlbd builds it, @w their weights (0: not a candidate).
 */
static bool nat_lc_publish(struct nat_env *e, const __u32 w[2])
{
	struct xlb_maglev_backend mb[2];
	struct xlb_svc v = {
		.id = 1,
		.sched = XLB_SCHED_LEAST_CONN,
		.fwd = XLB_FWD_NAT,
	};
	struct xlb_svc_key k;
	__u32 *ring = NULL;
	bool ok;

	for (int i = 0; i < 2; i++)
		h_maglev_backend(&mb[i], i + 1, w[i]);
	if (!h_svc_key(&k, H_VIP4, 80, IPPROTO_TCP) ||
	    !ASSERT_OK(xlb_ring_lc_build(mb, 2, &ring, &v.table_size),
		       "candidate list"))
		return false;
	ok = ASSERT_OK(
		xlb_dp_service_publish(&e->h.dp, &k, &v, ring, v.table_size),
		"publish least-connections nat service");
	free(ring);
	return ok;
}

/* Client port @port's packet with @flags: the backend it went to, 0: none. */
static __u32 nat_lc_packet(struct nat_env *e, __u16 port, __u8 flags)
{
	struct h_frame f = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.sport = port,
		.dport = 80,
		.flags = flags,
	};
	struct h_result r;
	struct in_addr dst;
	struct pkt in;

	h_build_in(&in, &f);
	if (!h_run_if(&e->h, &in, e->ns.xc, &r) || r.action != XDP_REDIRECT ||
	    r.out_len < 14 + 20)
		return 0;
	memcpy(&dst, r.out + 14 + 16, 4);
	return !strcmp(inet_ntoa(dst), BE4)	? 1
	       : !strcmp(inet_ntoa(dst), BE4_2) ? 2
						: 0;
}

static __s64 nat_conns(struct nat_env *e, __u32 id)
{
	__s64 c = -1000;

	xlb_dp_conns_get(&e->h.dp, id, &c);
	return c;
}

/*
 * NAT flows count for least-connections like l2 flows: a new flow goes
 * to the backend with fewer live NAT flows, a client's or the backend's
 * FIN or RST takes its flow off (once), and a backend whose flows ended
 * gets new ones.
 */
TEST(nat_least_conn_counts_live_nat_flows)
{
	const __u32 only1[2] = { 1, 0 }, both[2] = { 1, 1 };
	struct xlb_backend be2 = {
		.flags = XLB_BE_F_UP,
		.gen = 1,
		.svc_id = 1,
		.port = htons(BE_PORT),
	};
	struct h_frame rep = {
		.src = BE4_2,
		.dst = SNAT4,
		.sport = BE_PORT,
		.flags = PKT_FIN | PKT_ACK,
	};
	__u8 be2_mac[6];
	struct h_result r;
	struct nat_env e;
	struct pkt in;
	int i;

	h_be_mac(2, be2_mac);
	if (!env_up(&e, 1024, 65535, H_VIP4, IPPROTO_TCP, BE4) ||
	    !sh("ip neigh add " BE4_2
		" lladdr 02:be:00:00:00:02 dev xb nud permanent") ||
	    !h_addr(&be2.addr, &be2.family, BE4_2) ||
	    !h_backend_set(&e.h, 2, &be2) || !nat_lc_publish(&e, only1))
		goto out;
	/* six connections on backend 1 while it is the only candidate */
	for (i = 0; i < 6; i++)
		if (!ASSERT_EQ(nat_lc_packet(&e, 20000 + i, PKT_SYN), 1,
			       "alone"))
			goto out;
	ASSERT_EQ(nat_conns(&e, 1), 6, "backend 1 counts its NAT flows");
	/* an established packet and a retransmitted SYN count nothing */
	ASSERT_EQ(nat_lc_packet(&e, 20000, PKT_ACK), 1, "ACK follows");
	ASSERT_EQ(nat_lc_packet(&e, 20001, PKT_SYN), 1, "SYN again follows");
	ASSERT_EQ(nat_conns(&e, 1), 6, "still six");
	if (!nat_lc_publish(&e, both))
		goto out;
	/* the new flows go to backend 2 until it has as many */
	for (; i < 12; i++)
		if (!ASSERT_EQ(nat_lc_packet(&e, 20000 + i, PKT_SYN), 2,
			       "fewer live NAT flows"))
			goto out;
	ASSERT_EQ(nat_conns(&e, 2), 6, "backend 2 counts its NAT flows");
	/*
	 * the backend closes first (its FIN, again, then an RST): taken
	 * off at its first FIN, once; the client's FIN and ACK after it
	 * are forwarded and count nothing
	 */
	rep.dport = 20006;
	for (int j = 0; j < 3; j++) {
		rep.flags = j < 2 ? PKT_FIN | PKT_ACK : PKT_RST;
		h_build(&in, &rep, be2_mac, H_EGRESS_MAC);
		if (!h_run_if(&e.h, &in, e.ns.xb, &r) ||
		    !ASSERT_EQ(r.action, XDP_REDIRECT,
			       "backend's FIN / RST to the client") ||
		    !ASSERT_EQ(nat_conns(&e, 2), 5,
			       "the backend's close takes its flow off once"))
			goto out;
	}
	ASSERT_EQ(nat_lc_packet(&e, 20006, PKT_FIN | PKT_ACK), 2,
		  "the client's FIN after it follows the flow");
	ASSERT_EQ(nat_lc_packet(&e, 20006, PKT_ACK), 2, "and its last ACK");
	ASSERT_EQ(nat_conns(&e, 2), 5, "the client's close counts it no more");
	/* backend 1's clients close: FIN, the FIN again, RST */
	for (int j = 0; j < 6; j++) {
		ASSERT_EQ(nat_lc_packet(&e, 20000 + j, PKT_FIN | PKT_ACK), 1,
			  "FIN forwarded");
		nat_lc_packet(&e, 20000 + j, PKT_FIN | PKT_ACK);
		ASSERT_EQ(nat_lc_packet(&e, 20000 + j, PKT_RST), 1,
			  "RST forwarded");
	}
	ASSERT_EQ(nat_conns(&e, 1), 0, "each ended flow taken off once");
	ASSERT_EQ(nat_conns(&e, 2), 5, "the other backend's untouched");
	/* the backend whose flows ended takes the next ones (5: a tie) */
	for (; i < 17; i++)
		if (!ASSERT_EQ(nat_lc_packet(&e, 20000 + i, PKT_SYN), 1,
			       "ended flows' backend again"))
			goto out;
	/* a SYN on a closed flow's tuple: a new flow, counted once */
	ASSERT_TRUE(nat_lc_packet(&e, 20000, PKT_SYN) != 0, "port reused");
	ASSERT_EQ(nat_conns(&e, 1) + nat_conns(&e, 2), 11,
		  "one count per live NAT flow");
out:
	env_down(&e);
}
