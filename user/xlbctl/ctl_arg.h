/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef XLB_CTL_ARG_H
#define XLB_CTL_ARG_H

#include <stddef.h>

/*
 * Writes 'argument "ARG" is wrong: REASON' into err and returns -EINVAL,
 * so a command's checks read: return xlbctl_arg_err(err, len, s, "...").
 */
__attribute__((format(printf, 4, 5))) int
xlbctl_arg_err(char *err, size_t errlen, const char *arg, const char *fmt, ...);

#endif /* XLB_CTL_ARG_H */
