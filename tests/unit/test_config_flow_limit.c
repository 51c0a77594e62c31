// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * new_flow_rate_limit: its value, default, errors with their line, and the
 * dump loading back to the same config.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "test.h"

#define NAME "l.yaml"

TEST(config_new_flow_rate_limit)
{
	struct xlb_config_errors e = {};
	struct xlb_config c, d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!ASSERT_OK(xlb_config_load_str(NAME, "interface: eth0\n", &c, NULL),
		       "load default"))
		return;
	ASSERT_EQ(c.flows.new_flow_limit, 0, "unlimited by default");
	xlb_config_free(&c);

	if (!ASSERT_OK(xlb_config_load_str(NAME,
					   "interface: eth0\n"
					   "new_flow_rate_limit: 250000\n",
					   &c, &e),
		       "load")) {
		xlb_config_errors_print(&e, stderr);
		goto out;
	}
	ASSERT_EQ(c.flows.new_flow_limit, 250000, "limit read");
	f = open_memstream(&buf, &len);
	if (!ASSERT_TRUE(f, "open_memstream"))
		goto free_c;
	ASSERT_OK(xlb_config_dump(&c, f), "dump");
	fclose(f);
	ASSERT_TRUE(strstr(buf, "new_flow_rate_limit: 250000\n"), "dumped");
	if (ASSERT_OK(xlb_config_load_str(NAME, buf, &d, &e), "dump loads")) {
		ASSERT_TRUE(xlb_config_globals_equal(&c, &d), "same globals");
		xlb_config_free(&d);
	}
free_c:
	xlb_config_free(&c);

	ASSERT_TRUE(xlb_config_load_str(NAME,
					"interface: eth0\n"
					"new_flow_rate_limit: -5\n",
					&c, &e) != 0,
		    "a negative limit is refused");
	ASSERT_TRUE(e.n && !strncmp(e.v[e.n - 1].msg, NAME ":2: ", 6) &&
			    strstr(e.v[e.n - 1].msg, "new_flow_rate_limit"),
		    "error names the line and the key");
out:
	free(buf);
	xlb_config_errors_free(&e);
}
