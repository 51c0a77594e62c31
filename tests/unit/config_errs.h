/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The config tests' check of a refusal: its FILE:LINE and its reason. */
#ifndef XLB_TEST_CONFIG_ERRS_H
#define XLB_TEST_CONFIG_ERRS_H

#include <stdbool.h>

#include "config.h"

/*
 * Whether @e holds a message "NAME:LINE: ..." containing @needle; prints
 * every message when not.
 */
bool config_errs_has(const struct xlb_config_errors *e, const char *name,
		     int line, const char *needle);

#endif
