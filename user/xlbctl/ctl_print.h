/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Text printers of xlbctl's commands: data is the daemon's "data" object
 * of the reply; 0 or -errno (write error, reply missing a field).
 */
#ifndef XLB_CTL_PRINT_H
#define XLB_CTL_PRINT_H

#include <stdio.h>

#include <json-c/json.h>

int xlbctl_print_none(struct json_object *data, FILE *f);
int xlbctl_print_status(struct json_object *data, FILE *f);
int xlbctl_print_change(struct json_object *data, FILE *f);
int xlbctl_print_stats(struct json_object *data, FILE *f);
int xlbctl_print_config(struct json_object *data, FILE *f);
/* node drain / undrain, and status's first line when announcing */
int xlbctl_print_node(struct json_object *data, FILE *f);
/* cluster status: the nodes side by side, disagreements flagged */
int xlbctl_print_cluster(struct json_object *data, FILE *f);
int xlbctl_print_flows(struct json_object *data, FILE *f);
int xlbctl_print_explain(struct json_object *data, FILE *f);

#endif /* XLB_CTL_PRINT_H */
