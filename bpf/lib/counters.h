/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per-CPU counters of a small standalone program (the backends'
 * decapsulator, the health checks' tc program): XLB_PERCPU_COUNTERS(map,
 * n) defines the array @map of @n counters and count(i), which bumps
 * counter i on this CPU. (The data plane's own are lib/stats.h's.)
 */
#ifndef XLB_COUNTERS_H
#define XLB_COUNTERS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define XLB_PERCPU_COUNTERS(map, n)                         \
	struct {                                            \
		__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);    \
		__uint(max_entries, n);                     \
		__type(key, __u32);                         \
		__type(value, __u64);                       \
	} map SEC(".maps");                                 \
                                                            \
	static __always_inline void count(__u32 idx)        \
	{                                                   \
		__u64 *c = bpf_map_lookup_elem(&map, &idx); \
                                                            \
		if (c)                                      \
			*c += 1;                            \
	}

#endif /* XLB_COUNTERS_H */
