// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Part: full NAT's pool. The config's snat mapping (addresses, ports,
 * timeouts in milliseconds) becomes the program's struct xlb_nat_cfg, the
 * timeouts in jiffies at the kernel's HZ. The pool's addresses join the
 * VIP filter so the backends' replies reach the program's NAT lookup.
 * Each flow-table scan also deletes the NAT flows idle past their
 * timeouts (nat_sweep.c), which returns their ports to the pool, sends
 * the live ones of synced services again (flow sync), and keeps the list
 * of the peers' SNAT addresses that flows here use (copies a peer sent,
 * or flows taken over from it): announced as backups (announce.c).
 */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>

#include "dataplane_vip_filter.h"
#include "jclock.h"
#include "log.h"
#include "nat_peer.h"
#include "nat_sweep.h"
#include "xlb_decide.h"
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

static ssize_t peer_snat_find(const struct xlbd_peer_snat *p,
			      const union xlb_addr *a, __u8 family)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->a[i].family == family &&
		    !memcmp(&p->a[i].addr, a, sizeof(*a)))
			return i;
	return -1;
}

/* Note @a in use at @now_ms; true when it is new to the list. */
static bool peer_snat_note(struct xlbd *d, const union xlb_addr *a, __u8 family,
			   __u64 now_ms)
{
	struct xlbd_peer_snat *p = &d->peer_snat;
	ssize_t i = peer_snat_find(p, a, family);

	if (i >= 0) {
		p->seen_ms[i] = now_ms;
		return false;
	}
	if (p->n == XLBD_PEER_SNAT_MAX) {
		p->full++;
		return false;
	}
	p->a[p->n] = (struct xlbd_vip){ .addr = *a,
					.family = family,
					.backup = true };
	p->seen_ms[p->n++] = now_ms;
	return true;
}

void xlbd_nat_peer_seen(struct xlbd *d, const union xlb_addr *a, __u8 family)
{
	char s[XLB_ADDR_STRLEN];

	if (!peer_snat_note(d, a, family, xlb_now_ms()))
		return;
	xlbd_addr_str(a, family, s, sizeof(s));
	pr_info("snat: holding NAT flows of a peer's SNAT address %s", s);
	xlbd_announce_sync(d);
}

static __u32 last_sweep; /* jiffies of the last whole sweep */
static bool swept;	 /* last_sweep is set */

struct sweep_ctx {
	struct xlbd *d;
	struct xlb_nat_cfg cfg;
	int hz;
	__u32 now;    /* jiffies */
	__u64 gap_ms; /* since the last whole sweep (flow sync's resend) */
	__u64 now_ms;
	bool changed; /* the peers' SNAT addresses */
};

/*
 * A flow the sweep keeps: counted as active (as the data plane counts it
 * for least-connections: not once the client sent FIN or RST, and not a
 * peer's copy this node never forwarded: the peer counts that one), sent
 * again to the peers, its address noted.
 */
static void on_live(void *ctx, const struct xlb_flow_key *k,
		    const struct xlb_nat_fwd *f, __u8 state, __u32 idle,
		    __u32 timeout)
{
	struct sweep_ctx *c = ctx;
	struct xlb_sync_rec r = {
		.key = *k,
		.snat_addr = f->snat_addr,
		.snat_port = f->snat_port,
		.backend_id = f->backend_id,
		.flags = state == XLB_NAT_S_SYN ? XLB_SYNC_F_SYN : 0,
	};
	/*
	 * what the copies live by: a closing flow's copy is established
	 * and needs sending only as often as that timeout says
	 */
	__u64 timeout_ms = xlb_jiffies_ms(
		xlb_nat_timeout(&c->cfg, xlb_nat_peer_state(&r)), c->hz);

	if (f->state != XLB_NAT_S_CLOSING &&
	    !xlb_nat_peer_copy(&c->cfg, k->svc.family, f))
		xlbd_flows_count(f->backend_id, f->backend_gen);
	if (!xlb_nat_pool_has(&c->cfg, &f->snat_addr, k->svc.family) &&
	    peer_snat_note(c->d, &f->snat_addr, k->svc.family, c->now_ms))
		c->changed = true;
	/* forwarded here (a packet since it was made: not a peer's copy) */
	if (f->seen != (__u32)f->created)
		xlbd_sync_resend(
			c->d, &r, f->backend_gen,
			xlb_jiffies_ms(c->now - (__u32)f->created, c->hz),
			c->gap_ms, timeout_ms);
}

void xlbd_nat_sweep(struct xlbd *d)
{
	struct xlbd_peer_snat *p = &d->peer_snat;
	struct sweep_ctx c = { .d = d, .now_ms = xlb_now_ms() };
	struct xlb_nat_sweep st;
	__u32 zero = 0;
	__u64 now;
	int err;

	if (!d->cfg.snat.n_addrs)
		return;
	c.hz = xlb_hz();
	err = c.hz < 0 ? c.hz : xlb_jiffies(&now);
	if (!err && (d->dp.nat_cfg_fd < 0 ||
		     bpf_map_lookup_elem(d->dp.nat_cfg_fd, &zero, &c.cfg)))
		err = -EOPNOTSUPP;
	if (!err) {
		c.now = now;
		/* the first sweep: as if the last had been one interval ago */
		c.gap_ms = swept ? xlb_jiffies_ms(c.now - last_sweep, c.hz)
				 : d->cfg.flows.scan_interval_ms;
		err = xlb_dp_nat_sweep(&d->dp, now, on_live, &c, &st);
	}
	if (!err) {
		/* one cut short: the next looks back over it too */
		last_sweep = c.now;
		swept = true;
	}
	if (err && err != -EOPNOTSUPP)
		pr_warn("snat: expiring NAT flows: %s", strerror(-err));
	else if (!err && (st.expired || st.orphans))
		pr_debug(
			"snat: %llu NAT flows, %llu expired, %llu orphan replies",
			(unsigned long long)st.flows,
			(unsigned long long)st.expired,
			(unsigned long long)st.orphans);
	if (err)
		return;
	/*
	 * Addresses no flow uses any more (and no record since the sweep
	 * began) are forgotten; the others stay in the filter, which a
	 * program load rebuilds without them.
	 */
	for (size_t i = p->n; i-- > 0;) {
		if (p->seen_ms[i] < c.now_ms) {
			p->a[i] = p->a[--p->n];
			p->seen_ms[i] = p->seen_ms[p->n];
			c.changed = true;
		} else {
			xlb_dp_vip_filter_set(d->dp.vip_filter_fd,
					      &p->a[i].addr);
		}
	}
	if (c.changed)
		xlbd_announce_sync(d);
}
