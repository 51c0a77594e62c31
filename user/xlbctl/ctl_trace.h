/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * `xlbctl trace`: a loop of "trace" requests (each at most 100 events or
 * one second), printing events as they arrive, tcpdump-like, or one JSON
 * object per line with --json. Stops after "count" events or "seconds".
 */
#ifndef XLB_CTL_TRACE_H
#define XLB_CTL_TRACE_H

#include <stdbool.h>
#include <stdio.h>
#include <json-c/json.h>

bool xlb_trace_is(struct json_object *req);
int xlb_trace_run(const char *sock, struct json_object *req, bool json, FILE *f,
		  char *err, size_t errlen);
/* One event as a text line (no newline). */
void xlb_trace_format(struct json_object *ev, double wall_minus_mono, char *buf,
		      size_t len);

#endif /* XLB_CTL_TRACE_H */
