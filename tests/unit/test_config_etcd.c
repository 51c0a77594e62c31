// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * config_source: etcd: the bootstrap file (the node's own keys and etcd:)
 * and the cluster's document (xlb_config_load_shared), each refusing the
 * other's keys with FILE:LINE; the merge of the two; the shared dump
 * loading back to the same services.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "test.h"

static const char boot[] =
	"interface: eth1\n"
	"control_socket: /run/n1.sock\n"
	"announce_table: 100\n"
	"config_source: etcd\n"
	"etcd:\n"
	"  endpoints: [http://10.0.0.1:2379, https://e2:2379]\n"
	"  name: n1\n";

static const char doc[] = "hash_seed: 0x10\n"
			  "flow_timeout_tcp: 1m\n"
			  "services:\n"
			  "  - name: web\n"
			  "    vip: 198.19.0.1\n"
			  "    port: 80\n"
			  "    backends:\n"
			  "      - { address: 10.0.0.11, weight: 5 }\n";

/* Load, expecting exactly the messages in msgs (NULL-terminated). */
static void errors(const char *what, const char *yaml, bool shared,
		   const char *const *msgs)
{
	struct xlb_config_errors e = {};
	struct xlb_config node, c;
	size_t n = 0;

	if (shared) {
		if (!ASSERT_EQ(xlb_config_load_str("b", boot, &node, NULL), 0,
			       "bootstrap"))
			return;
		ASSERT_EQ(xlb_config_load_shared("etcd:/xlb/config", yaml,
						 strlen(yaml), &node, &c, &e),
			  -EINVAL, what);
		xlb_config_free(&node);
	} else {
		ASSERT_EQ(xlb_config_load_str("b.yaml", yaml, &c, &e), -EINVAL,
			  what);
	}
	while (msgs[n])
		n++;
	if (ASSERT_EQ(e.n, n, what)) {
		for (size_t i = 0; i < n; i++)
			ASSERT_STREQ(e.v[i].msg, msgs[i], what);
	} else {
		xlb_config_errors_print(&e, stderr);
	}
	xlb_config_errors_free(&e);
}

TEST(config_etcd_bootstrap)
{
	struct xlb_config c;

	if (!ASSERT_EQ(xlb_config_load_str("b", boot, &c, NULL), 0, "load"))
		return;
	ASSERT_EQ(c.source, XLB_CONFIG_SOURCE_ETCD, "source");
	ASSERT_EQ(c.etcd.n_endpoints, 2, "endpoints");
	ASSERT_STREQ(c.etcd.endpoints[1], "https://e2:2379", "second");
	ASSERT_STREQ(c.etcd.prefix, "/xlb", "default prefix");
	ASSERT_STREQ(c.etcd.name, "n1", "name");
	ASSERT_EQ(c.n_services, 0, "no services");
	xlb_config_free(&c);
}

TEST(config_etcd_bootstrap_refuses)
{
	errors("services in the bootstrap",
	       "interface: eth0\nconfig_source: etcd\n"
	       "etcd: { endpoints: http://e:2379, prefix: /c }\n"
	       "hash_seed: 1\nservices: []\n",
	       false,
	       (const char *const[]){
		       "b.yaml:4: 'hash_seed' comes from etcd (config_source: etcd): put it in /c/config, not here",
		       "b.yaml:5: 'services' comes from etcd (config_source: etcd): put it in /c/config, not here",
		       NULL });
	errors("etcd without config_source",
	       "interface: eth0\netcd: { endpoints: http://e:2379 }\n", false,
	       (const char *const[]){
		       "b.yaml:2: 'etcd' needs config_source: etcd", NULL });
	errors("no etcd mapping", "interface: eth0\nconfig_source: etcd\n",
	       false,
	       (const char *const[]){
		       "b.yaml:1: the top level is missing required key 'etcd'",
		       NULL });
	errors("bad etcd values",
	       "interface: eth0\nconfig_source: etcd\netcd:\n"
	       "  endpoints: [ftp://x]\n  prefix: /a/\n  name: 'a b'\n"
	       "  cert_file: /c.pem\n",
	       false,
	       (const char *const[]){
		       "b.yaml:4: 'endpoints': 'ftp://x' is not an http:// or https:// URL",
		       "b.yaml:5: 'prefix': '/a/' must start with '/' and not end with one (e.g. /xlb)",
		       "b.yaml:6: 'name': 'a b' must be 1..63 characters of [A-Za-z0-9_.-]",
		       "b.yaml:7: 'cert_file' and 'key_file' go together: give both or neither",
		       NULL });
}

TEST(config_etcd_document)
{
	struct xlb_config node, c;
	struct xlb_config_errors e = {};

	if (!ASSERT_EQ(xlb_config_load_str("b", boot, &node, NULL), 0,
		       "bootstrap"))
		return;
	if (!ASSERT_EQ(xlb_config_load_shared("etcd:/xlb/config", doc,
					      strlen(doc), &node, &c, &e),
		       0, "document")) {
		xlb_config_errors_print(&e, stderr);
		goto out;
	}
	/* the node's keys from the bootstrap, the cluster's from etcd */
	ASSERT_STREQ(c.interface, "eth1", "interface");
	ASSERT_STREQ(c.control_socket, "/run/n1.sock", "control socket");
	ASSERT_EQ(c.announce_table, 100, "announce_table");
	ASSERT_EQ(c.source, XLB_CONFIG_SOURCE_ETCD, "source");
	ASSERT_STREQ(c.etcd.name, "n1", "etcd settings");
	ASSERT_EQ(c.hash_seed, 0x10, "hash_seed");
	ASSERT_EQ(c.flows.tcp_timeout_ms, 60000, "flow timeout");
	ASSERT_EQ(c.n_services, 1, "services");
	ASSERT_EQ(c.services[0].backends[0].weight, 5, "weight");
	xlb_config_free(&c);
	/* an empty document: no services */
	if (ASSERT_EQ(xlb_config_load_shared("etcd:/xlb/config", "", 0, &node,
					     &c, NULL),
		      0, "empty document")) {
		ASSERT_EQ(c.n_services, 0, "none");
		ASSERT_STREQ(c.interface, "eth1", "the node's keys still");
		xlb_config_free(&c);
	}
out:
	xlb_config_errors_free(&e);
	xlb_config_free(&node);
}

TEST(config_etcd_document_refuses)
{
	errors("node keys in etcd",
	       "interface: eth0\nhash_seed: 1\nmetrics_listen: 1.2.3.4:9\n"
	       "services:\n  - { name: a, vip: 1.2.3.4, port: 0 }\n",
	       true,
	       (const char *const[]){
		       "etcd:/xlb/config:1: 'interface' is this node's own: it goes in the node's bootstrap file, not in etcd",
		       "etcd:/xlb/config:3: 'metrics_listen' is this node's own: it goes in the node's bootstrap file, not in etcd",
		       "etcd:/xlb/config:5: 'port' 0 is out of range 1..65535",
		       NULL });
	errors("config_source in etcd", "config_source: file\n", true,
	       (const char *const[]){
		       "etcd:/xlb/config:1: 'config_source' is this node's own: it goes in the node's bootstrap file, not in etcd",
		       NULL });
}

TEST(config_etcd_dump_shared_round_trip)
{
	struct xlb_config node, c, back;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	if (!ASSERT_EQ(xlb_config_load_str("b", boot, &node, NULL), 0,
		       "bootstrap") ||
	    !ASSERT_EQ(xlb_config_load_shared("d", doc, strlen(doc), &node, &c,
					      NULL),
		       0, "document"))
		return;
	f = open_memstream(&buf, &len);
	if (!ASSERT_TRUE(f, "memstream"))
		return;
	ASSERT_EQ(xlb_config_dump_shared(&c, f), 0, "dump");
	fclose(f);
	ASSERT_TRUE(!strstr(buf, "interface") && !strstr(buf, "announce_table"),
		    "no node key in the shared dump");
	if (ASSERT_EQ(xlb_config_load_shared("d", buf, len, &node, &back, NULL),
		      0, "loads back")) {
		ASSERT_TRUE(xlb_config_globals_equal(&c, &back), "globals");
		ASSERT_TRUE(xlb_service_conf_equal(&c.services[0],
						   &back.services[0]),
			    "the service");
		xlb_config_free(&back);
	}
	free(buf);
	xlb_config_free(&c);
	xlb_config_free(&node);
}
