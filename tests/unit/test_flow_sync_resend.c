// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Flow sync's resend schedule (flow_sync_resend.h): the period for the
 * usual timeouts, and, over walks spaced anywhere between 1 ms and twice
 * the scan interval, that every crossing is sent exactly once and each
 * record goes out before the copy of the one before can idle out on a
 * peer (the CI failure of scale_sync: a rule that sent a flow only when
 * a walk fell in the first scan interval of each half timeout missed
 * the flows whose walks straddled it).
 */
#include "flow_sync_resend.h"
#include "test.h"

TEST(flow_sync_resend_period)
{
	/* the lab: flow_timeout_tcp 6s, flow_scan_interval 1s, 5 ms */
	ASSERT_EQ(xlb_sync_resend_period(6000, 1000, 5), 3000, "lab");
	/* defaults: 300 s TCP, 30 s UDP, scan 5 s */
	ASSERT_EQ(xlb_sync_resend_period(300000, 5000, 5), 150000, "tcp");
	ASSERT_EQ(xlb_sync_resend_period(30000, 5000, 5), 15000, "udp");
	/* a slow scan against the timeout: less than half */
	ASSERT_EQ(xlb_sync_resend_period(10000, 4000, 5), 1995, "slow scan");
	/* no room: every walk */
	ASSERT_EQ(xlb_sync_resend_period(5000, 5000, 5), 1, "every walk");
	ASSERT_EQ(xlb_sync_resend_period(0, 1000, 5), 1, "no timeout");
}

TEST(flow_sync_resend_due)
{
	ASSERT_TRUE(!xlb_sync_resend_due(2999, 1000, 3000), "before");
	ASSERT_TRUE(xlb_sync_resend_due(3000, 1000, 3000), "at");
	ASSERT_TRUE(xlb_sync_resend_due(3999, 1000, 3000), "in");
	ASSERT_TRUE(!xlb_sync_resend_due(4000, 1000, 3000), "crossed before");
	/* a late walk: the crossing is still found */
	ASSERT_TRUE(xlb_sync_resend_due(4500, 1600, 3000), "late walk");
	/* a flow made after the previous walk: its creation is crossing 0 */
	ASSERT_TRUE(!xlb_sync_resend_due(500, 1000, 3000), "new flow");
	ASSERT_TRUE(!xlb_sync_resend_due(3000, 1000, 0), "no period");
}

static unsigned long long lcg = 12345;

static __u64 rnd(__u64 n)
{
	lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
	return (lcg >> 33) % n;
}

/* One flow over @walks walks; false at the first copy that would die. */
static bool simulate(__u32 timeout, __u32 scan, __u32 batch, int walks)
{
	__u64 period = xlb_sync_resend_period(timeout, scan, batch);
	__u64 w = rnd(scan), created = w + rnd(2 * scan), prev = 0;
	__u64 sent_at = created, n = 0, age = 0; /* its first record */

	for (int i = 0; i < walks; i++) {
		prev = w;
		w += 1 +
		     rnd(2 * scan); /* early, on time or a whole scan late */
		if (w < created)
			continue;
		age = w - created;
		if (!xlb_sync_resend_due(age, w - prev, period))
			continue;
		/* the next record, flushed late, against the last, early */
		if (!ASSERT_TRUE(w + batch <= sent_at + timeout, "copy alive"))
			return false;
		sent_at = w;
		n++;
	}
	/* walks closer than the period: each crossing its own walk */
	return period <= 2 * scan ||
	       ASSERT_EQ(n, age / period, "one record per crossing");
}

TEST(flow_sync_resend_copies_live)
{
	static const __u32 cases[][3] = {
		{ 6000, 1000, 5 },    { 6000, 1000, 1000 }, { 300000, 5000, 5 },
		{ 30000, 5000, 500 }, { 10000, 4000, 5 },   { 2000, 300, 5 },
	};

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		for (int flow = 0; flow < 2000; flow++)
			if (!simulate(cases[c][0], cases[c][1], cases[c][2],
				      200))
				return;
}
