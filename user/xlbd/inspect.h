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
/* Answers cl later (XLBD_REPLY_LATER), when done. */
int xlbd_inspect_trace(struct xlbd *d, struct xlbd_client *cl,
		       struct json_object *req, char *err);
/* Ends cl's trace now (answered, complete false), if it has one. */
void xlbd_inspect_trace_cancel(struct xlbd *d, struct xlbd_client *cl);
void xlbd_inspect_trace_stop(struct xlbd *d);

#endif /* XLBD_INSPECT_H */
