// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What etcd's JSON gateway sends back, read: the JSON objects, the int64s
 * that come as strings, the key-values (base64 keys and values), range
 * replies and the watch stream's lines. No I/O here: etcd_client.c does
 * the requests, the fuzzer and the tests feed these bytes directly.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "etcd_reply.h"

static const char b64_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *xlb_b64_encode(const void *data, size_t len)
{
	const unsigned char *p = data;
	char *out = malloc((len + 2) / 3 * 4 + 1), *o = out;

	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		__uint32_t v = p[i] << 16;

		if (i + 1 < len)
			v |= p[i + 1] << 8;
		if (i + 2 < len)
			v |= p[i + 2];
		*o++ = b64_chars[v >> 18 & 63];
		*o++ = b64_chars[v >> 12 & 63];
		*o++ = i + 1 < len ? b64_chars[v >> 6 & 63] : '=';
		*o++ = i + 2 < len ? b64_chars[v & 63] : '=';
	}
	*o = '\0';
	return out;
}

static int b64_val(char c)
{
	const char *p = c ? strchr(b64_chars, c) : NULL;

	return p ? (int)(p - b64_chars) : -1;
}

int xlb_b64_decode(const char *s, size_t slen, char **out, size_t *len)
{
	size_t n = 0, pad = 0;
	char *o;

	if (slen % 4)
		return -EINVAL;
	if (slen && s[slen - 1] == '=')
		pad = slen > 1 && s[slen - 2] == '=' ? 2 : 1;
	o = malloc(slen / 4 * 3 + 1);
	if (!o)
		return -ENOMEM;
	for (size_t i = 0; i < slen; i += 4) {
		int v[4];
		bool last = i + 4 == slen;

		for (int k = 0; k < 4; k++) {
			v[k] = b64_val(s[i + k]);
			if (v[k] < 0 && !(last && k >= 4 - (int)pad)) {
				free(o);
				return -EINVAL;
			}
			if (v[k] < 0)
				v[k] = 0;
		}
		o[n++] = v[0] << 2 | v[1] >> 4;
		if (!(last && pad == 2))
			o[n++] = (v[1] & 15) << 4 | v[2] >> 2;
		if (!(last && pad))
			o[n++] = (v[2] & 3) << 6 | v[3];
	}
	o[n] = '\0';
	*out = o;
	*len = n;
	return 0;
}

void xlb_etcd_kv_free(struct xlb_etcd_kv *kv)
{
	free(kv->key);
	free(kv->value);
	memset(kv, 0, sizeof(*kv));
}

void xlb_etcd_kvs_free(struct xlb_etcd_kv *kvs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		xlb_etcd_kv_free(&kvs[i]);
	free(kvs);
}

/* etcd's int64s come as decimal strings (proto3 JSON); absent: 0. */
int xlb_etcd_reply_i64(json_object *o, const char *k, int64_t *v)
{
	json_object *x;
	const char *s;
	char *end;

	*v = 0;
	if (!json_object_object_get_ex(o, k, &x))
		return 0;
	if (json_object_is_type(x, json_type_int)) {
		*v = json_object_get_int64(x);
		return 0;
	}
	if (!json_object_is_type(x, json_type_string))
		return -EPROTO;
	s = json_object_get_string(x);
	errno = 0;
	*v = strtoll(s, &end, 10);
	return !*s || *end || errno ? -EPROTO : 0;
}

static int get_b64(json_object *o, const char *k, char **out, size_t *len)
{
	json_object *x;

	*out = NULL;
	*len = 0;
	if (!json_object_object_get_ex(o, k, &x))
		return 0;
	if (!json_object_is_type(x, json_type_string))
		return -EPROTO;
	if (xlb_b64_decode(json_object_get_string(x),
			   json_object_get_string_len(x), out, len))
		return -EPROTO;
	return 0;
}

/* A mvccpb.KeyValue; a value absent is the empty value (not NULL). */
static int parse_kv(json_object *o, struct xlb_etcd_kv *kv, bool want_value)
{
	size_t klen;
	int err;

	memset(kv, 0, sizeof(*kv));
	if (!json_object_is_type(o, json_type_object))
		return -EPROTO;
	err = get_b64(o, "key", &kv->key, &klen);
	if (!err && !kv->key)
		err = -EPROTO;
	if (!err && klen != strlen(kv->key))
		err = -EPROTO; /* a NUL in a key: not one of ours */
	if (!err)
		err = get_b64(o, "value", &kv->value, &kv->len);
	if (!err && want_value && !kv->value) {
		kv->value = strdup("");
		err = kv->value ? 0 : -ENOMEM;
	}
	if (!err)
		err = xlb_etcd_reply_i64(o, "create_revision",
					 &kv->create_revision);
	if (!err)
		err = xlb_etcd_reply_i64(o, "mod_revision", &kv->mod_revision);
	if (!err)
		err = xlb_etcd_reply_i64(o, "version", &kv->version);
	if (!err)
		err = xlb_etcd_reply_i64(o, "lease", &kv->lease);
	if (err)
		xlb_etcd_kv_free(kv);
	return err;
}

int xlb_etcd_reply_rev(json_object *o, int64_t *rev)
{
	json_object *h;

	if (!json_object_object_get_ex(o, "header", &h) ||
	    !json_object_is_type(h, json_type_object))
		return -EPROTO;
	return xlb_etcd_reply_i64(h, "revision", rev);
}

json_object *xlb_etcd_reply_obj(const char *json, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	json_object *o;

	if (!tok)
		return NULL;
	o = json_tokener_parse_ex(tok, json, len);
	if (o && (json_tokener_get_error(tok) != json_tokener_success ||
		  !json_object_is_type(o, json_type_object))) {
		json_object_put(o);
		o = NULL;
	}
	json_tokener_free(tok);
	return o;
}

int xlb_etcd_reply_range(json_object *o, struct xlb_etcd_kv **kvs, size_t *n,
			 int64_t *rev)
{
	json_object *a;
	size_t cnt;
	int err;

	*kvs = NULL;
	*n = 0;
	err = xlb_etcd_reply_rev(o, rev);
	if (err || !json_object_object_get_ex(o, "kvs", &a))
		return err;
	if (!json_object_is_type(a, json_type_array))
		return -EPROTO;
	cnt = json_object_array_length(a);
	if (!cnt)
		return 0;
	*kvs = calloc(cnt, sizeof(**kvs));
	if (!*kvs)
		return -ENOMEM;
	for (size_t i = 0; i < cnt; i++) {
		err = parse_kv(json_object_array_get_idx(a, i), &(*kvs)[i],
			       true);
		if (err) {
			xlb_etcd_kvs_free(*kvs, i);
			*kvs = NULL;
			*n = 0; /* refused: nothing kept, not the count so far */
			return err;
		}
		*n = i + 1;
	}
	return 0;
}

int xlb_etcd_parse_range(const char *json, size_t len, struct xlb_etcd_kv **kvs,
			 size_t *n, int64_t *rev)
{
	json_object *o = xlb_etcd_reply_obj(json, len);
	int err;

	*kvs = NULL;
	*n = 0;
	if (!o)
		return -EPROTO;
	err = xlb_etcd_reply_range(o, kvs, n, rev);
	json_object_put(o);
	return err;
}

int xlb_etcd_parse_watch(const char *line, size_t len, xlb_etcd_watch_fn *fn,
			 void *ctx, bool *created, int64_t *rev)
{
	json_object *o = xlb_etcd_reply_obj(line, len), *r, *x, *evs;
	int err = -EPROTO;
	size_t cnt;

	if (!o)
		return -EPROTO;
	if (!json_object_object_get_ex(o, "result", &r) ||
	    !json_object_is_type(r, json_type_object))
		goto out;
	if (xlb_etcd_reply_rev(r, rev))
		goto out;
	if (json_object_object_get_ex(r, "created", &x) &&
	    json_object_get_boolean(x))
		*created = true;
	/* canceled by etcd: compacted revision, or the watch was refused */
	if (json_object_object_get_ex(r, "canceled", &x) &&
	    json_object_get_boolean(x))
		goto out;
	err = 0;
	if (!json_object_object_get_ex(r, "events", &evs))
		goto out;
	if (!json_object_is_type(evs, json_type_array)) {
		err = -EPROTO;
		goto out;
	}
	cnt = json_object_array_length(evs);
	for (size_t i = 0; i < cnt && !err; i++) {
		json_object *ev = json_object_array_get_idx(evs, i), *kvo, *t;
		struct xlb_etcd_kv kv;
		bool del = false;

		if (!json_object_is_type(ev, json_type_object) ||
		    !json_object_object_get_ex(ev, "kv", &kvo)) {
			err = -EPROTO;
			break;
		}
		if (json_object_object_get_ex(ev, "type", &t)) {
			const char *ts = json_object_get_string(t);

			if (!strcmp(ts, "DELETE"))
				del = true;
			else if (strcmp(ts, "PUT")) {
				err = -EPROTO;
				break;
			}
		}
		err = parse_kv(kvo, &kv, !del);
		if (err)
			break;
		if (del) {
			free(kv.value);
			kv.value = NULL;
			kv.len = 0;
		}
		err = fn(ctx, &kv, kv.mod_revision);
		xlb_etcd_kv_free(&kv);
	}
out:
	json_object_put(o);
	return err;
}
