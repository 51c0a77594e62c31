// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Readers of a control request's arguments, each with the one wording of
 * its error, and the address value of a reply. Shared by every command
 * handler (control.c, inspect.c).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "request.h"

/* Every key of req must be "cmd" or in allowed (NULL-terminated). */
bool xlbd_req_keys_ok(struct json_object *req, const char *const *allowed,
		      char *err)
{
	json_object_object_foreach(req, key, val)
	{
		bool ok = !strcmp(key, "cmd");

		(void)val;
		for (const char *const *a = allowed; *a && !ok; a++)
			ok = !strcmp(key, *a);
		if (!ok) {
			snprintf(err, XLBD_ERR_LEN, "unknown argument \"%s\"",
				 key);
			return false;
		}
	}
	return true;
}

const char *xlbd_req_str(struct json_object *req, const char *key,
			 bool required, char *err)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req, key, &v)) {
		if (required)
			snprintf(err, XLBD_ERR_LEN, "missing argument \"%s\"",
				 key);
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(err, XLBD_ERR_LEN, "argument \"%s\" must be a string",
			 key);
		return NULL;
	}
	return json_object_get_string(v);
}

int xlbd_req_uint(struct json_object *req, const char *key, long min, long max,
		  long *out, char *err)
{
	struct json_object *v;
	int64_t n;

	if (!json_object_object_get_ex(req, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_int)) {
		snprintf(err, XLBD_ERR_LEN,
			 "argument \"%s\" must be an integer", key);
		return -1;
	}
	n = json_object_get_int64(v);
	if (n < min || n > max) {
		snprintf(err, XLBD_ERR_LEN,
			 "argument \"%s\" is %lld, must be %ld..%ld", key,
			 (long long)n, min, max);
		return -1;
	}
	*out = n;
	return 1;
}

int xlbd_req_true(struct json_object *req, const char *key, char *err)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean) ||
	    !json_object_get_boolean(v)) {
		snprintf(err, XLBD_ERR_LEN, "argument \"%s\" must be true",
			 key);
		return -1;
	}
	return 1;
}

struct svc_rt *xlbd_req_svc(struct xlbd *d, struct json_object *req,
			    const char *key, char *err)
{
	const char *name = xlbd_req_str(req, key, true, err);
	struct svc_rt *s;

	if (!name)
		return NULL;
	s = xlbd_svc_find(d, name);
	if (!s)
		snprintf(err, XLBD_ERR_LEN, "no service named \"%s\"", name);
	return s;
}

json_object *xlbd_req_json_addr(const union xlb_addr *a, __u8 family)
{
	char buf[XLB_ADDR_STRLEN];

	if (xlb_format_addr(a, family, buf, sizeof(buf)))
		return json_object_new_string("?");
	return json_object_new_string(buf);
}

int xlbd_req_proto(struct json_object *req, __u8 *proto, char *err)
{
	const char *s = xlbd_req_str(req, "protocol", false, err);
	int p;

	if (err[0])
		return -EINVAL;
	if (!s)
		return 0;
	p = xlb_parse_proto(s);
	if (p < 0) {
		snprintf(err, XLBD_ERR_LEN,
			 "protocol must be tcp or udp, not \"%s\"", s);
		return -EINVAL;
	}
	*proto = p;
	return 1;
}
