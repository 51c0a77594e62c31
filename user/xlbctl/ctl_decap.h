/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * xlbctl decap: loads the backends' decapsulator (bpf/xlb_decap.bpf.c,
 * compiled into xlbctl) on a backend's interface and fills its addresses.
 * Local: it talks to the kernel, not to xlbd.
 *
 *   xlbctl decap attach DEV --vip ADDR [--vip ADDR ...] [--mode xdp|generic|tc]
 *                         [--gue-port N]
 *   xlbctl decap detach DEV
 *   xlbctl decap status DEV
 */
#ifndef XLB_CTL_DECAP_H
#define XLB_CTL_DECAP_H

#include <stdbool.h>
#include <stdio.h>

/* argv[0] is "decap". Exit code: 0 or 1 (message on stderr). */
int xlb_decap_cli(int argc, char **argv, bool json, FILE *out);

/* The usage of xlbctl decap. */
void xlb_decap_usage(FILE *f);

#endif /* XLB_CTL_DECAP_H */
