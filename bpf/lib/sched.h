/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Backend selection for a flow that is not (or no longer) in the flow
 * table. The service's ring holds backend ids; which slot a flow takes
 * depends on the scheduler. Returns a backend id, or 0 when the service is
 * in the "no backend" state (no ring published).
 */
#ifndef XLB_SCHED_H
#define XLB_SCHED_H

#include "lib/maps.h"
#include "xlb_hash.h"

/* Does the scheduler find the same backend again for the same tuple? */
static __always_inline bool sched_is_hash(const struct xlb_svc *svc)
{
	return svc->sched == XLB_SCHED_MAGLEV ||
	       svc->sched == XLB_SCHED_SOURCE_HASH;
}

static __always_inline __u32 sched_pick(const struct xlb_svc *svc,
					const struct xlb_flow_key *k)
{
	__u32 size = svc->table_size, hash, slot, *id, *cur;
	void *ring;

	ring = bpf_map_lookup_elem(&XLB_MAP_RINGS, &svc->id);
	if (!ring || !size)
		return 0;
	switch (svc->sched) {
	case XLB_SCHED_ROUND_ROBIN:
	case XLB_SCHED_WEIGHTED_RR:
		/* the ring is the cycle, built in user space */
		cur = bpf_map_lookup_elem(&XLB_MAP_RR_CURSOR, &svc->id);
		if (!cur)
			return 0;
		slot = *cur < size ? *cur : 0;
		*cur = slot + 1 < size ? slot + 1 : 0;
		goto lookup;
	case XLB_SCHED_RANDOM:
		hash = bpf_get_prandom_u32();
		break;
	case XLB_SCHED_SOURCE_HASH:
		hash = xlb_hash_addr(&k->src, k->svc.family);
		break;
	default:
		hash = xlb_hash_flow(k);
	}
	slot = xlb_ring_slot(hash, size);
lookup:
	id = bpf_map_lookup_elem(ring, &slot);
	return id ? *id : 0;
}

#endif /* XLB_SCHED_H */
