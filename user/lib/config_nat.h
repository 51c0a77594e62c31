/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The snat mapping of the config file (config_nat.c), for the loader
 * (config_load.c): its keys, its parser, and the check that every
 * forwarding: nat service has an SNAT address of its family.
 */
#ifndef XLB_CONFIG_NAT_H
#define XLB_CONFIG_NAT_H

#include <yaml.h>

#include "config.h"
#include "yaml_read.h"

#define XLB_CONFIG_NAT_N_KEYS 6

extern const char *const xlb_config_nat_keys[XLB_CONFIG_NAT_N_KEYS];

/* Parse snat mapping @n into *out. Problems are reported through @x. */
void xlb_config_parse_snat(struct yr_ctx *x, yaml_node_t *n,
			   struct xlb_snat_conf *out);

/* How many of the pool's addresses are of @family. */
size_t xlb_snat_count(const struct xlb_snat_conf *c, __u8 family);

#endif /* XLB_CONFIG_NAT_H */
