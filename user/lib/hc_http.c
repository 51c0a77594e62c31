// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Health check type http: connect, send one GET with Connection: close,
 * judge the status line and, with expect_body, the body. The answer is
 * judged as soon as it can be: without expect_body the status line is
 * enough, so a large or endless body costs nothing.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "hc_type.h"

#define HTTP_HEAD_MAX 8192 /* status line and headers */
#define HTTP_REQ_MAX 1024  /* path and host are < 256 each */

enum http_state {
	H_CONNECT,
	H_SEND,
	H_READ
};

struct http {
	enum http_state st;
	size_t len; /* request bytes, then response bytes */
	size_t off; /* request bytes sent */
	size_t cap;
	size_t body;	/* where the body starts, 0: not yet */
	long long clen; /* Content-Length, -1 if none */
	int status;	/* 0 until the status line is in */
	char buf[];
};

static int http_start(struct xlb_hc_probe *p)
{
	const struct xlb_hc_conf *c = p->conf;
	char host[XLB_HC_STR_LEN + XLB_ADDR_STRLEN + 8], a[XLB_ADDR_STRLEN];
	size_t cap = c->expect_body[0] ? HTTP_HEAD_MAX + XLB_HC_HTTP_MAX_BODY
				       : HTTP_HEAD_MAX;
	struct http *h = malloc(sizeof(*h) + cap);
	int n;

	if (!h)
		return -ENOMEM;
	memset(h, 0, sizeof(*h));
	h->cap = cap;
	h->clen = -1;
	p->priv = h;
	if (c->host[0]) {
		snprintf(host, sizeof(host), "%s", c->host);
	} else {
		if (xlb_format_addr(&p->addr, p->family, a, sizeof(a)))
			return -EINVAL;
		/* RFC 9110: an IPv6 literal in brackets, port unless 80 */
		n = snprintf(host, sizeof(host),
			     p->family == XLB_FAMILY_V6 ? "[%s]" : "%s", a);
		if (c->port != 80)
			snprintf(host + n, sizeof(host) - n, ":%u", c->port);
	}
	n = snprintf(h->buf, HTTP_REQ_MAX,
		     "GET %s HTTP/1.1\r\nHost: %s\r\n"
		     "User-Agent: xlb-health-check\r\nAccept: */*\r\n"
		     "Connection: close\r\n\r\n",
		     c->path, host);
	if (n < 0 || n >= HTTP_REQ_MAX)
		return -ENAMETOOLONG;
	h->len = n;
	return 0;
}

static bool status_expected(const struct xlb_hc_conf *c, int status)
{
	if (!c->n_status)
		return status >= 200 && status <= 399;
	for (int i = 0; i < c->n_status; i++)
		if (status >= c->status_lo[i] && status <= c->status_hi[i])
			return true;
	return false;
}

/*
 * "HTTP/1.1 200 OK": the code, or -1. Only the first line is the status
 * line (RFC 9112 section 4): a code on a later line does not count.
 */
static int parse_status(const char *s, size_t len)
{
	const char *nl = memchr(s, '\n', len), *sp;

	if (nl)
		len = nl + 1 - s;
	if (len < 12 || memcmp(s, "HTTP/", 5))
		return -1;
	sp = memchr(s, ' ', len);
	if (!sp || sp + 4 >= s + len || !isdigit(sp[1]) || !isdigit(sp[2]) ||
	    !isdigit(sp[3]) || (sp[4] != ' ' && sp[4] != '\r' && sp[4] != '\n'))
		return -1;
	return (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
}

/* Content-Length among the headers in buf[0..end), or -1. */
static long long parse_clen(const char *buf, size_t end)
{
	static const char name[] = "\ncontent-length:";
	const char *p = buf, *lim = buf + end;

	while ((p = memchr(p, '\n', lim - p)) && lim - p > (long)sizeof(name)) {
		if (!strncasecmp(p, name, sizeof(name) - 1)) {
			char *e;
			long long v;

			p += sizeof(name) - 1;
			while (p < lim && (*p == ' ' || *p == '\t'))
				p++;
			v = strtoll(p, &e, 10);
			return e != p && v >= 0 ? v : -1;
		}
		p++;
	}
	return -1;
}

/* Judge what has arrived; eof: nothing more will. True when finished. */
static bool http_judge(struct xlb_hc_probe *p, bool eof)
{
	const struct xlb_hc_conf *c = p->conf;
	struct http *h = p->priv;
	const char *hdr_end;
	size_t blen;

	if (!h->status) {
		if (!memchr(h->buf, '\n', h->len)) {
			if (eof)
				xlb_hc_probe_finish(p, false,
						    h->len ? "bad response"
							   : "empty reply");
			return eof;
		}
		h->status = parse_status(h->buf, h->len);
		if (h->status < 0) {
			xlb_hc_probe_finish(p, false, "bad response");
			return true;
		}
		if (!status_expected(c, h->status)) {
			xlb_hc_probe_finish(p, false, "status %d", h->status);
			return true;
		}
		if (!c->expect_body[0]) {
			xlb_hc_probe_finish(p, true, "ok");
			return true;
		}
	}
	if (!h->body) {
		hdr_end = memmem(h->buf, h->len, "\r\n\r\n", 4);
		if (!hdr_end) {
			if (eof)
				xlb_hc_probe_finish(p, false, "bad response");
			return eof;
		}
		h->body = hdr_end + 4 - h->buf;
		h->clen = parse_clen(h->buf, h->body);
	}
	blen = h->len - h->body;
	if (memmem(h->buf + h->body, blen, c->expect_body,
		   strlen(c->expect_body))) {
		xlb_hc_probe_finish(p, true, "ok");
		return true;
	}
	if (eof || (h->clen >= 0 && (long long)blen >= h->clen)) {
		xlb_hc_probe_finish(p, false, "body mismatch");
		return true;
	}
	return false;
}

static void http_io(struct xlb_hc_probe *p, uint32_t events)
{
	struct http *h = p->priv;
	ssize_t n;
	int err;

	if (h->st == H_CONNECT) {
		err = xlb_hc_sock_error(p);
		if (err) {
			xlb_hc_probe_fail(p, err);
			return;
		}
		if (!(events & EPOLLOUT))
			return;
		h->st = H_SEND;
	}
	if (h->st == H_SEND) {
		while (h->off < h->len) {
			n = send(p->fd, h->buf + h->off, h->len - h->off,
				 MSG_NOSIGNAL);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN)
				return; /* wait for the next EPOLLOUT */
			if (n < 0)
				goto fail;
			h->off += n;
		}
		h->st = H_READ;
		h->len = 0;
	}
	/* edge triggered: read until EAGAIN, a verdict or a full buffer */
	for (;;) {
		if (h->len == h->cap) {
			http_judge(p, true);
			return;
		}
		n = recv(p->fd, h->buf + h->len, h->cap - h->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		/* what came so far was judged already: not conclusive */
		if (n < 0)
			goto fail;
		if (!n) {
			http_judge(p, true);
			return;
		}
		h->len += n;
		if (http_judge(p, false))
			return;
	}
fail:
	xlb_hc_probe_fail(p, errno);
}

static void http_release(struct xlb_hc_probe *p)
{
	free(p->priv);
	p->priv = NULL;
}

const struct xlb_hc_ops xlb_hc_http_ops = {
	.sock_type = SOCK_STREAM,
	.timeout_reason = "timeout",
	.start = http_start,
	.io = http_io,
	.release = http_release,
};
