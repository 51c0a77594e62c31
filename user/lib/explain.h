/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * "Why did this packet go there": the decision the XDP program takes for a
 * tuple, recomputed from the live maps with the program's own rules and
 * hash (include/xlb_hash.h). Shared by xlbd's `explain` command and the
 * tests that check it against the program's real choice.
 */
#ifndef XLB_EXPLAIN_H
#define XLB_EXPLAIN_H

#include <stdbool.h>

#include "dataplane.h"

enum xlb_explain_how {
	XLB_EXPLAIN_NOT_VIP,	/* no such service: passed to the kernel */
	XLB_EXPLAIN_FLOW,	/* flow-table hit on a live backend */
	XLB_EXPLAIN_HASH,	/* maglev / source-hash: hash -> slot */
	XLB_EXPLAIN_CURSOR,	/* round-robin: the CPU's next slot */
	XLB_EXPLAIN_RANDOM,	/* random slot: any candidate, by share */
	XLB_EXPLAIN_LEAST_CONN, /* least loaded: one of the tied candidates */
	XLB_EXPLAIN_NO_BACKEND, /* the service has none: dropped */
};

#define XLB_EXPLAIN_MAX_CAND 64

struct xlb_explain_cand {
	__u32 id;
	__u32 weight; /* least-connections: weight in effect */
	__s64 conns;  /* least-connections: active flows */
	__u32 slots;  /* random: ring slots it holds */
};

struct xlb_explain {
	enum xlb_explain_how how;
	struct xlb_svc svc;
	/* flow table: what is there, and why it is not followed */
	bool flow_found;
	struct xlb_flow flow;
	const char *flow_skipped; /* NULL: followed (or none) */
	bool flow_unconfirmed;	  /* found in the SYN table, not the main */
	__u32 backend_id;	  /* the backend; 0 with candidates or none */
	__u32 hash, slot;	  /* HASH, CURSOR */
	int cpu;		  /* CURSOR */
	__u32 ring_size;
	__u32 n_cand; /* RANDOM, LEAST_CONN (capped) */
	__u32 n_cand_total;
	bool sampled; /* LEAST_CONN over > XLB_LC_SCAN backends */
	struct xlb_explain_cand cand[XLB_EXPLAIN_MAX_CAND];
};

/*
 * Explain a packet with flow key k. syn: a TCP SYN (scheduled afresh, the
 * flow table is not followed). cpu: whose round-robin cursor to use.
 */
int xlb_explain(struct xlb_dp *dp, const struct xlb_flow_key *k, bool syn,
		int cpu, struct xlb_explain *e);

const char *xlb_explain_how_name(enum xlb_explain_how how);

#endif /* XLB_EXPLAIN_H */
