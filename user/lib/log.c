// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <syslog.h>
#include <unistd.h>
#include <sys/stat.h>

#include "log.h"

static const char *log_prog = "xlb";
static bool log_verbose;
static bool log_journal;

/*
 * systemd puts "DEV:INODE" of the stream it connected to stderr in
 * JOURNAL_STREAM; only when stderr is still that stream (not redirected
 * by a wrapper) does the journal parse our "<N>" prefixes.
 */
static bool stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st))
		return false;
	return st.st_dev == dev && st.st_ino == ino;
}

void xlb_log_init(const char *prog, bool verbose)
{
	log_prog = prog;
	log_verbose = verbose;
	log_journal = stderr_is_journal();
}

bool xlb_log_verbose(void)
{
	return log_verbose;
}

void xlb_log(enum xlb_log_level lvl, const char *fmt, ...)
{
	static const struct {
		const char *name;
		int prio;
	} lv[] = {
		[XLB_LOG_ERR] = { "error", LOG_ERR },
		[XLB_LOG_WARN] = { "warning", LOG_WARNING },
		[XLB_LOG_INFO] = { "info", LOG_INFO },
		[XLB_LOG_DEBUG] = { "debug", LOG_DEBUG },
	};
	va_list ap;

	if (lvl == XLB_LOG_DEBUG && !log_verbose)
		return;
	if (log_journal)
		fprintf(stderr, "<%d>", lv[lvl].prio);
	fprintf(stderr, "%s: %s: ", log_prog, lv[lvl].name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
