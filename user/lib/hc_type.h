/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A health check type (hc_tcp.c, hc_http.c, hc_udp.c): the probe it works
 * on, the operations it implements and what it may call to report. The
 * probe core (hc.c) picks a type's ops and calls them; a type calls only
 * what is here (hc_type.c), never back into hc.c, so the dependencies run
 * one way: hc.c -> hc_<type>.c -> hc_type.c.
 */
#ifndef XLB_HC_TYPE_H
#define XLB_HC_TYPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "evloop.h"

#define XLB_HC_REASON_LEN 64
#define XLB_HC_HTTP_MAX_BODY 16384 /* expect_body: searched in this */

/* ok: up or not; reason as in hc.h; latency from start to result. */
typedef void (*xlb_hc_probe_cb)(void *ctx, bool ok, const char *reason,
				__u32 latency_us);

struct xlb_hc_probe;

struct xlb_hc_ops {
	int sock_type; /* SOCK_STREAM or SOCK_DGRAM */
	const char *timeout_reason;
	/*
	 * Socket connected (UDP) or connecting (TCP); 0 or -errno. NULL:
	 * the core's connect is the whole start.
	 */
	int (*start)(struct xlb_hc_probe *p);
	/* Readiness (edge triggered: read or write until EAGAIN). */
	void (*io)(struct xlb_hc_probe *p, uint32_t events);
	void (*release)(struct xlb_hc_probe *p); /* may be NULL */
};

struct xlb_hc_probe {
	struct xlb_loop *loop;
	const struct xlb_hc_conf *conf;
	const struct xlb_hc_ops *ops;
	union xlb_addr addr;
	__u8 family;
	int fd;
	bool watched; /* fd is in the loop */
	bool done;    /* result set, delivery pending */
	bool ok;
	struct xlb_timer *timer; /* timeout, or delivery of a result */
	__u64 start_us;
	char reason[XLB_HC_REASON_LEN];
	void *priv; /* the type's state */
	xlb_hc_probe_cb cb;
	void *ctx;
};

extern const struct xlb_hc_ops xlb_hc_tcp_ops, xlb_hc_http_ops, xlb_hc_udp_ops;

/* Record the result; the core delivers it once the type returns. */
void xlb_hc_probe_finish(struct xlb_hc_probe *p, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Record a failure whose reason is socket error err (positive errno). */
void xlb_hc_probe_fail(struct xlb_hc_probe *p, int err);
/* The pending error of p's socket (SO_ERROR), 0 if none. */
int xlb_hc_sock_error(struct xlb_hc_probe *p);

#endif /* XLB_HC_TYPE_H */
