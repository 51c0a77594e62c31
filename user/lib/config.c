// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The config structs' lifecycle: defaults, health-check inheritance, deep
 * copy, free, equality and the error list. The schema is in config.h, the
 * loader in config_load.c, the writer in config_dump.c.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

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

/* How two values of a key compare (XLB_HC_KEYS). */
enum hc_cmp {
	HC_CMP_BYTES,
	HC_CMP_STR,
	HC_CMP_STATUS,
	HC_CMP_PAYLOAD
};

#define HC_OFF(f) offsetof(struct xlb_hc_conf, f)
#define HC_END(f) (HC_OFF(f) + sizeof(((struct xlb_hc_conf *)0)->f))

/* Each key's value: len bytes at off in struct xlb_hc_conf. */
static const struct {
	size_t off, len;
	enum hc_cmp cmp;
} hc_fields[XLB_HC_N_KEYS] = {
#define HC_FIELDS(k, key, first, last, cmp)                               \
	[XLB_HC_KEY_##k] = { HC_OFF(first), HC_END(last) - HC_OFF(first), \
			     HC_CMP_##cmp },
	XLB_HC_KEYS(HC_FIELDS)
#undef HC_FIELDS
};

void xlb_hc_conf_merge(struct xlb_hc_conf *hc, const struct xlb_hc_conf *base)
{
	for (int k = 0; k < XLB_HC_N_KEYS; k++)
		if (!(hc->set_mask & 1U << k))
			memcpy((char *)hc + hc_fields[k].off,
			       (const char *)base + hc_fields[k].off,
			       hc_fields[k].len);
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

static bool hc_key_equal(const struct xlb_hc_conf *a,
			 const struct xlb_hc_conf *b, int k)
{
	const char *x = (const char *)a + hc_fields[k].off;
	const char *y = (const char *)b + hc_fields[k].off;

	switch (hc_fields[k].cmp) {
	case HC_CMP_STR:
		return !strcmp(x, y);
	case HC_CMP_STATUS:
		return status_equal(a, b);
	case HC_CMP_PAYLOAD:
		return a->payload_len == b->payload_len &&
		       !memcmp(a->payload, b->payload, a->payload_len);
	default:
		return !memcmp(x, y, hc_fields[k].len);
	}
}

unsigned int xlb_hc_conf_diff(const struct xlb_hc_conf *a,
			      const struct xlb_hc_conf *b)
{
	unsigned int m = 0;

	for (int k = 0; k < XLB_HC_N_KEYS; k++)
		if (!hc_key_equal(a, b, k))
			m |= 1U << k;
	return m;
}

unsigned int xlb_hc_type_keys(enum xlb_hc_type t)
{
	unsigned int m = (1U << XLB_HC_N_KEYS) - 1;

	if (t != XLB_HC_HTTP)
		m &= ~XLB_HC_HTTP_KEYS;
	if (t != XLB_HC_UDP)
		m &= ~XLB_HC_UDP_KEYS;
	return m;
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
	c->sync.max_rate = XLB_SYNC_MAX_RATE;
	c->sync.batch_ms = XLB_SYNC_BATCH_MS;
	c->snat.port_min = XLB_NAT_DEF_PORT_MIN;
	c->snat.port_max = XLB_NAT_DEF_PORT_MAX;
	c->snat.tcp_syn_ms = XLB_NAT_DEF_TCP_SYN * 1000;
	c->snat.tcp_est_ms = XLB_NAT_DEF_TCP_EST * 1000;
	c->snat.tcp_close_ms = XLB_NAT_DEF_TCP_CLOSE * 1000;
	c->snat.udp_ms = XLB_NAT_DEF_UDP * 1000;
	c->encap.gue_port = XLB_GUE_PORT_DEFAULT;
}

void xlb_service_conf_init(struct xlb_service_conf *s)
{
	memset(s, 0, sizeof(*s));
	s->proto = IPPROTO_TCP;
	s->sched = XLB_SCHED_MAGLEV;
	s->fwd = XLB_FWD_L2;
	s->table_size = XLB_DEFAULT_TABLE_SIZE;
	s->announce = true;
	s->min_up_backends = XLB_CONFIG_MIN_UP;
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

bool xlb_hc_conf_equal(const struct xlb_hc_conf *a, const struct xlb_hc_conf *b)
{
	/*
	 * The general keys count even for type none: a backend that
	 * overrides the type inherits them.
	 */
	return !(xlb_hc_conf_diff(a, b) & xlb_hc_type_keys(a->type));
}

bool xlb_fwd_supported(enum xlb_fwd fwd)
{
	return fwd == XLB_FWD_L2 || fwd == XLB_FWD_NAT || xlb_fwd_is_encap(fwd);
}

bool xlb_fwd_is_encap(enum xlb_fwd fwd)
{
	return fwd == XLB_FWD_IPIP || fwd == XLB_FWD_GUE;
}

bool xlb_fwd_uses_fib(enum xlb_fwd fwd)
{
	return fwd == XLB_FWD_NAT || xlb_fwd_is_encap(fwd);
}

bool xlb_service_conf_equal(const struct xlb_service_conf *a,
			    const struct xlb_service_conf *b)
{
	if (strcmp(a->name, b->name) || a->family != b->family ||
	    memcmp(&a->vip, &b->vip, sizeof(a->vip)) || a->port != b->port ||
	    a->proto != b->proto || a->sched != b->sched || a->fwd != b->fwd ||
	    a->table_size != b->table_size || a->keep_last != b->keep_last ||
	    a->slow_start_ms != b->slow_start_ms ||
	    a->announce != b->announce ||
	    a->min_up_backends != b->min_up_backends ||
	    a->flow_sync != b->flow_sync ||
	    !xlb_hc_conf_equal(&a->hc, &b->hc) ||
	    a->n_backends != b->n_backends)
		return false;
	for (size_t i = 0; i < a->n_backends; i++) {
		const struct xlb_backend_conf *x = &a->backends[i];
		const struct xlb_backend_conf *y = &b->backends[i];

		if (x->family != y->family ||
		    memcmp(&x->addr, &y->addr, sizeof(x->addr)) ||
		    x->weight != y->weight || x->port != y->port ||
		    !xlb_hc_conf_equal(&x->hc, &y->hc))
			return false;
	}
	return true;
}

/* Two lists of n names in order, each name in a char[len] of its array. */
static bool names_equal(const char *a, const char *b, size_t n, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(a + i * len, b + i * len))
			return false;
	return true;
}

bool xlb_config_restart_equal(const struct xlb_config *a,
			      const struct xlb_config *b)
{
	return !strcmp(a->interface, b->interface) &&
	       a->xdp_generic == b->xdp_generic &&
	       !strcmp(a->pin_dir, b->pin_dir) &&
	       !strcmp(a->control_socket, b->control_socket) &&
	       a->n_reply_ifs == b->n_reply_ifs &&
	       names_equal(a->reply_ifs[0], b->reply_ifs[0], a->n_reply_ifs,
			   sizeof(a->reply_ifs[0]));
}

/* snat: the same addresses in order, ports and timeouts. */
static bool snat_conf_equal(const struct xlb_snat_conf *a,
			    const struct xlb_snat_conf *b)
{
	if (a->n_addrs != b->n_addrs || a->port_min != b->port_min ||
	    a->port_max != b->port_max || a->tcp_syn_ms != b->tcp_syn_ms ||
	    a->tcp_est_ms != b->tcp_est_ms ||
	    a->tcp_close_ms != b->tcp_close_ms || a->udp_ms != b->udp_ms)
		return false;
	for (size_t i = 0; i < a->n_addrs; i++)
		if (a->families[i] != b->families[i] ||
		    memcmp(&a->addrs[i], &b->addrs[i], sizeof(a->addrs[i])))
			return false;
	return true;
}

bool xlb_config_globals_equal(const struct xlb_config *a,
			      const struct xlb_config *b)
{
	return xlb_config_restart_equal(a, b) &&
	       !strcmp(a->metrics_listen, b->metrics_listen) &&
	       a->hash_seed == b->hash_seed &&
	       a->announce_table == b->announce_table &&
	       !memcmp(&a->encap, &b->encap, sizeof(a->encap)) &&
	       !memcmp(&a->flows, &b->flows, sizeof(a->flows)) &&
	       snat_conf_equal(&a->snat, &b->snat) &&
	       xlb_sync_conf_equal(&a->sync, &b->sync);
}

bool xlb_sync_conf_equal(const struct xlb_sync_conf *a,
			 const struct xlb_sync_conf *b)
{
	if (a->on != b->on)
		return false;
	if (!a->on)
		return true;
	return !strcmp(a->address, b->address) &&
	       !strcmp(a->key_file, b->key_file) && a->key_len == b->key_len &&
	       !memcmp(a->key, b->key, a->key_len) &&
	       a->max_rate == b->max_rate && a->batch_ms == b->batch_ms &&
	       a->n_peers == b->n_peers &&
	       names_equal(a->peers[0], b->peers[0], a->n_peers,
			   sizeof(a->peers[0]));
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
