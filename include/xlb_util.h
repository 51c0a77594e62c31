/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Small helpers user space, tools and tests share. */
#ifndef XLB_UTIL_H
#define XLB_UTIL_H

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* A macro's value as a string literal: "(at most " XLB_STR(MAX) ")" */
#define XLB_STR_(x) #x
#define XLB_STR(x) XLB_STR_(x)

#endif /* XLB_UTIL_H */
