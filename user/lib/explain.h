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

/* How the backend was chosen: X(NAME, "name xlb_explain_how_name gives"). */
#define XLB_EXPLAIN_HOWS(X)                                                   \
	X(NOT_VIP, "not-vip") /* no such service: passed to the kernel */     \
	X(FLOW, "flow")	      /* flow-table hit on a live backend */          \
	X(HASH, "hash")	      /* maglev / source-hash: hash -> slot */        \
	X(CURSOR, "cursor")   /* round-robin: the CPU's next slot */          \
	X(RANDOM, "random")   /* random slot: any candidate, by share */      \
	X(LEAST_CONN, "least-connections") /* one of the tied least loaded */ \
	X(NO_BACKEND, "no-backend")	   /* the service has none: dropped */

#define XLB_EXPLAIN_ENUM(name, str) XLB_EXPLAIN_##name,
enum xlb_explain_how {
	XLB_EXPLAIN_HOWS(XLB_EXPLAIN_ENUM)
};
#undef XLB_EXPLAIN_ENUM

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
	int svc_slot; /* its slot in XLB_MAP_SVC_SLOTS, -1: the hash map */
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
