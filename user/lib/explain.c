// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The XDP program's decision, recomputed from the live maps. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <bpf/bpf.h>

#include "explain.h"
#include "xlb_hash.h"

const char *xlb_explain_how_name(enum xlb_explain_how how)
{
	static const char *const names[] = {
		[XLB_EXPLAIN_NOT_VIP] = "not-vip",
		[XLB_EXPLAIN_FLOW] = "flow",
		[XLB_EXPLAIN_HASH] = "hash",
		[XLB_EXPLAIN_CURSOR] = "cursor",
		[XLB_EXPLAIN_RANDOM] = "random",
		[XLB_EXPLAIN_LEAST_CONN] = "least-connections",
		[XLB_EXPLAIN_NO_BACKEND] = "no-backend",
	};

	return how < sizeof(names) / sizeof(names[0]) ? names[how] : "?";
}

static bool backend_live(struct xlb_dp *dp, __u32 id, __u32 gen,
			 const char **why)
{
	struct xlb_backend be;

	if (xlb_dp_backend_get(dp, id, &be)) {
		*why = "its backend no longer exists";
		return false;
	}
	if (be.gen != gen) {
		*why = "its backend id was reassigned";
		return false;
	}
	if (!(be.flags & XLB_BE_F_UP)) {
		*why = "its backend is down";
		return false;
	}
	return true;
}

static void add_cand(struct xlb_explain *e, const struct xlb_explain_cand *c)
{
	e->n_cand_total++;
	if (e->n_cand < XLB_EXPLAIN_MAX_CAND)
		e->cand[e->n_cand++] = *c;
}

/* Random: every distinct backend of the ring with its share of slots. */
static int explain_random(struct xlb_dp *dp, struct xlb_explain *e,
			  const __u32 *ring)
{
	for (__u32 i = 0; i < e->ring_size; i++) {
		__u32 j;

		for (j = 0; j < e->n_cand; j++)
			if (e->cand[j].id == ring[i])
				break;
		if (j < e->n_cand) {
			e->cand[j].slots++;
		} else {
			struct xlb_explain_cand c = { .id = ring[i], .slots = 1 };

			add_cand(e, &c);
		}
	}
	return 0;
}

/*
 * least-connections: the lowest (conns + 1) / weight, as the program
 * compares it; every backend tied at that score is a candidate (the
 * program's random start decides among them).
 */
static int explain_lc(struct xlb_dp *dp, struct xlb_explain *e,
		      const __u32 *ring)
{
	__s64 best_n = 0;
	__u32 best_w = 0;

	e->sampled = e->ring_size > XLB_LC_SCAN;
	for (int pass = 0; pass < 2; pass++) {
		for (__u32 i = 0; i < e->ring_size; i++) {
			struct xlb_explain_cand c = {
				.id = XLB_LC_ID(ring[i]),
				.weight = XLB_LC_WEIGHT(ring[i]),
			};
			__s64 n = 0;

			if (!c.weight)
				continue;
			xlb_dp_conns_get(dp, c.id, &n);
			c.conns = n;
			n = n > 0 ? n : 0;
			if (!pass) {
				if (!best_w ||
				    (n + 1) * best_w < (best_n + 1) * c.weight) {
					best_n = n;
					best_w = c.weight;
				}
			} else if ((n + 1) * best_w == (best_n + 1) * c.weight) {
				add_cand(e, &c);
			}
		}
	}
	return 0;
}

int xlb_explain(struct xlb_dp *dp, const struct xlb_flow_key *k, bool syn,
		int cpu, struct xlb_explain *e)
{
	__u32 *ring = NULL;
	int err = 0;

	memset(e, 0, sizeof(*e));
	e->cpu = cpu;
	if (bpf_map_lookup_elem(dp->svc_fd, &k->svc, &e->svc) ||
	    (e->svc.flags & XLB_SVC_F_ADDR_MARK)) {
		e->how = XLB_EXPLAIN_NOT_VIP;
		return 0;
	}
	syn = syn && k->svc.proto == IPPROTO_TCP;
	if (!bpf_map_lookup_elem(dp->flow_fd, k, &e->flow)) {
		e->flow_found = true;
		if (syn)
			e->flow_skipped = "a SYN is scheduled afresh";
		else if (backend_live(dp, e->flow.backend_id,
				      e->flow.backend_gen, &e->flow_skipped)) {
			e->how = XLB_EXPLAIN_FLOW;
			e->backend_id = e->flow.backend_id;
			return 0;
		}
	}

	e->ring_size = e->svc.table_size;
	if (!e->ring_size || xlb_dp_ring_get(dp, e->svc.id, 0, &e->slot)) {
		e->slot = 0;
		e->how = XLB_EXPLAIN_NO_BACKEND;
		return 0;
	}
	switch (e->svc.sched) {
	case XLB_SCHED_ROUND_ROBIN:
	case XLB_SCHED_WEIGHTED_RR:
		e->how = XLB_EXPLAIN_CURSOR;
		err = xlb_dp_rr_cursor(dp, e->svc.id, cpu, &e->slot);
		if (err)
			return err;
		if (e->slot >= e->ring_size)
			e->slot = 0;
		return xlb_dp_ring_get(dp, e->svc.id, e->slot,
				       &e->backend_id);
	case XLB_SCHED_RANDOM:
	case XLB_SCHED_LEAST_CONN:
		ring = malloc(sizeof(*ring) * e->ring_size);
		if (!ring)
			return -ENOMEM;
		err = xlb_dp_ring_read(dp, e->svc.id, ring, e->ring_size);
		if (!err && e->svc.sched == XLB_SCHED_RANDOM) {
			e->how = XLB_EXPLAIN_RANDOM;
			err = explain_random(dp, e, ring);
		} else if (!err) {
			e->how = XLB_EXPLAIN_LEAST_CONN;
			err = explain_lc(dp, e, ring);
		}
		free(ring);
		return err;
	case XLB_SCHED_SOURCE_HASH:
		e->hash = xlb_hash_addr(&k->src, k->svc.family,
				       e->svc.hash_seed);
		break;
	default:
		e->hash = xlb_hash_flow(k, e->svc.hash_seed);
	}
	e->how = XLB_EXPLAIN_HASH;
	e->slot = xlb_ring_slot(e->hash, e->ring_size);
	return xlb_dp_ring_get(dp, e->svc.id, e->slot, &e->backend_id);
}
