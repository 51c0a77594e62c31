// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * config_source: etcd. The cluster's part of the config is one YAML
 * document in the key PREFIX/config; the node's own part is its bootstrap
 * file (d->boot). At start the document is read once; then a thread
 * watches the key and hands every new revision to the event loop over an
 * eventfd, and the loop applies it exactly as a SIGHUP reload (main.c):
 * read and checked in the reload thread, applied as a diff, or refused
 * with the reason (etcd:KEY:LINE) and the running config kept.
 *
 * When etcd cannot be reached the node keeps its last config; the watch
 * thread retries every second and, once back, reads the key again (a
 * change made meanwhile is not missed; a compacted revision neither).
 *
 * xlbctl's changes on such a node are written back: the effective config
 * (the change applied) goes to the key with a compare-and-swap on the
 * mod_revision this node last processed, so a change made elsewhere in
 * between is never overwritten: the command fails saying so, and the
 * node applies the newer document. The write runs in the etcd worker
 * (etcd_worker.c), the command's answer waits for it. Changes made
 * before an earlier one's write came back build on it: a write-back on
 * the same processed revision as the last one written compares with the
 * revision that one wrote (its document holds the earlier change), so
 * two quick commands do not conflict with each other.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "etcd_client.h"
#include "log.h"
#include "request.h"
#include "thread.h"
#include "xlbd.h"

#define RETRY_MS 1000
#define REQUEST_MS 1500

struct xlbd_etcd {
	struct xlb_etcd_opts opts;
	char key[160]; /* PREFIX/config */
	/* the watch thread, and the lock of what it shares (th.mu) */
	struct xlbd_thread th;
	atomic_bool watching;
	atomic_bool watch_failed; /* a watch ended since the start */
	int efd;
	int64_t start_rev; /* watch from after this store revision */
	/* the newest document the watch saw (th.mu) */
	char *doc;
	size_t len;
	int64_t rev;	    /* its mod_revision; 0: none */
	bool deleted;	    /* the key is gone */
	char endpoint[256]; /* that the watch talked to last */
	/* loop side */
	int64_t processed; /* mod_revision last applied or refused */
	int64_t applied;   /* ... applied */
	bool reachable;	   /* as last reported */
	char why[256];	   /* why not */
	__u64 unreachable_since_ms;
	__u64 write_backs, conflicts, unreachable_events;
	/* etcd worker: the last write-back, its processed revision (base)
	 * and the revision it wrote (0: it failed) */
	int64_t chain_base, chain_rev;
};

static void opts_from(struct xlb_etcd_opts *o, const struct xlb_etcd_conf *c,
		      long timeout_ms)
{
	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < c->n_endpoints; i++)
		o->endpoints[i] = c->endpoints[i];
	o->n_endpoints = c->n_endpoints;
	o->ca_file = c->ca_file;
	o->cert_file = c->cert_file;
	o->key_file = c->key_file;
	o->timeout_ms = timeout_ms;
}

struct xlb_etcd *xlbd_etcd_client(struct xlbd *d, long timeout_ms)
{
	struct xlb_etcd_opts o;

	opts_from(&o, &d->boot.etcd, timeout_ms);
	return xlb_etcd_new(&o);
}

const char *xlbd_etcd_key(const struct xlbd *d)
{
	return d->etcd->key;
}

/* Watch thread: the newest document, for the loop. */
static void deliver(struct xlbd_etcd *e, const struct xlb_etcd_kv *kv)
{
	pthread_mutex_lock(&e->th.mu);
	free(e->doc);
	e->doc = NULL;
	e->len = 0;
	e->deleted = !kv->value;
	if (kv->value) {
		e->doc = malloc(kv->len + 1);
		if (e->doc) {
			memcpy(e->doc, kv->value, kv->len + 1);
			e->len = kv->len;
		}
	}
	e->rev = kv->mod_revision;
	pthread_mutex_unlock(&e->th.mu);
	eventfd_write(e->efd, 1);
}

static int load_doc(struct xlbd *d, const char *buf, size_t len,
		    struct xlb_config *cfg, struct xlb_config_errors *errs)
{
	char name[200];

	snprintf(name, sizeof(name), "etcd:%s", d->etcd->key);
	return xlb_config_load_shared(name, buf, len, &d->boot, cfg, errs);
}

int xlbd_etcd_init(struct xlbd *d, struct xlb_config *cfg,
		   struct xlb_config_errors *errs)
{
	struct xlbd_etcd *e;
	struct xlb_etcd *cli;
	struct xlb_etcd_kv kv;
	int64_t rev = 0;
	int err = 0;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	d->etcd = e;
	e->efd = -1;
	xlbd_thread_init(&e->th);
	snprintf(e->key, sizeof(e->key), "%s/config", d->boot.etcd.prefix);
	cli = xlbd_etcd_client(d, REQUEST_MS);
	if (!cli)
		return -ENOMEM;
	/* the first read: a node starting without etcd has no config */
	for (int i = 0; i < 5; i++) {
		err = xlb_etcd_get(cli, e->key, &kv, &rev);
		if (err != -EHOSTUNREACH)
			break;
		pr_warn("etcd: %s; retrying", xlb_etcd_error(cli));
		usleep(RETRY_MS * 1000);
	}
	snprintf(e->endpoint, sizeof(e->endpoint), "%s",
		 xlb_etcd_endpoint(cli));
	if (err == -ENOENT) {
		pr_warn("etcd: no key %s yet: starting with no services",
			e->key);
		e->start_rev = rev;
		e->reachable = true;
		xlb_etcd_free(cli);
		return load_doc(d, "", 0, cfg, errs);
	}
	if (err) {
		pr_err("etcd: cannot read %s: %s", e->key, xlb_etcd_error(cli));
		xlb_etcd_free(cli);
		return err;
	}
	pr_info("etcd: %s revision %" PRId64 " from %s", e->key,
		kv.mod_revision, xlb_etcd_endpoint(cli));
	xlb_etcd_free(cli);
	err = load_doc(d, kv.value, kv.len, cfg, errs);
	deliver(e, &kv); /* the newest so far: a SIGHUP reapplies it */
	e->start_rev = rev;
	e->processed = e->applied = kv.mod_revision;
	e->reachable = true;
	xlb_etcd_kv_free(&kv);
	return err;
}

struct watch_ctx {
	struct xlbd_etcd *e;
	int64_t *last; /* store revision seen */
};

static int on_event(void *ctx, const struct xlb_etcd_kv *kv, int64_t rev)
{
	struct watch_ctx *w = ctx;

	if (strcmp(kv->key, w->e->key))
		return 0;
	deliver(w->e, kv);
	if (rev > *w->last)
		*w->last = rev;
	return 0;
}

static void nap(struct xlbd_etcd *e)
{
	for (int i = 0; i < RETRY_MS / 100 && !atomic_load(&e->th.stop); i++)
		usleep(100 * 1000);
}

static void *watch_thread(void *arg)
{
	struct xlbd_etcd *e = arg;
	struct xlb_etcd *w = xlb_etcd_new(&e->opts);
	int64_t last = e->start_rev, seen;
	struct watch_ctx wc = { e, &last };
	struct xlb_etcd_kv kv;
	bool resync = false;
	int err;

	if (!w)
		return NULL;
	while (!atomic_load(&e->th.stop)) {
		if (resync) {
			/* what changed while the watch was down */
			err = xlb_etcd_get(w, e->key, &kv, &last);
			if (err == -EHOSTUNREACH || err == -EPROTO ||
			    err == -ENOMEM) {
				nap(e);
				continue;
			}
			pthread_mutex_lock(&e->th.mu);
			seen = e->rev;
			pthread_mutex_unlock(&e->th.mu);
			if (!err && kv.mod_revision != seen)
				deliver(e, &kv);
			xlb_etcd_kv_free(&kv);
			resync = false;
		}
		atomic_store(&e->watching, false);
		err = xlb_etcd_watch(w, e->key, last + 1, on_event, &wc,
				     &e->th.stop, &e->watching);
		atomic_store(&e->watching, false);
		pthread_mutex_lock(&e->th.mu);
		snprintf(e->endpoint, sizeof(e->endpoint), "%s",
			 xlb_etcd_endpoint(w));
		pthread_mutex_unlock(&e->th.mu);
		if (atomic_load(&e->th.stop))
			break;
		atomic_store(&e->watch_failed, true);
		pthread_mutex_lock(&e->th.mu);
		snprintf(e->why, sizeof(e->why), "%s", xlb_etcd_error(w));
		pthread_mutex_unlock(&e->th.mu);
		eventfd_write(e->efd, 1);
		resync = true;
		nap(e);
	}
	xlb_etcd_free(w);
	return NULL;
}

static void on_doc(struct xlb_loop *l, int fd, uint32_t events, void *ctx)
{
	struct xlbd *d = ctx;
	struct xlbd_etcd *e = d->etcd;
	eventfd_t v;
	bool fresh, deleted;

	if (eventfd_read(fd, &v))
		return;
	pthread_mutex_lock(&e->th.mu);
	fresh = e->rev && e->rev != e->processed;
	deleted = e->deleted;
	pthread_mutex_unlock(&e->th.mu);
	if (!fresh)
		return;
	if (deleted) {
		pr_warn("etcd: %s was deleted; the running configuration stays",
			e->key);
		pthread_mutex_lock(&e->th.mu);
		e->processed = e->rev;
		pthread_mutex_unlock(&e->th.mu);
		return;
	}
	xlbd_reload_start(d, "etcd");
}

int xlbd_etcd_doc(struct xlbd *d, char **buf, size_t *len, int64_t *rev,
		  char *name, size_t namelen)
{
	struct xlbd_etcd *e = d->etcd;
	int err = 0;

	pthread_mutex_lock(&e->th.mu);
	if (!e->rev || e->deleted) {
		err = -ENOENT;
	} else {
		*buf = malloc(e->len + 1);
		if (!*buf) {
			err = -ENOMEM;
		} else {
			memcpy(*buf, e->doc ? e->doc : "", e->len);
			(*buf)[e->len] = '\0';
			*len = e->len;
			*rev = e->rev;
		}
	}
	pthread_mutex_unlock(&e->th.mu);
	snprintf(name, namelen, "etcd:%s", e->key);
	return err;
}

void xlbd_etcd_processed(struct xlbd *d, int64_t rev, bool applied)
{
	d->etcd->processed = rev;
	if (applied)
		d->etcd->applied = rev;
}

int xlbd_etcd_start(struct xlbd *d)
{
	struct xlbd_etcd *e = d->etcd;
	int err;

	opts_from(&e->opts, &d->boot.etcd, REQUEST_MS);
	e->efd = xlbd_thread_waker_open(d->loop, on_doc, d);
	if (e->efd < 0)
		return e->efd;
	err = xlbd_thread_start(&e->th, "xlbd-etcd-watch", watch_thread, e);
	if (err)
		return err;
	err = xlbd_etcd_worker_start(d);
	if (err)
		return err;
	pr_info("etcd: watching %s", e->key);
	return 0;
}

void xlbd_etcd_stop(struct xlbd *d)
{
	struct xlbd_etcd *e = d->etcd;

	if (!e)
		return;
	/* its jobs' answers may read e */
	xlbd_etcd_worker_stop(d);
	xlbd_thread_stop(&e->th);
	xlbd_thread_waker_close(d->loop, &e->efd);
	free(e->doc);
	free(e);
	d->etcd = NULL;
	curl_global_cleanup();
}

void xlbd_etcd_reachable(struct xlbd *d, bool others_ok, const char *why)
{
	struct xlbd_etcd *e = d->etcd;
	/* a watch not yet set up at the start is no outage */
	bool ok = others_ok &&
		  (atomic_load(&e->watching) || !atomic_load(&e->watch_failed));

	if (ok == e->reachable)
		return;
	e->reachable = ok;
	if (ok) {
		pthread_mutex_lock(&e->th.mu);
		pr_info("etcd: reachable again (%s); following %s", e->endpoint,
			e->key);
		pthread_mutex_unlock(&e->th.mu);
		return;
	}
	e->unreachable_since_ms = xlb_now_ms();
	e->unreachable_events++;
	pthread_mutex_lock(&e->th.mu);
	if (!others_ok || !e->why[0])
		snprintf(e->why, sizeof(e->why), "%s", why);
	pr_warn("etcd: unreachable (%s); serving the last configuration (revision %" PRId64
		")",
		e->why, e->applied);
	pthread_mutex_unlock(&e->th.mu);
}

struct write_back {
	struct xlbd_etcd_job job;
	struct xlbd_etcd *e;
	struct xlbd_client *cl;
	json_object *data; /* the answer, when written */
	char *doc;
	size_t len;
	int64_t base;		  /* processed when the change was made */
	int64_t expect, rev, cur; /* the compare, the write, the key now */
	int r;
	char why[256];
};

/* Worker thread. */
static void write_back_work(struct xlb_etcd *cli, struct xlbd_etcd_job *j)
{
	struct write_back *w = (struct write_back *)j;
	struct xlbd_etcd *e = w->e;

	w->expect = w->base == e->chain_base && e->chain_rev ? e->chain_rev
							     : w->base;
	w->r = xlb_etcd_cas(cli, e->key, w->doc, w->len, w->expect, &w->rev,
			    &w->cur);
	e->chain_base = w->base;
	e->chain_rev = w->r ? 0 : w->rev;
	if (w->r)
		snprintf(w->why, sizeof(w->why), "%s", xlb_etcd_error(cli));
}

static void write_back_done(struct xlbd *d, struct xlbd_etcd_job *j,
			    bool stopping)
{
	struct write_back *w = (struct write_back *)j;
	struct xlbd_etcd *e = w->e;
	char err[512];

	if (!j->ran) {
		w->r = -ESHUTDOWN;
		snprintf(w->why, sizeof(w->why), "xlbd is stopping");
	}
	if (!w->r) {
		e->write_backs++;
		pr_info("etcd: change written to %s (revision %" PRId64 ")",
			e->key, w->rev);
		if (w->data)
			json_object_object_add(w->data, "etcd_revision",
					       json_object_new_int64(w->rev));
		xlbd_control_reply(w->cl, w->data, NULL);
	} else {
		if (w->r == -ECANCELED) {
			e->conflicts++;
			snprintf(
				err, sizeof(err),
				"etcd: conflict: %s changed since revision %" PRId64
				" (now %" PRId64
				"); not written, this node applies etcd's: run the command again",
				e->key, w->expect, w->cur);
		} else {
			snprintf(
				err, sizeof(err),
				"etcd: not written (%s); back to revision %" PRId64,
				w->why, e->processed);
		}
		pr_warn("%s", err);
		json_object_put(w->data);
		/* the runtime changed already: back to the document */
		if (!stopping)
			xlbd_reload_start(d, "etcd");
		xlbd_control_reply(w->cl, NULL, err);
	}
	free(w->doc);
	free(w);
}

int xlbd_etcd_write_back(struct xlbd *d, struct xlbd_client *cl,
			 json_object *data, char *err, size_t errlen)
{
	struct xlbd_etcd *e = d->etcd;
	struct write_back *w = calloc(1, sizeof(*w));
	int r = w ? 0 : -ENOMEM;

	if (w)
		r = xlbd_state_effective_yaml(d, true, &w->doc, &w->len);
	if (!r) {
		w->job.work = write_back_work;
		w->job.done = write_back_done;
		w->e = e;
		w->cl = cl;
		w->data = data;
		w->base = e->processed;
		r = xlbd_etcd_submit(d, &w->job);
	}
	if (!r)
		return XLBD_REPLY_LATER;
	if (w)
		free(w->doc);
	free(w);
	snprintf(err, errlen,
		 "etcd: not written (%s); back to revision %" PRId64,
		 r == -EBUSY ? "too many requests waiting for etcd"
			     : strerror(-r),
		 e->processed);
	pr_warn("%s", err);
	xlbd_reload_start(d, "etcd");
	return r;
}

struct json_object *xlbd_etcd_status_json(const struct xlbd *d)
{
	struct xlbd_etcd *e = d->etcd;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "key", json_object_new_string(e->key));
	pthread_mutex_lock(&e->th.mu);
	json_object_object_add(o, "endpoint",
			       json_object_new_string(e->endpoint));
	if (!e->reachable)
		json_object_object_add(o, "why",
				       json_object_new_string(e->why));
	pthread_mutex_unlock(&e->th.mu);
	json_object_object_add(o, "reachable",
			       json_object_new_boolean(e->reachable));
	json_object_object_add(o, "requests_waiting",
			       json_object_new_int64(xlbd_etcd_jobs(d)));
	if (!e->reachable) {
		json_object_object_add(
			o, "unreachable_for_ms",
			json_object_new_int64(xlb_now_ms() -
					      e->unreachable_since_ms));
	}
	json_object_object_add(o, "revision",
			       json_object_new_int64(e->applied));
	json_object_object_add(o, "name",
			       json_object_new_string(d->boot.etcd.name));
	return o;
}

int64_t xlbd_etcd_revision(const struct xlbd *d)
{
	return d->etcd->applied;
}

void xlbd_etcd_metrics(struct xlbd *d, bool *reachable, __u64 *rev,
		       __u64 *write_backs, __u64 *conflicts)
{
	struct xlbd_etcd *e = d->etcd;

	*reachable = e->reachable;
	*rev = e->applied;
	*write_backs = e->write_backs;
	*conflicts = e->conflicts;
}
