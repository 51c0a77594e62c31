// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Health checks: the probe core (socket, loop registration, timeout,
 * delivery) shared by the check types, the rise/fall counting and the
 * checker that schedules probes. See hc.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>

#include "hc.h"
#include "log.h"

static __u64 now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- probes ---- */

static void probe_free(struct xlb_hc_probe *p)
{
	xlb_timer_cancel(p->loop, p->timer);
	if (p->watched)
		xlb_loop_del_fd(p->loop, p->fd);
	if (p->fd >= 0)
		close(p->fd);
	if (p->ops && p->ops->release)
		p->ops->release(p);
	free(p);
}

/* Hand the result over; p is gone before the callback runs. */
static void probe_deliver(struct xlb_hc_probe *p)
{
	char reason[XLB_HC_REASON_LEN];
	xlb_hc_probe_cb cb = p->cb;
	__u64 lat = now_us() - p->start_us;
	void *ctx = p->ctx;
	bool ok = p->ok;

	memcpy(reason, p->reason, sizeof(reason));
	probe_free(p);
	cb(ctx, ok, reason, lat > UINT32_MAX ? UINT32_MAX : (__u32)lat);
}

static void probe_timer(struct xlb_loop *l, void *ctx)
{
	struct xlb_hc_probe *p = ctx;

	p->timer = NULL; /* the loop frees it once we return */
	xlb_hc_probe_finish(p, false, "%s", p->ops->timeout_reason);
	probe_deliver(p);
}

static void probe_io(struct xlb_loop *l, int fd, uint32_t events, void *ctx)
{
	struct xlb_hc_probe *p = ctx;

	p->ops->io(p, events);
	if (p->done)
		probe_deliver(p);
}

static int probe_open(struct xlb_hc_probe *p)
{
	struct sockaddr_storage ss;
	socklen_t slen;
	int on = 1, af;

	slen = xlb_sockaddr(&p->addr, p->family, p->conf->port, &ss);
	if (!slen)
		return -EAFNOSUPPORT;
	af = ss.ss_family;
	p->fd = socket(af, p->ops->sock_type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0)
		return -errno;
	/* via_tunnel: the mark makes xlbd's tc program tunnel it */
	if (p->conf->mark && setsockopt(p->fd, SOL_SOCKET, SO_MARK,
					&p->conf->mark, sizeof(p->conf->mark)))
		return -errno;
	if (p->ops->sock_type == SOCK_STREAM) {
		/*
		 * Close with a RST: the prober never holds a TIME_WAIT socket
		 * per check (a thousand backends a second would pile them up).
		 */
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		setsockopt(p->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	} else {
		/*
		 * Every ICMP error reported on the socket: a closed port
		 * fails at once instead of timing out.
		 */
		if (af == AF_INET6)
			setsockopt(p->fd, SOL_IPV6, IPV6_RECVERR, &on,
				   sizeof(on));
		else
			setsockopt(p->fd, SOL_IP, IP_RECVERR, &on, sizeof(on));
	}
	if (connect(p->fd, (struct sockaddr *)&ss, slen) &&
	    errno != EINPROGRESS)
		return -errno;
	return 0;
}

struct xlb_hc_probe *xlb_hc_probe_start(struct xlb_loop *l,
					const union xlb_addr *a, __u8 family,
					const struct xlb_hc_conf *c,
					xlb_hc_probe_cb cb, void *ctx)
{
	struct xlb_hc_probe *p = calloc(1, sizeof(*p));
	int err;

	if (!p)
		return NULL;
	p->loop = l;
	p->conf = c;
	p->addr = *a;
	p->family = family;
	p->fd = -1;
	p->cb = cb;
	p->ctx = ctx;
	p->start_us = now_us();
	switch (c->type) {
	case XLB_HC_TCP:
		p->ops = &xlb_hc_tcp_ops;
		break;
	case XLB_HC_HTTP:
		p->ops = &xlb_hc_http_ops;
		break;
	case XLB_HC_UDP:
		p->ops = &xlb_hc_udp_ops;
		break;
	default:
		xlb_hc_probe_finish(p, false, "no check type");
		goto out;
	}
	err = probe_open(p);
	if (!err)
		err = p->ops->start ? p->ops->start(p) : 0;
	if (!err && !p->done)
		err = xlb_loop_add_fd(l, p->fd, EPOLLIN | EPOLLOUT | EPOLLET,
				      probe_io, p);
	if (err)
		xlb_hc_probe_fail(p, -err);
	else
		p->watched = !p->done;
out:
	/* a result known already is delivered from the loop too */
	p->timer =
		xlb_timer_add(l, p->done ? 0 : c->timeout_ms, probe_timer, p);
	if (!p->timer) {
		probe_free(p);
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

void xlb_hc_probe_cancel(struct xlb_hc_probe *p)
{
	if (p)
		probe_free(p);
}

/* ---- rise/fall and timing ---- */

void xlb_hc_count_init(struct xlb_hc_count *c, bool up)
{
	memset(c, 0, sizeof(*c));
	c->up = c->was_up = up;
}

bool xlb_hc_count(struct xlb_hc_count *c, bool ok, __u16 rise, __u16 fall)
{
	if (ok) {
		c->failures = 0;
		if (c->successes < XLB_HC_COUNT_MAX)
			c->successes++;
		/* never up yet: the first success is enough */
		if (!c->up && (c->successes >= rise || !c->was_up)) {
			c->up = c->was_up = true;
			return true;
		}
		return false;
	}
	c->successes = 0;
	if (c->failures < XLB_HC_COUNT_MAX)
		c->failures++;
	if (c->up && c->failures >= fall) {
		c->up = false;
		return true;
	}
	return false;
}

/* Uniform in lo..hi (inclusive) from a uniform 32-bit rnd. */
static __u32 pick(__u32 lo, __u32 hi, __u32 rnd)
{
	return lo + (__u32)(((__u64)rnd * ((__u64)hi - lo + 1)) >> 32);
}

__u32 xlb_hc_first_delay(__u32 interval_ms, __u32 rnd)
{
	__u32 max = interval_ms / 10;

	return pick(0, max < XLB_HC_FIRST_MAX_MS ? max : XLB_HC_FIRST_MAX_MS,
		    rnd);
}

__u32 xlb_hc_phase_delay(__u32 interval_ms, __u32 rnd)
{
	return pick(interval_ms / 2, interval_ms, rnd);
}

__u32 xlb_hc_next_delay(__u32 interval_ms, __u32 rnd)
{
	__u32 span = (__u64)interval_ms * XLB_HC_JITTER_PCT / 100;

	return pick(interval_ms - span, interval_ms + span, rnd);
}

__u64 xlb_hc_align(__u64 when_ms, __u32 interval_ms)
{
	__u64 tick = interval_ms / 100;

	if (tick > XLB_HC_TICK_MS)
		tick = XLB_HC_TICK_MS;
	if (tick <= 1)
		return when_ms;
	return (when_ms + tick - 1) / tick * tick;
}

__u32 xlb_hc_rand(void)
{
	static __u64 s;

	if (!s) {
		if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != sizeof(s))
			s = now_us() ^ ((__u64)getpid() << 32);
		s |= 1; /* xorshift never leaves 0 */
	}
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s >> 32;
}

/* ---- checkers ---- */

struct xlb_hc {
	struct xlb_loop *loop;
	struct xlb_hc_conf conf;
	union xlb_addr addr;
	__u8 family;
	struct xlb_hc_probe *probe; /* in flight */
	struct xlb_timer *timer;    /* next probe */
	__u64 next_ms;		    /* when the next probe is due */
	__u64 started;		    /* probes started */
	__u64 checks;		    /* probes finished */
	struct xlb_hc_count cnt;
	char reason[XLB_HC_REASON_LEN];
	__u32 latency_us;
	xlb_hc_report_cb cb;
	void *ctx;
	bool last_ok; /* of the last probe */
};

static void hc_fire(struct xlb_loop *l, void *ctx);

static void hc_result(void *ctx, bool ok, const char *reason, __u32 latency_us)
{
	struct xlb_hc *hc = ctx;
	char r[XLB_HC_REASON_LEN];
	__u64 now = xlb_now_ms();
	bool changed;

	hc->probe = NULL;
	hc->checks++;
	hc->latency_us = latency_us;
	hc->last_ok = ok;
	snprintf(hc->reason, sizeof(hc->reason), "%s", reason);
	changed = xlb_hc_count(&hc->cnt, ok, hc->conf.rise, hc->conf.fall);
	/* the period runs from probe start to probe start */
	hc->timer = xlb_timer_add(hc->loop,
				  hc->next_ms > now ? hc->next_ms - now : 0,
				  hc_fire, hc);
	if (!hc->timer)
		pr_warn("health check stopped: out of memory");
	/* the callback may free hc: nothing of it is used afterwards */
	memcpy(r, hc->reason, sizeof(r));
	hc->cb(hc, hc->ctx, hc->cnt.up, changed, r);
}

static void hc_fire(struct xlb_loop *l, void *ctx)
{
	struct xlb_hc *hc = ctx;
	__u32 iv = hc->conf.interval_ms, rnd = xlb_hc_rand();

	hc->timer = NULL;
	hc->next_ms = xlb_hc_align(
		xlb_now_ms() + (hc->started++ ? xlb_hc_next_delay(iv, rnd)
					      : xlb_hc_phase_delay(iv, rnd)),
		iv);
	hc->probe = xlb_hc_probe_start(l, &hc->addr, hc->family, &hc->conf,
				       hc_result, hc);
	if (!hc->probe)
		hc_result(hc, false, "out of memory", 0);
}

struct xlb_hc *xlb_hc_new(struct xlb_loop *l, const union xlb_addr *a,
			  __u8 family, const struct xlb_hc_conf *c, bool up,
			  xlb_hc_report_cb cb, void *ctx)
{
	struct xlb_hc *hc;

	if (c->type <= XLB_HC_NONE || c->type >= XLB_HC_MAX || !c->port) {
		errno = EINVAL;
		return NULL;
	}
	hc = calloc(1, sizeof(*hc));
	if (!hc)
		return NULL;
	hc->loop = l;
	hc->conf = *c;
	hc->addr = *a;
	hc->family = family;
	hc->cb = cb;
	hc->ctx = ctx;
	xlb_hc_count_init(&hc->cnt, up);
	hc->timer = xlb_timer_add(
		l, xlb_hc_first_delay(c->interval_ms, xlb_hc_rand()), hc_fire,
		hc);
	if (!hc->timer) {
		free(hc);
		errno = ENOMEM;
		return NULL;
	}
	return hc;
}

void xlb_hc_free(struct xlb_hc *hc)
{
	if (!hc)
		return;
	xlb_timer_cancel(hc->loop, hc->timer);
	xlb_hc_probe_cancel(hc->probe);
	free(hc);
}

void xlb_hc_get_status(const struct xlb_hc *hc, struct xlb_hc_status *st)
{
	memset(st, 0, sizeof(*st));
	st->type = hc->conf.type;
	st->up = hc->cnt.up;
	st->have_result = hc->checks > 0;
	st->successes = hc->cnt.successes;
	st->failures = hc->cnt.failures;
	st->latency_us = hc->latency_us;
	st->checks = hc->checks;
	st->reason = hc->reason;
	st->last_ok = hc->last_ok;
}

void *xlb_hc_ctx(const struct xlb_hc *hc)
{
	return hc->ctx;
}
