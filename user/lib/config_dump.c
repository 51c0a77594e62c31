// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * struct xlb_config -> YAML that config_load.c reads back to an equal config.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/* Next code point of UTF-8 @s, or -1 if the encoding is invalid. */
static long utf8_next(const unsigned char *s, size_t len, size_t *n)
{
	static const long min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	long cp;
	size_t k;

	if (s[0] < 0x80) {
		*n = 1;
		return s[0];
	}
	if (s[0] >= 0xc0 && s[0] < 0xe0) {
		k = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] < 0xf0) {
		k = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] < 0xf8) {
		k = 4;
		cp = s[0] & 0x07;
	} else {
		return -1;
	}
	if (k > len)
		return -1;
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min[k] || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000))
		return -1;
	*n = k;
	return cp;
}

static bool str_dumpable(const char *s, size_t len)
{
	size_t n;

	for (size_t i = 0; i < len; i += n)
		if (utf8_next((const unsigned char *)s + i, len - i, &n) < 0)
			return false;
	return true;
}

static bool plain_ok(const char *s, size_t len)
{
	static const char first[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789_/";

	if (!len || strnlen(s, len) != len || xlb_value_is_null(s) ||
	    !strchr(first, s[0]))
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789_./-") == len;
}

/*
 * Plain when that cannot be misread, else double-quoted with everything
 * outside printable ASCII escaped: libyaml refuses some code points raw
 * (C1 controls), and an ASCII file is safe in any editor.
 */
static void put_str(FILE *f, const char *s, size_t len)
{
	size_t n;

	if (plain_ok(s, len)) {
		fwrite(s, 1, len, f);
		return;
	}
	fputc('"', f);
	for (size_t i = 0; i < len; i += n) {
		long cp = utf8_next((const unsigned char *)s + i, len - i, &n);

		if (cp == '"' || cp == '\\')
			fprintf(f, "\\%c", (int)cp);
		else if (cp >= 0x20 && cp < 0x7f)
			fputc((int)cp, f);
		else if (cp < 0x100)
			fprintf(f, "\\x%02lx", cp);
		else if (cp < 0x10000)
			fprintf(f, "\\u%04lx", cp);
		else
			fprintf(f, "\\U%08lx", cp);
	}
	fputc('"', f);
}

static bool addr_is_zero(const union xlb_addr *a)
{
	return !(a->v6[0] | a->v6[1] | a->v6[2] | a->v6[3]);
}

static void put_addr(FILE *f, const union xlb_addr *a, __u8 family)
{
	char buf[XLB_ADDR_STRLEN];

	xlb_format_addr(a, family, buf, sizeof(buf));
	/* "::1" would start a mapping key in flow context. */
	fprintf(f, family == XLB_FAMILY_V6 ? "\"%s\"" : "%s", buf);
}

/* Keys of @hc to write: given, or different from what @base supplies. */
static unsigned int hc_dump_mask(const struct xlb_hc_conf *hc,
				 const struct xlb_hc_conf *base)
{
	unsigned int m = hc->set_mask | xlb_hc_conf_diff(hc, base);

	/* Keys the type does not use would be rejected on load. */
	m &= xlb_hc_type_keys(hc->type);
	if (!hc->port)
		m &= ~XLB_HC_SET_PORT;
	return m;
}

static void put_key_str(FILE *f, int ind, const char *key, const char *s,
			size_t len)
{
	fprintf(f, "%*s%s: ", ind, "", key);
	put_str(f, s, len);
	fputc('\n', f);
}

/* A health_check mapping at indent @ind, if it has anything to say. */
static void put_hc(FILE *f, int ind, const struct xlb_hc_conf *hc,
		   const struct xlb_hc_conf *base)
{
	unsigned int m = hc_dump_mask(hc, base);
	char buf[32];

	if (!m)
		return;
	fprintf(f, "%*shealth_check:\n", ind, "");
	ind += 2;
	if (m & XLB_HC_SET_TYPE)
		fprintf(f, "%*stype: %s\n", ind, "",
			xlb_hc_type_names[hc->type]);
	if (m & XLB_HC_SET_PORT)
		fprintf(f, "%*sport: %u\n", ind, "", hc->port);
	if (m & XLB_HC_SET_INTERVAL) {
		xlb_format_duration_ms(hc->interval_ms, buf, sizeof(buf));
		fprintf(f, "%*sinterval: %s\n", ind, "", buf);
	}
	if (m & XLB_HC_SET_TIMEOUT) {
		xlb_format_duration_ms(hc->timeout_ms, buf, sizeof(buf));
		fprintf(f, "%*stimeout: %s\n", ind, "", buf);
	}
	if (m & XLB_HC_SET_RISE)
		fprintf(f, "%*srise: %u\n", ind, "", hc->rise);
	if (m & XLB_HC_SET_FALL)
		fprintf(f, "%*sfall: %u\n", ind, "", hc->fall);
	if (m & XLB_HC_SET_PATH)
		put_key_str(f, ind, "path", hc->path, strlen(hc->path));
	if (m & XLB_HC_SET_HOST)
		put_key_str(f, ind, "host", hc->host, strlen(hc->host));
	if (m & XLB_HC_SET_STATUS) {
		fprintf(f, "%*sexpect_status: [", ind, "");
		for (int i = 0; i < hc->n_status; i++) {
			fprintf(f, i ? ", %u" : "%u", hc->status_lo[i]);
			if (hc->status_hi[i] != hc->status_lo[i])
				fprintf(f, "-%u", hc->status_hi[i]);
		}
		fprintf(f, "]\n");
	}
	if (m & XLB_HC_SET_BODY)
		put_key_str(f, ind, "expect_body", hc->expect_body,
			    strlen(hc->expect_body));
	if (m & XLB_HC_SET_PAYLOAD)
		put_key_str(f, ind, "payload", hc->payload, hc->payload_len);
	if (m & XLB_HC_SET_EXPECT)
		put_key_str(f, ind, "expect", hc->expect, strlen(hc->expect));
	if (m & XLB_HC_SET_VIA_TUNNEL)
		fprintf(f, "%*svia_tunnel: %s\n", ind, "",
			xlb_bool_names[hc->via_tunnel]);
}

static bool hc_dumpable(const struct xlb_hc_conf *hc)
{
	return hc->type >= XLB_HC_NONE && hc->type < XLB_HC_MAX &&
	       hc->n_status >= 0 && hc->n_status <= XLB_HC_MAX_STATUS &&
	       hc->payload_len < sizeof(hc->payload) &&
	       str_dumpable(hc->path, strlen(hc->path)) &&
	       str_dumpable(hc->host, strlen(hc->host)) &&
	       str_dumpable(hc->expect_body, strlen(hc->expect_body)) &&
	       str_dumpable(hc->payload, hc->payload_len) &&
	       str_dumpable(hc->expect, strlen(hc->expect));
}

static bool family_ok(__u8 family)
{
	return family == XLB_FAMILY_V4 || family == XLB_FAMILY_V6;
}

/* Refuse up front rather than leave half a file behind. */
static bool config_dumpable(const struct xlb_config *c)
{
	for (size_t i = 0; i < c->n_services; i++) {
		const struct xlb_service_conf *s = &c->services[i];

		if (!family_ok(s->family) || s->sched >= XLB_SCHED_MAX ||
		    s->fwd >= XLB_FWD_MAX ||
		    !strcmp(xlb_proto_name(s->proto), "?") ||
		    !hc_dumpable(&s->hc) ||
		    !str_dumpable(s->name, strlen(s->name)))
			return false;
		for (size_t j = 0; j < s->n_backends; j++)
			if (!family_ok(s->backends[j].family) ||
			    !hc_dumpable(&s->backends[j].hc))
				return false;
	}
	for (size_t i = 0; i < c->n_reply_ifs; i++)
		if (!str_dumpable(c->reply_ifs[i], strlen(c->reply_ifs[i])))
			return false;
	return str_dumpable(c->interface, strlen(c->interface)) &&
	       str_dumpable(c->control_socket, strlen(c->control_socket)) &&
	       str_dumpable(c->pin_dir, strlen(c->pin_dir)) &&
	       str_dumpable(c->metrics_listen, strlen(c->metrics_listen)) &&
	       str_dumpable(c->sync.key_file, strlen(c->sync.key_file));
}

/* The key stays in its file: the dump names the file. */
static void put_sync(FILE *f, const struct xlb_sync_conf *c)
{
	char buf[32];

	if (!c->on)
		return;
	fprintf(f, "flow_sync:\n  address: \"%s\"\n  peers:\n", c->address);
	for (size_t i = 0; i < c->n_peers; i++)
		fprintf(f, "    - \"%s\"\n", c->peers[i]);
	put_key_str(f, 2, "key_file", c->key_file, strlen(c->key_file));
	if (c->max_rate != XLB_SYNC_MAX_RATE)
		fprintf(f, "  max_rate: %u\n", c->max_rate);
	if (c->batch_ms != XLB_SYNC_BATCH_MS) {
		xlb_format_duration_ms(c->batch_ms, buf, sizeof(buf));
		fprintf(f, "  batch_delay: %s\n", buf);
	}
}

static void put_snat(FILE *f, const struct xlb_snat_conf *c)
{
	struct xlb_config def;
	const __u32 *now[] = { &c->tcp_syn_ms, &c->tcp_est_ms, &c->tcp_close_ms,
			       &c->udp_ms };
	const __u32 *was[] = { &def.snat.tcp_syn_ms, &def.snat.tcp_est_ms,
			       &def.snat.tcp_close_ms, &def.snat.udp_ms };
	static const char *const key[] = {
		"tcp_syn_timeout",
		"tcp_established_timeout",
		"tcp_closing_timeout",
		"udp_timeout",
	};
	char buf[32];

	if (!c->n_addrs)
		return;
	xlb_config_init(&def);
	fprintf(f, "snat:\n  addresses:\n");
	for (size_t i = 0; i < c->n_addrs; i++) {
		fprintf(f, "    - ");
		put_addr(f, &c->addrs[i], c->families[i]);
		fprintf(f, "\n");
	}
	if (c->port_min != def.snat.port_min ||
	    c->port_max != def.snat.port_max)
		fprintf(f, "  ports: %u-%u\n", c->port_min, c->port_max);
	for (int i = 0; i < 4; i++) {
		if (*now[i] == *was[i])
			continue;
		xlb_format_duration_ms(*now[i], buf, sizeof(buf));
		fprintf(f, "  %s: %s\n", key[i], buf);
	}
}

static void put_service(FILE *f, const struct xlb_service_conf *s)
{
	struct xlb_hc_conf base;
	char buf[32];

	fprintf(f, "  - name: ");
	put_str(f, s->name, strlen(s->name));
	fprintf(f, "\n    vip: ");
	put_addr(f, &s->vip, s->family);
	fprintf(f, "\n    port: %u\n", s->port);
	fprintf(f, "    protocol: %s\n", xlb_proto_name(s->proto));
	fprintf(f, "    scheduler: %s\n", xlb_sched_names[s->sched]);
	if (s->fwd != XLB_FWD_L2)
		fprintf(f, "    forwarding: %s\n", xlb_fwd_names[s->fwd]);
	if (s->table_size != XLB_DEFAULT_TABLE_SIZE)
		fprintf(f, "    table_size: %u\n", s->table_size);
	if (s->keep_last)
		fprintf(f, "    on_all_down: keep_last\n");
	if (s->slow_start_ms) {
		xlb_format_duration_ms(s->slow_start_ms, buf, sizeof(buf));
		fprintf(f, "    slow_start: %s\n", buf);
	}
	if (!s->announce)
		fprintf(f, "    announce: false\n");
	if (s->min_up_backends != XLB_CONFIG_MIN_UP)
		fprintf(f, "    min_up_backends: %u\n", s->min_up_backends);
	if (s->flow_sync)
		fprintf(f, "    flow_sync: true\n");
	xlb_hc_conf_init(&base, s->port);
	put_hc(f, 4, &s->hc, &base);

	if (!s->n_backends) {
		fprintf(f, "    backends: []\n");
		return;
	}
	fprintf(f, "    backends:\n");
	for (size_t j = 0; j < s->n_backends; j++) {
		const struct xlb_backend_conf *b = &s->backends[j];

		if (!hc_dump_mask(&b->hc, &s->hc)) {
			fprintf(f, "      - { address: ");
			put_addr(f, &b->addr, b->family);
			fprintf(f, ", weight: %u", b->weight);
			if (b->port)
				fprintf(f, ", port: %u", b->port);
			fprintf(f, " }\n");
			continue;
		}
		fprintf(f, "      - address: ");
		put_addr(f, &b->addr, b->family);
		fprintf(f, "\n        weight: %u\n", b->weight);
		if (b->port)
			fprintf(f, "        port: %u\n", b->port);
		put_hc(f, 8, &b->hc, &s->hc);
	}
}

/*
 * The node's own keys (config.h). config_source and etcd are not written:
 * a dump is the config as one file (xlbctl config).
 */
static void dump_node(const struct xlb_config *c, FILE *f)
{
	put_key_str(f, 0, "interface", c->interface, strlen(c->interface));
	if (c->n_reply_ifs) {
		fprintf(f, "reply_interfaces:\n");
		for (size_t i = 0; i < c->n_reply_ifs; i++) {
			fprintf(f, "  - ");
			put_str(f, c->reply_ifs[i], strlen(c->reply_ifs[i]));
			fputc('\n', f);
		}
	}
	if (c->xdp_generic)
		fprintf(f, "xdp_mode: generic\n");
	if (strcmp(c->control_socket, XLB_CONFIG_CONTROL_SOCKET))
		put_key_str(f, 0, "control_socket", c->control_socket,
			    strlen(c->control_socket));
	if (strcmp(c->pin_dir, XLB_CONFIG_PIN_DIR))
		put_key_str(f, 0, "pin_dir", c->pin_dir, strlen(c->pin_dir));
	if (c->metrics_listen[0])
		put_key_str(f, 0, "metrics_listen", c->metrics_listen,
			    strlen(c->metrics_listen));
	if (c->announce_table)
		fprintf(f, "announce_table: %u\n", c->announce_table);
	put_sync(f, &c->sync);
	put_snat(f, &c->snat);
	if (c->encap.src4.v4 || !addr_is_zero(&c->encap.src6)) {
		const char *sep = "";

		fprintf(f, "encap_source: { ");
		if (c->encap.src4.v4) {
			fprintf(f, "ipv4: ");
			put_addr(f, &c->encap.src4, XLB_FAMILY_V4);
			sep = ", ";
		}
		if (!addr_is_zero(&c->encap.src6)) {
			fprintf(f, "%sipv6: ", sep);
			put_addr(f, &c->encap.src6, XLB_FAMILY_V6);
		}
		fprintf(f, " }\n");
	}
}

/* The cluster's keys: hash seed, flow settings, services. */
static void dump_shared(const struct xlb_config *c, FILE *f)
{
	struct xlb_config def;
	const __u32 *now[] = {
		&c->flows.tcp_timeout_ms,
		&c->flows.udp_timeout_ms,
		&c->flows.closed_timeout_ms,
		&c->flows.scan_interval_ms,
	}, *was[] = {
		&def.flows.tcp_timeout_ms,
		&def.flows.udp_timeout_ms,
		&def.flows.closed_timeout_ms,
		&def.flows.scan_interval_ms,
	};
	static const char *const key[] = {
		"flow_timeout_tcp",
		"flow_timeout_udp",
		"flow_timeout_closed",
		"flow_scan_interval",
	};
	char buf[32];

	if (c->hash_seed)
		fprintf(f, "hash_seed: 0x%08x\n", c->hash_seed);
	if (c->encap.gue_port != XLB_GUE_PORT_DEFAULT)
		fprintf(f, "gue_port: %u\n", c->encap.gue_port);
	if (c->flows.new_flow_limit)
		fprintf(f, "new_flow_rate_limit: %u\n",
			c->flows.new_flow_limit);
	xlb_config_init(&def);
	for (int i = 0; i < 4; i++) {
		if (*now[i] == *was[i])
			continue;
		xlb_format_duration_ms(*now[i], buf, sizeof(buf));
		fprintf(f, "%s: %s\n", key[i], buf);
	}
	if (!c->n_services)
		fprintf(f, "services: []\n");
	else
		fprintf(f, "services:\n");
	for (size_t i = 0; i < c->n_services; i++)
		put_service(f, &c->services[i]);
}

static int dump(const struct xlb_config *c, FILE *f, bool node)
{
	if (!config_dumpable(c))
		return -EINVAL;
	if (node)
		dump_node(c, f);
	dump_shared(c, f);
	if (fflush(f) || ferror(f))
		return -EIO;
	return 0;
}

int xlb_config_dump(const struct xlb_config *c, FILE *f)
{
	return dump(c, f, true);
}

int xlb_config_dump_shared(const struct xlb_config *c, FILE *f)
{
	return dump(c, f, false);
}

int xlb_config_dump_str(const struct xlb_config *c, bool shared, char **buf,
			size_t *len)
{
	FILE *f;
	int err;

	*buf = NULL;
	*len = 0;
	f = open_memstream(buf, len);
	if (!f)
		return -ENOMEM;
	err = dump(c, f, !shared);
	if (fclose(f) && !err)
		err = -ENOMEM;
	if (err) {
		free(*buf);
		*buf = NULL;
	}
	return err;
}
