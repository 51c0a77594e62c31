/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Logging: one line per event on stderr, "xlbd: LEVEL: message".
 * Debug lines (and libbpf/libxdp chatter) only with -v. When stderr is
 * the journal (systemd sets JOURNAL_STREAM to its device:inode), every
 * line starts with its syslog priority "<N>" so journalctl -p works.
 */
#ifndef XLB_LOG_H
#define XLB_LOG_H

#include <stdbool.h>

enum xlb_log_level {
	XLB_LOG_ERR,
	XLB_LOG_WARN,
	XLB_LOG_INFO,
	XLB_LOG_DEBUG
};

void xlb_log_init(const char *prog, bool verbose);
bool xlb_log_verbose(void);
void xlb_log(enum xlb_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* pr_err: the daemon cannot go on (it exits); pr_warn: it goes on */
#define pr_err(...) xlb_log(XLB_LOG_ERR, __VA_ARGS__)
#define pr_warn(...) xlb_log(XLB_LOG_WARN, __VA_ARGS__)
#define pr_info(...) xlb_log(XLB_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) xlb_log(XLB_LOG_DEBUG, __VA_ARGS__)

#endif /* XLB_LOG_H */
