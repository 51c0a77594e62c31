// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* What a health check type calls to report (hc_type.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "hc_type.h"

/* Short reason for a socket error (positive errno). */
static const char *errno_reason(int err, char *buf, size_t len)
{
	switch (err) {
	case ECONNREFUSED:
		return "connection refused";
	case ECONNRESET:
		return "connection reset";
	case ETIMEDOUT:
		return "timeout";
	case EHOSTUNREACH:
		return "host unreachable";
	case ENETUNREACH:
		return "network unreachable";
	}
	snprintf(buf, len, "%s", strerror(err));
	/* reasons read as one lower-case phrase: "connection refused" */
	if (buf[0] >= 'A' && buf[0] <= 'Z')
		buf[0] += 'a' - 'A';
	return buf;
}

void xlb_hc_probe_fail(struct xlb_hc_probe *p, int err)
{
	char buf[XLB_HC_REASON_LEN];

	xlb_hc_probe_finish(p, false, "%s",
			    errno_reason(err, buf, sizeof(buf)));
}

int xlb_hc_sock_error(struct xlb_hc_probe *p)
{
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len))
		return errno;
	return err;
}

void xlb_hc_probe_finish(struct xlb_hc_probe *p, bool ok, const char *fmt, ...)
{
	va_list ap;

	if (p->done)
		return; /* the first result stands */
	p->done = true;
	p->ok = ok;
	va_start(ap, fmt);
	vsnprintf(p->reason, sizeof(p->reason), fmt, ap);
	va_end(ap);
}
