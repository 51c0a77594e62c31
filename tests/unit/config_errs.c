// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* See config_errs.h. */
#include <stdio.h>
#include <string.h>

#include "config_errs.h"

bool config_errs_has(const struct xlb_config_errors *e, const char *name,
		     int line, const char *needle)
{
	char prefix[128];

	snprintf(prefix, sizeof(prefix), "%s:%d: ", name, line);
	for (size_t i = 0; i < e->n; i++)
		if (!strncmp(e->v[i].msg, prefix, strlen(prefix)) &&
		    strstr(e->v[i].msg, needle))
			return true;
	fprintf(stderr, "    no error \"%s...%s\" among %zu:\n", prefix, needle,
		e->n);
	xlb_config_errors_print(e, stderr);
	return false;
}
