// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Fuzzing: log.h, formatted (so a bad argument still trips the sanitizers)
 * and dropped: a target that logs every input would spend its time writing.
 * XLB_FUZZ_LOG=1 in the environment prints them, to debug a reproducer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "log.h"

void xlb_log_init(const char *prog, bool verbose)
{
}

bool xlb_log_verbose(void)
{
	return false;
}

void xlb_log(enum xlb_log_level lvl, const char *fmt, ...)
{
	static int show = -1;
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (show < 0)
		show = getenv("XLB_FUZZ_LOG") != NULL;
	if (show)
		fprintf(stderr, "log %d: %s\n", lvl, buf);
}
