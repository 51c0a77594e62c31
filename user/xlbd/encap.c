// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Part: the ipip and gue services' settings: the outer source addresses
 * and the GUE port go into XLB_MAP_ENCAP. (Their backends, like full
 * NAT's, need a route only, not a MAC: resolve.c, be_rt.fib.)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "xlbd.h"

void xlbd_encap_apply(struct xlbd *d)
{
	const struct xlb_encap_conf *c = &d->cfg.encap;
	struct xlb_encap e = {
		.src4 = c->src4.v4,
		.gue_port = htons(c->gue_port),
		.src6 = c->src6,
	};
	int err = xlb_dp_encap_set(&d->dp, &e);

	xlbd_hct_gue_port(d);

	if (err == -EOPNOTSUPP)
		pr_warn("encap_source, gue_port: the running XDP program predates encapsulation; ipip and gue take effect after xlbd --teardown and a fresh start");
	else if (err)
		pr_warn("encap_source, gue_port: %s", strerror(-err));
}
