/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Next hop from the kernel's FIB and neighbour table (bpf_fib_lookup), for
 * forwarding modes whose destination is an address the kernel routes to
 * (full NAT's backends and clients) rather than a MAC xlbd resolved. The
 * lookup is a forwarding decision as if the packet arrived on the ingress
 * interface, so that interface needs IP forwarding enabled
 * (net.ipv4.conf.IF.forwarding, net.ipv6.conf.IF.forwarding).
 *
 * The lookup costs about 170 ns (IPv4) and 400 ns (IPv6) per packet in
 * xlb_bench, more than the rest of a NAT packet, so its answer is cached
 * per CPU (xlb_fib_cache), in a slot chosen by the destination and source
 * addresses: a packet whose slot holds the same lookup (family, protocol,
 * addresses, ingress interface), fresh (XLB_NH_TTL jiffies) and of the
 * current next-hop generation (xlb_encap.nh_gen, which xlbd bumps on
 * every route, neighbour, link or address change it hears of, and when
 * its notifications overran), leaves with the cached answer; any other
 * asks the FIB and refills the slot on success only. So a change is
 * followed as soon as xlbd sees it, and a next hop the kernel has not
 * resolved is asked (and counted) every packet, never cached. Two
 * lookups sharing a slot (e.g. many clients) take turns at it: the cost
 * of the old way, not a wrong answer.
 *
 * Why a time to live besides nh_gen: the program forwards while xlbd is
 * stopped or restarting (NAT flows outlive it) and nobody bumps nh_gen
 * then; xlbd hears no policy rule (ip rule) or nexthop object changes
 * (it listens to neither group); nh_gen is 16 bits, so a slot idle over
 * 65536 bumps would match again. The time to live bounds all of these to
 * 32-128 ms, for one load per packet (the verifier inlines
 * bpf_jiffies64()): without it the NAT rows measured the same within the
 * bench's noise (a few ns).
 *
 * fib_nexthop() returns the slot (egress interface, both MACs), or NULL
 * with the stat (drop_no_route, drop_no_neigh) the caller drops with in
 * *err: a frame never leaves with a MAC the kernel did not give. *fl is
 * the caller's (64 bytes: a map value where the stack is short).
 */
#ifndef XLB_FIB_H
#define XLB_FIB_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <stdbool.h>
#include <bpf/bpf_helpers.h>

#include "xlb_abi.h"
#include "lib/maps.h"

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

#define XLB_FIB_SLOTS 4096 /* per CPU; a power of 2 */

/* A cached FIB answer (above): one cache line. */
struct xlb_fib_nh {
	union xlb_addr dst; /* the lookup: addresses, family, protocol, */
	union xlb_addr src; /* ingress interface; family 0: empty */
	__u32 iif;
	__u8 family; /* XLB_FAMILY_* */
	__u8 proto;
	__u16 nh_gen;  /* xlb_encap.nh_gen when filled */
	__u32 stamp;   /* low 32 bits of jiffies when filled */
	__u32 ifindex; /* the answer: egress interface, MACs */
	__u8 dmac[ETH_ALEN];
	__u8 smac[ETH_ALEN];
};

/* Per CPU; not pinned: a cache. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_fib_nh);
	__uint(max_entries, XLB_FIB_SLOTS);
} xlb_fib_cache SEC(".maps");

/*
 * Is a cached next hop filled at @stamp under generation @slot_gen still
 * good @now under @gen? The one rule for this cache and encapsulation's
 * (lib/encap.h): the current generation, younger than XLB_NH_TTL.
 */
static __always_inline bool fib_fresh(__u16 slot_gen, __u32 stamp, __u16 gen,
				      __u32 now)
{
	return slot_gen == gen && now - stamp < XLB_NH_TTL;
}

/* Same lookup as the slot's? IPv4 compares the first word only. */
static __always_inline bool fib_same(const struct xlb_fib_nh *nh, __u8 family,
				     __u8 proto, __u32 iif,
				     const union xlb_addr *src,
				     const union xlb_addr *dst)
{
	if (nh->family != family || nh->proto != proto || nh->iif != iif)
		return false;
	if (family == XLB_FAMILY_V4)
		return nh->dst.v4 == dst->v4 && nh->src.v4 == src->v4;
	return !((nh->dst.v6[0] ^ dst->v6[0]) | (nh->dst.v6[1] ^ dst->v6[1]) |
		 (nh->dst.v6[2] ^ dst->v6[2]) | (nh->dst.v6[3] ^ dst->v6[3]) |
		 (nh->src.v6[0] ^ src->v6[0]) | (nh->src.v6[1] ^ src->v6[1]) |
		 (nh->src.v6[2] ^ src->v6[2]) | (nh->src.v6[3] ^ src->v6[3]));
}

/* The slot of a lookup: a multiplicative hash of the addresses' words. */
static __always_inline __u32 fib_slot(__u8 family, const union xlb_addr *src,
				      const union xlb_addr *dst)
{
	__u32 h = dst->v4 ^ (src->v4 * 0x85ebca6bU);

	if (family != XLB_FAMILY_V4)
		h ^= dst->v6[1] ^ dst->v6[2] ^ dst->v6[3] ^ src->v6[3];
	return (h * 0x9e3779b1U) >> 20 & (XLB_FIB_SLOTS - 1);
}

static __always_inline const struct xlb_fib_nh *
fib_nexthop(struct xdp_md *ctx, struct bpf_fib_lookup *fl, __u8 family,
	    const union xlb_addr *src, const union xlb_addr *dst, __u8 proto,
	    __u32 *err)
{
	__u32 zero = 0, slot = fib_slot(family, src, dst);
	__u32 iif = ctx->ingress_ifindex, now = (__u32)bpf_jiffies64();
	struct xlb_encap *cfg = bpf_map_lookup_elem(&XLB_MAP_ENCAP, &zero);
	__u16 gen = cfg ? cfg->nh_gen : 0;
	struct xlb_fib_nh *nh;
	long rc;

	nh = bpf_map_lookup_elem(&xlb_fib_cache, &slot);
	if (!nh) {
		*err = XLB_STAT_DROP_NO_ROUTE;
		return NULL;
	}
	if (fib_fresh(nh->nh_gen, nh->stamp, gen, now) &&
	    fib_same(nh, family, proto, iif, src, dst))
		return nh;
	__builtin_memset(fl, 0, sizeof(*fl));
	fl->ifindex = iif;
	fl->l4_protocol = proto;
	/*
	 * tot_len 0: no MTU check; the frame is the size it came in and
	 * the egress driver refuses what does not fit.
	 */
	if (family == XLB_FAMILY_V4) {
		fl->family = AF_INET;
		fl->ipv4_src = src->v4;
		fl->ipv4_dst = dst->v4;
	} else {
		fl->family = AF_INET6;
		__builtin_memcpy(fl->ipv6_src, src->v6, 16);
		__builtin_memcpy(fl->ipv6_dst, dst->v6, 16);
	}
	rc = bpf_fib_lookup(ctx, fl, sizeof(*fl), 0);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS) {
		*err = rc == BPF_FIB_LKUP_RET_NO_NEIGH ? XLB_STAT_DROP_NO_NEIGH
						       : XLB_STAT_DROP_NO_ROUTE;
		return NULL;
	}
	__builtin_memcpy(&nh->dst, dst, sizeof(nh->dst));
	__builtin_memcpy(&nh->src, src, sizeof(nh->src));
	nh->iif = iif;
	nh->family = family;
	nh->proto = proto;
	nh->nh_gen = gen;
	nh->stamp = now;
	nh->ifindex = fl->ifindex;
	__builtin_memcpy(nh->dmac, fl->dmac, ETH_ALEN);
	__builtin_memcpy(nh->smac, fl->smac, ETH_ALEN);
	return nh;
}

#endif /* XLB_FIB_H */
