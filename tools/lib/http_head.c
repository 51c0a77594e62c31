// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <string.h>
#include <strings.h>

#include "http_head.h"

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

int xlb_http_next_field(const char **p, const char *end,
			struct xlb_http_field *f)
{
	const char *s = *p, *e, *colon, *v;

	if (s >= end)
		return 0;
	e = memmem(s, end - s, "\r\n", 2);
	if (!e)
		e = end;
	colon = memchr(s, ':', e - s);
	if (!colon)
		return -1;
	v = colon + 1;
	while (v < e && blank(*v))
		v++;
	f->name = s;
	f->name_len = colon - s;
	f->value = v;
	f->value_len = e - v;
	while (f->value_len && blank(v[f->value_len - 1]))
		f->value_len--;
	*p = e + 2;
	return 1;
}

bool xlb_http_field_is(const struct xlb_http_field *f, const char *name)
{
	size_t n = strlen(name);

	return f->name_len == n && !strncasecmp(f->name, name, n);
}

bool xlb_http_uint(const char *s, size_t len, unsigned long long max,
		   unsigned long long *val)
{
	unsigned long long v = 0;
	size_t i;

	if (!len)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
		if (v > max)
			return false;
	}
	*val = v;
	return true;
}

bool xlb_http_has_token(const char *v, size_t len, const char *tok)
{
	size_t tl = strlen(tok), i = 0;

	while (i < len) {
		size_t s, e;

		while (i < len && (blank(v[i]) || v[i] == ','))
			i++;
		s = i;
		while (i < len && v[i] != ',')
			i++;
		e = i;
		while (e > s && blank(v[e - 1]))
			e--;
		if (e - s == tl && !strncasecmp(v + s, tok, tl))
			return true;
	}
	return false;
}

int xlb_http_framing_field(const struct xlb_http_field *f,
			   struct xlb_http_framing *m)
{
	if (xlb_http_field_is(f, "Content-Length")) {
		if (!xlb_http_uint(f->value, f->value_len, 1ULL << 62,
				   &m->length))
			return -1;
		m->has_length = true;
	} else if (xlb_http_field_is(f, "Transfer-Encoding")) {
		if (!xlb_http_has_token(f->value, f->value_len, "identity"))
			m->coded = true;
		if (xlb_http_has_token(f->value, f->value_len, "chunked"))
			m->chunked = true;
	} else if (xlb_http_field_is(f, "Connection")) {
		m->close |= xlb_http_has_token(f->value, f->value_len, "close");
		m->keep_alive |= xlb_http_has_token(f->value, f->value_len,
						    "keep-alive");
	} else {
		return 0;
	}
	return 1;
}
