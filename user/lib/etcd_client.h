/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A small etcd v3 client over its JSON gateway (etcd 3.4: /v3/kv/range,
 * /v3/kv/put, /v3/kv/txn, /v3/lease/grant, /v3/lease/keepalive,
 * /v3/watch), with libcurl for HTTP and json-c for the bodies. Keys and
 * values travel base64-encoded; revisions and lease ids as decimal strings.
 *
 * One struct xlb_etcd is one curl handle: use it from one thread at a time
 * (xlbd gives each of its threads its own). Every call is blocking and
 * bounded by the timeout given at creation, except the watch, which runs
 * until its callback or the stop flag ends it. Endpoints are tried in
 * order, starting with the one that answered last.
 *
 * Functions return 0 or -errno: -ENOENT no such key (or lease), -ECANCELED
 * a compare-and-swap whose compare failed, -EHOSTUNREACH no endpoint
 * answered, -EPROTO an answer that is not what etcd sends, -ENOMEM.
 * xlb_etcd_error() says what went wrong in words.
 */
#ifndef XLB_ETCD_CLIENT_H
#define XLB_ETCD_CLIENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "etcd_reply.h"

#define XLB_ETCD_MAX_ENDPOINTS 8

struct xlb_etcd_opts {
	const char *endpoints[XLB_ETCD_MAX_ENDPOINTS]; /* "http://h:p" */
	size_t n_endpoints;
	const char *ca_file, *cert_file, *key_file; /* NULL or "": none */
	long timeout_ms;			    /* each request; 0: 2000 */
};

struct xlb_etcd;

/* The largest value we accept (a config at its bound, base64'd, fits). */
#define XLB_ETCD_MAX_VALUE (24 << 20)

struct xlb_etcd *xlb_etcd_new(const struct xlb_etcd_opts *o);
void xlb_etcd_free(struct xlb_etcd *e);
const char *xlb_etcd_error(const struct xlb_etcd *e);
/* The endpoint that answered last (or the first). */
const char *xlb_etcd_endpoint(const struct xlb_etcd *e);

/* One key; *rev (may be NULL): the store's revision at the read. */
int xlb_etcd_get(struct xlb_etcd *e, const char *key, struct xlb_etcd_kv *out,
		 int64_t *rev);
/* Every key starting with prefix, sorted by key; caller frees. */
int xlb_etcd_get_prefix(struct xlb_etcd *e, const char *prefix,
			struct xlb_etcd_kv **kvs, size_t *n, int64_t *rev);
/* lease 0: none. *rev (may be NULL): the revision of the write. */
int xlb_etcd_put(struct xlb_etcd *e, const char *key, const char *val,
		 size_t len, int64_t lease, int64_t *rev);
int xlb_etcd_delete(struct xlb_etcd *e, const char *key);
/*
 * Writes key only if its mod_revision is still mod_rev (0: the key must
 * not exist). -ECANCELED when it changed; then *cur (may be NULL) holds
 * its mod_revision now (0: deleted). *rev: the revision of the write.
 */
int xlb_etcd_cas(struct xlb_etcd *e, const char *key, const char *val,
		 size_t len, int64_t mod_rev, int64_t *rev, int64_t *cur);
int xlb_etcd_lease_grant(struct xlb_etcd *e, long ttl_s, int64_t *id);
/* One keepalive; -ENOENT when the lease has expired. */
int xlb_etcd_lease_keepalive(struct xlb_etcd *e, int64_t id, long *ttl_s);
int xlb_etcd_lease_revoke(struct xlb_etcd *e, int64_t id);

/*
 * Watch key from revision start_rev (0: from now). Calls fn for every
 * event in order: kv->value NULL for a delete. The watch returns when fn
 * returns non-zero (that value), when *stop is set (checked at least every
 * second: 0), or when the stream breaks (-EHOSTUNREACH or -EPROTO, e.g.
 * -EPROTO with "compacted" when start_rev is gone). *created is set once
 * etcd has confirmed the watch (the events from then on are complete).
 */
int xlb_etcd_watch(struct xlb_etcd *e, const char *key, int64_t start_rev,
		   xlb_etcd_watch_fn *fn, void *ctx, atomic_bool *stop,
		   atomic_bool *created);

#endif /* XLB_ETCD_CLIENT_H */
