// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Ring digests: nodes with the same config agree (whatever ids they gave
 * their backends), and a different seed or backend set shows.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "maglev.h"
#include "ring_digest.h"
#include "sched_ring.h"
#include "xlb_hash.h"
#include "test.h"

#define SIZE 251
#define N_BE 5

/* backend idx at 10.0.0.(1 + idx) with node-local id */
static void be_v4(struct xlb_maglev_backend *b, __u32 idx, __u32 id)
{
	memset(b, 0, sizeof(*b));
	b->id = id;
	b->family = XLB_FAMILY_V4;
	b->addr.v4 = htonl(0x0a000001U + idx);
	b->weight = 100;
}

/* 198.19.0.100:80/tcp */
static const struct xlb_svc_key web = {
	.vip.v4 = __builtin_bswap32(0xc6130064U),
	.port = __builtin_bswap16(80),
	.proto = 6,
	.family = XLB_FAMILY_V4,
};

/* A node's ring and digest: backends given ids base + i, in order ord. */
static bool node(__u32 seed, __u32 base, bool reverse, size_t n, __u32 *ring,
		 __u64 *digest)
{
	struct xlb_maglev_backend be[N_BE];

	for (size_t i = 0; i < n; i++) {
		size_t idx = reverse ? n - 1 - i : i;

		be_v4(&be[i], idx, base + i);
	}
	return ASSERT_OK(xlb_maglev_build(be, n, ring, SIZE), "maglev") &&
	       ASSERT_OK(xlb_ring_digest(&web, seed, XLB_SCHED_MAGLEV, ring,
					 SIZE, be, n, digest),
			 "digest");
}

TEST(ring_digest_same_config_same_digest)
{
	__u32 a[SIZE], b[SIZE];
	__u64 da, db;

	/* two nodes: other ids, other order of the backend list */
	if (!node(7, 1, false, N_BE, a, &da) ||
	    !node(7, 900, true, N_BE, b, &db))
		return;
	ASSERT_TRUE(memcmp(a, b, sizeof(a)) != 0, "the ids do differ");
	ASSERT_EQ(da, db, "same backends and seed: same digest");
}

TEST(ring_digest_differs)
{
	__u32 ring[SIZE];
	__u64 base, other_seed, fewer, none, lc_before, lc;
	struct xlb_maglev_backend be[N_BE];
	__u32 *lc_ring = NULL, lc_size = 0;

	if (!node(7, 1, false, N_BE, ring, &base) ||
	    !node(8, 1, false, N_BE, ring, &other_seed) ||
	    !node(7, 1, false, N_BE - 1, ring, &fewer))
		return;
	ASSERT_NE(base, other_seed, "another seed: another digest");
	ASSERT_NE(base, fewer, "one backend less: another digest");
	ASSERT_OK(xlb_ring_digest(&web, 7, XLB_SCHED_MAGLEV, NULL, 0, NULL, 0,
				  &none),
		  "no-backend digest");
	ASSERT_NE(base, none, "no backend: another digest");
	{
		struct xlb_svc_key other = web;
		__u64 d2;

		other.port = __builtin_bswap16(81);
		ASSERT_OK(xlb_ring_digest(&other, 7, XLB_SCHED_MAGLEV, ring,
					  SIZE, be, 0, &d2),
			  "other port");
		ASSERT_OK(xlb_ring_digest(&web, 7, XLB_SCHED_MAGLEV, ring, SIZE,
					  be, 0, &base),
			  "same ring");
		ASSERT_NE(base, d2, "another service key: another digest");
	}

	/* least-connections: the weight in each entry counts */
	for (int i = 0; i < N_BE; i++)
		be_v4(&be[i], i, i + 1);
	if (!ASSERT_OK(xlb_ring_lc_build(be, N_BE, &lc_ring, &lc_size), "lc"))
		return;
	ASSERT_OK(xlb_ring_digest(&web, 7, XLB_SCHED_LEAST_CONN, lc_ring,
				  lc_size, be, N_BE, &lc_before),
		  "lc digest");
	free(lc_ring);
	be[2].weight = 50;
	if (!ASSERT_OK(xlb_ring_lc_build(be, N_BE, &lc_ring, &lc_size), "lc"))
		return;
	ASSERT_OK(xlb_ring_digest(&web, 7, XLB_SCHED_LEAST_CONN, lc_ring,
				  lc_size, be, N_BE, &lc),
		  "lc digest");
	ASSERT_NE(lc_before, lc, "least-connections weight change shows");
	free(lc_ring);
}

/* Another seed sends flows elsewhere (same ring): what the digest warns of. */
TEST(ring_digest_seed_changes_backend_choice)
{
	__u32 ring[SIZE];
	__u64 d;
	int moved = 0;

	if (!node(7, 1, false, N_BE, ring, &d))
		return;
	for (int i = 0; i < 100; i++) {
		struct xlb_flow_key k = {
			.svc = { .port = htons(80),
				 .proto = 6,
				 .family = XLB_FAMILY_V4 },
			.sport = htons(10000 + i),
		};

		k.svc.vip.v4 = htonl(0xc6130064U);
		k.src.v4 = htonl(0xc6120002U + i);
		moved += ring[xlb_ring_slot(xlb_hash_flow(&k, 7), SIZE)] !=
			 ring[xlb_ring_slot(xlb_hash_flow(&k, 8), SIZE)];
	}
	/* 5 backends: a flow stays by chance about 1 time in 5 */
	ASSERT_RANGE(moved, 50, 100, "flows on another backend");
}

TEST(ring_digest_format)
{
	char buf[XLB_RING_DIGEST_STRLEN];

	xlb_ring_digest_format(0x0123456789abcdefULL, buf);
	ASSERT_STREQ(buf, "0123456789abcdef", "16 hex digits");
}
