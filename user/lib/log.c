// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "log.h"

static const char *log_prog = "xlb";
static bool log_verbose;

void xlb_log_init(const char *prog, bool verbose)
{
	log_prog = prog;
	log_verbose = verbose;
}

bool xlb_log_verbose(void)
{
	return log_verbose;
}

void xlb_log(enum xlb_log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = { "warning", "info", "debug" };
	va_list ap;

	if (lvl == XLB_LOG_DEBUG && !log_verbose)
		return;
	fprintf(stderr, "%s: %s: ", log_prog, names[lvl]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
