// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xlbctl stats --watch (ctl_watch.c): rates from two snapshots, counter
 * resets, services and backends coming and going, text and JSON output,
 * argument parsing (directly and through xlbctl's command line), and the
 * refresh loop against a scripted fake daemon in a forked child.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_cli.h"
#include "ctl_watch.h"
#include "../lib/test.h"

static struct json_object *jget(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

/* rates["services"][svc] or its backend be (be < 0: the service). */
static struct json_object *entry(struct json_object *rates, int svc, int be)
{
	struct json_object *s =
		json_object_array_get_idx(jget(rates, "services"), svc);

	return be < 0 ? s : json_object_array_get_idx(jget(s, "backends"), be);
}

static double num(struct json_object *o, const char *key)
{
	struct json_object *v = jget(o, key);

	return v ? json_object_get_double(v) : NAN;
}

static const char snap0[] =
	"{\"global\": {\"tx\": 1000, \"redirect\": 0, \"drop_malformed\": 7},"
	" \"services\": [{\"name\": \"web\", \"packets\": 1000,"
	"  \"bytes\": 100000, \"new_flows\": 10, \"backends\": ["
	"   {\"address\": \"198.18.0.11\", \"packets\": 600, \"bytes\": 60000,"
	"    \"new_flows\": 6, \"health_transitions\": 0},"
	"   {\"address\": \"198.18.0.12\", \"packets\": 400, \"bytes\": 40000,"
	"    \"new_flows\": 4, \"health_transitions\": 0}]}]}";

/* 2 s later: web +400 packets, be1 +300, be2 +100; drops +3. */
static const char snap1[] =
	"{\"global\": {\"tx\": 1400, \"redirect\": 0, \"drop_malformed\": 10},"
	" \"services\": [{\"name\": \"web\", \"packets\": 1400,"
	"  \"bytes\": 140000, \"new_flows\": 14, \"backends\": ["
	"   {\"address\": \"198.18.0.11\", \"packets\": 900, \"bytes\": 90000,"
	"    \"new_flows\": 9, \"health_transitions\": 0},"
	"   {\"address\": \"198.18.0.12\", \"packets\": 500, \"bytes\": 50000,"
	"    \"new_flows\": 5, \"health_transitions\": 0}]}]}";

static struct json_object *rates_of(const char *a, const char *b,
				    double elapsed)
{
	struct json_object *p = json_tokener_parse(a);
	struct json_object *c = json_tokener_parse(b);
	struct json_object *r = NULL;

	if (p && c)
		r = xlb_watch_rates(p, c, elapsed, "2025-06-01T14:03:07+02:00",
				    0.5);
	json_object_put(p);
	json_object_put(c);
	return r;
}

TEST(watch_rates_two_snapshots)
{
	struct json_object *r = rates_of(snap0, snap1, 2.0), *g;

	if (!ASSERT_TRUE(r, "rates"))
		return;
	ASSERT_STREQ(json_object_get_string(jget(r, "time")),
		     "2025-06-01T14:03:07+02:00", "time");
	ASSERT_EQ(num(r, "interval") * 10, 5, "interval");
	ASSERT_EQ(num(r, "elapsed"), 2, "elapsed");
	g = jget(r, "global");
	ASSERT_EQ(json_object_object_length(g), 3, "every global counter");
	ASSERT_EQ(num(g, "tx"), 200, "tx/s");
	ASSERT_EQ(num(g, "redirect"), 0, "redirect/s");
	ASSERT_EQ(num(g, "drop_malformed") * 10, 15, "drop_malformed/s");
	ASSERT_EQ(json_object_array_length(jget(r, "services")), 1, "1 svc");
	ASSERT_STREQ(json_object_get_string(jget(entry(r, 0, -1), "name")),
		     "web", "name");
	ASSERT_EQ(num(entry(r, 0, -1), "packets"), 200, "web packets/s");
	ASSERT_EQ(num(entry(r, 0, -1), "bytes"), 20000, "web bytes/s");
	ASSERT_EQ(num(entry(r, 0, -1), "bits"), 160000, "web bits/s");
	ASSERT_EQ(num(entry(r, 0, -1), "new_flows"), 2, "web flows/s");
	ASSERT_STREQ(json_object_get_string(jget(entry(r, 0, 0), "address")),
		     "198.18.0.11", "be1 address");
	ASSERT_EQ(num(entry(r, 0, 0), "packets"), 150, "be1 packets/s");
	ASSERT_EQ(num(entry(r, 0, 0), "bytes"), 15000, "be1 bytes/s");
	ASSERT_EQ(num(entry(r, 0, 0), "new_flows") * 10, 15, "be1 flows/s");
	ASSERT_EQ(num(entry(r, 0, 1), "packets"), 50, "be2 packets/s");
	ASSERT_TRUE(!jget(entry(r, 0, 0), "health_transitions"), "only rates");
	json_object_put(r);

	/* The same snapshot twice: all 0. Rates round to 0.1. */
	r = rates_of(snap1, snap1, 0.5);
	if (ASSERT_TRUE(r, "rates")) {
		ASSERT_EQ(num(jget(r, "global"), "tx"), 0, "tx/s idle");
		ASSERT_EQ(num(entry(r, 0, -1), "packets"), 0, "idle");
		ASSERT_EQ(num(entry(r, 0, 1), "bits"), 0, "idle be2");
	}
	json_object_put(r);
	r = rates_of(snap0, snap1, 3.0);
	if (ASSERT_TRUE(r, "rates"))
		ASSERT_EQ(num(jget(r, "global"), "tx") * 10, 1333,
			  "400/3 rounded to 0.1");
	json_object_put(r);

	/* Elapsed must be positive. */
	ASSERT_TRUE(!rates_of(snap0, snap1, 0), "elapsed 0");
	ASSERT_TRUE(!rates_of(snap0, snap1, -1), "elapsed < 0");
	ASSERT_TRUE(!rates_of(snap0, snap1, NAN), "elapsed NaN");
}

TEST(watch_rates_counter_reset)
{
	/* be1 deleted and re-added (counters from 0), tx map recreated. */
	static const char later[] =
		"{\"global\": {\"tx\": 50, \"redirect\": 0, \"drop_malformed\": 12},"
		" \"services\": [{\"name\": \"web\", \"packets\": 1500,"
		"  \"bytes\": 150000, \"new_flows\": 15, \"backends\": ["
		"   {\"address\": \"198.18.0.11\", \"packets\": 20,"
		"    \"bytes\": 99999, \"new_flows\": 1},"
		"   {\"address\": \"198.18.0.12\", \"packets\": 600,"
		"    \"bytes\": 60000, \"new_flows\": 6}]}]}";
	struct json_object *r = rates_of(snap1, later, 1.0);

	if (!ASSERT_TRUE(r, "rates"))
		return;
	ASSERT_EQ(num(jget(r, "global"), "tx"), 0, "tx went backwards: 0");
	ASSERT_EQ(num(jget(r, "global"), "drop_malformed"), 2,
		  "other global counters still count");
	/* Packets went backwards: every rate of the entry is 0, even bytes. */
	ASSERT_EQ(num(entry(r, 0, 0), "packets"), 0, "reset be packets");
	ASSERT_EQ(num(entry(r, 0, 0), "bytes"), 0, "reset be bytes");
	ASSERT_EQ(num(entry(r, 0, 0), "bits"), 0, "reset be bits");
	ASSERT_EQ(num(entry(r, 0, 0), "new_flows"), 0, "reset be flows");
	ASSERT_EQ(num(entry(r, 0, 1), "packets"), 100, "be2 unaffected");
	ASSERT_EQ(num(entry(r, 0, -1), "packets"), 100, "service unaffected");
	json_object_put(r);

	/* Near 2^63: no overflow into a huge or negative rate. */
	r = rates_of("{\"global\": {\"tx\": 9223372036854775807}}",
		     "{\"global\": {\"tx\": 5}}", 0.5);
	if (ASSERT_TRUE(r, "rates"))
		ASSERT_EQ(num(jget(r, "global"), "tx"), 0, "huge -> small");
	json_object_put(r);
}

TEST(watch_rates_entries_come_and_go)
{
	/*
	 * be2 gone, be3 new, service "dns" new, service "old" gone; a
	 * backend moved to another service counts as new there.
	 */
	static const char before[] =
		"{\"global\": {}, \"services\": ["
		" {\"name\": \"old\", \"packets\": 5, \"bytes\": 5, \"new_flows\": 5,"
		"  \"backends\": [{\"address\": \"198.18.0.13\", \"packets\": 5,"
		"   \"bytes\": 5, \"new_flows\": 5}]},"
		" {\"name\": \"web\", \"packets\": 10, \"bytes\": 1000, \"new_flows\": 1,"
		"  \"backends\": ["
		"   {\"address\": \"198.18.0.11\", \"packets\": 10, \"bytes\": 1000,"
		"    \"new_flows\": 1},"
		"   {\"address\": \"198.18.0.12\", \"packets\": 0, \"bytes\": 0,"
		"    \"new_flows\": 0}]}]}";
	static const char after[] =
		"{\"global\": {\"tx\": 70}, \"services\": ["
		" {\"name\": \"web\", \"packets\": 20, \"bytes\": 2000, \"new_flows\": 2,"
		"  \"backends\": ["
		"   {\"address\": \"198.18.0.11\", \"packets\": 15, \"bytes\": 1500,"
		"    \"new_flows\": 1},"
		"   {\"address\": \"198.18.0.13\", \"packets\": 5000,"
		"    \"bytes\": 500000, \"new_flows\": 50}]},"
		" {\"name\": \"dns\", \"packets\": 700, \"bytes\": 70000,"
		"  \"new_flows\": 70, \"backends\": ["
		"   {\"address\": \"198.18.0.11\", \"packets\": 700,"
		"    \"bytes\": 70000, \"new_flows\": 70}]}]}";
	struct json_object *r = rates_of(before, after, 1.0);

	if (!ASSERT_TRUE(r, "rates"))
		return;
	ASSERT_EQ(json_object_object_length(jget(r, "global")), 1, "tx only");
	ASSERT_EQ(num(jget(r, "global"), "tx"), 0, "counter new: 0");
	ASSERT_EQ(json_object_array_length(jget(r, "services")), 2,
		  "the later snapshot's services");
	ASSERT_STREQ(json_object_get_string(jget(entry(r, 0, -1), "name")),
		     "web", "order of the later snapshot");
	ASSERT_EQ(num(entry(r, 0, -1), "packets"), 10, "web");
	ASSERT_EQ(json_object_array_length(jget(entry(r, 0, -1), "backends")),
		  2, "web's backends now");
	ASSERT_EQ(num(entry(r, 0, 0), "packets"), 5, "be1 kept");
	ASSERT_STREQ(json_object_get_string(jget(entry(r, 0, 1), "address")),
		     "198.18.0.13", "be3");
	ASSERT_EQ(num(entry(r, 0, 1), "packets"), 0, "be3 new: 0");
	ASSERT_EQ(num(entry(r, 0, 1), "bytes"), 0, "be3 new: 0 bytes");
	ASSERT_EQ(num(entry(r, 1, -1), "packets"), 0, "dns new: 0");
	ASSERT_EQ(num(entry(r, 1, 0), "packets"), 0,
		  "backend new in this service: 0");
	json_object_put(r);

	/* A daemon leaving fields out: no crash, rates 0. */
	r = rates_of("{}", "{\"services\": [{\"backends\": [{}]}]}", 1.0);
	if (ASSERT_TRUE(r, "rates from partial data")) {
		ASSERT_EQ(num(entry(r, 0, -1), "packets"), 0, "no counters");
		ASSERT_STREQ(
			json_object_get_string(jget(entry(r, 0, 0), "address")),
			"?", "no address");
	}
	json_object_put(r);
}

TEST(watch_fmt_rate)
{
	static const struct {
		double v;
		const char *s;
	} cases[] = {
		{ 0, "0" },	    { 0.04, "0" },	 { -5, "0" },
		{ NAN, "0" },	    { 0.05, "0.1" },	 { 12.34, "12.3" },
		{ 999.9, "999.9" }, { 999.96, "1.0k" },	 { 1234, "1.2k" },
		{ 18000, "18.0k" }, { 5e6, "5.0M" },	 { 144e6, "144.0M" },
		{ 2.5e9, "2.5G" },  { 1e21, "1000.0E" },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		xlb_watch_fmt_rate(cases[i].v, buf, sizeof(buf));
		ASSERT_STREQ(buf, cases[i].s, cases[i].s);
	}
}

/* Render into a string. */
static char *render(struct json_object *r, bool json)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int ret;

	if (!f)
		return NULL;
	ret = json ? xlb_watch_render_json(r, f) : xlb_watch_render_text(r, f);
	fclose(f);
	if (ret) {
		free(out);
		return NULL;
	}
	return out;
}

TEST(watch_render)
{
	struct json_object *r = rates_of(snap0, snap1, 2.0), *back = NULL;
	char *out = NULL;

	if (!ASSERT_TRUE(r, "rates"))
		return;
	out = render(r, false);
	ASSERT_STREQ(out,
		     "xlb stats  2025-06-01T14:03:07+02:00  every 0.5s\n"
		     "\n"
		     "COUNTER       /s  COUNTER             /s\n"
		     "tx         200.0  drop_malformed     1.5\n"
		     "redirect       0\n"
		     "\n"
		     "SERVICE         PKT/s  BYTES/s   BIT/s  NEW_FLOWS/s\n"
		     "web             200.0    20.0k  160.0k          2.0\n"
		     "  198.18.0.11   150.0    15.0k  120.0k          1.5\n"
		     "  198.18.0.12    50.0     5.0k   40.0k          0.5\n",
		     "text");
	ASSERT_TRUE(out && !strchr(out, '\033'), "no escape codes");
	free(out);

	/* JSON: one line, the rates object itself. */
	out = render(r, true);
	if (ASSERT_TRUE(out, "json")) {
		ASSERT_EQ(strchr(out, '\n') - out, (long)strlen(out) - 1,
			  "one line");
		ASSERT_CONTAINS(out, "\"interval\":0.5,\"elapsed\":2.000,",
				"short numbers");
		ASSERT_CONTAINS(out, "\"tx\":200.0,", "rate with one decimal");
		back = json_tokener_parse(out);
		ASSERT_TRUE(back && json_object_equal(back, r), "parses back");
	}
	free(out);
	json_object_put(back);
	json_object_put(r);

	r = rates_of("{\"global\": {}, \"services\": []}",
		     "{\"global\": {}, \"services\": []}", 1.0);
	out = render(r, false);
	ASSERT_STREQ(out,
		     "xlb stats  2025-06-01T14:03:07+02:00  every 0.5s\n"
		     "\n"
		     "no services\n",
		     "no services");
	free(out);
	json_object_put(r);
}

/* Arguments */

TEST(watch_parse_interval)
{
	static const struct {
		const char *s;
		double v;
	} good[] = {
		{ "1", 1 },  { "0.5", 0.5 }, { ".25", 0.25 },	 { "2.", 2 },
		{ "+3", 3 }, { "0.1", 0.1 }, { "86400", 86400 }, { "007", 7 },
	};
	static const struct {
		const char *s;
		const char *err;
	} bad[] = {
		{ "0",
		  "argument \"0\" is wrong: the interval must be more than 0 seconds" },
		{ "0.0", "the interval must be more than 0 seconds" },
		{ "-1",
		  "argument \"-1\" is wrong: the interval must be more than 0 seconds" },
		{ "-0.5", "the interval must be more than 0 seconds" },
		{ "0.05",
		  "argument \"0.05\" is wrong: the interval must be 0.1..86400 seconds" },
		{ "86401", "the interval must be 0.1..86400 seconds" },
		{ "", "not a number of seconds" },
		{ "abc",
		  "argument \"abc\" is wrong: not a number of seconds (for example 1 or 0.5)" },
		{ "1s", "not a number of seconds" },
		{ "1.2.3", "not a number of seconds" },
		{ ".", "not a number of seconds" },
		{ "-", "not a number of seconds" },
		{ "inf", "not a number of seconds" },
		{ "nan", "not a number of seconds" },
		{ "0x10", "not a number of seconds" },
		{ "1e3", "not a number of seconds" },
		{ " 1", "not a number of seconds" },
		{ "1 ", "not a number of seconds" },
	};
	char err[256];
	double v;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = -1;
		err[0] = '\0';
		if (ASSERT_OK(xlb_watch_parse_interval(good[i].s, &v, err,
						       sizeof(err)),
			      good[i].s))
			ASSERT_TRUE(fabs(v - good[i].v) < 1e-9, good[i].s);
		else
			fprintf(stderr, "    error: %s\n", err);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = -1;
		err[0] = '\0';
		ASSERT_EQ(xlb_watch_parse_interval(bad[i].s, &v, err,
						   sizeof(err)),
			  -EINVAL, bad[i].s);
		ASSERT_CONTAINS(err, bad[i].err, bad[i].s);
		ASSERT_TRUE(v == -1, "output untouched");
	}
}

TEST(watch_parse_count)
{
	static const char *const bad[][2] = {
		{ "0", "argument \"0\" is wrong: count must be 1..1000000000" },
		{ "1000000001", "count must be 1..1000000000" },
		{ "99999999999999999999", "count must be 1..1000000000" },
		{ "-1", "argument \"-1\" is wrong: count is not a number" },
		{ "1.5", "count is not a number" },
		{ "three", "count is not a number" },
		{ "", "count is not a number" },
	};
	char err[256];
	unsigned n = 0;

	ASSERT_OK(xlb_watch_parse_count("3", &n, err, sizeof(err)), "3");
	ASSERT_EQ(n, 3, "3");
	ASSERT_OK(xlb_watch_parse_count("1000000000", &n, err, sizeof(err)),
		  "max");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ASSERT_EQ(
			xlb_watch_parse_count(bad[i][0], &n, err, sizeof(err)),
			-EINVAL, bad[i][0]);
		ASSERT_CONTAINS(err, bad[i][1], bad[i][0]);
	}
}

TEST(watch_cli_args)
{
	static const struct {
		const char *line;
		const char *json; /* request sent to the daemon */
		double interval;  /* 0: not a watch */
		unsigned count;
	} good[] = {
		{ "stats", "{\"cmd\":\"stats\"}", 0, 0 },
		{ "stats web", "{\"cmd\":\"stats\",\"service\":\"web\"}", 0,
		  0 },
		{ "stats --watch", "{\"cmd\":\"stats\"}", 1, 0 },
		{ "stats --watch 0.5", "{\"cmd\":\"stats\"}", 0.5, 0 },
		{ "stats --watch 0.5 --count 3", "{\"cmd\":\"stats\"}", 0.5,
		  3 },
		{ "stats --count=3 --watch .5", "{\"cmd\":\"stats\"}", 0.5, 3 },
		{ "stats --count 2 --watch", "{\"cmd\":\"stats\"}", 1, 2 },
		{ "stats web --watch 2",
		  "{\"cmd\":\"stats\",\"service\":\"web\"}", 2, 0 },
		{ "stats --watch 2 web",
		  "{\"cmd\":\"stats\",\"service\":\"web\"}", 2, 0 },
		{ "stats --watch web",
		  "{\"cmd\":\"stats\",\"service\":\"web\"}", 1, 0 },
		{ "stats --watch web --count 1",
		  "{\"cmd\":\"stats\",\"service\":\"web\"}", 1, 1 },
		/* A numeric service name: not right after --watch. */
		{ "stats 7 --watch", "{\"cmd\":\"stats\",\"service\":\"7\"}", 1,
		  0 },
		{ "stats 7 --watch 3", "{\"cmd\":\"stats\",\"service\":\"7\"}",
		  3, 0 },
		{ "stats --watch --count 4 7",
		  "{\"cmd\":\"stats\",\"service\":\"7\"}", 1, 4 },
		{ "stats --watch 1 2", "{\"cmd\":\"stats\",\"service\":\"2\"}",
		  1, 0 },
	};
	static const struct {
		const char *line;
		const char *err;
	} bad[] = {
		{ "stats --count 3",
		  "argument \"--count\" is wrong: only with --watch" },
		{ "stats --watch 0",
		  "argument \"0\" is wrong: the interval must be more than 0 seconds" },
		{ "stats --watch 0.0 web",
		  "argument \"0.0\" is wrong: the interval must be more than 0" },
		{ "stats --watch 1s",
		  "argument \"1s\" is wrong: not a number of seconds" },
		{ "stats --watch web 2",
		  "argument \"2\" is wrong: unexpected argument (SECONDS goes right after --watch)" },
		{ "stats web extra",
		  "argument \"extra\" is wrong: unexpected argument" },
		{ "stats --watch we/b",
		  "argument \"we/b\" is wrong: a service name" },
		{ "stats --watch 0.5 --count 0",
		  "argument \"0\" is wrong: count must be 1.." },
		{ "stats --watch --count x",
		  "argument \"x\" is wrong: count is not a number" },
		{ "stats --watch --count",
		  "argument \"--count\" is wrong: missing value" },
		{ "stats --watch --watch",
		  "argument \"--watch\" is wrong: given twice" },
		{ "stats --watch=1",
		  "argument \"--watch=1\" is wrong: takes no value" },
		{ "stats --watch -1", "argument \"-1\" is wrong" },
	};
	const struct xlb_watch_opts *o;
	const struct xlbctl_cmd *cmd;
	char buf[256], err[256], *argv[XLB_TEST_MAX_ARGV];
	struct json_object *req, *exp;
	int argc, ret;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		argc = xlb_test_split(good[i].line, buf, sizeof(buf), argv);
		err[0] = '\0';
		if (!ASSERT_OK(xlbctl_build_request(argc, argv, &cmd, &req, err,
						    sizeof(err)),
			       good[i].line)) {
			fprintf(stderr, "    error: %s\n", err);
			continue;
		}
		exp = json_tokener_parse(good[i].json);
		if (!ASSERT_TRUE(json_object_equal(req, exp), good[i].line))
			fprintf(stderr, "    got %s\n",
				json_object_to_json_string(req));
		/* What the daemon is sent carries no watch option. */
		ASSERT_TRUE(!strstr(json_object_to_json_string(req), "watch"),
			    "options not serialized");
		o = xlb_watch_opts_of(req);
		if (!good[i].interval) {
			ASSERT_TRUE(!o, good[i].line);
		} else if (ASSERT_TRUE(o, good[i].line)) {
			ASSERT_TRUE(fabs(o->interval - good[i].interval) < 1e-9,
				    good[i].line);
			ASSERT_EQ(o->count, good[i].count, good[i].line);
		}
		json_object_put(exp);
		json_object_put(req);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		argc = xlb_test_split(bad[i].line, buf, sizeof(buf), argv);
		req = (struct json_object *)1;
		err[0] = '\0';
		ret = xlbctl_build_request(argc, argv, &cmd, &req, err,
					   sizeof(err));
		ASSERT_EQ(ret, -EINVAL, bad[i].line);
		ASSERT_TRUE(!req, "no request");
		if (!ASSERT_TRUE(!strncmp(err, bad[i].err, strlen(bad[i].err)),
				 bad[i].line))
			fprintf(stderr, "    got \"%s\"\n    want \"%s...\"\n",
				err, bad[i].err);
		if (!ret)
			json_object_put(req);
	}
}

/* The loop, against a fake daemon */

/*
 * Child: answer one "stats" request per connection with the next of
 * replies (a string starting with '!' is an error reply), then remove the
 * socket and exit: the daemon goes away. Exit 2 on a wrong request.
 */
static void fake_daemon(int lfd, const char *path, const char *const *replies,
			int n)
{
	struct json_object *req, *v;
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	int fd;

	for (int i = 0; i < n; i++) {
		if (poll(&pfd, 1, 5000) != 1)
			_exit(1);
		fd = xlb_ctl_accept(lfd);
		if (fd < 0 || xlb_ctl_recv(fd, &req, 2000))
			_exit(1);
		if (!json_object_object_get_ex(req, "cmd", &v) ||
		    strcmp(json_object_get_string(v), "stats") ||
		    json_object_object_length(req) != 2)
			_exit(2);
		json_object_put(req);
		if (replies[i][0] == '!')
			xlb_ctl_reply_err(fd, "%s", replies[i] + 1);
		else
			xlb_ctl_reply_ok(fd, json_tokener_parse(replies[i]));
		close(fd);
	}
	close(lfd);
	unlink(path);
	_exit(0);
}

struct run_result {
	int ret;
	char err[512];
	char *out;
	int lines;
	bool child_ok;
};

/* xlbctl stats web --watch 0.1 --count COUNT --json against replies. */
static void run_against(const char *const *replies, int n, const char *count,
			struct run_result *res)
{
	char dir[] = "/tmp/xlb-test-watch.XXXXXX", path[128], buf[256];
	char *argv[XLB_TEST_MAX_ARGV], line[128];
	const struct xlbctl_cmd *cmd;
	struct json_object *req = NULL;
	size_t len = 0;
	int lfd = -1, argc, status = -1;
	pid_t pid = -1;
	FILE *f = NULL;

	memset(res, 0, sizeof(*res));
	res->ret = -1;
	if (!ASSERT_TRUE(mkdtemp(dir), "mkdtemp"))
		return;
	snprintf(path, sizeof(path), "%s/xlb.sock", dir);
	snprintf(line, sizeof(line), "stats web --watch 0.1 --count %s", count);
	argc = xlb_test_split(line, buf, sizeof(buf), argv);
	if (!ASSERT_OK(xlbctl_build_request(argc, argv, &cmd, &req, res->err,
					    sizeof(res->err)),
		       line))
		goto out;
	if (n) { /* n == 0: no daemon at all */
		lfd = xlb_ctl_listen(path);
		if (!ASSERT_TRUE(lfd >= 0, "listen"))
			goto out;
		fflush(NULL);
		pid = fork();
		if (!ASSERT_TRUE(pid >= 0, "fork"))
			goto out;
		if (!pid)
			fake_daemon(lfd, path, replies, n);
		/* Only the child listens: once it is gone, connect fails. */
		close(lfd);
		lfd = -1;
	}
	f = open_memstream(&res->out, &len);
	if (!ASSERT_TRUE(f, "memstream"))
		goto out;
	res->ret =
		xlb_watch_run(path, req, true, f, res->err, sizeof(res->err));
	fclose(f);
	for (char *p = res->out; p && *p; p++)
		res->lines += *p == '\n';
out:
	if (pid > 0) {
		/* It exits after its script, or after 5 s without a client. */
		waitpid(pid, &status, 0);
		res->child_ok = WIFEXITED(status) && !WEXITSTATUS(status);
	}
	if (lfd >= 0)
		close(lfd);
	json_object_put(req);
	unlink(path);
	rmdir(dir);
}

#define SNAP(pkts, be_pkts)                                                     \
	"{\"global\": {\"tx\": " #pkts "}, \"services\": [{\"name\": \"web\","  \
	" \"packets\": " #pkts ", \"bytes\": " #pkts "00, \"new_flows\": 1,"    \
	" \"backends\": [{\"address\": \"198.18.0.11\", \"packets\": " #be_pkts \
	", \"bytes\": " #be_pkts "00, \"new_flows\": 1}]}]}"

/* rates line i of out, parsed (caller puts it). */
static struct json_object *line_of(const char *out, int i)
{
	const char *p = out, *nl;
	char buf[4096];

	for (; p && i--; p = nl ? nl + 1 : NULL)
		nl = strchr(p, '\n');
	if (!p || !(nl = strchr(p, '\n')) || nl - p >= (long)sizeof(buf))
		return NULL;
	memcpy(buf, p, nl - p);
	buf[nl - p] = '\0';
	return json_tokener_parse(buf);
}

TEST(watch_run_count)
{
	static const char *const replies[] = {
		SNAP(0, 0),
		SNAP(100, 100),
		SNAP(300, 5),
	};
	struct json_object *l;
	struct run_result res;

	run_against(replies, 3, "2", &res);
	if (!ASSERT_OK(res.ret, "watch --count 2"))
		fprintf(stderr, "    error: %s\n", res.err);
	ASSERT_EQ(res.lines, 2, "one line per refresh");
	ASSERT_TRUE(res.child_ok, "daemon got 3 stats requests");
	/*
	 * Elapsed is real (~0.1 s, longer on a loaded machine): a rate is
	 * the counter's step over the elapsed time the line reports, 100
	 * packets then 200 (rounding aside).
	 */
	l = line_of(res.out, 0);
	if (ASSERT_TRUE(l, "line 1")) {
		double e = num(l, "elapsed");

		ASSERT_RANGE(e, 0.05, 0.35, "elapsed");
		ASSERT_RANGE(num(entry(l, 0, -1), "packets"), 100 / e * 0.99,
			     100 / e * 1.01, "service packets/s: 100/elapsed");
		ASSERT_RANGE(num(entry(l, 0, 0), "packets"), 100 / e * 0.99,
			     100 / e * 1.01, "backend packets/s: 100/elapsed");
		ASSERT_TRUE(jget(l, "time"), "time");
	}
	json_object_put(l);
	l = line_of(res.out, 1);
	if (ASSERT_TRUE(l, "line 2")) {
		double e = num(l, "elapsed");

		ASSERT_RANGE(e, 0.05, 0.35, "elapsed");
		ASSERT_RANGE(num(entry(l, 0, -1), "packets"), 200 / e * 0.99,
			     200 / e * 1.01, "service packets/s: 200/elapsed");
		ASSERT_EQ(num(entry(l, 0, 0), "packets"), 0,
			  "backend counters went backwards: 0");
	}
	json_object_put(l);
	free(res.out);
}

TEST(watch_run_daemon_gone)
{
	static const char *const replies[] = { SNAP(0, 0), SNAP(10, 10) };
	static const char *const refused[] = { SNAP(0, 0), "!no service web" };
	struct run_result res;

	run_against(replies, 2, "5", &res);
	ASSERT_NE(res.ret, 0, "fails when the daemon goes away");
	ASSERT_CONTAINS(res.err, "xlbd went away: ", "says so");
	ASSERT_CONTAINS(res.err, "is xlbd running?", "the reason");
	ASSERT_EQ(res.lines, 1, "the refresh before it is printed");
	ASSERT_TRUE(res.child_ok, "daemon served both");
	free(res.out);

	run_against(refused, 2, "5", &res);
	ASSERT_NE(res.ret, 0, "fails when the daemon refuses");
	ASSERT_STREQ(res.err, "no service web", "the daemon's reason");
	ASSERT_EQ(res.lines, 0, "nothing printed");
	free(res.out);

	/* No daemon at all: the usual connect error. */
	run_against(replies, 0, "1", &res);
	ASSERT_NE(res.ret, 0, "no daemon");
	ASSERT_CONTAINS(res.err, "cannot connect to", "connect error");
	ASSERT_TRUE(!strstr(res.err, "went away"), "not 'went away'");
	free(res.out);
}
