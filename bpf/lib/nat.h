/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Full NAT (forwarding nat, see the ABI): a client's packet to VIP:port
 * leaves as SNAT address:port -> backend address:port; the backend's reply
 * to SNAT:port leaves as VIP:port -> client. The next hop of both comes
 * from the kernel's FIB, through lib/fib.h's per-CPU cache.
 *
 * Both directions are global functions, verified once on their own: the
 * main program only gains a call, so the L2 path's instructions and its
 * verification stay as they were. The caller leaves the parsed packet
 * (struct nat_arg: scalars, a global function cannot receive packet
 * pointers) in a per-CPU scratch value, which also holds the callee's
 * larger structs: the main program's stack and a callee's together must
 * fit 512 bytes. XDP runs to completion on its CPU, so one slot per CPU
 * is never shared.
 */
#ifndef XLB_NAT_H
#define XLB_NAT_H

#include "lib/maps.h"
#include "lib/stats.h"
#include "lib/parse.h"
#include "lib/sched.h"
#include "lib/csum.h"
#include "lib/fib.h"
#include "lib/l2.h"

#define NAT_TCP_FIN 0x01
#define NAT_TCP_SYN 0x02
#define NAT_TCP_RST 0x04
#define NAT_TCP_ACK 0x10

/* In: the packet as parsed. Out: what happened (for counters, trace). */
struct nat_arg {
	struct xlb_flow_key key; /* as the packet carries it */
	struct xlb_svc svc;	 /* forward: the service */
	__u32 l4_off;		 /* L4 header, from the frame's start */
	__u8 tcp_flags;
	__u8 new_flow; /* out: a flow was made */
	__u16 l3_off;  /* IP header, from the frame's start */
	__u32 reason;  /* out: enum xlb_stat of the verdict */
	__u32 be_id;   /* out: backend, 0: none */
	__u32 sent;    /* out: counted on be_id's line (stat_sent) */
};

struct nat_scratch {
	struct nat_arg a;
	struct xlb_nat_fwd nf;
	struct xlb_nat_rev_key rk;
	struct xlb_nat_rev rv;
	struct bpf_fib_lookup fl;
};

/* Not pinned: nothing in it outlives one packet. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct nat_scratch);
	__uint(max_entries, 1);
} xlb_nat_scratch SEC(".maps");

static __always_inline struct nat_scratch *nat_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&xlb_nat_scratch, &zero);
}

/* Past the largest offsets parse.h lets through (VLANs, IPv6 ext). */
#define NAT_MAX_L3_OFF 63
#define NAT_MAX_L4_OFF 2047

/*
 * NAT forwarding is routing (RFC 1812 5.3.1): a packet whose TTL / hop
 * limit would reach 0 here is not forwarded (dropped, counted drop_ttl;
 * no ICMP time exceeded is sent). Asked only of packets that are to be
 * forwarded, before any state is made for them; one to an SNAT address
 * that is not NAT traffic is the node's own. false for a header not
 * within the frame: the rewrite drops that one as malformed.
 */
static __always_inline bool nat_ttl_expired(struct xdp_md *ctx,
					    const struct nat_arg *a)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 off = a->l3_off;
	struct ipv6hdr *ip6;
	struct iphdr *ip;

	if (off > NAT_MAX_L3_OFF)
		return false;
	if (a->key.svc.family == XLB_FAMILY_V4) {
		ip = data + off;
		return (void *)(ip + 1) <= end && ip->ttl <= 1;
	}
	ip6 = data + off;
	return (void *)(ip6 + 1) <= end && ip6->hop_limit <= 1;
}

/*
 * One hop less on the IP header at @l3 (within the frame, its TTL > 1):
 * returns what the IPv4 header checksum gains (IPv6 has none).
 */
static __always_inline __u64 nat_hop(void *l3, bool v4)
{
	struct iphdr *ip = l3;
	__u16 old;

	if (!v4) {
		((struct ipv6hdr *)l3)->hop_limit--;
		return 0;
	}
	old = *(__u16 *)&ip->ttl; /* TTL and protocol: one 16-bit word */
	ip->ttl--;
	return csum_delta16(old, *(__u16 *)&ip->ttl);
}

/*
 * Rewrite addresses and ports of the IPv4/IPv6 + TCP/UDP packet at l3 and
 * l4, one hop less (nat_hop()), checksums updated incrementally. An IPv4 UDP checksum of 0 (none)
 * stays 0; a computed UDP checksum of 0 is sent as 0xffff (RFC 768).
 * Returns false when a header is not within the frame.
 */
static __always_inline bool nat_rewrite(void *l3, void *l4, void *end,
					const struct xlb_flow_key *k,
					const union xlb_addr *src,
					const union xlb_addr *dst, __be16 sport,
					__be16 dport)
{
	__u32 oldp, newp;
	__u64 d = 0;

	if (k->svc.family == XLB_FAMILY_V4) {
		struct iphdr *ip = l3;

		if ((void *)(ip + 1) > end)
			return false;
		d = csum_delta(ip->saddr, src->v4) +
		    csum_delta(ip->daddr, dst->v4);
		ip->check = csum_apply(ip->check, d + nat_hop(ip, true));
		ip->saddr = src->v4;
		ip->daddr = dst->v4;
	} else {
		struct ipv6hdr *ip6 = l3;

		if ((void *)(ip6 + 1) > end)
			return false;
#pragma unroll
		for (int i = 0; i < 4; i++)
			d += csum_delta(ip6->saddr.in6_u.u6_addr32[i],
					src->v6[i]) +
			     csum_delta(ip6->daddr.in6_u.u6_addr32[i],
					dst->v6[i]);
		__builtin_memcpy(&ip6->saddr, src, 16);
		__builtin_memcpy(&ip6->daddr, dst, 16);
		nat_hop(ip6, false);
	}
	if (k->svc.proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > end)
			return false;
		oldp = *(__u32 *)th;
		th->source = sport;
		th->dest = dport;
		newp = *(__u32 *)th;
		th->check = csum_apply(th->check, d + csum_delta(oldp, newp));
	} else {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > end)
			return false;
		oldp = *(__u32 *)uh;
		uh->source = sport;
		uh->dest = dport;
		newp = *(__u32 *)uh;
		if (uh->check || k->svc.family == XLB_FAMILY_V6) {
			__u16 c = csum_apply(uh->check,
					     d + csum_delta(oldp, newp));

			uh->check = c ? c : 0xffff;
		}
	}
	return true;
}

/*
 * The next hop of @src -> @dst (@proto: the outer header's; lib/fib.h),
 * or NULL with a->reason set: no route, no neighbour.
 */
static __always_inline const struct xlb_fib_nh *
nat_route(struct xdp_md *ctx, struct nat_arg *a, struct bpf_fib_lookup *fl,
	  const union xlb_addr *src, const union xlb_addr *dst, __u8 proto)
{
	const struct xlb_fib_nh *nh;
	__u32 err = 0;

	nh = fib_nexthop(ctx, fl, a->key.svc.family, src, dst, proto, &err);
	if (!nh)
		a->reason = err;
	return nh;
}

/*
 * The rewritten frame to next hop @nh: MACs from the FIB, out of the
 * ingress interface (XDP_TX) or another one (XDP_REDIRECT; two-armed).
 */
static __always_inline int nat_out(struct xdp_md *ctx, struct nat_arg *a,
				   const struct xlb_fib_nh *nh)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end) {
		a->reason = XLB_STAT_DROP_MALFORMED;
		return XDP_DROP;
	}
	__builtin_memcpy(eth->h_dest, nh->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, nh->smac, ETH_ALEN);
	/*
	 * clang would keep &ctx->ingress_ifindex from the FIB lookup's read
	 * on the stack, and the verifier refuses a load through a ctx
	 * pointer with an offset: read the field afresh.
	 */
	barrier_var(ctx);
	if (nh->ifindex == ctx->ingress_ifindex) {
		a->reason = XLB_STAT_TX;
		return XDP_TX;
	}
	a->reason = XLB_STAT_REDIRECT;
	return bpf_redirect(nh->ifindex, 0);
}

/* A TCP/UDP packet rewritten to src:sport -> dst:dport, to its next hop. */
static __always_inline int nat_send(struct xdp_md *ctx, struct nat_arg *a,
				    struct bpf_fib_lookup *fl,
				    const union xlb_addr *src,
				    const union xlb_addr *dst, __be16 sport,
				    __be16 dport)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 off = a->l4_off, l3off = a->l3_off;
	const struct xlb_fib_nh *nh;

	nh = nat_route(ctx, a, fl, src, dst, a->key.svc.proto);
	if (!nh)
		return XDP_DROP;
	if (l3off > NAT_MAX_L3_OFF || off > NAT_MAX_L4_OFF ||
	    !nat_rewrite(data + l3off, data + off, end, &a->key, src, dst,
			 sport, dport)) {
		a->reason = XLB_STAT_DROP_MALFORMED;
		return XDP_DROP;
	}
	return nat_out(ctx, a, nh);
}

static __always_inline bool nat_expired(const struct xlb_nat_cfg *cfg,
					const struct xlb_nat_fwd *f, __u64 now)
{
	return xlb_nat_expired(cfg, f->state, f->seen, now);
}

/* TCP state after a client packet with @flags (UDP: always UDP). */
static __always_inline __u8 nat_state(__u8 state, const struct nat_arg *a)
{
	__u8 fl = a->tcp_flags;

	if (a->key.svc.proto != IPPROTO_TCP)
		return XLB_NAT_S_UDP;
	if (fl & (NAT_TCP_FIN | NAT_TCP_RST))
		return XLB_NAT_S_CLOSING;
	if (state == XLB_NAT_S_SYN && (fl & NAT_TCP_ACK) && !(fl & NAT_TCP_SYN))
		return XLB_NAT_S_EST;
	return state;
}

/*
 * Flow sync of a synced service's NAT flow @f (client tuple @k) with its
 * SNAT tuple, which a peer that takes the flow over must use (struct
 * xlb_sync_rec in XLB_MAP_FLOW_SYNC; a full ring loses the record,
 * counted, never the packet). Sent when the flow is made, and once more
 * when the client's ACK establishes it, so a peer's copy idles out on
 * the established timeout rather than the SYN timeout (it sees no packet
 * until it takes over). A global function, verified once. The l2 and
 * encapsulating modes have their own (xlb.bpf.c's sync_emit(), inlined
 * in their callers' verification: calling this one from there costs the
 * main program 45,000 verified instructions).
 */
__noinline int xlb_nat_sync_emit(const struct xlb_flow_key *k,
				 const struct xlb_nat_fwd *f)
{
	struct xlb_sync_rec *r;

	if (!k || !f)
		return 0;
	r = bpf_ringbuf_reserve(&XLB_MAP_FLOW_SYNC, sizeof(*r), 0);
	if (!r) {
		stat_inc(XLB_STAT_SYNC_LOST);
		return 0;
	}
	__builtin_memcpy(&r->key, k, sizeof(r->key));
	__builtin_memcpy(&r->be_addr, &f->be_addr, sizeof(r->be_addr));
	__builtin_memcpy(&r->snat_addr, &f->snat_addr, sizeof(r->snat_addr));
	r->snat_port = f->snat_port;
	r->be_family = k->svc.family;
	r->flags = f->state == XLB_NAT_S_SYN ? XLB_SYNC_F_SYN : 0;
	r->backend_id = f->backend_id;
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP); /* see XLB_MAP_FLOW_SYNC */
	return 0;
}

/*
 * least-connections counts a NAT flow as the l2 path counts its flows
 * (XLB_MAP_BE_CONNS, atomic adds on open and close only): from the
 * forward entry's insert until the client's first FIN or RST (state
 * closing), or the backend's (nat_reply_close()), or until its entries
 * go for a new flow. A close the data plane does not see (expiry,
 * eviction) xlbd corrects on its next scan, from the live forward
 * entries.
 */
static __always_inline void nat_conns_close(const struct nat_arg *a,
					    __u32 be_id)
{
	if (a->svc.sched == XLB_SCHED_LEAST_CONN)
		sched_conns_add(be_id, -1);
}

/*
 * A new flow: pick a backend, claim an SNAT port by inserting the reverse
 * entry (BPF_NOEXIST: a port another flow to the same backend holds is
 * never taken), then insert the forward entry. Returns 0 with *f filled,
 * or the stat to drop with.
 */
static __always_inline __u32 nat_new(struct nat_scratch *s,
				     const struct xlb_nat_cfg *cfg, bool syn,
				     __u64 now)
{
	struct nat_arg *a = &s->a;
	const struct xlb_flow_key *k = &a->key;
	struct xlb_nat_rev_key *rk = &s->rk;
	struct xlb_nat_rev *rv = &s->rv;
	struct xlb_nat_fwd *f = &s->nf;
	struct xlb_backend *be;
	__u32 be_id, hash, n, idx, i;
	__u16 cport = bpf_ntohs(k->sport);

	be_id = sched_pick(&a->svc, k);
	be = bpf_map_lookup_elem(&XLB_MAP_BACKENDS, &be_id);
	if (!be_id || !be || !(be->flags & XLB_BE_F_UP) ||
	    be->family != k->svc.family)
		return XLB_STAT_DROP_NO_BACKEND;
	a->be_id = be_id;

	n = k->svc.family == XLB_FAMILY_V4 ? cfg->n_v4 : cfg->n_v6;
	if (!n || n > XLB_NAT_MAX_ADDRS)
		return XLB_STAT_NAT_POOL_EXHAUSTED;
	hash = xlb_hash_flow(k, a->svc.hash_seed);
	idx = xlb_ring_slot(hash, n) & (XLB_NAT_MAX_ADDRS - 1);

	xlb_nat_entries_of(f, rv, k, be, be_id, now);
	f->snat_addr =
		k->svc.family == XLB_FAMILY_V4 ? cfg->v4[idx] : cfg->v6[idx];
	f->state = nat_state(syn ? XLB_NAT_S_SYN : XLB_NAT_S_EST, a);
	for (i = 0; i < XLB_NAT_PROBES; i++) {
		__u16 port = xlb_nat_probe_port(hash, i, cport, cfg->port_min,
						cfg->port_max);

		if (!port)
			continue;
		f->snat_port = bpf_htons(port);
		xlb_nat_rev_key_of(rk, k, f);
		if (!bpf_map_update_elem(&XLB_MAP_NAT_REV, rk, rv, BPF_NOEXIST))
			goto claimed;
	}
	return XLB_STAT_NAT_POOL_EXHAUSTED;
claimed:
	if (bpf_map_update_elem(&XLB_MAP_NAT_FWD, k, f, BPF_ANY)) {
		bpf_map_delete_elem(&XLB_MAP_NAT_REV, rk);
		return XLB_STAT_FLOW_TABLE_FULL;
	}
	a->new_flow = 1;
	if (a->svc.sched == XLB_SCHED_LEAST_CONN)
		sched_conns_add(be_id, 1);
	stat_inc(XLB_STAT_NEW_FLOW);
	if (a->svc.flags & XLB_SVC_F_SYNC)
		xlb_nat_sync_emit(k, f);
	return 0;
}

/*
 * Client -> VIP on a nat service. A flow whose entry is followed: its
 * backend is up and the same assignment, it has not idled past its
 * state's timeout, and it is not a SYN opening a new connection on the
 * tuple of an established or closing one (a SYN in SYN state is a
 * retransmission). Otherwise the old flow's entries go and a new one is
 * made.
 */
__noinline int xlb_nat_forward(struct xdp_md *ctx)
{
	struct nat_scratch *s = nat_scratch();
	struct xlb_nat_fwd *f, *nf;
	struct xlb_nat_cfg *cfg;
	struct xlb_backend *be;
	struct nat_arg *a;
	__u32 zero = 0, err;
	__u64 now;
	bool syn;
	int act;

	if (!s)
		return XDP_ABORTED;
	a = &s->a;
	nf = &s->nf;
	cfg = bpf_map_lookup_elem(&XLB_MAP_NAT_CFG, &zero);
	if (!cfg) {
		a->reason = XLB_STAT_NAT_POOL_EXHAUSTED;
		return XDP_DROP;
	}
	if (nat_ttl_expired(ctx, a)) {
		a->reason = XLB_STAT_DROP_TTL;
		return XDP_DROP;
	}
	now = bpf_jiffies64();
	syn = a->key.svc.proto == IPPROTO_TCP &&
	      (a->tcp_flags & (NAT_TCP_SYN | NAT_TCP_ACK)) == NAT_TCP_SYN;
	f = bpf_map_lookup_elem(&XLB_MAP_NAT_FWD, &a->key);
	if (f) {
		__u32 id = f->backend_id;

		be = bpf_map_lookup_elem(&XLB_MAP_BACKENDS, &id);
		if (be && (be->flags & XLB_BE_F_UP) &&
		    be->gen == f->backend_gen && !nat_expired(cfg, f, now) &&
		    !(syn && f->state != XLB_NAT_S_SYN)) {
			__u8 st = nat_state(f->state, a);

			if ((__u32)now != f->seen)
				f->seen = now;
			if (st != f->state) {
				if (st == XLB_NAT_S_CLOSING)
					nat_conns_close(a, id);
				f->state = st;
				if (st == XLB_NAT_S_EST &&
				    (a->svc.flags & XLB_SVC_F_SYNC))
					xlb_nat_sync_emit(&a->key, f);
			}
			*nf = *f;
			a->be_id = id;
			goto send;
		}
		if (f->state != XLB_NAT_S_CLOSING)
			nat_conns_close(a, id);
		xlb_nat_rev_key_of(&s->rk, &a->key, f);
		bpf_map_delete_elem(&XLB_MAP_NAT_REV, &s->rk);
		bpf_map_delete_elem(&XLB_MAP_NAT_FWD, &a->key);
	}
	err = nat_new(s, cfg, syn, now);
	if (err) {
		a->reason = err;
		return XDP_DROP;
	}
send:
	act = nat_send(ctx, a, &s->fl, &nf->snat_addr, &nf->be_addr,
		       nf->snat_port, nf->be_port);
	if (act == XDP_TX || act == XDP_REDIRECT) {
		stat_inc(XLB_STAT_NAT_FWD);
		stat_sent(a->be_id, ctx->data_end - ctx->data, a->new_flow,
			  act == XDP_REDIRECT);
		a->sent = 1;
	}
	return act;
}

/* Is the packet's destination one of the SNAT pool's addresses? */
static __always_inline bool nat_is_snat(const struct xlb_nat_cfg *cfg,
					const struct xlb_flow_key *k)
{
	return xlb_nat_pool_has(cfg, &k->svc.vip, k->svc.family);
}

/* The reverse key of a packet (or quote) from a backend to SNAT:port. */
static __always_inline void nat_rev_key_of_reply(struct xlb_nat_rev_key *rk,
						 const struct xlb_flow_key *k)
{
	__builtin_memset(rk, 0, sizeof(*rk));
	rk->be_addr = k->src;
	rk->snat_addr = k->svc.vip;
	rk->be_port = k->sport;
	rk->snat_port = k->svc.port;
	rk->proto = k->svc.proto;
	rk->family = k->svc.family;
}

/*
 * The reverse entry of a frame from a backend's side to s->a.key (a reply,
 * or the flow an ICMP error quotes), s->rk its key, after the checks every
 * such path makes. NULL with *act: -1 when the address is no SNAT address
 * (not NAT traffic), XDP_PASS with a->reason when none of ours.
 */
static __always_inline struct xlb_nat_rev *
nat_reply_rev(struct xdp_md *ctx, struct nat_scratch *s, int *act)
{
	struct nat_arg *a = &s->a;
	struct xlb_nat_cfg *cfg;
	struct xlb_nat_rev *r;
	__u32 zero = 0, l2;

	*act = XDP_PASS;
	nat_rev_key_of_reply(&s->rk, &a->key);
	r = bpf_map_lookup_elem(&XLB_MAP_NAT_REV, &s->rk);
	if (!r) {
		cfg = bpf_map_lookup_elem(&XLB_MAP_NAT_CFG, &zero);
		if (!cfg || !nat_is_snat(cfg, &a->key))
			*act = -1;
		else /* the node's own traffic on that address, or a stale flow */
			a->reason = XLB_STAT_NAT_NO_STATE;
		return NULL;
	}
	/* as a VIP frame: one to another host is not ours, nor its flow's */
	l2 = l2_frame_not_ours(ctx);
	if (l2 != XLB_STAT_MAX) {
		a->reason = l2;
		return NULL;
	}
	return r;
}

/*
 * The backend's first FIN or RST of flow @r (its reverse key in s->rk):
 * the flow closes as on the client's (nat_state()): its forward entry
 * goes closing (the timeout the sweep already gave it) and
 * least-connections counts it off now, not at its timeout. Once per
 * flow: the client's FIN then finds it closing, and so does this on the
 * backend's retransmitted FIN (the flag). A forward entry of another
 * flow (a reused client tuple: another SNAT port or backend) is left.
 * The client's close on another CPU at the same instant may count it
 * off twice; xlbd's scan corrects that, as it does for closes the data
 * plane misses.
 */
static __always_inline void nat_reply_close(struct nat_scratch *s,
					    const struct xlb_nat_rev *r)
{
	struct xlb_nat_fwd *f =
		bpf_map_lookup_elem(&XLB_MAP_NAT_FWD, &r->client);
	const struct xlb_svc *svc;

	if (!f || f->state == XLB_NAT_S_CLOSING || f->state == XLB_NAT_S_UDP ||
	    f->snat_port != s->rk.snat_port || f->backend_id != r->backend_id)
		return;
	f->state = XLB_NAT_S_CLOSING;
	svc = bpf_map_lookup_elem(&XLB_MAP_SERVICES, &r->client.svc);
	if (svc && svc->sched == XLB_SCHED_LEAST_CONN)
		sched_conns_add(r->backend_id, -1);
}

/*
 * A packet to an address that may be ours but no service: a backend's
 * reply to an SNAT address:port, translated back to VIP:port -> client.
 * Returns -1 when it is not NAT traffic (the caller passes it on as
 * non-VIP), else the action, with a->reason set.
 */
__noinline int xlb_nat_reply(struct xdp_md *ctx)
{
	struct nat_scratch *s = nat_scratch();
	struct xlb_flow_key *c;
	struct xlb_nat_rev *r;
	struct nat_arg *a;
	__u64 now;
	int act;

	if (!s)
		return XDP_ABORTED;
	a = &s->a;
	r = nat_reply_rev(ctx, s, &act);
	if (!r)
		return act;
	if (nat_ttl_expired(ctx, a)) {
		a->reason = XLB_STAT_DROP_TTL;
		return XDP_DROP;
	}
	now = bpf_jiffies64();
	if ((__u32)now != r->seen)
		r->seen = now;
	if ((a->tcp_flags & (NAT_TCP_FIN | NAT_TCP_RST)) &&
	    !(r->flags & XLB_NAT_F_REPLY_CLOSE)) {
		r->flags |= XLB_NAT_F_REPLY_CLOSE;
		nat_reply_close(s, r);
	}
	c = &s->rv.client;
	*c = r->client;
	a->be_id = r->backend_id;
	act = nat_send(ctx, a, &s->fl, &c->svc.vip, &c->src, c->svc.port,
		       c->sport);
	if (act == XDP_TX || act == XDP_REDIRECT)
		stat_inc(XLB_STAT_NAT_REV);
	return act;
}

#endif /* XLB_NAT_H */
