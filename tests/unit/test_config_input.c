// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Config files that are not clean text, and the messages about them: bytes
 * libyaml refuses (invalid UTF-8, NUL and other control characters) are
 * placed at FILE:LINE and column; values quoted in a message are escaped;
 * the backend limit names the line of the first backend past it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "test.h"

#define NAME "i.yaml"

/* Load @len bytes, expecting exactly one error, @msg in full. */
static void one_error(const char *what, const char *yaml, size_t len,
		      const char *msg)
{
	struct xlb_config_errors e = {};
	struct xlb_config c;

	if (ASSERT_EQ(xlb_config_load_mem(NAME, yaml, len, &c, &e), -EINVAL,
		      what) &&
	    ASSERT_EQ(e.n, 1, what) && !ASSERT_STREQ(e.v[0].msg, msg, what))
		fprintf(stderr, "    (%s)\n", what);
	if (e.n > 1)
		xlb_config_errors_print(&e, stderr);
	xlb_config_errors_free(&e);
}

#define ONE_ERROR(what, yaml, msg) one_error(what, yaml, sizeof(yaml) - 1, msg)

TEST(config_input_bytes_located)
{
	ONE_ERROR(
		"invalid UTF-8",
		"interface: eth0\n"
		"services: \xff\n",
		NAME
		":2: invalid input at column 11: invalid leading UTF-8 octet (#xFF)");
	ONE_ERROR(
		"NUL in a key",
		"interface: eth0\n"
		"services:\n"
		"  - na\0me: web\n",
		NAME
		":3: invalid input at column 7: control characters are not allowed (#x0)");
	/* Columns count characters, not bytes. */
	ONE_ERROR(
		"control character after UTF-8 text",
		"interface: eth0\n"
		"# \xc3\xa9 \xc3\xbc\x01\n",
		NAME
		":2: invalid input at column 6: control characters are not allowed (#x1)");
	ONE_ERROR(
		"DEL after CR LF lines",
		"interface: eth0\r\n"
		"xdp_mode: native\r\n"
		"\x7f",
		NAME
		":3: invalid input at column 1: control characters are not allowed (#x7F)");
	ONE_ERROR(
		"bare CR ends a line too",
		"interface: eth0\r"
		"xdp_mode: \x02",
		NAME
		":2: invalid input at column 11: control characters are not allowed (#x2)");
	ONE_ERROR(
		"UTF-8 cut at the end",
		"interface: eth0\n"
		"x: \xc3",
		NAME
		":2: invalid input at column 4: incomplete UTF-8 octet sequence");
	ONE_ERROR(
		"bad UTF-8 continuation", "interface: \xc3\x28",
		NAME
		":1: invalid input at column 13: invalid trailing UTF-8 octet (#x28)");
	ONE_ERROR(
		"byte order mark takes no column",
		"\xef\xbb\xbfinterface: \x1b",
		NAME
		":1: invalid input at column 12: control characters are not allowed (#x1B)");
}

TEST(config_input_values_escaped)
{
	ONE_ERROR("newline in a double-quoted value",
		  "interface: \"et\\nh0\"\n",
		  NAME
		  ":1: 'interface': 'et\\nh0' is not a valid interface name");
	ONE_ERROR(
		"literal block scalar",
		"interface: eth0\n"
		"xdp_mode: |\n"
		"  a\n"
		"  b\n",
		NAME
		":2: 'xdp_mode': unknown value 'a\\nb\\n' (expected one of: native, generic)");
	ONE_ERROR("terminal escape in a key",
		  "interface: eth0\n"
		  "\"k\\e[31m\\t\": 1\n",
		  NAME ":2: unknown key 'k\\x1b[31m\\t' in the top level");
	ONE_ERROR(
		"line separators, C1 controls and DEL",
		"interface: eth0\n"
		"services:\n"
		"  - name: \"a\\u2028b\\u2029c\\x85d\\x9be\\x7f\"\n"
		"    vip: 198.18.0.1\n"
		"    port: 80\n",
		NAME
		":3: service name 'a\\u2028b\\u2029c\\u0085d\\u009be\\x7f' must be 1..63 characters of [A-Za-z0-9_.-]");
}

TEST(config_input_name_escaped)
{
	struct xlb_config_errors e = {};
	struct xlb_config c;

	if (ASSERT_EQ(xlb_config_load_str("a\nb\r.yaml", "interface: a/b\n", &c,
					  &e),
		      -EINVAL, "load") &&
	    ASSERT_EQ(e.n, 1, "one error"))
		ASSERT_STREQ(
			e.v[0].msg,
			"a\\nb\\r.yaml:1: 'interface': 'a/b' is not a valid interface name",
			"file name escaped");
	xlb_config_errors_free(&e);
}

/* A message cut at its length limit ends in "..." after whole characters. */
TEST(config_input_long_value_cut)
{
	struct xlb_config_errors e = {};
	struct xlb_config c;
	char yaml[2048], *p = yaml;
	size_t len;

	p += sprintf(p, "interface: eth0\nxdp_mode: ");
	for (int i = 0; i < 400; i++)
		p += sprintf(p, "\xc3\xa9");
	strcpy(p, "\n");
	if (!ASSERT_EQ(xlb_config_load_str(NAME, yaml, &c, &e), -EINVAL,
		       "load") ||
	    !ASSERT_EQ(e.n, 1, "one error"))
		goto out;
	len = strlen(e.v[0].msg);
	ASSERT_TRUE(len > 3 && !strcmp(e.v[0].msg + len - 3, "..."),
		    "marked as cut");
	ASSERT_TRUE(!strncmp(e.v[0].msg, NAME ":2: 'xdp_mode': unknown value '",
			     strlen(NAME ":2: 'xdp_mode': unknown value '")),
		    "FILE:LINE first");
	/* The last 'é' before the dots is whole. */
	ASSERT_EQ((unsigned char)e.v[0].msg[len - 4], 0xa9, "whole character");
	ASSERT_EQ((unsigned char)e.v[0].msg[len - 5], 0xc3, "whole character");
out:
	xlb_config_errors_free(&e);
}

/*
 * @n_svc services, backends[i] backends each, one per line, unique
 * addresses; *line_of gets the line of overall backend @nth (1-based).
 */
static char *backends_yaml(int n_svc, const int *backends, int nth,
			   int *line_of)
{
	size_t size = 64 + n_svc * 128;
	int line = 2, k = 0;
	char *buf, *p;

	for (int s = 0; s < n_svc; s++)
		size += backends[s] * 40;
	buf = p = malloc(size);
	if (!buf)
		return NULL;
	p += sprintf(p, "interface: eth0\nservices:\n");
	for (int s = 0; s < n_svc; s++) {
		p += sprintf(p,
			     "  - name: s%d\n    vip: 198.18.0.1\n"
			     "    port: %d\n    backends:\n",
			     s, s + 1);
		line += 4;
		for (int b = 0; b < backends[s]; b++) {
			k++;
			line++;
			if (k == nth)
				*line_of = line;
			p += sprintf(p, "      - address: 10.%d.%d.%d\n",
				     k >> 16, (k >> 8) & 255, k & 255);
		}
	}
	return buf;
}

TEST(config_input_too_many_backends)
{
	static const int counts[] = { 40000, 30000 };
	struct xlb_config_errors e = {};
	struct xlb_config c;
	char want[128], *yaml;
	int line = 0;

	yaml = backends_yaml(2, counts, 65536, &line);
	if (!ASSERT_TRUE(yaml, "malloc"))
		return;
	snprintf(
		want, sizeof(want),
		NAME
		":%d: too many backends in all (70000, at most 65535): this is backend 65536",
		line);
	if (ASSERT_EQ(xlb_config_load_str(NAME, yaml, &c, &e), -EINVAL,
		      "load") &&
	    ASSERT_EQ(e.n, 1, "one error"))
		ASSERT_STREQ(e.v[0].msg, want, "line of backend 65536");
	xlb_config_errors_free(&e);
	free(yaml);

	/* Exactly at the limit: accepted. */
	yaml = backends_yaml(1, (int[]){ 65535 }, 0, &line);
	if (ASSERT_TRUE(yaml, "malloc") &&
	    ASSERT_OK(xlb_config_load_str(NAME, yaml, &c, &e), "65535")) {
		ASSERT_EQ(c.services[0].n_backends, 65535, "all there");
		xlb_config_free(&c);
	}
	xlb_config_errors_print(&e, stderr);
	xlb_config_errors_free(&e);
	free(yaml);
}

/* One list of 1,000 backends repeated by alias in 200 services. */
TEST(config_input_backends_by_alias)
{
	struct xlb_config_errors e = {};
	size_t size = 1000 * 48 + 200 * 100 + 256;
	char *yaml = malloc(size), *p = yaml;
	struct xlb_config c;

	if (!ASSERT_TRUE(yaml, "malloc"))
		return;
	p += sprintf(
		p,
		"interface: eth0\nservices:\n"
		"  - { name: s0, vip: 198.18.0.1, port: 1, backends: &b [\n");
	for (int b = 1; b <= 1000; b++)
		p += sprintf(p, "      { address: 10.0.%d.%d },\n", b >> 8,
			     b & 255);
	p += sprintf(p, "    ] }\n");
	for (int s = 1; s < 200; s++)
		p += sprintf(
			p,
			"  - { name: s%d, vip: 198.18.0.1, port: %d, backends: *b }\n",
			s, s + 1);
	if (ASSERT_EQ(xlb_config_load_str(NAME, yaml, &c, &e), -EINVAL,
		      "load") &&
	    ASSERT_EQ(e.n, 1, "one error"))
		ASSERT_STREQ(
			e.v[0].msg,
			NAME
			":539: too many backends in all (200000, at most 65535): this is backend 65536",
			"the list's backend 536 is the 65536th");
	xlb_config_errors_free(&e);
	free(yaml);
}
