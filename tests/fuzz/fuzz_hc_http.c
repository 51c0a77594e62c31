// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Fuzz target: the HTTP health check's reading of a backend's answer
 * (user/lib/hc_http.c), driven through its ops over a socketpair exactly
 * as the event loop drives it: request sent, answer fed in chunks, EOF.
 *
 * Input: byte 0 picks the check's config (bit 0: expect_body "ok"; bits
 * 1-2: expect_status default 200-399, 200, [200, 204, 300-302] or
 * 500-599), byte 1 the chunk size (1..256), the rest is the answer.
 *
 * Properties: a verdict after EOF at the latest; its reason is one of the
 * documented ones (hc.h); "ok" only for a status line "HTTP/x NNN" whose
 * code is expected and, with expect_body, a body (after the blank line)
 * that contains it.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "config.h"
#include "hc.h"
#include "fuzz.h"

static const char *const reasons[] = { "ok", "bad response", "empty reply",
				       "body mismatch" };

static void conf_of(__u8 b, struct xlb_hc_conf *c)
{
	static const __u16 lo[][3] = {
		{}, { 200 }, { 200, 204, 300 }, { 500 }
	};
	static const __u16 hi[][3] = {
		{}, { 200 }, { 200, 204, 302 }, { 599 }
	};
	static const int n[] = { 0, 1, 3, 1 };
	int k = (b >> 1) & 3;

	xlb_hc_conf_init(c, 80);
	c->type = XLB_HC_HTTP;
	if (b & 1)
		strcpy(c->expect_body, "ok");
	c->n_status = n[k];
	for (int i = 0; i < n[k]; i++) {
		c->status_lo[i] = lo[k][i];
		c->status_hi[i] = hi[k][i];
	}
}

/* The model: what an "ok" needs, from RFC 9112's status line. */
static bool may_be_ok(const struct xlb_hc_conf *c, const char *r, size_t len)
{
	const char *sp = memchr(r, ' ', len), *nl = memchr(r, '\n', len);
	const char *body;
	int code;
	bool in = false;

	if (len < 5 || memcmp(r, "HTTP/", 5) || !sp || !nl || sp > nl ||
	    nl - sp < 4)
		return false;
	for (int i = 1; i <= 3; i++)
		if (!isdigit((unsigned char)sp[i]))
			return false;
	code = (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
	if (!c->n_status)
		in = code >= 200 && code <= 399;
	for (int i = 0; i < c->n_status; i++)
		in |= code >= c->status_lo[i] && code <= c->status_hi[i];
	if (!in)
		return false;
	if (!c->expect_body[0])
		return true;
	body = memmem(r, len, "\r\n\r\n", 4);
	return body && memmem(body + 4, r + len - body - 4, c->expect_body,
			      strlen(c->expect_body));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xlb_hc_conf conf;
	struct xlb_hc_probe p = {};
	const char *resp;
	size_t len, off = 0, chunk;
	char req[2048];
	bool known = false;
	int sv[2];
	ssize_t n;

	if (size < 2 || size > 65536)
		return 0;
	conf_of(data[0], &conf);
	chunk = 1 + data[1];
	resp = (const char *)data + 2;
	len = size - 2;

	fuzz_assert(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv),
		    "socketpair: %s", strerror(errno));
	p.conf = &conf;
	p.ops = &xlb_hc_http_ops;
	p.family = XLB_FAMILY_V4;
	p.addr.v4 = htonl(0xc6120001);
	p.fd = sv[0];
	fuzz_assert(!p.ops->start(&p), "start");
	p.ops->io(&p, EPOLLOUT);
	fuzz_assert(!p.done, "a verdict before any answer: %s", p.reason);
	n = read(sv[1], req, sizeof(req) - 1);
	fuzz_assert(n > 0, "no request sent");
	req[n] = 0;
	fuzz_assert(!strncmp(req, "GET / HTTP/1.1\r\nHost: 198.18.0.1\r\n", 34),
		    "request: %s", req);

	while (!p.done && off < len) {
		size_t k = len - off < chunk ? len - off : chunk;

		n = write(sv[1], resp + off, k);
		if (n < 0 && errno == EAGAIN)
			break; /* its buffer is full: judged below */
		fuzz_assert(n > 0, "write: %s", strerror(errno));
		off += n;
		p.ops->io(&p, EPOLLIN);
	}
	if (!p.done) {
		shutdown(sv[1], SHUT_WR);
		p.ops->io(&p, EPOLLIN);
	}
	fuzz_assert(p.done, "no verdict after EOF (%zu bytes)", off);
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		known |= !strcmp(p.reason, reasons[i]);
	known |= !strncmp(p.reason, "status ", 7);
	fuzz_assert(known, "undocumented reason \"%s\"", p.reason);
	fuzz_assert(p.ok == !strcmp(p.reason, "ok"), "ok %d with \"%s\"", p.ok,
		    p.reason);
	if (p.ok)
		fuzz_assert(may_be_ok(&conf, resp, off),
			    "ok for an answer that cannot pass");
	p.ops->release(&p);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
