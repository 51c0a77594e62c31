// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The HTTP head reader xlb_httpd and xlb_load both parse with. */
#include <string.h>

#include "http_head.h"
#include "test.h"

static bool field_eq(const struct xlb_http_field *f, const char *name,
		     const char *value)
{
	return ASSERT_MEMEQ(f->name, f->name_len, name, strlen(name), "name") &&
	       ASSERT_MEMEQ(f->value, f->value_len, value, strlen(value),
			    "value");
}

TEST(http_head_fields_in_order_values_trimmed)
{
	static const char h[] = "Content-Length:  12 \r\n"
				"X-Backend:\tbe2\r\n"
				"Empty:\r\n"
				"Connection: keep-alive, Upgrade";
	const char *p = h, *end = h + sizeof(h) - 1;
	struct xlb_http_field f;

	if (!ASSERT_EQ(xlb_http_next_field(&p, end, &f), 1, "1st") ||
	    !field_eq(&f, "Content-Length", "12") ||
	    !ASSERT_TRUE(xlb_http_field_is(&f, "content-length"), "nocase") ||
	    !ASSERT_TRUE(!xlb_http_field_is(&f, "Content-Len"), "prefix"))
		return;
	if (!ASSERT_EQ(xlb_http_next_field(&p, end, &f), 1, "2nd") ||
	    !field_eq(&f, "X-Backend", "be2"))
		return;
	if (!ASSERT_EQ(xlb_http_next_field(&p, end, &f), 1, "3rd") ||
	    !field_eq(&f, "Empty", ""))
		return;
	if (!ASSERT_EQ(xlb_http_next_field(&p, end, &f), 1, "last") ||
	    !field_eq(&f, "Connection", "keep-alive, Upgrade") ||
	    !ASSERT_TRUE(xlb_http_has_token(f.value, f.value_len, "upgrade"),
			 "token"))
		return;
	ASSERT_EQ(xlb_http_next_field(&p, end, &f), 0, "end");
}

TEST(http_head_line_without_colon_refused)
{
	static const char h[] = "Host: x\r\nbroken line\r\n";
	const char *p = h, *end = h + sizeof(h) - 1;
	struct xlb_http_field f;

	ASSERT_EQ(xlb_http_next_field(&p, end, &f), 1, "good line");
	ASSERT_EQ(xlb_http_next_field(&p, end, &f), -1, "no colon");
}

TEST(http_head_uint)
{
	unsigned long long v = 7;

	ASSERT_TRUE(xlb_http_uint("0", 1, 10, &v) && v == 0, "zero");
	ASSERT_TRUE(xlb_http_uint("10", 2, 10, &v) && v == 10, "at max");
	ASSERT_TRUE(!xlb_http_uint("11", 2, 10, &v), "over max");
	ASSERT_TRUE(!xlb_http_uint("", 0, 10, &v), "empty");
	ASSERT_TRUE(!xlb_http_uint("1 ", 2, 10, &v), "blank");
	ASSERT_TRUE(!xlb_http_uint("-1", 2, 10, &v), "sign");
	ASSERT_TRUE(
		!xlb_http_uint("99999999999999999999999", 23, 1ULL << 62, &v),
		"overflow");
}

/* The framing of head's fields; *others: how many were not framing ones. */
static int framing_of(const char *head, struct xlb_http_framing *m, int *others)
{
	const char *p = head, *end = head + strlen(head);
	struct xlb_http_field f;
	int k;

	*m = (struct xlb_http_framing){ 0 };
	*others = 0;
	while (xlb_http_next_field(&p, end, &f) > 0) {
		k = xlb_http_framing_field(&f, m);
		if (k < 0)
			return k;
		*others += !k;
	}
	return 0;
}

TEST(http_head_framing_fields)
{
	struct xlb_http_framing m;
	int others;

	if (!ASSERT_OK(framing_of("Content-Length: 42\r\n"
				  "Transfer-Encoding: gzip, chunked\r\n"
				  "Connection: keep-alive\r\n"
				  "X-Other: close",
				  &m, &others),
		       "read"))
		return;
	ASSERT_EQ(others, 1, "framing fields told from others");
	ASSERT_TRUE(m.has_length && m.length == 42, "length");
	ASSERT_TRUE(m.coded && m.chunked, "coded, chunked");
	ASSERT_TRUE(m.keep_alive && !m.close, "connection");
	ASSERT_OK(framing_of("Transfer-Encoding: identity\r\nConnection: close",
			     &m, &others),
		  "read");
	ASSERT_TRUE(!m.coded && !m.chunked && m.close && !m.has_length,
		    "identity, close");
	ASSERT_EQ(framing_of("Content-Length: 1x", &m, &others), -1,
		  "bad length");
}
