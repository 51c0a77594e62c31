/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Full NAT's expiry (nat_sweep.c): the data plane never reuses an expired
 * flow's SNAT port for another flow (see the ABI), so user space deletes
 * the entries of flows idle past their state's timeout, which gives their
 * ports back to the pool.
 */
#ifndef XLB_NAT_SWEEP_H
#define XLB_NAT_SWEEP_H

#include "dataplane.h"

struct xlb_nat_sweep {
	__u64 flows;   /* forward entries seen */
	__u64 expired; /* flows deleted (forward and reverse entry) */
	__u64 orphans; /* reverse entries without their forward entry, deleted */
};

/*
 * A flow the walk keeps: @state as its timeout counts it, @idle jiffies
 * since its last packet in either direction, @timeout its state's.
 */
typedef void (*xlb_nat_live_fn)(void *ctx, const struct xlb_flow_key *k,
				const struct xlb_nat_fwd *f, __u8 state,
				__u32 idle, __u32 timeout);

/*
 * One walk of both NAT maps at @now (jiffies, low 32 bits): a flow whose
 * last packet in either direction is older than its state's timeout
 * (closing when either side sent FIN or RST) loses both entries, any
 * other goes to @live (if not NULL); a reverse entry whose forward entry
 * is gone (evicted) goes once idle past the closing timeout. -EOPNOTSUPP:
 * the program has no NAT maps.
 */
int xlb_dp_nat_sweep(struct xlb_dp *dp, __u32 now, xlb_nat_live_fn live,
		     void *ctx, struct xlb_nat_sweep *out);

#endif /* XLB_NAT_SWEEP_H */
