// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A SYN flood must not break established connections. 10,000 established
 * flows on each of a maglev, a round-robin and a least-connections service,
 * then 3,000,000 SYNs from random sources through the real program, then
 * every established flow must still reach the backend it had. SYNs wait in
 * the unconfirmed-flow table, so the flood churns only that one.
 *
 * And the new-flow rate limit: beyond it a hashing service forwards
 * without pinning, the others drop, and both are counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <bpf/bpf.h>

#include "../lib/test.h"
#include "harness.h"

#define NBE 8
#define NEST 10000	 /* established flows per service */
#define NFLOOD 3000000UL /* SYNs in the flood */
#define FLOOD_SECONDS 45 /* bound on the flood's CPU time */

static const __u8 scheds[] = { XLB_SCHED_MAGLEV, XLB_SCHED_ROUND_ROBIN,
			       XLB_SCHED_LEAST_CONN };

/* Service id (sched) on H_VIP4:(79 + id) over backends 1..NBE. */
static bool publish(struct h *h, __u32 id, __u8 sched)
{
	__u32 w[NBE];

	for (int i = 0; i < NBE; i++)
		w[i] = 100;
	return h_publish_on(h, 79 + id, id, sched, w, NBE);
}

static struct h_frame est_flow(char *src, size_t len, int svc, int i,
			       __u8 flags)
{
	snprintf(src, len, "198.18.%d.%d", i / 250, 1 + i % 250);
	return (struct h_frame){
		.src = src,
		.dst = H_VIP4,
		.sport = 20000 + svc,
		.dport = 79 + svc,
		.flags = flags,
	};
}

/* Backend a packet of est flow (svc, i) reaches; 0: not forwarded. */
static __u32 est_send(struct h *h, int svc, int i, __u8 flags)
{
	char src[32];
	struct h_frame f = est_flow(src, sizeof(src), svc, i, flags);
	struct h_result r;
	struct pkt in;

	h_build_in(&in, &f);
	if (!h_run(h, &in, &r) || r.action != XDP_TX)
		return 0;
	return h_out_backend(h, &r);
}

/*
 * This thread's CPU time, the kernel's test runs included: the bound is
 * on what the flood costs, not on how long other work on a busy machine
 * keeps it off the CPU (by the wall clock, 3M SYNs took over 45 s with
 * both CPUs saturated).
 */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * n SYNs from random sources (100.64.0.0/10, random ports) to the three
 * services in turn. The frame is built once; each run rewrites the source
 * address, source and destination port in place (the program does not
 * check checksums). Returns the SYNs sent, stopping at the CPU-time bound.
 */
static unsigned long flood(struct h *h, unsigned long n, __u64 *tx)
{
	struct h_frame f = {
		.src = "100.64.0.1",
		.dst = H_VIP4,
		.sport = 1,
		.dport = 80,
		.flags = PKT_SYN,
	};
	const size_t ip = 14, l4 = 14 + 20;
	__u32 rnd = 2463534242u;
	struct pkt in;
	double t0 = now_s();
	unsigned long i;

	h_build_in(&in, &f);
	*tx = 0;
	for (i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in.data,
			    .data_size_in = in.len, .repeat = 1);
		__u32 a;

		rnd ^= rnd << 13;
		rnd ^= rnd >> 17;
		rnd ^= rnd << 5;
		a = htonl(0x64400000u | (rnd & 0x3fffff));
		memcpy(in.data + ip + 12, &a, 4);
		in.data[l4] = rnd >> 24;
		in.data[l4 + 1] = rnd >> 16 | 1;
		in.data[l4 + 3] = 80 + i % 3;
		if (bpf_prog_test_run_opts(h->dp.prog_fd, &o))
			break;
		*tx += o.retval == XDP_TX;
		if (!(i & 0xffff) && now_s() - t0 > FLOOD_SECONDS)
			break;
	}
	return i;
}

TEST(syn_flood_keeps_established_flows)
{
	static __u32 be_of[3][NEST];
	unsigned long sent;
	int moved[3] = { 0 }, lost[3] = { 0 };
	__u64 tx;
	struct h h;

	h_pin_cpu0();
	if (!h_open(&h) || !h_backends_up(&h, NBE))
		goto out;
	for (int s = 0; s < 3; s++)
		if (!publish(&h, s + 1, scheds[s]))
			goto out;
	for (int s = 0; s < 3; s++) {
		for (int i = 0; i < NEST; i++) {
			__u32 b = est_send(&h, s + 1, i, PKT_SYN);

			/* the handshake's ACK confirms the flow */
			if (!ASSERT_TRUE(b && est_send(&h, s + 1, i, PKT_ACK) ==
							 b,
					 "established flow set up"))
				goto out;
			be_of[s][i] = b;
		}
	}
	ASSERT_EQ(h_flow_count_main(&h), 3 * NEST, "all established confirmed");

	sent = flood(&h, NFLOOD, &tx);
	ASSERT_EQ(sent, NFLOOD, "the whole flood ran within its time bound");
	ASSERT_EQ(tx, sent, "every SYN of the flood forwarded");

	for (int s = 0; s < 3; s++) {
		for (int i = 0; i < NEST; i++) {
			__u32 b = est_send(&h, s + 1, i, PKT_ACK | PKT_PSH);

			lost[s] += !b;
			moved[s] += b && b != be_of[s][i];
		}
	}
	for (int s = 0; s < 3; s++) {
		char desc[96];

		snprintf(
			desc, sizeof(desc),
			"%s: established flows on their backend after the flood",
			xlb_sched_names[scheds[s]]);
		ASSERT_EQ(moved[s] + lost[s], 0, desc);
	}
	ASSERT_EQ(h_flow_count_main(&h), 3 * NEST,
		  "main table holds exactly the established flows");
out:
	h_close(&h);
}

TEST(new_flow_rate_limit)
{
	enum {
		LIMIT = 100,
		EXTRA = 50
	};
	struct h_frame f = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.flags = PKT_SYN,
	};
	int tx[2] = { 0 }, dropped[2] = { 0 };
	struct h_result r;
	struct pkt in;
	struct h h;

	h_pin_cpu0();
	if (!h_open(&h) || !h_backends_up(&h, NBE) ||
	    !publish(&h, 1, XLB_SCHED_MAGLEV) ||
	    !publish(&h, 2, XLB_SCHED_ROUND_ROBIN) ||
	    !ASSERT_OK(xlb_dp_flow_limit_set(&h.dp, LIMIT), "set the limit"))
		goto out;
	/* LIMIT new flows to maglev, then EXTRA to each: all over the limit */
	for (int i = 0; i < LIMIT + 2 * EXTRA; i++) {
		int s = i < LIMIT + EXTRA ? 0 : 1;

		f.sport = 1000 + i;
		f.dport = 80 + s;
		h_build_in(&in, &f);
		if (!h_run(&h, &in, &r))
			goto out;
		tx[s] += r.action == XDP_TX;
		dropped[s] += r.action == XDP_DROP;
	}
	ASSERT_EQ(tx[0], LIMIT + EXTRA, "maglev forwards all of them");
	ASSERT_EQ(h_flow_count(&h), LIMIT, "only the limit's worth pinned");
	ASSERT_EQ(h_stat(&h, XLB_STAT_FLOW_RATE_UNPINNED), EXTRA,
		  "maglev's excess counted as unpinned");
	ASSERT_EQ(dropped[1], EXTRA, "round-robin drops its excess");
	ASSERT_EQ(h_stat(&h, XLB_STAT_DROP_FLOW_RATE), EXTRA,
		  "round-robin's excess counted as dropped");

	/* established flows are not new: the limit never touches them */
	f.sport = 1000;
	f.dport = 80;
	f.flags = PKT_ACK;
	h_build_in(&in, &f);
	if (h_run(&h, &in, &r))
		ASSERT_EQ(r.action, XDP_TX, "a confirmed flow's ACK forwarded");

	ASSERT_OK(xlb_dp_flow_limit_set(&h.dp, 0), "lift the limit");
	f.sport = 9999;
	f.dport = 81;
	f.flags = PKT_SYN;
	h_build_in(&in, &f);
	if (h_run(&h, &in, &r))
		ASSERT_EQ(r.action, XDP_TX, "no limit: round-robin forwards");
out:
	h_close(&h);
}
