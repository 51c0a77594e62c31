// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Part: full NAT's pool. The config's snat mapping (addresses, ports,
 * timeouts in milliseconds) becomes the program's struct xlb_nat_cfg, the
 * timeouts in jiffies at the kernel's HZ. The pool's addresses join the
 * VIP filter so the backends' replies reach the program's NAT lookup.
 * Each flow-table scan also deletes the NAT flows idle past their
 * timeouts (nat_sweep.c), which returns their ports to the pool.
 */
#include <errno.h>
#include <string.h>

#include "jclock.h"
#include "log.h"
#include "nat_sweep.h"
#include "xlbd.h"

static __u32 ms_jiffies(__u32 ms, int hz)
{
	__u64 j = ((__u64)ms * hz + 999) / 1000;

	return j > UINT32_MAX / 2 ? UINT32_MAX / 2 : (__u32)j;
}

void xlbd_nat_apply(struct xlbd *d)
{
	const struct xlb_snat_conf *s = &d->cfg.snat;
	struct xlb_nat_cfg c = {
		.port_min = s->port_min,
		.port_max = s->port_max,
	};
	int hz = xlb_hz(), err;

	if (!s->n_addrs) {
		/* none (or none any more): no NAT flow can be made */
		xlb_dp_nat_cfg_set(&d->dp, &c);
		return;
	}
	if (hz < 0) {
		pr_warn("snat: cannot read the kernel clock: %s",
			strerror(-hz));
		return;
	}
	c.tcp_syn_timeout = ms_jiffies(s->tcp_syn_ms, hz);
	c.tcp_est_timeout = ms_jiffies(s->tcp_est_ms, hz);
	c.tcp_close_timeout = ms_jiffies(s->tcp_close_ms, hz);
	c.udp_timeout = ms_jiffies(s->udp_ms, hz);
	for (size_t i = 0; i < s->n_addrs; i++) {
		if (s->families[i] == XLB_FAMILY_V4 &&
		    c.n_v4 < XLB_NAT_MAX_ADDRS)
			c.v4[c.n_v4++] = s->addrs[i];
		else if (s->families[i] == XLB_FAMILY_V6 &&
			 c.n_v6 < XLB_NAT_MAX_ADDRS)
			c.v6[c.n_v6++] = s->addrs[i];
	}
	err = xlb_dp_nat_cfg_set(&d->dp, &c);
	if (err == -EOPNOTSUPP)
		pr_warn("snat: the running XDP program predates full NAT; it takes effect after xlbd --teardown and a fresh start");
	else if (err)
		pr_warn("snat: %s", strerror(-err));
	else
		pr_info("snat: %u IPv4 and %u IPv6 addresses, ports %u-%u",
			c.n_v4, c.n_v6, c.port_min, c.port_max);
}

void xlbd_nat_sweep(struct xlbd *d)
{
	struct xlb_nat_sweep st;
	__u64 now;
	int err;

	if (!d->cfg.snat.n_addrs)
		return;
	err = xlb_jiffies(&now);
	if (!err)
		err = xlb_dp_nat_sweep(&d->dp, now, &st);
	if (err && err != -EOPNOTSUPP)
		pr_warn("snat: expiring NAT flows: %s", strerror(-err));
	else if (!err && (st.expired || st.orphans))
		pr_debug(
			"snat: %llu NAT flows, %llu expired, %llu orphan replies",
			(unsigned long long)st.flows,
			(unsigned long long)st.expired,
			(unsigned long long)st.orphans);
}
