// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* How often XLB_MAP_FLOW_SYNC is read: see flow_sync_ring.h. */
#include "flow_sync_ring.h"

__u32 xlb_sync_ring_poll_ms(__u32 batch_ms, __u32 max_rate)
{
	__u64 fit = (__u64)XLB_SYNC_RING_RECS * 1000 / 2 /
		    (max_rate ? max_rate : 1);
	__u64 ms = batch_ms < fit ? batch_ms : fit;

	return ms ? (__u32)ms : 1;
}
