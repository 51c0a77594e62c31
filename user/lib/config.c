// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xlbd configuration: YAML -> struct xlb_config with every problem reported,
 * and struct xlb_config -> YAML. The schema is documented in config.h.
 *
 * The file is loaded as a libyaml node tree (so every value keeps its line)
 * and then walked once. Each level collects its keys into a table first,
 * which catches unknown and duplicate keys and lets values be parsed in the
 * order their dependencies need, not the order they were written in.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "config.h"
#include "maglev.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

const char *const xlb_hc_type_names[XLB_HC_MAX] = {
	[XLB_HC_NONE] = "none",
	[XLB_HC_TCP] = "tcp",
	[XLB_HC_HTTP] = "http",
	[XLB_HC_UDP] = "udp",
};

static const char *const proto_names[] = { "tcp", "udp" };
static const __u8 proto_nums[] = { IPPROTO_TCP, IPPROTO_UDP };
static const char *const xdp_mode_names[] = { "native", "generic" };
static const char *const on_all_down_names[] = { "drop", "keep_last" };

/* Shared parsers and formatters */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int xlb_parse_u32(const char *s, __u32 min, __u32 max, __u32 *out)
{
	bool overflow = false;
	__u64 v = 0;
	const char *p;

	if (!s || !is_digit(*s))
		return -EINVAL;
	for (p = s; is_digit(*p); p++) {
		v = v * 10 + (*p - '0');
		/* Keep scanning: junk after a huge number is still junk. */
		if (v > UINT32_MAX) {
			overflow = true;
			v = UINT32_MAX + 1ULL;
		}
	}
	if (*p)
		return -EINVAL;
	if (overflow || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int xlb_parse_duration_ms(const char *s, __u32 *ms)
{
	__u64 mant = 0, scale = 1, unit, v;
	const char *p = s;
	int nint = 0, nfrac = 0;

	if (!s)
		return -EINVAL;
	for (; is_digit(*p); p++, nint++) {
		if (mant > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		mant = mant * 10 + (*p - '0');
	}
	if (*p == '.') {
		for (p++; is_digit(*p); p++, nfrac++) {
			if (mant > (UINT64_MAX - 9) / 10 ||
			    scale > UINT64_MAX / 10)
				return -ERANGE;
			mant = mant * 10 + (*p - '0');
			scale *= 10;
		}
		if (!nfrac)
			return -EINVAL;
	}
	if (!nint)
		return -EINVAL;
	if (!*p || !strcmp(p, "s"))
		unit = 1000;
	else if (!strcmp(p, "ms"))
		unit = 1;
	else if (!strcmp(p, "m"))
		unit = 60 * 1000;
	else if (!strcmp(p, "h"))
		unit = 60 * 60 * 1000;
	else
		return -EINVAL;
	if (__builtin_mul_overflow(mant, unit, &v))
		return -ERANGE;
	/* Sub-millisecond precision would be silently lost. */
	if (v % scale)
		return -ERANGE;
	v /= scale;
	if (v > UINT32_MAX)
		return -ERANGE;
	*ms = v;
	return 0;
}

int xlb_format_duration_ms(__u32 ms, char *buf, size_t len)
{
	int n;

	if (ms && ms % 3600000 == 0)
		n = snprintf(buf, len, "%uh", ms / 3600000);
	else if (ms && ms % 60000 == 0)
		n = snprintf(buf, len, "%um", ms / 60000);
	else if (ms % 1000 == 0)
		n = snprintf(buf, len, "%us", ms / 1000);
	else
		n = snprintf(buf, len, "%ums", ms);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

int xlb_parse_addr(const char *s, union xlb_addr *a, __u8 *family)
{
	union xlb_addr tmp;

	if (!s)
		return -EINVAL;
	memset(&tmp, 0, sizeof(tmp));
	if (inet_pton(AF_INET, s, &tmp.v4) == 1) {
		*a = tmp;
		*family = XLB_FAMILY_V4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, tmp.bytes) == 1) {
		*a = tmp;
		*family = XLB_FAMILY_V6;
		return 0;
	}
	return -EINVAL;
}

int xlb_parse_addr_port(const char *s, union xlb_addr *a, __u8 *family,
			__u16 *port)
{
	char host[XLB_ADDR_STRLEN];
	const char *end, *pstr;
	union xlb_addr addr;
	bool bracket;
	__u8 fam;
	__u32 p;
	int err;

	if (!s)
		return -EINVAL;
	bracket = *s == '[';
	if (bracket) {
		end = strchr(s, ']');
		if (!end || end[1] != ':')
			return -EINVAL;
		s++;
		pstr = end + 2;
	} else {
		end = strrchr(s, ':');
		/* An IPv6 address without brackets is ambiguous. */
		if (!end || memchr(s, ':', end - s))
			return -EINVAL;
		pstr = end + 1;
	}
	if ((size_t)(end - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, end - s);
	host[end - s] = '\0';
	if (xlb_parse_addr(host, &addr, &fam))
		return -EINVAL;
	if ((fam == XLB_FAMILY_V6) != bracket)
		return -EINVAL;
	err = xlb_parse_u32(pstr, 1, 65535, &p);
	if (err)
		return err;
	*a = addr;
	*family = fam;
	*port = p;
	return 0;
}

int xlb_format_addr(const union xlb_addr *a, __u8 family, char *buf,
		    size_t len)
{
	int af;

	if (family == XLB_FAMILY_V4)
		af = AF_INET;
	else if (family == XLB_FAMILY_V6)
		af = AF_INET6;
	else
		return -EINVAL;
	if (!inet_ntop(af, a->bytes, buf, len))
		return -ENOSPC;
	return 0;
}

static int lookup(const char *s, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && !strcmp(s, names[i]))
			return i;
	return -1;
}

int xlb_parse_sched(const char *s)
{
	return s ? lookup(s, xlb_sched_names, XLB_SCHED_MAX) : -1;
}

int xlb_parse_proto(const char *s)
{
	int i = s ? lookup(s, proto_names, ARRAY_SIZE(proto_names)) : -1;

	return i < 0 ? -1 : proto_nums[i];
}

int xlb_parse_hc_type(const char *s)
{
	return s ? lookup(s, xlb_hc_type_names, XLB_HC_MAX) : -1;
}

const char *xlb_proto_name(__u8 proto)
{
	for (size_t i = 0; i < ARRAY_SIZE(proto_nums); i++)
		if (proto_nums[i] == proto)
			return proto_names[i];
	return "?";
}

/* Defaults, merge, copy, equality */

void xlb_hc_conf_init(struct xlb_hc_conf *hc, __u16 port)
{
	memset(hc, 0, sizeof(*hc));
	hc->type = XLB_HC_NONE;
	hc->port = port;
	hc->interval_ms = 2000;
	hc->timeout_ms = 1000;
	hc->rise = 2;
	hc->fall = 3;
	strcpy(hc->path, "/");
	hc->status_lo[0] = 200;
	hc->status_hi[0] = 399;
	hc->n_status = 1;
	strcpy(hc->payload, "ping");
	hc->payload_len = 4;
}

void xlb_hc_conf_merge(struct xlb_hc_conf *hc, const struct xlb_hc_conf *base)
{
	unsigned int m = hc->set_mask;

	if (!(m & XLB_HC_SET_TYPE))
		hc->type = base->type;
	if (!(m & XLB_HC_SET_PORT))
		hc->port = base->port;
	if (!(m & XLB_HC_SET_INTERVAL))
		hc->interval_ms = base->interval_ms;
	if (!(m & XLB_HC_SET_TIMEOUT))
		hc->timeout_ms = base->timeout_ms;
	if (!(m & XLB_HC_SET_RISE))
		hc->rise = base->rise;
	if (!(m & XLB_HC_SET_FALL))
		hc->fall = base->fall;
	if (!(m & XLB_HC_SET_PATH))
		memcpy(hc->path, base->path, sizeof(hc->path));
	if (!(m & XLB_HC_SET_HOST))
		memcpy(hc->host, base->host, sizeof(hc->host));
	if (!(m & XLB_HC_SET_STATUS)) {
		memcpy(hc->status_lo, base->status_lo, sizeof(hc->status_lo));
		memcpy(hc->status_hi, base->status_hi, sizeof(hc->status_hi));
		hc->n_status = base->n_status;
	}
	if (!(m & XLB_HC_SET_BODY))
		memcpy(hc->expect_body, base->expect_body,
		       sizeof(hc->expect_body));
	if (!(m & XLB_HC_SET_PAYLOAD)) {
		memcpy(hc->payload, base->payload, sizeof(hc->payload));
		hc->payload_len = base->payload_len;
	}
	if (!(m & XLB_HC_SET_EXPECT))
		memcpy(hc->expect, base->expect, sizeof(hc->expect));
}

void xlb_config_init(struct xlb_config *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->control_socket, XLB_CONFIG_CONTROL_SOCKET);
	strcpy(c->pin_dir, XLB_CONFIG_PIN_DIR);
	c->flows = (struct xlb_flow_conf){
		.tcp_timeout_ms = XLB_CONFIG_FLOW_TCP_MS,
		.udp_timeout_ms = XLB_CONFIG_FLOW_UDP_MS,
		.closed_timeout_ms = XLB_CONFIG_FLOW_CLOSED_MS,
		.scan_interval_ms = XLB_CONFIG_FLOW_SCAN_MS,
	};
}

void xlb_service_conf_init(struct xlb_service_conf *s)
{
	memset(s, 0, sizeof(*s));
	s->proto = IPPROTO_TCP;
	s->sched = XLB_SCHED_MAGLEV;
	s->table_size = XLB_DEFAULT_TABLE_SIZE;
	xlb_hc_conf_init(&s->hc, 0);
}

void xlb_backend_conf_init(struct xlb_backend_conf *b,
			   const struct xlb_service_conf *s)
{
	memset(b, 0, sizeof(*b));
	b->weight = XLB_CONFIG_WEIGHT;
	b->hc = s->hc;
	b->hc.set_mask = 0;
	b->hc.line = 0;
}

void xlb_service_conf_free(struct xlb_service_conf *s)
{
	free(s->backends);
	s->backends = NULL;
	s->n_backends = 0;
}

int xlb_service_conf_copy(struct xlb_service_conf *dst,
			  const struct xlb_service_conf *src)
{
	struct xlb_backend_conf *be = NULL;

	if (src->n_backends) {
		be = malloc(src->n_backends * sizeof(*be));
		if (!be)
			return -ENOMEM;
		memcpy(be, src->backends, src->n_backends * sizeof(*be));
	}
	*dst = *src;
	dst->backends = be;
	return 0;
}

void xlb_config_free(struct xlb_config *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->n_services; i++)
		xlb_service_conf_free(&c->services[i]);
	free(c->services);
	memset(c, 0, sizeof(*c));
}

bool xlb_hc_conf_equal(const struct xlb_hc_conf *a,
		       const struct xlb_hc_conf *b)
{
	/*
	 * The general keys count even for type none: a backend that
	 * overrides the type inherits them.
	 */
	if (a->type != b->type || a->port != b->port ||
	    a->interval_ms != b->interval_ms ||
	    a->timeout_ms != b->timeout_ms || a->rise != b->rise ||
	    a->fall != b->fall)
		return false;
	if (a->type == XLB_HC_HTTP) {
		if (strcmp(a->path, b->path) || strcmp(a->host, b->host) ||
		    strcmp(a->expect_body, b->expect_body) ||
		    a->n_status != b->n_status)
			return false;
		for (int i = 0; i < a->n_status; i++)
			if (a->status_lo[i] != b->status_lo[i] ||
			    a->status_hi[i] != b->status_hi[i])
				return false;
	}
	if (a->type == XLB_HC_UDP &&
	    (a->payload_len != b->payload_len ||
	     memcmp(a->payload, b->payload, a->payload_len) ||
	     strcmp(a->expect, b->expect)))
		return false;
	return true;
}

bool xlb_service_conf_equal(const struct xlb_service_conf *a,
			    const struct xlb_service_conf *b)
{
	if (strcmp(a->name, b->name) || a->family != b->family ||
	    memcmp(&a->vip, &b->vip, sizeof(a->vip)) || a->port != b->port ||
	    a->proto != b->proto || a->sched != b->sched ||
	    a->table_size != b->table_size || a->keep_last != b->keep_last ||
	    a->slow_start_ms != b->slow_start_ms ||
	    !xlb_hc_conf_equal(&a->hc, &b->hc) ||
	    a->n_backends != b->n_backends)
		return false;
	for (size_t i = 0; i < a->n_backends; i++) {
		const struct xlb_backend_conf *x = &a->backends[i];
		const struct xlb_backend_conf *y = &b->backends[i];

		if (x->family != y->family ||
		    memcmp(&x->addr, &y->addr, sizeof(x->addr)) ||
		    x->weight != y->weight ||
		    !xlb_hc_conf_equal(&x->hc, &y->hc))
			return false;
	}
	return true;
}

bool xlb_config_globals_equal(const struct xlb_config *a,
			      const struct xlb_config *b)
{
	return !strcmp(a->interface, b->interface) &&
	       a->xdp_generic == b->xdp_generic &&
	       !strcmp(a->control_socket, b->control_socket) &&
	       !strcmp(a->pin_dir, b->pin_dir) &&
	       !strcmp(a->metrics_listen, b->metrics_listen) &&
	       !memcmp(&a->flows, &b->flows, sizeof(a->flows));
}

/* Error list */

void xlb_config_errors_free(struct xlb_config_errors *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		free(e->v[i].msg);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

void xlb_config_errors_print(const struct xlb_config_errors *e, FILE *f)
{
	for (size_t i = 0; e && i < e->n; i++)
		fprintf(f, "%s\n", e->v[i].msg);
}

/* Loading */

struct ctx {
	const char *name;		/* FILE in the messages */
	yaml_document_t *doc;
	struct xlb_config_errors *errs;	/* may be NULL */
	size_t errs_from;		/* first entry of this load */
	int n_err;
	bool nomem;
};

/* A value given for a key, or not. */
struct field {
	yaml_node_t *val;		/* NULL if absent or empty */
	int line;			/* of the key; 0 if absent */
};

static int errs_insert(struct ctx *x, int line, char *msg)
{
	struct xlb_config_errors *e = x->errs;
	size_t i;

	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		void *v = realloc(e->v, cap * sizeof(*e->v));

		if (!v)
			return -ENOMEM;
		e->v = v;
		e->cap = cap;
	}
	/*
	 * Keep this load's messages sorted by line, stable. They arrive
	 * nearly sorted (cross-checks come after the walk), so search from
	 * the end.
	 */
	for (i = e->n; i > x->errs_from && e->v[i - 1].line > line; i--)
		;
	memmove(&e->v[i + 1], &e->v[i], (e->n - i) * sizeof(*e->v));
	e->v[i].line = line;
	e->v[i].msg = msg;
	e->n++;
	return 0;
}

__attribute__((format(printf, 3, 4)))
static void cerr(struct ctx *x, int line, const char *fmt, ...)
{
	char reason[512], *msg;
	va_list ap;
	int n;

	x->n_err++;
	if (!x->errs)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (line > 0)
		n = asprintf(&msg, "%s:%d: %s", x->name, line, reason);
	else
		n = asprintf(&msg, "%s: %s", x->name, reason);
	if (n < 0) {
		x->nomem = true;
		return;
	}
	if (errs_insert(x, line, msg)) {
		free(msg);
		x->nomem = true;
	}
}

static int node_line(const yaml_node_t *n)
{
	return n->start_mark.line + 1;
}

static yaml_node_t *node(struct ctx *x, int i)
{
	return yaml_document_get_node(x->doc, i);
}

static const char *kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "a scalar";
	}
}

static bool is_null_str(const char *s)
{
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") ||
	       !strcmp(s, "Null") || !strcmp(s, "NULL");
}

/* Only an unquoted empty/null scalar; "" and 'null' are strings. */
static bool is_null(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE &&
	       n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       is_null_str((const char *)n->data.scalar.value);
}

/*
 * Sort the pairs of mapping @map into f[] by key name (keys[i] -> f[i]),
 * reporting unknown and duplicate keys. False if @map is not a mapping.
 */
static bool collect(struct ctx *x, yaml_node_t *map, const char *what,
		    const char *const *keys, size_t n, struct field *f)
{
	yaml_node_pair_t *p;

	memset(f, 0, n * sizeof(*f));
	if (map->type != YAML_MAPPING_NODE) {
		cerr(x, node_line(map), "%s must be a mapping, not %s", what,
		     kind(map));
		return false;
	}
	for (p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(x, p->key), *v = node(x, p->value);
		const char *ks;
		int i;

		if (k->type != YAML_SCALAR_NODE) {
			cerr(x, node_line(k),
			     "%s: a key must be a scalar, not %s", what,
			     kind(k));
			continue;
		}
		ks = (const char *)k->data.scalar.value;
		i = lookup(ks, keys, n);
		if (i < 0) {
			cerr(x, node_line(k), "unknown key '%s' in %s", ks,
			     what);
			continue;
		}
		if (f[i].line) {
			cerr(x, node_line(k),
			     "duplicate key '%s' in %s (first at line %d)", ks,
			     what, f[i].line);
			continue;
		}
		f[i].line = node_line(k);
		f[i].val = is_null(v) ? NULL : v;
	}
	return true;
}

static void missing(struct ctx *x, const yaml_node_t *map,
		    const struct field *f, const char *key, const char *what)
{
	if (f->line)
		cerr(x, f->line, "'%s' needs a value", key);
	else
		cerr(x, node_line(map), "%s is missing required key '%s'",
		     what, key);
}

/* The text of scalar @f->val, or NULL after reporting why not. */
static const char *scalar(struct ctx *x, const struct field *f,
			  const char *key)
{
	const yaml_node_t *n = f->val;
	const char *s;

	if (n->type != YAML_SCALAR_NODE) {
		cerr(x, node_line(n), "'%s' must be a scalar, not %s", key,
		     kind(n));
		return NULL;
	}
	s = (const char *)n->data.scalar.value;
	if (strlen(s) != n->data.scalar.length) {
		cerr(x, node_line(n), "'%s' contains a NUL byte", key);
		return NULL;
	}
	return s;
}

static bool get_str(struct ctx *x, const struct field *f, const char *key,
		    char *buf, size_t size)
{
	const char *s = scalar(x, f, key);
	size_t len;

	if (!s)
		return false;
	len = strlen(s);
	if (len >= size) {
		cerr(x, node_line(f->val),
		     "'%s' is too long (%zu bytes, at most %zu)", key, len,
		     size - 1);
		return false;
	}
	memcpy(buf, s, len + 1);
	return true;
}

static bool get_u32(struct ctx *x, const struct field *f, const char *key,
		    __u32 min, __u32 max, __u32 *out)
{
	const char *s = scalar(x, f, key);
	int err;

	if (!s)
		return false;
	err = xlb_parse_u32(s, min, max, out);
	if (err == -ERANGE)
		cerr(x, node_line(f->val), "'%s' %s is out of range %u..%u",
		     key, s, min, max);
	else if (err)
		cerr(x, node_line(f->val),
		     "'%s' must be a decimal integer, not '%s'", key, s);
	return !err;
}

static bool get_duration(struct ctx *x, const struct field *f,
			 const char *key, bool nonzero, __u32 *ms)
{
	const char *s = scalar(x, f, key);
	__u32 v;
	int err;

	if (!s)
		return false;
	err = xlb_parse_duration_ms(s, &v);
	if (err == -ERANGE) {
		cerr(x, node_line(f->val),
		     "'%s' duration '%s' is out of range (whole milliseconds, at most %ums)",
		     key, s, UINT32_MAX);
		return false;
	}
	if (err) {
		cerr(x, node_line(f->val),
		     "'%s' is not a valid duration: '%s' (e.g. 500ms, 2s, 1.5s, 1m)",
		     key, s);
		return false;
	}
	if (nonzero && !v) {
		cerr(x, node_line(f->val), "'%s' must be greater than 0", key);
		return false;
	}
	*ms = v;
	return true;
}

/* Index of the value in names[], or -1 after listing the choices. */
static int get_enum(struct ctx *x, const struct field *f, const char *key,
		    const char *const *names, size_t n)
{
	const char *s = scalar(x, f, key);
	char list[256] = "";
	size_t len = 0;
	int i;

	if (!s)
		return -1;
	i = lookup(s, names, n);
	if (i >= 0)
		return i;
	for (size_t j = 0; j < n && len < sizeof(list); j++)
		len += snprintf(list + len, sizeof(list) - len, "%s%s",
				j ? ", " : "", names[j]);
	cerr(x, node_line(f->val),
	     "'%s': unknown value '%s' (expected one of: %s)", key, s, list);
	return -1;
}

bool xlb_addr_usable(const union xlb_addr *a, __u8 family)
{
	static const __u8 v4mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};
	static const union xlb_addr zero;

	if (!memcmp(a, &zero, sizeof(*a)))
		return false;
	if (family == XLB_FAMILY_V4)
		return (a->bytes[0] & 0xf0) != 0xe0 && a->v4 != 0xffffffff;
	return a->bytes[0] != 0xff && memcmp(a->bytes, v4mapped, 12);
}

static bool get_addr(struct ctx *x, const struct field *f, const char *key,
		     union xlb_addr *a, __u8 *family)
{
	const char *s = scalar(x, f, key);

	if (!s)
		return false;
	if (xlb_parse_addr(s, a, family)) {
		cerr(x, node_line(f->val),
		     "'%s': '%s' is not a numeric IPv4 or IPv6 address", key,
		     s);
		return false;
	}
	if (!xlb_addr_usable(a, *family)) {
		cerr(x, node_line(f->val),
		     "'%s': %s cannot be used (unspecified, multicast, broadcast or IPv4-mapped)",
		     key, s);
		*family = 0;
		return false;
	}
	return true;
}

/* No byte a header line or request line could be broken with. */
static bool http_token_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static bool parse_status_item(const char *s, __u16 *lo, __u16 *hi)
{
	const char *dash = strchr(s, '-');
	char buf[16];
	__u32 a, b;

	if (!dash) {
		if (xlb_parse_u32(s, 100, 599, &a))
			return false;
		*lo = *hi = a;
		return true;
	}
	if ((size_t)(dash - s) >= sizeof(buf))
		return false;
	memcpy(buf, s, dash - s);
	buf[dash - s] = '\0';
	if (xlb_parse_u32(buf, 100, 599, &a) ||
	    xlb_parse_u32(dash + 1, 100, 599, &b) || a > b)
		return false;
	*lo = a;
	*hi = b;
	return true;
}

static bool get_status(struct ctx *x, const struct field *f,
		       struct xlb_hc_conf *h)
{
	yaml_node_t *n = f->val;
	struct field item = {};
	yaml_node_item_t *it;
	int cnt = 0;
	bool ok = true;

	if (n->type == YAML_SCALAR_NODE) {
		const char *s = scalar(x, f, "expect_status");

		if (!s)
			return false;
		if (!parse_status_item(s, &h->status_lo[0],
				       &h->status_hi[0])) {
			cerr(x, node_line(n),
			     "'expect_status': '%s' is not a status code or range in 100..599 (e.g. 200, 200-399)",
			     s);
			return false;
		}
		h->n_status = 1;
		return true;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		cerr(x, node_line(n),
		     "'expect_status' must be a code, a range or a list, not %s",
		     kind(n));
		return false;
	}
	for (it = n->data.sequence.items.start;
	     it < n->data.sequence.items.top; it++, cnt++) {
		const char *s;

		item.val = node(x, *it);
		item.line = node_line(item.val);
		if (cnt == XLB_HC_MAX_STATUS) {
			cerr(x, item.line,
			     "'expect_status' has more than %d entries",
			     XLB_HC_MAX_STATUS);
			return false;
		}
		s = scalar(x, &item, "expect_status");
		if (!s) {
			ok = false;
			continue;
		}
		if (!parse_status_item(s, &h->status_lo[cnt],
				       &h->status_hi[cnt])) {
			cerr(x, item.line,
			     "'expect_status': '%s' is not a status code or range in 100..599",
			     s);
			ok = false;
		}
	}
	if (!cnt) {
		cerr(x, node_line(n), "'expect_status' must not be empty");
		return false;
	}
	h->n_status = cnt;
	return ok;
}

/* Order is the XLB_HC_SET_* bit order: key i sets bit i. */
enum {
	H_TYPE, H_PORT, H_INTERVAL, H_TIMEOUT, H_RISE, H_FALL, H_PATH,
	H_HOST, H_STATUS, H_BODY, H_PAYLOAD, H_EXPECT, H_N
};

static const char *const hc_keys[H_N] = {
	[H_TYPE] = "type",
	[H_PORT] = "port",
	[H_INTERVAL] = "interval",
	[H_TIMEOUT] = "timeout",
	[H_RISE] = "rise",
	[H_FALL] = "fall",
	[H_PATH] = "path",
	[H_HOST] = "host",
	[H_STATUS] = "expect_status",
	[H_BODY] = "expect_body",
	[H_PAYLOAD] = "payload",
	[H_EXPECT] = "expect",
};

_Static_assert(XLB_HC_SET_EXPECT == 1U << H_EXPECT, "hc key order");

/* Whether key @k of check type @want may appear when the type is @eff. */
static bool type_ok(struct ctx *x, const struct field *f, int k,
		    enum xlb_hc_type want, int eff)
{
	/* eff < 0: the type itself was bad and reported already. */
	if (eff < 0 || eff == (int)want)
		return true;
	cerr(x, f->line, "'%s' applies only to %s health checks (type is %s)",
	     hc_keys[k], xlb_hc_type_names[want], xlb_hc_type_names[eff]);
	return false;
}

/*
 * Parse health_check mapping @n into *out: the keys given, and the rest
 * from @base (the defaults for a service, the service's for a backend).
 */
static void parse_hc(struct ctx *x, yaml_node_t *n, struct xlb_hc_conf *out,
		     const struct xlb_hc_conf *base, bool backend)
{
	struct field f[H_N];
	struct xlb_hc_conf h;
	bool tbad = false;
	__u32 v;
	int eff, i;

	memset(&h, 0, sizeof(h));
	h.line = node_line(n);
	if (!collect(x, n, "health_check", hc_keys, H_N, f)) {
		xlb_hc_conf_merge(&h, base);
		*out = h;
		return;
	}

	eff = base->type;
	if (f[H_TYPE].val) {
		i = get_enum(x, &f[H_TYPE], "type", xlb_hc_type_names,
			     XLB_HC_MAX);
		if (i >= 0) {
			h.type = i;
			h.set_mask |= XLB_HC_SET_TYPE;
		}
		eff = i;
	}
	if (f[H_PORT].val && get_u32(x, &f[H_PORT], "port", 1, 65535, &v)) {
		h.port = v;
		h.set_mask |= XLB_HC_SET_PORT;
	}
	if (f[H_INTERVAL].val &&
	    get_duration(x, &f[H_INTERVAL], "interval", true, &h.interval_ms))
		h.set_mask |= XLB_HC_SET_INTERVAL;
	else if (f[H_INTERVAL].val)
		tbad = true;
	if (f[H_TIMEOUT].val &&
	    get_duration(x, &f[H_TIMEOUT], "timeout", true, &h.timeout_ms))
		h.set_mask |= XLB_HC_SET_TIMEOUT;
	else if (f[H_TIMEOUT].val)
		tbad = true;
	if (f[H_RISE].val && get_u32(x, &f[H_RISE], "rise", 1, 100, &v)) {
		h.rise = v;
		h.set_mask |= XLB_HC_SET_RISE;
	}
	if (f[H_FALL].val && get_u32(x, &f[H_FALL], "fall", 1, 100, &v)) {
		h.fall = v;
		h.set_mask |= XLB_HC_SET_FALL;
	}
	if (f[H_PATH].val && type_ok(x, &f[H_PATH], H_PATH, XLB_HC_HTTP, eff) &&
	    get_str(x, &f[H_PATH], "path", h.path, sizeof(h.path))) {
		if (h.path[0] != '/' || !http_token_ok(h.path))
			cerr(x, node_line(f[H_PATH].val),
			     "'path' must start with '/' and contain no spaces or control characters");
		else
			h.set_mask |= XLB_HC_SET_PATH;
	}
	if (f[H_HOST].val && type_ok(x, &f[H_HOST], H_HOST, XLB_HC_HTTP, eff) &&
	    get_str(x, &f[H_HOST], "host", h.host, sizeof(h.host))) {
		if (!http_token_ok(h.host))
			cerr(x, node_line(f[H_HOST].val),
			     "'host' must contain no spaces or control characters");
		else
			h.set_mask |= XLB_HC_SET_HOST;
	}
	if (f[H_STATUS].val &&
	    type_ok(x, &f[H_STATUS], H_STATUS, XLB_HC_HTTP, eff) &&
	    get_status(x, &f[H_STATUS], &h))
		h.set_mask |= XLB_HC_SET_STATUS;
	if (f[H_BODY].val && type_ok(x, &f[H_BODY], H_BODY, XLB_HC_HTTP, eff) &&
	    get_str(x, &f[H_BODY], "expect_body", h.expect_body,
		    sizeof(h.expect_body)))
		h.set_mask |= XLB_HC_SET_BODY;
	if (f[H_PAYLOAD].val &&
	    type_ok(x, &f[H_PAYLOAD], H_PAYLOAD, XLB_HC_UDP, eff)) {
		/* Bytes, not a C string: "\x00" escapes are allowed. */
		yaml_node_t *p = f[H_PAYLOAD].val;

		if (p->type != YAML_SCALAR_NODE) {
			cerr(x, node_line(p),
			     "'payload' must be a scalar, not %s", kind(p));
		} else if (p->data.scalar.length >= sizeof(h.payload)) {
			cerr(x, node_line(p),
			     "'payload' is too long (%zu bytes, at most %zu)",
			     p->data.scalar.length, sizeof(h.payload) - 1);
		} else {
			h.payload_len = p->data.scalar.length;
			memcpy(h.payload, p->data.scalar.value, h.payload_len);
			h.set_mask |= XLB_HC_SET_PAYLOAD;
		}
	}
	if (f[H_EXPECT].val &&
	    type_ok(x, &f[H_EXPECT], H_EXPECT, XLB_HC_UDP, eff) &&
	    get_str(x, &f[H_EXPECT], "expect", h.expect, sizeof(h.expect)))
		h.set_mask |= XLB_HC_SET_EXPECT;

	xlb_hc_conf_merge(&h, base);
	/*
	 * A backend that only inherits both values shares the service's
	 * verdict; report it once, at the service.
	 */
	if (!tbad && h.timeout_ms > h.interval_ms &&
	    (!backend ||
	     h.set_mask & (XLB_HC_SET_INTERVAL | XLB_HC_SET_TIMEOUT))) {
		char t[32], iv[32];

		xlb_format_duration_ms(h.timeout_ms, t, sizeof(t));
		xlb_format_duration_ms(h.interval_ms, iv, sizeof(iv));
		cerr(x, f[H_TIMEOUT].line ? f[H_TIMEOUT].line :
		     f[H_INTERVAL].line ? f[H_INTERVAL].line : h.line,
		     "health_check timeout %s is longer than interval %s", t,
		     iv);
	}
	*out = h;
}

enum { B_ADDRESS, B_WEIGHT, B_HC, B_N };

static const char *const backend_keys[B_N] = {
	[B_ADDRESS] = "address",
	[B_WEIGHT] = "weight",
	[B_HC] = "health_check",
};

static void parse_backend(struct ctx *x, yaml_node_t *n,
			  const struct xlb_service_conf *s,
			  struct xlb_backend_conf *b)
{
	struct field f[B_N];

	xlb_backend_conf_init(b, s);
	b->line = node_line(n);
	if (!collect(x, n, "backend", backend_keys, B_N, f))
		return;
	if (!f[B_ADDRESS].val) {
		missing(x, n, &f[B_ADDRESS], "address", "backend");
	} else if (get_addr(x, &f[B_ADDRESS], "address", &b->addr,
			    &b->family) &&
		   s->family && b->family != s->family) {
		char a[XLB_ADDR_STRLEN], v[XLB_ADDR_STRLEN];

		xlb_format_addr(&b->addr, b->family, a, sizeof(a));
		xlb_format_addr(&s->vip, s->family, v, sizeof(v));
		cerr(x, node_line(f[B_ADDRESS].val),
		     "address family mismatch: backend %s is IPv%d but vip %s is IPv%d",
		     a, b->family, v, s->family);
	}
	if (f[B_WEIGHT].val)
		get_u32(x, &f[B_WEIGHT], "weight", 0, 65535, &b->weight);
	if (f[B_HC].val) {
		b->has_hc = true;
		parse_hc(x, f[B_HC].val, &b->hc, &s->hc, true);
	}
}

static int addr_cmp(const union xlb_addr *a, __u8 fa, const union xlb_addr *b,
		    __u8 fb)
{
	if (fa != fb)
		return fa < fb ? -1 : 1;
	return memcmp(a, b, sizeof(*a));
}

static int backend_cmp(const void *pa, const void *pb)
{
	const struct xlb_backend_conf *a, *b;
	int c;

	a = *(const struct xlb_backend_conf *const *)pa;
	b = *(const struct xlb_backend_conf *const *)pb;
	c = addr_cmp(&a->addr, a->family, &b->addr, b->family);
	if (c)
		return c;
	return a < b ? -1 : a > b;
}

/* Sorting, not pairwise compares: a service may have 65535 backends. */
static void check_backend_dups(struct ctx *x, struct xlb_service_conf *s)
{
	struct xlb_backend_conf **v;
	size_t i, first = 0;

	if (s->n_backends < 2)
		return;
	v = malloc(s->n_backends * sizeof(*v));
	if (!v) {
		x->nomem = true;
		return;
	}
	for (i = 0; i < s->n_backends; i++)
		v[i] = &s->backends[i];
	qsort(v, s->n_backends, sizeof(*v), backend_cmp);
	for (i = 1; i < s->n_backends; i++) {
		char a[XLB_ADDR_STRLEN];

		if (!v[i]->family ||
		    addr_cmp(&v[i]->addr, v[i]->family, &v[first]->addr,
			     v[first]->family)) {
			first = i;
			continue;
		}
		xlb_format_addr(&v[i]->addr, v[i]->family, a, sizeof(a));
		cerr(x, v[i]->line,
		     "duplicate backend %s in service '%s' (first at line %d)",
		     a, s->name, v[first]->line);
	}
	free(v);
}

static void parse_backends(struct ctx *x, yaml_node_t *n,
			   struct xlb_service_conf *s)
{
	size_t cnt;

	if (n->type != YAML_SEQUENCE_NODE) {
		cerr(x, node_line(n), "'backends' must be a list, not %s",
		     kind(n));
		return;
	}
	cnt = n->data.sequence.items.top - n->data.sequence.items.start;
	if (!cnt)
		return;
	s->backends = calloc(cnt, sizeof(*s->backends));
	if (!s->backends) {
		x->nomem = true;
		return;
	}
	s->n_backends = cnt;
	for (size_t i = 0; i < cnt; i++)
		parse_backend(x, node(x, n->data.sequence.items.start[i]), s,
			      &s->backends[i]);
	check_backend_dups(x, s);
}

bool xlb_name_ok(const char *s)
{
	size_t len = strlen(s);

	if (!len || len > 63)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789_.-") == len;
}

enum {
	S_NAME, S_VIP, S_PORT, S_PROTO, S_SCHED, S_TABLE, S_ALL_DOWN,
	S_SLOW_START, S_HC, S_BACKENDS, S_N
};

static const char *const service_keys[S_N] = {
	[S_NAME] = "name",
	[S_VIP] = "vip",
	[S_PORT] = "port",
	[S_PROTO] = "protocol",
	[S_SCHED] = "scheduler",
	[S_TABLE] = "table_size",
	[S_ALL_DOWN] = "on_all_down",
	[S_SLOW_START] = "slow_start",
	[S_HC] = "health_check",
	[S_BACKENDS] = "backends",
};

static void parse_service(struct ctx *x, yaml_node_t *n,
			  struct xlb_service_conf *s)
{
	struct field f[S_N];
	struct xlb_hc_conf base;
	bool table_ok = true;
	__u32 v;
	int i;

	xlb_service_conf_init(s);
	s->line = node_line(n);
	if (!collect(x, n, "service", service_keys, S_N, f))
		return;

	if (!f[S_NAME].val) {
		missing(x, n, &f[S_NAME], "name", "service");
	} else if (get_str(x, &f[S_NAME], "name", s->name, sizeof(s->name)) &&
		   !xlb_name_ok(s->name)) {
		cerr(x, node_line(f[S_NAME].val),
		     "service name '%s' must be 1..63 characters of [A-Za-z0-9_.-]",
		     s->name);
		s->name[0] = '\0';
	}
	if (!f[S_VIP].val)
		missing(x, n, &f[S_VIP], "vip", "service");
	else
		get_addr(x, &f[S_VIP], "vip", &s->vip, &s->family);
	if (!f[S_PORT].val)
		missing(x, n, &f[S_PORT], "port", "service");
	else if (get_u32(x, &f[S_PORT], "port", 1, 65535, &v))
		s->port = v;
	if (f[S_PROTO].val) {
		i = get_enum(x, &f[S_PROTO], "protocol", proto_names,
			     ARRAY_SIZE(proto_names));
		/* Unknown: 0 keeps it out of the duplicate check. */
		s->proto = i < 0 ? 0 : proto_nums[i];
	}
	if (f[S_SCHED].val) {
		i = get_enum(x, &f[S_SCHED], "scheduler", xlb_sched_names,
			     XLB_SCHED_MAX);
		if (i >= 0)
			s->sched = i;
	}
	if (f[S_TABLE].val) {
		table_ok = get_u32(x, &f[S_TABLE], "table_size", 1,
				   XLB_MAX_TABLE_SIZE, &s->table_size);
		if (table_ok && !xlb_is_prime(s->table_size)) {
			__u32 p = s->table_size + 1;

			while (p < XLB_MAX_TABLE_SIZE && !xlb_is_prime(p))
				p++;
			cerr(x, node_line(f[S_TABLE].val),
			     "table_size %u is not prime (next prime: %u)",
			     s->table_size, p);
			table_ok = false;
		}
	}
	if (f[S_ALL_DOWN].val) {
		i = get_enum(x, &f[S_ALL_DOWN], "on_all_down",
			     on_all_down_names, ARRAY_SIZE(on_all_down_names));
		s->keep_last = i == 1;
	}
	if (f[S_SLOW_START].val)
		get_duration(x, &f[S_SLOW_START], "slow_start", false,
			     &s->slow_start_ms);

	xlb_hc_conf_init(&base, s->port);
	if (f[S_HC].val)
		parse_hc(x, f[S_HC].val, &s->hc, &base, false);
	else
		s->hc = base;

	if (f[S_BACKENDS].val)
		parse_backends(x, f[S_BACKENDS].val, s);
	if (table_ok && s->n_backends > s->table_size)
		cerr(x, f[S_TABLE].line ? f[S_TABLE].line : s->line,
		     "table_size %u is smaller than the number of backends (%zu)",
		     s->table_size, s->n_backends);
}

static void check_services(struct ctx *x, struct xlb_config *c)
{
	/* Pairwise is fine up to the limit; far past it, just say so. */
	bool pairwise = c->n_services < 4 * XLB_MAX_SERVICES;
	size_t total = 0;

	for (size_t i = 0; i < c->n_services; i++) {
		struct xlb_service_conf *s = &c->services[i];

		total += s->n_backends;
		for (size_t j = 0; pairwise && j < i; j++) {
			struct xlb_service_conf *o = &c->services[j];
			char a[XLB_ADDR_STRLEN];

			if (s->name[0] && !strcmp(s->name, o->name))
				cerr(x, s->line,
				     "duplicate service name '%s' (first at line %d)",
				     s->name, o->line);
			/* Fields that failed to parse are 0: skip them. */
			if (!s->family || !s->port || !s->proto ||
			    s->port != o->port || s->proto != o->proto ||
			    addr_cmp(&s->vip, s->family, &o->vip, o->family))
				continue;
			xlb_format_addr(&s->vip, s->family, a, sizeof(a));
			cerr(x, s->line,
			     "duplicate service: %s%s%s port %u/%s is already service '%s' (line %d)",
			     s->family == XLB_FAMILY_V6 ? "[" : "", a,
			     s->family == XLB_FAMILY_V6 ? "]" : "", s->port,
			     xlb_proto_name(s->proto), o->name, o->line);
		}
	}
	if (c->n_services > XLB_MAX_SERVICES - 1)
		cerr(x, c->services[XLB_MAX_SERVICES - 1].line,
		     "too many services (%zu, at most %d)", c->n_services,
		     XLB_MAX_SERVICES - 1);
	if (total > XLB_MAX_BACKENDS - 1)
		cerr(x, 0, "too many backends in all (%zu, at most %d)", total,
		     XLB_MAX_BACKENDS - 1);
}

static void parse_services(struct ctx *x, yaml_node_t *n,
			   struct xlb_config *c)
{
	size_t cnt;

	if (n->type != YAML_SEQUENCE_NODE) {
		cerr(x, node_line(n), "'services' must be a list, not %s",
		     kind(n));
		return;
	}
	cnt = n->data.sequence.items.top - n->data.sequence.items.start;
	if (!cnt)
		return;
	c->services = calloc(cnt, sizeof(*c->services));
	if (!c->services) {
		x->nomem = true;
		return;
	}
	c->n_services = cnt;
	for (size_t i = 0; i < cnt && !x->nomem; i++)
		parse_service(x, node(x, n->data.sequence.items.start[i]),
			      &c->services[i]);
	check_services(x, c);
}

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

enum {
	G_INTERFACE, G_XDP_MODE, G_CONTROL_SOCKET, G_PIN_DIR, G_METRICS,
	G_FLOW_TCP, G_FLOW_UDP, G_FLOW_CLOSED, G_FLOW_SCAN, G_SERVICES, G_N
};

static const char *const global_keys[G_N] = {
	[G_INTERFACE] = "interface",
	[G_XDP_MODE] = "xdp_mode",
	[G_CONTROL_SOCKET] = "control_socket",
	[G_PIN_DIR] = "pin_dir",
	[G_METRICS] = "metrics_listen",
	[G_FLOW_TCP] = "flow_timeout_tcp",
	[G_FLOW_UDP] = "flow_timeout_udp",
	[G_FLOW_CLOSED] = "flow_timeout_closed",
	[G_FLOW_SCAN] = "flow_scan_interval",
	[G_SERVICES] = "services",
};

static void get_path(struct ctx *x, const struct field *f, const char *key,
		     char *buf, size_t size)
{
	if (get_str(x, f, key, buf, size) && !*buf)
		cerr(x, node_line(f->val), "'%s' must not be empty", key);
}

static void parse_root(struct ctx *x, yaml_node_t *root, struct xlb_config *c)
{
	struct field f[G_N];
	int i;

	if (!collect(x, root, "the top level", global_keys, G_N, f))
		return;
	if (!f[G_INTERFACE].val) {
		missing(x, root, &f[G_INTERFACE], "interface",
			"the top level");
	} else if (get_str(x, &f[G_INTERFACE], "interface", c->interface,
			   sizeof(c->interface)) &&
		   !ifname_ok(c->interface)) {
		cerr(x, node_line(f[G_INTERFACE].val),
		     "'interface': '%s' is not a valid interface name",
		     c->interface);
	}
	if (f[G_XDP_MODE].val) {
		i = get_enum(x, &f[G_XDP_MODE], "xdp_mode", xdp_mode_names,
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
	    get_str(x, &f[G_METRICS], "metrics_listen", c->metrics_listen,
		    sizeof(c->metrics_listen)) &&
	    c->metrics_listen[0]) {
		union xlb_addr a;
		__u16 port;
		__u8 fam;

		if (xlb_parse_addr_port(c->metrics_listen, &a, &fam, &port))
			cerr(x, node_line(f[G_METRICS].val),
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
				get_duration(x, &f[i], global_keys[i], true,
					     ms[i]);
	}
	if (f[G_SERVICES].val)
		parse_services(x, f[G_SERVICES].val, c);
}

static void parser_error(struct ctx *x, const yaml_parser_t *p)
{
	switch (p->error) {
	case YAML_MEMORY_ERROR:
		x->nomem = true;
		x->n_err++;
		break;
	case YAML_READER_ERROR:
		cerr(x, 0, "invalid input at byte %zu: %s", p->problem_offset,
		     p->problem);
		break;
	default:
		if (p->context) {
			cerr(x, p->problem_mark.line + 1,
			     "YAML syntax error: %s (%s at line %zu)",
			     p->problem, p->context,
			     p->context_mark.line + 1);
		} else {
			cerr(x, p->problem_mark.line + 1,
			     "YAML syntax error: %s", p->problem);
		}
		break;
	}
}

static int load(const char *name, yaml_parser_t *p, struct xlb_config *out,
		struct xlb_config_errors *errs)
{
	struct ctx x = {
		.name = name,
		.errs = errs,
		.errs_from = errs ? errs->n : 0,
	};
	yaml_document_t doc, extra;
	bool have_doc = false;
	struct xlb_config c;
	yaml_node_t *root;
	int err;

	xlb_config_init(&c);
	if (!yaml_parser_load(p, &doc)) {
		parser_error(&x, p);
		goto out;
	}
	have_doc = true;
	x.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (!root) {
		cerr(&x, 1, "the file is empty: 'interface' is required");
		goto out;
	}
	/* A second document would otherwise be ignored without a word. */
	if (!yaml_parser_load(p, &extra)) {
		parser_error(&x, p);
	} else {
		yaml_node_t *r = yaml_document_get_root_node(&extra);

		if (r)
			cerr(&x, node_line(r),
			     "only one YAML document is allowed");
		yaml_document_delete(&extra);
	}
	parse_root(&x, root, &c);
out:
	if (have_doc)
		yaml_document_delete(&doc);
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

int xlb_config_load_str(const char *name, const char *yaml,
			struct xlb_config *out, struct xlb_config_errors *errs)
{
	yaml_parser_t p;
	int err;

	memset(out, 0, sizeof(*out));
	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)yaml,
				     strlen(yaml));
	err = load(name, &p, out, errs);
	yaml_parser_delete(&p);
	return err;
}

int xlb_config_load(const char *path, struct xlb_config *out,
		    struct xlb_config_errors *errs)
{
	struct ctx x = { .name = path, .errs = errs };
	yaml_parser_t p;
	struct stat st;
	FILE *f;
	int err;

	memset(out, 0, sizeof(*out));
	x.errs_from = errs ? errs->n : 0;
	f = fopen(path, "r");
	if (!f) {
		err = -errno;
		cerr(&x, 0, "cannot open: %s", strerror(-err));
		return err;
	}
	/* fopen() takes a directory; libyaml would call it "input error". */
	if (!fstat(fileno(f), &st) && S_ISDIR(st.st_mode)) {
		err = -EISDIR;
		cerr(&x, 0, "cannot read: %s", strerror(-err));
		goto out;
	}
	if (!yaml_parser_initialize(&p)) {
		err = -ENOMEM;
		goto out;
	}
	yaml_parser_set_input_file(&p, f);
	err = load(path, &p, out, errs);
	yaml_parser_delete(&p);
out:
	fclose(f);
	return err;
}

/* Dumping */

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

	if (!len || strnlen(s, len) != len || is_null_str(s) ||
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

static void put_addr(FILE *f, const union xlb_addr *a, __u8 family)
{
	char buf[XLB_ADDR_STRLEN];

	xlb_format_addr(a, family, buf, sizeof(buf));
	/* "::1" would start a mapping key in flow context. */
	fprintf(f, family == XLB_FAMILY_V6 ? "\"%s\"" : "%s", buf);
}

static bool status_equal(const struct xlb_hc_conf *a,
			 const struct xlb_hc_conf *b)
{
	if (a->n_status != b->n_status)
		return false;
	for (int i = 0; i < a->n_status; i++)
		if (a->status_lo[i] != b->status_lo[i] ||
		    a->status_hi[i] != b->status_hi[i])
			return false;
	return true;
}

/* Keys of @hc to write: given, or different from what @base supplies. */
static unsigned int hc_dump_mask(const struct xlb_hc_conf *hc,
				 const struct xlb_hc_conf *base)
{
	unsigned int m = hc->set_mask;

	if (hc->type != base->type)
		m |= XLB_HC_SET_TYPE;
	if (hc->port != base->port)
		m |= XLB_HC_SET_PORT;
	if (hc->interval_ms != base->interval_ms)
		m |= XLB_HC_SET_INTERVAL;
	if (hc->timeout_ms != base->timeout_ms)
		m |= XLB_HC_SET_TIMEOUT;
	if (hc->rise != base->rise)
		m |= XLB_HC_SET_RISE;
	if (hc->fall != base->fall)
		m |= XLB_HC_SET_FALL;
	if (strcmp(hc->path, base->path))
		m |= XLB_HC_SET_PATH;
	if (strcmp(hc->host, base->host))
		m |= XLB_HC_SET_HOST;
	if (!status_equal(hc, base))
		m |= XLB_HC_SET_STATUS;
	if (strcmp(hc->expect_body, base->expect_body))
		m |= XLB_HC_SET_BODY;
	if (hc->payload_len != base->payload_len ||
	    memcmp(hc->payload, base->payload, hc->payload_len))
		m |= XLB_HC_SET_PAYLOAD;
	if (strcmp(hc->expect, base->expect))
		m |= XLB_HC_SET_EXPECT;
	/* Keys the type does not use would be rejected on load. */
	if (hc->type != XLB_HC_HTTP)
		m &= ~(XLB_HC_SET_PATH | XLB_HC_SET_HOST | XLB_HC_SET_STATUS |
		       XLB_HC_SET_BODY);
	if (hc->type != XLB_HC_UDP)
		m &= ~(XLB_HC_SET_PAYLOAD | XLB_HC_SET_EXPECT);
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
		    !strcmp(xlb_proto_name(s->proto), "?") ||
		    !hc_dumpable(&s->hc) ||
		    !str_dumpable(s->name, strlen(s->name)))
			return false;
		for (size_t j = 0; j < s->n_backends; j++)
			if (!family_ok(s->backends[j].family) ||
			    !hc_dumpable(&s->backends[j].hc))
				return false;
	}
	return str_dumpable(c->interface, strlen(c->interface)) &&
	       str_dumpable(c->control_socket, strlen(c->control_socket)) &&
	       str_dumpable(c->pin_dir, strlen(c->pin_dir)) &&
	       str_dumpable(c->metrics_listen, strlen(c->metrics_listen));
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
	if (s->table_size != XLB_DEFAULT_TABLE_SIZE)
		fprintf(f, "    table_size: %u\n", s->table_size);
	if (s->keep_last)
		fprintf(f, "    on_all_down: keep_last\n");
	if (s->slow_start_ms) {
		xlb_format_duration_ms(s->slow_start_ms, buf, sizeof(buf));
		fprintf(f, "    slow_start: %s\n", buf);
	}
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
			fprintf(f, ", weight: %u }\n", b->weight);
			continue;
		}
		fprintf(f, "      - address: ");
		put_addr(f, &b->addr, b->family);
		fprintf(f, "\n        weight: %u\n", b->weight);
		put_hc(f, 8, &b->hc, &s->hc);
	}
}

int xlb_config_dump(const struct xlb_config *c, FILE *f)
{
	if (!config_dumpable(c))
		return -EINVAL;
	put_key_str(f, 0, "interface", c->interface, strlen(c->interface));
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
	{
		struct xlb_config def;
		const __u32 *now[] = {
			&c->flows.tcp_timeout_ms, &c->flows.udp_timeout_ms,
			&c->flows.closed_timeout_ms,
			&c->flows.scan_interval_ms,
		}, *was[] = {
			&def.flows.tcp_timeout_ms, &def.flows.udp_timeout_ms,
			&def.flows.closed_timeout_ms,
			&def.flows.scan_interval_ms,
		};
		char buf[32];

		xlb_config_init(&def);
		for (int i = 0; i < 4; i++) {
			if (*now[i] == *was[i])
				continue;
			xlb_format_duration_ms(*now[i], buf, sizeof(buf));
			fprintf(f, "%s: %s\n", global_keys[G_FLOW_TCP + i],
				buf);
		}
	}
	if (!c->n_services)
		fprintf(f, "services: []\n");
	else
		fprintf(f, "services:\n");
	for (size_t i = 0; i < c->n_services; i++)
		put_service(f, &c->services[i]);
	if (fflush(f) || ferror(f))
		return -EIO;
	return 0;
}
