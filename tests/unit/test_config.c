// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Config file tests. The YAML is inline, one line per string literal, with
 * the line number in a comment wherever a test checks it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "test.h"

#define NAME "t.yaml"

static const char full_yaml[] = "interface: eth1\n" /* 1 */
				"xdp_mode: generic\n"
				"control_socket: /tmp/xlb.sock\n"
				"pin_dir: /sys/fs/bpf/xlb2\n"
				"metrics_listen: \"[::1]:9641\"\n" /* 5 */
				"services:\n"
				"  - name: web\n" /* 7 */
				"    vip: 198.18.0.100\n"
				"    port: 80\n"
				"    protocol: tcp\n" /* 10 */
				"    scheduler: weighted-round-robin\n"
				"    table_size: 1009\n"
				"    on_all_down: keep_last\n"
				"    slow_start: 1.5s\n"
				"    health_check:\n" /* 15 */
				"      type: http\n"
				"      port: 8080\n"
				"      interval: 5s\n"
				"      timeout: 500ms\n"
				"      rise: 4\n" /* 20 */
				"      fall: 5\n"
				"      path: /healthz\n"
				"      host: example.org\n"
				"      expect_status: [200, 204, 300-302]\n"
				"      expect_body: ok\n" /* 25 */
				"    backends:\n"
				"      - address: 198.18.0.11\n" /* 27 */
				"        weight: 50\n"
				"      - address: 198.18.0.12\n"
				"        weight: 0\n" /* 30 */
				"        health_check:\n"
				"          port: 8081\n"
				"          path: /other\n"
				"  - name: dns\n" /* 34 */
				"    vip: 198.18.0.100\n"
				"    port: 53\n"
				"    protocol: udp\n"
				"    scheduler: source-hash\n"
				"    health_check:\n"
				"      type: udp\n" /* 40 */
				"      interval: 1m\n"
				"      timeout: 2\n"
				"      payload: \"q\\x00\\x01\"\n"
				"      expect: pong\n"
				"    backends:\n" /* 45 */
				"      - { address: 198.18.0.21 }\n";

static const char minimal_yaml[] = "interface: eth0\n"
				   "services:\n"
				   "  - name: web\n"
				   "    vip: 198.18.0.100\n"
				   "    port: 80\n"
				   "    backends:\n"
				   "      - address: 198.18.0.11\n";

/* Whether errs has a message for @line containing @needle; dumps if not. */
static bool has_err(const struct xlb_config_errors *e, int line,
		    const char *needle)
{
	char prefix[64];

	if (line)
		snprintf(prefix, sizeof(prefix), NAME ":%d: ", line);
	else
		snprintf(prefix, sizeof(prefix), NAME ": ");
	for (size_t i = 0; i < e->n; i++)
		if (!strncmp(e->v[i].msg, prefix, strlen(prefix)) &&
		    strstr(e->v[i].msg, needle) && e->v[i].line == line)
			return true;
	fprintf(stderr, "    no error \"%s...%s\" among %zu:\n", prefix, needle,
		e->n);
	for (size_t i = 0; i < e->n; i++)
		fprintf(stderr, "      %s\n", e->v[i].msg);
	return false;
}

/* Load @yaml, expecting failure; the caller checks errs and frees them. */
static bool load_bad(const char *yaml, struct xlb_config_errors *e,
		     const char *what)
{
	struct xlb_config c;
	static const struct xlb_config zero;
	int err;

	memset(&c, 0xa5, sizeof(c));
	err = xlb_config_load_str(NAME, yaml, &c, e);
	if (!ASSERT_EQ(err, -EINVAL, what))
		return false;
	/* Never half a config: the caller must not be able to use it. */
	if (!ASSERT_TRUE(!memcmp(&c, &zero, sizeof(c)), what))
		return false;
	return ASSERT_TRUE(e->n > 0, what);
}

static bool addr_is(const union xlb_addr *a, __u8 family, const char *s)
{
	char buf[XLB_ADDR_STRLEN];

	return !xlb_format_addr(a, family, buf, sizeof(buf)) && !strcmp(buf, s);
}

TEST(config_full)
{
	struct xlb_config_errors e = {};
	const struct xlb_service_conf *s;
	const struct xlb_backend_conf *b;
	struct xlb_config c;

	if (!ASSERT_OK(xlb_config_load_str(NAME, full_yaml, &c, &e), "load")) {
		xlb_config_errors_print(&e, stderr);
		goto out;
	}
	ASSERT_STREQ(c.interface, "eth1", "interface");
	ASSERT_TRUE(c.xdp_generic, "xdp_mode generic");
	ASSERT_STREQ(c.control_socket, "/tmp/xlb.sock", "control_socket");
	ASSERT_STREQ(c.pin_dir, "/sys/fs/bpf/xlb2", "pin_dir");
	ASSERT_STREQ(c.metrics_listen, "[::1]:9641", "metrics_listen");
	if (!ASSERT_EQ(c.n_services, 2, "services"))
		goto out;

	s = &c.services[0];
	ASSERT_STREQ(s->name, "web", "name");
	ASSERT_EQ(s->family, XLB_FAMILY_V4, "vip family");
	ASSERT_TRUE(addr_is(&s->vip, s->family, "198.18.0.100"), "vip");
	ASSERT_EQ(s->vip.v6[1] | s->vip.v6[2] | s->vip.v6[3], 0, "v4 padding");
	ASSERT_EQ(s->port, 80, "port");
	ASSERT_EQ(s->proto, IPPROTO_TCP, "protocol");
	ASSERT_EQ(s->sched, XLB_SCHED_WEIGHTED_RR, "scheduler");
	ASSERT_EQ(s->table_size, 1009, "table_size");
	ASSERT_TRUE(s->keep_last, "on_all_down");
	ASSERT_EQ(s->slow_start_ms, 1500, "slow_start");
	ASSERT_EQ(s->line, 7, "service line");
	ASSERT_EQ(s->hc.type, XLB_HC_HTTP, "hc type");
	ASSERT_EQ(s->hc.port, 8080, "hc port");
	ASSERT_EQ(s->hc.interval_ms, 5000, "hc interval");
	ASSERT_EQ(s->hc.timeout_ms, 500, "hc timeout");
	ASSERT_EQ(s->hc.rise, 4, "hc rise");
	ASSERT_EQ(s->hc.fall, 5, "hc fall");
	ASSERT_STREQ(s->hc.path, "/healthz", "hc path");
	ASSERT_STREQ(s->hc.host, "example.org", "hc host");
	ASSERT_EQ(s->hc.n_status, 3, "hc n_status");
	ASSERT_EQ(s->hc.status_lo[0], 200, "status 0 lo");
	ASSERT_EQ(s->hc.status_hi[0], 200, "status 0 hi");
	ASSERT_EQ(s->hc.status_lo[1], 204, "status 1 lo");
	ASSERT_EQ(s->hc.status_lo[2], 300, "status 2 lo");
	ASSERT_EQ(s->hc.status_hi[2], 302, "status 2 hi");
	ASSERT_STREQ(s->hc.expect_body, "ok", "hc expect_body");
	if (!ASSERT_EQ(s->n_backends, 2, "web backends"))
		goto out;
	b = &s->backends[0];
	ASSERT_TRUE(addr_is(&b->addr, b->family, "198.18.0.11"), "be0 addr");
	ASSERT_EQ(b->weight, 50, "be0 weight");
	ASSERT_EQ(b->line, 27, "be0 line");
	ASSERT_TRUE(!b->has_hc, "be0 has no override");
	ASSERT_TRUE(xlb_hc_conf_equal(&b->hc, &s->hc), "be0 inherits hc");
	b = &s->backends[1];
	ASSERT_EQ(b->weight, 0, "be1 weight 0 (drained)");
	ASSERT_TRUE(b->has_hc, "be1 has override");
	ASSERT_EQ(b->hc.port, 8081, "be1 hc port");
	ASSERT_STREQ(b->hc.path, "/other", "be1 hc path");
	ASSERT_EQ(b->hc.interval_ms, 5000, "be1 inherits interval");

	s = &c.services[1];
	ASSERT_STREQ(s->name, "dns", "name");
	ASSERT_EQ(s->proto, IPPROTO_UDP, "protocol");
	ASSERT_EQ(s->sched, XLB_SCHED_SOURCE_HASH, "scheduler");
	ASSERT_EQ(s->table_size, XLB_DEFAULT_TABLE_SIZE, "default table");
	ASSERT_TRUE(!s->keep_last, "default on_all_down");
	ASSERT_EQ(s->hc.type, XLB_HC_UDP, "hc type");
	ASSERT_EQ(s->hc.port, 53, "hc port defaults to the service port");
	ASSERT_EQ(s->hc.interval_ms, 60000, "interval 1m");
	ASSERT_EQ(s->hc.timeout_ms, 2000, "bare number is seconds");
	ASSERT_MEMEQ(s->hc.payload, s->hc.payload_len, "q\0\1", 3,
		     "binary payload");
	ASSERT_STREQ(s->hc.expect, "pong", "expect");
	if (ASSERT_EQ(s->n_backends, 1, "dns backends"))
		ASSERT_EQ(s->backends[0].weight, 100, "default weight");
out:
	xlb_config_free(&c);
	xlb_config_errors_free(&e);
}

TEST(config_defaults)
{
	struct xlb_config_errors e = {};
	const struct xlb_service_conf *s;
	struct xlb_config c;

	if (!ASSERT_OK(xlb_config_load_str(NAME, minimal_yaml, &c, &e),
		       "load")) {
		xlb_config_errors_print(&e, stderr);
		goto out;
	}
	ASSERT_TRUE(!c.xdp_generic, "native by default");
	ASSERT_STREQ(c.control_socket, "/run/xlb/xlb.sock", "control_socket");
	ASSERT_STREQ(c.pin_dir, "/sys/fs/bpf/xlb", "pin_dir");
	ASSERT_STREQ(c.metrics_listen, "", "metrics off");
	ASSERT_EQ(c.flows.tcp_timeout_ms, 900000,
		  "tcp flows idle out after 15m");
	ASSERT_EQ(c.flows.udp_timeout_ms, 300000, "udp flows after 5m");
	ASSERT_EQ(c.flows.closed_timeout_ms, 60000, "closed flows after 1m");
	ASSERT_EQ(c.flows.scan_interval_ms, 5000, "scan every 5s");
	if (!ASSERT_EQ(c.n_services, 1, "services"))
		goto out;
	s = &c.services[0];
	ASSERT_EQ(s->proto, IPPROTO_TCP, "tcp");
	ASSERT_EQ(s->sched, XLB_SCHED_MAGLEV, "maglev");
	ASSERT_EQ(s->table_size, XLB_DEFAULT_TABLE_SIZE, "table_size");
	ASSERT_TRUE(!s->keep_last, "drop");
	ASSERT_EQ(s->slow_start_ms, 0, "slow_start off");
	ASSERT_EQ(s->hc.type, XLB_HC_NONE, "hc none");
	ASSERT_EQ(s->hc.port, 80, "hc port");
	ASSERT_EQ(s->hc.interval_ms, 2000, "interval");
	ASSERT_EQ(s->hc.timeout_ms, 1000, "timeout");
	ASSERT_EQ(s->hc.rise, 2, "rise");
	ASSERT_EQ(s->hc.fall, 3, "fall");
	ASSERT_STREQ(s->hc.path, "/", "path");
	ASSERT_STREQ(s->hc.host, "", "host");
	ASSERT_EQ(s->hc.n_status, 1, "one status range");
	ASSERT_EQ(s->hc.status_lo[0], 200, "status lo");
	ASSERT_EQ(s->hc.status_hi[0], 399, "status hi");
	ASSERT_MEMEQ(s->hc.payload, s->hc.payload_len, "ping", 4, "payload");
	if (ASSERT_EQ(s->n_backends, 1, "backends"))
		ASSERT_EQ(s->backends[0].weight, 100, "weight");
out:
	xlb_config_free(&c);
	xlb_config_errors_free(&e);
}

TEST(config_empty_values)
{
	static const char yaml[] = "interface: eth0\n"
				   "xdp_mode:\n"
				   "metrics_listen: \"\"\n"
				   "services:\n";
	struct xlb_config_errors e = {};
	struct xlb_config c;

	if (ASSERT_OK(xlb_config_load_str(NAME, yaml, &c, &e), "load")) {
		ASSERT_TRUE(!c.xdp_generic, "empty value is the default");
		ASSERT_EQ(c.n_services, 0, "no services");
	} else {
		xlb_config_errors_print(&e, stderr);
	}
	xlb_config_free(&c);
	xlb_config_errors_free(&e);
}

TEST(config_flow_style)
{
	static const char yaml[] =
		"interface: eth0\n"
		"services:\n"
		"  - { name: a, vip: 10.0.0.1, port: 443, scheduler: random }\n"
		"  - name: b\n"
		"    vip: 10.0.0.1\n"
		"    port: 443\n"
		"    protocol: udp\n"
		"    backends:\n"
		"      - { address: 10.1.0.1, weight: 7 }\n"
		"      - {address: 10.1.0.2}\n"
		"      - address: 10.1.0.3\n"
		"        weight: 9\n";
	struct xlb_config_errors e = {};
	const struct xlb_service_conf *s;
	struct xlb_config c;

	if (!ASSERT_OK(xlb_config_load_str(NAME, yaml, &c, &e), "load")) {
		xlb_config_errors_print(&e, stderr);
		goto out;
	}
	if (!ASSERT_EQ(c.n_services, 2, "services"))
		goto out;
	ASSERT_EQ(c.services[0].sched, XLB_SCHED_RANDOM, "flow service");
	ASSERT_EQ(c.services[0].n_backends, 0, "no backends");
	s = &c.services[1];
	if (!ASSERT_EQ(s->n_backends, 3, "backends"))
		goto out;
	ASSERT_TRUE(addr_is(&s->backends[0].addr, 4, "10.1.0.1"), "be0");
	ASSERT_EQ(s->backends[0].weight, 7, "be0 weight");
	ASSERT_EQ(s->backends[0].line, 9, "be0 line");
	ASSERT_TRUE(addr_is(&s->backends[1].addr, 4, "10.1.0.2"), "be1");
	ASSERT_EQ(s->backends[1].weight, 100, "be1 weight");
	ASSERT_EQ(s->backends[2].weight, 9, "block after flow");
out:
	xlb_config_free(&c);
	xlb_config_errors_free(&e);
}

TEST(config_anchors)
{
	static const char yaml[] = "interface: eth0\n"
				   "services:\n"
				   "  - name: http\n"
				   "    vip: 198.18.0.1\n"
				   "    port: 80\n"
				   "    backends: &pool\n"
				   "      - address: 198.18.0.11\n"
				   "      - address: 198.18.0.12\n"
				   "  - name: https\n"
				   "    vip: 198.18.0.1\n"
				   "    port: 443\n"
				   "    backends: *pool\n";
	struct xlb_config_errors e = {};
	struct xlb_config c;

	if (!ASSERT_OK(xlb_config_load_str(NAME, yaml, &c, &e), "load")) {
		xlb_config_errors_print(&e, stderr);
		goto out;
	}
	if (ASSERT_EQ(c.services[1].n_backends, 2, "aliased backends"))
		ASSERT_EQ(c.services[1].backends[1].hc.port, 443,
			  "hc port follows the service, not the anchor");
out:
	xlb_config_free(&c);
	xlb_config_errors_free(&e);
}

TEST(config_ipv6)
{
	static const char yaml[] = "interface: eth0\n"
				   "services:\n"
				   "  - name: v6\n"
				   "    vip: 2001:db8::100\n"
				   "    port: 80\n"
				   "    backends:\n"
				   "      - address: 2001:db8::11\n"
				   "      - { address: \"2001:db8::12\" }\n"
				   "      - { address: fd00::1 }\n";
	struct xlb_config_errors e = {};
	const struct xlb_service_conf *s;
	struct xlb_config c;

	if (!ASSERT_OK(xlb_config_load_str(NAME, yaml, &c, &e), "load")) {
		xlb_config_errors_print(&e, stderr);
		goto out;
	}
	s = &c.services[0];
	ASSERT_EQ(s->family, XLB_FAMILY_V6, "vip family");
	ASSERT_EQ(s->vip.bytes[0], 0x20, "vip byte 0");
	ASSERT_EQ(s->vip.bytes[15], 0x00, "vip byte 15");
	ASSERT_EQ(s->vip.bytes[14], 0x01, "vip byte 14");
	if (!ASSERT_EQ(s->n_backends, 3, "backends"))
		goto out;
	ASSERT_EQ(s->backends[1].family, XLB_FAMILY_V6, "be family");
	ASSERT_TRUE(addr_is(&s->backends[1].addr, 6, "2001:db8::12"), "be1");
	ASSERT_TRUE(addr_is(&s->backends[2].addr, 6, "fd00::1"), "be2");
out:
	xlb_config_free(&c);
	xlb_config_errors_free(&e);
}

TEST(config_hc_override)
{
	static const char yaml[] =
		"interface: eth0\n"
		"services:\n"
		"  - name: web\n"
		"    vip: 198.18.0.1\n"
		"    port: 80\n"
		"    health_check: { type: http, interval: 3s, path: /a,"
		" host: h.example }\n"
		"    backends:\n"
		"      - address: 198.18.0.11\n"
		"        health_check:\n"
		"          path: /b\n"
		"          rise: 7\n"
		"          timeout: 3s\n"
		"      - address: 198.18.0.12\n"
		"        health_check: { type: tcp, port: 22 }\n"
		"      - address: 198.18.0.13\n"
		"        health_check: { host: \"\" }\n";
	struct xlb_config_errors e = {};
	const struct xlb_backend_conf *b;
	struct xlb_config c;

	if (!ASSERT_OK(xlb_config_load_str(NAME, yaml, &c, &e), "load")) {
		xlb_config_errors_print(&e, stderr);
		goto out;
	}
	if (!ASSERT_EQ(c.services[0].n_backends, 3, "backends"))
		goto out;
	b = &c.services[0].backends[0];
	ASSERT_EQ(b->hc.type, XLB_HC_HTTP, "type inherited");
	ASSERT_EQ(b->hc.port, 80, "port inherited (service port)");
	ASSERT_EQ(b->hc.interval_ms, 3000, "interval inherited");
	ASSERT_EQ(b->hc.timeout_ms, 3000, "timeout overridden");
	ASSERT_EQ(b->hc.rise, 7, "rise overridden");
	ASSERT_EQ(b->hc.fall, 3, "fall default via service");
	ASSERT_STREQ(b->hc.path, "/b", "path overridden");
	ASSERT_STREQ(b->hc.host, "h.example", "host inherited");
	ASSERT_EQ(b->hc.set_mask,
		  XLB_HC_SET_PATH | XLB_HC_SET_RISE | XLB_HC_SET_TIMEOUT,
		  "set_mask = overrides");

	b = &c.services[0].backends[1];
	ASSERT_EQ(b->hc.type, XLB_HC_TCP, "type overridden");
	ASSERT_EQ(b->hc.port, 22, "port overridden");
	ASSERT_EQ(b->hc.interval_ms, 3000, "interval inherited");

	b = &c.services[0].backends[2];
	ASSERT_STREQ(b->hc.host, "", "host reset to the backend address");
	ASSERT_STREQ(b->hc.path, "/a", "path inherited");
out:
	xlb_config_free(&c);
	xlb_config_errors_free(&e);
}

/* One file, one error: message and line. */
struct bad_case {
	const char *what;
	const char *yaml;
	int line;
	const char *needle;
};

#define SVC_HEAD                  \
	"interface: eth0\n"       \
	"services:\n"             \
	"  - name: web\n"         \
	"    vip: 198.18.0.100\n" \
	"    port: 80\n" /* lines 1..5 */

static const struct bad_case bad_cases[] = {
	{ "unknown top-level key",
	  "interface: eth0\n"
	  "interfcae: eth1\n",
	  2, "unknown key 'interfcae'" },
	{ "unknown service key", SVC_HEAD "    wieght: 3\n", 6,
	  "unknown key 'wieght' in service" },
	{ "unknown backend key",
	  SVC_HEAD "    backends:\n"
		   "      - { address: 198.18.0.11, wieght: 3 }\n",
	  7, "unknown key 'wieght' in backend" },
	{ "unknown health_check key",
	  SVC_HEAD "    health_check:\n"
		   "      type: tcp\n"
		   "      intervall: 2s\n",
	  8, "unknown key 'intervall' in health_check" },
	{ "bad vip",
	  "interface: eth0\n"
	  "services:\n"
	  "  - name: web\n"
	  "    vip: 198.18.0.300\n"
	  "    port: 80\n",
	  4, "'198.18.0.300' is not a numeric IPv4 or IPv6" },
	{ "bad backend address",
	  SVC_HEAD "    backends:\n"
		   "      - address: backend.example\n",
	  7, "'backend.example' is not" },
	{ "multicast vip",
	  "interface: eth0\n"
	  "services:\n"
	  "  - { name: web, vip: 239.1.1.1, port: 80 }\n",
	  3, "239.1.1.1 cannot be used" },
	{ "vip/backend family mismatch",
	  SVC_HEAD "    backends:\n"
		   "      - address: 198.18.0.11\n"
		   "      - address: 2001:db8::11\n",
	  8,
	  "address family mismatch: backend 2001:db8::11 is IPv6 but vip 198.18.0.100 is IPv4" },
	{ "duplicate service (vip, port, proto)",
	  SVC_HEAD "  - name: web2\n"
		   "    vip: 198.18.0.100\n"
		   "    port: 80\n"
		   "    protocol: tcp\n",
	  6,
	  "duplicate service: 198.18.0.100 port 80/tcp is already service 'web' (line 3)" },
	{ "duplicate service name",
	  SVC_HEAD "  - name: web\n"
		   "    vip: 198.18.0.101\n"
		   "    port: 80\n",
	  6, "duplicate service name 'web' (first at line 3)" },
	{ "duplicate backend",
	  SVC_HEAD "    backends:\n"
		   "      - address: 198.18.0.11\n"
		   "      - address: 198.18.0.12\n"
		   "      - address: 198.18.0.11\n",
	  9,
	  "duplicate backend 198.18.0.11 in service 'web' (first at line 7)" },
	{ "port 0",
	  "interface: eth0\n"
	  "services:\n"
	  "  - name: web\n"
	  "    vip: 198.18.0.100\n"
	  "    port: 0\n",
	  5, "'port' 0 is out of range 1..65535" },
	{ "port 70000",
	  "interface: eth0\n"
	  "services:\n"
	  "  - name: web\n"
	  "    vip: 198.18.0.100\n"
	  "    port: 70000\n",
	  5, "'port' 70000 is out of range 1..65535" },
	{ "port not a number",
	  "interface: eth0\n"
	  "services:\n"
	  "  - name: web\n"
	  "    vip: 198.18.0.100\n"
	  "    port: -80\n",
	  5, "'port' must be a decimal integer, not '-80'" },
	{ "weight out of range",
	  SVC_HEAD "    backends:\n"
		   "      - { address: 198.18.0.11, weight: 65536 }\n",
	  7, "'weight' 65536 is out of range 0..65535" },
	{ "table_size not prime", SVC_HEAD "    table_size: 1000\n", 6,
	  "table_size 1000 is not prime (next prime: 1009)" },
	{ "table_size too large", SVC_HEAD "    table_size: 2000003\n", 6,
	  "'table_size' 2000003 is out of range" },
	{ "table_size below backend count",
	  SVC_HEAD "    table_size: 2\n"
		   "    backends:\n"
		   "      - address: 198.18.0.11\n"
		   "      - address: 198.18.0.12\n"
		   "      - address: 198.18.0.13\n",
	  6, "table_size 2 is smaller than the number of backends (3)" },
	{ "bad scheduler", SVC_HEAD "    scheduler: fastest\n", 6,
	  "'scheduler': unknown value 'fastest' (expected one of: maglev, source-hash, round-robin, weighted-round-robin, random, least-connections)" },
	{ "bad protocol", SVC_HEAD "    protocol: sctp\n", 6,
	  "unknown value 'sctp'" },
	{ "zero flow timeout",
	  "interface: eth0\n"
	  "flow_timeout_udp: 0s\n",
	  2, "'flow_timeout_udp' must be greater than 0" },
	{ "bad scan interval",
	  "interface: eth0\n"
	  "flow_scan_interval: often\n",
	  2, "'flow_scan_interval' is not a valid duration: 'often'" },
	{ "bad xdp_mode",
	  "interface: eth0\n"
	  "xdp_mode: offload\n",
	  2, "'xdp_mode': unknown value 'offload'" },
	{ "bad duration", SVC_HEAD "    slow_start: 10 seconds\n", 6,
	  "'slow_start' is not a valid duration: '10 seconds'" },
	{ "sub-millisecond duration", SVC_HEAD "    slow_start: 1.0005s\n", 6,
	  "'slow_start' duration '1.0005s' is out of range" },
	{ "zero interval",
	  SVC_HEAD "    health_check: { type: tcp, interval: 0s }\n", 6,
	  "'interval' must be greater than 0" },
	{ "timeout > interval",
	  SVC_HEAD "    health_check:\n"
		   "      type: tcp\n"
		   "      interval: 1s\n"
		   "      timeout: 1500ms\n",
	  9, "health_check timeout 1500ms is longer than interval 1s" },
	{ "timeout > interval via backend override",
	  SVC_HEAD
	  "    health_check: { type: tcp, timeout: 2s, interval: 3s }\n"
	  "    backends:\n"
	  "      - address: 198.18.0.11\n"
	  "        health_check: { interval: 1s }\n",
	  9, "timeout 2s is longer than interval 1s" },
	{ "rise out of range",
	  SVC_HEAD "    health_check: { type: tcp, rise: 101 }\n", 6,
	  "'rise' 101 is out of range 1..100" },
	{ "http key on a tcp check",
	  SVC_HEAD "    health_check:\n"
		   "      type: tcp\n"
		   "      path: /x\n",
	  8, "'path' applies only to http health checks (type is tcp)" },
	{ "path without slash",
	  SVC_HEAD "    health_check: { type: http, path: healthz }\n", 6,
	  "'path' must start with '/'" },
	{ "bad expect_status",
	  SVC_HEAD "    health_check:\n"
		   "      type: http\n"
		   "      expect_status: [200, 399-200]\n",
	  8, "'399-200' is not a status code or range" },
	{ "bad hc type", SVC_HEAD "    health_check: { type: icmp }\n", 6,
	  "'type': unknown value 'icmp' (expected one of: none, tcp, http, udp)" },
	{ "bad service name",
	  "interface: eth0\n"
	  "services:\n"
	  "  - name: my web\n"
	  "    vip: 198.18.0.100\n"
	  "    port: 80\n",
	  3, "service name 'my web' must be 1..63" },
	{ "bad metrics_listen",
	  "interface: eth0\n"
	  "metrics_listen: ::1:9641\n",
	  2, "'metrics_listen': '::1:9641' is not ADDR:PORT" },
	{ "bad interface", "interface: eth0/1\n", 1,
	  "'eth0/1' is not a valid interface name" },
	{ "interface too long", "interface: abcdefghijklmnopq\n", 1,
	  "'interface' is too long (17 bytes, at most 15)" },
	{ "list where a scalar is expected",
	  SVC_HEAD "    scheduler: [maglev]\n", 6,
	  "'scheduler' must be a scalar, not a list" },
	{ "mapping where a list is expected",
	  SVC_HEAD "    backends:\n"
		   "      address: 198.18.0.11\n",
	  7, "'backends' must be a list, not a mapping" },
	{ "scalar where a mapping is expected",
	  SVC_HEAD "    health_check: tcp\n", 6,
	  "health_check must be a mapping, not a scalar" },
	{ "top level not a mapping", "- interface: eth0\n", 1,
	  "the top level must be a mapping, not a list" },
	{ "duplicate key", SVC_HEAD "    port: 81\n", 6,
	  "duplicate key 'port' in service (first at line 5)" },
	{ "YAML syntax error",
	  SVC_HEAD "    backends:\n"
		   "      - address: 198.18.0.11\n"
		   "     weight: 5\n",
	  8,
	  "YAML syntax error: did not find expected key (while parsing a block mapping at line 3)" },
	{ "unterminated quote",
	  "interface: \"eth0\n"
	  "services: []\n",
	  3, "YAML syntax error: found unexpected end of stream" },
	{ "tab indentation",
	  "interface: eth0\n"
	  "services:\n"
	  "\t- name: web\n",
	  3, "YAML syntax error" },
	{ "invalid UTF-8",
	  "interface: eth0\n"
	  "services: \xff\n",
	  2, "invalid input at column 11: invalid leading UTF-8 octet (#xFF)" },
	{ "undefined alias", "interface: *nic\n", 1,
	  "YAML syntax error: found undefined alias" },
	{ "two documents",
	  "interface: eth0\n"
	  "---\n"
	  "interface: eth1\n",
	  3, "only one YAML document is allowed" },
	{ "missing interface", "services: []\n", 1,
	  "the top level is missing required key 'interface'" },
	{ "empty file", "", 1, "'interface' is required" },
	{ "missing vip",
	  "interface: eth0\n"
	  "services:\n"
	  "  - name: web\n"
	  "    port: 80\n",
	  3, "service is missing required key 'vip'" },
	{ "missing port",
	  "interface: eth0\n"
	  "services:\n"
	  "  - { name: web, vip: 198.18.0.1 }\n",
	  3, "service is missing required key 'port'" },
	{ "missing name",
	  "interface: eth0\n"
	  "services:\n"
	  "  - vip: 198.18.0.1\n"
	  "    port: 80\n",
	  3, "service is missing required key 'name'" },
	{ "missing backend address",
	  SVC_HEAD "    backends:\n"
		   "      - weight: 5\n",
	  7, "backend is missing required key 'address'" },
	{ "empty required value",
	  SVC_HEAD "    backends:\n"
		   "      - address:\n",
	  7, "'address' needs a value" },
};

TEST(config_errors)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *bc = &bad_cases[i];
		struct xlb_config_errors e = {};

		if (getenv("XLB_TEST_VERBOSE"))
			fprintf(stderr, "    %s\n", bc->what);
		if (load_bad(bc->yaml, &e, bc->what)) {
			ASSERT_TRUE(has_err(&e, bc->line, bc->needle),
				    bc->what);
			/* One mistake, one message: no cascades. */
			ASSERT_EQ(e.n, 1, bc->what);
			if (getenv("XLB_TEST_VERBOSE"))
				xlb_config_errors_print(&e, stderr);
		}
		xlb_config_errors_free(&e);
	}
}

TEST(config_multiple_errors)
{
	static const char yaml[] =
		"interface: eth0\n"
		"colour: blue\n" /* 2 */
		"services:\n"
		"  - name: web\n" /* 4 */
		"    vip: 198.18.0.100\n"
		"    port: 70000\n"	   /* 6 */
		"    scheduler: fastest\n" /* 7 */
		"    table_size: 100\n"	   /* 8 */
		"    backends:\n"
		"      - address: 198.18.0.11\n"	  /* 10 */
		"      - address: 2001:db8::1\n"	  /* 11 */
		"      - address: 198.18.0.11\n"	  /* 12 */
		"      - { address: 1.2.3, weight: x }\n" /* 13 */
		"  - name: web\n"			  /* 14 */
		"    vip: 198.18.0.100\n"
		"    port: 81\n"
		"    health_check: { interval: 1s, timeout: 2s }\n" /* 17 */
		"  - name: other\n"				    /* 18 */
		"    vip: 198.18.0.100\n"
		"    port: 81\n"
		"    slow_start: forever\n"; /* 21 */
	static const struct {
		int line;
		const char *needle;
	} want[] = {
		{ 2, "unknown key 'colour'" },
		{ 6, "'port' 70000 is out of range" },
		{ 7, "unknown value 'fastest'" },
		{ 8, "table_size 100 is not prime" },
		{ 11, "address family mismatch" },
		{ 12, "duplicate backend 198.18.0.11" },
		{ 13, "'1.2.3' is not a numeric" },
		{ 13, "'weight' must be a decimal integer" },
		{ 14, "duplicate service name 'web'" },
		{ 17, "timeout 2s is longer than interval 1s" },
		{ 18, "duplicate service: 198.18.0.100 port 81/tcp" },
		{ 21, "'slow_start' is not a valid duration" },
	};
	struct xlb_config_errors e = {};

	if (!load_bad(yaml, &e, "multiple errors"))
		goto out;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ASSERT_TRUE(has_err(&e, want[i].line, want[i].needle),
			    want[i].needle);
	ASSERT_EQ(e.n, sizeof(want) / sizeof(want[0]), "no extra errors");
	for (size_t i = 1; i < e.n; i++)
		ASSERT_TRUE(e.v[i - 1].line <= e.v[i].line, "sorted by line");
out:
	xlb_config_errors_free(&e);
}

static bool config_equal(const struct xlb_config *a, const struct xlb_config *b)
{
	if (!ASSERT_TRUE(xlb_config_globals_equal(a, b), "globals equal") ||
	    !ASSERT_EQ(a->n_services, b->n_services, "n_services"))
		return false;
	for (size_t i = 0; i < a->n_services; i++)
		if (!ASSERT_TRUE(xlb_service_conf_equal(&a->services[i],
							&b->services[i]),
				 a->services[i].name))
			return false;
	return true;
}

/* Dump @a, load the dump into @b. */
static bool round_trip(const struct xlb_config *a, struct xlb_config *b)
{
	struct xlb_config_errors e = {};
	char *buf = NULL;
	size_t len = 0;
	bool ok = false;
	FILE *f;

	memset(b, 0, sizeof(*b));
	f = open_memstream(&buf, &len);
	if (!ASSERT_TRUE(f, "open_memstream"))
		return false;
	if (!ASSERT_OK(xlb_config_dump(a, f), "dump")) {
		fclose(f);
		goto out;
	}
	fclose(f);
	if (!ASSERT_OK(xlb_config_load_str(NAME, buf, b, &e), "reload")) {
		fprintf(stderr, "%s", buf);
		xlb_config_errors_print(&e, stderr);
		goto out;
	}
	ok = config_equal(a, b);
	if (!ok)
		fprintf(stderr, "%s", buf);
out:
	free(buf);
	xlb_config_errors_free(&e);
	return ok;
}

TEST(config_round_trip)
{
	static const char *const files[] = { full_yaml, minimal_yaml };
	struct xlb_config a, b, b2;

	for (size_t i = 0; i < 2; i++) {
		if (!ASSERT_OK(xlb_config_load_str(NAME, files[i], &a, NULL),
			       "load"))
			continue;
		round_trip(&a, &b);
		xlb_config_free(&a);
		xlb_config_free(&b);
	}

	/* Built in code, with awkward strings, IPv6 and no services. */
	xlb_config_init(&a);
	strcpy(a.interface, "br-lan.10");
	strcpy(a.metrics_listen, "0.0.0.0:9641");
	a.flows.tcp_timeout_ms = 3600000;
	a.flows.closed_timeout_ms = 1500;
	round_trip(&a, &b);
	xlb_config_free(&b);

	a.services = calloc(1, sizeof(*a.services));
	a.n_services = 1;
	xlb_service_conf_init(&a.services[0]);
	strcpy(a.services[0].name, "null");
	xlb_parse_addr("::1", &a.services[0].vip, &a.services[0].family);
	a.services[0].port = 5353;
	a.services[0].proto = IPPROTO_UDP;
	a.services[0].table_size = 7;
	a.services[0].slow_start_ms = 61001;
	xlb_hc_conf_init(&a.services[0].hc, 5353);
	a.services[0].hc.type = XLB_HC_UDP;
	a.services[0].hc.interval_ms = 3600000;
	memcpy(a.services[0].hc.payload, "\"q\"\\\0\x7f\xc3\xa9\xc2\x80\n", 11);
	a.services[0].hc.payload_len = 11;
	strcpy(a.services[0].hc.expect, "#: {x}, [y] 'z'");
	a.services[0].backends = calloc(2, sizeof(struct xlb_backend_conf));
	a.services[0].n_backends = 2;
	for (int i = 0; i < 2; i++)
		xlb_backend_conf_init(&a.services[0].backends[i],
				      &a.services[0]);
	xlb_parse_addr("2001:db8::1", &a.services[0].backends[0].addr,
		       &a.services[0].backends[0].family);
	xlb_parse_addr("::2", &a.services[0].backends[1].addr,
		       &a.services[0].backends[1].family);
	a.services[0].backends[1].weight = 0;
	/* Differs from the service without set_mask saying so. */
	a.services[0].backends[1].hc.type = XLB_HC_HTTP;
	strcpy(a.services[0].backends[1].hc.path, "/ü");
	if (round_trip(&a, &b)) {
		/* Dumping a loaded config gives the same config again. */
		round_trip(&b, &b2);
		xlb_config_free(&b2);
	}
	xlb_config_free(&a);
	xlb_config_free(&b);
}

TEST(config_service_equal)
{
	struct xlb_config a, b;

	if (!ASSERT_OK(xlb_config_load_str(NAME, full_yaml, &a, NULL), "a") ||
	    !ASSERT_OK(xlb_config_load_str(NAME, full_yaml, &b, NULL), "b"))
		goto out;
	ASSERT_TRUE(xlb_service_conf_equal(&a.services[0], &b.services[0]),
		    "same");
	ASSERT_TRUE(!xlb_service_conf_equal(&a.services[0], &a.services[1]),
		    "different services");
	b.services[0].backends[1].weight = 1;
	ASSERT_TRUE(!xlb_service_conf_equal(&a.services[0], &b.services[0]),
		    "weight change");
	b.services[0].backends[1].weight = 0;
	b.services[0].slow_start_ms++;
	ASSERT_TRUE(!xlb_service_conf_equal(&a.services[0], &b.services[0]),
		    "slow_start change");
	b.services[0].slow_start_ms--;
	b.services[0].backends[1].hc.rise = 9;
	ASSERT_TRUE(!xlb_service_conf_equal(&a.services[0], &b.services[0]),
		    "backend hc change");
	b.services[0].backends[1].hc.rise = a.services[0].backends[1].hc.rise;
	b.services[0].hc.set_mask = 0;
	b.services[0].line = 99;
	ASSERT_TRUE(xlb_service_conf_equal(&a.services[0], &b.services[0]),
		    "set_mask and line ignored");
	/* A udp check does not use path. */
	strcpy(b.services[1].hc.path, "/ignored");
	ASSERT_TRUE(xlb_service_conf_equal(&a.services[1], &b.services[1]),
		    "unused hc field ignored");
	b.services[1].hc.payload[0] = 'x';
	ASSERT_TRUE(!xlb_service_conf_equal(&a.services[1], &b.services[1]),
		    "payload change");
out:
	xlb_config_free(&a);
	xlb_config_free(&b);
}

TEST(config_load_file)
{
	char path[] = "/tmp/xlb_test_config_XXXXXX";
	struct xlb_config_errors e = {};
	struct xlb_config c = {};
	int fd, err;
	FILE *f;

	fd = mkstemp(path);
	if (!ASSERT_TRUE(fd >= 0, "mkstemp"))
		return;
	f = fdopen(fd, "w");
	fputs(minimal_yaml, f);
	fputs("bogus: 1\n", f);
	fclose(f);
	err = xlb_config_load(path, &c, &e);
	ASSERT_EQ(err, -EINVAL, "bad file");
	if (ASSERT_EQ(e.n, 1, "one error")) {
		char want[128];

		snprintf(want, sizeof(want),
			 "%s:8: unknown key 'bogus' in the top level", path);
		ASSERT_STREQ(e.v[0].msg, want, "FILE:LINE: reason");
	}
	xlb_config_errors_free(&e);
	unlink(path);

	err = xlb_config_load(path, &c, &e);
	ASSERT_EQ(err, -ENOENT, "missing file");
	if (ASSERT_EQ(e.n, 1, "one error"))
		ASSERT_CONTAINS(e.v[0].msg, "No such file", "message");
	xlb_config_errors_free(&e);

	err = xlb_config_load("/tmp", &c, &e);
	ASSERT_EQ(err, -EISDIR, "directory");
	if (ASSERT_EQ(e.n, 1, "one error"))
		ASSERT_STREQ(e.v[0].msg, "/tmp: cannot read: Is a directory",
			     "message");
	xlb_config_errors_free(&e);
}

TEST(config_parse_helpers)
{
	union xlb_addr a;
	__u32 v = 12345;
	__u16 port;
	__u8 fam;
	char buf[64];

	ASSERT_OK(xlb_parse_u32("0", 0, 10, &v), "0");
	ASSERT_EQ(v, 0, "0 value");
	ASSERT_OK(xlb_parse_u32("4294967295", 0, UINT32_MAX, &v), "max");
	ASSERT_EQ(v, UINT32_MAX, "max value");
	ASSERT_EQ(xlb_parse_u32("4294967296", 0, UINT32_MAX, &v), -ERANGE,
		  "overflow");
	ASSERT_EQ(xlb_parse_u32("99999999999999999999999", 0, 10, &v), -ERANGE,
		  "huge");
	ASSERT_EQ(xlb_parse_u32("11", 0, 10, &v), -ERANGE, "above max");
	ASSERT_EQ(xlb_parse_u32("1", 2, 10, &v), -ERANGE, "below min");
	ASSERT_EQ(xlb_parse_u32("", 0, 10, &v), -EINVAL, "empty");
	ASSERT_EQ(xlb_parse_u32("+1", 0, 10, &v), -EINVAL, "plus");
	ASSERT_EQ(xlb_parse_u32("-1", 0, 10, &v), -EINVAL, "minus");
	ASSERT_EQ(xlb_parse_u32(" 1", 0, 10, &v), -EINVAL, "blank");
	ASSERT_EQ(xlb_parse_u32("1x", 0, 10, &v), -EINVAL, "junk");
	ASSERT_EQ(xlb_parse_u32("0x1", 0, 10, &v), -EINVAL, "hex");
	ASSERT_EQ(v, UINT32_MAX, "untouched on error");

	ASSERT_OK(xlb_parse_duration_ms("2s", &v), "2s");
	ASSERT_EQ(v, 2000, "2s");
	ASSERT_OK(xlb_parse_duration_ms("500ms", &v), "500ms");
	ASSERT_EQ(v, 500, "500ms");
	ASSERT_OK(xlb_parse_duration_ms("1.5s", &v), "1.5s");
	ASSERT_EQ(v, 1500, "1.5s");
	ASSERT_OK(xlb_parse_duration_ms("1m", &v), "1m");
	ASSERT_EQ(v, 60000, "1m");
	ASSERT_OK(xlb_parse_duration_ms("7", &v), "bare");
	ASSERT_EQ(v, 7000, "bare is seconds");
	ASSERT_OK(xlb_parse_duration_ms("0.25", &v), "bare fraction");
	ASSERT_EQ(v, 250, "0.25");
	ASSERT_OK(xlb_parse_duration_ms("0", &v), "0");
	ASSERT_EQ(v, 0, "0");
	ASSERT_OK(xlb_parse_duration_ms("4294967295ms", &v), "max");
	ASSERT_EQ(xlb_parse_duration_ms("4294967296ms", &v), -ERANGE, "> u32");
	ASSERT_EQ(xlb_parse_duration_ms("50000h", &v), -ERANGE, "50000h");
	ASSERT_EQ(xlb_parse_duration_ms("1.5ms", &v), -ERANGE, "sub-ms");
	ASSERT_EQ(xlb_parse_duration_ms("0.00000000000000000000001s", &v),
		  -ERANGE, "many digits");
	ASSERT_EQ(xlb_parse_duration_ms("", &v), -EINVAL, "empty");
	ASSERT_EQ(xlb_parse_duration_ms("s", &v), -EINVAL, "unit only");
	ASSERT_EQ(xlb_parse_duration_ms(".5s", &v), -EINVAL, "no int part");
	ASSERT_EQ(xlb_parse_duration_ms("1.s", &v), -EINVAL, "no fraction");
	ASSERT_EQ(xlb_parse_duration_ms("-1s", &v), -EINVAL, "negative");
	ASSERT_EQ(xlb_parse_duration_ms("1 s", &v), -EINVAL, "blank");
	ASSERT_EQ(xlb_parse_duration_ms("1d", &v), -EINVAL, "unit d");
	ASSERT_OK(xlb_format_duration_ms(61001, buf, sizeof(buf)), "fmt");
	ASSERT_STREQ(buf, "61001ms", "format ms");
	xlb_format_duration_ms(120000, buf, sizeof(buf));
	ASSERT_STREQ(buf, "2m", "format m");
	xlb_format_duration_ms(0, buf, sizeof(buf));
	ASSERT_STREQ(buf, "0s", "format 0");

	ASSERT_OK(xlb_parse_addr("10.1.2.3", &a, &fam), "v4");
	ASSERT_EQ(fam, XLB_FAMILY_V4, "v4 family");
	ASSERT_EQ(a.v4, htonl(0x0a010203), "v4 value");
	ASSERT_OK(xlb_parse_addr("::ffff:10.1.2.3", &a, &fam), "mapped");
	ASSERT_EQ(fam, XLB_FAMILY_V6, "mapped is v6");
	ASSERT_EQ(xlb_parse_addr("10.1.2", &a, &fam), -EINVAL, "short v4");
	ASSERT_EQ(xlb_parse_addr("fe80::1%eth0", &a, &fam), -EINVAL, "zone");
	ASSERT_EQ(xlb_parse_addr(" 10.1.2.3", &a, &fam), -EINVAL, "blank");
	ASSERT_EQ(xlb_format_addr(&a, 5, buf, sizeof(buf)), -EINVAL, "family");
	ASSERT_EQ(xlb_format_addr(&a, 6, buf, 4), -ENOSPC, "small buffer");

	ASSERT_OK(xlb_parse_addr_port("[::1]:9641", &a, &fam, &port), "[v6]");
	ASSERT_EQ(port, 9641, "v6 port");
	ASSERT_EQ(fam, XLB_FAMILY_V6, "v6 family");
	ASSERT_OK(xlb_parse_addr_port("127.0.0.1:80", &a, &fam, &port), "v4");
	ASSERT_EQ(fam, XLB_FAMILY_V4, "v4 family");
	ASSERT_EQ(xlb_parse_addr_port("::1:80", &a, &fam, &port), -EINVAL,
		  "v6 needs brackets");
	ASSERT_EQ(xlb_parse_addr_port("[1.2.3.4]:80", &a, &fam, &port), -EINVAL,
		  "v4 in brackets");
	ASSERT_EQ(xlb_parse_addr_port("1.2.3.4:0", &a, &fam, &port), -ERANGE,
		  "port 0");
	ASSERT_EQ(xlb_parse_addr_port("1.2.3.4", &a, &fam, &port), -EINVAL,
		  "no port");
	ASSERT_EQ(xlb_parse_addr_port("localhost:80", &a, &fam, &port), -EINVAL,
		  "hostname");

	for (int i = 0; i < XLB_SCHED_MAX; i++)
		ASSERT_EQ(xlb_parse_sched(xlb_sched_names[i]), i, "sched name");
	ASSERT_EQ(xlb_parse_sched("Maglev"), -1, "case matters");
	ASSERT_EQ(xlb_parse_proto("udp"), IPPROTO_UDP, "udp");
	ASSERT_EQ(xlb_parse_proto("icmp"), -1, "icmp");
	ASSERT_EQ(xlb_parse_hc_type("http"), XLB_HC_HTTP, "http");
}
