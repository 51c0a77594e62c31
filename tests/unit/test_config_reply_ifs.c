// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * reply_interfaces (two-armed set-ups): the names, the dump loading back
 * to the same list, a node's own key under config_source: etcd, and each
 * refusal with its line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_errs.h"
#include "test.h"

#define NAME "r.yaml"

TEST(config_reply_ifs)
{
	struct xlb_config_errors e = {};
	struct xlb_config c, d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!ASSERT_OK(
		    xlb_config_load_str(NAME,
					"interface: eth0\n"
					"reply_interfaces: [eth1, bond0.7]\n",
					&c, &e),
		    "load")) {
		xlb_config_errors_print(&e, stderr);
		goto out_e;
	}
	ASSERT_EQ(c.n_reply_ifs, 2, "two reply interfaces");
	ASSERT_STREQ(c.reply_ifs[0], "eth1", "first");
	ASSERT_STREQ(c.reply_ifs[1], "bond0.7", "second");
	f = open_memstream(&buf, &len);
	if (!ASSERT_TRUE(f, "open_memstream"))
		goto out;
	ASSERT_OK(xlb_config_dump(&c, f), "dump");
	fclose(f);
	if (ASSERT_OK(xlb_config_load_str(NAME, buf, &d, &e), "dump loads")) {
		ASSERT_TRUE(xlb_config_globals_equal(&c, &d), "same globals");
		xlb_config_free(&d);
	} else {
		fprintf(stderr, "%s", buf);
		xlb_config_errors_print(&e, stderr);
	}
	d = c;
	ASSERT_TRUE(xlb_config_restart_equal(&c, &d), "same: no restart");
	d.xdp_generic = !c.xdp_generic;
	ASSERT_TRUE(!xlb_config_restart_equal(&c, &d), "xdp_mode: a restart");
	d = c;
	d.n_reply_ifs = 1;
	ASSERT_TRUE(!xlb_config_globals_equal(&c, &d), "a global");
	ASSERT_TRUE(!xlb_config_restart_equal(&c, &d), "needs a restart");
out:
	free(buf);
	xlb_config_free(&c);
out_e:
	xlb_config_errors_free(&e);
	/* absent: none */
	if (ASSERT_OK(xlb_config_load_str(NAME, "interface: eth0\n", &c, NULL),
		      "absent")) {
		ASSERT_EQ(c.n_reply_ifs, 0, "none by default");
		xlb_config_free(&c);
	}
}

TEST(config_reply_ifs_errors)
{
	static const struct {
		const char *yaml;
		int line;
		const char *msg;
	} bad[] = {
		{ "interface: e\nreply_interfaces: eth1\n", 2,
		  "'reply_interfaces' must be a list" },
		{ "interface: e\nreply_interfaces:\n  - eth1\n  - eth1\n", 4,
		  "'reply_interfaces': 'eth1' is listed twice" },
		{ "interface: e\nreply_interfaces: [e]\n", 2,
		  "'reply_interfaces': 'e' is listed twice (or is 'interface')" },
		{ "interface: e\nreply_interfaces: [a/b]\n", 2,
		  "'a/b' is not a valid interface name" },
		{ "interface: e\nreply_interfaces: [\"\"]\n", 2,
		  "'' is not a valid interface name" },
		{ "interface: e\nreply_interfaces: [a, b, c, d, f, g, h, i]\n",
		  2, "8 interfaces, at most 7" },
		{ "interface: e\nreply_interfaces: [abcdefghijklmnop]\n", 2,
		  "reply_interfaces" },
		{ "interface: e\nreply_interfaces: [[a]]\n", 2,
		  "reply_interfaces" },
	};
	struct xlb_config_errors e = {};
	struct xlb_config c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		xlb_config_errors_free(&e);
		ASSERT_EQ(xlb_config_load_str(NAME, bad[i].yaml, &c, &e),
			  -EINVAL, bad[i].msg);
		ASSERT_TRUE(config_errs_has(&e, NAME, bad[i].line, bad[i].msg),
			    bad[i].msg);
	}
	xlb_config_errors_free(&e);
}
