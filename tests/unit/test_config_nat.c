// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The full NAT config: the top-level snat mapping (addresses, ports,
 * timeouts), forwarding: nat (least-connections included) and backend
 * ports. Values, defaults, each refusal with its line, and the dump
 * loading back to the same config.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_errs.h"
#include "test.h"

#define NAME "n.yaml"

static const char nat_yaml[] =
	"interface: eth1\n" /* 1 */
	"snat:\n"
	"  addresses: [10.1.0.1, 10.1.0.2, \"2001:db8:b::1\"]\n"
	"  ports: 20000-29999\n"
	"  tcp_syn_timeout: 5s\n" /* 5 */
	"  tcp_established_timeout: 1h\n"
	"  tcp_closing_timeout: 3s\n"
	"  udp_timeout: 45s\n"
	"services:\n"
	"  - name: web\n" /* 10 */
	"    vip: 198.18.0.100\n"
	"    port: 80\n"
	"    forwarding: nat\n"
	"    backends:\n"
	"      - { address: 10.2.0.11, port: 8080 }\n" /* 15 */
	"      - address: 10.2.0.12\n"
	"        health_check: { type: tcp }\n"
	"  - name: web6\n"
	"    vip: 2001:db8:f::100\n"
	"    port: 443\n" /* 20 */
	"    forwarding: nat\n"
	"    backends: [{ address: \"2001:db8:2::11\", port: 8443 }]\n"
	"    scheduler: least-connections\n";

TEST(config_nat_keys)
{
	struct xlb_config_errors e = {};
	struct xlb_config c, d;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!ASSERT_OK(xlb_config_load_str(NAME, nat_yaml, &c, &e), "load")) {
		xlb_config_errors_print(&e, stderr);
		goto out_e;
	}
	ASSERT_EQ(c.snat.n_addrs, 3, "three addresses");
	ASSERT_EQ(c.snat.families[2], XLB_FAMILY_V6, "third is IPv6");
	ASSERT_EQ(c.snat.port_min, 20000, "port_min");
	ASSERT_EQ(c.snat.port_max, 29999, "port_max");
	ASSERT_EQ(c.snat.tcp_syn_ms, 5000, "tcp_syn_timeout");
	ASSERT_EQ(c.snat.tcp_est_ms, 3600000, "tcp_established_timeout");
	ASSERT_EQ(c.snat.tcp_close_ms, 3000, "tcp_closing_timeout");
	ASSERT_EQ(c.snat.udp_ms, 45000, "udp_timeout");
	ASSERT_EQ(c.services[0].fwd, XLB_FWD_NAT, "forwarding nat");
	ASSERT_EQ(c.services[0].backends[0].port, 8080, "backend port");
	ASSERT_EQ(c.services[0].backends[1].port, 0, "default: vip's port");
	ASSERT_EQ(c.services[1].backends[0].port, 8443, "IPv6 backend port");
	/* NAT flows are counted: least-connections is accepted with nat */
	ASSERT_EQ(c.services[1].fwd, XLB_FWD_NAT, "web6: forwarding nat");
	ASSERT_EQ(c.services[1].sched, XLB_SCHED_LEAST_CONN,
		  "web6: least-connections with nat");

	f = open_memstream(&buf, &len);
	if (!ASSERT_TRUE(f, "open_memstream"))
		goto out;
	ASSERT_OK(xlb_config_dump(&c, f), "dump");
	fclose(f);
	if (ASSERT_OK(xlb_config_load_str(NAME, buf, &d, &e), "dump loads")) {
		ASSERT_TRUE(xlb_config_globals_equal(&c, &d), "same globals");
		for (int i = 0; i < 2; i++)
			ASSERT_TRUE(xlb_service_conf_equal(&c.services[i],
							   &d.services[i]),
				    "same service");
		xlb_config_free(&d);
	} else {
		fprintf(stderr, "%s", buf);
		xlb_config_errors_print(&e, stderr);
	}
	/* a changed pool is a change a reload applies */
	d = c;
	d.snat.port_max--;
	ASSERT_TRUE(!xlb_config_globals_equal(&c, &d), "snat is a global");
out:
	free(buf);
	xlb_config_free(&c);
out_e:
	xlb_config_errors_free(&e);
}

TEST(config_nat_defaults)
{
	struct xlb_config c;

	if (!ASSERT_OK(
		    xlb_config_load_str(
			    NAME,
			    "interface: e\nsnat: { addresses: [10.1.0.1] }\n",
			    &c, NULL),
		    "load"))
		return;
	ASSERT_EQ(c.snat.port_min, 1024, "ports from 1024");
	ASSERT_EQ(c.snat.port_max, 65535, "to 65535");
	ASSERT_EQ(c.snat.tcp_syn_ms, 30000, "tcp_syn_timeout 30s");
	ASSERT_EQ(c.snat.tcp_est_ms, 7440000, "tcp_established 2h4m");
	ASSERT_EQ(c.snat.tcp_close_ms, 10000, "tcp_closing 10s");
	ASSERT_EQ(c.snat.udp_ms, 300000, "udp 5m");
	xlb_config_free(&c);
	if (ASSERT_OK(xlb_config_load_str(NAME,
					  "interface: e\nsnat:\n"
					  "  addresses: [10.1.0.1]\n"
					  "  ports: 5000\n",
					  &c, NULL),
		      "one port")) {
		ASSERT_EQ(c.snat.port_min, 5000, "one port: min");
		ASSERT_EQ(c.snat.port_max, 5000, "one port: max");
		xlb_config_free(&c);
	}
}

TEST(config_nat_errors)
{
	static const char svc[] = "services:\n  - name: a\n"
				  "    vip: 1.1.1.1\n    port: 80\n";
	static const struct {
		const char *yaml; /* %s: the service above (lines 3..6) */
		int line;
		const char *msg;
	} bad[] = {
		{ "interface: e\n#\n%s    forwarding: nat\n", 4,
		  "service 'a' has forwarding: nat but snat has no IPv4 address" },
		{ "interface: e\nsnat: { addresses: [\"2001:db8::1\"] }\n%s    forwarding: nat\n",
		  4, "snat has no IPv4 address" },
		{ "interface: e\n#\n%s    backends: [{ address: 1.1.1.2, port: 8080 }]\n",
		  7, "backend 'port' needs forwarding: nat" },
		{ "interface: e\nsnat: { addresses: [1.2.3.4] }\n%s    forwarding: nat\n    backends: [{ address: 1.1.1.2, port: 0 }]\n",
		  8, "'port' 0 is out of range 1..65535" },
		{ "interface: e\nsnat: { ports: 1-2 }\n%s", 2,
		  "snat is missing required key 'addresses'" },
		{ "interface: e\nsnat: { addresses: [] }\n%s", 2,
		  "'addresses' must not be empty" },
		{ "interface: e\nsnat: { addresses: 1.2.3.4 }\n%s", 2,
		  "'addresses' must be a list" },
		{ "interface: e\nsnat:\n  addresses:\n  - 1.2.3.4\n  - 1.2.3.4\n%s",
		  5, "'addresses': 1.2.3.4 is listed twice" },
		{ "interface: e\nsnat: { addresses: [1.2.3.4], ports: 2000-1000 }\n%s",
		  2, "'ports': '2000-1000' is not LOW-HIGH" },
		{ "interface: e\nsnat: { addresses: [1.2.3.4], ports: 0-10 }\n%s",
		  2, "'ports': '0-10' is not LOW-HIGH" },
		{ "interface: e\nsnat: { addresses: [1.2.3.4], ports: 1-65536 }\n%s",
		  2, "'ports': '1-65536' is not LOW-HIGH" },
		{ "interface: e\nsnat: { addresses: [1.2.3.4], ports: 10- }\n%s",
		  2, "'ports': '10-' is not LOW-HIGH" },
		{ "interface: e\nsnat: { addresses: [1.2.3.4], udp_timeout: 25h }\n%s",
		  2, "'udp_timeout' must be at most 24h" },
		{ "interface: e\nsnat: { addresses: [1.2.3.4], tcp_syn_timeout: 0s }\n%s",
		  2, "'tcp_syn_timeout'" },
		{ "interface: e\nsnat: { addresses: [1.2.3.4], timeout: 1s }\n%s",
		  2, "unknown key 'timeout'" },
	};
	struct xlb_config_errors e = {};
	struct xlb_config c;
	char yaml[1024];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(yaml, sizeof(yaml), bad[i].yaml, svc);
		xlb_config_errors_free(&e);
		ASSERT_EQ(xlb_config_load_str(NAME, yaml, &c, &e), -EINVAL,
			  bad[i].msg);
		ASSERT_TRUE(config_errs_has(&e, NAME, bad[i].line, bad[i].msg),
			    bad[i].msg);
	}
	xlb_config_errors_free(&e);
}
