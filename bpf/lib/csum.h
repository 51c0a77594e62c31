/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Incremental Internet checksum updates (RFC 1624, eqn. 3:
 * HC' = ~(~HC + ~m + m')) for rewritten addresses and ports. A change is
 * summed as 32-bit words in memory order; one's complement addition does
 * not care about byte order, so no word is swapped.
 */
#ifndef XLB_CSUM_H
#define XLB_CSUM_H

#include <linux/types.h>

/* What replacing word @from by @to adds to a one's complement sum. */
static __always_inline __u64 csum_delta(__u32 from, __u32 to)
{
	return (__u64)(__u32)~from + to;
}

/* The same for a 16-bit field (a checksum inside a checksummed span). */
static __always_inline __u64 csum_delta16(__u16 from, __u16 to)
{
	return (__u16)~from + to;
}

static __always_inline __u16 csum_fold64(__u64 s)
{
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffffffff) + (s >> 32);
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return s;
}

/* The checksum field @sum after a change whose delta is @d. */
static __always_inline __u16 csum_apply(__u16 sum, __u64 d)
{
	return ~csum_fold64((__u16)~sum + d);
}

#endif /* XLB_CSUM_H */
