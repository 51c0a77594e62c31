/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The health_check mapping of the config file (config_hc.c), for the
 * loader (config_load.c): its keys and its parser.
 */
#ifndef XLB_CONFIG_HC_H
#define XLB_CONFIG_HC_H

#include <stdbool.h>
#include <yaml.h>

#include "config.h"
#include "yaml_read.h"

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

#endif /* XLB_CONFIG_HC_H */
