/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Reading an HTTP/1.x message head, shared by the lab's backend server
 * (xlb_httpd, requests) and load tool (xlb_load, responses). Lengths are
 * explicit: nothing here needs a NUL-terminated head.
 */
#ifndef XLB_HTTP_HEAD_H
#define XLB_HTTP_HEAD_H

#include <stdbool.h>
#include <stddef.h>

/* One header field: name and value, blanks around the value trimmed. */
struct xlb_http_field {
	const char *name, *value;
	size_t name_len, value_len;
};

/*
 * The header field at *p of the head's fields [*p, end) (lines end in CRLF,
 * the last may end at end): 1 with *f set and *p moved past it, 0 when *p
 * is at end, -1 for a line without ':'.
 */
int xlb_http_next_field(const char **p, const char *end,
			struct xlb_http_field *f);

/* Is the field's name `name` (case-insensitive)? */
bool xlb_http_field_is(const struct xlb_http_field *f, const char *name);

/*
 * Decimal digits s[0..len) (at least one, nothing else) as a number no
 * larger than max; false otherwise.
 */
bool xlb_http_uint(const char *s, size_t len, unsigned long long max,
		   unsigned long long *val);

/*
 * Does the comma-separated header value v[0..len) hold tok (case-insensitive,
 * blanks around list items ignored)? E.g. "keep-alive, Upgrade" holds
 * "upgrade".
 */
bool xlb_http_has_token(const char *v, size_t len, const char *tok);

/* What a head's fields say of its body and connection (RFC 9112 6, 9.6). */
struct xlb_http_framing {
	unsigned long long length; /* Content-Length, if has_length */
	bool has_length;
	bool coded;	 /* a Transfer-Encoding other than identity */
	bool chunked;	 /* one that names chunked */
	bool close;	 /* Connection: close */
	bool keep_alive; /* Connection: keep-alive */
};

/*
 * f, if it is one of the framing fields (Content-Length, Transfer-Encoding,
 * Connection): 1 with m updated, 0 when it is another field, -1 for a
 * Content-Length that is not a number up to 2^62.
 */
int xlb_http_framing_field(const struct xlb_http_field *f,
			   struct xlb_http_framing *m);

#endif /* XLB_HTTP_HEAD_H */
