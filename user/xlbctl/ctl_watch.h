/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * xlbctl stats --watch: live rates from successive "stats" responses.
 *
 * The rate computation and the rendering are pure functions over the
 * "stats" data objects of ctl.h (two snapshots and the seconds between
 * them in, a rates object out; a rates object in, text or one JSON line
 * out), so the unit tests cover them without a daemon. xlb_watch_run() is
 * the loop around them: poll the daemon every interval, print, stop after
 * --count refreshes or on SIGINT/SIGTERM.
 *
 * Rates object (also what --json prints, one per line):
 *   {"time": "2025-06-01T14:03:07+02:00", "interval": 0.5, "elapsed": 0.501,
 *    "global": {"tx": 200.0, "redirect": 0.0, ...},
 *    "services": [{"name": "web", "packets": 200.0, "bytes": 18000.0,
 *                  "bits": 144000.0, "new_flows": 33.0,
 *                  "backends": [{"address": "198.18.0.11", ...same}]}]}
 * Every number under global and services is per second, rounded to 0.1.
 * A counter that went backwards (a backend deleted and re-added, the maps
 * recreated) and an entry absent from the previous snapshot (a service or
 * backend just added) have rate 0: never a negative or bogus rate. An
 * entry absent from the later snapshot is not shown. Services match by
 * name, backends by address within their service, global counters by
 * name; a service's or backend's rates are all 0 if any of its counters
 * went backwards.
 */
#ifndef XLB_CTL_WATCH_H
#define XLB_CTL_WATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <json-c/json.h>

#define XLB_WATCH_DEFAULT_S 1.0
#define XLB_WATCH_MIN_S 0.1
#define XLB_WATCH_MAX_S 86400.0
#define XLB_WATCH_MAX_COUNT 1000000000U

struct xlb_watch_opts {
	double interval; /* seconds between refreshes */
	unsigned count;	 /* refreshes, then stop; 0: until a signal */
};

/* Arguments. Errors are 'argument "X" is wrong: reason', -EINVAL. */

/* Whether a word after --watch is meant as SECONDS (digit, '.', sign). */
bool xlb_watch_is_seconds(const char *s);
/* Decimal seconds ("1", "0.5", ".25"), XLB_WATCH_MIN_S..XLB_WATCH_MAX_S. */
int xlb_watch_parse_interval(const char *s, double *sec, char *err,
			     size_t errlen);
/* 1..XLB_WATCH_MAX_COUNT. */
int xlb_watch_parse_count(const char *s, unsigned *n, char *err, size_t errlen);
/*
 * Parse SECONDS (NULL: the default) and --count's value (NULL: none) and
 * attach the result to a "stats" request, marking it as a watch. The
 * request's JSON is unchanged (the daemon never sees the options).
 * 0, -EINVAL (err set) or -ENOMEM.
 */
int xlb_watch_attach(struct json_object *req, const char *seconds,
		     const char *count, char *err, size_t errlen);
/* The options attached to req, or NULL: not a watch request. */
const struct xlb_watch_opts *xlb_watch_opts_of(struct json_object *req);

/*
 * Rates between two "stats" data objects taken elapsed seconds apart
 * (elapsed > 0). time (may be NULL) and interval are copied into the
 * result for the header. A new object (caller puts it), or NULL on
 * elapsed <= 0 or out of memory.
 */
struct json_object *xlb_watch_rates(struct json_object *prev,
				    struct json_object *cur, double elapsed,
				    const char *time, double interval);

/* One block of text: header line, global counters, services. 0 or -EIO. */
int xlb_watch_render_text(struct json_object *rates, FILE *f);
/* The rates object on one line. 0, -ENOMEM or -EIO. */
int xlb_watch_render_json(struct json_object *rates, FILE *f);
/* "12.3", "4.5k", "67.8M", "0" for a rate under 0.05. */
void xlb_watch_fmt_rate(double v, char *buf, size_t len);

/*
 * Send req (a "stats" request with options attached) to the daemon at
 * sock every interval and print the rates to out: text (redrawn in place
 * when out is a terminal, one block per interval otherwise) or, with
 * json, one line per interval. Returns 0 after --count refreshes or on
 * SIGINT/SIGTERM (the terminal restored), or -errno with err set: the
 * daemon unreachable or gone ("xlbd went away: ..."), a refused request,
 * a failed write.
 */
int xlb_watch_run(const char *sock, struct json_object *req, bool json,
		  FILE *out, char *err, size_t errlen);

#endif /* XLB_CTL_WATCH_H */
