// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The cluster hash seed (xlb_svc.hash_seed): the program hashes with the
 * seed of the service it found, so two nodes with the same seed and ring
 * send a flow to the same backend, and a node with another seed does not.
 */
#include <arpa/inet.h>
#include <stdio.h>

#include "harness.h"

#define SEED_A 0
#define SEED_B 0x5eed1234U
#define N_FLOWS 32

static bool publish(struct h *h, __u8 sched, __u32 seed, const __u32 *ring,
		    __u32 size)
{
	struct xlb_svc_key k;
	struct xlb_svc v = {
		.id = 1,
		.table_size = size,
		.sched = sched,
		.hash_seed = seed,
	};

	if (!h_svc_key(&k, H_VIP4, 80, IPPROTO_TCP))
		return false;
	return ASSERT_OK(xlb_dp_service_publish(&h->dp, &k, &v, ring, size),
			 "xlb_dp_service_publish");
}

/* Backend the program sends flow i's SYN to (0: not forwarded). */
static __u32 run_flow(struct h *h, int i, struct xlb_flow_key *k)
{
	char src[INET_ADDRSTRLEN];
	struct h_frame f = {
		.src = src,
		.dst = H_VIP4,
		.dport = 80,
		.flags = PKT_SYN,
		.sport = 20000 + i * 13,
	};
	struct h_result r;
	struct pkt in;

	snprintf(src, sizeof(src), "198.18.1.%d", 2 + i);
	h_build_in(&in, &f);
	if (!h_pkt_key(&in, k) || !h_run(h, &in, &r) || r.action != XDP_TX)
		return 0;
	return h_out_backend(h, &r);
}

static void check_sched(__u8 sched)
{
	const __u32 ring[7] = { 1, 2, 3, 4, 5, 6, 7 };
	__u32 got_a[N_FLOWS], got_b[N_FLOWS];
	struct xlb_flow_key k;
	int differ = 0;
	struct h h;

	if (!h_open(&h) || !h_backends_up(&h, 7))
		goto out;
	for (int pass = 0; pass < 2; pass++) {
		__u32 seed = pass ? SEED_B : SEED_A,
		      *got = pass ? got_b : got_a;

		if (!publish(&h, sched, seed, ring, 7))
			goto out;
		for (int i = 0; i < N_FLOWS; i++) {
			__u32 hash;

			got[i] = run_flow(&h, i, &k);
			hash = sched == XLB_SCHED_SOURCE_HASH
				       ? xlb_hash_addr(&k.src, k.svc.family,
						       seed)
				       : xlb_hash_flow(&k, seed);
			if (!ASSERT_EQ(got[i], ring[xlb_ring_slot(hash, 7)],
				       "program picks the seeded hash's slot"))
				goto out;
		}
	}
	for (int i = 0; i < N_FLOWS; i++)
		differ += got_a[i] != got_b[i];
	/* 7 backends: a flow keeps its backend by chance 1 time in 7 */
	ASSERT_TRUE(differ >= N_FLOWS / 2, "another seed moves most flows");
out:
	h_close(&h);
}

TEST(hash_seed_maglev)
{
	check_sched(XLB_SCHED_MAGLEV);
}

TEST(hash_seed_source_hash)
{
	check_sched(XLB_SCHED_SOURCE_HASH);
}
