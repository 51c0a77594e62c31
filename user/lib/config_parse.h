/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The parts of the config file that have a file of their own, for the
 * loader (config_load.c): each one's keys and its parser. The services
 * list is config_service.c, health_check config_hc.c, snat config_nat.c,
 * flow_sync config_sync.c.
 */
#ifndef XLB_CONFIG_PARSE_H
#define XLB_CONFIG_PARSE_H

#include <stdbool.h>
#include <yaml.h>

#include "config.h"
#include "yaml_read.h"

/* services (config_service.c) */

/* The keys of a service item and of a backend item. */
extern const struct yr_keys xlb_config_service_keys;
extern const struct yr_keys xlb_config_backend_keys;

/*
 * Parse the services list @n into c->services, with their backends and
 * health checks; duplicates and limits across services are checked here.
 * Problems are reported through @x.
 */
void xlb_config_parse_services(struct yr_ctx *x, yaml_node_t *n,
			       struct xlb_config *c);

/* health_check (config_hc.c) */

/* The keys a health_check mapping accepts, in XLB_HC_KEYS order. */
extern const char *const xlb_config_hc_keys[XLB_HC_N_KEYS];

/*
 * Parse health_check mapping @n into *out: the keys given, and the rest
 * from @base (the defaults for a service, the service's for a backend).
 * Problems are reported through @x.
 */
void xlb_config_parse_hc(struct yr_ctx *x, yaml_node_t *n,
			 struct xlb_hc_conf *out,
			 const struct xlb_hc_conf *base, bool backend);

/* snat (config_nat.c) */

extern const struct yr_keys xlb_config_nat_keys;

/* Parse snat mapping @n into *out. Problems are reported through @x. */
void xlb_config_parse_snat(struct yr_ctx *x, yaml_node_t *n,
			   struct xlb_snat_conf *out);

/* How many of the pool's addresses are of @family. */
size_t xlb_snat_count(const struct xlb_snat_conf *c, __u8 family);

/* flow_sync (config_sync.c) */

extern const struct yr_keys xlb_config_sync_keys;

/*
 * Parse flow_sync mapping @n into *out (out->on set), reading the key
 * file. Problems are reported through @x.
 */
void xlb_config_parse_sync(struct yr_ctx *x, yaml_node_t *n,
			   struct xlb_sync_conf *out);

#endif /* XLB_CONFIG_PARSE_H */
