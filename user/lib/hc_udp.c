// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Health check type udp: send the payload on a connected socket, up on a
 * reply (containing conf->expect, if set). The socket is connected and
 * has IP_RECVERR, so an ICMP port unreachable comes back as ECONNREFUSED
 * at once rather than as a timeout.
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "hc_type.h"

#define UDP_REPLY_MAX 2048

static void udp_fail(struct xlb_hc_probe *p, int err)
{
	if (err == ECONNREFUSED)
		xlb_hc_probe_finish(p, false, "icmp port unreachable");
	else
		xlb_hc_probe_fail(p, err);
}

static int udp_start(struct xlb_hc_probe *p)
{
	/* a send error is the check's result, not a setup failure */
	if (send(p->fd, p->conf->payload, p->conf->payload_len, 0) < 0)
		udp_fail(p, errno);
	return 0;
}

static void udp_io(struct xlb_hc_probe *p, uint32_t events)
{
	const char *expect = p->conf->expect;
	char buf[UDP_REPLY_MAX];
	ssize_t n;

	for (;;) {
		n = recv(p->fd, buf, sizeof(buf), 0);
		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			udp_fail(p, errno);
		else if (events & EPOLLERR)
			udp_fail(p, xlb_hc_sock_error(p) ?: EIO);
		return;
	}
	/* the socket is connected: only the backend's port can answer */
	if (!expect[0] || memmem(buf, n, expect, strlen(expect)))
		xlb_hc_probe_finish(p, true, "ok");
	else
		xlb_hc_probe_finish(p, false, "reply mismatch");
}

const struct xlb_hc_ops xlb_hc_udp_ops = {
	.sock_type = SOCK_DGRAM,
	.timeout_reason = "no reply",
	.start = udp_start,
	.io = udp_io,
};
