// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xlb_httpd: the backend server of the xlb lab.
 *
 * A small single-threaded epoll HTTP/1.1 server that names itself in every
 * answer, so tests can tell which backend served a request:
 *
 *   HTTP/1.1 200 OK
 *   Content-Type: text/plain
 *   X-Backend: NAME
 *   Content-Length: <len>
 *
 *   NAME
 *
 * Any method and path. Special paths: /status/NNN answers status NNN
 * (200..599) and /slow?ms=N answers after N milliseconds (a timer; the loop
 * never blocks). Keep-alive and pipelining are supported; request bodies
 * (Content-Length) are skipped, chunked requests are answered and the
 * connection closed. Optionally a UDP echo answers "NAME <payload>" from
 * the address the datagram was sent to (so a VIP held on lo works for
 * direct server return).
 *
 * The pidfile is written once every socket is bound, so its appearance
 * means "ready". SIGTERM/SIGINT: close everything, remove the pidfile,
 * exit 0. --max-requests N: answer exactly N requests (the last one with
 * "Connection: close"), flush, close everything, exit 0.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "http_head.h"
#include "opts.h"
#include "xlb_util.h"

#define MAX_LISTEN 32 /* --listen addresses */
#define MAX_EVENTS 512
#define IN_INIT 2048   /* first input buffer size */
#define IN_MAX 16384   /* largest request head accepted */
#define OUT_HIGH 65536 /* stop parsing while this much is queued */
#define OUT_KEEP 16384 /* free larger idle output buffers */
#define ACCEPT_BURST 256
#define UDP_BURST 256
#define LINGER_MS 1000 /* wait for the peer's FIN after ours */
#define DRAIN_MS 2000  /* --max-requests: flush for this long */
#define MAX_SLOW_MS 600000

enum src_type {
	SRC_LISTEN,
	SRC_UDP,
	SRC_CONN,
	SRC_SIGNAL
};

/* Anything registered with epoll starts with this. */
struct src {
	enum src_type type;
	int fd;
};

struct req {
	int status;
	unsigned int slow_ms;
	bool head;	 /* HEAD: no body */
	bool close;	 /* close the connection after answering */
	bool keep_alive; /* HTTP/1.0 keep-alive: say so in the answer */
};

struct conn {
	struct src src;
	struct conn *prev, *next; /* all connections */
	char *in;
	size_t in_len, in_off, in_cap;
	char *out;
	size_t out_len, out_off, out_cap;
	unsigned long long body_left; /* request body bytes to skip */
	uint64_t deadline;	      /* ms, valid while tidx >= 0 */
	int tidx;		      /* index in the timer heap or -1 */
	uint32_t events;	      /* registered epoll events */
	bool rd_eof;		      /* peer sent FIN */
	bool close_after;	      /* no more requests on this connection */
	bool waiting;		      /* a delayed answer is pending */
	bool lingering;		      /* our FIN sent, discarding input */
	struct req pend;	      /* the delayed answer */
};

static struct {
	const char *name;
	size_t name_len;
	unsigned long long port;
	unsigned long long udp_port;
	unsigned long long max_requests;
	unsigned long long delay_ms;
	const char *pidfile;
	char *listen[MAX_LISTEN];
	int nlisten;
} opt = { .port = 80 };

static int epfd = -1;
static int reserve_fd = -1;
static struct src listeners[MAX_LISTEN];
static struct src udps[MAX_LISTEN];
static int nlisteners, nudps;
static struct src sigsrc = { SRC_SIGNAL, -1 };
static struct conn *conns;
static unsigned long nconns;
static unsigned long long answered;
static bool draining; /* --max-requests reached */
static uint64_t drain_deadline;
static bool quit;

static struct conn **heap;
static size_t heap_len, heap_cap;

static char resp_ka[1024], resp_close[1024]; /* canned 200 answers */
static size_t resp_ka_len, resp_close_len;

static void conn_close(struct conn *c);
static void conn_run(struct conn *c);

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void die(const char *what)
{
	fprintf(stderr, "xlb_httpd: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ---- timer heap: at most one pending deadline per connection ---- */

static void heap_swap(size_t a, size_t b)
{
	struct conn *t = heap[a];

	heap[a] = heap[b];
	heap[b] = t;
	heap[a]->tidx = a;
	heap[b]->tidx = b;
}

static void heap_up(size_t i)
{
	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (heap[p]->deadline <= heap[i]->deadline)
			break;
		heap_swap(p, i);
		i = p;
	}
}

static void heap_down(size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;

		if (l < heap_len && heap[l]->deadline < heap[m]->deadline)
			m = l;
		if (r < heap_len && heap[r]->deadline < heap[m]->deadline)
			m = r;
		if (m == i)
			break;
		heap_swap(i, m);
		i = m;
	}
}

static void timer_cancel(struct conn *c)
{
	size_t i = c->tidx;

	if (c->tidx < 0)
		return;
	c->tidx = -1;
	heap_len--;
	if (i == heap_len)
		return;
	heap[i] = heap[heap_len];
	heap[i]->tidx = i;
	heap_up(i);
	heap_down(heap[i]->tidx);
}

static void timer_set(struct conn *c, uint64_t deadline)
{
	timer_cancel(c);
	if (heap_len == heap_cap) {
		size_t cap = heap_cap ? heap_cap * 2 : 64;
		struct conn **h = realloc(heap, cap * sizeof(*h));

		if (!h)
			die("realloc");
		heap = h;
		heap_cap = cap;
	}
	c->deadline = deadline;
	c->tidx = heap_len;
	heap[heap_len++] = c;
	heap_up(c->tidx);
}

/* ---- helpers ---- */

static void ep_add(struct src *s, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = s };

	if (epoll_ctl(epfd, EPOLL_CTL_ADD, s->fd, &ev) < 0)
		die("epoll_ctl add");
}

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 304:
		return "Not Modified";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	}
	return status < 300   ? "Success"
	       : status < 400 ? "Redirection"
	       : status < 500 ? "Client Error"
			      : "Server Error";
}

static size_t format_resp(char *buf, size_t size, int status, bool head,
			  bool close, bool keep_alive)
{
	bool nobody = status == 204 || status == 304;
	size_t clen = nobody ? 0 : opt.name_len + 1;
	int n;

	n = snprintf(buf, size,
		     "HTTP/1.1 %d %s\r\n"
		     "Content-Type: text/plain\r\n"
		     "X-Backend: %s\r\n"
		     "Content-Length: %zu\r\n"
		     "%s"
		     "\r\n"
		     "%s%s",
		     status, reason(status), opt.name, clen,
		     close	  ? "Connection: close\r\n"
		     : keep_alive ? "Connection: keep-alive\r\n"
				  : "",
		     head || nobody ? "" : opt.name,
		     head || nobody ? "" : "\n");
	if (n < 0 || (size_t)n >= size) {
		fprintf(stderr, "xlb_httpd: response too long\n");
		exit(1);
	}
	return n;
}

static void out_append(struct conn *c, const char *data, size_t len)
{
	size_t need = c->out_len + len;

	if (need > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 1024;
		char *p;

		if (c->out_off) {
			/* reclaim the already sent prefix first */
			memmove(c->out, c->out + c->out_off,
				c->out_len - c->out_off);
			c->out_len -= c->out_off;
			c->out_off = 0;
			need = c->out_len + len;
		}
		while (cap < need)
			cap *= 2;
		if (cap != c->out_cap) {
			p = realloc(c->out, cap);
			if (!p)
				die("realloc");
			c->out = p;
			c->out_cap = cap;
		}
	}
	memcpy(c->out + c->out_len, data, len);
	c->out_len += len;
}

static void respond(struct conn *c, const struct req *r)
{
	char buf[1024];
	bool close = r->close;

	if (opt.max_requests && ++answered >= opt.max_requests) {
		close = true;
		if (!draining) {
			draining = true;
			drain_deadline = now_ms() + DRAIN_MS;
		}
	}
	if (close)
		c->close_after = true;
	if (r->status == 200 && !r->head && !r->keep_alive) {
		if (close)
			out_append(c, resp_close, resp_close_len);
		else
			out_append(c, resp_ka, resp_ka_len);
		return;
	}
	out_append(c, buf,
		   format_resp(buf, sizeof(buf), r->status, r->head, close,
			       r->keep_alive));
}

/* Path and query of the request target -> status and delay. */
static bool parse_target(const char *t, size_t len, struct req *r)
{
	const char *q, *path = t;
	size_t plen, qlen = 0;
	unsigned long long v;

	/* absolute-form: http://host/path */
	if (len > 0 && t[0] != '/') {
		const char *s = memmem(t, len, "://", 3);

		if (s) {
			s += 3;
			path = memchr(s, '/', t + len - s);
			if (!path)
				path = t + len;
		}
	}
	plen = t + len - path;
	q = memchr(path, '?', plen);
	if (q) {
		qlen = path + plen - q - 1;
		plen = q - path;
		q++;
	}

	if (plen > 8 && !memcmp(path, "/status/", 8)) {
		if (!xlb_http_uint(path + 8, plen - 8, 999, &v) || v < 200 ||
		    v > 599)
			return false;
		r->status = v;
	} else if (plen == 5 && !memcmp(path, "/slow", 5) && q) {
		while (qlen > 0) {
			const char *amp = memchr(q, '&', qlen);
			size_t n = amp ? (size_t)(amp - q) : qlen;

			if (n > 3 && !memcmp(q, "ms=", 3)) {
				if (!xlb_http_uint(q + 3, n - 3, MAX_SLOW_MS,
						   &v))
					return false;
				r->slow_ms = v;
			}
			if (!amp)
				break;
			qlen -= n + 1;
			q = amp + 1;
		}
	}
	return true;
}

/*
 * Parse one request head (without the final empty line). Sets body_left.
 * Returns false on a malformed request (answered 400 and closed).
 */
static bool parse_head(struct conn *c, const char *h, size_t len, struct req *r,
		       bool *expect_continue)
{
	const char *eol = memmem(h, len, "\r\n", 2);
	const char *line_end = eol ? eol : h + len;
	const char *sp1, *sp2, *p;
	struct xlb_http_field f;
	int n, k;
	struct xlb_http_framing m = { 0 };
	bool http10, chunked;

	memset(r, 0, sizeof(*r));
	r->status = 200;
	*expect_continue = false;

	sp1 = memchr(h, ' ', line_end - h);
	if (!sp1)
		return false;
	sp2 = memchr(sp1 + 1, ' ', line_end - sp1 - 1);
	if (!sp2 || sp2 == sp1 + 1)
		return false;
	if (line_end - sp2 - 1 != 8 || memcmp(sp2 + 1, "HTTP/1.", 7))
		return false;
	http10 = sp2[8] == '0';
	r->head = sp1 - h == 4 && !memcmp(h, "HEAD", 4);
	if (!parse_target(sp1 + 1, sp2 - sp1 - 1, r))
		return false;

	p = eol ? eol + 2 : h + len;
	while ((n = xlb_http_next_field(&p, h + len, &f)) > 0) {
		k = xlb_http_framing_field(&f, &m);
		if (k < 0)
			return false;
		if (!k && xlb_http_field_is(&f, "Expect"))
			*expect_continue = xlb_http_has_token(
				f.value, f.value_len, "100-continue");
	}
	if (n < 0)
		return false;

	/* any coding but identity: the body's end is not known here */
	chunked = m.coded;
	r->close = m.close || (http10 && !m.keep_alive) || chunked;
	r->keep_alive = http10 && !r->close;
	/* A chunked body is not skipped: answer, then close. */
	c->body_left = chunked ? 0 : m.length;
	if (chunked)
		*expect_continue = false;
	return true;
}

static void answer_error(struct conn *c, int status)
{
	struct req r = { .status = status, .close = true };

	respond(c, &r);
}

/* Parse and answer as many buffered requests as allowed. */
static void process(struct conn *c)
{
	while (!c->waiting && !c->close_after && !c->lingering && !draining &&
	       c->out_len - c->out_off < OUT_HIGH) {
		char *buf = c->in + c->in_off;
		size_t avail = c->in_len - c->in_off;
		bool expect_continue;
		struct req r;
		char *end;
		unsigned int delay;

		if (c->body_left) {
			size_t n = avail < c->body_left ? avail : c->body_left;

			c->in_off += n;
			c->body_left -= n;
			if (c->body_left)
				break;
			continue;
		}
		/* tolerate empty lines between requests */
		while (avail >= 2 && buf[0] == '\r' && buf[1] == '\n') {
			buf += 2;
			avail -= 2;
			c->in_off += 2;
		}
		end = memmem(buf, avail, "\r\n\r\n", 4);
		if (!end) {
			if (avail >= IN_MAX)
				answer_error(c, 431);
			break;
		}
		c->in_off += end + 4 - buf;
		if (!parse_head(c, buf, end - buf, &r, &expect_continue)) {
			answer_error(c, 400);
			break;
		}
		if (expect_continue && c->body_left)
			out_append(c, "HTTP/1.1 100 Continue\r\n\r\n", 25);
		delay = opt.delay_ms + r.slow_ms;
		if (delay) {
			c->waiting = true;
			c->pend = r;
			timer_set(c, now_ms() + delay);
			break;
		}
		respond(c, &r);
	}
	/* compact the input buffer */
	if (c->in_off) {
		memmove(c->in, c->in + c->in_off, c->in_len - c->in_off);
		c->in_len -= c->in_off;
		c->in_off = 0;
	}
}

/* After a send or recv failed: is the socket only not ready (try later)? */
static bool would_block(void)
{
	return errno == EAGAIN || errno == EWOULDBLOCK;
}

/* Returns false if the connection failed. */
static bool flush_out(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->src.fd, c->out + c->out_off,
				 c->out_len - c->out_off, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return would_block();
		}
		c->out_off += n;
	}
	c->out_off = c->out_len = 0;
	if (c->out_cap > OUT_KEEP) {
		free(c->out);
		c->out = NULL;
		c->out_cap = 0;
	}
	return true;
}

static void set_events(struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = &c->src };

	if (events == c->events)
		return;
	if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->src.fd, &ev) < 0)
		die("epoll_ctl mod");
	c->events = events;
}

/*
 * After anything happened on a connection: answer what can be answered,
 * send, then decide what to wait for (or close).
 */
static void conn_run(struct conn *c)
{
	bool pending;
	uint32_t ev = 0;

	for (;;) {
		process(c);
		if (!flush_out(c)) {
			conn_close(c);
			return;
		}
		pending = c->out_off < c->out_len;
		/* parsing stopped on a full output queue that is now empty */
		if (pending || c->waiting || c->close_after || c->lingering ||
		    draining || c->in_len == 0 || c->body_left)
			break;
		if (!memmem(c->in, c->in_len, "\r\n\r\n", 4) &&
		    c->in_len < IN_MAX)
			break;
	}

	if (draining && !pending) {
		/* everything is closed from the main loop */
		set_events(c, 0);
		return;
	}
	if (!pending && c->close_after && !c->waiting && !c->lingering) {
		if (c->rd_eof) {
			conn_close(c);
			return;
		}
		/* Our FIN first, then wait for the peer's: no RST on data. */
		shutdown(c->src.fd, SHUT_WR);
		c->lingering = true;
		c->in_len = 0;
		c->body_left = 0;
		timer_set(c, now_ms() + LINGER_MS);
	}
	if (!pending && c->rd_eof && !c->waiting && !c->lingering) {
		conn_close(c);
		return;
	}
	if (!c->rd_eof && c->in_len < IN_MAX && !draining)
		ev |= EPOLLIN;
	if (c->lingering && !c->rd_eof)
		ev |= EPOLLIN;
	if (pending)
		ev |= EPOLLOUT;
	set_events(c, ev);
}

static bool conn_read(struct conn *c)
{
	char sink[4096];

	for (;;) {
		ssize_t n;

		if (c->lingering) {
			n = recv(c->src.fd, sink, sizeof(sink), 0);
		} else {
			if (c->in_len == c->in_cap) {
				size_t cap = c->in_cap * 2;
				char *p;

				if (c->in_cap >= IN_MAX)
					return true; /* process() decides */
				p = realloc(c->in, cap);
				if (!p)
					die("realloc");
				c->in = p;
				c->in_cap = cap;
			}
			n = recv(c->src.fd, c->in + c->in_len,
				 c->in_cap - c->in_len, 0);
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return would_block();
		}
		if (n == 0) {
			c->rd_eof = true;
			return true;
		}
		if (c->lingering)
			continue;
		c->in_len += n;
		/* read a burst, but let process() see a full head early */
		if (c->in_len < c->in_cap)
			return true;
	}
}

static void conn_event(struct conn *c, uint32_t events)
{
	if (events & (EPOLLERR | EPOLLHUP)) {
		conn_close(c);
		return;
	}
	if (events & EPOLLIN) {
		if (!conn_read(c)) {
			conn_close(c);
			return;
		}
		if (c->lingering && c->rd_eof) {
			conn_close(c);
			return;
		}
	}
	conn_run(c);
}

static void conn_close(struct conn *c)
{
	timer_cancel(c);
	close(c->src.fd); /* also removes it from epoll */
	if (c->prev)
		c->prev->next = c->next;
	else
		conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c->in);
	free(c->out);
	free(c);
	nconns--;
}

static void timer_fire(struct conn *c)
{
	timer_cancel(c);
	if (c->lingering) {
		conn_close(c);
		return;
	}
	if (c->waiting) {
		c->waiting = false;
		if (draining)
			return; /* over the limit: never answered */
		respond(c, &c->pend);
		conn_run(c);
	}
}

static void do_accept(struct src *l)
{
	int i;

	if (draining)
		return;
	for (i = 0; i < ACCEPT_BURST; i++) {
		int fd = accept4(l->fd, NULL, NULL,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;
		int one = 1;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if ((errno == EMFILE || errno == ENFILE) &&
			    reserve_fd >= 0) {
				/* shed one connection instead of spinning */
				close(reserve_fd);
				fd = accept(l->fd, NULL, NULL);
				if (fd >= 0)
					close(fd);
				reserve_fd =
					open("/dev/null", O_RDONLY | O_CLOEXEC);
				continue;
			}
			return;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		c = calloc(1, sizeof(*c));
		if (!c)
			die("calloc");
		c->in = malloc(IN_INIT);
		if (!c->in)
			die("malloc");
		c->in_cap = IN_INIT;
		c->src.type = SRC_CONN;
		c->src.fd = fd;
		c->tidx = -1;
		c->events = EPOLLIN;
		c->next = conns;
		if (conns)
			conns->prev = c;
		conns = c;
		nconns++;
		ep_add(&c->src, c->events);
	}
}

static void do_udp(struct src *u)
{
	static char buf[65536], reply[65536 + 256];
	size_t prefix = opt.name_len + 1;
	int i;

	memcpy(reply, opt.name, opt.name_len);
	reply[opt.name_len] = ' ';
	for (i = 0; i < UDP_BURST; i++) {
		struct sockaddr_storage peer;
		union {
			char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = {
			.msg_name = &peer,
			.msg_namelen = sizeof(peer),
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = ctl.buf,
			.msg_controllen = sizeof(ctl.buf),
		};
		struct cmsghdr *cm;
		ssize_t n;

		n = recvmsg(u->fd, &mh, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		memcpy(reply + prefix, buf, n);
		iov.iov_base = reply;
		iov.iov_len = prefix + n;
		/*
		 * Reply from the address the datagram was sent to (a VIP on
		 * lo), not the one routing would pick.
		 */
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			if (cm->cmsg_level == IPPROTO_IP &&
			    cm->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo *pi = (void *)CMSG_DATA(cm);

				pi->ipi_spec_dst = pi->ipi_addr;
				pi->ipi_ifindex = 0;
			} else if (cm->cmsg_level == IPPROTO_IPV6 &&
				   cm->cmsg_type == IPV6_PKTINFO) {
				struct in6_pktinfo *pi = (void *)CMSG_DATA(cm);

				if (!IN6_IS_ADDR_LINKLOCAL(&pi->ipi6_addr))
					pi->ipi6_ifindex = 0;
			}
		}
		mh.msg_flags = 0;
		while (sendmsg(u->fd, &mh, MSG_DONTWAIT) < 0 && errno == EINTR)
			;
	}
}

/* ---- setup ---- */

static int parse_addr(const char *s, struct sockaddr_storage *ss,
		      socklen_t *len, unsigned int port)
{
	char tmp[INET6_ADDRSTRLEN + 2];
	struct sockaddr_in *s4 = (void *)ss;
	struct sockaddr_in6 *s6 = (void *)ss;
	size_t l = strlen(s);

	memset(ss, 0, sizeof(*ss));
	if (l >= 2 && s[0] == '[' && s[l - 1] == ']' && l - 2 < sizeof(tmp)) {
		memcpy(tmp, s + 1, l - 2);
		tmp[l - 2] = 0;
		s = tmp;
	}
	if (inet_pton(AF_INET, s, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
		return AF_INET;
	}
	if (inet_pton(AF_INET6, s, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return AF_INET6;
	}
	return -1;
}

static int open_socket(const char *addr, int type, unsigned int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, fd, af;

	af = parse_addr(addr, &ss, &len, port);
	if (af < 0) {
		fprintf(stderr, "xlb_httpd: bad address '%s'\n", addr);
		exit(2);
	}
	fd = socket(af, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		die("SO_REUSEADDR");
	if (af == AF_INET6) {
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			       sizeof(one)) < 0)
			die("IPV6_V6ONLY");
		/* an address that is not configured yet is fine */
		setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
		if (type == SOCK_DGRAM &&
		    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
			       sizeof(one)) < 0)
			die("IPV6_RECVPKTINFO");
	} else {
		setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
		if (type == SOCK_DGRAM && setsockopt(fd, IPPROTO_IP, IP_PKTINFO,
						     &one, sizeof(one)) < 0)
			die("IP_PKTINFO");
	}
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		fprintf(stderr, "xlb_httpd: bind %s port %u: %s\n", addr, port,
			strerror(errno));
		exit(1);
	}
	if (type == SOCK_STREAM && listen(fd, 4096) < 0)
		die("listen");
	return fd;
}

static void write_pidfile(void)
{
	char tmp[PATH_MAX];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", opt.pidfile) >=
	    (int)sizeof(tmp)) {
		fprintf(stderr, "xlb_httpd: pidfile path too long\n");
		exit(2);
	}
	f = fopen(tmp, "w");
	if (!f)
		die(tmp);
	fprintf(f, "%d\n", (int)getpid());
	if (fclose(f) != 0)
		die(tmp);
	if (rename(tmp, opt.pidfile) < 0)
		die("rename pidfile");
}

/* --help: before and after the options (opts.h) */
static const char usage[] =
	"usage: xlb_httpd --name NAME [--listen ADDR]... [--port N]\n"
	"                 [--udp-port N] [--max-requests N] [--pidfile F]\n"
	"                 [--delay-ms N]\n"
	"Answers every HTTP request with \"NAME\\n\" and X-Backend: NAME.\n";
static const char notes[] =
	"Paths: /status/NNN answers NNN; /slow?ms=N waits N ms.\n";

static void parse_args(int argc, char **argv)
{
	const struct xlb_opt opts[] = {
		{ "name", 'n', false, "NAME", "the name answered (required)",
		  .str = &opt.name },
		{ "listen", 'l', false, "ADDR",
		  "IPv4 or IPv6 address (repeatable; default\n"
		  "0.0.0.0 and ::)" },
		{ "port", 'p', false, "N", "HTTP port (default 80)",
		  .num = &opt.port, .max = 65535 },
		{ "udp-port", 'u', false, "N",
		  "also echo UDP: replies \"NAME <payload>\"",
		  .num = &opt.udp_port, .max = 65535 },
		{ "max-requests", 'm', false, "N",
		  "answer N requests, then exit", .num = &opt.max_requests,
		  .max = ULLONG_MAX / 2 },
		{ "pidfile", 'P', false, "F",
		  "written once listening, removed on exit",
		  .str = &opt.pidfile },
		{ "delay-ms", 'd', false, "N", "delay every answer by N ms",
		  .num = &opt.delay_ms, .max = MAX_SLOW_MS },
		{ "help", 'h', false, NULL, "this text" },
	};
	struct xlb_opts o = { "xlb_httpd", opts,  ARRAY_SIZE(opts),
			      usage,	   notes, 2 };

	/* --listen alone comes back: it is repeated */
	while (xlb_opts_next(&o, argc, argv) != -1) {
		if (opt.nlisten == MAX_LISTEN) {
			fprintf(stderr, "xlb_httpd: too many --listen\n");
			exit(2);
		}
		opt.listen[opt.nlisten++] = optarg;
	}
	if (optind != argc || !opt.name || !*opt.name) {
		if (!opt.name)
			fprintf(stderr, "xlb_httpd: --name is required\n");
		xlb_opts_usage(&o, stderr);
		exit(2);
	}
	if (strlen(opt.name) > 200 || strpbrk(opt.name, "\r\n")) {
		fprintf(stderr, "xlb_httpd: bad --name\n");
		exit(2);
	}
	opt.name_len = strlen(opt.name);
	if (!opt.nlisten) {
		opt.listen[opt.nlisten++] = "0.0.0.0";
		opt.listen[opt.nlisten++] = "::";
	}
}

static void setup(void)
{
	struct rlimit rl;
	sigset_t mask;
	int i;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		die("sigprocmask");
	sigsrc.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sigsrc.fd < 0)
		die("signalfd");

	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		die("epoll_create1");
	ep_add(&sigsrc, EPOLLIN);
	reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	for (i = 0; i < opt.nlisten; i++) {
		listeners[nlisteners].type = SRC_LISTEN;
		listeners[nlisteners].fd =
			open_socket(opt.listen[i], SOCK_STREAM, opt.port);
		ep_add(&listeners[nlisteners++], EPOLLIN);
		if (!opt.udp_port)
			continue;
		udps[nudps].type = SRC_UDP;
		udps[nudps].fd =
			open_socket(opt.listen[i], SOCK_DGRAM, opt.udp_port);
		ep_add(&udps[nudps++], EPOLLIN);
	}

	resp_ka_len =
		format_resp(resp_ka, sizeof(resp_ka), 200, false, false, false);
	resp_close_len = format_resp(resp_close, sizeof(resp_close), 200, false,
				     true, false);
}

static void close_listeners(void)
{
	int i;

	for (i = 0; i < nlisteners; i++)
		close(listeners[i].fd);
	for (i = 0; i < nudps; i++)
		close(udps[i].fd);
	nlisteners = nudps = 0;
}

/* Draining: close every connection with nothing left to send. */
static void drain_step(uint64_t now)
{
	struct conn *c, *next;

	close_listeners();
	for (c = conns; c; c = next) {
		next = c->next;
		if (c->out_off >= c->out_len || now >= drain_deadline)
			conn_close(c);
	}
	if (!conns)
		quit = true;
}

int main(int argc, char **argv)
{
	struct epoll_event evs[MAX_EVENTS];

	parse_args(argc, argv);
	setup();
	if (opt.pidfile)
		write_pidfile();

	while (!quit) {
		int i, n, timeout = -1;
		uint64_t now = now_ms();
		bool was_draining = draining;

		if (heap_len)
			timeout = heap[0]->deadline > now
					  ? heap[0]->deadline - now
					  : 0;
		if (draining) {
			int d = drain_deadline > now ? drain_deadline - now : 0;

			if (timeout < 0 || d < timeout)
				timeout = d;
		}
		n = epoll_wait(epfd, evs, MAX_EVENTS, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		for (i = 0; i < n; i++) {
			struct src *s = evs[i].data.ptr;

			switch (s->type) {
			case SRC_LISTEN:
				do_accept(s);
				break;
			case SRC_UDP:
				do_udp(s);
				break;
			case SRC_CONN:
				conn_event((struct conn *)s, evs[i].events);
				break;
			case SRC_SIGNAL:
				quit = true;
				break;
			}
			/*
			 * Draining closes listeners and connections that may
			 * still have events in this batch: stop at its start.
			 */
			if (draining != was_draining || quit)
				break;
		}
		now = now_ms();
		while (!quit && heap_len && heap[0]->deadline <= now)
			timer_fire(heap[0]);
		if (draining && !quit)
			drain_step(now_ms());
	}

	while (conns)
		conn_close(conns);
	close_listeners();
	free(heap);
	close(sigsrc.fd);
	close(epfd);
	if (reserve_fd >= 0)
		close(reserve_fd);
	if (opt.pidfile)
		unlink(opt.pidfile);
	return 0;
}
