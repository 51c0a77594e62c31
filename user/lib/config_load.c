// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * YAML -> struct xlb_config with every problem reported as FILE:LINE: reason.
 * The schema is documented in config.h.
 *
 * The file is loaded as a libyaml node tree (so every value keeps its line)
 * and then walked once. Each level collects its keys into a table first,
 * which catches unknown and duplicate keys and lets values be parsed in the
 * order their dependencies need, not the order they were written in.
 * This file reads the top level (and its etcd and encap_source mappings);
 * the services list is config_service.c's, the other mappings' files are
 * named in config_parse.h.
 */
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>
#include <linux/rtnetlink.h>

#include "config.h"
#include "config_parse.h"
#include "yaml_bounds.h"
#include "yaml_read.h"
#include "xlb_util.h"

static const char *const xdp_mode_names[] = { "native", "generic" };

/* As the kernel's dev_valid_name(). */
static bool ifname_ok(const char *s)
{
	if (!*s || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || (unsigned char)*s <= ' ')
			return false;
	return true;
}

/*
 * reply_interfaces: further interfaces the program is attached to, each a
 * valid name, once, not the interface itself.
 */
static void get_reply_ifs(struct yr_ctx *x, const struct yr_field *f,
			  struct xlb_config *c)
{
	long n = yr_list_len(x, f->val, "reply_interfaces");

	if (n > XLB_CONFIG_MAX_REPLY_IFS) {
		yr_err(x, yr_node_line(f->val),
		       "'reply_interfaces': %ld interfaces, at most %d", n,
		       XLB_CONFIG_MAX_REPLY_IFS);
		return;
	}
	for (long i = 0; i < n; i++) {
		struct yr_field item = { .val = yr_list_item(x, f->val, i) };
		char *name = c->reply_ifs[c->n_reply_ifs];
		bool dup;

		item.line = yr_node_line(item.val);
		if (!yr_get_str(x, &item, "reply_interfaces", name, IFNAMSIZ))
			continue;
		if (!ifname_ok(name)) {
			yr_err(x, item.line,
			       "'reply_interfaces': '%s' is not a valid interface name",
			       name);
			continue;
		}
		dup = !strcmp(name, c->interface);
		for (size_t j = 0; j < c->n_reply_ifs; j++)
			dup |= !strcmp(name, c->reply_ifs[j]);
		if (dup) {
			yr_err(x, item.line,
			       "'reply_interfaces': '%s' is listed twice (or is 'interface')",
			       name);
			continue;
		}
		c->n_reply_ifs++;
	}
}

/* The top-level keys, X(G_NAME, "key"): f[G_NAME] in parse_root(). */
#define GLOBAL_KEYS(X)                          \
	X(G_INTERFACE, "interface")             \
	X(G_REPLY_IFS, "reply_interfaces")      \
	X(G_XDP_MODE, "xdp_mode")               \
	X(G_CONTROL_SOCKET, "control_socket")   \
	X(G_PIN_DIR, "pin_dir")                 \
	X(G_METRICS, "metrics_listen")          \
	X(G_FLOW_TCP, "flow_timeout_tcp")       \
	X(G_FLOW_UDP, "flow_timeout_udp")       \
	X(G_FLOW_CLOSED, "flow_timeout_closed") \
	X(G_FLOW_SCAN, "flow_scan_interval")    \
	X(G_FLOW_LIMIT, "new_flow_rate_limit")  \
	X(G_HASH_SEED, "hash_seed")             \
	X(G_ANNOUNCE_TABLE, "announce_table")   \
	X(G_FLOW_SYNC, "flow_sync")             \
	X(G_SNAT, "snat")                       \
	X(G_SOURCE, "config_source")            \
	X(G_ETCD, "etcd")                       \
	X(G_ENCAP_SOURCE, "encap_source")       \
	X(G_GUE_PORT, "gue_port")               \
	X(G_SERVICES, "services")

YR_KEYS(GLOBAL_KEYS, G_N, global_keys);

/* The keys of a node's own (bootstrap file), the others the cluster's. */
static bool node_key(int k)
{
	return k <= G_METRICS || k == G_ANNOUNCE_TABLE || k == G_FLOW_SYNC ||
	       k == G_SNAT || k == G_SOURCE || k == G_ETCD ||
	       k == G_ENCAP_SOURCE;
}

static const char *const source_names[] = { "file", "etcd" };

static void get_path(struct yr_ctx *x, const struct yr_field *f,
		     const char *key, char *buf, size_t size);

#define ETCD_KEYS(X)                \
	X(E_ENDPOINTS, "endpoints") \
	X(E_PREFIX, "prefix")       \
	X(E_NAME, "name")           \
	X(E_CA, "ca_file")          \
	X(E_CERT, "cert_file")      \
	X(E_KEY, "key_file")

YR_KEYS(ETCD_KEYS, E_N, etcd_keys);

static void get_endpoint(struct yr_ctx *x, yaml_node_t *n, char *buf,
			 size_t size)
{
	struct yr_field f = { .val = n, .line = yr_node_line(n) };

	if (!yr_get_str(x, &f, "endpoints", buf, size))
		return;
	if (strncmp(buf, "http://", 7) && strncmp(buf, "https://", 8))
		yr_err(x, yr_node_line(n),
		       "'endpoints': '%s' is not an http:// or https:// URL",
		       buf);
}

static void parse_etcd(struct yr_ctx *x, yaml_node_t *n,
		       struct xlb_etcd_conf *e)
{
	struct yr_field f[E_N];
	yaml_node_t *ep;

	if (!yr_collect(x, n, "etcd", etcd_keys, E_N, f))
		return;
	ep = f[E_ENDPOINTS].val;
	if (!ep) {
		yr_missing(x, n, &f[E_ENDPOINTS], "endpoints", "etcd");
	} else if (ep->type == YAML_SEQUENCE_NODE) {
		size_t cnt = yr_list_len(x, ep, "endpoints");

		if (!cnt || cnt > XLB_ETCD_CONF_MAX_ENDPOINTS)
			yr_err(x, yr_node_line(ep),
			       "'endpoints': %zu URLs; give 1..%d", cnt,
			       XLB_ETCD_CONF_MAX_ENDPOINTS);
		for (size_t i = 0; i < cnt && i < XLB_ETCD_CONF_MAX_ENDPOINTS;
		     i++)
			get_endpoint(x, yr_list_item(x, ep, i), e->endpoints[i],
				     sizeof(e->endpoints[i]));
		e->n_endpoints = cnt;
	} else {
		get_endpoint(x, ep, e->endpoints[0], sizeof(e->endpoints[0]));
		e->n_endpoints = 1;
	}
	if (f[E_PREFIX].val &&
	    yr_get_str(x, &f[E_PREFIX], "prefix", e->prefix, 100)) {
		size_t l = strlen(e->prefix);

		if (e->prefix[0] != '/' || (l > 1 && e->prefix[l - 1] == '/') ||
		    l < 2)
			yr_err(x, yr_node_line(f[E_PREFIX].val),
			       "'prefix': '%s' must start with '/' and not end with one (e.g. /xlb)",
			       e->prefix);
	}
	if (f[E_NAME].val &&
	    yr_get_str(x, &f[E_NAME], "name", e->name, sizeof(e->name)) &&
	    !xlb_name_ok(e->name))
		yr_err(x, yr_node_line(f[E_NAME].val),
		       "'name': '%s' must be 1..63 characters of [A-Za-z0-9_.-]",
		       e->name);
	if (f[E_CA].val)
		get_path(x, &f[E_CA], "ca_file", e->ca_file,
			 sizeof(e->ca_file));
	if (f[E_CERT].val)
		get_path(x, &f[E_CERT], "cert_file", e->cert_file,
			 sizeof(e->cert_file));
	if (f[E_KEY].val)
		get_path(x, &f[E_KEY], "key_file", e->key_file,
			 sizeof(e->key_file));
	if (!e->prefix[0])
		strcpy(e->prefix, XLB_ETCD_CONF_PREFIX);
	if (!f[E_CERT].val != !f[E_KEY].val)
		yr_err(x, f[E_CERT].line ? f[E_CERT].line : f[E_KEY].line,
		       "'cert_file' and 'key_file' go together: give both or neither");
}

/*
 * Keys in the wrong document: the node's own in etcd's, the cluster's in
 * the bootstrap file of a node whose config comes from etcd.
 */
static void check_homes(struct yr_ctx *x, const struct yr_field *f, bool shared,
			const struct xlb_config *c)
{
	for (int i = 0; i < G_N; i++) {
		if (!f[i].line)
			continue;
		if (shared && node_key(i))
			yr_err(x, f[i].line,
			       "'%s' is this node's own: it goes in the node's bootstrap file, not in etcd",
			       global_keys[i]);
		else if (!shared && !node_key(i) &&
			 c->source == XLB_CONFIG_SOURCE_ETCD)
			yr_err(x, f[i].line,
			       "'%s' comes from etcd (config_source: etcd): put it in %s/config, not here",
			       global_keys[i],
			       c->etcd.prefix[0] ? c->etcd.prefix
						 : XLB_ETCD_CONF_PREFIX);
	}
}

static void get_path(struct yr_ctx *x, const struct yr_field *f,
		     const char *key, char *buf, size_t size)
{
	if (yr_get_str(x, f, key, buf, size) && !*buf)
		yr_err(x, yr_node_line(f->val), "'%s' must not be empty", key);
}

/* Decimal or 0x-prefixed hex, the whole 32-bit range. */
static void get_seed(struct yr_ctx *x, const struct yr_field *f, __u32 *out)
{
	const char *s = yr_scalar(x, f, "hash_seed");
	unsigned long long v;
	char *end;

	if (!s)
		return;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (!isdigit((unsigned char)*s) || *end || errno || v > UINT32_MAX ||
	    (s[0] == '0' && s[1] && s[1] != 'x' && s[1] != 'X')) {
		yr_err(x, yr_node_line(f->val),
		       "'hash_seed': '%s' is not a number 0..4294967295 (decimal, or hex as 0x...)",
		       s);
		return;
	}
	*out = v;
}

#define ENCAP_SOURCE_KEYS(X) X(ES_IPV4, "ipv4") X(ES_IPV6, "ipv6")
YR_KEYS(ENCAP_SOURCE_KEYS, ES_N, encap_source_keys);

/* encap_source: { ipv4: ADDR, ipv6: ADDR }, each of its own family. */
static void get_encap_source(struct yr_ctx *x, yaml_node_t *n,
			     struct xlb_encap_conf *e)
{
	union xlb_addr *dst[] = { &e->src4, &e->src6 };
	const __u8 want[] = { XLB_FAMILY_V4, XLB_FAMILY_V6 };
	struct yr_field f[ES_N];

	if (!yr_collect(x, n, "encap_source", encap_source_keys, ES_N, f))
		return;
	for (int i = 0; i < ES_N; i++) {
		union xlb_addr a;
		__u8 fam;

		if (!f[i].val ||
		    !yr_get_addr(x, &f[i], encap_source_keys[i], &a, &fam))
			continue;
		if (fam != want[i]) {
			yr_err(x, yr_node_line(f[i].val),
			       "'encap_source': '%s' must be an IPv%d address",
			       encap_source_keys[i], want[i]);
			continue;
		}
		*dst[i] = a;
	}
}

static void parse_root(struct yr_ctx *x, yaml_node_t *root,
		       struct xlb_config *c, bool shared)
{
	struct yr_field f[G_N];
	int i;

	if (!yr_collect(x, root, "the top level", global_keys, G_N, f))
		return;
	if (!shared && f[G_SOURCE].val) {
		i = yr_get_enum(x, &f[G_SOURCE], "config_source", source_names,
				ARRAY_SIZE(source_names));
		if (i > 0)
			c->source = i;
	}
	if (!shared && f[G_ETCD].val) {
		if (c->source != XLB_CONFIG_SOURCE_ETCD)
			yr_err(x, f[G_ETCD].line,
			       "'etcd' needs config_source: etcd");
		else
			parse_etcd(x, f[G_ETCD].val, &c->etcd);
	} else if (!shared && c->source == XLB_CONFIG_SOURCE_ETCD) {
		yr_missing(x, root, &f[G_ETCD], "etcd", "the top level");
	}
	check_homes(x, f, shared, c);
	if (shared) {
		/* the node's keys are reported above; read the rest */
	} else if (yr_get_required_str(x, root, &f[G_INTERFACE], "interface",
				       "the top level", c->interface,
				       sizeof(c->interface)) &&
		   !ifname_ok(c->interface)) {
		yr_err(x, yr_node_line(f[G_INTERFACE].val),
		       "'interface': '%s' is not a valid interface name",
		       c->interface);
	}
	if (!shared && f[G_REPLY_IFS].val)
		get_reply_ifs(x, &f[G_REPLY_IFS], c);
	if (f[G_XDP_MODE].val) {
		i = yr_get_enum(x, &f[G_XDP_MODE], "xdp_mode", xdp_mode_names,
				ARRAY_SIZE(xdp_mode_names));
		c->xdp_generic = i == 1;
	}
	if (f[G_CONTROL_SOCKET].val)
		get_path(x, &f[G_CONTROL_SOCKET], "control_socket",
			 c->control_socket, sizeof(c->control_socket));
	if (f[G_PIN_DIR].val)
		get_path(x, &f[G_PIN_DIR], "pin_dir", c->pin_dir,
			 sizeof(c->pin_dir));
	if (f[G_METRICS].val &&
	    yr_get_str(x, &f[G_METRICS], "metrics_listen", c->metrics_listen,
		       sizeof(c->metrics_listen)) &&
	    c->metrics_listen[0]) {
		union xlb_addr a;
		__u16 port;
		__u8 fam;

		if (xlb_parse_addr_port(c->metrics_listen, &a, &fam, &port))
			yr_err(x, yr_node_line(f[G_METRICS].val),
			       "'metrics_listen': '%s' is not ADDR:PORT with a numeric address and port 1..65535 (e.g. 127.0.0.1:9641, [::1]:9641)",
			       c->metrics_listen);
	}
	{
		__u32 *ms[] = {
			[G_FLOW_TCP] = &c->flows.tcp_timeout_ms,
			[G_FLOW_UDP] = &c->flows.udp_timeout_ms,
			[G_FLOW_CLOSED] = &c->flows.closed_timeout_ms,
			[G_FLOW_SCAN] = &c->flows.scan_interval_ms,
		};

		for (i = G_FLOW_TCP; i <= G_FLOW_SCAN; i++)
			if (f[i].val)
				yr_get_duration(x, &f[i], global_keys[i], true,
						ms[i]);
	}
	if (f[G_FLOW_LIMIT].val)
		yr_get_u32(x, &f[G_FLOW_LIMIT], "new_flow_rate_limit", 0,
			   UINT32_MAX, &c->flows.new_flow_limit);
	if (f[G_HASH_SEED].val)
		get_seed(x, &f[G_HASH_SEED], &c->hash_seed);
	if (f[G_ANNOUNCE_TABLE].val &&
	    yr_get_u32(x, &f[G_ANNOUNCE_TABLE], "announce_table", 0, UINT32_MAX,
		       &c->announce_table) &&
	    c->announce_table >= RT_TABLE_DEFAULT &&
	    c->announce_table <= RT_TABLE_LOCAL) {
		yr_err(x, yr_node_line(f[G_ANNOUNCE_TABLE].val),
		       "'announce_table': %u is the kernel's default, main or local table; pick a table of its own (e.g. 100)",
		       c->announce_table);
		c->announce_table = 0;
	}
	if (f[G_FLOW_SYNC].val)
		xlb_config_parse_sync(x, f[G_FLOW_SYNC].val, &c->sync);
	if (f[G_SNAT].val)
		xlb_config_parse_snat(x, f[G_SNAT].val, &c->snat);
	if (f[G_ENCAP_SOURCE].val)
		get_encap_source(x, f[G_ENCAP_SOURCE].val, &c->encap);
	if (f[G_GUE_PORT].val) {
		__u32 v;

		if (yr_get_u32(x, &f[G_GUE_PORT], "gue_port", 1, 65535, &v))
			c->encap.gue_port = v;
	}
	if (f[G_SERVICES].val)
		xlb_config_parse_services(x, f[G_SERVICES].val, c);
	for (size_t j = 0; j < c->n_services; j++) {
		const struct xlb_service_conf *sv = &c->services[j];

		if (sv->fwd == XLB_FWD_NAT && sv->family &&
		    !xlb_snat_count(&c->snat, sv->family))
			yr_err(x, sv->line,
			       "service '%s' has forwarding: nat but snat has no IPv%d address (top-level snat: { addresses: [...] })",
			       sv->name, sv->family);
	}
	for (size_t j = 0; j < c->n_services && !c->sync.on; j++)
		if (c->services[j].flow_sync)
			yr_err(x, c->services[j].line,
			       "service '%s' has flow_sync: true but there is no top-level flow_sync mapping (address, peers, key_file)",
			       c->services[j].name);
}

/* @buf, @len: the input, to place a reader error (libyaml gives a byte). */
static void parser_error(struct yr_ctx *x, const yaml_parser_t *p,
			 const char *buf, size_t len)
{
	int line, col;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		x->nomem = true;
		x->n_err++;
		break;
	case YAML_READER_ERROR:
		yr_offset_pos(buf, len, p->problem_offset, &line, &col);
		if (p->problem_value >= 0)
			yr_err(x, line, "invalid input at column %d: %s (#x%X)",
			       col, p->problem, p->problem_value);
		else
			yr_err(x, line, "invalid input at column %d: %s", col,
			       p->problem);
		break;
	default:
		if (p->context) {
			yr_err(x, p->problem_mark.line + 1,
			       "YAML syntax error: %s (%s at line %zu)",
			       p->problem, p->context,
			       p->context_mark.line + 1);
		} else {
			yr_err(x, p->problem_mark.line + 1,
			       "YAML syntax error: %s", p->problem);
		}
		break;
	}
}

/* The node's own keys (node_key()), from its bootstrap file. */
static void copy_node_keys(struct xlb_config *c, const struct xlb_config *node)
{
	c->source = node->source;
	c->etcd = node->etcd;
	memcpy(c->interface, node->interface, sizeof(c->interface));
	memcpy(c->reply_ifs, node->reply_ifs, sizeof(c->reply_ifs));
	c->n_reply_ifs = node->n_reply_ifs;
	c->xdp_generic = node->xdp_generic;
	memcpy(c->control_socket, node->control_socket,
	       sizeof(c->control_socket));
	memcpy(c->pin_dir, node->pin_dir, sizeof(c->pin_dir));
	memcpy(c->metrics_listen, node->metrics_listen,
	       sizeof(c->metrics_listen));
	c->announce_table = node->announce_table;
	c->sync = node->sync;
	c->snat = node->snat;
	c->encap.src4 = node->encap.src4;
	c->encap.src6 = node->encap.src6;
}

static int load(const char *name, const char *buf, size_t len,
		const struct xlb_config *node, struct xlb_config *out,
		struct xlb_config_errors *errs)
{
	struct yr_ctx x = {
		.name = name,
		.errs = errs,
		.errs_from = errs ? errs->n : 0,
	};
	yaml_document_t doc, extra;
	bool have_doc = false;
	struct xlb_config c;
	yaml_parser_t p;
	yaml_node_t *root;
	int err;

	static const struct yb_limits lim = {
		.depth = XLB_CONFIG_MAX_DEPTH,
		.nodes = XLB_CONFIG_MAX_NODES,
		.anchors = XLB_CONFIG_MAX_ANCHORS,
		.expanded = XLB_CONFIG_MAX_EXPANDED,
	};
	int line, col;

	if (len > XLB_CONFIG_MAX_BYTES) {
		yr_offset_pos(buf, len, XLB_CONFIG_MAX_BYTES, &line, &col);
		yr_err(&x, line, "the file is larger than %d bytes (16 MiB)",
		       XLB_CONFIG_MAX_BYTES);
		return -EINVAL;
	}
	if (!yb_check(&x, buf, len, &lim))
		return x.nomem ? -ENOMEM : -EINVAL;
	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	xlb_config_init(&c);
	if (node)
		copy_node_keys(&c, node);
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&p, &doc)) {
		parser_error(&x, &p, buf, len);
		goto out;
	}
	have_doc = true;
	x.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (!root && node)
		goto out; /* an empty cluster document: no services */
	if (!root) {
		yr_err(&x, 1, "the file is empty: 'interface' is required");
		goto out;
	}
	/* A second document would otherwise be ignored without a word. */
	if (!yaml_parser_load(&p, &extra)) {
		parser_error(&x, &p, buf, len);
	} else {
		yaml_node_t *r = yaml_document_get_root_node(&extra);

		if (r)
			yr_err(&x, yr_node_line(r),
			       "only one YAML document is allowed");
		yaml_document_delete(&extra);
	}
	parse_root(&x, root, &c, node != NULL);
out:
	if (have_doc)
		yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	if (x.nomem)
		err = -ENOMEM;
	else if (x.n_err)
		err = -EINVAL;
	else
		err = 0;
	if (err)
		xlb_config_free(&c);
	*out = c;
	return err;
}

int xlb_config_load_mem(const char *name, const char *buf, size_t len,
			struct xlb_config *out, struct xlb_config_errors *errs)
{
	memset(out, 0, sizeof(*out));
	return load(name, buf, len, NULL, out, errs);
}

int xlb_config_load_shared(const char *name, const char *buf, size_t len,
			   const struct xlb_config *node,
			   struct xlb_config *out,
			   struct xlb_config_errors *errs)
{
	memset(out, 0, sizeof(*out));
	return load(name, buf, len, node, out, errs);
}

int xlb_config_load_str(const char *name, const char *yaml,
			struct xlb_config *out, struct xlb_config_errors *errs)
{
	return xlb_config_load_mem(name, yaml, strlen(yaml), out, errs);
}

/*
 * The whole file into *buf (malloc'd): reader errors come as byte offsets,
 * placed on a line by reading the bytes again. A byte past
 * XLB_CONFIG_MAX_BYTES is read, to be refused; no more.
 */
static int read_all(FILE *f, char **buf, size_t *len)
{
	size_t cap = 0, n = 0, got;
	char *b = NULL;

	do {
		if (n == cap) {
			void *v;

			if (cap > XLB_CONFIG_MAX_BYTES)
				break;
			cap = cap ? 2 * cap : 64 * 1024;
			if (cap > XLB_CONFIG_MAX_BYTES)
				cap = XLB_CONFIG_MAX_BYTES + 1;
			v = realloc(b, cap);
			if (!v) {
				free(b);
				return -ENOMEM;
			}
			b = v;
		}
		got = fread(b + n, 1, cap - n, f);
		n += got;
	} while (got);
	if (ferror(f)) {
		free(b);
		return -EIO;
	}
	*buf = b;
	*len = n;
	return 0;
}

int xlb_config_load(const char *path, struct xlb_config *out,
		    struct xlb_config_errors *errs)
{
	struct yr_ctx x = { .name = path, .errs = errs };
	char *buf = NULL;
	struct stat st;
	size_t len;
	FILE *f;
	int err;

	memset(out, 0, sizeof(*out));
	x.errs_from = errs ? errs->n : 0;
	f = fopen(path, "r");
	if (!f) {
		err = -errno;
		yr_err(&x, 0, "cannot open: %s", strerror(-err));
		return err;
	}
	/* fopen() takes a directory; fread() would fail with EISDIR. */
	if (!fstat(fileno(f), &st) && S_ISDIR(st.st_mode))
		err = -EISDIR;
	else
		err = read_all(f, &buf, &len);
	fclose(f);
	if (err == -ENOMEM)
		return err;
	if (err) {
		yr_err(&x, 0, "cannot read: %s", strerror(-err));
		return err;
	}
	err = load(path, buf, len, NULL, out, errs);
	free(buf);
	return err;
}

/*
 * Every key the loader accepts, from the tables above (so the manual's
 * completeness test reads the loader, not a copy of it).
 */
void xlb_config_keys(void (*fn)(const char *section, const char *key,
				void *ctx),
		     void *ctx)
{
	const struct {
		const char *section;
		const char *const *keys;
		size_t n;
	} tables[] = {
		{ "top level", global_keys, G_N },
		{ "service", xlb_config_service_keys.names,
		  xlb_config_service_keys.n },
		{ "backend", xlb_config_backend_keys.names,
		  xlb_config_backend_keys.n },
		{ "health_check", xlb_config_hc_keys, XLB_HC_N_KEYS },
		{ "flow_sync", xlb_config_sync_keys.names,
		  xlb_config_sync_keys.n },
		{ "snat", xlb_config_nat_keys.names, xlb_config_nat_keys.n },
		{ "etcd", etcd_keys, E_N },
		{ "encap_source", encap_source_keys, ES_N },
	};

	for (size_t t = 0; t < ARRAY_SIZE(tables); t++)
		for (size_t i = 0; i < tables[t].n; i++)
			fn(tables[t].section, tables[t].keys[i], ctx);
}
