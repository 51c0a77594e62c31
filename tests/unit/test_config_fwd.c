// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * forwarding: every name of enum xlb_fwd is either accepted (and dumped
 * back) or refused at its line as not implemented; unknown names are
 * refused listing the modes. The file has an snat pool, which nat needs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "test.h"

#define NAME "f.yaml"

static int load_fwd(const char *mode, struct xlb_config *c,
		    struct xlb_config_errors *e)
{
	char yaml[256];

	snprintf(yaml, sizeof(yaml),
		 "interface: eth0\n"
		 "snat: { addresses: [198.18.0.1] }\n"
		 "services:\n"
		 "  - name: web\n"
		 "    vip: 198.18.0.100\n"
		 "    port: 80\n"
		 "    forwarding: %s\n" /* 7 */
		 "    backends: [ { address: 198.18.0.11 } ]\n",
		 mode);
	return xlb_config_load_str(NAME, yaml, c, e);
}

TEST(config_forwarding)
{
	struct xlb_config_errors e = {};
	struct xlb_config c, d;

	if (ASSERT_OK(xlb_config_load_str(
			      NAME,
			      "interface: eth0\n"
			      "services:\n"
			      "  - { name: a, vip: 10.0.0.1, port: 1 }\n",
			      &c, NULL),
		      "default"))
		ASSERT_EQ(c.services[0].fwd, XLB_FWD_L2, "l2 by default");
	xlb_config_free(&c);

	for (int i = 0; i < XLB_FWD_MAX; i++) {
		int err = load_fwd(xlb_fwd_names[i], &c, &e);

		if (!xlb_fwd_supported(i)) {
			ASSERT_EQ(err, -EINVAL, xlb_fwd_names[i]);
			ASSERT_TRUE(e.n &&
					    !strncmp(e.v[e.n - 1].msg,
						     NAME ":7: ", 7) &&
					    strstr(e.v[e.n - 1].msg,
						   "not implemented"),
				    "refused at its line");
			continue;
		}
		if (!ASSERT_OK(err, xlb_fwd_names[i])) {
			xlb_config_errors_print(&e, stderr);
			continue;
		}
		ASSERT_EQ(c.services[0].fwd, i, "mode read");
		{
			char *buf = NULL;
			size_t len = 0;
			FILE *f = open_memstream(&buf, &len);

			if (ASSERT_TRUE(f, "memstream")) {
				ASSERT_OK(xlb_config_dump(&c, f), "dump");
				fclose(f);
				if (ASSERT_OK(xlb_config_load_str(NAME, buf, &d,
								  NULL),
					      "dump loads")) {
					ASSERT_TRUE(xlb_service_conf_equal(
							    &c.services[0],
							    &d.services[0]),
						    "same service");
					xlb_config_free(&d);
				}
			}
			free(buf);
		}
		xlb_config_free(&c);
	}
	ASSERT_TRUE(xlb_fwd_supported(XLB_FWD_L2), "l2 is implemented");

	ASSERT_EQ(load_fwd("dsr", &c, &e), -EINVAL, "unknown mode");
	ASSERT_TRUE(e.n && !strncmp(e.v[e.n - 1].msg, NAME ":7: ", 7) &&
			    strstr(e.v[e.n - 1].msg, "l2, ipip, gue, nat"),
		    "unknown mode refused listing the modes");
	xlb_config_errors_free(&e);
}
