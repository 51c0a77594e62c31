// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Config keys of a node in a cluster: hash_seed, announce_table, and the
 * services' announce and min_up_backends. Values, defaults, errors with
 * their line, and the dump loading back to the same config.
 */
#include <errno.h>
#include <stdlib.h>

#include "config.h"
#include "config_errs.h"
#include "test.h"

#define NAME "c.yaml"

static const char cluster_yaml[] = "interface: eth1\n" /* 1 */
				   "hash_seed: 0x5eed1234\n"
				   "announce_table: 100\n"
				   "services:\n"
				   "  - name: web\n" /* 5 */
				   "    vip: 198.18.0.100\n"
				   "    port: 80\n"
				   "    min_up_backends: 2\n"
				   "  - name: quiet\n"
				   "    vip: 198.18.0.101\n" /* 10 */
				   "    port: 80\n"
				   "    announce: false\n";

static bool has_err(const struct xlb_config_errors *e, int line,
		    const char *needle)
{
	return config_errs_has(e, NAME, line, needle);
}

TEST(config_cluster_keys)
{
	struct xlb_config_errors e = {};
	struct xlb_config c, d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!ASSERT_OK(xlb_config_load_str(NAME, cluster_yaml, &c, &e),
		       "load")) {
		xlb_config_errors_print(&e, stderr);
		return;
	}
	ASSERT_EQ(c.hash_seed, 0x5eed1234U, "hex seed");
	ASSERT_EQ(c.announce_table, 100, "table");
	ASSERT_TRUE(c.services[0].announce, "announce defaults to true");
	ASSERT_EQ(c.services[0].min_up_backends, 2, "min_up_backends");
	ASSERT_TRUE(!c.services[1].announce, "announce: false");
	ASSERT_EQ(c.services[1].min_up_backends, 1, "min_up default 1");

	f = open_memstream(&buf, &len);
	if (!ASSERT_TRUE(f, "open_memstream"))
		goto out;
	ASSERT_OK(xlb_config_dump(&c, f), "dump");
	fclose(f);
	if (ASSERT_OK(xlb_config_load_str(NAME, buf, &d, &e), "dump loads")) {
		ASSERT_TRUE(xlb_config_globals_equal(&c, &d), "same globals");
		ASSERT_TRUE(xlb_service_conf_equal(&c.services[0],
						   &d.services[0]) &&
				    xlb_service_conf_equal(&c.services[1],
							   &d.services[1]),
			    "same services");
		xlb_config_free(&d);
	}
	d = c;
	d.hash_seed = 1;
	ASSERT_TRUE(!xlb_config_globals_equal(&c, &d), "seed is a global");
out:
	free(buf);
	xlb_config_free(&c);
	xlb_config_errors_free(&e);
}

TEST(config_cluster_defaults)
{
	struct xlb_config c;

	if (!ASSERT_OK(xlb_config_load_str(NAME, "interface: eth0\n", &c, NULL),
		       "load"))
		return;
	ASSERT_EQ(c.hash_seed, 0, "seed 0");
	ASSERT_EQ(c.announce_table, 0, "announcing off");
	xlb_config_free(&c);
	if (!ASSERT_OK(xlb_config_load_str(NAME,
					   "interface: eth0\n"
					   "hash_seed: 4294967295\n",
					   &c, NULL),
		       "load max seed"))
		return;
	ASSERT_EQ(c.hash_seed, 4294967295U, "decimal seed, full range");
	xlb_config_free(&c);
}

TEST(config_cluster_errors)
{
	static const struct {
		const char *yaml;
		int line;
		const char *msg;
	} bad[] = {
		{ "interface: e\nhash_seed: 4294967296\n", 2,
		  "'hash_seed': '4294967296' is not a number" },
		{ "interface: e\nhash_seed: -1\n", 2, "is not a number" },
		{ "interface: e\nhash_seed: 0x\n", 2, "is not a number" },
		{ "interface: e\nhash_seed: 017\n", 2, "is not a number" },
		{ "interface: e\nannounce_table: 254\n", 2,
		  "kernel's default, main or local table" },
		{ "interface: e\nannounce_table: x\n", 2, "announce_table" },
		{ "interface: e\nservices:\n  - name: a\n    vip: 198.18.0.1\n"
		  "    port: 1\n    announce: yes\n",
		  6, "announce" },
		{ "interface: e\nservices:\n  - name: a\n    vip: 198.18.0.1\n"
		  "    port: 1\n    min_up_backends: 65536\n",
		  6, "min_up_backends" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct xlb_config_errors e = {};
		struct xlb_config c;

		ASSERT_EQ(xlb_config_load_str(NAME, bad[i].yaml, &c, &e),
			  -EINVAL, bad[i].yaml);
		ASSERT_TRUE(has_err(&e, bad[i].line, bad[i].msg), bad[i].msg);
		xlb_config_errors_free(&e);
	}
}
