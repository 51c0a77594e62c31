/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Counters. All maps are per-CPU and XDP runs in softirq on one CPU at a
 * time, so plain increments are race-free: no atomics on the fast path.
 * Array lookups with a constant-bounded key are inlined by the verifier.
 */
#ifndef XLB_STATS_H
#define XLB_STATS_H

#include <stdbool.h>

#include "lib/maps.h"

/* This CPU's counter @reason, NULL when out of range */
static __always_inline __u64 *stat_slot(__u32 reason)
{
	return bpf_map_lookup_elem(&XLB_MAP_STATS, &reason);
}

static __always_inline void stat_inc(__u32 reason)
{
	__u64 *v = stat_slot(reason);

	if (v)
		*v += 1;
}

/*
 * One packet sent to backend @be_id (XDP_TX, or XDP_REDIRECT when
 * @redirect), counted on the backend's line only: the service's counters
 * and the global tx / redirect ones are sums of these lines (struct
 * xlb_counters), so the packet writes no other counter.
 */
static __always_inline void stat_sent(__u32 be_id, __u32 bytes, bool new_flow,
				      bool redirect)
{
	struct xlb_counters *c = bpf_map_lookup_elem(&XLB_MAP_BE_SENT, &be_id);

	if (c) {
		c->packets++;
		c->bytes += bytes;
		c->new_flows += new_flow;
		c->redirects += redirect;
	}
}

#endif /* XLB_STATS_H */
