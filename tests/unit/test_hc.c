// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Health checks against servers this process runs on loopback (127.0.0.1
 * and ::1), all driven by the same xlb_loop as the probes: tcp, http and
 * udp results and reasons, the checker's rise/fall and timing, and the
 * pure counting and jitter logic.
 *
 * XLB_HC_BENCH=SECONDS additionally runs hc_bench: 1000 checkers (every
 * 1 s, tcp and http) against a server in a child process for SECONDS,
 * and prints the checking process's CPU time from getrusage().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hc.h"
#include "test.h"

/* Every wait for a result is bounded by this. */
#define WAIT_MS 3000

/* ---- pure logic ---- */

TEST(hc_count_rise_fall)
{
	struct xlb_hc_count c;
	bool flip;

	/* up (adopted): fall = 3 consecutive failures */
	xlb_hc_count_init(&c, true);
	ASSERT_TRUE(!xlb_hc_count(&c, false, 2, 3), "1st failure");
	ASSERT_TRUE(!xlb_hc_count(&c, false, 2, 3), "2nd failure");
	/* a success resets the failures */
	ASSERT_TRUE(!xlb_hc_count(&c, true, 2, 3), "success while up");
	ASSERT_EQ(c.failures, 0, "failures reset by a success");
	ASSERT_EQ(c.successes, 1, "successes counted");
	ASSERT_TRUE(!xlb_hc_count(&c, false, 2, 3), "1st failure again");
	ASSERT_TRUE(!xlb_hc_count(&c, false, 2, 3), "2nd failure again");
	ASSERT_EQ(c.successes, 0, "successes reset by a failure");
	flip = xlb_hc_count(&c, false, 2, 3);
	ASSERT_TRUE(flip && !c.up, "3rd consecutive failure: down");
	ASSERT_TRUE(!xlb_hc_count(&c, false, 2, 3) && !c.up,
		    "more failures: no more flips");
	ASSERT_EQ(c.failures, 4, "failures keep counting");

	/* down after having been up: rise = 2 consecutive successes */
	ASSERT_TRUE(!xlb_hc_count(&c, true, 2, 3), "1st success");
	ASSERT_TRUE(!xlb_hc_count(&c, false, 2, 3), "failure in between");
	ASSERT_TRUE(!xlb_hc_count(&c, true, 2, 3), "1st success again");
	flip = xlb_hc_count(&c, true, 2, 3);
	ASSERT_TRUE(flip && c.up, "2nd consecutive success: up");

	/* rise = fall = 1: every result decides */
	ASSERT_TRUE(xlb_hc_count(&c, false, 1, 1) && !c.up, "fall 1");
	ASSERT_TRUE(xlb_hc_count(&c, true, 1, 1) && c.up, "rise 1");
}

TEST(hc_count_first_success)
{
	struct xlb_hc_count c;

	/* new backend: down, and up on its first success */
	xlb_hc_count_init(&c, false);
	ASSERT_TRUE(!c.up, "starts down");
	ASSERT_TRUE(xlb_hc_count(&c, true, 5, 3) && c.up,
		    "first success brings it up despite rise 5");

	/* failing at first: still the first success brings it up */
	xlb_hc_count_init(&c, false);
	ASSERT_TRUE(!xlb_hc_count(&c, false, 5, 3), "failure while new");
	ASSERT_TRUE(!xlb_hc_count(&c, false, 5, 3), "failure while new");
	ASSERT_TRUE(xlb_hc_count(&c, true, 5, 3) && c.up,
		    "first success ever: up");
	/* from then on rise applies */
	for (int i = 0; i < 3; i++)
		xlb_hc_count(&c, false, 5, 3);
	ASSERT_TRUE(!c.up, "down after fall");
	for (int i = 0; i < 4; i++)
		ASSERT_TRUE(!xlb_hc_count(&c, true, 5, 3), "below rise");
	ASSERT_TRUE(xlb_hc_count(&c, true, 5, 3) && c.up, "5th: up");
}

TEST(hc_count_saturates)
{
	struct xlb_hc_count c;

	xlb_hc_count_init(&c, true);
	for (int i = 0; i < XLB_HC_COUNT_MAX + 10; i++)
		xlb_hc_count(&c, true, 2, 3);
	ASSERT_EQ(c.successes, XLB_HC_COUNT_MAX, "saturates");
}

TEST(hc_delays)
{
	static const __u32 ivs[] = { 1, 9, 10, 100, 1000, 2000, 86400000 };
	__u32 lo_seen = UINT32_MAX, hi_seen = 0, below = 0;

	for (size_t k = 0; k < sizeof(ivs) / sizeof(ivs[0]); k++) {
		__u32 iv = ivs[k], span = (__u64)iv * 10 / 100;
		__u32 fmax = iv / 10 < 20 ? iv / 10 : 20;

		ASSERT_EQ(xlb_hc_next_delay(iv, 0), iv - span, "next, rnd 0");
		ASSERT_EQ(xlb_hc_next_delay(iv, UINT32_MAX), iv + span,
			  "next, rnd max");
		ASSERT_EQ(xlb_hc_phase_delay(iv, 0), iv / 2, "phase, rnd 0");
		ASSERT_EQ(xlb_hc_phase_delay(iv, UINT32_MAX), iv,
			  "phase, rnd max");
		ASSERT_EQ(xlb_hc_first_delay(iv, 0), 0, "first, rnd 0");
		ASSERT_EQ(xlb_hc_first_delay(iv, UINT32_MAX), fmax,
			  "first, rnd max");
	}
	/* random draws stay inside, and spread over the whole range */
	for (int i = 0; i < 100000; i++) {
		__u32 d = xlb_hc_next_delay(1000, xlb_hc_rand());
		__u32 f = xlb_hc_first_delay(1000, xlb_hc_rand());
		__u32 p = xlb_hc_phase_delay(1000, xlb_hc_rand());

		if (d < 900 || d > 1100 || f > 20 || p < 500 || p > 1000) {
			ASSERT_TRUE(false, "delay out of bounds");
			return;
		}
		lo_seen = d < lo_seen ? d : lo_seen;
		hi_seen = d > hi_seen ? d : hi_seen;
		below += d < 1000;
	}
	ASSERT_RANGE(lo_seen, 900, 902, "smallest next delay");
	ASSERT_RANGE(hi_seen, 1098, 1100, "largest next delay");
	ASSERT_RANGE(below, 48000, 52000, "half of the delays below 1000");
}

/* ---- loopback servers on the test's loop ---- */

enum srv_mode {
	SRV_HTTP,     /* answer every request with status/body */
	SRV_SILENT,   /* accept, read, never answer */
	SRV_UDP_ECHO, /* "echo " + payload */
	SRV_UDP_MUTE, /* read, never answer */
};

struct conn {
	struct srv *srv;
	int fd;
	size_t len;
	char buf[2048];
};

struct srv {
	struct xlb_loop *l;
	enum srv_mode mode;
	int fd;
	__u16 port;
	int status;
	const char *body;
	char last_req[2048]; /* last HTTP request head received */
	int accepted;
	struct conn *conns[64]; /* kept open by SRV_SILENT */
	int n_conns;
};

static void conn_close(struct conn *c)
{
	xlb_loop_del_fd(c->srv->l, c->fd);
	close(c->fd);
	free(c);
}

static void conn_io(struct xlb_loop *l, int fd, uint32_t events, void *ctx)
{
	struct conn *c = ctx;
	struct srv *s = c->srv;
	char out[4096];
	ssize_t n;
	int len;

	n = recv(fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return;
		if (s->mode != SRV_SILENT)
			conn_close(c);
		else
			xlb_loop_del_fd(l, fd); /* closed with the srv */
		return;
	}
	c->len += n;
	c->buf[c->len] = 0;
	if (!strstr(c->buf, "\r\n\r\n"))
		return;
	snprintf(s->last_req, sizeof(s->last_req), "%s", c->buf);
	if (s->mode == SRV_SILENT)
		return;
	len = snprintf(out, sizeof(out),
		       "HTTP/1.1 %d Whatever\r\nContent-Type: text/plain\r\n"
		       "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
		       s->status, strlen(s->body), s->body);
	if (send(fd, out, len, MSG_NOSIGNAL) < 0)
		perror("test server send");
	conn_close(c);
}

static void srv_accept(struct xlb_loop *l, int fd, uint32_t events, void *ctx)
{
	struct srv *s = ctx;
	struct conn *c;
	int cfd;

	while ((cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >=
	       0) {
		s->accepted++;
		c = calloc(1, sizeof(*c));
		c->srv = s;
		c->fd = cfd;
		xlb_loop_add_fd(l, cfd, EPOLLIN, conn_io, c);
		if (s->mode == SRV_SILENT && s->n_conns < 64)
			s->conns[s->n_conns++] = c;
	}
}

static void srv_udp(struct xlb_loop *l, int fd, uint32_t events, void *ctx)
{
	struct sockaddr_storage from;
	socklen_t flen = sizeof(from);
	struct srv *s = ctx;
	char buf[1024], out[1100];
	ssize_t n;
	int len;

	n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from,
		     &flen);
	if (n < 0 || s->mode == SRV_UDP_MUTE)
		return;
	buf[n] = 0;
	len = snprintf(out, sizeof(out), "echo %s", buf);
	sendto(fd, out, len, 0, (struct sockaddr *)&from, flen);
}

static socklen_t sa_of(__u8 family, __u16 port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == XLB_FAMILY_V6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		s6->sin6_port = htons(port);
		return sizeof(*s6);
	}
	((struct sockaddr_in *)ss)->sin_family = AF_INET;
	((struct sockaddr_in *)ss)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	((struct sockaddr_in *)ss)->sin_port = htons(port);
	return sizeof(struct sockaddr_in);
}

/* A socket bound to loopback (port 0: any), its port in *port. */
static int bound_socket(__u8 family, int type, __u16 *port)
{
	struct sockaddr_storage ss;
	socklen_t len = sa_of(family, *port, &ss);
	int on = 1, fd;

	fd = socket(family == XLB_FAMILY_V6 ? AF_INET6 : AF_INET,
		    type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, len) ||
	    getsockname(fd, (struct sockaddr *)&ss, &len)) {
		int err = -errno;

		close(fd);
		return err;
	}
	*port = ntohs(family == XLB_FAMILY_V6
			      ? ((struct sockaddr_in6 *)&ss)->sin6_port
			      : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

/* Start a server; port 0 picks one. */
static int srv_start(struct srv *s, struct xlb_loop *l, __u8 family,
		     enum srv_mode mode, __u16 port)
{
	bool udp = mode == SRV_UDP_ECHO || mode == SRV_UDP_MUTE;

	memset(s, 0, sizeof(*s));
	s->l = l;
	s->mode = mode;
	s->status = 200;
	s->body = "hello from the test server\n";
	s->port = port;
	s->fd = bound_socket(family, udp ? SOCK_DGRAM : SOCK_STREAM, &s->port);
	if (s->fd < 0)
		return s->fd;
	if (!udp && listen(s->fd, 64))
		return -errno;
	return xlb_loop_add_fd(l, s->fd, EPOLLIN, udp ? srv_udp : srv_accept,
			       s);
}

static void srv_stop(struct srv *s)
{
	if (s->fd < 0)
		return;
	xlb_loop_del_fd(s->l, s->fd);
	close(s->fd);
	s->fd = -1;
	for (int i = 0; i < s->n_conns; i++)
		conn_close(s->conns[i]);
	s->n_conns = 0;
}

/* A port nothing listens on: bound (so nobody takes it) for TCP, freed
 * for UDP (a bound UDP socket would swallow the datagrams). */
static int closed_port(__u8 family, int type, __u16 *port)
{
	int fd;

	*port = 0;
	fd = bound_socket(family, type, port);
	if (fd < 0)
		return fd;
	if (type == SOCK_DGRAM) {
		close(fd);
		return -1;
	}
	return fd;
}

/* ---- running one probe ---- */

struct result {
	bool done, ok;
	char reason[XLB_HC_REASON_LEN];
	__u32 latency_us;
	struct xlb_loop *l;
};

static void on_probe(void *ctx, bool ok, const char *reason, __u32 lat)
{
	struct result *r = ctx;

	r->done = true;
	r->ok = ok;
	r->latency_us = lat;
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	xlb_loop_stop(r->l);
}

static void on_guard(struct xlb_loop *l, void *ctx)
{
	*(struct xlb_timer **)ctx = NULL;
	xlb_loop_stop(l);
}

/* Run the loop for ms. */
static void run_for(struct xlb_loop *l, __u64 ms)
{
	struct xlb_timer *guard = xlb_timer_add(l, ms, on_guard, &guard);

	while (guard)
		xlb_loop_run(l);
}

/* Run the loop until *done or WAIT_MS. */
static void run_until(struct xlb_loop *l, bool *done)
{
	struct xlb_timer *guard = xlb_timer_add(l, WAIT_MS, on_guard, &guard);

	while (!*done && guard)
		xlb_loop_run(l);
	xlb_timer_cancel(l, guard);
}

static void conf_init(struct xlb_hc_conf *c, enum xlb_hc_type type, __u16 port)
{
	xlb_hc_conf_init(c, port);
	c->type = type;
	c->timeout_ms = 300;
	c->interval_ms = 1000;
}

static struct result probe(struct xlb_loop *l, __u8 family,
			   const struct xlb_hc_conf *c)
{
	struct result r = { .l = l };
	union xlb_addr a = {};
	struct xlb_hc_probe *p;

	if (family == XLB_FAMILY_V6)
		memcpy(a.bytes, &in6addr_loopback, 16);
	else
		a.v4 = htonl(INADDR_LOOPBACK);
	p = xlb_hc_probe_start(l, &a, family, c, on_probe, &r);
	if (!ASSERT_TRUE(p, "probe started"))
		return r;
	run_until(l, &r.done);
	if (!r.done) {
		xlb_hc_probe_cancel(p);
		snprintf(r.reason, sizeof(r.reason), "(no result)");
	}
	return r;
}

#define EXPECT(r, want_ok, want_reason, what)                  \
	do {                                                   \
		ASSERT_EQ((r).ok, (want_ok), what);            \
		ASSERT_STREQ((r).reason, (want_reason), what); \
	} while (0)

static const __u8 families[] = { XLB_FAMILY_V4, XLB_FAMILY_V6 };

/* ---- tcp ---- */

TEST(hc_tcp)
{
	struct xlb_loop *l = xlb_loop_new();
	struct xlb_hc_conf c;
	struct srv s = { .fd = -1 };
	struct result r;
	__u16 port;
	int cfd;

	for (size_t i = 0; i < 2; i++) {
		__u8 f = families[i];

		if (!ASSERT_OK(srv_start(&s, l, f, SRV_HTTP, 0), "server"))
			goto out;
		conf_init(&c, XLB_HC_TCP, s.port);
		r = probe(l, f, &c);
		EXPECT(r, true, "ok", f == 4 ? "tcp up (v4)" : "tcp up (v6)");
		ASSERT_RANGE(r.latency_us, 0, 300000, "latency below timeout");
		srv_stop(&s);

		cfd = closed_port(f, SOCK_STREAM, &port);
		conf_init(&c, XLB_HC_TCP, port);
		r = probe(l, f, &c);
		EXPECT(r, false, "connection refused", "tcp closed port");
		close(cfd);
	}
out:
	srv_stop(&s);
	xlb_loop_free(l);
}

/*
 * TCP timeout on loopback: a listener with backlog 0 whose accept queue
 * holds one connection nobody accepts drops further SYNs (the kernel
 * never answers a SYN for a full queue), so connect() never completes.
 */
TEST(hc_tcp_timeout)
{
	struct xlb_loop *l = xlb_loop_new();
	struct sockaddr_storage ss;
	struct xlb_hc_conf c;
	struct result r;
	__u16 port = 0;
	int lfd, filler[2] = { -1, -1 };

	lfd = bound_socket(XLB_FAMILY_V4, SOCK_STREAM, &port);
	if (!ASSERT_TRUE(lfd >= 0 && !listen(lfd, 0), "listener"))
		goto out;
	/* fill the accept queue (backlog 0 still queues one) */
	for (int i = 0; i < 2; i++) {
		socklen_t len = sa_of(XLB_FAMILY_V4, port, &ss);

		filler[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(filler[i], (struct sockaddr *)&ss, len);
	}
	usleep(50000);
	conf_init(&c, XLB_HC_TCP, port);
	c.timeout_ms = 200;
	r = probe(l, XLB_FAMILY_V4, &c);
	EXPECT(r, false, "timeout", "tcp to a full accept queue");
	ASSERT_RANGE(r.latency_us, 190000, 1000000, "after timeout_ms");
out:
	for (int i = 0; i < 2; i++)
		if (filler[i] >= 0)
			close(filler[i]);
	if (lfd >= 0)
		close(lfd);
	xlb_loop_free(l);
}

/* ---- http ---- */

TEST(hc_http)
{
	struct xlb_loop *l = xlb_loop_new();
	struct xlb_hc_conf c;
	struct srv s = { .fd = -1 };
	struct result r;
	char want[128];

	for (size_t i = 0; i < 2; i++) {
		__u8 f = families[i];

		if (!ASSERT_OK(srv_start(&s, l, f, SRV_HTTP, 0), "server"))
			goto out;
		conf_init(&c, XLB_HC_HTTP, s.port);
		strcpy(c.path, "/healthz?x=1");
		r = probe(l, f, &c);
		EXPECT(r, true, "ok", "http 200");
		ASSERT_CONTAINS(s.last_req, "GET /healthz?x=1 HTTP/1.1\r\n",
				"request line");
		snprintf(want, sizeof(want), "\r\nHost: %s:%u\r\n",
			 f == XLB_FAMILY_V6 ? "[::1]" : "127.0.0.1", s.port);
		ASSERT_CONTAINS(s.last_req, want, "default Host header");
		ASSERT_CONTAINS(s.last_req, "\r\nConnection: close\r\n",
				"Connection: close");

		strcpy(c.host, "www.example.org");
		r = probe(l, f, &c);
		EXPECT(r, true, "ok", "http with host");
		ASSERT_CONTAINS(s.last_req, "\r\nHost: www.example.org\r\n",
				"configured Host header");
		srv_stop(&s);
	}
out:
	srv_stop(&s);
	xlb_loop_free(l);
}

TEST(hc_http_status)
{
	struct xlb_loop *l = xlb_loop_new();
	struct xlb_hc_conf c;
	struct srv s = { .fd = -1 };
	struct result r;

	if (!ASSERT_OK(srv_start(&s, l, XLB_FAMILY_V4, SRV_HTTP, 0), "server"))
		goto out;
	conf_init(&c, XLB_HC_HTTP, s.port);
	s.status = 503;
	r = probe(l, XLB_FAMILY_V4, &c);
	EXPECT(r, false, "status 503", "503 with the default 200-399");
	s.status = 302;
	r = probe(l, XLB_FAMILY_V4, &c);
	EXPECT(r, true, "ok", "302 within 200-399");
	s.status = 404;
	r = probe(l, XLB_FAMILY_V4, &c);
	EXPECT(r, false, "status 404", "404");

	/* [200, 204, 500-503] */
	c.n_status = 3;
	c.status_lo[0] = c.status_hi[0] = 200;
	c.status_lo[1] = c.status_hi[1] = 204;
	c.status_lo[2] = 500;
	c.status_hi[2] = 503;
	s.status = 503;
	r = probe(l, XLB_FAMILY_V4, &c);
	EXPECT(r, true, "ok", "503 in 500-503");
	s.status = 504;
	r = probe(l, XLB_FAMILY_V4, &c);
	EXPECT(r, false, "status 504", "504 outside the list");
	s.status = 204;
	r = probe(l, XLB_FAMILY_V4, &c);
	EXPECT(r, true, "ok", "204 in the list");
	s.status = 201;
	r = probe(l, XLB_FAMILY_V4, &c);
	EXPECT(r, false, "status 201", "201 between list entries");
out:
	srv_stop(&s);
	xlb_loop_free(l);
}

TEST(hc_http_body)
{
	struct xlb_loop *l = xlb_loop_new();
	struct xlb_hc_conf c;
	struct srv s = { .fd = -1 };
	struct result r;
	char *big = NULL;

	if (!ASSERT_OK(srv_start(&s, l, XLB_FAMILY_V6, SRV_HTTP, 0), "server"))
		goto out;
	conf_init(&c, XLB_HC_HTTP, s.port);
	s.body = "status: all good\n";
	strcpy(c.expect_body, "all good");
	r = probe(l, XLB_FAMILY_V6, &c);
	EXPECT(r, true, "ok", "body contains the string");
	strcpy(c.expect_body, "degraded");
	r = probe(l, XLB_FAMILY_V6, &c);
	EXPECT(r, false, "body mismatch", "body lacks the string");
	/* the status is judged first */
	s.status = 500;
	strcpy(c.expect_body, "all good");
	r = probe(l, XLB_FAMILY_V6, &c);
	EXPECT(r, false, "status 500", "status before body");
	/* a body bigger than one read, the string at its end */
	s.status = 200;
	big = malloc(3001);
	memset(big, 'x', 3000);
	big[3000] = 0;
	memcpy(big + 2990, "all good", 8);
	s.body = big;
	r = probe(l, XLB_FAMILY_V6, &c);
	EXPECT(r, true, "ok", "string at the end of a 3000-byte body");
out:
	srv_stop(&s);
	free(big);
	xlb_loop_free(l);
}

TEST(hc_http_timeout_refused)
{
	struct xlb_loop *l = xlb_loop_new();
	struct xlb_hc_conf c;
	struct srv s = { .fd = -1 };
	struct result r;
	__u16 port;
	int cfd;

	if (!ASSERT_OK(srv_start(&s, l, XLB_FAMILY_V4, SRV_SILENT, 0),
		       "server"))
		goto out;
	conf_init(&c, XLB_HC_HTTP, s.port);
	c.timeout_ms = 200;
	r = probe(l, XLB_FAMILY_V4, &c);
	EXPECT(r, false, "timeout", "server that never answers");
	ASSERT_RANGE(r.latency_us, 190000, 1000000, "after timeout_ms");
	ASSERT_EQ(s.accepted, 1, "it did connect");
	ASSERT_CONTAINS(s.last_req, "GET / HTTP/1.1", "and sent the request");
	srv_stop(&s);

	cfd = closed_port(XLB_FAMILY_V4, SOCK_STREAM, &port);
	conf_init(&c, XLB_HC_HTTP, port);
	r = probe(l, XLB_FAMILY_V4, &c);
	EXPECT(r, false, "connection refused", "http to a closed port");
	close(cfd);
out:
	srv_stop(&s);
	xlb_loop_free(l);
}

/* ---- udp ---- */

TEST(hc_udp)
{
	struct xlb_loop *l = xlb_loop_new();
	struct xlb_hc_conf c;
	struct srv s = { .fd = -1 };
	struct result r;
	__u16 port;

	for (size_t i = 0; i < 2; i++) {
		__u8 f = families[i];

		if (!ASSERT_OK(srv_start(&s, l, f, SRV_UDP_ECHO, 0), "server"))
			goto out;
		conf_init(&c, XLB_HC_UDP, s.port);
		r = probe(l, f, &c);
		EXPECT(r, true, "ok", "udp echo, any reply");
		strcpy(c.expect, "echo ping");
		r = probe(l, f, &c);
		EXPECT(r, true, "ok", "udp echo, reply contains expect");
		strcpy(c.expect, "pong");
		r = probe(l, f, &c);
		EXPECT(r, false, "reply mismatch", "udp reply without expect");
		srv_stop(&s);

		closed_port(f, SOCK_DGRAM, &port);
		conf_init(&c, XLB_HC_UDP, port);
		r = probe(l, f, &c);
		EXPECT(r, false, "icmp port unreachable", "udp closed port");
		ASSERT_RANGE(r.latency_us, 0, 100000, "fails before timeout");

		if (!ASSERT_OK(srv_start(&s, l, f, SRV_UDP_MUTE, 0), "server"))
			goto out;
		conf_init(&c, XLB_HC_UDP, s.port);
		c.timeout_ms = 150;
		r = probe(l, f, &c);
		EXPECT(r, false, "no reply", "udp server that never answers");
		srv_stop(&s);
	}
out:
	srv_stop(&s);
	xlb_loop_free(l);
}

/* ---- the checker ---- */

struct reports {
	int n, flips;
	bool up;
	char seq[256]; /* verdict per report, U/D; '!': flip */
	char reason[XLB_HC_REASON_LEN];
	__u64 first_ms;
	struct xlb_loop *l;
	int stop_at; /* stop the loop after this many */
};

static void on_report(struct xlb_hc *hc, void *ctx, bool up, bool changed,
		      const char *reason)
{
	struct reports *r = ctx;
	size_t n = strlen(r->seq);

	if (!r->n)
		r->first_ms = xlb_now_ms();
	r->n++;
	r->up = up;
	r->flips += changed;
	if (n + 2 < sizeof(r->seq)) {
		r->seq[n] = up ? 'U' : 'D';
		if (changed)
			r->seq[n + 1] = '!';
	}
	snprintf(r->reason, sizeof(r->reason), "%s", reason);
	if (r->n >= r->stop_at)
		xlb_loop_stop(r->l);
}

/* Run until r->n reaches n (bounded). */
static bool reports_wait(struct reports *r, int n)
{
	bool reached = false;
	struct xlb_timer *guard;

	r->stop_at = n;
	guard = xlb_timer_add(r->l, WAIT_MS, on_guard, &guard);
	while (r->n < n && guard)
		xlb_loop_run(r->l);
	reached = r->n >= n;
	xlb_timer_cancel(r->l, guard);
	return reached;
}

TEST(hc_checker_rise_fall)
{
	struct xlb_loop *l = xlb_loop_new();
	struct reports r = { .l = l };
	struct xlb_hc *hc = NULL;
	struct xlb_hc_status st;
	struct xlb_hc_conf c;
	struct srv s = { .fd = -1 };
	union xlb_addr a = { .v4 = htonl(INADDR_LOOPBACK) };
	__u16 port;
	__u64 t0;

	if (!ASSERT_OK(srv_start(&s, l, XLB_FAMILY_V4, SRV_HTTP, 0), "server"))
		goto out;
	port = s.port;
	conf_init(&c, XLB_HC_HTTP, port);
	c.interval_ms = 40;
	c.timeout_ms = 30;
	c.rise = 2;
	c.fall = 3;
	t0 = xlb_now_ms();
	hc = xlb_hc_new(l, &a, XLB_FAMILY_V4, &c, false, on_report, &r);
	if (!ASSERT_TRUE(hc, "checker"))
		goto out;
	xlb_hc_get_status(hc, &st);
	ASSERT_TRUE(!st.up && !st.have_result, "new checker: down, no result");

	/* new: up on the first success, probed at once */
	if (!ASSERT_TRUE(reports_wait(&r, 1), "first report"))
		goto out;
	ASSERT_STREQ(r.seq, "U!", "up at the first success");
	ASSERT_RANGE(r.first_ms - t0, 0, XLB_HC_FIRST_MAX_MS + 15,
		     "first probe at once");
	reports_wait(&r, 3);
	ASSERT_STREQ(r.seq, "U!UU", "stays up");

	/* server gone: down after exactly fall = 3 failures */
	srv_stop(&s);
	reports_wait(&r, 6);
	ASSERT_STREQ(r.seq, "U!UUUUD!", "down at the 3rd failure");
	ASSERT_STREQ(r.reason, "connection refused", "reason");
	xlb_hc_get_status(hc, &st);
	ASSERT_EQ(st.failures, 3, "consecutive failures");
	ASSERT_EQ(st.successes, 0, "successes reset");
	ASSERT_EQ(st.checks, 6, "checks");

	/* back: up after exactly rise = 2 successes */
	if (!ASSERT_OK(srv_start(&s, l, XLB_FAMILY_V4, SRV_HTTP, port),
		       "server again"))
		goto out;
	reports_wait(&r, 9);
	ASSERT_STREQ(r.seq, "U!UUUUD!DU!U", "up at the 2nd success");
	ASSERT_EQ(r.flips, 3, "three transitions");
	ASSERT_STREQ(r.reason, "ok", "reason");
	xlb_hc_get_status(hc, &st);
	ASSERT_TRUE(st.up && st.successes == 3 && st.failures == 0,
		    "status after recovery");
out:
	xlb_hc_free(hc);
	srv_stop(&s);
	xlb_loop_free(l);
}

TEST(hc_checker_adopted_up)
{
	struct xlb_loop *l = xlb_loop_new();
	struct reports r = { .l = l };
	struct xlb_hc *hc = NULL;
	struct xlb_hc_conf c;
	union xlb_addr a = { .v4 = htonl(INADDR_LOOPBACK) };
	__u16 port;
	int cfd = closed_port(XLB_FAMILY_V4, SOCK_STREAM, &port);

	conf_init(&c, XLB_HC_TCP, port);
	c.interval_ms = 30;
	c.timeout_ms = 20;
	c.fall = 2;
	hc = xlb_hc_new(l, &a, XLB_FAMILY_V4, &c, true, on_report, &r);
	if (!ASSERT_TRUE(hc, "checker"))
		goto out;
	reports_wait(&r, 3);
	/* adopted up: one failure does not take it down, fall does */
	ASSERT_STREQ(r.seq, "UD!D", "down at the 2nd failure only");
out:
	xlb_hc_free(hc);
	close(cfd);
	xlb_loop_free(l);
}

/* Free from inside the report callback, and with a probe in flight. */
static void on_report_free(struct xlb_hc *hc, void *ctx, bool up, bool changed,
			   const char *reason)
{
	struct reports *r = ctx;

	r->n++;
	xlb_hc_free(hc);
	xlb_loop_stop(r->l);
}

TEST(hc_checker_free)
{
	struct xlb_loop *l = xlb_loop_new();
	struct reports r = { .l = l };
	struct xlb_hc *hc;
	struct xlb_hc_conf c;
	struct srv s = { .fd = -1 };
	union xlb_addr a = { .v4 = htonl(INADDR_LOOPBACK) };

	if (!ASSERT_OK(srv_start(&s, l, XLB_FAMILY_V4, SRV_SILENT, 0),
		       "server"))
		goto out;
	conf_init(&c, XLB_HC_HTTP, s.port);
	c.interval_ms = 100;
	c.timeout_ms = 50;
	hc = xlb_hc_new(l, &a, XLB_FAMILY_V4, &c, false, on_report_free, &r);
	reports_wait(&r, 1);
	ASSERT_EQ(r.n, 1, "freed from its own report");
	run_for(l, 250);
	ASSERT_EQ(r.n, 1, "no report after free");

	/* free while a probe is in flight (the silent server holds it) */
	r.n = 0;
	hc = xlb_hc_new(l, &a, XLB_FAMILY_V4, &c, false, on_report, &r);
	run_for(l, 130); /* probes at ~0-20 and ~70-120 ms */
	ASSERT_TRUE(r.n > 0, "probes ran");
	xlb_hc_free(hc);
out:
	srv_stop(&s);
	xlb_loop_free(l);
}

/* ---- cost: 1000 checkers every second (XLB_HC_BENCH=SECONDS) ---- */

static void bench_child(int lfd)
{
	struct xlb_loop *l = xlb_loop_new();
	struct srv s = { .l = l,
			 .mode = SRV_HTTP,
			 .fd = lfd,
			 .status = 200,
			 .body = "ok\n" };

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	xlb_loop_add_fd(l, lfd, EPOLLIN, srv_accept, &s);
	xlb_loop_run(l);
	_exit(0);
}

/* CPU seconds of this process (the child server is not counted). */
static double cpu_s(double *sys)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	*sys = ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + *sys;
}

static void bench_one(enum xlb_hc_type type, int secs, __u16 port)
{
	struct xlb_loop *l = xlb_loop_new();
	static struct xlb_hc *hcs[1000];
	struct reports r = { .l = l, .stop_at = INT32_MAX };
	struct xlb_hc_conf c;
	double cpu0, cpu1, sys0, sys1;
	__u64 t0, t1;
	int ups = 0;

	conf_init(&c, type, port);
	c.interval_ms = 1000;
	c.timeout_ms = 500;
	/* 1000 backends: 127.0.x.y, each its own address */
	for (int i = 0; i < 1000; i++) {
		union xlb_addr a = { .v4 = htonl(0x7f000000 | (1 + i)) };

		hcs[i] = xlb_hc_new(l, &a, XLB_FAMILY_V4, &c, false, on_report,
				    &r);
	}
	/* warm up: everyone up, probes spread over the interval */
	run_for(l, 3000);
	r.n = 0;
	cpu0 = cpu_s(&sys0);
	t0 = xlb_now_ms();
	run_for(l, secs * 1000);
	cpu1 = cpu_s(&sys1);
	t1 = xlb_now_ms();
	for (int i = 0; i < 1000; i++) {
		struct xlb_hc_status st;

		xlb_hc_get_status(hcs[i], &st);
		ups += st.up;
		xlb_hc_free(hcs[i]);
	}
	printf("    bench %s: 1000 checkers, %d probes in %.1f s (%.0f/s), all up: %s; CPU %.3f s (%.3f s system) = %.2f%% of one core\n",
	       xlb_hc_type_names[type], r.n, (t1 - t0) / 1000.0,
	       r.n * 1000.0 / (t1 - t0), ups == 1000 ? "yes" : "NO",
	       cpu1 - cpu0, sys1 - sys0, (cpu1 - cpu0) * 100000.0 / (t1 - t0));
	ASSERT_EQ(ups, 1000, "all up");
	ASSERT_RANGE(r.n, secs * 900, secs * 1100, "about 1000 probes/s");
	xlb_loop_free(l);
}

TEST(hc_bench)
{
	const char *env = getenv("XLB_HC_BENCH");
	int secs = env ? atoi(env) : 0;
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);
	int lfd, on = 1;
	pid_t pid;

	if (secs <= 0) {
		xlb_test_skip("set XLB_HC_BENCH=SECONDS to run");
		return;
	}
	/* 0.0.0.0 so that every 127.0.x.y reaches it */
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (!ASSERT_TRUE(
		    !bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) &&
			    !getsockname(lfd, (struct sockaddr *)&sin, &len) &&
			    !listen(lfd, 4096),
		    "listener"))
		return;
	pid = fork();
	if (!pid)
		bench_child(lfd);
	close(lfd);
	bench_one(XLB_HC_TCP, secs, ntohs(sin.sin_port));
	bench_one(XLB_HC_HTTP, secs, ntohs(sin.sin_port));
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}
