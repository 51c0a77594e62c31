// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The XDP program's decision for a tuple, from the live maps: the inputs are
 * read here, the rules are the program's own (include/xlb_decide.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <bpf/bpf.h>

#include "explain.h"
#include "xlb_util.h"
#include "xlb_decide.h"

const char *xlb_explain_how_name(enum xlb_explain_how how)
{
#define XLB_EXPLAIN_NAME(name, str) [XLB_EXPLAIN_##name] = str,
	static const char *const names[] = { XLB_EXPLAIN_HOWS(
		XLB_EXPLAIN_NAME) };
#undef XLB_EXPLAIN_NAME

	return how < ARRAY_SIZE(names) ? names[how] : "?";
}

/* Whether a flow-table hit is followed, by the program's own rule. */
static bool flow_followed(struct xlb_dp *dp, const struct xlb_flow *f,
			  const char **why)
{
	static const char *const reason[] = {
		[XLB_FLOW_BE_GONE] = "its backend no longer exists",
		[XLB_FLOW_BE_REASSIGNED] = "its backend id was reassigned",
		[XLB_FLOW_BE_DOWN] = "its backend is down",
	};
	struct xlb_backend be;
	enum xlb_flow_check c;

	c = xlb_flow_check(f, xlb_dp_backend_get(dp, f->backend_id, &be) ? NULL
									 : &be);
	*why = c == XLB_FLOW_FOLLOW ? NULL : reason[c];
	return c == XLB_FLOW_FOLLOW;
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
			struct xlb_explain_cand c = { .id = ring[i],
						      .slots = 1 };

			add_cand(e, &c);
		}
	}
	return 0;
}

/*
 * least-connections: the lowest score by the program's xlb_lc_cmp(); every
 * backend tied at it is a candidate (the program's random start and tie
 * break decide among them). A sampled ring (xlb_lc_sampled) lists the
 * candidates of the whole ring: the window is random.
 */
static int explain_lc(struct xlb_dp *dp, struct xlb_explain *e,
		      const __u32 *ring)
{
	__s64 best_n = 0;
	__u32 best_w = 0;

	e->sampled = xlb_lc_sampled(e->ring_size);
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
			n = xlb_lc_count(n);
			if (!pass) {
				if (!best_w || xlb_lc_cmp(n, c.weight, best_n,
							  best_w) < 0) {
					best_n = n;
					best_w = c.weight;
				}
			} else if (!xlb_lc_cmp(n, c.weight, best_n, best_w)) {
				add_cand(e, &c);
			}
		}
	}
	return 0;
}

/*
 * The entry the program would consult: the main table, else (for a TCP
 * packet other than a SYN) the unconfirmed-flow table its SYN filled.
 */
static bool flow_find(struct xlb_dp *dp, const struct xlb_flow_key *k, bool syn,
		      struct xlb_explain *e)
{
	if (!bpf_map_lookup_elem(dp->flow_fd, k, &e->flow))
		return true;
	if (syn || k->svc.proto != IPPROTO_TCP || dp->syn_flow_fd < 0 ||
	    bpf_map_lookup_elem(dp->syn_flow_fd, k, &e->flow))
		return false;
	e->flow_unconfirmed = true;
	return true;
}

int xlb_explain(struct xlb_dp *dp, const struct xlb_flow_key *k, bool syn,
		int cpu, struct xlb_explain *e)
{
	__u32 *ring = NULL;
	int err = 0;

	memset(e, 0, sizeof(*e));
	e->cpu = cpu;
	if (xlb_dp_svc_slot_find(dp, &k->svc, &e->svc, &e->svc_slot) ||
	    (e->svc.flags & XLB_SVC_F_ADDR_MARK)) {
		e->how = XLB_EXPLAIN_NOT_VIP;
		return 0;
	}
	syn = syn && k->svc.proto == IPPROTO_TCP;
	if (flow_find(dp, k, syn, e)) {
		e->flow_found = true;
		if (syn)
			e->flow_skipped = "a SYN is scheduled afresh";
		else if (flow_followed(dp, &e->flow, &e->flow_skipped)) {
			e->how = XLB_EXPLAIN_FLOW;
			e->backend_id = e->flow.backend_id;
			return 0;
		}
	}

	e->ring_size = e->svc.table_size;
	if (!e->ring_size || xlb_dp_ring_get(dp, &e->svc, 0, &e->slot)) {
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
		e->slot = xlb_rr_slot(e->slot, e->ring_size);
		return xlb_dp_ring_get(dp, &e->svc, e->slot, &e->backend_id);
	case XLB_SCHED_RANDOM:
	case XLB_SCHED_LEAST_CONN:
		ring = malloc(sizeof(*ring) * e->ring_size);
		if (!ring)
			return -ENOMEM;
		err = xlb_dp_ring_read(dp, &e->svc, ring, e->ring_size);
		if (!err && e->svc.sched == XLB_SCHED_RANDOM) {
			e->how = XLB_EXPLAIN_RANDOM;
			err = explain_random(dp, e, ring);
		} else if (!err) {
			e->how = XLB_EXPLAIN_LEAST_CONN;
			err = explain_lc(dp, e, ring);
		}
		free(ring);
		return err;
	default:
		e->hash = xlb_sched_hash(&e->svc, k);
	}
	e->how = XLB_EXPLAIN_HASH;
	e->slot = xlb_ring_slot(e->hash, e->ring_size);
	return xlb_dp_ring_get(dp, &e->svc, e->slot, &e->backend_id);
}
