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

static __always_inline void stat_inc(__u32 reason)
{
	__u64 *v = bpf_map_lookup_elem(&XLB_MAP_STATS, &reason);

	if (v)
		*v += 1;
}

/* Account one forwarded packet to its service and backend. */
static __always_inline void stat_fwd(__u32 svc_id, __u32 be_id, __u32 bytes,
				     bool new_flow)
{
	struct xlb_counters *c;

	c = bpf_map_lookup_elem(&XLB_MAP_SVC_STATS, &svc_id);
	if (c) {
		c->packets++;
		c->bytes += bytes;
		c->new_flows += new_flow;
	}
	c = bpf_map_lookup_elem(&XLB_MAP_BE_STATS, &be_id);
	if (c) {
		c->packets++;
		c->bytes += bytes;
		c->new_flows += new_flow;
	}
}

#endif /* XLB_STATS_H */
