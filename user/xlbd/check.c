// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Part: xlbd --check-config's look at this host. The file is valid by
 * now; what remains is what would go wrong here: an interface that does
 * not exist (the daemon refuses to start) and a backend the kernel does
 * not reach on a directly connected network (the daemon keeps it down,
 * since DSR rewrites only the MAC; a nat backend needs a route only). Warnings: the file may be meant for
 * another host. Asked the way the daemon asks (xlb_route_get), so the
 * check and the daemon cannot disagree.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <net/if.h>

#include "neigh.h"
#include "xlbd.h"

int xlbd_check_host(const struct xlb_config *c, const char *path, FILE *f)
{
	struct xlb_neigh *n;
	char a[XLB_ADDR_STRLEN];
	int warnings = 0;

	if (!if_nametoindex(c->interface)) {
		fprintf(f,
			"%s: warning: interface %s does not exist on this host: xlbd will refuse to start\n",
			path, c->interface);
		warnings++;
	}
	for (size_t i = 0; i < c->n_reply_ifs; i++)
		if (!if_nametoindex(c->reply_ifs[i])) {
			fprintf(f,
				"%s: warning: reply interface %s does not exist on this host: xlbd will refuse to start\n",
				path, c->reply_ifs[i]);
			warnings++;
		}
	n = xlb_neigh_open();
	if (!n) {
		fprintf(f,
			"%s: warning: cannot ask the kernel's routes (%s): backends not checked\n",
			path, strerror(errno));
		return warnings + 1;
	}
	for (size_t i = 0; i < c->n_services; i++) {
		const struct xlb_service_conf *s = &c->services[i];

		for (size_t j = 0; j < s->n_backends; j++) {
			const struct xlb_backend_conf *b = &s->backends[j];
			int ifindex, err;

			err = xlb_route_get(n, &b->addr, b->family, &ifindex);
			/* nat, ipip, gue: a route through a gateway will do */
			if (!err ||
			    (err == -EHOSTUNREACH && xlb_fwd_uses_fib(s->fwd)))
				continue;
			xlbd_addr_str(&b->addr, b->family, a, sizeof(a));
			fprintf(f,
				"%s:%d: warning: service %s: backend %s is not usable on this host (%s): xlbd keeps it down\n",
				path, b->line, s->name, a,
				xlbd_resolve_why(err));
			warnings++;
		}
	}
	xlb_neigh_close(n);
	return warnings;
}
