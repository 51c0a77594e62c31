// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The encapsulation keys: encap_source per family and gue_port are read,
 * dumped back and compared on reload; a source of the wrong family, a port
 * out of range are refused at their line; backends of the other family
 * than the VIP are accepted with ipip and gue only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "test.h"

#define NAME "e.yaml"

static bool refused_at(const struct xlb_config_errors *e, int line,
		       const char *what)
{
	char at[32];

	snprintf(at, sizeof(at), NAME ":%d: ", line);
	return e->n && !strncmp(e->v[e->n - 1].msg, at, strlen(at)) &&
	       strstr(e->v[e->n - 1].msg, what);
}

TEST(config_encap_keys)
{
	struct xlb_config c, d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!ASSERT_OK(
		    xlb_config_load_str(
			    NAME,
			    "interface: eth0\n"
			    "encap_source: { ipv4: 10.0.0.1, ipv6: 2001:db8::1 }\n"
			    "gue_port: 7000\n",
			    &c, NULL),
		    "load"))
		return;
	ASSERT_EQ(ntohl(c.encap.src4.v4), 0x0a000001u, "ipv4 source");
	ASSERT_EQ(c.encap.src6.bytes[0] << 8 | c.encap.src6.bytes[1], 0x2001,
		  "ipv6 source");
	ASSERT_EQ(c.encap.src6.bytes[15], 1, "ipv6 source, last byte");
	ASSERT_EQ(c.encap.gue_port, 7000, "gue_port");
	f = open_memstream(&buf, &len);
	if (ASSERT_TRUE(f, "memstream")) {
		ASSERT_OK(xlb_config_dump(&c, f), "dump");
		fclose(f);
		ASSERT_CONTAINS(
			buf,
			"encap_source: { ipv4: 10.0.0.1, ipv6: \"2001:db8::1\" }\n",
			"dumped source");
		ASSERT_CONTAINS(buf, "gue_port: 7000\n", "dumped port");
		if (ASSERT_OK(xlb_config_load_str(NAME, buf, &d, NULL),
			      "dump loads")) {
			ASSERT_TRUE(xlb_config_globals_equal(&c, &d),
				    "same globals");
			xlb_config_free(&d);
		}
	}
	free(buf);
	/* a reload that changes only the port is a change */
	if (ASSERT_OK(
		    xlb_config_load_str(
			    NAME,
			    "interface: eth0\n"
			    "encap_source: { ipv4: 10.0.0.1, ipv6: 2001:db8::1 }\n"
			    "gue_port: 7001\n",
			    &d, NULL),
		    "load other port")) {
		ASSERT_TRUE(!xlb_config_globals_equal(&c, &d), "port differs");
		xlb_config_free(&d);
	}
	xlb_config_free(&c);

	if (ASSERT_OK(xlb_config_load_str(NAME, "interface: eth0\n", &c, NULL),
		      "defaults")) {
		ASSERT_EQ(c.encap.gue_port, XLB_GUE_PORT_DEFAULT,
			  "default port 6080");
		ASSERT_EQ(c.encap.src4.v4, 0, "no ipv4 source: the FIB's");
		xlb_config_free(&c);
	}
}

TEST(config_encap_refusals)
{
	struct xlb_config_errors e = {};
	struct xlb_config c;

	ASSERT_EQ(xlb_config_load_str(NAME,
				      "interface: eth0\n"
				      "encap_source:\n"
				      "  ipv4: 2001:db8::1\n",
				      &c, &e),
		  -EINVAL, "v6 as ipv4");
	ASSERT_TRUE(refused_at(&e, 3, "must be an IPv4 address"),
		    "refused at its line");
	ASSERT_EQ(xlb_config_load_str(NAME,
				      "interface: eth0\n"
				      "encap_source: { ipv6: 10.0.0.1 }\n",
				      &c, &e),
		  -EINVAL, "v4 as ipv6");
	ASSERT_TRUE(refused_at(&e, 2, "must be an IPv6 address"), "ipv6 line");
	ASSERT_EQ(xlb_config_load_str(NAME,
				      "interface: eth0\n"
				      "encap_source: { ipv5: 10.0.0.1 }\n",
				      &c, &e),
		  -EINVAL, "unknown key");
	ASSERT_EQ(xlb_config_load_str(NAME, "interface: eth0\ngue_port: 0\n",
				      &c, &e),
		  -EINVAL, "port 0");
	ASSERT_EQ(xlb_config_load_str(
			  NAME, "interface: eth0\ngue_port: 65536\n", &c, &e),
		  -EINVAL, "port 65536");
	ASSERT_TRUE(refused_at(&e, 2, "gue_port"), "port line");
	xlb_config_errors_free(&e);
}

static int load_mixed(const char *mode, struct xlb_config *c,
		      struct xlb_config_errors *e)
{
	char yaml[256];

	snprintf(yaml, sizeof(yaml),
		 "interface: eth0\n"
		 "services:\n"
		 "  - name: web\n"
		 "    vip: 198.18.0.100\n"
		 "    port: 80\n"
		 "    forwarding: %s\n"
		 "    backends: [ { address: 2001:db8::11 } ]\n", /* 7 */
		 mode);
	return xlb_config_load_str(NAME, yaml, c, e);
}

TEST(config_encap_mixed_families)
{
	struct xlb_config_errors e = {};
	struct xlb_config c;

	ASSERT_EQ(load_mixed("l2", &c, &e), -EINVAL, "l2: same family only");
	ASSERT_TRUE(refused_at(&e, 7, "address family mismatch"), "l2 line");
	if (ASSERT_OK(load_mixed("ipip", &c, &e), "ipip: IPv6 backend"))
		xlb_config_free(&c);
	if (ASSERT_OK(load_mixed("gue", &c, &e), "gue: IPv6 backend"))
		xlb_config_free(&c);
	xlb_config_errors_free(&e);
}
