// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* `xlbctl trace`: see ctl_trace.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "ctl_trace.h"

#define CHUNK_EVENTS 100
#define CHUNK_MS 1000

bool xlb_trace_is(struct json_object *req)
{
	struct json_object *v;

	return json_object_object_get_ex(req, "cmd", &v) &&
	       !strcmp(json_object_get_string(v), "trace");
}

static double now_s(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void xlb_trace_format(struct json_object *ev, double wall_minus_mono, char *buf,
		      size_t len)
{
	struct json_object *v;
	const char *proto = xlb_json_str(ev, "protocol"),
		   *src = xlb_json_str(ev, "src");
	const char *be = xlb_json_str(ev, "backend"),
		   *flags = xlb_json_str(ev, "tcp_flags");
	const char *act, *why;
	double t = 0;
	time_t sec;
	struct tm tm;
	char ts[32], tuple[160] = "non-IP or unparsed";
	bool v6 = src && strchr(src, ':');
	size_t n;

	if (json_object_object_get_ex(ev, "ts_ns", &v))
		t = json_object_get_int64(v) / 1e9 + wall_minus_mono;
	sec = (time_t)t;
	localtime_r(&sec, &tm);
	n = strftime(ts, sizeof(ts), "%H:%M:%S", &tm);
	snprintf(ts + n, sizeof(ts) - n, ".%06d", (int)((t - sec) * 1e6));
	if (src && proto)
		snprintf(tuple, sizeof(tuple),
			 v6 ? "%s [%s]:%s > [%s]:%s" : "%s %s:%s > %s:%s",
			 proto, src, xlb_json_str(ev, "sport") ?: "?",
			 xlb_json_str(ev, "dst") ?: "?",
			 xlb_json_str(ev, "dport") ?: "?");
	act = xlb_json_str(ev, "action") ?: "?";
	why = xlb_json_str(ev, "reason") ?: "?";
	snprintf(buf, len, "%s if%s %s%s%s%s len %s: %s%s%s%s%s%s%s%s%s", ts,
		 xlb_json_str(ev, "ifindex") ?: "?", tuple, flags ? " [" : "",
		 flags ?: "", flags ? "]" : "", xlb_json_str(ev, "len") ?: "?",
		 act, strcmp(act, why) ? " (" : "", strcmp(act, why) ? why : "",
		 strcmp(act, why) ? ")" : "", be ? " -> " : "", be ?: "",
		 xlb_json_str(ev, "service") ? " " : "",
		 xlb_json_str(ev, "service") ?: "",
		 json_object_object_get_ex(ev, "new_flow", &v) &&
				 json_object_get_boolean(v)
			 ? " new flow"
			 : "");
}

int xlb_trace_run(const char *sock, struct json_object *req, bool json, FILE *f,
		  char *err, size_t errlen)
{
	struct json_object *v, *resp = NULL, *data, *events;
	double start = now_s(CLOCK_MONOTONIC), limit = 0;
	double offset = now_s(CLOCK_REALTIME) - start;
	long total = 20, sample = 1, done = 0;
	const char *msg;
	int ret = 0;

	if (json_object_object_get_ex(req, "count", &v))
		total = json_object_get_int64(v);
	if (json_object_object_get_ex(req, "sample", &v))
		sample = json_object_get_int64(v);
	if (json_object_object_get_ex(req, "seconds", &v))
		limit = json_object_get_double(v);

	while (done < total) {
		double left =
			limit ? limit - (now_s(CLOCK_MONOTONIC) - start) : 0;
		struct json_object *chunk;
		long ms = CHUNK_MS;

		if (limit && left <= 0)
			break;
		chunk = json_object_new_object();
		if (limit && left * 1000 < ms)
			ms = left * 1000 + 1;
		json_object_object_add(chunk, "cmd",
				       json_object_new_string("trace"));
		json_object_object_add(
			chunk, "count",
			json_object_new_int64(total - done < CHUNK_EVENTS
						      ? total - done
						      : CHUNK_EVENTS));
		json_object_object_add(chunk, "sample",
				       json_object_new_int64(sample));
		json_object_object_add(chunk, "timeout_ms",
				       json_object_new_int64(ms));
		ret = xlb_ctl_call(sock, chunk, &resp, XLB_CTL_TIMEOUT_MS, err,
				   errlen);
		json_object_put(chunk);
		if (ret)
			break;
		if (!xlb_ctl_resp_ok(resp, &data, &msg)) {
			snprintf(err, errlen, "%s", msg);
			ret = -EIO;
			break;
		}
		events = NULL;
		json_object_object_get_ex(data, "events", &events);
		for (size_t i = 0;
		     events && i < json_object_array_length(events); i++) {
			struct json_object *ev =
				json_object_array_get_idx(events, i);
			char line[512];

			if (json)
				fprintf(f, "%s\n",
					json_object_to_json_string_ext(
						ev, JSON_C_TO_STRING_PLAIN));
			else {
				xlb_trace_format(ev, offset, line,
						 sizeof(line));
				fprintf(f, "%s\n", line);
			}
			done++;
		}
		fflush(f);
		json_object_put(resp);
		resp = NULL;
	}
	json_object_put(resp);
	if (!ret && !json)
		fprintf(stderr, "%ld packet%s traced\n", done,
			done == 1 ? "" : "s");
	return ret;
}
