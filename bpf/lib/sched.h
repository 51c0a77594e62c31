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

static __always_inline __u32 sched_pick(const struct xlb_svc *svc,
					const struct xlb_flow_key *k)
{
	__u32 hash, slot, *id;
	void *ring;

	ring = bpf_map_lookup_elem(&XLB_MAP_RINGS, &svc->id);
	if (!ring)
		return 0;
	if (svc->sched == XLB_SCHED_SOURCE_HASH)
		hash = xlb_hash_addr(&k->src, k->svc.family);
	else
		hash = xlb_hash_flow(k);
	slot = xlb_ring_slot(hash, svc->table_size);
	id = bpf_map_lookup_elem(ring, &slot);
	return id ? *id : 0;
}

#endif /* XLB_SCHED_H */
