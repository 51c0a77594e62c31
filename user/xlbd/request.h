/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Control request helpers (request.c), used by the command handlers of
 * control.c and inspect.c. err is XLBD_ERR_LEN bytes.
 */
#ifndef XLBD_REQUEST_H
#define XLBD_REQUEST_H

#include <stdbool.h>
#include <json-c/json.h>

#include "xlbd.h"

#define XLBD_ERR_LEN 256

/* A handler's return value: the reply is sent later by the handler. */
#define XLBD_REPLY_LATER 1

/* Every key of req must be "cmd" or in allowed (NULL-terminated). */
bool xlbd_req_keys_ok(struct json_object *req, const char *const *allowed,
		      char *err);
/* The string argument key; NULL if absent (err set if required) or not a
 * string (err set). */
const char *xlbd_req_str(struct json_object *req, const char *key,
			 bool required, char *err);
/* 1: present and valid, 0: absent, -1: invalid (err set). */
int xlbd_req_uint(struct json_object *req, const char *key, long min, long max,
		  long *out, char *err);
/* A flag that can only be set: 1 if key is true, 0 if absent, -1 (err set)
 * if anything else. */
int xlbd_req_true(struct json_object *req, const char *key, char *err);
/* The service named by argument key, or NULL (err set). */
struct svc_rt *xlbd_req_svc(struct xlbd *d, struct json_object *req,
			    const char *key, char *err);
/* An address as a reply value ("?" if it cannot be formatted). */
/*
 * Optional "protocol" ("tcp" or "udp") into *proto (IPPROTO_*): 1 if given,
 * 0 if absent (*proto untouched), -EINVAL with err set.
 */
int xlbd_req_proto(struct json_object *req, __u8 *proto, char *err);
json_object *xlbd_req_json_addr(const union xlb_addr *a, __u8 family);

#endif /* XLBD_REQUEST_H */
