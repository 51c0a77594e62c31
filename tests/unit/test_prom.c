// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The Prometheus text rendering (user/lib/prom.c): exact output of a
 * family, escaping of label values and HELP text, number formatting,
 * histograms (cumulative buckets, +Inf == _count), name validation and
 * the out-of-memory-free growth of the buffer.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"
#include "test.h"

static char *take(struct xlb_prom *p)
{
	return xlb_prom_take(p, NULL);
}

TEST(prom_family_and_samples)
{
	struct xlb_prom p;
	char *t;

	xlb_prom_init(&p);
	xlb_prom_family(&p, "xlb_backend_packets_total", XLB_PROM_COUNTER,
			"Packets forwarded to the backend.");
	xlb_prom_u64(
		&p, "xlb_backend_packets_total",
		XLB_PROM_L({ "service", "web" }, { "backend", "198.18.0.11" }),
		1027);
	xlb_prom_u64(
		&p, "xlb_backend_packets_total",
		XLB_PROM_L({ "service", "web" }, { "backend", "2001:2::12" }),
		18446744073709551615ULL);
	xlb_prom_family(&p, "xlb_uptime_seconds", XLB_PROM_GAUGE, "Up.");
	xlb_prom_double(&p, "xlb_uptime_seconds", XLB_PROM_NOLABELS, 12.5);
	ASSERT_TRUE(!p.bad && !p.oom, "no error");
	t = take(&p);
	ASSERT_STREQ(
		t,
		"# HELP xlb_backend_packets_total Packets forwarded to the backend.\n"
		"# TYPE xlb_backend_packets_total counter\n"
		"xlb_backend_packets_total{service=\"web\",backend=\"198.18.0.11\"} 1027\n"
		"xlb_backend_packets_total{service=\"web\",backend=\"2001:2::12\"} 18446744073709551615\n"
		"# HELP xlb_uptime_seconds Up.\n"
		"# TYPE xlb_uptime_seconds gauge\n"
		"xlb_uptime_seconds 12.5\n",
		"rendered text");
	free(t);
}

TEST(prom_escaping)
{
	struct xlb_prom p;
	char *t;

	xlb_prom_init(&p);
	xlb_prom_family(&p, "m", XLB_PROM_GAUGE,
			"back\\slash \"quotes\" stay\nnewline");
	xlb_prom_u64(&p, "m", XLB_PROM_L({ "v", "a\\b\"c\nd" }), 1);
	xlb_prom_u64(&p, "m", XLB_PROM_L({ "v", "" }), 2);
	xlb_prom_u64(&p, "m", XLB_PROM_L({ "v", NULL }), 3);
	xlb_prom_u64(&p, "m", XLB_PROM_L({ "v", "ünïcödé {}=," }), 4);
	t = take(&p);
	/* HELP escapes \ and newline only; label values also " */
	ASSERT_STREQ(t,
		     "# HELP m back\\\\slash \"quotes\" stay\\nnewline\n"
		     "# TYPE m gauge\n"
		     "m{v=\"a\\\\b\\\"c\\nd\"} 1\n"
		     "m{v=\"\"} 2\n"
		     "m{v=\"\"} 3\n"
		     "m{v=\"ünïcödé {}=,\"} 4\n",
		     "escaped text");
	free(t);
}

TEST(prom_doubles)
{
	static const struct {
		double v;
		const char *s;
	} cases[] = {
		{ 0, "0" },
		{ -0.0, "0" },
		{ 1, "1" },
		{ 0.1, "0.1" },
		{ 0.00025, "0.00025" },
		{ 2.5, "2.5" },
		{ -3, "-3" },
		{ 1e21, "1e+21" },
		{ 1700000000.123, "1700000000.123" },
		{ 1.0 / 3, "0.3333333333333333" },
		{ INFINITY, "+Inf" },
		{ -INFINITY, "-Inf" },
		{ NAN, "NaN" },
	};
	char b[40];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		xlb_prom_fmt_double(cases[i].v, b, sizeof(b));
		ASSERT_STREQ(b, cases[i].s, "formatted double");
		/* whatever is printed reads back to the same value */
		if (isfinite(cases[i].v))
			ASSERT_TRUE(strtod(b, NULL) == cases[i].v,
				    "round trip");
	}
}

TEST(prom_histogram)
{
	static const double bounds[] = { 0.001, 0.01, 0.1 };
	struct xlb_prom_hist h = {};
	struct xlb_prom p;
	char *t;

	xlb_prom_hist_observe(&h, bounds, 3, 0.0002);
	xlb_prom_hist_observe(&h, bounds, 3, 0.001); /* le is inclusive */
	xlb_prom_hist_observe(&h, bounds, 3, 0.05);
	xlb_prom_hist_observe(&h, bounds, 3, 7); /* above the last */
	ASSERT_EQ(h.count, 4, "count");
	ASSERT_EQ(h.counts[0], 2, "first bucket");
	ASSERT_EQ(h.counts[3], 1, "+Inf only");
	xlb_prom_init(&p);
	xlb_prom_family(&p, "d_seconds", XLB_PROM_HISTOGRAM, "D.");
	xlb_prom_hist(&p, "d_seconds", XLB_PROM_L({ "backend", "x" }), bounds,
		      3, &h);
	t = take(&p);
	ASSERT_STREQ(t,
		     "# HELP d_seconds D.\n"
		     "# TYPE d_seconds histogram\n"
		     "d_seconds_bucket{backend=\"x\",le=\"0.001\"} 2\n"
		     "d_seconds_bucket{backend=\"x\",le=\"0.01\"} 2\n"
		     "d_seconds_bucket{backend=\"x\",le=\"0.1\"} 3\n"
		     "d_seconds_bucket{backend=\"x\",le=\"+Inf\"} 4\n"
		     "d_seconds_sum{backend=\"x\"} 7.0512\n"
		     "d_seconds_count{backend=\"x\"} 4\n",
		     "histogram text");
	free(t);
}

TEST(prom_names)
{
	struct xlb_prom p;
	char *t;

	ASSERT_TRUE(xlb_prom_metric_name_ok("xlb_a:b_total"), "colon ok");
	ASSERT_TRUE(xlb_prom_metric_name_ok("_x9"), "underscore first");
	ASSERT_TRUE(!xlb_prom_metric_name_ok("9x"), "digit first");
	ASSERT_TRUE(!xlb_prom_metric_name_ok("a-b"), "dash");
	ASSERT_TRUE(!xlb_prom_metric_name_ok(""), "empty");
	ASSERT_TRUE(xlb_prom_label_name_ok("service"), "label ok");
	ASSERT_TRUE(!xlb_prom_label_name_ok("a:b"), "no colon in labels");
	ASSERT_TRUE(!xlb_prom_label_name_ok("__name__"), "reserved");
	xlb_prom_init(&p);
	xlb_prom_u64(&p, "bad name", XLB_PROM_NOLABELS, 1);
	xlb_prom_u64(&p, "ok", XLB_PROM_L({ "bad-label", "x" }), 1);
	xlb_prom_u64(&p, "ok", XLB_PROM_NOLABELS, 1);
	ASSERT_TRUE(p.bad, "bad names flagged");
	t = take(&p);
	ASSERT_STREQ(t, "ok 1\n", "invalid samples skipped");
	free(t);
}

TEST(prom_large)
{
	struct xlb_prom p;
	size_t len = 0, lines = 0;
	char v[32], *t;

	/* grows past the first allocation many times over */
	xlb_prom_init(&p);
	xlb_prom_family(&p, "x_total", XLB_PROM_COUNTER, "X.");
	for (int i = 0; i < 20000; i++) {
		snprintf(v, sizeof(v), "198.18.%d.%d", i / 256, i % 256);
		xlb_prom_u64(&p, "x_total", XLB_PROM_L({ "backend", v }), i);
	}
	t = xlb_prom_take(&p, &len);
	ASSERT_TRUE(t != NULL, "text");
	if (!t)
		return;
	ASSERT_EQ(strlen(t), len, "length");
	for (char *c = t; *c; c++)
		lines += *c == '\n';
	ASSERT_EQ(lines, 20002, "lines");
	ASSERT_CONTAINS(t, "x_total{backend=\"198.18.78.31\"} 19999\n",
			"last sample");
	free(t);
	/* an empty renderer gives an empty string, not NULL */
	xlb_prom_init(&p);
	t = xlb_prom_take(&p, &len);
	ASSERT_TRUE(t && !*t && !len, "empty text");
	free(t);
}
