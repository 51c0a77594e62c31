/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The mappings of the config file that have a file of their own, for the
 * loader (config_load.c): each one's keys and its parser. health_check is
 * config_hc.c, snat config_nat.c, flow_sync config_sync.c.
 */
#ifndef XLB_CONFIG_PARSE_H
#define XLB_CONFIG_PARSE_H

#include <stdbool.h>
#include <yaml.h>

#include "config.h"
#include "yaml_read.h"

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

#define XLB_CONFIG_NAT_N_KEYS 6

extern const char *const xlb_config_nat_keys[XLB_CONFIG_NAT_N_KEYS];

/* Parse snat mapping @n into *out. Problems are reported through @x. */
void xlb_config_parse_snat(struct yr_ctx *x, yaml_node_t *n,
			   struct xlb_snat_conf *out);

/* How many of the pool's addresses are of @family. */
size_t xlb_snat_count(const struct xlb_snat_conf *c, __u8 family);

/* flow_sync (config_sync.c) */

#define XLB_CONFIG_SYNC_N_KEYS 5

extern const char *const xlb_config_sync_keys[XLB_CONFIG_SYNC_N_KEYS];

/*
 * Parse flow_sync mapping @n into *out (out->on set), reading the key
 * file. Problems are reported through @x.
 */
void xlb_config_parse_sync(struct yr_ctx *x, yaml_node_t *n,
			   struct xlb_sync_conf *out);

#endif /* XLB_CONFIG_PARSE_H */
