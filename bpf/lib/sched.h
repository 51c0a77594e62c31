/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Backend selection for a flow that is not (or no longer) in the flow
 * table. The service's ring holds backend ids; which slot a flow takes
 * depends on the scheduler. Returns a backend id, or 0 when the service is
 * in the "no backend" state (no ring published). The rules themselves
 * (which slot, which score wins) are in include/xlb_decide.h, shared with
 * `xlbctl explain`; this file fetches their inputs from the maps.
 */
#ifndef XLB_SCHED_H
#define XLB_SCHED_H

#include "lib/maps.h"
#include "xlb_decide.h"

static __always_inline __s64 *sched_conns(__u32 be_id)
{
	return bpf_map_lookup_elem(&XLB_MAP_BE_CONNS, &be_id);
}

/*
 * least-connections bookkeeping: a flow opens or closes on @be_id (every
 * forwarding mode; only on those events, never per packet).
 */
static __always_inline void sched_conns_add(__u32 be_id, __s64 delta)
{
	__s64 *c = sched_conns(be_id);

	if (c)
		__sync_fetch_and_add(c, delta);
}

/*
 * Least connections: the backend with the lowest (active + 1) / weight
 * (xlb_lc_cmp) in the window xlb_lc_window_start gives. Ties are broken
 * uniformly (reservoir sampling: the k-th tie wins with probability 1/k,
 * from a xorshift generator seeded once, not a helper call per tie).
 */
static __always_inline __u32 sched_least_conn(void *ring, __u32 size)
{
	__u32 i, slot, start, chunk = ~0U, best = 0, best_w = 1, ties = 0;
	__u32 rnd = bpf_get_prandom_u32() | 1;
	struct xlb_ring_chunk *c = NULL;
	__s64 best_n = 0;

	start = xlb_lc_window_start(size, rnd);
	for (i = 0; i < XLB_LC_SCAN && i < size; i++) {
		__u32 e, id, w;
		__s64 *cnt, n;
		int cmp;

		slot = start + i;
		if (slot >= size)
			slot -= size;
		if (slot / XLB_RING_CHUNK != chunk || !c) {
			chunk = slot / XLB_RING_CHUNK;
			c = bpf_map_lookup_elem(ring, &chunk);
			if (!c)
				break;
		}
		e = c->id[slot % XLB_RING_CHUNK];
		id = XLB_LC_ID(e);
		w = XLB_LC_WEIGHT(e);
		if (!w)
			continue;
		cnt = sched_conns(id);
		n = cnt ? xlb_lc_count(*cnt) : 0;
		cmp = best ? xlb_lc_cmp(n, w, best_n, best_w) : -1;
		if (cmp < 0) {
			best = id;
			best_n = n;
			best_w = w;
			ties = 1;
		} else if (!cmp) {
			rnd ^= rnd << 13;
			rnd ^= rnd >> 17;
			rnd ^= rnd << 5;
			/* true with probability 1/ties, without a division */
			if ((((__u64)rnd * ++ties) >> 32) == 0)
				best = id;
		}
	}
	return best;
}

/*
 * Least connections out of line, as a global function: the verifier
 * checks the scan (the program's largest loop) once on its own instead of
 * once for every path into the scheduler (l2 and NAT forwarding). Only
 * new flows of least-connections services pay the call; the ring is
 * looked up again here because a global function takes scalars only.
 */
__noinline __u32 xlb_sched_lc(__u32 ring_key, __u32 size)
{
	void *ring = bpf_map_lookup_elem(&XLB_MAP_RINGS, &ring_key);

	return ring ? sched_least_conn(ring, size) : 0;
}

static __always_inline __u32 sched_pick(const struct xlb_svc *svc,
					const struct xlb_flow_key *k)
{
	__u32 size = svc->table_size, hash, slot, chunk, *cur;
	struct xlb_ring_chunk *c;
	void *ring;

	/* ring and size from one service value: always a matching pair */
	ring = bpf_map_lookup_elem(&XLB_MAP_RINGS, &svc->ring);
	if (!ring || !size)
		return 0;
	switch (svc->sched) {
	case XLB_SCHED_ROUND_ROBIN:
	case XLB_SCHED_WEIGHTED_RR:
		/* the ring is the cycle, built in user space */
		cur = bpf_map_lookup_elem(&XLB_MAP_RR_CURSOR, &svc->id);
		if (!cur)
			return 0;
		slot = xlb_rr_slot(*cur, size);
		*cur = xlb_rr_next(slot, size);
		goto lookup;
	case XLB_SCHED_LEAST_CONN:
		return xlb_sched_lc(svc->ring, size);
	case XLB_SCHED_RANDOM:
		hash = bpf_get_prandom_u32();
		break;
	default:
		hash = xlb_sched_hash(svc, k);
	}
	slot = xlb_ring_slot(hash, size);
lookup:
	chunk = slot / XLB_RING_CHUNK;
	c = bpf_map_lookup_elem(ring, &chunk);
	return c ? c->id[slot % XLB_RING_CHUNK] : 0;
}

#endif /* XLB_SCHED_H */
