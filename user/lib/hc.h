/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Health checks, independent of xlbd: probes, and checkers that run them
 * forever and count the results. Everything runs on an xlb_loop with
 * non-blocking sockets; no thread, no blocking call.
 *
 * Probe: one check of one address per struct xlb_hc_conf, ended by
 * exactly one callback (or a cancel):
 *   tcp   non-blocking connect; up when it completes. The socket is then
 *         closed with a RST (SO_LINGER 0), so the prober keeps no
 *         TIME_WAIT per check.
 *   http  connect, "GET path HTTP/1.1" with Host (conf.host, else the
 *         address, ":port" unless 80) and Connection: close; up if the
 *         status is in conf's ranges and, with expect_body, the first
 *         XLB_HC_HTTP_MAX_BODY bytes of the body contain it (chunked
 *         bodies are searched raw).
 *   udp   connected socket with IP_RECVERR: send the payload, up on a
 *         reply (that contains conf.expect, if set). An ICMP port
 *         unreachable fails at once.
 * Reasons (the callback's text): "ok"; "timeout" (tcp, http: nothing
 * within timeout_ms); "no reply" (udp); "connection refused";
 * "connection reset"; "host unreachable"; "network unreachable";
 * "icmp port unreachable" (udp); "status NNN"; "body mismatch";
 * "empty reply" (http: closed before any byte); "bad response" (http:
 * not a status line); "reply mismatch" (udp); any other socket error as
 * strerror() text in lower case.
 *
 * Checker: probes one backend every interval and keeps the verdict.
 * Results count consecutively: rise successes in a row bring a down
 * backend up, fall failures in a row take an up one down, and either
 * result resets the other's count. A checker created down (a new
 * backend) that has never been up comes up on its first success. The
 * first probe runs at once (within XLB_HC_FIRST_MAX_MS), the second at a
 * random point of the following interval (so checkers started together
 * fall out of step at once), the others every interval +-10%, measured
 * from the start of the previous probe and rounded up to a tick of
 * interval/100 (at most XLB_HC_TICK_MS); probes of one checker never
 * overlap.
 */
#ifndef XLB_HC_H
#define XLB_HC_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "evloop.h"

#define XLB_HC_REASON_LEN 64
#define XLB_HC_FIRST_MAX_MS 20	   /* first probe: 0..this ms */
#define XLB_HC_JITTER_PCT 10	   /* interval +- this much */
#define XLB_HC_TICK_MS 10	   /* probe times are rounded to this */
#define XLB_HC_HTTP_MAX_BODY 16384 /* expect_body: searched in this */
#define XLB_HC_COUNT_MAX 1000000   /* counters saturate here */

/* ---- probes ---- */

struct xlb_hc_probe;

/* ok: up or not; reason as above; latency from start to result. */
typedef void (*xlb_hc_probe_cb)(void *ctx, bool ok, const char *reason,
				__u32 latency_us);

/*
 * Start a probe of (a, family) on port c->port. c must stay valid until
 * the callback has run or the probe is cancelled. The callback always
 * runs from the loop, never from inside this call, and the probe is gone
 * by then. Returns NULL (errno set) only when out of memory.
 */
struct xlb_hc_probe *xlb_hc_probe_start(struct xlb_loop *l,
					const union xlb_addr *a, __u8 family,
					const struct xlb_hc_conf *c,
					xlb_hc_probe_cb cb, void *ctx);
/* NULL-safe; no callback runs afterwards. */
void xlb_hc_probe_cancel(struct xlb_hc_probe *p);

/* ---- rise/fall and timing, pure logic ---- */

struct xlb_hc_count {
	bool up;
	bool was_up;	 /* has been up once: rise applies */
	__u32 successes; /* consecutive, saturating */
	__u32 failures;
};

/* Start counting: up (adopted up) or down (new, never up). */
void xlb_hc_count_init(struct xlb_hc_count *c, bool up);
/* Count one result; returns true when c->up flipped. */
bool xlb_hc_count(struct xlb_hc_count *c, bool ok, __u16 rise, __u16 fall);

/*
 * Delays in ms from a uniformly random 32-bit rnd: the first probe's
 * 0..min(20, i/10), the second's i/2..i, then i +- 10% (i: interval).
 */
__u32 xlb_hc_first_delay(__u32 interval_ms, __u32 rnd);
__u32 xlb_hc_phase_delay(__u32 interval_ms, __u32 rnd);
__u32 xlb_hc_next_delay(__u32 interval_ms, __u32 rnd);
/*
 * Round a probe time up to a multiple of interval/100, at most
 * XLB_HC_TICK_MS: probes due in the same tick start in one wakeup of the
 * loop instead of one each (a thousand wakeups a second cost more than
 * the probes).
 */
__u64 xlb_hc_align(__u64 when_ms, __u32 interval_ms);
/* xorshift, seeded once from getrandom(); not for secrets. */
__u32 xlb_hc_rand(void);

/* ---- checkers ---- */

struct xlb_hc;

/*
 * After every probe: the verdict (up), whether it just flipped and the
 * probe's reason. The checker has already scheduled its next probe, so
 * the callback may do anything, including xlb_hc_free() of this checker.
 */
typedef void (*xlb_hc_report_cb)(struct xlb_hc *hc, void *ctx, bool up,
				 bool changed, const char *reason);

/*
 * Check (a, family) per c (copied; type must not be none) on loop l,
 * starting up or down (see above). Returns NULL (errno set) on failure.
 */
struct xlb_hc *xlb_hc_new(struct xlb_loop *l, const union xlb_addr *a,
			  __u8 family, const struct xlb_hc_conf *c, bool up,
			  xlb_hc_report_cb cb, void *ctx);
/* NULL-safe: stops the checker, cancels its probe. */
void xlb_hc_free(struct xlb_hc *hc);

struct xlb_hc_status {
	enum xlb_hc_type type;
	bool up;
	bool have_result; /* a probe has finished */
	__u32 successes;  /* consecutive */
	__u32 failures;
	__u32 latency_us;   /* of the last probe */
	__u64 checks;	    /* probes finished */
	const char *reason; /* of the last probe, "" before the first */
	bool last_ok;	    /* the last probe succeeded */
};

void xlb_hc_get_status(const struct xlb_hc *hc, struct xlb_hc_status *st);
void *xlb_hc_ctx(const struct xlb_hc *hc);

/* ---- for the check types (hc_tcp.c, hc_http.c, hc_udp.c) only ---- */

struct xlb_hc_ops {
	int sock_type; /* SOCK_STREAM or SOCK_DGRAM */
	const char *timeout_reason;
	/* Socket connected (UDP) or connecting (TCP); 0 or -errno. */
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
/* Short reason for a socket error (positive errno). */
const char *xlb_hc_errno_reason(int err, char *buf, size_t len);
/* The pending error of p's socket (SO_ERROR), 0 if none. */
int xlb_hc_sock_error(struct xlb_hc_probe *p);

#endif /* XLB_HC_H */
