/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The commands that look into the data plane (inspect.c): flows, explain
 * and trace. Same contract as control.c's handlers; err is XLBD_ERR_LEN.
 */
#ifndef XLBD_INSPECT_H
#define XLBD_INSPECT_H

#include <json-c/json.h>

#include "xlbd.h"

int xlbd_inspect_flows(struct xlbd *d, struct json_object *req,
		       json_object **data, char *err);
int xlbd_inspect_explain(struct xlbd *d, struct json_object *req,
			 json_object **data, char *err);
/* Replies later (XLBD_REPLY_LATER) on fd, when done. */
int xlbd_inspect_trace(struct xlbd *d, int fd, struct json_object *req,
		       char *err);
/* The client on fd went away: drop what it was waiting for. */
void xlbd_inspect_trace_cancel(struct xlbd *d, int fd);
void xlbd_inspect_trace_stop(struct xlbd *d);

#endif /* XLBD_INSPECT_H */
