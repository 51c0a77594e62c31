// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The config structs' lifecycle: defaults, health-check inheritance, deep
 * copy, free, equality and the error list. The schema is in config.h, the
 * loader in config_load.c, the writer in config_dump.c.
 */
#include <errno.h>
#include <netinet/in.h>
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
	c->sync.max_rate = XLB_SYNC_MAX_RATE;
	c->sync.batch_ms = XLB_SYNC_BATCH_MS;
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

bool xlb_fwd_supported(enum xlb_fwd fwd)
{
	return fwd == XLB_FWD_L2;
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
	       a->hash_seed == b->hash_seed &&
	       a->announce_table == b->announce_table &&
	       !memcmp(&a->flows, &b->flows, sizeof(a->flows)) &&
	       xlb_sync_conf_equal(&a->sync, &b->sync);
}

bool xlb_sync_conf_equal(const struct xlb_sync_conf *a,
			 const struct xlb_sync_conf *b)
{
	if (a->on != b->on)
		return false;
	if (!a->on)
		return true;
	if (strcmp(a->address, b->address) || a->n_peers != b->n_peers ||
	    strcmp(a->key_file, b->key_file) || a->key_len != b->key_len ||
	    memcmp(a->key, b->key, a->key_len) || a->max_rate != b->max_rate ||
	    a->batch_ms != b->batch_ms)
		return false;
	for (size_t i = 0; i < a->n_peers; i++)
		if (strcmp(a->peers[i], b->peers[i]))
			return false;
	return true;
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
