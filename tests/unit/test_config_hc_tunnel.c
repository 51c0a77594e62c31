// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * health_check via_tunnel: read for ipip and gue services (and inherited
 * by their backends), dumped back, a change of it is a change of the
 * check; refused at its line for l2 and nat services and for a backend of
 * the other family than the VIP.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "test.h"

#define NAME "t.yaml"

static int load(const char *fwd, const char *svc_hc, const char *be,
		struct xlb_config *c, struct xlb_config_errors *e)
{
	char yaml[512];

	snprintf(yaml, sizeof(yaml),
		 "interface: eth0\n"
		 "services:\n"
		 "  - name: web\n"
		 "    vip: 198.19.0.100\n"
		 "    port: 80\n"
		 "    forwarding: %s\n"
		 "    health_check: %s\n" /* line 7 */
		 "    backends:\n"
		 "      - %s\n" /* line 9 */
		 "      - { address: 198.18.2.11 }\n",
		 fwd, svc_hc, be);
	return xlb_config_load_str(NAME, yaml, c, e);
}

static bool refused_at(const struct xlb_config_errors *e, int line,
		       const char *what)
{
	char at[32];

	snprintf(at, sizeof(at), NAME ":%d: ", line);
	for (size_t i = 0; i < e->n; i++)
		if (!strncmp(e->v[i].msg, at, strlen(at)) &&
		    strstr(e->v[i].msg, what))
			return true;
	return false;
}

TEST(config_hc_via_tunnel)
{
	struct xlb_config c, d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!ASSERT_OK(load("gue", "{ type: http, via_tunnel: true }",
			    "{ address: 198.18.1.11 }", &c, NULL),
		       "gue loads"))
		return;
	ASSERT_TRUE(c.services[0].hc.via_tunnel, "service: via_tunnel");
	ASSERT_TRUE(c.services[0].backends[0].hc.via_tunnel,
		    "backend inherits it");
	ASSERT_EQ(c.services[0].hc.mark, 0, "no mark from the file");
	f = open_memstream(&buf, &len);
	if (ASSERT_TRUE(f, "memstream")) {
		ASSERT_OK(xlb_config_dump(&c, f), "dump");
		fclose(f);
		ASSERT_CONTAINS(buf, "via_tunnel: true\n", "dumped");
		if (ASSERT_OK(xlb_config_load_str(NAME, buf, &d, NULL),
			      "dump loads")) {
			ASSERT_TRUE(d.services[0].hc.via_tunnel, "reloaded");
			xlb_config_free(&d);
		}
	}
	free(buf);
	/* a backend turning it off for itself: a different check */
	if (ASSERT_OK(
		    load("gue", "{ type: http, via_tunnel: true }",
			 "{ address: 198.18.1.11, health_check: { via_tunnel: false } }",
			 &d, NULL),
		    "backend override")) {
		ASSERT_TRUE(!d.services[0].backends[0].hc.via_tunnel,
			    "overridden");
		ASSERT_TRUE(d.services[0].backends[1].hc.via_tunnel,
			    "the other inherits");
		ASSERT_TRUE(!xlb_hc_conf_equal(&c.services[0].backends[0].hc,
					       &d.services[0].backends[0].hc),
			    "via_tunnel is part of the check");
		xlb_config_free(&d);
	}
	xlb_config_free(&c);
	if (ASSERT_OK(load("ipip", "{ type: tcp }", "{ address: 198.18.1.11 }",
			   &c, NULL),
		      "ipip, plain check")) {
		ASSERT_TRUE(!c.services[0].hc.via_tunnel, "default: plain");
		xlb_config_free(&c);
	}
}

TEST(config_hc_via_tunnel_refused)
{
	struct xlb_config_errors e = {};
	struct xlb_config c;

	ASSERT_EQ(load("l2", "{ type: tcp, via_tunnel: true }",
		       "{ address: 198.19.0.11 }", &c, &e),
		  -EINVAL, "l2");
	ASSERT_TRUE(
		refused_at(&e, 7, "via_tunnel needs forwarding: ipip or gue"),
		"l2 refused at the service's check");
	ASSERT_EQ(e.n, 1, "once, not per backend");
	xlb_config_errors_free(&e);
	ASSERT_EQ(
		load("nat", "{ type: tcp }",
		     "{ address: 198.18.1.11, health_check: { via_tunnel: true } }",
		     &c, &e),
		-EINVAL, "nat backend");
	ASSERT_TRUE(refused_at(&e, 9, "is nat"), "nat refused at the backend");
	xlb_config_errors_free(&e);
	ASSERT_EQ(load("ipip", "{ type: tcp, via_tunnel: yes }",
		       "{ address: 198.18.1.11 }", &c, &e),
		  -EINVAL, "not a bool");
	ASSERT_TRUE(refused_at(&e, 7, "via_tunnel"), "bad value's line");
	xlb_config_errors_free(&e);
	ASSERT_EQ(load("ipip", "{ type: tcp, via_tunnel: true }",
		       "{ address: 2001:2:0:1::11 }", &c, &e),
		  -EINVAL, "other family");
	ASSERT_TRUE(refused_at(&e, 9, "needs one family"),
		    "family refused at the backend");
	xlb_config_errors_free(&e);
}
