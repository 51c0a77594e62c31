// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The flow_sync mapping of the config file: this node's sync address, its
 * peers, the shared key (read from key_file here, so a refusal names the
 * line) and the rate and batching bounds.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <yaml.h>

#include "config_parse.h"
#include "value.h"

/* X(INDEX, "key"): f[INDEX] in xlb_config_parse_sync() */
#define SYNC_KEYS(X)              \
	X(Y_ADDRESS, "address")   \
	X(Y_PEERS, "peers")       \
	X(Y_KEY_FILE, "key_file") \
	X(Y_MAX_RATE, "max_rate") \
	X(Y_BATCH, "batch_delay")

YR_KEYS_EXPORT(SYNC_KEYS, Y_N, sync_keys, xlb_config_sync_keys);

static bool get_endpoint(struct yr_ctx *x, const struct yr_field *f,
			 const char *key, char *buf)
{
	union xlb_addr a;
	__u16 port;
	__u8 fam;

	if (!yr_get_str(x, f, key, buf, XLB_SYNC_ADDR_LEN))
		return false;
	if (!xlb_parse_addr_port(buf, &a, &fam, &port))
		return true;
	yr_err(x, yr_node_line(f->val),
	       "'%s': '%s' is not ADDR:PORT with a numeric address and port 1..65535 (e.g. 192.0.2.1:7800, [2001:db8::1]:7800)",
	       key, buf);
	buf[0] = '\0';
	return false;
}

/* Same address and port, however written. */
static bool endpoint_eq(const char *a, const char *b)
{
	union xlb_addr x, y;
	__u16 px, py;
	__u8 fx, fy;

	if (xlb_parse_addr_port(a, &x, &fx, &px) ||
	    xlb_parse_addr_port(b, &y, &fy, &py))
		return false;
	return fx == fy && px == py && !memcmp(&x, &y, sizeof(x));
}

static void get_peers(struct yr_ctx *x, const struct yr_field *f,
		      struct xlb_sync_conf *c)
{
	yaml_node_t *n = f->val;
	yaml_node_item_t *it;

	if (n->type != YAML_SEQUENCE_NODE) {
		yr_err(x, yr_node_line(n),
		       "'peers' must be a list of ADDR:PORT, not %s",
		       yr_kind(n));
		return;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		struct yr_field item = { .val = yr_node(x, *it) };
		char *p = c->peers[c->n_peers];

		item.line = yr_node_line(item.val);
		if (c->n_peers == XLB_SYNC_MAX_PEERS) {
			yr_err(x, item.line, "too many peers (at most %d)",
			       XLB_SYNC_MAX_PEERS);
			return;
		}
		if (!get_endpoint(x, &item, "peers", p))
			continue;
		for (size_t i = 0; i < c->n_peers; i++) {
			if (endpoint_eq(p, c->peers[i])) {
				yr_err(x, item.line,
				       "'peers': %s is listed twice", p);
				p = NULL;
				break;
			}
		}
		if (p && c->address[0] && endpoint_eq(p, c->address)) {
			yr_err(x, item.line,
			       "'peers': %s is this node's own address", p);
			p = NULL;
		}
		if (p)
			c->n_peers++;
	}
	if (!c->n_peers &&
	    n->data.sequence.items.top == n->data.sequence.items.start)
		yr_err(x, yr_node_line(n), "'peers' must not be empty");
}

static void read_key(struct yr_ctx *x, int line, struct xlb_sync_conf *c)
{
	__u8 buf[XLB_SYNC_KEY_MAX + 1];
	size_t n;
	FILE *f;

	f = fopen(c->key_file, "re");
	if (!f) {
		yr_err(x, line, "'key_file': cannot open %s: %s", c->key_file,
		       strerror(errno));
		return;
	}
	n = fread(buf, 1, sizeof(buf), f);
	if (ferror(f)) {
		yr_err(x, line, "'key_file': cannot read %s: %s", c->key_file,
		       strerror(errno ? errno : EIO));
		fclose(f);
		return;
	}
	fclose(f);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	if (n < XLB_SYNC_KEY_MIN || n > XLB_SYNC_KEY_MAX) {
		yr_err(x, line,
		       "'key_file': %s holds %s%zu bytes; the key must be %d..%d (e.g. head -c 32 /dev/urandom | base64 >FILE)",
		       c->key_file, n > XLB_SYNC_KEY_MAX ? "more than " : "",
		       n > XLB_SYNC_KEY_MAX ? (size_t)XLB_SYNC_KEY_MAX : n,
		       XLB_SYNC_KEY_MIN, XLB_SYNC_KEY_MAX);
		return;
	}
	memcpy(c->key, buf, n);
	c->key_len = n;
}

void xlb_config_parse_sync(struct yr_ctx *x, yaml_node_t *n,
			   struct xlb_sync_conf *c)
{
	struct yr_field f[Y_N];
	static const char *const req[] = { "address", "peers", "key_file" };

	c->on = true;
	if (!yr_collect(x, n, "flow_sync", sync_keys, Y_N, f))
		return;
	for (int i = Y_ADDRESS; i <= Y_KEY_FILE; i++)
		if (!f[i].val)
			yr_missing(x, n, &f[i], req[i], "flow_sync");
	if (f[Y_ADDRESS].val)
		get_endpoint(x, &f[Y_ADDRESS], "address", c->address);
	if (f[Y_PEERS].val)
		get_peers(x, &f[Y_PEERS], c);
	if (f[Y_KEY_FILE].val && yr_get_str(x, &f[Y_KEY_FILE], "key_file",
					    c->key_file, sizeof(c->key_file))) {
		if (!c->key_file[0])
			yr_err(x, yr_node_line(f[Y_KEY_FILE].val),
			       "'key_file' must not be empty");
		else
			read_key(x, yr_node_line(f[Y_KEY_FILE].val), c);
	}
	if (f[Y_MAX_RATE].val)
		yr_get_u32(x, &f[Y_MAX_RATE], "max_rate", 1, 10000000,
			   &c->max_rate);
	if (f[Y_BATCH].val &&
	    yr_get_duration(x, &f[Y_BATCH], "batch_delay", true,
			    &c->batch_ms) &&
	    c->batch_ms > 1000) {
		yr_err(x, yr_node_line(f[Y_BATCH].val),
		       "'batch_delay' must be at most 1s");
	}
}
