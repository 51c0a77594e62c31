// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * etcd v3 over its JSON gateway: libcurl does HTTP (and TLS), json-c the
 * bodies. Contract in etcd_client.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "etcd_client.h"

#define DEFAULT_TIMEOUT_MS 2000
/* a reply bigger than this is refused (a config value is at most 16 MiB) */
#define MAX_REPLY (XLB_ETCD_MAX_VALUE + (1 << 20))

struct xlb_etcd {
	CURL *curl;
	char *endpoints[XLB_ETCD_MAX_ENDPOINTS];
	size_t n, cur;
	long timeout_ms;
	char err[256];
};

static void set_err(struct xlb_etcd *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_err(struct xlb_etcd *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	va_start(ap, fmt);
	vsnprintf(e->err, sizeof(e->err), fmt, ap);
	va_end(ap);
}

const char *xlb_etcd_error(const struct xlb_etcd *e)
{
	return e->err;
}

const char *xlb_etcd_endpoint(const struct xlb_etcd *e)
{
	return e->endpoints[e->cur];
}

struct xlb_etcd *xlb_etcd_new(const struct xlb_etcd_opts *o)
{
	struct xlb_etcd *e;

	if (!o->n_endpoints || o->n_endpoints > XLB_ETCD_MAX_ENDPOINTS)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->curl = curl_easy_init();
	if (!e->curl)
		goto fail;
	for (size_t i = 0; i < o->n_endpoints; i++) {
		size_t l = strlen(o->endpoints[i]);

		/* "http://h:2379/" and "http://h:2379" are the same */
		while (l && o->endpoints[i][l - 1] == '/')
			l--;
		e->endpoints[i] = strndup(o->endpoints[i], l);
		if (!e->endpoints[i])
			goto fail;
		e->n++;
	}
	e->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
	if (o->ca_file && *o->ca_file)
		curl_easy_setopt(e->curl, CURLOPT_CAINFO, o->ca_file);
	if (o->cert_file && *o->cert_file)
		curl_easy_setopt(e->curl, CURLOPT_SSLCERT, o->cert_file);
	if (o->key_file && *o->key_file)
		curl_easy_setopt(e->curl, CURLOPT_SSLKEY, o->key_file);
	curl_easy_setopt(e->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(e->curl, CURLOPT_TCP_KEEPIDLE, 2L);
	curl_easy_setopt(e->curl, CURLOPT_TCP_KEEPINTVL, 1L);
	curl_easy_setopt(e->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	return e;
fail:
	xlb_etcd_free(e);
	return NULL;
}

void xlb_etcd_free(struct xlb_etcd *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		free(e->endpoints[i]);
	if (e->curl)
		curl_easy_cleanup(e->curl);
	free(e);
}

struct body {
	char *p;
	size_t n, cap;
	bool too_big;
};

static size_t on_data(char *ptr, size_t sz, size_t nmemb, void *ud)
{
	struct body *b = ud;
	size_t len = sz * nmemb;

	if (b->n + len + 1 > MAX_REPLY) {
		b->too_big = true;
		return 0;
	}
	if (b->n + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->n + len + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return 0;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, ptr, len);
	b->n += len;
	b->p[b->n] = '\0';
	return len;
}

/* etcd's error body: {"error": ..., "message": ..., "code": N} (gRPC). */
static int http_error(struct xlb_etcd *e, long code, const struct body *b)
{
	json_object *o = b->p ? xlb_etcd_reply_obj(b->p, b->n) : NULL, *m, *c;
	int grpc = -1, err;

	if (o && json_object_object_get_ex(o, "code", &c))
		grpc = json_object_get_int(c);
	if (o && json_object_object_get_ex(o, "message", &m))
		set_err(e, "%s: %s", e->endpoints[e->cur],
			json_object_get_string(m));
	else
		set_err(e, "%s: HTTP %ld", e->endpoints[e->cur], code);
	json_object_put(o);
	switch (grpc) {
	case 5: /* NOT_FOUND */
		err = -ENOENT;
		break;
	case 14: /* UNAVAILABLE: no leader, say */
		err = -EHOSTUNREACH;
		break;
	default:
		err = -EPROTO;
	}
	return err;
}

/*
 * POST body to path on the endpoints in turn; *out the reply object.
 * Transport errors move on to the next endpoint; an answer (even an
 * error) ends it.
 */
static int request(struct xlb_etcd *e, const char *path, json_object *req,
		   json_object **out)
{
	const char *js =
		json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	char url[512];
	int err = -EHOSTUNREACH;

	*out = NULL;
	if (!js)
		return -ENOMEM;
	for (size_t t = 0; t < e->n; t++) {
		size_t i = (e->cur + t) % e->n;
		struct body b = {};
		CURLcode rc;
		long code = 0;

		snprintf(url, sizeof(url), "%s%s", e->endpoints[i], path);
		curl_easy_setopt(e->curl, CURLOPT_URL, url);
		curl_easy_setopt(e->curl, CURLOPT_POSTFIELDS, js);
		curl_easy_setopt(e->curl, CURLOPT_WRITEFUNCTION, on_data);
		curl_easy_setopt(e->curl, CURLOPT_WRITEDATA, &b);
		curl_easy_setopt(e->curl, CURLOPT_TIMEOUT_MS, e->timeout_ms);
		curl_easy_setopt(e->curl, CURLOPT_CONNECTTIMEOUT_MS,
				 e->timeout_ms);
		curl_easy_setopt(e->curl, CURLOPT_NOPROGRESS, 1L);
		rc = curl_easy_perform(e->curl);
		if (rc != CURLE_OK) {
			set_err(e, "%s: %s", e->endpoints[i],
				b.too_big ? "reply too large"
					  : curl_easy_strerror(rc));
			free(b.p);
			err = b.too_big ? -EPROTO : -EHOSTUNREACH;
			continue;
		}
		e->cur = i;
		curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, &code);
		if (code != 200) {
			err = http_error(e, code, &b);
			free(b.p);
			if (err == -EHOSTUNREACH)
				continue;
			return err;
		}
		*out = b.p ? xlb_etcd_reply_obj(b.p, b.n) : NULL;
		free(b.p);
		if (!*out) {
			set_err(e, "%s%s: not a JSON object", url, "");
			return -EPROTO;
		}
		return 0;
	}
	return err;
}

static int add_b64(json_object *o, const char *k, const void *v, size_t len)
{
	char *s = xlb_b64_encode(v, len);

	if (!s)
		return -ENOMEM;
	json_object_object_add(o, k, json_object_new_string(s));
	free(s);
	return 0;
}

/* An int64 as the gateway writes one: a string. */
static json_object *new_i64(int64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	return json_object_new_string(buf);
}

static void add_i64(json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, new_i64(v));
}

/* The first key after every key starting with prefix. */
static char *prefix_end(const char *prefix, size_t *len)
{
	size_t n = strlen(prefix);
	char *end = strdup(prefix);

	while (end && n && (unsigned char)end[n - 1] == 0xff)
		n--;
	if (!end || !n) {
		free(end);
		return NULL;
	}
	end[n - 1]++;
	*len = n;
	return end;
}

static int range(struct xlb_etcd *e, const char *key, bool prefix,
		 struct xlb_etcd_kv **kvs, size_t *n, int64_t *rev)
{
	json_object *req = json_object_new_object(), *rep;
	int64_t r;
	int err;

	*kvs = NULL;
	*n = 0;
	if (!req)
		return -ENOMEM;
	err = add_b64(req, "key", key, strlen(key));
	if (!err && prefix) {
		size_t elen;
		char *end = prefix_end(key, &elen);

		err = end ? add_b64(req, "range_end", end, elen) : -EINVAL;
		free(end);
	}
	if (!err)
		err = request(e, "/v3/kv/range", req, &rep);
	json_object_put(req);
	if (err)
		return err;
	err = xlb_etcd_reply_range(rep, kvs, n, &r);
	json_object_put(rep);
	if (err == -EPROTO)
		set_err(e, "%s: malformed range reply", e->endpoints[e->cur]);
	if (!err && rev)
		*rev = r;
	return err;
}

int xlb_etcd_get(struct xlb_etcd *e, const char *key, struct xlb_etcd_kv *out,
		 int64_t *rev)
{
	struct xlb_etcd_kv *kvs;
	size_t n;
	int err = range(e, key, false, &kvs, &n, rev);

	memset(out, 0, sizeof(*out));
	if (err)
		return err;
	if (n != 1 || strcmp(kvs[0].key, key)) {
		xlb_etcd_kvs_free(kvs, n);
		set_err(e, "%s: no key %s", e->endpoints[e->cur], key);
		return -ENOENT;
	}
	*out = kvs[0];
	free(kvs);
	return 0;
}

int xlb_etcd_get_prefix(struct xlb_etcd *e, const char *prefix,
			struct xlb_etcd_kv **kvs, size_t *n, int64_t *rev)
{
	return range(e, prefix, true, kvs, n, rev);
}

static json_object *put_req(const char *key, const char *val, size_t len,
			    int64_t lease)
{
	json_object *p = json_object_new_object();

	if (!p || add_b64(p, "key", key, strlen(key)) ||
	    add_b64(p, "value", val, len)) {
		json_object_put(p);
		return NULL;
	}
	if (lease)
		add_i64(p, "lease", lease);
	return p;
}

int xlb_etcd_put(struct xlb_etcd *e, const char *key, const char *val,
		 size_t len, int64_t lease, int64_t *rev)
{
	json_object *req = put_req(key, val, len, lease), *rep;
	int64_t r;
	int err;

	if (!req)
		return -ENOMEM;
	err = request(e, "/v3/kv/put", req, &rep);
	json_object_put(req);
	if (err)
		return err;
	err = xlb_etcd_reply_rev(rep, &r);
	json_object_put(rep);
	if (!err && rev)
		*rev = r;
	return err;
}

int xlb_etcd_delete(struct xlb_etcd *e, const char *key)
{
	json_object *req = json_object_new_object(), *rep;
	int err;

	if (!req)
		return -ENOMEM;
	err = add_b64(req, "key", key, strlen(key));
	if (!err)
		err = request(e, "/v3/kv/deleterange", req, &rep);
	json_object_put(req);
	if (!err)
		json_object_put(rep);
	return err;
}

int xlb_etcd_cas(struct xlb_etcd *e, const char *key, const char *val,
		 size_t len, int64_t mod_rev, int64_t *rev, int64_t *cur)
{
	json_object *req = json_object_new_object(), *cmp, *c, *ok, *op, *rng,
		    *fail, *rep = NULL, *x;
	int64_t r = 0;
	int err = -ENOMEM;

	if (!req)
		return -ENOMEM;
	cmp = json_object_new_array();
	c = json_object_new_object();
	ok = json_object_new_array();
	op = json_object_new_object();
	fail = json_object_new_array();
	rng = json_object_new_object();
	json_object_object_add(req, "compare", cmp);
	json_object_object_add(req, "success", ok);
	json_object_object_add(req, "failure", fail);
	if (!cmp || !c || !ok || !op || !fail || !rng ||
	    add_b64(c, "key", key, strlen(key))) {
		json_object_put(c);
		json_object_put(op);
		json_object_put(rng);
		goto out;
	}
	json_object_object_add(c, "target", json_object_new_string("MOD"));
	json_object_object_add(c, "result", json_object_new_string("EQUAL"));
	add_i64(c, "mod_revision", mod_rev);
	json_object_array_add(cmp, c);
	json_object_object_add(op, "request_put", put_req(key, val, len, 0));
	json_object_array_add(ok, op);
	/* on failure: read the key, to say what it is now */
	if (add_b64(rng, "key", key, strlen(key))) {
		json_object_put(rng);
		goto out;
	}
	x = json_object_new_object();
	json_object_object_add(x, "request_range", rng);
	json_object_array_add(fail, x);
	err = request(e, "/v3/kv/txn", req, &rep);
	if (err)
		goto out;
	err = xlb_etcd_reply_rev(rep, &r);
	if (err)
		goto out;
	if (rev)
		*rev = r;
	if (json_object_object_get_ex(rep, "succeeded", &x) &&
	    json_object_get_boolean(x))
		goto out;
	err = -ECANCELED;
	if (cur) {
		json_object *resps, *rr, *rg;
		struct xlb_etcd_kv *kvs;
		size_t n;
		int64_t hr;

		*cur = 0;
		if (json_object_object_get_ex(rep, "responses", &resps) &&
		    json_object_is_type(resps, json_type_array) &&
		    (rr = json_object_array_get_idx(resps, 0)) &&
		    json_object_object_get_ex(rr, "response_range", &rg)) {
			/* response_range has no header of its own here */
			if (!json_object_object_get_ex(rg, "header", NULL))
				json_object_object_add(
					rg, "header",
					json_object_get(json_object_object_get(
						rep, "header")));
			if (!xlb_etcd_reply_range(rg, &kvs, &n, &hr)) {
				if (n)
					*cur = kvs[0].mod_revision;
				xlb_etcd_kvs_free(kvs, n);
			}
		}
	}
	set_err(e, "%s changed since revision %" PRId64, key, mod_rev);
out:
	json_object_put(req);
	json_object_put(rep);
	return err;
}

/* The lease calls: a request of one number, {"@field": v}, to @path. */
static int lease_request(struct xlb_etcd *e, const char *path, json_object *v,
			 const char *field, json_object **rep)
{
	json_object *req = json_object_new_object();
	int err;

	if (!req || !v) {
		json_object_put(req);
		json_object_put(v);
		return -ENOMEM;
	}
	json_object_object_add(req, field, v);
	err = request(e, path, req, rep);
	json_object_put(req);
	return err;
}

int xlb_etcd_lease_grant(struct xlb_etcd *e, long ttl_s, int64_t *id)
{
	json_object *rep;
	int err;

	err = lease_request(e, "/v3/lease/grant", json_object_new_int64(ttl_s),
			    "TTL", &rep);
	if (err)
		return err;
	err = xlb_etcd_reply_i64(rep, "ID", id);
	if (!err && !*id)
		err = -EPROTO;
	json_object_put(rep);
	return err;
}

int xlb_etcd_lease_keepalive(struct xlb_etcd *e, int64_t id, long *ttl_s)
{
	json_object *rep, *r;
	int64_t ttl = 0;
	int err;

	err = lease_request(e, "/v3/lease/keepalive", new_i64(id), "ID", &rep);
	if (err)
		return err;
	if (!json_object_object_get_ex(rep, "result", &r))
		err = -EPROTO;
	else
		err = xlb_etcd_reply_i64(r, "TTL", &ttl);
	json_object_put(rep);
	if (!err && ttl <= 0) {
		set_err(e, "lease %" PRId64 " has expired", id);
		err = -ENOENT;
	}
	if (!err && ttl_s)
		*ttl_s = ttl;
	return err;
}

int xlb_etcd_lease_revoke(struct xlb_etcd *e, int64_t id)
{
	json_object *rep;
	int err;

	err = lease_request(e, "/v3/lease/revoke", new_i64(id), "ID", &rep);
	if (!err)
		json_object_put(rep);
	return err;
}

struct watch {
	struct xlb_etcd *e;
	struct body line; /* bytes of the line not yet complete */
	xlb_etcd_watch_fn *fn;
	void *ctx;
	atomic_bool *stop, *created;
	int err;
};

static size_t on_watch_data(char *ptr, size_t sz, size_t nmemb, void *ud)
{
	struct watch *w = ud;
	size_t len = sz * nmemb, done = 0;

	while (done < len) {
		char *nl = memchr(ptr + done, '\n', len - done);
		size_t k = nl ? (size_t)(nl - ptr - done) : len - done;
		bool created = false;
		int64_t rev;

		if (on_data(ptr + done, 1, k, &w->line) != k) {
			w->err = w->line.too_big ? -EPROTO : -ENOMEM;
			return 0;
		}
		done += k;
		if (!nl)
			break;
		done++;
		w->err = xlb_etcd_parse_watch(w->line.p ? w->line.p : "",
					      w->line.n, w->fn, w->ctx,
					      &created, &rev);
		w->line.n = 0;
		if (created && w->created)
			atomic_store(w->created, true);
		if (w->err) {
			if (w->err == -EPROTO)
				set_err(w->e, "%s: watch canceled or malformed",
					xlb_etcd_endpoint(w->e));
			return 0;
		}
	}
	return len;
}

static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut,
		       curl_off_t un)
{
	struct watch *w = ud;

	return w->stop && atomic_load(w->stop);
}

int xlb_etcd_watch(struct xlb_etcd *e, const char *key, int64_t start_rev,
		   xlb_etcd_watch_fn *fn, void *ctx, atomic_bool *stop,
		   atomic_bool *created)
{
	json_object *req = json_object_new_object(),
		    *cr = json_object_new_object();
	struct watch w = {
		.e = e, .fn = fn, .ctx = ctx, .stop = stop, .created = created
	};
	const char *js;
	char url[512];
	CURLcode rc;
	int err = -ENOMEM;

	if (!req || !cr || add_b64(cr, "key", key, strlen(key))) {
		json_object_put(cr);
		goto out;
	}
	if (start_rev)
		add_i64(cr, "start_revision", start_rev);
	json_object_object_add(req, "create_request", cr);
	js = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	snprintf(url, sizeof(url), "%s/v3/watch", e->endpoints[e->cur]);
	curl_easy_setopt(e->curl, CURLOPT_URL, url);
	curl_easy_setopt(e->curl, CURLOPT_POSTFIELDS, js);
	curl_easy_setopt(e->curl, CURLOPT_WRITEFUNCTION, on_watch_data);
	curl_easy_setopt(e->curl, CURLOPT_WRITEDATA, &w);
	curl_easy_setopt(e->curl, CURLOPT_TIMEOUT_MS, 0L);
	curl_easy_setopt(e->curl, CURLOPT_CONNECTTIMEOUT_MS, e->timeout_ms);
	curl_easy_setopt(e->curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(e->curl, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(e->curl, CURLOPT_XFERINFODATA, &w);
	rc = curl_easy_perform(e->curl);
	curl_easy_setopt(e->curl, CURLOPT_NOPROGRESS, 1L);
	if (stop && atomic_load(stop)) {
		err = 0;
	} else if (w.err) {
		err = w.err;
	} else {
		long code = 0;

		curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, &code);
		set_err(e, "%s: watch ended: %s", url,
			rc != CURLE_OK ? curl_easy_strerror(rc)
				       : "the server closed the stream");
		err = -EHOSTUNREACH;
		/* next time, the next endpoint */
		e->cur = (e->cur + 1) % e->n;
	}
out:
	free(w.line.p);
	json_object_put(req);
	return err;
}
