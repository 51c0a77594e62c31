/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The flow_sync mapping of the config file (config_sync.c), for the
 * loader (config_load.c): its keys and its parser.
 */
#ifndef XLB_CONFIG_SYNC_H
#define XLB_CONFIG_SYNC_H

#include <yaml.h>

#include "config.h"
#include "yaml_read.h"

#define XLB_CONFIG_SYNC_N_KEYS 5

extern const char *const xlb_config_sync_keys[XLB_CONFIG_SYNC_N_KEYS];

/*
 * Parse flow_sync mapping @n into *out (out->on set), reading the key
 * file. Problems are reported through @x.
 */
void xlb_config_parse_sync(struct yr_ctx *x, yaml_node_t *n,
			   struct xlb_sync_conf *out);

#endif /* XLB_CONFIG_SYNC_H */
