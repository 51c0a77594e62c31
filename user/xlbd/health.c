// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Part: health checks. One checker (user/lib/hc.h) per backend with a
 * check, all on xlbd's one event loop. Every result goes to the verdict
 * handler state.c attached it with: it keeps the reason for status and, when the
 * verdict flips, logs it and republishes the service (the backend leaves
 * or joins the ring in one swap; its pinned flows are rescheduled by the
 * data plane once its UP flag is cleared).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <json-c/json.h>

#include "hc.h"
#include "log.h"
#include "xlbd.h"

/* What a checker's report needs to find its backend again. */
struct hc_owner {
	struct xlbd *d;
	struct svc_rt *s;
	struct be_rt *b;
	xlbd_verdict_fn *verdict;
};

/* Upper bounds of xlb_backend_health_check_duration_seconds. */
const double xlbd_health_latency_bounds[XLBD_HEALTH_N_LATENCY_BOUNDS] = {
	0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
	0.05,	 0.1,	 0.25,	0.5,	1,     2.5,  5,
};
_Static_assert(XLBD_HEALTH_N_LATENCY_BOUNDS <= XLB_PROM_HIST_MAX,
	       "histogram bounds");

/* One finished probe of b, for the metrics. */
static void record_probe(struct be_rt *b, bool ok, __u32 latency_us)
{
	b->hc_failed += !ok;
	b->hc_last_latency_us = latency_us;
	xlb_prom_hist_observe(&b->hc_latency, xlbd_health_latency_bounds,
			      XLBD_HEALTH_N_LATENCY_BOUNDS, latency_us / 1e6);
}

static void on_report(struct xlb_hc *hc, void *ctx, bool up, bool changed,
		      const char *reason)
{
	struct hc_owner *o = ctx;
	struct xlb_hc_status st;

	xlb_hc_get_status(hc, &st);
	record_probe(o->b, st.last_ok, st.latency_us);
	/* same state: only stores the reason; a flip logs and publishes */
	o->verdict(o->d, o->s, o->b, up, reason);
}

/* Initial verdict, without a transition: the caller publishes. */
static void set_initial(struct be_rt *b, bool up)
{
	__u64 now = xlb_now_ms();

	if (b->healthy == up)
		return;
	b->healthy = up;
	b->health_since_ms = now;
	if (up)
		b->up_since_ms = now;
}

int xlbd_health_attach(struct xlbd *d, struct svc_rt *s, struct be_rt *b,
		       bool adopted_up, xlbd_verdict_fn *verdict)
{
	struct xlb_hc_conf c = b->conf.hc;
	struct hc_owner *o;
	int err = 0;

	xlbd_health_detach(d, b);
	b->health_why[0] = 0;
	if (c.type == XLB_HC_NONE) {
		set_initial(b, true);
		goto out;
	}
	if (!c.port) /* built without a file: the service port */
		c.port = s->conf.port;
	o = malloc(sizeof(*o));
	if (!o) {
		err = -ENOMEM;
		goto out;
	}
	if (c.via_tunnel && !(c.mark = xlbd_hct_add(d, s, b))) {
		free(o);
		err = -EIO;
		goto out;
	}
	*o = (struct hc_owner){ .d = d, .s = s, .b = b, .verdict = verdict };
	/* adopted up: it is serving now, keep it; otherwise down until the
	 * first success, which is probed at once */
	b->hc = xlb_hc_new(d->loop, &b->conf.addr, b->conf.family, &c,
			   adopted_up, on_report, o);
	if (!b->hc) {
		err = -errno;
		free(o);
		xlbd_hct_del(d, b);
		goto out;
	}
	set_initial(b, adopted_up);
out:
	if (err) {
		/* fail open: a check that cannot run must not take it out */
		set_initial(b, true);
		snprintf(b->health_why, sizeof(b->health_why),
			 "check not running");
	}
	return err;
}

void xlbd_health_detach(struct xlbd *d, struct be_rt *b)
{
	struct hc_owner *o;

	xlbd_hct_del(d, b);
	if (!b->hc)
		return;
	o = xlb_hc_ctx(b->hc);
	xlb_hc_free(b->hc);
	free(o);
	b->hc = NULL;
}

struct json_object *xlbd_health_json(const struct be_rt *b)
{
	struct xlb_hc_status st;
	struct json_object *o;
	__u64 now = xlb_now_ms();
	char lat[32];

	if (!b->hc)
		return NULL;
	xlb_hc_get_status(b->hc, &st);
	o = json_object_new_object();
	json_object_object_add(
		o, "type", json_object_new_string(xlb_hc_type_names[st.type]));
	json_object_object_add(
		o, "state", json_object_new_string(b->healthy ? "up" : "down"));
	json_object_object_add(
		o, "result",
		json_object_new_string(st.have_result && b->health_why[0]
					       ? b->health_why
					       : "pending"));
	json_object_object_add(o, "successes",
			       json_object_new_int64(st.successes));
	json_object_object_add(o, "failures",
			       json_object_new_int64(st.failures));
	json_object_object_add(
		o, "since_s",
		json_object_new_int64(now > b->health_since_ms
					      ? (now - b->health_since_ms) /
							1000
					      : 0));
	/* sub-millisecond on a LAN: two decimals say more than an int */
	snprintf(lat, sizeof(lat), "%.2f", st.latency_us / 1000.0);
	json_object_object_add(
		o, "latency_ms",
		st.have_result
			? json_object_new_double_s(st.latency_us / 1000.0, lat)
			: NULL);
	return o;
}
