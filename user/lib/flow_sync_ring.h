/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reading XLB_MAP_FLOW_SYNC. The program submits its records without a
 * wakeup (bpf/lib/maps.h says why), so a reader never hears of them: it
 * reads the ring on a timer. xlbd and xlb_bench read it at this period.
 */
#ifndef XLB_FLOW_SYNC_RING_H
#define XLB_FLOW_SYNC_RING_H

#include "xlb_abi.h"

/* Records the ring holds (each with the ring's 8-byte header). */
#define XLB_SYNC_RING_RECS \
	(XLB_FLOW_SYNC_RING_BYTES / (sizeof(struct xlb_sync_rec) + 8))

/*
 * Milliseconds between two reads for flow_sync's batch_delay @batch_ms
 * and max_rate @max_rate: batch_delay (a record waits for a datagram that
 * long already), but short enough that max_rate's records fit twice in
 * the ring between reads, and at least 1.
 */
__u32 xlb_sync_ring_poll_ms(__u32 batch_ms, __u32 max_rate);

#endif /* XLB_FLOW_SYNC_RING_H */
