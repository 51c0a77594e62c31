/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Rings for the round-robin schedulers. The data plane walks a service's
 * ring slot by slot (a per-CPU cursor), so the ring *is* the cycle:
 *
 *   round-robin           each backend's turns back to back:  a a b c
 *   weighted-round-robin  smooth interleaving (each step the backend
 *                         furthest behind its share goes):    a b a c
 *
 * Weights are divided by their greatest common divisor, so weights 5:1:1
 * give a 7-slot cycle in exact proportion. Backends are ordered by
 * address, so the same set always gives the same cycle. If the reduced
 * weights add up to more than XLB_MAX_TABLE_SIZE they are scaled down
 * (each keeps at least one slot).
 */
#ifndef XLB_SCHED_RING_H
#define XLB_SCHED_RING_H

#include <stddef.h>

#include "maglev.h"

/*
 * Build the cycle for sched (XLB_SCHED_ROUND_ROBIN or _WEIGHTED_RR) into a
 * malloc'd *ring of *size slots. -ENOENT: no backend with weight > 0;
 * -EINVAL: bad scheduler; -ENOMEM.
 */
int xlb_ring_rr_build(int sched, const struct xlb_maglev_backend *be, size_t n,
		      __u32 **ring, __u32 *size);

/*
 * least-connections: the candidate list, one slot per backend with weight
 * > 0, each XLB_LC_ENTRY(id, weight), ordered by address. Same errors.
 */
int xlb_ring_lc_build(const struct xlb_maglev_backend *be, size_t n,
		      __u32 **ring, __u32 *size);

#endif /* XLB_SCHED_RING_H */
