/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * etcd's JSON gateway replies, read (etcd_reply.c): the key-values they
 * carry and the readers etcd_client.c uses on each reply. No I/O; the
 * readers of whole replies are exposed for the fuzzer and the tests.
 * Readers return 0, -EPROTO (not what etcd sends) or -ENOMEM.
 */
#ifndef XLB_ETCD_REPLY_H
#define XLB_ETCD_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

struct xlb_etcd_kv {
	char *key;   /* NUL-terminated */
	char *value; /* len bytes plus a NUL */
	size_t len;
	int64_t create_revision, mod_revision, version, lease;
};

void xlb_etcd_kv_free(struct xlb_etcd_kv *kv);
void xlb_etcd_kvs_free(struct xlb_etcd_kv *kvs, size_t n);

/* A watch event: kv->value NULL for a delete (see xlb_etcd_watch()). */
typedef int xlb_etcd_watch_fn(void *ctx, const struct xlb_etcd_kv *kv,
			      int64_t rev);

/*
 * The gateway's replies, parsed (exposed for the fuzzer and the tests).
 * parse_range: "kvs" into *kvs (NULL when none), header revision into
 * *rev. parse_watch: one line of the watch stream, its events to fn;
 * *created set when it confirms the watch. Both return 0, -EPROTO or
 * -ENOMEM, or fn's non-zero value.
 */
int xlb_etcd_parse_range(const char *json, size_t len, struct xlb_etcd_kv **kvs,
			 size_t *n, int64_t *rev);
int xlb_etcd_parse_watch(const char *line, size_t len, xlb_etcd_watch_fn *fn,
			 void *ctx, bool *created, int64_t *rev);

/* Base64 (RFC 4648, with padding) as etcd's gateway sends it. */
char *xlb_b64_encode(const void *data, size_t len);
/* *out malloc'd, NUL-terminated; -EINVAL for anything but base64. */
int xlb_b64_decode(const char *s, size_t slen, char **out, size_t *len);

/* @json as a JSON object, or NULL (not one, or no memory). */
struct json_object *xlb_etcd_reply_obj(const char *json, size_t len);
/* Member @k, an int64 (etcd's come as decimal strings); absent: 0. */
int xlb_etcd_reply_i64(struct json_object *o, const char *k, int64_t *v);
/* The reply's header revision. */
int xlb_etcd_reply_rev(struct json_object *o, int64_t *rev);
/* A range reply's "kvs" into *kvs (NULL when none), its revision *rev. */
int xlb_etcd_reply_range(struct json_object *o, struct xlb_etcd_kv **kvs,
			 size_t *n, int64_t *rev);

#endif /* XLB_ETCD_REPLY_H */
