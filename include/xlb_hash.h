/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Flow hashing shared by the XDP program and user space (Maglev tests,
 * `xlbctl explain`): one implementation, so both sides always agree on which
 * ring slot a tuple maps to. Several xlb nodes with the same backends agree
 * too, which is what lets a flow survive moving to another node.
 *
 * The mixing is Bob Jenkins' lookup3 (public domain), over the key's 32-bit
 * words exactly as they sit in memory (network order fields included).
 */
#ifndef XLB_HASH_H
#define XLB_HASH_H

#include "xlb_abi.h"

#ifdef __bpf__
#define XLB_HASH_INLINE static __always_inline
#else
#define XLB_HASH_INLINE static inline
#endif

/*
 * Base seed; the configured per-cluster seed (xlb_svc.hash_seed, config
 * hash_seed) is XORed into it, so seed 0 is this value and every build
 * hashes alike: nothing here may differ between builds.
 */
#define XLB_HASH_SEED 0x786c6221U /* "xlb!" */

XLB_HASH_INLINE __u32 xlb_rol32(__u32 w, unsigned int s)
{
	return (w << s) | (w >> (32 - s));
}

/*
 * lookup3's mix() and final() are each one step written out with other
 * registers and rotations: the steps below, in lookup3's order.
 */
#define XLB_JHASH_MIX_STEP(x, y, z, s) \
	do {                           \
		x -= z;                \
		x ^= xlb_rol32(z, s);  \
		z += y;                \
	} while (0)

#define XLB_JHASH_MIX(a, b, c)                   \
	do {                                     \
		XLB_JHASH_MIX_STEP(a, b, c, 4);  \
		XLB_JHASH_MIX_STEP(b, c, a, 6);  \
		XLB_JHASH_MIX_STEP(c, a, b, 8);  \
		XLB_JHASH_MIX_STEP(a, b, c, 16); \
		XLB_JHASH_MIX_STEP(b, c, a, 19); \
		XLB_JHASH_MIX_STEP(c, a, b, 4);  \
	} while (0)

#define XLB_JHASH_FINAL_STEP(x, y, s) \
	do {                          \
		x ^= y;               \
		x -= xlb_rol32(y, s); \
	} while (0)

#define XLB_JHASH_FINAL(a, b, c)                \
	do {                                    \
		XLB_JHASH_FINAL_STEP(c, b, 14); \
		XLB_JHASH_FINAL_STEP(a, c, 11); \
		XLB_JHASH_FINAL_STEP(b, a, 25); \
		XLB_JHASH_FINAL_STEP(c, b, 16); \
		XLB_JHASH_FINAL_STEP(a, c, 4);  \
		XLB_JHASH_FINAL_STEP(b, a, 14); \
		XLB_JHASH_FINAL_STEP(c, b, 24); \
	} while (0)

/* Hash of an IPv4 or IPv6 address (source-hash scheduler). */
XLB_HASH_INLINE __u32 xlb_hash_addr(const union xlb_addr *a, __u8 family,
				    __u32 seed)
{
	__u32 x = (XLB_HASH_SEED ^ seed) + 16, y = x, z = x;

	if (family == XLB_FAMILY_V4) {
		x += a->v4;
		XLB_JHASH_FINAL(x, y, z);
		return z;
	}
	x += a->v6[0];
	y += a->v6[1];
	z += a->v6[2];
	XLB_JHASH_MIX(x, y, z);
	x += a->v6[3];
	XLB_JHASH_FINAL(x, y, z);
	return z;
}

/* Hash of a flow's 5-tuple (Maglev scheduler, flow table independent). */
XLB_HASH_INLINE __u32 xlb_hash_flow(const struct xlb_flow_key *k, __u32 seed)
{
	__u32 ports = ((__u32)k->sport << 16) | k->svc.port;
	__u32 x = (XLB_HASH_SEED ^ seed) + k->svc.proto, y = x, z = x;

	if (k->svc.family == XLB_FAMILY_V4) {
		x += k->src.v4;
		y += k->svc.vip.v4;
		z += ports;
		XLB_JHASH_FINAL(x, y, z);
		return z;
	}
	x += k->src.v6[0];
	y += k->src.v6[1];
	z += k->src.v6[2];
	XLB_JHASH_MIX(x, y, z);
	x += k->src.v6[3];
	y += k->svc.vip.v6[0];
	z += k->svc.vip.v6[1];
	XLB_JHASH_MIX(x, y, z);
	x += k->svc.vip.v6[2];
	y += k->svc.vip.v6[3];
	z += ports;
	XLB_JHASH_FINAL(x, y, z);
	return z;
}

/*
 * Entropy for an encapsulated packet's outer header (the GUE source port,
 * the IPv6 flow label): a hash of the flow's 5-tuple, the same for every
 * packet of the flow. It decides nothing, it only spreads flows over
 * routers' paths and the backend NIC's queues, so it is the 5-tuple's
 * words folded and one murmur3 finalizer rather than xlb_hash_flow()'s
 * jhash rounds: the established path computes it for every packet (2 ns
 * against 18 for an IPv6 flow's jhash here).
 */
XLB_HASH_INLINE __u32 xlb_hash_outer(const struct xlb_flow_key *k, __u32 seed)
{
	__u32 h = (XLB_HASH_SEED ^ seed) + k->svc.proto;

	h ^= ((__u32)k->sport << 16) | k->svc.port;
	if (k->svc.family == XLB_FAMILY_V4) {
		h ^= k->src.v4 ^ xlb_rol32(k->svc.vip.v4, 16);
	} else {
		h ^= k->src.v6[0] ^ k->src.v6[1] ^ k->src.v6[2] ^ k->src.v6[3];
		h ^= xlb_rol32(k->svc.vip.v6[2] ^ k->svc.vip.v6[3], 16);
	}
	h ^= h >> 16;
	h *= 0x85ebca6bU;
	h ^= h >> 13;
	h *= 0xc2b2ae35U;
	h ^= h >> 16;
	return h;
}

/*
 * Map a 32-bit hash onto [0, size) without a division (Lemire's
 * multiply-shift): a 64-bit divide costs more than the rest of the slot
 * lookup on the new-flow path.
 */
XLB_HASH_INLINE __u32 xlb_ring_slot(__u32 hash, __u32 size)
{
	return (__u32)(((__u64)hash * size) >> 32);
}

#endif /* XLB_HASH_H */
