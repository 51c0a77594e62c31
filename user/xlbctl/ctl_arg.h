/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef XLB_CTL_ARG_H
#define XLB_CTL_ARG_H

#include <stddef.h>

#include "xlb_abi.h"
#include "value.h"

/*
 * Writes 'argument "ARG" is wrong: REASON' into err and returns -EINVAL,
 * so a command's checks read: return xlbctl_arg_err(err, len, s, "...").
 */
__attribute__((format(printf, 4, 5))) int
xlbctl_arg_err(char *err, size_t errlen, const char *arg, const char *fmt, ...);

/*
 * Each checks argument @s and returns 0 (or what it parsed, for
 * xlbctl_arg_sched) or -EINVAL with the reason in err.
 */
/* A service name: 1..63 of A-Z a-z 0-9 _ . - */
int xlbctl_arg_name(const char *s, char *err, size_t errlen);
/* VIP:PORT or [V6]:PORT, a usable address. */
int xlbctl_arg_vip_port(const char *s, union xlb_addr *a, __u8 *family,
			__u16 *port, char *err, size_t errlen);
/* A usable numeric address without port or brackets. */
int xlbctl_arg_backend_addr(const char *s, union xlb_addr *a, __u8 *family,
			    char *err, size_t errlen);
/* 0..XLB_MAX_WEIGHT. */
int xlbctl_arg_weight(const char *s, __u32 *w, char *err, size_t errlen);
/* A scheduler name: its enum xlb_sched value. */
int xlbctl_arg_sched(const char *s, char *err, size_t errlen);
/* A prime in 2..XLB_MAX_TABLE_SIZE. */
int xlbctl_arg_table_size(const char *s, __u32 *size, char *err, size_t errlen);

#endif /* XLB_CTL_ARG_H */
