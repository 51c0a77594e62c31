// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The services list of the config file: each service's keys and its
 * backends' (health_check mappings are config_hc.c's), and the checks
 * across services and backends (duplicates, limits). Called by the loader
 * (config_load.c) for the top-level 'services' key.
 */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config.h"
#include "config_parse.h"
#include "maglev.h"
#include "yaml_read.h"
#include "xlb_util.h"

static const char *const on_all_down_names[] = { "drop", "keep_last" };
/* The keys of a backend item, X(B_NAME, "key"): f[B_NAME] in parse_backend(). */
#define BACKEND_KEYS(X)         \
	X(B_ADDRESS, "address") \
	X(B_WEIGHT, "weight")   \
	X(B_PORT, "port")       \
	X(B_HC, "health_check")

YR_KEYS_EXPORT(BACKEND_KEYS, B_N, backend_keys, xlb_config_backend_keys);

/* via_tunnel: true only where there is a tunnel to go through. */
static void via_tunnel_check(struct yr_ctx *x, const struct xlb_service_conf *s,
			     const struct xlb_hc_conf *hc, int line)
{
	if (hc->via_tunnel && !xlb_fwd_is_encap(s->fwd))
		yr_err(x, line,
		       "health_check via_tunnel needs forwarding: ipip or gue (this service's is %s)",
		       xlb_fwd_names[s->fwd]);
}

static void parse_backend(struct yr_ctx *x, yaml_node_t *n,
			  const struct xlb_service_conf *s,
			  struct xlb_backend_conf *b)
{
	struct yr_field f[B_N];

	xlb_backend_conf_init(b, s);
	b->line = yr_node_line(n);
	if (!yr_collect(x, n, "backend", backend_keys, B_N, f))
		return;
	if (!f[B_ADDRESS].val) {
		yr_missing(x, n, &f[B_ADDRESS], "address", "backend");
	} else if (yr_get_addr(x, &f[B_ADDRESS], "address", &b->addr,
			       &b->family) &&
		   s->family && b->family != s->family &&
		   !xlb_fwd_is_encap(s->fwd)) {
		char a[XLB_ADDR_STRLEN], v[XLB_ADDR_STRLEN];

		xlb_format_addr(&b->addr, b->family, a, sizeof(a));
		xlb_format_addr(&s->vip, s->family, v, sizeof(v));
		yr_err(x, yr_node_line(f[B_ADDRESS].val),
		       "address family mismatch: backend %s is IPv%d but vip %s is IPv%d (only forwarding ipip and gue mix families)",
		       a, b->family, v, s->family);
	}
	if (f[B_WEIGHT].val)
		yr_get_u32(x, &f[B_WEIGHT], "weight", 0, XLB_MAX_WEIGHT,
			   &b->weight);
	if (f[B_PORT].val) {
		__u32 v;

		if (s->fwd != XLB_FWD_NAT)
			yr_err(x, yr_node_line(f[B_PORT].val),
			       "backend 'port' needs forwarding: nat (with %s the backend answers on the vip's port)",
			       xlb_fwd_names[s->fwd]);
		else if (yr_get_u32(x, &f[B_PORT], "port", 1, 65535, &v))
			b->port = v;
	}
	if (f[B_HC].val) {
		b->has_hc = true;
		xlb_config_parse_hc(x, f[B_HC].val, &b->hc, &s->hc, true);
		if (b->hc.set_mask & XLB_HC_SET_VIA_TUNNEL)
			via_tunnel_check(x, s, &b->hc, b->hc.line);
	}
	/* the probe is the backend's own packet with the VIP put in */
	if (b->hc.via_tunnel && xlb_fwd_is_encap(s->fwd) && b->family &&
	    s->family && b->family != s->family)
		yr_err(x, b->line,
		       "health_check via_tunnel: backend is IPv%d but the vip is IPv%d (a check through the tunnel needs one family)",
		       b->family, s->family);
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
static void check_backend_dups(struct yr_ctx *x, struct xlb_service_conf *s)
{
	struct xlb_backend_conf **v;
	size_t i, first = 0;

	if (s->n_backends < 2)
		return;
	v = yr_calloc(x, s->n_backends, sizeof(*v));
	if (!v)
		return;
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
		yr_err(x, v[i]->line,
		       "duplicate backend %s in service '%s' (first at line %d)",
		       a, s->name, v[first]->line);
	}
	free(v);
}

/*
 * Backend ids are shared by all services (XLB_MAX_BACKENDS - 1 of them).
 * Past the limit no more backends are parsed: aliases repeating one long
 * list cannot multiply the work.
 */
struct backend_count {
	size_t total;  /* listed so far, parsed or not */
	int over_line; /* of the first backend past the limit, or 0 */
};

static void parse_backends(struct yr_ctx *x, yaml_node_t *n,
			   struct xlb_service_conf *s, struct backend_count *bc)
{
	long len = yr_list_len(x, n, "backends");
	size_t cnt, room = 0;

	if (len < 0)
		return;
	cnt = len;
	if (bc->total < XLB_MAX_BACKENDS - 1)
		room = XLB_MAX_BACKENDS - 1 - bc->total;
	if (cnt > room && !bc->over_line)
		bc->over_line = yr_node_line(yr_list_item(x, n, room));
	bc->total += cnt;
	if (cnt > room)
		cnt = room;
	if (!cnt)
		return;
	s->backends = yr_calloc(x, cnt, sizeof(*s->backends));
	if (!s->backends)
		return;
	s->n_backends = cnt;
	for (size_t i = 0; i < cnt; i++)
		parse_backend(x, yr_list_item(x, n, i), s, &s->backends[i]);
	check_backend_dups(x, s);
}

/* The keys of a service item, X(S_NAME, "key"): f[S_NAME] in parse_service(). */
#define SERVICE_KEYS(X)                \
	X(S_NAME, "name")              \
	X(S_VIP, "vip")                \
	X(S_PORT, "port")              \
	X(S_PROTO, "protocol")         \
	X(S_SCHED, "scheduler")        \
	X(S_FWD, "forwarding")         \
	X(S_TABLE, "table_size")       \
	X(S_ALL_DOWN, "on_all_down")   \
	X(S_SLOW_START, "slow_start")  \
	X(S_ANNOUNCE, "announce")      \
	X(S_MIN_UP, "min_up_backends") \
	X(S_FLOW_SYNC, "flow_sync")    \
	X(S_HC, "health_check")        \
	X(S_BACKENDS, "backends")

YR_KEYS_EXPORT(SERVICE_KEYS, S_N, service_keys, xlb_config_service_keys);

static void parse_service(struct yr_ctx *x, yaml_node_t *n,
			  struct xlb_service_conf *s, struct backend_count *bc)
{
	struct yr_field f[S_N];
	struct xlb_hc_conf base;
	bool table_ok = true;
	__u32 v;
	int i;

	xlb_service_conf_init(s);
	s->line = yr_node_line(n);
	if (!yr_collect(x, n, "service", service_keys, S_N, f))
		return;

	if (yr_get_required_str(x, n, &f[S_NAME], "name", "service", s->name,
				sizeof(s->name)) &&
	    !xlb_name_ok(s->name)) {
		yr_err(x, yr_node_line(f[S_NAME].val),
		       "service name '%s' must be 1..63 characters of [A-Za-z0-9_.-]",
		       s->name);
		s->name[0] = '\0';
	}
	if (!f[S_VIP].val)
		yr_missing(x, n, &f[S_VIP], "vip", "service");
	else
		yr_get_addr(x, &f[S_VIP], "vip", &s->vip, &s->family);
	if (!f[S_PORT].val)
		yr_missing(x, n, &f[S_PORT], "port", "service");
	else if (yr_get_u32(x, &f[S_PORT], "port", 1, 65535, &v))
		s->port = v;
	if (f[S_PROTO].val) {
		i = yr_get_enum(x, &f[S_PROTO], "protocol", xlb_proto_names,
				ARRAY_SIZE(xlb_proto_names));
		/* Unknown: 0 keeps it out of the duplicate check. */
		s->proto = i < 0 ? 0 : xlb_proto_nums[i];
	}
	if (f[S_SCHED].val) {
		i = yr_get_enum(x, &f[S_SCHED], "scheduler", xlb_sched_names,
				XLB_SCHED_MAX);
		if (i >= 0)
			s->sched = i;
	}
	if (f[S_FWD].val) {
		i = yr_get_enum(x, &f[S_FWD], "forwarding", xlb_fwd_names,
				XLB_FWD_MAX);
		if (i >= 0 && !xlb_fwd_supported(i))
			yr_err(x, yr_node_line(f[S_FWD].val),
			       "'forwarding': %s is not implemented yet",
			       xlb_fwd_names[i]);
		else if (i >= 0)
			s->fwd = i;
	}
	if (f[S_TABLE].val) {
		table_ok = yr_get_u32(x, &f[S_TABLE], "table_size", 1,
				      XLB_MAX_TABLE_SIZE, &s->table_size);
		if (table_ok && !xlb_is_prime(s->table_size)) {
			__u32 p = s->table_size + 1;

			while (p < XLB_MAX_TABLE_SIZE && !xlb_is_prime(p))
				p++;
			yr_err(x, yr_node_line(f[S_TABLE].val),
			       "table_size %u is not prime (next prime: %u)",
			       s->table_size, p);
			table_ok = false;
		}
	}
	if (f[S_ALL_DOWN].val) {
		i = yr_get_enum(x, &f[S_ALL_DOWN], "on_all_down",
				on_all_down_names,
				ARRAY_SIZE(on_all_down_names));
		s->keep_last = i == 1;
	}
	if (f[S_SLOW_START].val)
		yr_get_duration(x, &f[S_SLOW_START], "slow_start", false,
				&s->slow_start_ms);
	if (f[S_ANNOUNCE].val) {
		i = yr_get_enum(x, &f[S_ANNOUNCE], "announce", xlb_bool_names,
				ARRAY_SIZE(xlb_bool_names));
		s->announce = i != 0;
	}
	if (f[S_MIN_UP].val)
		yr_get_u32(x, &f[S_MIN_UP], "min_up_backends", 0, 65535,
			   &s->min_up_backends);
	if (f[S_FLOW_SYNC].val) {
		i = yr_get_enum(x, &f[S_FLOW_SYNC], "flow_sync", xlb_bool_names,
				ARRAY_SIZE(xlb_bool_names));
		s->flow_sync = i == 1;
	}

	xlb_hc_conf_init(&base, s->port);
	if (f[S_HC].val) {
		xlb_config_parse_hc(x, f[S_HC].val, &s->hc, &base, false);
		via_tunnel_check(x, s, &s->hc, s->hc.line);
	} else
		s->hc = base;

	if (f[S_BACKENDS].val)
		parse_backends(x, f[S_BACKENDS].val, s, bc);
	if (table_ok && s->n_backends > s->table_size)
		yr_err(x, f[S_TABLE].line ? f[S_TABLE].line : s->line,
		       "table_size %u is smaller than the number of backends (%zu)",
		       s->table_size, s->n_backends);
}

static void check_services(struct yr_ctx *x, struct xlb_config *c,
			   const struct backend_count *bc)
{
	/* Pairwise is fine up to the limit; far past it, just say so. */
	bool pairwise = c->n_services < 4 * XLB_MAX_SERVICES;

	for (size_t i = 0; i < c->n_services; i++) {
		struct xlb_service_conf *s = &c->services[i];

		for (size_t j = 0; pairwise && j < i; j++) {
			struct xlb_service_conf *o = &c->services[j];
			char a[XLB_ADDR_STRLEN];

			if (s->name[0] && !strcmp(s->name, o->name))
				yr_err(x, s->line,
				       "duplicate service name '%s' (first at line %d)",
				       s->name, o->line);
			/* Fields that failed to parse are 0: skip them. */
			if (!s->family || !s->port || !s->proto ||
			    s->port != o->port || s->proto != o->proto ||
			    addr_cmp(&s->vip, s->family, &o->vip, o->family))
				continue;
			xlb_format_addr(&s->vip, s->family, a, sizeof(a));
			yr_err(x, s->line,
			       "duplicate service: %s%s%s port %u/%s is already service '%s' (line %d)",
			       s->family == XLB_FAMILY_V6 ? "[" : "", a,
			       s->family == XLB_FAMILY_V6 ? "]" : "", s->port,
			       xlb_proto_name(s->proto), o->name, o->line);
		}
	}
	if (c->n_services > XLB_MAX_SERVICES - 1)
		yr_err(x, c->services[XLB_MAX_SERVICES - 1].line,
		       "too many services (%zu, at most %d)", c->n_services,
		       XLB_MAX_SERVICES - 1);
	if (bc->total > XLB_MAX_BACKENDS - 1)
		yr_err(x, bc->over_line,
		       "too many backends in all (%zu, at most %d): this is backend %d",
		       bc->total, XLB_MAX_BACKENDS - 1, XLB_MAX_BACKENDS);
}

void xlb_config_parse_services(struct yr_ctx *x, yaml_node_t *n,
			       struct xlb_config *c)
{
	struct backend_count bc = {};
	long cnt = yr_list_len(x, n, "services");

	if (cnt <= 0)
		return;
	c->services = yr_calloc(x, cnt, sizeof(*c->services));
	if (!c->services)
		return;
	c->n_services = cnt;
	for (long i = 0; i < cnt && !x->nomem; i++)
		parse_service(x, yr_list_item(x, n, i), &c->services[i], &bc);
	check_services(x, c, &bc);
}
