// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The flow_sync config: the node's mapping (address, peers, key file,
 * bounds) and the services' flow_sync. Values, defaults, each refusal with
 * its line, and the dump loading back to the same config.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "config_errs.h"
#include "test.h"

#define NAME "s.yaml"
#define KEY "0123456789abcdef0123456789abcdef"

/* a key file with @content; its path in @path */
static bool key_file(char *path, size_t len, const char *content)
{
	int fd;

	snprintf(path, len, "/tmp/xlbt-synckey.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return false;
	if (write(fd, content, strlen(content)) != (ssize_t)strlen(content)) {
		close(fd);
		return false;
	}
	close(fd);
	return true;
}

static int load(const char *fmt, const char *kf, struct xlb_config *c,
		struct xlb_config_errors *e)
{
	char yaml[2048];

	snprintf(yaml, sizeof(yaml), fmt, kf);
	return xlb_config_load_str(NAME, yaml, c, e);
}

static const char sync_yaml[] =
	"interface: eth1\n" /* 1 */
	"flow_sync:\n"
	"  address: 192.0.2.1:7800\n"
	"  peers: [192.0.2.2:7800, \"[2001:db8::3]:7801\"]\n"
	"  key_file: %s\n" /* 5 */
	"  max_rate: 5000\n"
	"  batch_delay: 20ms\n"
	"services:\n"
	"  - name: web\n"
	"    vip: 198.18.0.100\n" /* 10 */
	"    port: 80\n"
	"    scheduler: round-robin\n"
	"    flow_sync: true\n"
	"  - name: plain\n"
	"    vip: 198.18.0.101\n" /* 15 */
	"    port: 80\n";

TEST(config_sync_keys)
{
	struct xlb_config_errors e = {};
	struct xlb_config c, d;
	char kf[64], *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!ASSERT_TRUE(key_file(kf, sizeof(kf), KEY "\n"), "key file"))
		return;
	if (!ASSERT_OK(load(sync_yaml, kf, &c, &e), "load")) {
		xlb_config_errors_print(&e, stderr);
		goto out_key;
	}
	ASSERT_TRUE(c.sync.on, "flow_sync on");
	ASSERT_STREQ(c.sync.address, "192.0.2.1:7800", "address");
	ASSERT_EQ(c.sync.n_peers, 2, "two peers");
	ASSERT_STREQ(c.sync.peers[1], "[2001:db8::3]:7801", "v6 peer");
	ASSERT_EQ(c.sync.key_len, 32, "key without its newline");
	ASSERT_TRUE(!memcmp(c.sync.key, KEY, 32), "key bytes");
	ASSERT_EQ(c.sync.max_rate, 5000, "max_rate");
	ASSERT_EQ(c.sync.batch_ms, 20, "batch_delay");
	ASSERT_TRUE(c.services[0].flow_sync, "service flow_sync");
	ASSERT_TRUE(!c.services[1].flow_sync, "flow_sync default false");

	f = open_memstream(&buf, &len);
	if (!ASSERT_TRUE(f, "open_memstream"))
		goto out;
	ASSERT_OK(xlb_config_dump(&c, f), "dump");
	fclose(f);
	if (ASSERT_OK(xlb_config_load_str(NAME, buf, &d, &e), "dump loads")) {
		ASSERT_TRUE(xlb_config_globals_equal(&c, &d), "same globals");
		ASSERT_TRUE(
			xlb_service_conf_equal(&c.services[0], &d.services[0]),
			"same service");
		xlb_config_free(&d);
	} else {
		fprintf(stderr, "%s", buf);
		xlb_config_errors_print(&e, stderr);
	}
	/* a new key in the same file is a change a reload applies */
	d = c;
	d.sync.key[0] ^= 1;
	ASSERT_TRUE(!xlb_config_globals_equal(&c, &d), "key is a global");
out:
	free(buf);
	xlb_config_free(&c);
out_key:
	unlink(kf);
	xlb_config_errors_free(&e);
}

TEST(config_sync_defaults)
{
	struct xlb_config c;
	char kf[64];

	if (!ASSERT_OK(xlb_config_load_str(NAME, "interface: eth0\n", &c, NULL),
		       "load"))
		return;
	ASSERT_TRUE(!c.sync.on, "off without the mapping");
	xlb_config_free(&c);
	if (!ASSERT_TRUE(key_file(kf, sizeof(kf), KEY), "key file"))
		return;
	if (ASSERT_OK(
		    load("interface: e\n"
			 "flow_sync: { address: 10.0.0.1:1, peers: [10.0.0.2:1], key_file: %s }\n",
			 kf, &c, NULL),
		    "load minimal")) {
		ASSERT_EQ(c.sync.max_rate, XLB_SYNC_MAX_RATE, "max_rate");
		ASSERT_EQ(c.sync.batch_ms, XLB_SYNC_BATCH_MS, "batch_delay");
		xlb_config_free(&c);
	}
	unlink(kf);
}

TEST(config_sync_errors)
{
	static const struct {
		const char *yaml; /* %s: a good key file */
		int line;
		const char *msg;
	} bad[] = {
		{ "interface: e\nflow_sync:\n  peers: [1.2.3.4:5]\n  key_file: %s\n",
		  3, "flow_sync is missing required key 'address'" },
		{ "interface: e\nflow_sync:\n  address: 1.2.3.4:5\n  key_file: %s\n",
		  3, "missing required key 'peers'" },
		{ "interface: e\nflow_sync:\n  address: 1.2.3.4\n  peers: [1.2.3.5:5]\n  key_file: %s\n",
		  3, "'address': '1.2.3.4' is not ADDR:PORT" },
		{ "interface: e\nflow_sync:\n  address: 1.2.3.4:5\n  peers: []\n  key_file: %s\n",
		  4, "'peers' must not be empty" },
		{ "interface: e\nflow_sync:\n  address: 1.2.3.4:5\n  peers: 1.2.3.5:5\n  key_file: %s\n",
		  4, "'peers' must be a list" },
		{ "interface: e\nflow_sync:\n  address: 1.2.3.4:5\n  peers:\n  - 1.2.3.5:5\n  - 1.2.3.5:05\n  key_file: %s\n",
		  6, "'peers': 1.2.3.5:05 is listed twice" },
		{ "interface: e\nflow_sync:\n  address: 1.2.3.4:5\n  peers: [1.2.3.4:5]\n  key_file: %s\n",
		  4, "is this node's own address" },
		{ "interface: e\nflow_sync:\n  address: 1.2.3.4:5\n  peers: [1.2.3.5:5]\n  key_file: %s\n  max_rate: 0\n",
		  6, "'max_rate' 0 is out of range 1..10000000" },
		{ "interface: e\nflow_sync:\n  address: 1.2.3.4:5\n  peers: [1.2.3.5:5]\n  key_file: %s\n  batch_delay: 2s\n",
		  6, "'batch_delay' must be at most 1s" },
		{ "interface: e\nflow_sync:\n  address: 1.2.3.4:5\n  peers: [1.2.3.5:5]\n  key_file: %s\n  port: 1\n",
		  6, "unknown key 'port'" },
		{ "interface: e\nflow_sync:\n  address: 1.2.3.4:5\n  peers: [1.2.3.5:5]\n  key_file: /nonexistent/%s\n",
		  5, "'key_file': cannot open /nonexistent/" },
		{ "interface: e\n#%s\nservices:\n  - name: a\n    vip: 1.1.1.1\n    port: 1\n    flow_sync: true\n",
		  4,
		  "service 'a' has flow_sync: true but there is no top-level flow_sync" },
		{ "interface: e\n#%s\nservices:\n  - name: a\n    vip: 1.1.1.1\n    port: 1\n    flow_sync: yes\n",
		  7, "'flow_sync'" },
	};
	struct xlb_config_errors e = {};
	struct xlb_config c;
	char kf[64], yaml[1024];

	if (!ASSERT_TRUE(key_file(kf, sizeof(kf), KEY), "key file"))
		return;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		xlb_config_errors_free(&e);
		ASSERT_EQ(load(bad[i].yaml, kf, &c, &e), -EINVAL, bad[i].msg);
		ASSERT_TRUE(config_errs_has(&e, NAME, bad[i].line, bad[i].msg),
			    bad[i].msg);
	}
	unlink(kf);

	/* a key too short, one too long */
	for (int big = 0; big < 2; big++) {
		char content[XLB_SYNC_KEY_MAX + 8];

		memset(content, 'k', sizeof(content) - 1);
		content[big ? sizeof(content) - 1 : 15] = '\0';
		if (!ASSERT_TRUE(key_file(kf, sizeof(kf), content), "key"))
			return;
		snprintf(
			yaml, sizeof(yaml),
			"interface: e\nflow_sync:\n  address: 1.2.3.4:5\n  peers: [1.2.3.5:5]\n  key_file: %s\n",
			kf);
		xlb_config_errors_free(&e);
		ASSERT_EQ(xlb_config_load_str(NAME, yaml, &c, &e), -EINVAL,
			  "bad key length");
		ASSERT_TRUE(
			config_errs_has(
				&e, NAME, 5,
				big ? "holds more than 256 bytes; the key must be 16..256"
				    : "holds 15 bytes; the key must be 16..256"),
			big ? "key too long" : "key too short");
		unlink(kf);
	}
	xlb_config_errors_free(&e);
}
