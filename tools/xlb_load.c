// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xlb_load: the load generator of the xlb lab.
 *
 * Single-threaded and epoll driven. Sends HTTP, TCP-line or UDP requests
 * to one target, either closed-loop (--concurrency C requests in flight) or
 * open-loop (--rate R requests per second, evenly paced), and reports what
 * happened to every request:
 *
 *   - sent, succeeded, failed by reason (see reason_names below);
 *   - latency percentiles of the successful requests (a log-bucket
 *     histogram: exact below 256 us, then 128 sub-buckets per power of two,
 *     under 0.4% error; bounded memory);
 *   - the backend that served each success: the X-Backend header (http) or
 *     the first word of the reply (tcp, udp);
 *   - a per-second timeline (by request start time) of successes per
 *     backend and failures per reason;
 *   - the failure window: start of the first failed request to start of
 *     the last one, and the longest gap between two successive successes.
 *
 * A request's time starts before connect() (new connection) or before its
 * send (reused connection) and ends with the complete response. A request
 * either succeeds, fails or times out (--timeout covers connect + send +
 * reply), and the run waits for every request it started, so at the end
 * sent == ok + failed.
 *
 * Connections: without --keepalive every request opens a new connection and
 * asks the server to close it (HTTP "Connection: close"); after the reply
 * the client waits briefly for the server's FIN before closing, so the
 * TIME_WAIT state lands on the server and the client's ports are not
 * exhausted. With --keepalive connections are pooled and reused (HTTP/1.1
 * keep-alive; tcp: one line after another on the same connection). A
 * request that fails on a reused connection is not retried. UDP uses a new
 * connected socket per request (so each has its own source port, and ICMP
 * port unreachable comes back as ECONNREFUSED: icmp-unreach).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http_head.h"
#include "opts.h"
#include "xlb_util.h"

#define MAX_BE 64	/* backend names, then "other" */
#define NAME_LEN 63	/* backend name, longer is cut */
#define MAX_SECONDS 600 /* hard cap of a run */
#define DEF_DURATION 5.0
#define MAX_TIMEOUT_MS 60000
#define MAX_CONC 100000
#define MAX_RATE 1000000.0
#define MAX_REQUESTS 1000000000ULL
#define HEAD_MAX 16384	  /* largest HTTP response head */
#define LINE_MAX_LEN 4096 /* largest tcp reply line */
#define BUF_INIT 2048
#define LINGER_MS 200 /* wait for the server's FIN */
#define MAX_EVENTS 1024
#define FD_RESERVE 32 /* descriptors kept free */
#define NS 1000000000ULL

/* latency histogram, microseconds */
#define H_LINEAR 256
#define H_SUB_BITS 7
#define H_SUB (1U << H_SUB_BITS)
#define H_MAX_EXP 31 /* 2^32 us > an hour */
#define H_BUCKETS (H_LINEAR + (H_MAX_EXP - 8 + 1) * H_SUB)

enum proto {
	PROTO_HTTP,
	PROTO_TCP,
	PROTO_UDP
};

enum reason {
	R_REFUSED, /* ECONNREFUSED on a TCP connect */
	R_RESET,   /* ECONNRESET, EPIPE, ECONNABORTED */
	R_TIMEOUT, /* no complete reply within --timeout */
	R_UNREACH, /* EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ENETDOWN */
	R_BAD,	   /* unparsable reply */
	R_HTTP,	   /* HTTP status >= 400 */
	R_CLOSED,  /* EOF before a complete reply */
	R_ICMP,	   /* UDP: ICMP port unreachable (ECONNREFUSED) */
	R_LOCAL,   /* client side: no socket, no port, no memory */
	R_NUM
};

static const char *const reason_names[R_NUM] = {
	[R_REFUSED] = "refused",  [R_RESET] = "reset",
	[R_TIMEOUT] = "timeout",  [R_UNREACH] = "unreachable",
	[R_BAD] = "bad-response", [R_HTTP] = "http-status",
	[R_CLOSED] = "closed",	  [R_ICMP] = "icmp-unreach",
	[R_LOCAL] = "local",
};

enum cstate {
	C_CONNECTING,
	C_SENDING,
	C_READING,
	C_IDLE,
	C_LINGER
};
enum clist {
	L_NONE,
	L_REQ,
	L_LINGER,
	L_IDLE
};

/* chunked transfer coding */
enum chunk_state {
	CS_SIZE,
	CS_EXT,
	CS_DATA,
	CS_DATA_CR,
	CS_TR_START,
	CS_TR_LINE,
	CS_DONE
};

struct conn {
	int fd;
	enum cstate state;
	enum clist list;
	struct conn *prev, *next; /* in the list named by @list */
	uint64_t deadline;	  /* ns; request or linger */
	uint64_t start;		  /* request start, ns */
	unsigned int sec;	  /* timeline second of the request */
	bool peer_eof;
	bool close_after; /* not reusable after this reply */
	size_t out_off;
	char *buf;
	size_t len, cap;
	/* HTTP reply */
	bool head_done, until_eof, chunked;
	int status;
	uint64_t body_left;
	enum chunk_state cs;
	uint64_t ch_size;
	bool ch_digits;
	char backend[NAME_LEN + 1];
};

struct clist_head {
	struct conn *head, *tail;
	unsigned long n;
};

struct second {
	uint32_t ok, failed;
	uint32_t reason[R_NUM];
	uint32_t be[MAX_BE + 1]; /* [MAX_BE]: other */
	uint64_t lat_sum_us, lat_max_us;
	uint32_t *hist; /* only with --csv */
};

static struct {
	const char *target_str;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char host[INET6_ADDRSTRLEN + 8];
	enum proto proto;
	double duration;	     /* seconds, 0: not given */
	unsigned long long requests; /* 0: no limit */
	double rate;		     /* 0: closed loop */
	unsigned long long concurrency;
	bool keepalive;
	unsigned long long timeout_ms;
	const char *csv;
	bool json;
	bool progress;
	const char *path;
	const char *host_hdr;
	const char *payload;
} opt = {
	.proto = PROTO_HTTP,
	.concurrency = 8,
	.timeout_ms = 2000,
	.path = "/",
	.payload = "ping",
};

static int epfd = -1;
static char *req_data; /* the request, same for all */
static size_t req_len;
static uint64_t timeout_ns;
static unsigned long fd_budget; /* sockets we may hold */
static unsigned long nconns;

static struct clist_head reqs, lingers, idles;
static unsigned long inflight;
static unsigned long long sent, n_ok, n_failed;
static uint64_t n_reason[R_NUM];

static uint64_t t0, t_end, t_finish, next_due;
static double period_ns;
static volatile sig_atomic_t stopping;

static char be_names[MAX_BE + 1][NAME_LEN + 1];
static unsigned int nbe;
static uint64_t be_ok[MAX_BE + 1];

static uint64_t hist[H_BUCKETS];
static uint64_t lat_min_us = UINT64_MAX, lat_max_us, lat_sum_us;
static struct second secs[MAX_SECONDS + 1];
static unsigned int nsecs; /* highest second used + 1 */

/* failure window, by request start time relative to t0 */
static uint64_t first_fail_ns, last_fail_ns;
static uint64_t last_ok_done, max_ok_gap; /* absolute ns, ns */
static bool have_ok;

/* --progress: completions during the current second */
static uint64_t next_progress;
static uint32_t prog_ok, prog_failed, prog_be[MAX_BE + 1];

static char scratch[65536];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NS + ts.tv_nsec;
}

static void fatal(const char *what)
{
	fprintf(stderr, "xlb_load: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void __attribute__((noreturn, format(printf, 2, 3)))
bad_arg(const char *arg, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "xlb_load: %s: ", arg);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see --help)\n");
	exit(2);
}

/* ---- latency histogram ---- */

static unsigned int h_index(uint64_t us)
{
	unsigned int e;

	if (us < H_LINEAR)
		return us;
	e = 63 - __builtin_clzll(us);
	if (e > H_MAX_EXP) {
		e = H_MAX_EXP;
		us = (2ULL << e) - 1;
	}
	return H_LINEAR + (e - 8) * H_SUB +
	       ((us >> (e - H_SUB_BITS)) & (H_SUB - 1));
}

/* The middle of bucket @i. */
static uint64_t h_value(unsigned int i)
{
	unsigned int e, sub;
	uint64_t low, width;

	if (i < H_LINEAR)
		return i;
	e = (i - H_LINEAR) / H_SUB + 8;
	sub = (i - H_LINEAR) % H_SUB;
	width = 1ULL << (e - H_SUB_BITS);
	low = (uint64_t)(H_SUB + sub) * width;
	return low + width / 2;
}

/* Percentile @p (0..100) of @count samples in @h (uint64 or uint32). */
/*
 * Latency at percentile p of a histogram: the total one holds 64-bit
 * counts, the per-second ones 32-bit to keep 600 s of them small.
 */
static uint64_t h_pct(const void *h, bool wide, uint64_t count, double p,
		      uint64_t max)
{
	uint64_t rank, cum = 0, v;
	unsigned int i;

	if (!count)
		return 0;
	rank = (uint64_t)ceil(p / 100.0 * count);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < H_BUCKETS; i++) {
		cum += wide ? ((const uint64_t *)h)[i]
			    : ((const uint32_t *)h)[i];
		if (cum >= rank)
			break;
	}
	v = h_value(i < H_BUCKETS ? i : H_BUCKETS - 1);
	return v > max ? max : v;
}

#define h_pct64(h, count, p, max) h_pct((h), true, (count), (p), (max))
#define h_pct32(h, count, p, max) h_pct((h), false, (count), (p), (max))

/* ---- backends ---- */

/* Keep names safe for CSV, JSON and gnuplot titles. */
static void sanitize(char *dst, const char *src, size_t len)
{
	size_t i;

	if (len > NAME_LEN)
		len = NAME_LEN;
	for (i = 0; i < len; i++) {
		char ch = src[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' ||
		    ch == '_' || ch == ':')
			dst[i] = ch;
		else
			dst[i] = '_';
	}
	dst[len] = 0;
}

static unsigned int be_index(const char *name)
{
	unsigned int i;

	for (i = 0; i < nbe; i++)
		if (!strcmp(be_names[i], name))
			return i;
	if (nbe == MAX_BE)
		return MAX_BE;
	snprintf(be_names[nbe], sizeof(be_names[nbe]), "%s", name);
	return nbe++;
}

/* ---- accounting ---- */

static struct second *sec_of(unsigned int sec)
{
	if (sec > MAX_SECONDS)
		sec = MAX_SECONDS;
	if (sec + 1 > nsecs)
		nsecs = sec + 1;
	return &secs[sec];
}

static void record_fail(uint64_t start, unsigned int sec, enum reason r)
{
	struct second *s = sec_of(sec);
	uint64_t rel = start - t0;

	n_failed++;
	n_reason[r]++;
	s->failed++;
	s->reason[r]++;
	prog_failed++;
	if (n_failed == 1)
		first_fail_ns = rel;
	if (rel > last_fail_ns || n_failed == 1)
		last_fail_ns = rel;
}

static void record_ok(uint64_t start, unsigned int sec, uint64_t done,
		      const char *backend)
{
	struct second *s = sec_of(sec);
	uint64_t us = (done - start) / 1000;
	unsigned int b = be_index(backend[0] ? backend : "unknown");

	n_ok++;
	be_ok[b]++;
	prog_ok++;
	prog_be[b]++;
	s->ok++;
	s->be[b]++;
	s->lat_sum_us += us;
	if (us > s->lat_max_us)
		s->lat_max_us = us;
	hist[h_index(us)]++;
	lat_sum_us += us;
	if (us < lat_min_us)
		lat_min_us = us;
	if (us > lat_max_us)
		lat_max_us = us;
	if (opt.csv) {
		if (!s->hist) {
			s->hist = calloc(H_BUCKETS, sizeof(*s->hist));
			if (!s->hist)
				fatal("calloc");
		}
		s->hist[h_index(us)]++;
	}
	if (have_ok && done - last_ok_done > max_ok_gap)
		max_ok_gap = done - last_ok_done;
	if (!have_ok || done > last_ok_done)
		last_ok_done = done;
	have_ok = true;
}

static enum reason err_reason(int err)
{
	switch (err) {
	case ECONNREFUSED:
		return opt.proto == PROTO_UDP ? R_ICMP : R_REFUSED;
	case ECONNRESET:
	case EPIPE:
	case ECONNABORTED:
		return R_RESET;
	case ETIMEDOUT:
		return R_TIMEOUT;
	case EHOSTUNREACH:
	case ENETUNREACH:
	case EHOSTDOWN:
	case ENETDOWN:
		return R_UNREACH;
	default:
		return R_LOCAL;
	}
}

/* ---- connection lists (each ordered by deadline: constant offsets) ---- */

static struct clist_head *list_head(enum clist l)
{
	switch (l) {
	case L_REQ:
		return &reqs;
	case L_LINGER:
		return &lingers;
	case L_IDLE:
		return &idles;
	default:
		return NULL;
	}
}

static void list_del(struct conn *c)
{
	struct clist_head *h = list_head(c->list);

	if (!h)
		return;
	if (c->prev)
		c->prev->next = c->next;
	else
		h->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		h->tail = c->prev;
	c->prev = c->next = NULL;
	c->list = L_NONE;
	h->n--;
}

static void list_add_tail(struct conn *c, enum clist l)
{
	struct clist_head *h = list_head(l);

	list_del(c);
	c->list = l;
	c->prev = h->tail;
	c->next = NULL;
	if (h->tail)
		h->tail->next = c;
	else
		h->head = c;
	h->tail = c;
	h->n++;
}

/* ---- connections ---- */

static void conn_close(struct conn *c)
{
	list_del(c);
	close(c->fd); /* also leaves epoll */
	free(c->buf);
	free(c);
	nconns--;
}

/* A new socket, connect started. NULL with errno set on failure. */
static struct conn *conn_new(void)
{
	int type = opt.proto == PROTO_UDP ? SOCK_DGRAM : SOCK_STREAM;
	struct epoll_event ev;
	struct conn *c;
	int one = 1, err;

	if (nconns >= fd_budget) {
		errno = EMFILE;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->fd = socket(opt.addr.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0);
	if (c->fd < 0) {
		err = errno;
		free(c);
		errno = err;
		return NULL;
	}
	if (type == SOCK_STREAM)
		setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
	ev.data.ptr = c;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
		err = errno;
		close(c->fd);
		free(c);
		errno = err;
		return NULL;
	}
	nconns++;
	c->state = C_CONNECTING;
	if (connect(c->fd, (struct sockaddr *)&opt.addr, opt.addr_len) == 0) {
		c->state = C_SENDING;
	} else if (errno != EINPROGRESS) {
		err = errno;
		conn_close(c);
		errno = err;
		return NULL;
	}
	return c;
}

static void req_reset(struct conn *c)
{
	c->len = 0;
	c->out_off = 0;
	c->head_done = c->until_eof = c->chunked = false;
	c->close_after = false;
	c->status = 0;
	c->body_left = 0;
	c->cs = CS_SIZE;
	c->ch_size = 0;
	c->ch_digits = false;
	c->backend[0] = 0;
}

static void drain_conn(struct conn *c, uint32_t events);

static void req_fail(struct conn *c, enum reason r)
{
	record_fail(c->start, c->sec, r);
	inflight--;
	conn_close(c);
}

static void req_ok(struct conn *c)
{
	record_ok(c->start, c->sec, now_ns(), c->backend);
	inflight--;
	if (c->peer_eof || opt.proto == PROTO_UDP) {
		conn_close(c);
		return;
	}
	if (opt.keepalive && !c->close_after && !stopping) {
		c->state = C_IDLE;
		list_add_tail(c, L_IDLE);
	} else {
		/* the server closes: let its FIN come first */
		c->state = C_LINGER;
		c->deadline = now_ns() + LINGER_MS * 1000000ULL;
		list_add_tail(c, L_LINGER);
	}
	/* edge triggered: a FIN queued behind the reply gives no new event */
	drain_conn(c, EPOLLIN);
}

/* Status line and headers, without the final empty line. */
static int parse_head(struct conn *c, const char *h, size_t len)
{
	const char *end = h + len, *p, *eol;
	struct xlb_http_framing m = { 0 };
	struct xlb_http_field f;
	bool http10;
	int i, n, k;

	if (len < 12 || memcmp(h, "HTTP/1.", 7) ||
	    (h[7] != '0' && h[7] != '1') || h[8] != ' ')
		return -1;
	http10 = h[7] == '0';
	c->status = 0;
	for (i = 9; i < 12; i++) {
		if (h[i] < '0' || h[i] > '9')
			return -1;
		c->status = c->status * 10 + h[i] - '0';
	}
	if (len > 12 && h[12] != ' ' && h[12] != '\r')
		return -1;

	eol = memmem(h, len, "\r\n", 2);
	p = eol ? eol + 2 : end;
	while ((n = xlb_http_next_field(&p, end, &f)) > 0) {
		k = xlb_http_framing_field(&f, &m);
		if (k < 0)
			return -1;
		if (!k && xlb_http_field_is(&f, "X-Backend"))
			sanitize(c->backend, f.value, f.value_len);
	}
	if (n < 0)
		return -1;

	c->chunked = m.chunked;
	c->close_after = m.close || (http10 && !m.keep_alive);
	if (c->status == 204 || c->status == 304) {
		c->chunked = false;
		c->body_left = 0;
	} else if (c->chunked) {
		c->body_left = 0;
	} else if (m.has_length) {
		c->body_left = m.length;
	} else {
		c->until_eof = true;
		c->close_after = true;
	}
	return 0;
}

/* Feed body bytes to the chunk parser. */
static int chunk_feed(struct conn *c, const char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		char ch = p[i];

		if (c->cs == CS_DONE) {
			c->close_after = true; /* unexpected extra bytes */
			return 1;
		}
		if (c->cs == CS_DATA) {
			size_t take = n - i;

			if (take > c->ch_size)
				take = c->ch_size;
			i += take;
			c->ch_size -= take;
			if (!c->ch_size)
				c->cs = CS_DATA_CR;
			continue;
		}
		/* the other states read a line byte by byte; a CR is skipped */
		i++;
		if (ch == '\r')
			continue;
		switch (c->cs) {
		case CS_SIZE:
			if ((ch >= '0' && ch <= '9') ||
			    (ch >= 'a' && ch <= 'f') ||
			    (ch >= 'A' && ch <= 'F')) {
				if (c->ch_size > (1ULL << 40))
					return -1;
				c->ch_size =
					c->ch_size * 16 +
					(ch <= '9' ? ch - '0'
						   : (ch | 0x20) - 'a' + 10);
				c->ch_digits = true;
				break;
			}
			if (ch == ';' || ch == ' ' || ch == '\t') {
				c->cs = CS_EXT;
				break;
			}
			if (ch != '\n')
				return -1;
			/* fall through */
		case CS_EXT:
			if (ch != '\n')
				break;
			if (!c->ch_digits)
				return -1;
			c->cs = c->ch_size ? CS_DATA : CS_TR_START;
			break;
		case CS_DATA_CR:
			if (ch != '\n')
				return -1;
			c->cs = CS_SIZE;
			c->ch_size = 0;
			c->ch_digits = false;
			break;
		case CS_TR_START:
			c->cs = ch == '\n' ? CS_DONE : CS_TR_LINE;
			break;
		case CS_TR_LINE:
			if (ch == '\n')
				c->cs = CS_TR_START;
			break;
		default:
			break;
		}
	}
	return c->cs == CS_DONE ? 1 : 0;
}

static int body_feed(struct conn *c, const char *p, size_t n)
{
	if (c->until_eof)
		return 0;
	if (c->chunked)
		return chunk_feed(c, p, n);
	if (n > c->body_left) {
		c->close_after = true; /* unexpected extra bytes */
		c->body_left = 0;
	} else {
		c->body_left -= n;
	}
	return c->body_left ? 0 : 1;
}

/* HTTP: the head is collected in c->buf, the body only counted. */
static int http_parse(struct conn *c)
{
	for (;;) {
		char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
		size_t hlen, rest;

		if (!end)
			return c->len >= HEAD_MAX ? -1 : 0;
		hlen = end - c->buf;
		if (parse_head(c, c->buf, hlen) < 0)
			return -1;
		rest = c->len - hlen - 4;
		memmove(c->buf, end + 4, rest);
		c->len = rest;
		if (c->status >= 100 && c->status < 200) {
			/* interim answer: the real one follows */
			c->backend[0] = 0;
			c->chunked = c->until_eof = c->close_after = false;
			continue;
		}
		c->head_done = true;
		rest = c->len;
		c->len = 0;
		if (!c->until_eof && !c->chunked && !c->body_left) {
			if (rest)
				c->close_after = true; /* extra bytes */
			return 1;
		}
		return rest ? body_feed(c, c->buf, rest) : 0;
	}
}

/* First word of a reply: the backend's name. */
static bool first_word(struct conn *c, const char *p, size_t n)
{
	size_t w = 0;

	while (w < n && p[w] != ' ' && p[w] != '\r' && p[w] != '\n' &&
	       p[w] != '\t')
		w++;
	if (!w)
		return false;
	sanitize(c->backend, p, w);
	return true;
}

static int tcp_parse(struct conn *c)
{
	char *nl = memchr(c->buf, '\n', c->len);

	if (!nl)
		return c->len >= LINE_MAX_LEN ? -1 : 0;
	if ((size_t)(nl + 1 - c->buf) != c->len)
		c->close_after = true;
	return first_word(c, c->buf, nl - c->buf) ? 1 : -1;
}

/* ---- request state machine ---- */

static void do_read(struct conn *c);

static void finish_reply(struct conn *c, int r)
{
	if (r < 0)
		req_fail(c, R_BAD);
	else if (opt.proto == PROTO_HTTP &&
		 (c->status < 200 || c->status >= 400))
		req_fail(c, R_HTTP);
	else
		req_ok(c);
}

static void do_send(struct conn *c)
{
	while (c->out_off < req_len) {
		ssize_t n = send(c->fd, req_data + c->out_off,
				 req_len - c->out_off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				if (opt.proto == PROTO_UDP)
					req_fail(c, R_LOCAL);
				return;
			}
			req_fail(c, err_reason(errno));
			return;
		}
		c->out_off += n;
	}
	c->state = C_READING;
	do_read(c);
}

/*
 * recv() what the reply has sent: the bytes read (0: the peer closed), or
 * -1 when nothing more is there now (EAGAIN) or the request failed on a
 * socket error (reported).
 */
static ssize_t conn_recv(struct conn *c, void *buf, size_t len)
{
	for (;;) {
		ssize_t n = recv(c->fd, buf, len, 0);

		if (n >= 0)
			return n;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			req_fail(c, err_reason(errno));
		return -1;
	}
}

static void udp_read(struct conn *c)
{
	size_t plen = strlen(opt.payload);

	for (;;) {
		ssize_t n = conn_recv(c, scratch, sizeof(scratch));

		if (n < 0)
			return;
		/* "NAME <payload>" */
		if ((size_t)n < plen + 2 ||
		    memcmp(scratch + n - plen, opt.payload, plen) ||
		    scratch[n - plen - 1] != ' ' ||
		    !first_word(c, scratch, n - plen - 1)) {
			req_fail(c, R_BAD);
			return;
		}
		req_ok(c);
		return;
	}
}

static void on_eof(struct conn *c)
{
	c->peer_eof = true;
	if (opt.proto == PROTO_HTTP && c->head_done && c->until_eof)
		finish_reply(c, 1);
	else if (opt.proto == PROTO_TCP && c->len)
		finish_reply(c, first_word(c, c->buf, c->len) ? 1 : -1);
	else
		req_fail(c, R_CLOSED);
}

static void do_read(struct conn *c)
{
	if (opt.proto == PROTO_UDP) {
		udp_read(c);
		return;
	}
	for (;;) {
		bool body = opt.proto == PROTO_HTTP && c->head_done;
		size_t limit =
			opt.proto == PROTO_HTTP ? HEAD_MAX : LINE_MAX_LEN;
		char *dst;
		size_t room;
		ssize_t n;
		int r;

		if (body) {
			dst = scratch;
			room = sizeof(scratch);
		} else {
			if (c->len == c->cap) {
				size_t cap = c->cap ? c->cap * 2 : BUF_INIT;
				char *p;

				if (cap > limit)
					cap = limit;
				if (cap == c->cap) {
					req_fail(c, R_BAD);
					return;
				}
				p = realloc(c->buf, cap);
				if (!p) {
					req_fail(c, R_LOCAL);
					return;
				}
				c->buf = p;
				c->cap = cap;
			}
			dst = c->buf + c->len;
			room = c->cap - c->len;
		}
		n = conn_recv(c, dst, room);
		if (n < 0)
			return;
		if (n == 0) {
			on_eof(c);
			return;
		}
		if (body) {
			r = body_feed(c, scratch, n);
		} else {
			c->len += n;
			r = opt.proto == PROTO_HTTP ? http_parse(c)
						    : tcp_parse(c);
		}
		if (r) {
			finish_reply(c, r);
			return;
		}
	}
}

/* Idle or lingering connection: read what comes, close on EOF/error. */
static void drain_conn(struct conn *c, uint32_t events)
{
	if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)))
		return;
	for (;;) {
		ssize_t n = recv(c->fd, scratch, sizeof(scratch), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n > 0 && c->state == C_LINGER)
			continue;
		/* EOF, error, or unsolicited data on an idle connection */
		conn_close(c);
		return;
	}
}

static void conn_event(struct conn *c, uint32_t events)
{
	int err = 0;
	socklen_t len = sizeof(err);

	switch (c->state) {
	case C_CONNECTING:
		if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP)))
			return;
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			req_fail(c, err_reason(err));
			return;
		}
		if (events & EPOLLHUP) {
			req_fail(c, R_RESET);
			return;
		}
		c->state = C_SENDING;
		do_send(c);
		break;
	case C_SENDING:
		do_send(c);
		break;
	case C_READING:
		do_read(c);
		break;
	case C_IDLE:
	case C_LINGER:
		drain_conn(c, events);
		break;
	}
}

static void start_request(uint64_t now)
{
	unsigned int sec = (now - t0) / NS;
	struct conn *c = NULL;

	sent++;
	inflight++;
	if (opt.keepalive && idles.head) {
		c = idles.head;
		list_del(c);
	}
	if (c) {
		c->state = C_SENDING;
	} else {
		c = conn_new();
		if (!c) {
			int err = errno;

			inflight--;
			record_fail(now, sec,
				    err == ECONNREFUSED || err == ENETUNREACH ||
						    err == EHOSTUNREACH
					    ? err_reason(err)
					    : R_LOCAL);
			return;
		}
	}
	req_reset(c);
	c->start = now;
	c->sec = sec;
	c->deadline = now + timeout_ns;
	list_add_tail(c, L_REQ);
	if (c->state == C_SENDING)
		do_send(c);
}

static bool may_start_at(uint64_t when)
{
	if (stopping)
		return false;
	if (opt.requests && sent >= opt.requests)
		return false;
	return when < t_end;
}

static void fill(void)
{
	uint64_t now = now_ns();

	if (opt.rate > 0) {
		while (may_start_at(next_due) && next_due <= now) {
			start_request(now);
			next_due = t0 + (uint64_t)llround(sent * period_ns);
		}
		return;
	}
	while (inflight < opt.concurrency && may_start_at(now))
		start_request(now);
}

static void expire(uint64_t now)
{
	while (reqs.head && reqs.head->deadline <= now)
		req_fail(reqs.head, R_TIMEOUT);
	while (lingers.head && lingers.head->deadline <= now)
		conn_close(lingers.head);
}

static void progress_tick(uint64_t now)
{
	unsigned int i;

	fprintf(stderr, "[%4llus] ok %u failed %u |",
		(unsigned long long)((next_progress - t0) / NS), prog_ok,
		prog_failed);
	for (i = 0; i < nbe; i++)
		fprintf(stderr, " %s %u", be_names[i], prog_be[i]);
	if (prog_be[MAX_BE])
		fprintf(stderr, " other %u", prog_be[MAX_BE]);
	fprintf(stderr, "\n");
	prog_ok = prog_failed = 0;
	memset(prog_be, 0, sizeof(prog_be));
	while (next_progress <= now)
		next_progress += NS;
}

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void run(void)
{
	struct epoll_event evs[MAX_EVENTS];
	bool pwait2 = true;

	t0 = now_ns();
	t_end = t0 + (uint64_t)llround(
			     (opt.duration ? opt.duration : MAX_SECONDS) * NS);
	next_due = t0;
	next_progress = t0 + NS;

	for (;;) {
		uint64_t now, wake = UINT64_MAX;
		bool more;
		int i, n;

		now = now_ns();
		expire(now);
		fill();
		now = now_ns();
		if (opt.progress && now >= next_progress)
			progress_tick(now);
		more = may_start_at(opt.rate > 0 ? next_due : now);
		if (!more && !inflight && !t_finish)
			t_finish = now;
		if (!more && !inflight && !lingers.head)
			break;

		if (reqs.head)
			wake = reqs.head->deadline;
		if (lingers.head && lingers.head->deadline < wake)
			wake = lingers.head->deadline;
		if (opt.rate > 0 && more && next_due < wake)
			wake = next_due;
		if (opt.progress && next_progress < wake)
			wake = next_progress;
		if (wake > now + NS)
			wake = now + NS;

		if (pwait2) {
			uint64_t d = wake > now ? wake - now : 0;
			struct timespec ts = { .tv_sec = d / NS,
					       .tv_nsec = d % NS };

			n = epoll_pwait2(epfd, evs, MAX_EVENTS, &ts, NULL);
			if (n < 0 && errno == ENOSYS) {
				pwait2 = false;
				continue;
			}
		} else {
			uint64_t d = wake > now ? wake - now : 0;

			n = epoll_wait(epfd, evs, MAX_EVENTS,
				       (int)((d + 999999) / 1000000));
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fatal("epoll_wait");
		}
		for (i = 0; i < n; i++)
			conn_event(evs[i].data.ptr, evs[i].events);
	}
	if (!t_finish)
		t_finish = now_ns();
	while (idles.head)
		conn_close(idles.head);
}

/* ---- reports ---- */

static double ms(uint64_t us)
{
	return us / 1000.0;
}

static int name_cmp(const void *a, const void *b)
{
	return strverscmp(be_names[*(const unsigned int *)a],
			  be_names[*(const unsigned int *)b]);
}

/* Backend indexes sorted by name (be2 before be10), "other" last. */
static unsigned int sorted_backends(unsigned int *idx)
{
	unsigned int i, n = 0;

	for (i = 0; i < nbe; i++)
		idx[n++] = i;
	qsort(idx, n, sizeof(*idx), name_cmp);
	if (be_ok[MAX_BE]) {
		snprintf(be_names[MAX_BE], sizeof(be_names[MAX_BE]), "other");
		idx[n++] = MAX_BE;
	}
	return n;
}

static const char *proto_name(void)
{
	return opt.proto == PROTO_HTTP	? "http"
	       : opt.proto == PROTO_TCP ? "tcp"
					: "udp";
}

static double elapsed_s(void)
{
	return (t_finish - t0) / 1e9;
}

/* The latency figures of a summary, in the order both outputs give them. */
static const struct {
	const char *text, *key; /* name in the text and in the JSON */
	double pct; /* percentile; 0 for the minimum, -1 for the mean */
} lat_cols[] = {
	{ "min", "min", 0 },   { "mean", "mean", -1 },
	{ "p50", "p50", 50 },  { "p90", "p90", 90 },
	{ "p99", "p99", 99 },  { "p99.9", "p999", 99.9 },
	{ "max", "max", 100 },
};
#define N_LAT ARRAY_SIZE(lat_cols)

/* lat_cols' figures in ms; only with n_ok > 0. */
static void latencies_ms(double v[N_LAT])
{
	unsigned int i;

	for (i = 0; i < N_LAT; i++) {
		double p = lat_cols[i].pct;

		v[i] = p < 0	 ? lat_sum_us / 1000.0 / n_ok
		       : p == 0	 ? ms(lat_min_us)
		       : p < 100 ? ms(h_pct64(hist, n_ok, p, lat_max_us))
				 : ms(lat_max_us);
	}
}

static void print_text(FILE *f)
{
	unsigned int idx[MAX_BE + 1], nb, i, j, r;
	double el = elapsed_s(), lat[N_LAT];

	nb = sorted_backends(idx);
	fprintf(f, "xlb_load: %s %s, ", proto_name(), opt.target_str);
	if (opt.rate > 0)
		fprintf(f, "rate %g/s", opt.rate);
	else
		fprintf(f, "concurrency %llu", opt.concurrency);
	fprintf(f, ", %s, timeout %llu ms\n",
		opt.proto == PROTO_UDP ? "socket per request"
		: opt.keepalive	       ? "keep-alive"
				       : "connection per request",
		opt.timeout_ms);
	fprintf(f,
		"elapsed %.3f s: sent %llu, ok %llu, failed %llu"
		" (%.1f ok/s)\n",
		el, sent, n_ok, n_failed, el > 0 ? n_ok / el : 0.0);
	fprintf(f, "failures:");
	for (r = 0; r < R_NUM; r++)
		if (n_reason[r])
			fprintf(f, " %s %llu", reason_names[r],
				(unsigned long long)n_reason[r]);
	fprintf(f, "%s\n", n_failed ? "" : " none");
	if (n_ok) {
		latencies_ms(lat);
		fprintf(f, "latency ms:");
		for (i = 0; i < N_LAT; i++)
			fprintf(f, " %s %.3f", lat_cols[i].text, lat[i]);
		fprintf(f, "\n");
	} else {
		fprintf(f, "latency ms: no successful request\n");
	}
	fprintf(f, "backends:");
	for (i = 0; i < nb; i++)
		fprintf(f, " %s %llu (%.1f%%)", be_names[idx[i]],
			(unsigned long long)be_ok[idx[i]],
			100.0 * be_ok[idx[i]] / n_ok);
	fprintf(f, "%s\n", nb ? "" : " none");
	if (n_failed)
		fprintf(f,
			"failure window: %llu failures, first at %.3f s,"
			" last at %.3f s (request start): %.1f ms\n",
			n_failed, first_fail_ns / 1e9, last_fail_ns / 1e9,
			(last_fail_ns - first_fail_ns) / 1e6);
	else
		fprintf(f, "failure window: none\n");
	fprintf(f, "longest gap between successes: %.1f ms\n",
		max_ok_gap / 1e6);

	fprintf(f, "per second (by request start):\n  %4s %7s %7s", "sec", "ok",
		"failed");
	for (i = 0; i < nb; i++)
		fprintf(f, " %7s", be_names[idx[i]]);
	fprintf(f, "\n");
	for (j = 0; j < nsecs; j++) {
		struct second *s = &secs[j];
		bool any = false;

		fprintf(f, "  %4u %7u %7u", j, s->ok, s->failed);
		for (i = 0; i < nb; i++)
			fprintf(f, " %7u", s->be[idx[i]]);
		for (r = 0; r < R_NUM; r++) {
			if (!s->reason[r])
				continue;
			fprintf(f, "%s%s %u", any ? ", " : "  (",
				reason_names[r], s->reason[r]);
			any = true;
		}
		fprintf(f, "%s\n", any ? ")" : "");
	}
}

static void print_json(FILE *f)
{
	unsigned int idx[MAX_BE + 1], nb, i, j, r;
	double el = elapsed_s(), lat[N_LAT];

	nb = sorted_backends(idx);
	fprintf(f, "{\n  \"target\": \"%s\",\n  \"proto\": \"%s\",\n",
		opt.target_str, proto_name());
	if (opt.rate > 0)
		fprintf(f,
			"  \"mode\": \"rate\",\n  \"rate\": %g,\n"
			"  \"concurrency\": null,\n",
			opt.rate);
	else
		fprintf(f,
			"  \"mode\": \"concurrency\",\n  \"rate\": null,\n"
			"  \"concurrency\": %llu,\n",
			opt.concurrency);
	fprintf(f, "  \"keepalive\": %s,\n  \"timeout_ms\": %llu,\n",
		opt.keepalive ? "true" : "false", opt.timeout_ms);
	fprintf(f,
		"  \"elapsed_s\": %.6f,\n  \"sent\": %llu,\n"
		"  \"ok\": %llu,\n  \"failed\": %llu,\n"
		"  \"ok_per_s\": %.1f,\n",
		el, sent, n_ok, n_failed, el > 0 ? n_ok / el : 0.0);
	fprintf(f, "  \"failures\": {");
	for (r = 0; r < R_NUM; r++)
		fprintf(f, "%s\"%s\": %llu", r ? ", " : "", reason_names[r],
			(unsigned long long)n_reason[r]);
	fprintf(f, "},\n");
	if (n_ok) {
		latencies_ms(lat);
		fprintf(f, "  \"latency_ms\": {");
		for (i = 0; i < N_LAT; i++)
			fprintf(f, "%s\"%s\": %.3f", i ? ", " : "",
				lat_cols[i].key, lat[i]);
		fprintf(f, "},\n");
	} else {
		fprintf(f, "  \"latency_ms\": null,\n");
	}
	fprintf(f, "  \"backends\": {");
	for (i = 0; i < nb; i++)
		fprintf(f, "%s\"%s\": {\"ok\": %llu, \"pct\": %.2f}",
			i ? ", " : "", be_names[idx[i]],
			(unsigned long long)be_ok[idx[i]],
			100.0 * be_ok[idx[i]] / n_ok);
	fprintf(f, "},\n");
	if (n_failed)
		fprintf(f,
			"  \"failure_window\": {\"failures\": %llu,"
			" \"first_ms\": %.3f, \"last_ms\": %.3f,"
			" \"window_ms\": %.3f},\n",
			n_failed, first_fail_ns / 1e6, last_fail_ns / 1e6,
			(last_fail_ns - first_fail_ns) / 1e6);
	else
		fprintf(f, "  \"failure_window\": {\"failures\": 0,"
			   " \"first_ms\": null, \"last_ms\": null,"
			   " \"window_ms\": 0},\n");
	fprintf(f, "  \"max_ok_gap_ms\": %.3f,\n", max_ok_gap / 1e6);
	fprintf(f, "  \"timeline\": [");
	for (j = 0; j < nsecs; j++) {
		struct second *s = &secs[j];

		fprintf(f,
			"%s\n    {\"second\": %u, \"ok\": %u,"
			" \"failed\": %u, \"backends\": {",
			j ? "," : "", j, s->ok, s->failed);
		for (i = 0; i < nb; i++)
			fprintf(f, "%s\"%s\": %u", i ? ", " : "",
				be_names[idx[i]], s->be[idx[i]]);
		fprintf(f, "}, \"failures\": {");
		for (r = 0; r < R_NUM; r++)
			fprintf(f, "%s\"%s\": %u", r ? ", " : "",
				reason_names[r], s->reason[r]);
		fprintf(f, "}}");
	}
	fprintf(f, "%s]\n}\n", nsecs ? "\n  " : "");
}

static FILE *open_out(const char *suffix, char *path, size_t size)
{
	FILE *f;

	if (snprintf(path, size, "%s%s", opt.csv, suffix) >= (int)size) {
		fprintf(stderr, "xlb_load: --csv: prefix too long\n");
		exit(1);
	}
	f = fopen(path, "w");
	if (!f)
		fatal(path);
	return f;
}

static void close_out(FILE *f, const char *path)
{
	if (ferror(f) | fclose(f)) {
		fprintf(stderr, "xlb_load: write %s failed\n", path);
		exit(1);
	}
}

static void write_files(void)
{
	unsigned int idx[MAX_BE + 1], nb, i, j, r;
	char path[PATH_MAX];
	FILE *f;

	nb = sorted_backends(idx);

	f = open_out(".timeline.csv", path, sizeof(path));
	fprintf(f, "second,ok,failed");
	for (r = 0; r < R_NUM; r++)
		fprintf(f, ",%s", reason_names[r]);
	for (i = 0; i < nb; i++)
		fprintf(f, ",%s", be_names[idx[i]]);
	fprintf(f, "\n");
	for (j = 0; j < nsecs; j++) {
		struct second *s = &secs[j];

		fprintf(f, "%u,%u,%u", j, s->ok, s->failed);
		for (r = 0; r < R_NUM; r++)
			fprintf(f, ",%u", s->reason[r]);
		for (i = 0; i < nb; i++)
			fprintf(f, ",%u", s->be[idx[i]]);
		fprintf(f, "\n");
	}
	close_out(f, path);

	f = open_out(".latency.csv", path, sizeof(path));
	fprintf(f, "second,ok,mean_ms,p50_ms,p90_ms,p99_ms,max_ms\n");
	for (j = 0; j < nsecs; j++) {
		struct second *s = &secs[j];

		if (!s->ok || !s->hist) {
			fprintf(f, "%u,0,,,,,\n", j);
			continue;
		}
		fprintf(f, "%u,%u,%.3f,%.3f,%.3f,%.3f,%.3f\n", j, s->ok,
			s->lat_sum_us / 1000.0 / s->ok,
			ms(h_pct32(s->hist, s->ok, 50, s->lat_max_us)),
			ms(h_pct32(s->hist, s->ok, 90, s->lat_max_us)),
			ms(h_pct32(s->hist, s->ok, 99, s->lat_max_us)),
			ms(s->lat_max_us));
	}
	close_out(f, path);

	f = open_out(".summary.json", path, sizeof(path));
	print_json(f);
	close_out(f, path);
}

/* ---- arguments ---- */

static void parse_target(const char *s)
{
	struct sockaddr_in *s4 = (void *)&opt.addr;
	struct sockaddr_in6 *s6 = (void *)&opt.addr;
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *hs;
	unsigned long long port;
	char why[128];
	size_t hl;

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (!rb || rb[1] != ':')
			bad_arg("--target", "'%s': want [IPv6]:PORT", s);
		hs = s + 1;
		hl = rb - hs;
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || strchr(s, ':') != colon)
			bad_arg("--target",
				"'%s': want IPv4:PORT or "
				"[IPv6]:PORT",
				s);
		hs = s;
		hl = colon - s;
	}
	if (!hl || hl >= sizeof(host))
		bad_arg("--target", "'%s': bad address", s);
	memcpy(host, hs, hl);
	host[hl] = 0;
	if (!colon[1])
		bad_arg("--target", "'%s': no port", s);
	if (!xlb_opts_num(colon + 1, 1, 65535, &port, why, sizeof(why)))
		bad_arg("--target port", "%s", why);

	memset(&opt.addr, 0, sizeof(opt.addr));
	if (s[0] != '[' && inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		opt.addr_len = sizeof(*s4);
	} else if (s[0] == '[' &&
		   inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		opt.addr_len = sizeof(*s6);
	} else {
		bad_arg("--target",
			"'%s': not a numeric IPv4 or [IPv6] "
			"address",
			s);
	}
	if (port == 80)
		snprintf(opt.host, sizeof(opt.host), "%s%s%s",
			 s[0] == '[' ? "[" : "", host, s[0] == '[' ? "]" : "");
	else
		snprintf(opt.host, sizeof(opt.host), "%s", s);
	opt.target_str = s;
}

static bool clean_str(const char *s)
{
	return !strpbrk(s, "\r\n");
}

/* --help: before and after the options (opts.h) */
static const char usage[] =
	"usage: xlb_load --target ADDR:PORT [--proto http|tcp|udp]\n"
	"                [--duration S] [--requests N] [--rate R | --concurrency C]\n"
	"                [--keepalive] [--timeout MS] [--csv PREFIX] [--json]\n"
	"                [--progress] [--path PATH] [--host HOST] [--payload STR]\n";
static const char notes[] =
	"Failure reasons: refused reset timeout unreachable bad-response\n"
	"http-status closed icmp-unreach local. Exit 0 when the run happened (even\n"
	"with failures), 2 on bad arguments, 1 on other errors.\n";

static void parse_args(int argc, char **argv)
{
	const struct xlb_opt opts[] = {
		{ "target", 't', false, "ADDR:PORT",
		  "IPv4 a.b.c.d:port or IPv6 [addr]:port" },
		{ "proto", 'P', false, "P",
		  "http (GET, X-Backend names the backend; default),\n"
		  "tcp (send \"PAYLOAD\\n\", read a line), udp (send\n"
		  "PAYLOAD, expect \"NAME PAYLOAD\"); the first word of\n"
		  "a tcp/udp reply names the backend" },
		{ "duration", 'd', false, "S",
		  "start requests for S seconds (default 5 unless\n"
		  "--requests; at most " XLB_STR(MAX_SECONDS) ")",
		  .real = &opt.duration, .fmin = 0.001, .fmax = MAX_SECONDS },
		{ "requests", 'n', false, "N", "start N requests at most",
		  .num = &opt.requests, .min = 1, .max = MAX_REQUESTS },
		{ "rate", 'r', false, "R",
		  "open loop: R requests/s, evenly paced", .real = &opt.rate,
		  .fmin = 0.001, .fmax = MAX_RATE },
		{ "concurrency", 'c', false, "C",
		  "closed loop: C requests in flight (default 8)",
		  .num = &opt.concurrency, .min = 1, .max = MAX_CONC },
		{ "keepalive", 'k', false, NULL,
		  "reuse connections (HTTP/1.1 keep-alive)",
		  .flag = &opt.keepalive },
		{ "timeout", 'T', false, "MS",
		  "per request, connect included (default 2000)",
		  .num = &opt.timeout_ms, .min = 1, .max = MAX_TIMEOUT_MS },
		{ "csv", 'C', false, "PREFIX",
		  "write PREFIX.timeline.csv, PREFIX.latency.csv and\n"
		  "PREFIX.summary.json" },
		{ "json", 'j', false, NULL, "summary as JSON on stdout",
		  .flag = &opt.json },
		{ "progress", 'p', false, NULL,
		  "per-second completions on stderr while running",
		  .flag = &opt.progress },
		{ "path", 'a', false, "PATH", "HTTP path (default /)" },
		{ "host", 'H', false, "HOST",
		  "HTTP Host header (default: the target)" },
		{ "payload", 'l', false, "STR",
		  "tcp/udp payload (default \"ping\")" },
		{ "help", 'h', false, NULL, "this text" },
	};
	struct xlb_opts o = { "xlb_load", opts,	 ARRAY_SIZE(opts),
			      usage,	  notes, 2 };
	int c;

	while ((c = xlb_opts_next(&o, argc, argv)) != -1) {
		switch (c) {
		case 't':
			parse_target(optarg);
			break;
		case 'P':
			if (!strcmp(optarg, "http"))
				opt.proto = PROTO_HTTP;
			else if (!strcmp(optarg, "tcp"))
				opt.proto = PROTO_TCP;
			else if (!strcmp(optarg, "udp"))
				opt.proto = PROTO_UDP;
			else
				bad_arg("--proto",
					"'%s': want http, tcp or "
					"udp",
					optarg);
			break;
		case 'C':
			if (!*optarg)
				bad_arg("--csv", "empty prefix");
			opt.csv = optarg;
			break;
		case 'a':
			if (optarg[0] != '/' || !clean_str(optarg) ||
			    strchr(optarg, ' '))
				bad_arg("--path",
					"'%s': must start with / "
					"and hold no spaces or newlines",
					optarg);
			opt.path = optarg;
			break;
		case 'H':
			if (!*optarg || !clean_str(optarg))
				bad_arg("--host", "empty or has a newline");
			opt.host_hdr = optarg;
			break;
		case 'l':
			if (!*optarg || !clean_str(optarg) ||
			    strlen(optarg) > 1024)
				bad_arg("--payload", "empty, longer than 1024 "
						     "or has a newline");
			opt.payload = optarg;
			break;
		}
	}
	if (optind != argc)
		bad_arg(argv[optind], "unexpected argument");
	if (!opt.target_str)
		bad_arg("--target", "required");
	if (opt.rate > 0 && xlb_opts_given(&o, 'c'))
		bad_arg("--rate", "not together with --concurrency (open or "
				  "closed loop: pick one)");
	if (opt.keepalive && opt.proto == PROTO_UDP)
		bad_arg("--keepalive", "not with --proto udp");
	if (!opt.duration && !opt.requests)
		opt.duration = DEF_DURATION;
	if (opt.requests && opt.rate > 0 && !opt.duration &&
	    opt.requests / opt.rate > MAX_SECONDS)
		bad_arg("--requests",
			"%llu at %g/s takes longer than the "
			"%d s cap",
			opt.requests, opt.rate, MAX_SECONDS);
}

static void build_request(void)
{
	int n;

	if (opt.proto == PROTO_HTTP)
		n = asprintf(&req_data,
			     "GET %s HTTP/1.1\r\n"
			     "Host: %s\r\n"
			     "User-Agent: xlb_load\r\n"
			     "Accept: */*\r\n"
			     "%s"
			     "\r\n",
			     opt.path, opt.host_hdr ? opt.host_hdr : opt.host,
			     opt.keepalive ? "" : "Connection: close\r\n");
	else if (opt.proto == PROTO_TCP)
		n = asprintf(&req_data, "%s\n", opt.payload);
	else
		n = asprintf(&req_data, "%s", opt.payload);
	if (n < 0)
		fatal("asprintf");
	req_len = n;
}

static void setup(void)
{
	struct sigaction sa = { .sa_handler = on_signal,
				.sa_flags = SA_RESETHAND };
	struct rlimit rl;
	unsigned long need;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		fatal("getrlimit");
	fd_budget = rl.rlim_cur > FD_RESERVE * 2 ? rl.rlim_cur - FD_RESERVE
						 : FD_RESERVE;
	need = opt.rate > 0 ? 1 : opt.concurrency;
	if (need > fd_budget) {
		fprintf(stderr,
			"xlb_load: --concurrency: %lu exceeds the "
			"open file limit (%lu usable)\n",
			need, fd_budget);
		exit(2);
	}
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		fatal("epoll_create1");
	timeout_ns = opt.timeout_ms * 1000000ULL;
	if (opt.rate > 0)
		period_ns = NS / opt.rate;
	build_request();
}

int main(int argc, char **argv)
{
	unsigned int j;

	parse_args(argc, argv);
	setup();
	run();

	if (opt.csv)
		write_files();
	if (opt.json)
		print_json(stdout);
	else
		print_text(stdout);
	if (fflush(stdout) != 0)
		fatal("stdout");

	for (j = 0; j <= MAX_SECONDS; j++)
		free(secs[j].hist);
	free(req_data);
	close(epfd);
	return 0;
}
