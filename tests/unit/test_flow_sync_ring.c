// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * How often xlbd reads the flow sync ring: batch_delay, shortened so that
 * two periods of max_rate records fit in the ring, never 0.
 */
#include "flow_sync_ring.h"
#include "test.h"

TEST(sync_ring_poll_ms)
{
	/* 1 MiB of 88-byte records */
	ASSERT_EQ(XLB_SYNC_RING_RECS, 11915, "records the ring holds");
	/* the defaults: batch_delay 5 ms, 100,000/s (59 ms would fit) */
	ASSERT_EQ(xlb_sync_ring_poll_ms(5, 100000), 5, "batch_delay");
	ASSERT_EQ(xlb_sync_ring_poll_ms(1000, 100000), 59, "what fits twice");
	ASSERT_TRUE(2ULL * 100000 * xlb_sync_ring_poll_ms(1000, 100000) /
				    1000 <=
			    XLB_SYNC_RING_RECS,
		    "two periods of max_rate fit");
	ASSERT_EQ(xlb_sync_ring_poll_ms(0, 100000), 1, "batch_delay 0: 1 ms");
	ASSERT_EQ(xlb_sync_ring_poll_ms(5, 10000000), 1, "max_rate 10M: 1 ms");
	ASSERT_EQ(xlb_sync_ring_poll_ms(5, 0), 5, "no rate given");
}
