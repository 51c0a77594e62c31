// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The cluster's view (config_source: etcd): every node publishes what it
 * does under a lease key, PREFIX/nodes/NAME, as JSON: its name, the
 * config revision it runs, the VIPs it announces, each service's ring
 * digest and each backend's health verdict. The lease (XLBD_LEASE_TTL_S)
 * is kept alive every second by a thread of its own, so a node that dies
 * or loses etcd drops out of the list by itself. The event loop rebuilds
 * the record every second and hands it to the thread when it changed.
 *
 * `xlbctl cluster status` reads every record and flags disagreement:
 * a service whose ring digests differ between nodes (they would send a
 * flow to different backends), or is missing on some, and a backend whose
 * health verdicts differ.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>

#include "etcd_client.h"
#include "log.h"
#include "request.h"
#include "ring_digest.h"
#include "thread.h"
#include "xlbd.h"

#define XLBD_LEASE_TTL_S 5
#define TICK_MS 1000

struct xlbd_cluster {
	char key[200];	       /* PREFIX/nodes/NAME */
	struct xlbd_thread th; /* the publisher; th.mu guards what follows */
	char *record;	       /* newest from the loop (mu) */
	bool dirty;	       /* not yet written (mu) */
	bool ok;	       /* the last keepalive and write worked (mu) */
	char why[256];	       /* why not (mu) */
	struct xlb_timer *timer;
	char *last; /* loop: the record last handed over */
};

static json_object *record_json(struct xlbd *d)
{
	json_object *o = json_object_new_object(), *a, *svcs;

	json_object_object_add(o, "name",
			       json_object_new_string(d->boot.etcd.name));
	json_object_object_add(o, "config_revision",
			       json_object_new_int64(xlbd_etcd_revision(d)));
	json_object_object_add(o, "hash_seed",
			       json_object_new_int64(d->cfg.hash_seed));
	json_object_object_add(o, "drained",
			       json_object_new_boolean(d->ann.drained));
	a = json_object_new_array();
	for (size_t i = 0; i < d->ann.n; i++)
		json_object_array_add(
			a, xlbd_req_json_addr(&d->ann.vips[i].addr,
					      d->ann.vips[i].family));
	json_object_object_add(o, "announced", a);
	svcs = json_object_new_array();
	for (size_t i = 0; i < d->n_svcs; i++) {
		struct svc_rt *s = d->svcs[i];
		json_object *so = json_object_new_object(), *bes;
		char digest[XLB_RING_DIGEST_STRLEN];

		json_object_object_add(so, "name",
				       json_object_new_string(s->conf.name));
		xlb_ring_digest_format(s->ring_digest, digest);
		json_object_object_add(so, "ring_digest",
				       json_object_new_string(digest));
		bes = json_object_new_array();
		for (size_t j = 0; j < s->n_bes; j++) {
			struct be_rt *b = s->bes[j];
			json_object *bo = json_object_new_object();

			json_object_object_add(
				bo, "address",
				xlbd_req_json_addr(&b->conf.addr,
						   b->conf.family));
			json_object_object_add(
				bo, "health",
				json_object_new_string(b->healthy ? "up"
								  : "down"));
			json_object_object_add(
				bo, "state",
				json_object_new_string(
					xlbd_be_state_name(xlbd_be_state(b))));
			json_object_array_add(bes, bo);
		}
		json_object_object_add(so, "backends", bes);
		json_object_array_add(svcs, so);
	}
	json_object_object_add(o, "services", svcs);
	return o;
}

static void *publish_thread(void *arg)
{
	struct xlbd *d = arg;
	struct xlbd_cluster *c = d->cluster;
	struct xlb_etcd *e = xlbd_etcd_client(d, 1500);
	int64_t lease = 0;

	if (!e)
		return NULL;
	pthread_mutex_lock(&c->th.mu);
	while (!atomic_load(&c->th.stop)) {
		char *rec = c->record ? strdup(c->record) : NULL;
		bool dirty = c->dirty, ok;
		struct timespec ts;
		int err;

		pthread_mutex_unlock(&c->th.mu);
		if (!lease) {
			err = xlb_etcd_lease_grant(e, XLBD_LEASE_TTL_S, &lease);
			dirty = true;
		} else {
			err = xlb_etcd_lease_keepalive(e, lease, NULL);
			if (err == -ENOENT) {
				/* expired while etcd was away: a new one */
				lease = 0;
				dirty = true;
				err = xlb_etcd_lease_grant(e, XLBD_LEASE_TTL_S,
							   &lease);
			}
		}
		if (err)
			lease = err == -EHOSTUNREACH ? lease : 0;
		if (!err && dirty && rec)
			err = xlb_etcd_put(e, c->key, rec, strlen(rec), lease,
					   NULL);
		ok = !err;
		free(rec);
		pthread_mutex_lock(&c->th.mu);
		if (ok && dirty)
			c->dirty = false;
		else if (!ok)
			c->dirty = true;
		c->ok = ok;
		if (!ok)
			snprintf(c->why, sizeof(c->why), "%s",
				 xlb_etcd_error(e));
		if (atomic_load(&c->th.stop))
			break;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += TICK_MS / 1000;
		pthread_cond_timedwait(&c->th.cv, &c->th.mu, &ts);
	}
	pthread_mutex_unlock(&c->th.mu);
	/* leaving: the record goes now, not when the lease runs out */
	if (lease)
		xlb_etcd_lease_revoke(e, lease);
	xlb_etcd_free(e);
	return NULL;
}

/* Every second: the record, if it changed; reachability to status. */
static void on_tick(struct xlb_loop *l, void *ctx)
{
	struct xlbd *d = ctx;
	struct xlbd_cluster *c = d->cluster;
	json_object *o = record_json(d);
	const char *js =
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	char why[256];
	bool ok;

	if (!c->last || strcmp(c->last, js)) {
		char *rec = strdup(js);

		if (rec) {
			free(c->last);
			c->last = strdup(rec);
			pthread_mutex_lock(&c->th.mu);
			free(c->record);
			c->record = rec;
			c->dirty = true;
			pthread_cond_signal(&c->th.cv);
			pthread_mutex_unlock(&c->th.mu);
		}
	}
	json_object_put(o);
	pthread_mutex_lock(&c->th.mu);
	ok = c->ok;
	snprintf(why, sizeof(why), "%s", c->why);
	pthread_mutex_unlock(&c->th.mu);
	xlbd_etcd_reachable(d, ok, why);
	c->timer = xlb_timer_add(l, TICK_MS, on_tick, d);
}

int xlbd_cluster_start(struct xlbd *d)
{
	struct xlbd_cluster *c = calloc(1, sizeof(*c));
	int err;

	if (!c)
		return -ENOMEM;
	d->cluster = c;
	snprintf(c->key, sizeof(c->key), "%s/nodes/%s", d->boot.etcd.prefix,
		 d->boot.etcd.name);
	xlbd_thread_init(&c->th);
	c->ok = true;
	err = xlbd_thread_start(&c->th, "xlbd-cluster", publish_thread, d);
	if (err)
		return err;
	on_tick(d->loop, d);
	pr_info("etcd: publishing this node as %s", c->key);
	return 0;
}

void xlbd_cluster_stop(struct xlbd *d)
{
	struct xlbd_cluster *c = d->cluster;

	if (!c)
		return;
	xlb_timer_cancel(d->loop, c->timer);
	xlbd_thread_stop(&c->th);
	free(c->record);
	free(c->last);
	free(c);
	d->cluster = NULL;
}

/* "n1 x, n2 y" of one field, for a disagreement's message. */
static void add_disagreement(json_object *out, const char *what,
			     json_object *names, json_object *vals)
{
	char msg[1024];
	size_t n = json_object_array_length(names), off;

	off = snprintf(msg, sizeof(msg), "%s:", what);
	for (size_t i = 0; i < n && off < sizeof(msg); i++)
		off += snprintf(msg + off, sizeof(msg) - off, "%s %s %s",
				i ? "," : "",
				json_object_get_string(
					json_object_array_get_idx(names, i)),
				json_object_get_string(
					json_object_array_get_idx(vals, i)));
	json_object_array_add(out, json_object_new_string(msg));
}

static json_object *find_named(json_object *arr, const char *key,
			       const char *name)
{
	size_t n = json_object_is_type(arr, json_type_array)
			   ? json_object_array_length(arr)
			   : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(arr, i), *v;

		if (json_object_object_get_ex(o, key, &v) &&
		    !strcmp(json_object_get_string(v), name))
			return o;
	}
	return NULL;
}

/*
 * One field compared across the nodes: for every node, the value at
 * get(node) (or "missing"); a disagreement when they are not all equal.
 */
static void compare(json_object *nodes, json_object *out, const char *what,
		    const char *svc, const char *be, const char *field)
{
	size_t n = json_object_array_length(nodes);
	json_object *names = json_object_new_array(),
		    *vals = json_object_new_array();
	bool differ = false;
	const char *first = NULL;

	for (size_t i = 0; i < n; i++) {
		json_object *node = json_object_array_get_idx(nodes, i), *s, *v;
		const char *val = "missing";

		s = find_named(json_object_object_get(node, "services"), "name",
			       svc);
		if (s && be)
			s = find_named(json_object_object_get(s, "backends"),
				       "address", be);
		if (s && json_object_object_get_ex(s, field, &v))
			val = json_object_get_string(v);
		if (!first)
			first = val;
		differ |= strcmp(first, val) != 0;
		json_object_array_add(
			names,
			json_object_get(json_object_object_get(node, "name")));
		json_object_array_add(vals, json_object_new_string(val));
	}
	if (differ)
		add_disagreement(out, what, names, vals);
	json_object_put(names);
	json_object_put(vals);
}

/* Every service and backend any node has, compared over all of them. */
static json_object *disagreements(json_object *nodes)
{
	json_object *out = json_object_new_array(),
		    *seen = json_object_new_object();
	size_t n = json_object_array_length(nodes);
	char what[512];

	for (size_t i = 0; i < n; i++) {
		json_object *svcs = json_object_object_get(
			json_object_array_get_idx(nodes, i), "services");
		size_t ns = json_object_is_type(svcs, json_type_array)
				    ? json_object_array_length(svcs)
				    : 0;

		for (size_t j = 0; j < ns; j++) {
			json_object *s = json_object_array_get_idx(svcs, j),
				    *bes = json_object_object_get(s,
								  "backends");
			const char *sn = json_object_get_string(
				json_object_object_get(s, "name"));
			size_t nb = json_object_is_type(bes, json_type_array)
					    ? json_object_array_length(bes)
					    : 0;

			if (!sn || json_object_object_get_ex(seen, sn, NULL))
				continue;
			json_object_object_add(seen, sn, NULL);
			snprintf(what, sizeof(what), "service %s: ring digest",
				 sn);
			compare(nodes, out, what, sn, NULL, "ring_digest");
			for (size_t k = 0; k < nb; k++) {
				const char *a = json_object_get_string(
					json_object_object_get(
						json_object_array_get_idx(bes,
									  k),
						"address"));

				if (!a)
					continue;
				snprintf(what, sizeof(what),
					 "service %s backend %s: health", sn,
					 a);
				compare(nodes, out, what, sn, a, "health");
			}
		}
	}
	json_object_put(seen);
	return out;
}

struct status_job {
	struct xlbd_etcd_job job;
	struct xlbd_client *cl;
	char prefix[200];
	struct xlb_etcd_kv *kvs;
	size_t n;
	int r;
	char why[256];
};

/* Worker thread: every node's record. */
static void status_work(struct xlb_etcd *cli, struct xlbd_etcd_job *j)
{
	struct status_job *s = (struct status_job *)j;

	s->r = xlb_etcd_get_prefix(cli, s->prefix, &s->kvs, &s->n, NULL);
	if (s->r) {
		/* a failed range returns nothing */
		s->kvs = NULL;
		s->n = 0;
		snprintf(s->why, sizeof(s->why), "etcd: %s",
			 xlb_etcd_error(cli));
	}
}

static void status_done(struct xlbd *d, struct xlbd_etcd_job *j, bool stopping)
{
	struct status_job *s = (struct status_job *)j;
	json_object *nodes, *data;

	if (!j->ran) {
		xlbd_control_reply(s->cl, NULL, "xlbd is stopping");
	} else if (s->r) {
		xlbd_control_reply(s->cl, NULL, s->why);
	} else {
		nodes = json_object_new_array();
		for (size_t i = 0; i < s->n; i++) {
			struct json_tokener *tok = json_tokener_new();
			json_object *o = tok ? json_tokener_parse_ex(
						       tok, s->kvs[i].value,
						       s->kvs[i].len)
					     : NULL;

			json_tokener_free(tok);
			if (o && json_object_is_type(o, json_type_object) &&
			    json_object_object_get_ex(o, "name", NULL))
				json_object_array_add(nodes, o);
			else
				json_object_put(o); /* not a node's record */
		}
		data = json_object_new_object();
		json_object_object_add(data, "disagreements",
				       disagreements(nodes));
		json_object_object_add(data, "nodes", nodes);
		xlbd_control_reply(s->cl, data, NULL);
	}
	xlb_etcd_kvs_free(s->kvs, s->n);
	free(s);
}

int xlbd_cluster_status(struct xlbd *d, struct xlbd_client *cl,
			struct json_object *req, char *err)
{
	static const char *const allowed[] = { NULL };
	struct status_job *s;
	int r;

	if (!xlbd_req_keys_ok(req, allowed, err))
		return -EINVAL;
	if (!d->cluster) {
		snprintf(
			err, XLBD_ERR_LEN,
			"this node's config is a file: cluster status needs config_source: etcd");
		return -EOPNOTSUPP;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, XLBD_ERR_LEN, "out of memory");
		return -ENOMEM;
	}
	s->job.work = status_work;
	s->job.done = status_done;
	s->cl = cl;
	snprintf(s->prefix, sizeof(s->prefix), "%s/nodes/",
		 d->boot.etcd.prefix);
	r = xlbd_etcd_submit(d, &s->job);
	if (r) {
		free(s);
		snprintf(err, XLBD_ERR_LEN, "etcd: %s",
			 r == -EBUSY ? "too many requests waiting for etcd"
				     : strerror(-r));
		return r;
	}
	return XLBD_REPLY_LATER;
}
