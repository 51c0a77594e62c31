// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Round-robin and weighted round-robin cycles. */
#include <errno.h>
#include <stdlib.h>

#include "sched_ring.h"
#include "test.h"

static void set_be(struct xlb_maglev_backend *b, __u32 id, __u8 last,
		   __u32 weight)
{
	memset(b, 0, sizeof(*b));
	b->id = id;
	b->family = XLB_FAMILY_V4;
	b->addr.bytes[0] = 198;
	b->addr.bytes[1] = 18;
	b->addr.bytes[3] = last;
	b->weight = weight;
}

TEST(sched_ring_wrr_interleaves_5_1_1)
{
	struct xlb_maglev_backend be[3];
	const __u32 want[] = { 1, 1, 2, 1, 3, 1, 1 }; /* a a b a c a a */
	__u32 *ring = NULL, size = 0;

	set_be(&be[0], 1, 11, 5);
	set_be(&be[1], 2, 12, 1);
	set_be(&be[2], 3, 13, 1);
	if (!ASSERT_OK(xlb_ring_rr_build(XLB_SCHED_WEIGHTED_RR, be, 3, &ring,
					 &size),
		       "build"))
		return;
	if (ASSERT_EQ(size, 7, "cycle length"))
		ASSERT_MEMEQ(ring, sizeof(*ring) * size, want, sizeof(want),
			     "smooth order");
	free(ring);
}

TEST(sched_ring_rr_in_turn_and_gcd)
{
	struct xlb_maglev_backend be[3];
	const __u32 want[] = { 7, 7, 8, 9 };
	__u32 *ring = NULL, size = 0;

	/* given out of address order, weights 200:100:100 reduce to 2:1:1 */
	set_be(&be[0], 9, 13, 100);
	set_be(&be[1], 7, 11, 200);
	set_be(&be[2], 8, 12, 100);
	if (!ASSERT_OK(xlb_ring_rr_build(XLB_SCHED_ROUND_ROBIN, be, 3, &ring,
					 &size),
		       "build"))
		return;
	if (ASSERT_EQ(size, 4, "cycle length"))
		ASSERT_MEMEQ(ring, sizeof(*ring) * size, want, sizeof(want),
			     "turns in address order");
	free(ring);
}

TEST(sched_ring_skips_drained_and_empty)
{
	struct xlb_maglev_backend be[3];
	__u32 *ring = NULL, size = 0;

	set_be(&be[0], 1, 11, 0);
	set_be(&be[1], 2, 12, 3);
	set_be(&be[2], 3, 13, 0);
	if (ASSERT_OK(xlb_ring_rr_build(XLB_SCHED_WEIGHTED_RR, be, 3, &ring,
					&size),
		      "build") &&
	    ASSERT_EQ(size, 1, "only the weighted one")) {
		ASSERT_EQ(ring[0], 2, "slot");
	}
	free(ring);
	be[1].weight = 0;
	ring = NULL;
	ASSERT_EQ(xlb_ring_rr_build(XLB_SCHED_ROUND_ROBIN, be, 3, &ring, &size),
		  -ENOENT, "all drained");
	ASSERT_EQ(xlb_ring_rr_build(XLB_SCHED_MAGLEV, be, 3, &ring, &size),
		  -EINVAL, "not a round-robin scheduler");
}

TEST(sched_ring_exact_over_cycle_and_capped)
{
	struct xlb_maglev_backend be[50];
	__u32 *ring = NULL, size = 0, count[51] = {};
	__u64 total = 0;

	for (int i = 0; i < 50; i++) {
		set_be(&be[i], i + 1, i + 1, 1000 + i * 997); /* coprime-ish */
		total += be[i].weight;
	}
	if (!ASSERT_OK(xlb_ring_rr_build(XLB_SCHED_WEIGHTED_RR, be, 50, &ring,
					 &size),
		       "build"))
		return;
	ASSERT_TRUE(size <= XLB_MAX_TABLE_SIZE, "cycle within the table limit");
	for (__u32 i = 0; i < size; i++)
		count[ring[i]]++;
	for (int i = 0; i < 50; i++) {
		double want = (double)be[i].weight / total * size;

		if (!ASSERT_RANGE(count[i + 1], want - 1, want + 1,
				  "share within one slot of its weight"))
			break;
	}
	free(ring);
}
