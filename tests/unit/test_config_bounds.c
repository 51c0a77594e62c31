// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The config file's bounds (config.h, XLB_CONFIG_MAX_*): nesting depth,
 * YAML nodes, anchors, nodes reached through aliases and bytes. Each is
 * refused at the line where it is passed with one message, fast; a file at
 * each limit is not refused for it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "test.h"

#define NAME "b.yaml"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Load @len bytes: refused with exactly @msg (NULL: refused, but not for a
 * bound, i.e. no message contains @bound). Returns the seconds it took.
 */
static double expect(const char *what, const char *buf, size_t len,
		     const char *msg, const char *bound)
{
	struct xlb_config_errors e = {};
	struct xlb_config c;
	double t = now();
	int err;

	err = xlb_config_load_mem(NAME, buf, len, &c, &e);
	t = now() - t;
	if (!ASSERT_EQ(err, -EINVAL, what))
		goto out;
	if (msg) {
		if (ASSERT_EQ(e.n, 1, what))
			ASSERT_STREQ(e.v[0].msg, msg, what);
	} else {
		for (size_t i = 0; i < e.n; i++)
			ASSERT_TRUE(!strstr(e.v[i].msg, bound), what);
	}
out:
	if (msg && (e.n != 1 || strcmp(e.v[0].msg, msg)))
		for (size_t i = 0; i < e.n && i < 5; i++)
			fprintf(stderr, "      %s\n", e.v[i].msg);
	xlb_config_errors_free(&e);
	return t;
}

/* "interface: eth0\nx: " and @n flow lists, nested. */
static char *flow_nest(int n, size_t *len)
{
	char *buf = malloc(32 + 2 * (size_t)n), *p = buf;

	if (!buf)
		return NULL;
	p += sprintf(p, "interface: eth0\nx: ");
	memset(p, '[', n);
	memset(p + n, ']', n);
	p += 2 * n;
	*p++ = '\n';
	*len = p - buf;
	return buf;
}

TEST(config_bounds_depth)
{
	static const char *const deep =
		NAME ":2: lists and mappings nested more than 64 deep";
	char block[8192], *p = block, *buf;
	size_t len;
	double t;

	/* The top-level mapping is one level: 63 lists more make 64. */
	buf = flow_nest(63, &len);
	if (ASSERT_TRUE(buf, "malloc"))
		expect("64 deep", buf, len, NULL, "nested");
	free(buf);
	buf = flow_nest(64, &len);
	if (ASSERT_TRUE(buf, "malloc"))
		expect("65 deep", buf, len, deep, NULL);
	free(buf);

	/* What took libyaml seconds (its scanner is quadratic in depth). */
	buf = flow_nest(50000, &len);
	if (ASSERT_TRUE(buf, "malloc")) {
		t = expect("50,000 deep", buf, len, deep, NULL);
		ASSERT_TRUE(t < 0.5, "50,000 deep: refused in under 0.5 s");
		fprintf(stderr, "    50,000 deep: refused in %.4f s\n", t);
	}
	free(buf);

	/* Block style: level k opens on line k + 1. */
	p += sprintf(p, "interface: eth0\nservices:\n");
	for (int i = 1; i < 80; i++)
		p += sprintf(p, "%*s-\n", i, "");
	expect("block lists", block, p - block,
	       NAME ":66: lists and mappings nested more than 64 deep", NULL);
}

/* "interface: eth0\nx:\n" and @n items, one per line from line 3. */
static char *long_list(size_t n, size_t *len)
{
	char *buf = malloc(32 + 4 * n), *p = buf;

	if (!buf)
		return NULL;
	p += sprintf(p, "interface: eth0\nx:\n");
	for (size_t i = 0; i < n; i++, p += 4)
		memcpy(p, "- 1\n", 4);
	*len = p - buf;
	return buf;
}

TEST(config_bounds_nodes)
{
	char *buf;
	size_t len;

	/* 5 nodes before the items: mapping, interface, eth0, x, the list. */
	buf = long_list(XLB_CONFIG_MAX_NODES - 5, &len);
	if (ASSERT_TRUE(buf, "malloc"))
		expect("1,000,000 nodes", buf, len, NULL, "nodes");
	free(buf);
	/* Item k is node k + 5, on line k + 2. */
	buf = long_list(XLB_CONFIG_MAX_NODES, &len);
	if (ASSERT_TRUE(buf, "malloc"))
		expect("1,000,001 nodes", buf, len,
		       NAME
		       ":999998: more than 1000000 YAML nodes (scalars, lists, mappings and aliases)",
		       NULL);
	free(buf);
}

TEST(config_bounds_anchors)
{
	char *buf = malloc(300 * 16), *p;
	int n;

	if (!ASSERT_TRUE(buf, "malloc"))
		return;
	for (n = 256; n <= 257; n++) {
		p = buf + sprintf(buf, "interface: eth0\nx:\n");
		for (int i = 0; i < n; i++)
			p += sprintf(p, "- &a%d 1\n", i);
		/* anchor i on line i + 3 */
		expect(n == 256 ? "256 anchors" : "257 anchors", buf, p - buf,
		       n == 256 ? NULL
				: NAME ":259: more than 256 anchors (&name)",
		       "anchors");
	}
	free(buf);
}

/* "Billion laughs": each line ten aliases of the one before. */
TEST(config_bounds_alias_expansion)
{
	static const char yaml[] =
		"interface: eth0\n"
		"x:\n"
		"  - &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
		"  - &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		"  - &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
		"  - &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
		"  - &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
		"  - &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n" /* 8 */
		"  - &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
		"  - &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n";
	double t;

	/*
	 * Up to the list on line 9: 5 + 11 + 111 + ... + 1111111 + 1 =
	 * 1234572 nodes; its third *f passes 4000000.
	 */
	t = expect(
		"aliases", yaml, sizeof(yaml) - 1,
		NAME
		":9: aliases expand the file to more than 4000000 YAML nodes (alias *f: 1111111 nodes)",
		NULL);
	ASSERT_TRUE(t < 0.5, "aliases: refused in under 0.5 s");

	/*
	 * A list of k items by alias under 3 keys fits, under a 4th not:
	 * 5 + k nodes (mapping, interface, eth0, x, the list, its items),
	 * then k + 2 for each key and alias; 5 + k + 8 nodes in all.
	 */
	{
		size_t k = XLB_CONFIG_MAX_NODES - 1100, len;
		char *buf = malloc(64 + 2 * k), *p, want[160];

		if (!ASSERT_TRUE(buf, "malloc"))
			return;
		p = buf + sprintf(buf, "interface: eth0\nx: &l [");
		for (size_t i = 0; i < k - 1; i++, p += 2)
			memcpy(p, "1,", 2);
		p += sprintf(p, "1]\ny: *l\nz: *l\nw: *l\n");
		len = p - buf;
		ASSERT_TRUE(5 + k + 3 * (k + 2) <= XLB_CONFIG_MAX_EXPANDED &&
				    5 + k + 4 * (k + 2) >
					    XLB_CONFIG_MAX_EXPANDED,
			    "k fits 3 aliases, not 4");
		expect("aliases: 3 of a long list", buf, len, NULL, "expand");
		len += sprintf(p, "v: *l\n");
		snprintf(
			want, sizeof(want),
			NAME
			":6: aliases expand the file to more than %d YAML nodes (alias *l: %zu nodes)",
			XLB_CONFIG_MAX_EXPANDED, k + 1);
		expect("aliases: 4 of a long list", buf, len, want, NULL);
		free(buf);
	}
}

TEST(config_bounds_bytes)
{
	size_t max = XLB_CONFIG_MAX_BYTES;
	char *buf = malloc(max + 64);
	char path[] = "/tmp/xlb_test_bounds_XXXXXX";
	struct xlb_config_errors e = {};
	struct xlb_config c;
	int fd;

	if (!ASSERT_TRUE(buf, "malloc"))
		return;
	/* Lines of 64 bytes: byte max is the first of line max / 64 + 1. */
	for (size_t i = 0; i < max + 64; i += 64) {
		memset(buf + i, ' ', 63);
		buf[i] = '#';
		buf[i + 63] = '\n';
	}
	memcpy(buf, "interface: a/b.", 15); /* refused, not for its size */
	expect("16 MiB", buf, max, NULL, "larger");
	expect("16 MiB + 1", buf, max + 1,
	       NAME ":262145: the file is larger than 16777216 bytes (16 MiB)",
	       NULL);

	/* From a file, read no further than needed. */
	fd = mkstemp(path);
	if (!ASSERT_TRUE(fd >= 0, "mkstemp"))
		goto out;
	ASSERT_EQ(write(fd, buf, max + 64), (ssize_t)(max + 64), "write");
	close(fd);
	ASSERT_EQ(xlb_config_load(path, &c, &e), -EINVAL, "file");
	if (ASSERT_EQ(e.n, 1, "file: one error"))
		ASSERT_CONTAINS(
			e.v[0].msg,
			":262145: the file is larger than 16777216 bytes",
			"file: message");
	xlb_config_errors_free(&e);
	unlink(path);
out:
	free(buf);
}
