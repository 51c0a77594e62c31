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
#include "hc_type.h"

#define XLB_HC_FIRST_MAX_MS 20	 /* first probe: 0..this ms */
#define XLB_HC_JITTER_PCT 10	 /* interval +- this much */
#define XLB_HC_TICK_MS 10	 /* probe times are rounded to this */
#define XLB_HC_COUNT_MAX 1000000 /* counters saturate here */

/* ---- probes (struct xlb_hc_probe and xlb_hc_probe_cb: hc_type.h) ---- */

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

#endif /* XLB_HC_H */
