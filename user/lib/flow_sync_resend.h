/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * When a node sends a live flow to its peers again (flow sync): a peer's
 * copy never sees the flow's packets, so it idles out there one timeout
 * after the last record of it arrived. The node's flow-table scan (and
 * NAT sweep) sends each flow it forwards again each time the flow's age
 * crosses a multiple of the resend period; the walk after the crossing
 * finds it, whatever the walks' spacing, and finds each crossing once.
 *
 * The guarantee: a copy lives as long as its flow lives on its node,
 * provided a walk comes at most twice the scan interval after the one
 * before it, and no record is lost or dropped over max_rate. The copy of
 * crossing k lives until at least k * period + timeout; the record of
 * crossing k + 1 is sent by (k + 1) * period + 2 * scan + batch_delay,
 * which the period keeps below that (see xlb_sync_resend_period).
 */
#ifndef XLB_FLOW_SYNC_RESEND_H
#define XLB_FLOW_SYNC_RESEND_H

#include <stdbool.h>
#include <linux/types.h>

/*
 * The resend period of flows with idle timeout @timeout_ms, walked every
 * @scan_ms and sent within @batch_ms: half the timeout, or timeout - 2 x
 * scan - batch if that is less; 1 (every walk) when nothing else keeps a
 * copy alive.
 */
__u64 xlb_sync_resend_period(__u32 timeout_ms, __u32 scan_ms, __u32 batch_ms);

/*
 * Is a flow of age @age_ms (since it was created) due, @gap_ms after the
 * walk's previous whole run? True when (age - gap, age] holds a positive
 * multiple of @period (the record sent when the flow was made is the
 * crossing at 0).
 */
bool xlb_sync_resend_due(__u64 age_ms, __u64 gap_ms, __u64 period);

#endif /* XLB_FLOW_SYNC_RESEND_H */
