/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Request helpers of the control socket (control.c), shared with the
 * commands that inspect the data plane (inspect.c). err is ERR_LEN bytes.
 */
#ifndef XLBD_CONTROL_H
#define XLBD_CONTROL_H

#include <stdbool.h>
#include <json-c/json.h>

#include "xlbd.h"

#define ERR_LEN 256

/* A handler's return value: the reply is sent later by the handler. */
#define XLBD_REPLY_LATER 1

bool keys_ok(struct json_object *req, const char *const *allowed, char *err);
const char *get_str(struct json_object *req, const char *key, bool required,
		    char *err);
/* 1: present and valid, 0: absent, -1: invalid (err set). */
int get_uint(struct json_object *req, const char *key, long min, long max,
	     long *out, char *err);
struct svc_rt *get_svc(struct xlbd *d, struct json_object *req,
		       const char *key, char *err);
json_object *jaddr(const union xlb_addr *a, __u8 family);

/* inspect.c */
int cmd_flows(struct xlbd *d, struct json_object *req, json_object **data,
	      char *err);
int cmd_explain(struct xlbd *d, struct json_object *req, json_object **data,
		char *err);
/* Replies later (XLBD_REPLY_LATER) on fd, when done. */
int cmd_trace(struct xlbd *d, int fd, struct json_object *req, char *err);
/* The client on fd went away: drop what it was waiting for. */
void xlbd_trace_cancel(struct xlbd *d, int fd);
void xlbd_trace_stop(struct xlbd *d);

#endif /* XLBD_CONTROL_H */
