// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Health check type tcp: up when a non-blocking connect completes. */
#include <sys/epoll.h>
#include <sys/socket.h>

#include "hc_type.h"

static void tcp_io(struct xlb_hc_probe *p, uint32_t events)
{
	int err = xlb_hc_sock_error(p);

	if (err)
		xlb_hc_probe_fail(p, err);
	else if (events & EPOLLOUT)
		xlb_hc_probe_finish(p, true, "ok");
	else if (events & (EPOLLERR | EPOLLHUP))
		xlb_hc_probe_finish(p, false, "connection reset");
}

const struct xlb_hc_ops xlb_hc_tcp_ops = {
	.sock_type = SOCK_STREAM,
	.timeout_reason = "timeout",
	.io = tcp_io,
};
