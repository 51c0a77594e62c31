/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The data plane's decision for a packet, as pure functions over the values
 * it is given (no map access, no clock, no random source inside). The XDP
 * program (bpf/xlb.bpf.c, bpf/lib/sched.h) and `xlbctl explain`
 * (user/lib/explain.c) both compile this header, so the explanation and the
 * program cannot disagree on a rule; each side only fetches the inputs its
 * own way (map pointers in BPF, syscalls in user space).
 *
 *   service          -> xlb_svc_slot_home(), xlb_svc_slot_match()
 *   VIP frame's MAC  -> xlb_l2_dst(): ours, or passed to the kernel
 *   flow-table hit   -> xlb_flow_check(): follow it, or why not
 *   maglev, src-hash -> xlb_sched_hash() -> xlb_ring_slot() (xlb_hash.h)
 *   round-robin      -> xlb_rr_slot() on the CPU's cursor
 *   least-conns      -> xlb_lc_window_start(), xlb_lc_count(), xlb_lc_cmp()
 *   full NAT         -> xlb_nat_probe_port(), xlb_nat_expired(),
 *                       xlb_nat_rev_key_of(), xlb_nat_entries_of()
 */
#ifndef XLB_DECIDE_H
#define XLB_DECIDE_H

#include "xlb_abi.h"
#include "xlb_hash.h"

/*
 * The VIP filter bit of a destination address (XLB_MAP_VIP_FILTER). IPv4
 * keys have v6[1..3] zero, so one function serves both families. Only
 * needs to spread addresses; a collision costs a services lookup.
 */
XLB_HASH_INLINE __u32 xlb_vip_filter_bit(const union xlb_addr *a)
{
	__u32 x = a->v6[0] ^ a->v6[1] ^ a->v6[2] ^ a->v6[3];

	return (x * 0x9e3779b1U) >> 16;
}

/*
 * The home slot of a service key in XLB_MAP_SVC_SLOTS: its probes are
 * home, home + 1, ... (mod XLB_SVC_SLOTS), XLB_SVC_SLOT_PROBES of them.
 * The address words folded, the port, proto and family word mixed in, and
 * murmur3's finalizer: a dozen instructions where the hash map's jhash of
 * 20 bytes is three rounds, and it spreads VIPs that differ in one byte
 * and services of one VIP that differ only by port.
 */
XLB_HASH_INLINE __u32 xlb_svc_slot_home(const struct xlb_svc_key *k)
{
	__u32 h = k->vip.v6[0] ^ k->vip.v6[1] ^ k->vip.v6[2] ^ k->vip.v6[3];

	h ^= ((__u32)k->port | (__u32)k->proto << 16 | (__u32)k->family << 24) *
	     0x9e3779b1U;
	h ^= h >> 16;
	h *= 0x85ebca6bU;
	h ^= h >> 13;
	h *= 0xc2b2ae35U;
	h ^= h >> 16;
	return h & (XLB_SVC_SLOTS - 1);
}

/* Probe i of key k's slots (i < XLB_SVC_SLOT_PROBES). */
XLB_HASH_INLINE __u32 xlb_svc_slot_probe(__u32 home, __u32 i)
{
	return (home + i) & (XLB_SVC_SLOTS - 1);
}

/*
 * Does slot key @s hold @k? Five word compares: the key has no padding,
 * and port, proto and family are its last word.
 */
XLB_HASH_INLINE bool xlb_svc_slot_match(const struct xlb_svc_key *s,
					const struct xlb_svc_key *k)
{
	__u32 a, b;

	__builtin_memcpy(&a, &s->port, sizeof(a));
	__builtin_memcpy(&b, &k->port, sizeof(b));
	return s->vip.v6[0] == k->vip.v6[0] && s->vip.v6[1] == k->vip.v6[1] &&
	       s->vip.v6[2] == k->vip.v6[2] && s->vip.v6[3] == k->vip.v6[3] &&
	       a == b;
}

/*
 * Whose is a VIP frame, by its destination MAC? Only a frame to the
 * interface's own MAC is ours to forward. A broadcast or multicast frame
 * reaches every node of the segment (several xlb nodes would each forward
 * it: the backend would get it once per node), and a frame to another
 * host's MAC reaches us only on a veth, in promiscuous mode or through a
 * flooding switch: it belongs to that host. Both go to the kernel as they
 * came (it drops a PACKET_OTHERHOST frame and forwards no link-layer
 * broadcast). While the interface's MAC is not known (all zero) only the
 * group bit can tell, and every unicast frame counts as ours.
 *
 * A MAC is given as its first four bytes and its last two, each as one
 * load from memory (native order), so the fast path's test is two
 * compares: dst4/dst2 the frame's destination, own4/own2 the interface's.
 */
enum xlb_l2_dst {
	XLB_L2_OURS = 0,
	XLB_L2_GROUP,	   /* broadcast or multicast: XLB_STAT_PASS_MAC_GROUP */
	XLB_L2_OTHER_HOST, /* another host's unicast: XLB_STAT_PASS_MAC_OTHER */
};

XLB_HASH_INLINE enum xlb_l2_dst xlb_l2_dst(__u32 dst4, __u16 dst2, __u32 own4,
					   __u16 own2)
{
	__u8 first;

	if (dst4 == own4 && dst2 == own2)
		return XLB_L2_OURS;
	__builtin_memcpy(&first, &dst4, 1);
	if (first & 1) /* the I/G bit of the first byte on the wire */
		return XLB_L2_GROUP;
	return own4 || own2 ? XLB_L2_OTHER_HOST : XLB_L2_OURS;
}

/* Why a flow-table entry is, or is not, followed. */
enum xlb_flow_check {
	XLB_FLOW_FOLLOW = 0,	/* same backend, same gen, up */
	XLB_FLOW_BE_GONE,	/* backend entry missing */
	XLB_FLOW_BE_REASSIGNED, /* the id now names another backend */
	XLB_FLOW_BE_DOWN,	/* the backend is not up */
};

/* be: the backend entry of f->backend_id, NULL if there is none. */
XLB_HASH_INLINE enum xlb_flow_check xlb_flow_check(const struct xlb_flow *f,
						   const struct xlb_backend *be)
{
	if (!be)
		return XLB_FLOW_BE_GONE;
	if (be->gen != f->backend_gen)
		return XLB_FLOW_BE_REASSIGNED;
	if (!(be->flags & XLB_BE_F_UP))
		return XLB_FLOW_BE_DOWN;
	return XLB_FLOW_FOLLOW;
}

/* Does the scheduler find the same backend again for the same tuple? */
XLB_HASH_INLINE bool xlb_sched_is_hash(const struct xlb_svc *svc)
{
	return svc->sched == XLB_SCHED_MAGLEV ||
	       svc->sched == XLB_SCHED_SOURCE_HASH;
}

/* The ring hash of a hashing scheduler (maglev: 5-tuple; source-hash). */
XLB_HASH_INLINE __u32 xlb_sched_hash(const struct xlb_svc *svc,
				     const struct xlb_flow_key *k)
{
	if (svc->sched == XLB_SCHED_SOURCE_HASH)
		return xlb_hash_addr(&k->src, k->svc.family, svc->hash_seed);
	return xlb_hash_flow(k, svc->hash_seed);
}

/* Round-robin: the slot a cursor value gives (the next one is slot + 1). */
XLB_HASH_INLINE __u32 xlb_rr_slot(__u32 cursor, __u32 size)
{
	return cursor < size ? cursor : 0;
}

XLB_HASH_INLINE __u32 xlb_rr_next(__u32 slot, __u32 size)
{
	return slot + 1 < size ? slot + 1 : 0;
}

/*
 * Least connections. Up to XLB_LC_SCAN slots are compared (all of them in
 * most services); a larger ring is sampled through a window of that many
 * starting at a random slot (rnd: any random value).
 */
XLB_HASH_INLINE bool xlb_lc_sampled(__u32 size)
{
	return size > XLB_LC_SCAN;
}

XLB_HASH_INLINE __u32 xlb_lc_window_start(__u32 size, __u32 rnd)
{
	return xlb_lc_sampled(size) ? rnd % size : 0;
}

/* A backend's active-flow count as compared (negative drift counts 0). */
XLB_HASH_INLINE __s64 xlb_lc_count(__s64 n)
{
	return n > 0 ? n : 0;
}

/*
 * Score (n + 1) / w against the best so far, without a division: < 0 the
 * candidate is less loaded, 0 tied, > 0 more. The +1 makes weights count
 * from the first flow, so short connections that leave every count at 0
 * still split by weight. w is never 0 here (weight-0 slots are skipped).
 */
XLB_HASH_INLINE int xlb_lc_cmp(__s64 n, __u32 w, __s64 best_n, __u32 best_w)
{
	__s64 a = (n + 1) * best_w, b = (best_n + 1) * w;

	return a < b ? -1 : a > b;
}

/*
 * Full NAT: the SNAT port (host order) a new flow tries at probe i of
 * XLB_NAT_PROBES, 0 to skip it. Probe 0 is the client's own port when
 * the pool [min, max] holds it (backends then see the client's port); the
 * others are spread over the pool from the flow's hash, a golden-ratio
 * step apart, so two flows colliding on one port part on the next probe.
 */
XLB_HASH_INLINE __u16 xlb_nat_probe_port(__u32 hash, __u32 i, __u16 cport,
					 __u16 min, __u16 max)
{
	__u32 range = (__u32)max - min + 1;

	if (max < min)
		return 0;
	if (!i)
		return cport >= min && cport <= max ? cport : 0;
	return min + xlb_ring_slot(hash + i * 0x9e3779b9U, range);
}

/* Idle time (jiffies) after which a NAT flow in @state ends; 0: never. */
XLB_HASH_INLINE __u32 xlb_nat_timeout(const struct xlb_nat_cfg *c, __u8 state)
{
	switch (state) {
	case XLB_NAT_S_SYN:
		return c->tcp_syn_timeout;
	case XLB_NAT_S_EST:
		return c->tcp_est_timeout;
	case XLB_NAT_S_CLOSING:
		return c->tcp_close_timeout;
	default:
		return c->udp_timeout;
	}
}

/* Has a NAT flow in @state, last seen at @seen, idled past its timeout? */
XLB_HASH_INLINE bool xlb_nat_expired(const struct xlb_nat_cfg *c, __u8 state,
				     __u32 seen, __u32 now)
{
	__u32 t = xlb_nat_timeout(c, state);

	return t && now - seen > t;
}

/* The reverse (reply) key of the NAT flow @k whose forward entry is @f. */
XLB_HASH_INLINE void xlb_nat_rev_key_of(struct xlb_nat_rev_key *rk,
					const struct xlb_flow_key *k,
					const struct xlb_nat_fwd *f)
{
	__builtin_memset(rk, 0, sizeof(*rk));
	rk->be_addr = f->be_addr;
	rk->snat_addr = f->snat_addr;
	rk->be_port = f->be_port;
	rk->snat_port = f->snat_port;
	rk->proto = k->svc.proto;
	rk->family = k->svc.family;
}

/* Is @a (of @family) one of the SNAT pool's addresses? */
XLB_HASH_INLINE bool xlb_nat_pool_has(const struct xlb_nat_cfg *c,
				      const union xlb_addr *a, __u8 family)
{
	bool v4 = family == XLB_FAMILY_V4;
	__u32 n = v4 ? c->n_v4 : c->n_v6;

	for (__u32 i = 0; i < XLB_NAT_MAX_ADDRS && i < n; i++) {
		const union xlb_addr *s = v4 ? &c->v4[i] : &c->v6[i];

		if (s->v6[0] == a->v6[0] && s->v6[1] == a->v6[1] &&
		    s->v6[2] == a->v6[2] && s->v6[3] == a->v6[3])
			return true;
	}
	return false;
}

/*
 * The two entries of a new NAT flow @k to backend @be_id (@be) at @now, but
 * for what the caller adds: snat_addr, snat_port and state of *f. The
 * program fills them for its own new flows, xlbd for a peer's (flow
 * sync), so a flow taken over is the same flow.
 */
XLB_HASH_INLINE void xlb_nat_entries_of(struct xlb_nat_fwd *f,
					struct xlb_nat_rev *rv,
					const struct xlb_flow_key *k,
					const struct xlb_backend *be,
					__u32 be_id, __u64 now)
{
	__builtin_memset(f, 0, sizeof(*f));
	f->be_addr = be->addr;
	f->be_port = be->port ? be->port : k->svc.port;
	f->backend_id = be_id;
	f->backend_gen = be->gen;
	f->created = now;
	f->seen = now;
	__builtin_memset(rv, 0, sizeof(*rv));
	rv->client = *k;
	rv->seen = now;
	rv->backend_id = be_id;
}

#endif /* XLB_DECIDE_H */
