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
 * node applies the newer document.
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
#include "xlbd.h"

#define RETRY_MS 1000
#define REQUEST_MS 1500

struct xlbd_etcd {
	struct xlb_etcd_opts opts;
	char key[160];	      /* PREFIX/config */
	struct xlb_etcd *cli; /* the loop's: start, write-back, cluster */
	/* watch thread */
	pthread_t tid;
	bool running;
	atomic_bool stop, watching;
	atomic_bool watch_failed; /* a watch ended since the start */
	int efd;
	int64_t start_rev; /* watch from after this store revision */
	/* the newest document the watch saw (mu) */
	pthread_mutex_t mu;
	char *doc;
	size_t len;
	int64_t rev;  /* its mod_revision; 0: none */
	bool deleted; /* the key is gone */
	/* loop side */
	int64_t processed; /* mod_revision last applied or refused */
	int64_t applied;   /* ... applied */
	bool reachable;	   /* as last reported */
	char why[256];	   /* why not */
	__u64 unreachable_since_ms;
	__u64 write_backs, conflicts, unreachable_events;
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

struct xlb_etcd *xlbd_etcd_loop_client(struct xlbd *d)
{
	return d->etcd->cli;
}

/* Watch thread: the newest document, for the loop. */
static void deliver(struct xlbd_etcd *e, const struct xlb_etcd_kv *kv)
{
	pthread_mutex_lock(&e->mu);
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
	pthread_mutex_unlock(&e->mu);
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
	struct xlb_etcd_kv kv;
	int64_t rev = 0;
	int err = 0;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	d->etcd = e;
	e->efd = -1;
	pthread_mutex_init(&e->mu, NULL);
	snprintf(e->key, sizeof(e->key), "%s/config", d->boot.etcd.prefix);
	e->cli = xlbd_etcd_client(d, REQUEST_MS);
	if (!e->cli)
		return -ENOMEM;
	/* the first read: a node starting without etcd has no config */
	for (int i = 0; i < 5; i++) {
		err = xlb_etcd_get(e->cli, e->key, &kv, &rev);
		if (err != -EHOSTUNREACH)
			break;
		pr_warn("etcd: %s; retrying", xlb_etcd_error(e->cli));
		usleep(RETRY_MS * 1000);
	}
	if (err == -ENOENT) {
		pr_warn("etcd: no key %s yet: starting with no services",
			e->key);
		e->start_rev = rev;
		e->reachable = true;
		return load_doc(d, "", 0, cfg, errs);
	}
	if (err) {
		pr_err("etcd: cannot read %s: %s", e->key,
		       xlb_etcd_error(e->cli));
		return err;
	}
	pr_info("etcd: %s revision %" PRId64 " from %s", e->key,
		kv.mod_revision, xlb_etcd_endpoint(e->cli));
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
	for (int i = 0; i < RETRY_MS / 100 && !atomic_load(&e->stop); i++)
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
	while (!atomic_load(&e->stop)) {
		if (resync) {
			/* what changed while the watch was down */
			err = xlb_etcd_get(w, e->key, &kv, &last);
			if (err == -EHOSTUNREACH || err == -EPROTO ||
			    err == -ENOMEM) {
				nap(e);
				continue;
			}
			pthread_mutex_lock(&e->mu);
			seen = e->rev;
			pthread_mutex_unlock(&e->mu);
			if (!err && kv.mod_revision != seen)
				deliver(e, &kv);
			xlb_etcd_kv_free(&kv);
			resync = false;
		}
		atomic_store(&e->watching, false);
		err = xlb_etcd_watch(w, e->key, last + 1, on_event, &wc,
				     &e->stop, &e->watching);
		atomic_store(&e->watching, false);
		if (atomic_load(&e->stop))
			break;
		atomic_store(&e->watch_failed, true);
		pthread_mutex_lock(&e->mu);
		snprintf(e->why, sizeof(e->why), "%s", xlb_etcd_error(w));
		pthread_mutex_unlock(&e->mu);
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
	pthread_mutex_lock(&e->mu);
	fresh = e->rev && e->rev != e->processed;
	deleted = e->deleted;
	pthread_mutex_unlock(&e->mu);
	if (!fresh)
		return;
	if (deleted) {
		pr_warn("etcd: %s was deleted; the running configuration stays",
			e->key);
		pthread_mutex_lock(&e->mu);
		e->processed = e->rev;
		pthread_mutex_unlock(&e->mu);
		return;
	}
	xlbd_reload_start(d, "etcd");
}

int xlbd_etcd_doc(struct xlbd *d, char **buf, size_t *len, int64_t *rev,
		  char *name, size_t namelen)
{
	struct xlbd_etcd *e = d->etcd;
	int err = 0;

	pthread_mutex_lock(&e->mu);
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
	pthread_mutex_unlock(&e->mu);
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
	e->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (e->efd < 0)
		return -errno;
	err = xlb_loop_add_fd(d->loop, e->efd, EPOLLIN, on_doc, d);
	if (err)
		return err;
	err = pthread_create(&e->tid, NULL, watch_thread, e);
	if (err)
		return -err;
	e->running = true;
	pr_info("etcd: watching %s", e->key);
	return 0;
}

void xlbd_etcd_stop(struct xlbd *d)
{
	struct xlbd_etcd *e = d->etcd;

	if (!e)
		return;
	atomic_store(&e->stop, true);
	if (e->running)
		pthread_join(e->tid, NULL);
	if (e->efd >= 0) {
		xlb_loop_del_fd(d->loop, e->efd);
		close(e->efd);
	}
	xlb_etcd_free(e->cli);
	free(e->doc);
	pthread_mutex_destroy(&e->mu);
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
		pr_info("etcd: reachable again (%s); following %s",
			xlb_etcd_endpoint(e->cli), e->key);
		return;
	}
	e->unreachable_since_ms = xlb_now_ms();
	e->unreachable_events++;
	pthread_mutex_lock(&e->mu);
	if (!others_ok || !e->why[0])
		snprintf(e->why, sizeof(e->why), "%s", why);
	pr_warn("etcd: unreachable (%s); serving the last configuration (revision %" PRId64
		")",
		e->why, e->applied);
	pthread_mutex_unlock(&e->mu);
}

int xlbd_etcd_write_back(struct xlbd *d, char *err, size_t errlen, int64_t *rev)
{
	struct xlbd_etcd *e = d->etcd;
	char *buf;
	size_t len;
	int64_t cur = 0;
	int r;

	r = xlbd_effective_config_yaml(d, true, &buf, &len);
	if (!r)
		r = xlb_etcd_cas(e->cli, e->key, buf, len, e->processed, rev,
				 &cur);
	free(buf);
	if (!r) {
		e->write_backs++;
		pr_info("etcd: change written to %s (revision %" PRId64 ")",
			e->key, *rev);
		return 0;
	}
	if (r == -ECANCELED) {
		e->conflicts++;
		snprintf(
			err, errlen,
			"etcd: conflict: %s changed since revision %" PRId64
			" (now %" PRId64
			"); not written, this node applies etcd's: run the command again",
			e->key, e->processed, cur);
	} else {
		snprintf(err, errlen,
			 "etcd: not written (%s); back to revision %" PRId64,
			 xlb_etcd_error(e->cli), e->processed);
	}
	pr_warn("%s", err);
	/* the runtime changed already: back to the document */
	xlbd_reload_start(d, "etcd");
	return r;
}

struct json_object *xlbd_etcd_status_json(const struct xlbd *d)
{
	struct xlbd_etcd *e = d->etcd;
	json_object *o = json_object_new_object();

	json_object_object_add(o, "key", json_object_new_string(e->key));
	json_object_object_add(
		o, "endpoint",
		json_object_new_string(xlb_etcd_endpoint(e->cli)));
	json_object_object_add(o, "reachable",
			       json_object_new_boolean(e->reachable));
	if (!e->reachable) {
		pthread_mutex_lock(&e->mu);
		json_object_object_add(o, "why",
				       json_object_new_string(e->why));
		pthread_mutex_unlock(&e->mu);
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
