/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ICMP errors about full-NAT flows (lib/nat.h), translated the way the NAT
 * translated the packet they quote, so path MTU discovery and
 * unreachables work through the NAT:
 *
 *  - from the backends' side (the backend itself or a router on the way),
 *    an error to an SNAT address quoting SNAT:port -> backend:port leaves
 *    as VIP -> client quoting client:port -> VIP:port;
 *  - from the clients' side, an error to the VIP of a nat service quoting
 *    VIP:port -> client:port leaves as SNAT address -> backend quoting
 *    backend:port -> SNAT:port.
 *
 * The translated error's source is the far end of the flow as its
 * receiver knows it (the VIP for a client, the SNAT address for a
 * backend), also when a router sent it: the addresses behind the NAT stay
 * hidden and the receiver gets a source it routes back through us, as
 * with Linux's conntrack NAT. Type, code and the rest of the ICMP header
 * (the MTU of a "fragmentation needed" or "packet too big") stay: both
 * legs of a NAT flow carry packets of the same size. The outer header
 * loses a hop, as a routed packet does (lib/nat.h).
 *
 * Checksums are updated incrementally (RFC 1624) for every word that
 * changes: the outer IPv4 header's; the quoted IPv4 header's; the quoted
 * TCP/UDP checksum, when the quote holds it (a quoted UDP checksum 0, none,
 * stays 0), back to what the quoted packet's sender wrote; and the ICMP
 * checksum over the whole message: quoted addresses, ports and those two
 * checksums, and for ICMPv6 the pseudo-header's addresses.
 *
 * An error about no flow we know passes to the kernel, counted
 * nat_no_state. An error is not a packet of its flow: it refreshes and
 * creates nothing.
 */
#ifndef XLB_NAT_ICMP_H
#define XLB_NAT_ICMP_H

#include "lib/nat.h"

/*
 * The quoted TCP/UDP header at @q (4 bytes known in the frame): ports to
 * @sport, @dport, its checksum, when quoted, updated for that and the
 * quoted addresses' change @dq. Returns what the ICMP checksum gains.
 */
static __always_inline __u64 nat_icmp_quote_l4(__u8 *q, void *end, __u8 proto,
					       __u64 dq, __be16 sport,
					       __be16 dport)
{
	__u32 oldp = *(__u32 *)q, newp;
	__u16 *c, o, n;
	__u64 dp;

	((__be16 *)q)[0] = sport;
	((__be16 *)q)[1] = dport;
	newp = *(__u32 *)q;
	dp = csum_delta(oldp, newp);
	if (proto == IPPROTO_UDP) {
		if ((void *)(q + 8) > end)
			return dp;
		c = (__u16 *)(q + 6);
		if (!*c)
			return dp;
		o = *c;
		n = csum_apply(o, dq + dp);
		*c = n ? n : 0xffff;
	} else {
		if ((void *)(q + 18) > end)
			return dp;
		c = (__u16 *)(q + 16);
		o = *c;
		*c = csum_apply(o, dq + dp);
	}
	return dp + csum_delta16(o, *c);
}

/*
 * The ICMP error at @l3 (ICMP header at @icmp) to src -> dst, quoting
 * dst:qsport -> src:qdport. false when a header is not within the frame.
 */
static __always_inline bool nat_icmp4_rewrite(struct iphdr *ip, void *icmp,
					      void *end,
					      const union xlb_addr *src,
					      const union xlb_addr *dst,
					      __be16 qsport, __be16 qdport)
{
	struct icmphdr *ic = icmp;
	struct iphdr *in;
	__u64 d, dq, dic;
	__u32 ihl;
	__u16 oc;
	__u8 *q;

	if ((void *)(ip + 1) > end || (void *)(ic + 1) > end)
		return false;
	in = (void *)(ic + 1);
	if ((void *)(in + 1) > end)
		return false;
	ihl = in->ihl * 4;
	if (ihl < sizeof(*in))
		return false;
	q = (void *)in + ihl;
	if ((void *)(q + 4) > end)
		return false;
	d = csum_delta(ip->saddr, src->v4) + csum_delta(ip->daddr, dst->v4);
	ip->check = csum_apply(ip->check, d + nat_hop(ip, true));
	ip->saddr = src->v4;
	ip->daddr = dst->v4;

	dq = csum_delta(in->saddr, dst->v4) + csum_delta(in->daddr, src->v4);
	oc = in->check;
	in->check = csum_apply(oc, dq);
	in->saddr = dst->v4;
	in->daddr = src->v4;
	dic = dq + csum_delta16(oc, in->check);
	dic += nat_icmp_quote_l4(q, end, in->protocol, dq, qsport, qdport);
	ic->checksum = csum_apply(ic->checksum, dic);
	return true;
}

/* Write IPv6 address @to at @w, word by word; returns the sum's change. */
static __always_inline __u64 nat_addr6_set(__u32 *w, const union xlb_addr *to)
{
	__u64 d = 0;

#pragma unroll
	for (int i = 0; i < 4; i++) {
		d += csum_delta(w[i], to->v6[i]);
		w[i] = to->v6[i];
	}
	return d;
}

static __always_inline bool nat_icmp6_rewrite(struct ipv6hdr *ip6, void *icmp,
					      void *end,
					      const union xlb_addr *src,
					      const union xlb_addr *dst,
					      __be16 qsport, __be16 qdport)
{
	struct icmp6hdr *ic = icmp;
	struct ipv6hdr *in;
	__u64 d, dq;
	__u8 *q;

	if ((void *)(ip6 + 1) > end || (void *)(ic + 1) > end)
		return false;
	in = (void *)(ic + 1);
	q = (void *)(in + 1);
	if ((void *)(q + 4) > end)
		return false;
	nat_hop(ip6, false);
	d = nat_addr6_set(ip6->saddr.in6_u.u6_addr32, src) +
	    nat_addr6_set(ip6->daddr.in6_u.u6_addr32, dst);
	dq = nat_addr6_set(in->saddr.in6_u.u6_addr32, dst) +
	     nat_addr6_set(in->daddr.in6_u.u6_addr32, src);
	d += dq + nat_icmp_quote_l4(q, end, in->nexthdr, dq, qsport, qdport);
	ic->icmp6_cksum = csum_apply(ic->icmp6_cksum, d);
	return true;
}

/* The translated error to src -> dst, to its next hop. */
static __always_inline int nat_icmp_send(struct xdp_md *ctx, struct nat_arg *a,
					 struct bpf_fib_lookup *fl,
					 const union xlb_addr *src,
					 const union xlb_addr *dst,
					 __be16 qsport, __be16 qdport)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	bool v4 = a->key.svc.family == XLB_FAMILY_V4;
	__u32 off = a->l4_off, l3off = a->l3_off;
	const struct xlb_fib_nh *nh;
	bool ok;
	void *l3;

	if (nat_ttl_expired(ctx, a)) {
		a->reason = XLB_STAT_DROP_TTL;
		return XDP_DROP;
	}
	nh = nat_route(ctx, a, fl, src, dst,
		       v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);
	if (!nh)
		return XDP_DROP;
	l3 = data + l3off;
	if (l3off > NAT_MAX_L3_OFF || off > NAT_MAX_L4_OFF) {
		a->reason = XLB_STAT_DROP_MALFORMED;
		return XDP_DROP;
	}
	if (v4)
		ok = nat_icmp4_rewrite(l3, data + off, end, src, dst, qsport,
				       qdport);
	else
		ok = nat_icmp6_rewrite(l3, data + off, end, src, dst, qsport,
				       qdport);
	if (!ok) {
		a->reason = XLB_STAT_DROP_MALFORMED;
		return XDP_DROP;
	}
	return nat_out(ctx, a, nh);
}

/*
 * An ICMP error whose quote, turned around, is a->key (lib/icmp.h), and
 * a->l4_off its ICMP header. @to_backend: it came to the VIP of the nat
 * service a->svc (from the clients' side), else it came to an address
 * that may be an SNAT address. Returns -1 when it is not about NAT
 * traffic (the caller passes it as any other ICMP), else the action with
 * a->reason set.
 */
__noinline int xlb_nat_icmp(struct xdp_md *ctx, __u32 to_backend)
{
	struct nat_scratch *s = nat_scratch();
	const union xlb_addr *src, *dst;
	struct xlb_flow_key *c;
	struct xlb_nat_fwd *f;
	struct xlb_nat_rev *r;
	struct nat_arg *a;
	__be16 qs, qd;
	int act;

	if (!s)
		return XDP_ABORTED;
	a = &s->a;
	if (to_backend) {
		f = bpf_map_lookup_elem(&XLB_MAP_NAT_FWD, &a->key);
		if (!f) {
			a->reason = XLB_STAT_NAT_NO_STATE;
			return XDP_PASS;
		}
		s->nf = *f;
		a->be_id = s->nf.backend_id;
		src = &s->nf.snat_addr;
		dst = &s->nf.be_addr;
		qs = s->nf.be_port;
		qd = s->nf.snat_port;
	} else {
		r = nat_reply_rev(ctx, s, &act);
		if (!r)
			return act;
		c = &s->rv.client;
		*c = r->client;
		a->be_id = r->backend_id;
		src = &c->svc.vip;
		dst = &c->src;
		qs = c->sport;
		qd = c->svc.port;
	}
	act = nat_icmp_send(ctx, a, &s->fl, src, dst, qs, qd);
	if (act == XDP_TX || act == XDP_REDIRECT) {
		stat_inc(XLB_STAT_NAT_ICMP);
		if (to_backend) {
			stat_sent(a->be_id, ctx->data_end - ctx->data, false,
				  act == XDP_REDIRECT);
			a->sent = 1;
		}
	}
	return act;
}

#endif /* XLB_NAT_ICMP_H */
