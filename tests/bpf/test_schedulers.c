// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The non-Maglev schedulers through the real program: which backend each
 * new flow lands on, for many synthetic flows. The cursor of the
 * round-robin schedulers is per CPU, so these tests pin themselves to one.
 */
#include <netinet/in.h>
#include <stdlib.h>

#include "../lib/test.h"
#include "harness.h"
#include "maglev.h"
#include "sched_ring.h"

/* Backend that new flow number i (distinct client port) lands on. */
static __u32 new_flow_backend(struct h *h, int i, bool v6)
{
	struct h_frame f = {
		.src = v6 ? "2001:2::2" : H_CLIENT4,
		.dst = v6 ? "2001:2:0:100::100" : H_VIP4,
		.sport = 10000 + i,
		.dport = 80,
		.flags = PKT_SYN,
	};
	struct h_result r;
	struct pkt in;

	h_build_in(&in, &f);
	if (!h_run(h, &in, &r) || r.action != XDP_TX)
		return 0;
	return h_out_backend(h, &r);
}

TEST(round_robin_cycles_exactly)
{
	const __u32 w[3] = { 100, 100, 100 };
	__u32 first = 0;
	struct h h;

	h_pin_cpu0();
	if (!h_open(&h) || !h_backends_up(&h, 3) ||
	    !h_publish(&h, XLB_SCHED_ROUND_ROBIN, w, 3))
		goto out;
	for (int i = 0; i < 30; i++) {
		__u32 be = new_flow_backend(&h, i, false);

		if (!i)
			first = be;
		/* 1 2 3 1 2 3 ... from wherever the cursor starts */
		if (!ASSERT_EQ(be, (first - 1 + i) % 3 + 1, "backend in turn"))
			break;
	}
out:
	h_close(&h);
}

TEST(weighted_round_robin_exact_and_interleaved)
{
	const __u32 w[3] = { 5, 1, 1 };
	__u32 seq[70], count[4] = {};
	int run = 0, max_run = 0;
	struct h h;

	h_pin_cpu0();
	if (!h_open(&h) || !h_backends_up(&h, 3) ||
	    !h_publish(&h, XLB_SCHED_WEIGHTED_RR, w, 3))
		goto out;
	for (int i = 0; i < 70; i++) {
		seq[i] = new_flow_backend(&h, i, false);
		if (!ASSERT_TRUE(seq[i] >= 1 && seq[i] <= 3, "forwarded"))
			goto out;
		count[seq[i]]++;
		run = seq[i] == 1 ? run + 1 : 0;
		max_run = run > max_run ? run : max_run;
	}
	/* 10 cycles of 7: exactly 50/10/10 */
	ASSERT_EQ(count[1], 50, "weight 5");
	ASSERT_EQ(count[2], 10, "weight 1");
	ASSERT_EQ(count[3], 10, "weight 1");
	/*
	 * A fresh cursor starts at slot 0: the first cycle is the smooth
	 * order a a b a c a a, not a a a a a b c. Across two cycles the a's
	 * run to 4 (a a | a a), never to the 5 of the naive order.
	 */
	{
		const __u32 smooth[7] = { 1, 1, 2, 1, 3, 1, 1 };

		ASSERT_MEMEQ(seq, sizeof(smooth), smooth, sizeof(smooth),
			     "first cycle interleaved");
	}
	ASSERT_TRUE(max_run <= 4, "no run of five");
	for (int i = 7; i < 70; i++)
		if (!ASSERT_EQ(seq[i], seq[i - 7], "same order every cycle"))
			break;
out:
	h_close(&h);
}

TEST(random_matches_weights)
{
	/*
	 * 4000 flows, weights 1:3: backend 2 expects 3000, standard
	 * deviation sqrt(4000 * 0.75 * 0.25) = 27.4; allow 4 of them.
	 */
	const __u32 w[2] = { 100, 300 };
	__u32 count[3] = {};
	struct h h;

	if (!h_open(&h) || !h_backends_up(&h, 2) ||
	    !h_publish(&h, XLB_SCHED_RANDOM, w, 2))
		goto out;
	for (int i = 0; i < 4000; i++)
		count[new_flow_backend(&h, i, false)]++;
	ASSERT_EQ(count[0], 0, "every flow forwarded");
	ASSERT_RANGE(count[2], 3000 - 110, 3000 + 110, "weight 3 share");
out:
	h_close(&h);
}

TEST(random_is_not_the_flow_hash)
{
	/* the same tuple, re-sent as new SYNs, must not always land alike */
	const __u32 w[2] = { 100, 100 };
	__u32 count[3] = {};
	struct h h;

	if (!h_open(&h) || !h_backends_up(&h, 2) ||
	    !h_publish(&h, XLB_SCHED_RANDOM, w, 2))
		goto out;
	for (int i = 0; i < 64; i++)
		count[new_flow_backend(&h, 0, false)]++;
	ASSERT_TRUE(count[1] && count[2], "both backends chosen");
out:
	h_close(&h);
}

TEST(schedulers_skip_drained_backend)
{
	static const __u8 scheds[] = {
		XLB_SCHED_MAGLEV,      XLB_SCHED_SOURCE_HASH,
		XLB_SCHED_ROUND_ROBIN, XLB_SCHED_WEIGHTED_RR,
		XLB_SCHED_RANDOM,      XLB_SCHED_LEAST_CONN
	};
	/* backend 2 drained (weight 0): xlbd builds rings without it */
	const __u32 w[3] = { 100, 0, 100 };

	h_pin_cpu0();
	for (size_t s = 0; s < sizeof(scheds); s++) {
		__u32 count[4] = {};
		struct h h;

		if (!h_open(&h) || !h_backends_up(&h, 3) ||
		    !h_publish(&h, scheds[s], w, 3)) {
			h_close(&h);
			return;
		}
		for (int i = 0; i < 300; i++)
			count[new_flow_backend(&h, i, false)]++;
		ASSERT_EQ(count[2], 0, xlb_sched_names[scheds[s]]);
		ASSERT_EQ(count[0], 0, "every flow forwarded");
		if (scheds[s] != XLB_SCHED_SOURCE_HASH)
			ASSERT_TRUE(count[1] && count[3], "both others used");
		h_close(&h);
	}
}

TEST(source_hash_keeps_source_spreads_sources)
{
	const __u32 w[4] = { 100, 100, 100, 100 };
	__u32 count[5] = {};
	struct h h;

	if (!h_open(&h) || !h_backends_up(&h, 4) ||
	    !h_publish(&h, XLB_SCHED_SOURCE_HASH, w, 4))
		goto out;
	/* 400 sources, 3 ports each: each source on one backend */
	for (int s = 0; s < 400; s++) {
		char src[32];
		__u32 be0 = 0;

		snprintf(src, sizeof(src), "198.18.%d.%d", 1 + s / 200,
			 1 + s % 200);
		for (int p = 0; p < 3; p++) {
			struct h_frame f = {
				.src = src,
				.dst = H_VIP4,
				.sport = 20000 + p,
				.dport = 80,
				.flags = PKT_SYN,
			};
			struct h_result r;
			struct pkt in;
			__u32 be;

			h_build_in(&in, &f);
			if (!h_run(&h, &in, &r))
				goto out;
			be = h_out_backend(&h, &r);
			if (!p)
				be0 = be;
			else if (!ASSERT_EQ(be, be0,
					    "same source, same backend"))
				goto out;
		}
		count[be0]++;
	}
	/* 100 expected each; sd about 8.7 */
	for (int b = 1; b <= 4; b++)
		ASSERT_RANGE(count[b], 100 - 35, 100 + 35, "sources spread");
out:
	h_close(&h);
}

/* One packet of flow i (client port 10000 + i) with TCP flags. */
static __u32 flow_packet(struct h *h, int i, __u8 flags)
{
	struct h_frame f = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.sport = 10000 + i,
		.dport = 80,
		.flags = flags,
	};
	struct h_result r;
	struct pkt in;

	h_build_in(&in, &f);
	if (!h_run(h, &in, &r) || r.action != XDP_TX)
		return 0;
	return h_out_backend(h, &r);
}

static __s64 conns(struct h *h, __u32 id)
{
	__s64 c = -1000;

	xlb_dp_conns_get(&h->dp, id, &c);
	return c;
}

TEST(least_conn_fills_the_less_loaded_backend_then_alternates)
{
	const __u32 only1[2] = { 100, 0 }, both[2] = { 100, 100 };
	struct h h;
	int i;

	if (!h_open(&h) || !h_backends_up(&h, 2) ||
	    !h_publish(&h, XLB_SCHED_LEAST_CONN, only1, 2))
		goto out;
	/* 20 long-lived connections on backend 1 while it is alone */
	for (i = 0; i < 20; i++)
		if (!ASSERT_EQ(flow_packet(&h, i, PKT_SYN), 1, "alone"))
			goto out;
	ASSERT_EQ(conns(&h, 1), 20, "backend 1 counts its flows");
	if (!h_publish(&h, XLB_SCHED_LEAST_CONN, both, 2))
		goto out;
	/* every new flow goes to backend 2 until the counts are even */
	for (; i < 40; i++)
		if (!ASSERT_EQ(flow_packet(&h, i, PKT_SYN), 2, "less loaded"))
			goto out;
	/* then neither gets ahead of the other by more than one */
	for (; i < 100; i++) {
		flow_packet(&h, i, PKT_SYN);
		if (!ASSERT_RANGE(conns(&h, 1) - conns(&h, 2), -1, 1,
				  "counts stay even"))
			goto out;
	}
	ASSERT_EQ(conns(&h, 1) + conns(&h, 2), 100, "one count per flow");
	/* established packets follow the flow table, not the counts */
	ASSERT_EQ(flow_packet(&h, 0, PKT_ACK), 1, "flow keeps its backend");
	ASSERT_EQ(conns(&h, 1) + conns(&h, 2), 100, "ACK counts nothing");
out:
	h_close(&h);
}

TEST(least_conn_fin_and_rst_release_once)
{
	const __u32 w[2] = { 100, 100 };
	__u32 be[10];
	struct h h;

	if (!h_open(&h) || !h_backends_up(&h, 2) ||
	    !h_publish(&h, XLB_SCHED_LEAST_CONN, w, 2))
		goto out;
	for (int i = 0; i < 10; i++)
		be[i] = flow_packet(&h, i, PKT_SYN);
	ASSERT_EQ(conns(&h, 1), 5, "even split");
	ASSERT_EQ(conns(&h, 2), 5, "even split");
	/* close every flow of backend 1: FIN, a retransmitted FIN, RST */
	for (int i = 0; i < 10; i++) {
		if (be[i] != 1)
			continue;
		ASSERT_EQ(flow_packet(&h, i, PKT_FIN | PKT_ACK), 1, "FIN fwd");
		flow_packet(&h, i, PKT_FIN | PKT_ACK);
		ASSERT_EQ(flow_packet(&h, i, PKT_RST), 1, "RST fwd");
	}
	ASSERT_EQ(conns(&h, 1), 0, "closed once each");
	ASSERT_EQ(conns(&h, 2), 5, "other backend untouched");
	/* the freed backend takes the next five */
	for (int i = 10; i < 15; i++)
		ASSERT_EQ(flow_packet(&h, i, PKT_SYN), 1, "freed backend");
	/* a retransmitted SYN replaces its flow: still one count */
	flow_packet(&h, 10, PKT_SYN);
	flow_packet(&h, 10, PKT_SYN);
	ASSERT_EQ(conns(&h, 1) + conns(&h, 2), 10, "SYN retransmit");
out:
	h_close(&h);
}

TEST(least_conn_long_lived_flows_follow_weights)
{
	/* all flows stay open: counts settle at 3:1, within one flow */
	const __u32 w[2] = { 300, 100 };
	struct h h;

	if (!h_open(&h) || !h_backends_up(&h, 2) ||
	    !h_publish(&h, XLB_SCHED_LEAST_CONN, w, 2))
		goto out;
	for (int i = 0; i < 400; i++)
		if (!ASSERT_TRUE(flow_packet(&h, i, PKT_SYN), "forwarded"))
			goto out;
	ASSERT_RANGE(conns(&h, 1), 299, 301, "weight 3");
	ASSERT_RANGE(conns(&h, 2), 99, 101, "weight 1");
out:
	h_close(&h);
}

TEST(least_conn_samples_large_services)
{
	/*
	 * 60 backends, more than XLB_LC_SCAN: each new flow compares a
	 * random window; with every flow open, no backend may end far
	 * from the mean of 10 (a full-random choice spreads ~ +-10).
	 */
	__u32 w[60];
	struct xlb_maglev_backend be[60];
	__u32 *ring = NULL, size, max = 0;
	struct h h;

	for (int i = 0; i < 60; i++) {
		w[i] = 100;
		h_maglev_backend(&be[i], i + 1, w[i]);
	}
	if (!h_open(&h) || !h_backends_up(&h, 60) ||
	    !ASSERT_OK(xlb_ring_lc_build(be, 60, &ring, &size), "list") ||
	    !h_service_sched(&h, H_VIP4, 80, IPPROTO_TCP, 1,
			     XLB_SCHED_LEAST_CONN, ring, size))
		goto out;
	ASSERT_EQ(size, 60, "one slot per backend");
	for (int i = 0; i < 600; i++)
		if (!ASSERT_TRUE(flow_packet(&h, i, PKT_SYN), "forwarded"))
			goto out;
	for (int i = 1; i <= 60; i++)
		max = (__u32)conns(&h, i) > max ? (__u32)conns(&h, i) : max;
	ASSERT_TRUE(max <= 12, "window keeps the spread tight");
out:
	free(ring);
	h_close(&h);
}

TEST(least_conn_breaks_ties_evenly)
{
	/*
	 * Backend 1 holds 20 open flows; 600 short flows (SYN, then RST)
	 * find backends 2 and 3 tied at 0 every time. Each should get half:
	 * sd = sqrt(600 / 4) = 12.2; allow 5 of them. (A tie-break by scan
	 * order would favour whichever follows the loaded one: 2/3 vs 1/3.)
	 */
	const __u32 only1[3] = { 100, 0, 0 }, all[3] = { 100, 100, 100 };
	__u32 count[4] = {};
	struct h h;
	int i;

	if (!h_open(&h) || !h_backends_up(&h, 3) ||
	    !h_publish(&h, XLB_SCHED_LEAST_CONN, only1, 3))
		goto out;
	for (i = 0; i < 20; i++)
		flow_packet(&h, i, PKT_SYN);
	if (!h_publish(&h, XLB_SCHED_LEAST_CONN, all, 3))
		goto out;
	for (; i < 620; i++) {
		__u32 be = flow_packet(&h, i, PKT_SYN);

		count[be]++;
		flow_packet(&h, i, PKT_RST);
	}
	ASSERT_EQ(count[1], 0, "loaded backend gets none");
	ASSERT_RANGE(count[2], 300 - 61, 300 + 61, "half of the ties");
	ASSERT_RANGE(count[3], 300 - 61, 300 + 61, "half of the ties");
	ASSERT_EQ(conns(&h, 2) + conns(&h, 3), 0, "every short flow closed");
out:
	h_close(&h);
}
