// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Part: runtime changes versus the file. The file is the source of truth:
 * a reload applies it again, so whatever xlbctl changed since the last
 * load is undone. This file finds those changes, one per service or
 * backend, so the reload can log each one it undoes (a warning naming the
 * service and backend) and `xlbctl status` can list them beforehand.
 *
 * Three configurations are compared: the running one (R), the file as
 * last applied (L, d->file) and the one about to be applied (T). An item
 * changes when R and T differ; the change undoes a runtime edit when R
 * and L differ too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xlbd.h"

static const struct xlb_service_conf *svc_in(const struct xlb_config *c,
					     const char *name)
{
	for (size_t i = 0; c && i < c->n_services; i++)
		if (!strcmp(c->services[i].name, name))
			return &c->services[i];
	return NULL;
}

static const struct xlb_backend_conf *be_in(const struct xlb_service_conf *s,
					    const struct xlb_backend_conf *b)
{
	for (size_t i = 0; s && i < s->n_backends; i++)
		if (s->backends[i].family == b->family &&
		    !memcmp(&s->backends[i].addr, &b->addr, sizeof(b->addr)))
			return &s->backends[i];
	return NULL;
}

/* The service's own settings, backends aside. */
static bool svc_same(const struct xlb_service_conf *a,
		     const struct xlb_service_conf *b)
{
	return a && b && a->family == b->family &&
	       !memcmp(&a->vip, &b->vip, sizeof(a->vip)) &&
	       a->port == b->port && a->proto == b->proto &&
	       a->sched == b->sched && a->table_size == b->table_size &&
	       a->keep_last == b->keep_last &&
	       a->slow_start_ms == b->slow_start_ms &&
	       xlb_hc_conf_equal(&a->hc, &b->hc);
}

static bool be_same(const struct xlb_backend_conf *a,
		    const struct xlb_backend_conf *b)
{
	return a && b && a->weight == b->weight &&
	       xlb_hc_conf_equal(&a->hc, &b->hc);
}

static void be_diff(const struct xlb_service_conf *rs,
		    const struct xlb_service_conf *ts,
		    const struct xlb_service_conf *ls, xlbd_drift_fn *fn,
		    void *ctx)
{
	char a[64], msg[256];

	for (size_t i = 0; i < rs->n_backends; i++) {
		const struct xlb_backend_conf *r = &rs->backends[i];
		const struct xlb_backend_conf *t = be_in(ts, r),
					      *l = be_in(ls, r);

		xlbd_addr_str(&r->addr, r->family, a, sizeof(a));
		if (!t)
			snprintf(
				msg, sizeof(msg),
				"service %s: backend %s is not in the file: removed",
				rs->name, a);
		else if (!be_same(r, t))
			snprintf(msg, sizeof(msg),
				 "service %s: backend %s: weight %u -> %u%s",
				 rs->name, a, r->weight, t->weight,
				 xlb_hc_conf_equal(&r->hc, &t->hc)
					 ? ""
					 : ", health check as in the file");
		else
			continue;
		fn(ctx, !be_same(r, l), msg);
	}
	for (size_t i = 0; i < ts->n_backends; i++) {
		const struct xlb_backend_conf *t = &ts->backends[i];

		if (be_in(rs, t))
			continue;
		xlbd_addr_str(&t->addr, t->family, a, sizeof(a));
		snprintf(msg, sizeof(msg),
			 "service %s: backend %s is in the file: added back",
			 ts->name, a);
		fn(ctx, be_in(ls, t) != NULL, msg);
	}
}

int xlbd_drift(struct xlbd *d, const struct xlb_config *target,
	       xlbd_drift_fn *fn, void *ctx)
{
	const struct xlb_config *last = &d->file;
	struct xlb_config run;
	char msg[256];
	int err = xlbd_state_effective(d, &run);

	if (err)
		return err;
	for (size_t i = 0; i < run.n_services; i++) {
		const struct xlb_service_conf *r = &run.services[i];
		const struct xlb_service_conf *t = svc_in(target, r->name);
		const struct xlb_service_conf *l = svc_in(last, r->name);

		if (!t) {
			snprintf(
				msg, sizeof(msg),
				"service %s is not in the file: deleted with its %zu backends",
				r->name, r->n_backends);
			fn(ctx, !l, msg);
			continue;
		}
		if (!svc_same(r, t)) {
			snprintf(
				msg, sizeof(msg),
				"service %s: settings (vip, port, protocol, scheduler, table_size, health check) as in the file",
				r->name);
			fn(ctx, !svc_same(r, l), msg);
		}
		be_diff(r, t, l, fn, ctx);
	}
	for (size_t i = 0; i < target->n_services; i++) {
		const struct xlb_service_conf *t = &target->services[i];

		if (svc_in(&run, t->name))
			continue;
		snprintf(msg, sizeof(msg),
			 "service %s is in the file: added back", t->name);
		fn(ctx, svc_in(last, t->name) != NULL, msg);
	}
	xlb_config_free(&run); /* its services only: the rest is d->cfg's */
	return 0;
}
