// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Flow timestamps: the program stamps flows in jiffies (creation, last
 * packet) and user space reads the same clock (jclock.h) to age them.
 * Idle expiry and `xlbctl flows` depend on both agreeing.
 */
#include <time.h>
#include <netinet/in.h>

#include "../lib/test.h"
#include "harness.h"
#include "jclock.h"

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

TEST(flow_last_seen_moves_with_packets_and_matches_user_clock)
{
	const __u32 w[2] = { 100, 100 };
	struct h_frame f = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.sport = 5555,
		.dport = 80,
		.flags = PKT_SYN,
	};
	struct xlb_flow fl;
	struct h_result r;
	struct pkt in;
	__u64 before, after, idle;
	double t0, t1;
	int hz = xlb_hz();
	struct h h;

	if (!ASSERT_TRUE(hz == 100 || hz == 250 || hz == 300 || hz == 1000,
			 "kernel HZ measured"))
		return;
	if (!h_open(&h) || !h_backends_up(&h, 2) ||
	    !h_publish(&h, XLB_SCHED_MAGLEV, w, 2))
		goto out;
	ASSERT_OK(xlb_jiffies(&before), "jiffies");
	h_build_in(&in, &f);
	t0 = mono_ms();
	if (!h_run(&h, &in, &r) || !h_flow_lookup(&h, &in, &fl))
		goto out;
	ASSERT_OK(xlb_jiffies(&after), "jiffies");
	ASSERT_RANGE(fl.created, before, after, "created on the same clock");
	ASSERT_EQ(fl.seen, (__u32)fl.created, "seen at creation");

	sleep_ms(200);
	f.flags = PKT_ACK;
	h_build_in(&in, &f);
	t1 = mono_ms();
	if (!h_run(&h, &in, &r) || !h_flow_lookup(&h, &in, &fl))
		goto out;
	/* the time between the packets, within a jiffy either side */
	idle = xlb_jiffies_ms(fl.seen - (__u32)fl.created, hz);
	ASSERT_RANGE(idle, (__u64)(t1 - t0) - 2000 / hz - 5,
		     (__u64)(mono_ms() - t0) + 2000 / hz + 5,
		     "last seen advanced by the time between packets");
	ASSERT_EQ(fl.flags & XLB_FLOW_F_CLOSED, 0, "open");
	f.flags = PKT_FIN | PKT_ACK;
	h_build_in(&in, &f);
	if (h_run(&h, &in, &r) && h_flow_lookup(&h, &in, &fl))
		ASSERT_EQ(fl.flags & XLB_FLOW_F_CLOSED, XLB_FLOW_F_CLOSED,
			  "FIN closes the flow");
out:
	h_close(&h);
}
