// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * VIP announcement: which VIPs this node offers to the routers, kept as
 * routes in cfg.announce_table (vip_route.h) that BIRD learns and exports
 * over BGP. A VIP is announced while all of this holds:
 *
 *  - announce_table is set and the node is not drained (xlbctl node drain)
 *    and xlbd is not exiting;
 *  - the XDP program is attached to the interface (checked every second:
 *    someone may detach it under us);
 *  - every service on that VIP with `announce: true` (at least one) has
 *    at least min_up_backends healthy backends in its ring (a ring kept by
 *    on_all_down: keep_last has none). All of them, not any:
 *    a router sends every port of a VIP to the same nodes, so a node that
 *    can serve only some of them must step aside for the others.
 *
 * Withdrawing never touches the data plane: what the routers still send
 * (in flight, or until BFD/BGP converge) is forwarded as before, which is
 * what makes drain and SIGTERM lossless.
 *
 * Full NAT's addresses are announced the same way, while the node is
 * (attached, not drained, not exiting), so the backends' replies find
 * their way back:
 *
 *  - this node's SNAT pool (snat: addresses) while the VIP of some
 *    `forwarding: nat` service is announced;
 *  - as backups (vip_route.h: a higher metric, a longer AS path at the
 *    routers), the peers' SNAT addresses this node holds NAT flows of
 *    (flow sync, nat.c): when the owner dies, its routers' routes to them
 *    fall back to the nodes that hold its flows.
 *
 * Routes are re-evaluated after every ring publish (health flips, config
 * changes), when the peers' SNAT addresses change and on the one-second
 * timer. At start the table's xlbd routes are taken as the current set,
 * so a restart does not flap what is up.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "vip_route.h"
#include "xlbd.h"

#define ANNOUNCE_CHECK_MS 1000

static bool vip_eq(const struct xlbd_vip *v, const union xlb_addr *a,
		   __u8 family)
{
	return v->family == family && !memcmp(&v->addr, a, sizeof(*a));
}

/* A route of @a (of that role: @backup) in v[0..n) or -1. */
static ssize_t route_find(const struct xlbd_vip *v, size_t n,
			  const union xlb_addr *a, __u8 family, bool backup)
{
	for (size_t i = 0; i < n; i++)
		if (vip_eq(&v[i], a, family) && v[i].backup == backup)
			return i;
	return -1;
}

static ssize_t vip_find(const struct xlbd_vip *v, size_t n,
			const union xlb_addr *a, __u8 family)
{
	return route_find(v, n, a, family, false);
}

static int vip_push(struct xlbd_vip **v, size_t *n, size_t *cap,
		    const union xlb_addr *a, __u8 family, bool backup)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		struct xlbd_vip *nv = realloc(*v, c * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = c;
	}
	(*v)[*n].addr = *a;
	(*v)[*n].backup = backup;
	(*v)[(*n)++].family = family;
	return 0;
}

/* Why this VIP is not to be announced ("" if it is). */
static const char *vip_verdict(const struct xlbd *d, const union xlb_addr *a,
			       __u8 family)
{
	bool any = false;

	for (size_t i = 0; i < d->n_svcs; i++) {
		const struct svc_rt *s = d->svcs[i];

		if (s->conf.family != family ||
		    memcmp(&s->conf.vip, a, sizeof(*a)) || !s->conf.announce)
			continue;
		if (s->n_up < s->conf.min_up_backends)
			return "a service has fewer than min_up_backends backends up";
		any = true;
	}
	return any ? "" : "no service announces it";
}

/* Is @a one of this node's SNAT addresses? */
static bool snat_own(const struct xlbd *d, const union xlb_addr *a, __u8 family)
{
	const struct xlb_snat_conf *c = &d->cfg.snat;

	for (size_t i = 0; i < c->n_addrs; i++)
		if (c->families[i] == family &&
		    !memcmp(&c->addrs[i], a, sizeof(*a)))
			return true;
	return false;
}

/*
 * Why this node's SNAT addresses are not to be announced ("" if they are):
 * they follow the VIPs of its nat services, so a node that withdraws
 * them all (its health checks fail) withdraws everything.
 */
static const char *snat_verdict(const struct xlbd *d)
{
	for (size_t i = 0; i < d->n_svcs; i++) {
		const struct svc_rt *s = d->svcs[i];

		if (s->conf.fwd == XLB_FWD_NAT && s->conf.announce &&
		    !*vip_verdict(d, &s->conf.vip, s->conf.family))
			return "";
	}
	return "no nat service's VIP is announced";
}

static bool peer_snat_has(const struct xlbd *d, const union xlb_addr *a,
			  __u8 family)
{
	const struct xlbd_peer_snat *p = &d->peer_snat;

	return route_find(p->a, p->n, a, family, true) >= 0;
}

/* Why route @v is not to be announced as it is ("" if it is). */
static const char *route_verdict(const struct xlbd *d, const struct xlbd_vip *v)
{
	if (snat_own(d, &v->addr, v->family))
		return v->backup ? "now this node's own SNAT address"
				 : snat_verdict(d);
	if (v->backup)
		return peer_snat_has(d, &v->addr, v->family)
			       ? ""
			       : "no NAT flows of that peer SNAT address here";
	return vip_verdict(d, &v->addr, v->family);
}

/* Why nothing is announced at all, or NULL. */
static const char *node_verdict(const struct xlbd *d)
{
	if (d->ann.stopping)
		return "xlbd is exiting";
	if (d->ann.drained)
		return "node drained";
	if (!d->ann.attached)
		return "XDP program not attached";
	return NULL;
}

static void withdraw(struct xlbd *d, size_t i, const char *why)
{
	struct xlbd_vip *v = &d->ann.vips[i];
	char a[XLB_ADDR_STRLEN];
	int err;

	xlb_format_addr(&v->addr, v->family, a, sizeof(a));
	err = xlb_vip_route_del(d->neigh, d->ann.table, &v->addr, v->family,
				v->backup);
	if (err) {
		/* keep it listed: the next check tries again */
		pr_warn("announce: cannot withdraw %s from table %u: %s", a,
			d->ann.table, strerror(-err));
		d->ann.failures++;
		return;
	}
	pr_info("announce: withdrew %s%s (%s)", a, v->backup ? " (backup)" : "",
		why);
	d->ann.withdrawals++;
	d->ann.vips[i] = d->ann.vips[--d->ann.n];
}

static void announce(struct xlbd *d, const union xlb_addr *vip, __u8 family,
		     bool backup)
{
	char a[XLB_ADDR_STRLEN];
	int err;

	if (route_find(d->ann.vips, d->ann.n, vip, family, backup) >= 0)
		return;
	xlb_format_addr(vip, family, a, sizeof(a));
	err = xlb_vip_route_add(d->neigh, d->ann.table, vip, family, backup);
	if (!err)
		err = vip_push(&d->ann.vips, &d->ann.n, &d->ann.cap, vip,
			       family, backup);
	if (err) {
		pr_warn("announce: cannot announce %s in table %u: %s", a,
			d->ann.table, strerror(-err));
		d->ann.failures++;
		return;
	}
	pr_info("announce: announced %s%s (table %u)", a,
		backup ? " as a backup" : "", d->ann.table);
	d->ann.announces++;
}

/* Full NAT's addresses: this node's pool, the peers' held as backups. */
static void announce_snat(struct xlbd *d)
{
	const struct xlb_snat_conf *c = &d->cfg.snat;
	const struct xlbd_peer_snat *p = &d->peer_snat;

	if (!*snat_verdict(d))
		for (size_t i = 0; i < c->n_addrs; i++)
			announce(d, &c->addrs[i], c->families[i], false);
	for (size_t i = 0; i < p->n; i++)
		if (!snat_own(d, &p->a[i].addr, p->a[i].family))
			announce(d, &p->a[i].addr, p->a[i].family, true);
}

void xlbd_announce_sync(struct xlbd *d)
{
	const char *off = node_verdict(d), *why;

	if (!d->ann.started)
		return;
	if (d->ann.table != d->cfg.announce_table) {
		/* table changed (reload): leave the old one empty */
		for (size_t i = d->ann.n; i-- > 0;)
			withdraw(d, i, "announce_table changed");
		if (d->ann.n)
			return; /* retried by the timer */
		d->ann.table = d->cfg.announce_table;
	}
	if (!d->ann.table)
		return;
	for (size_t i = d->ann.n; i-- > 0;) {
		const struct xlbd_vip *v = &d->ann.vips[i];

		why = off ?: route_verdict(d, v);
		if (*why)
			withdraw(d, i, why);
	}
	if (off)
		return;
	for (size_t i = 0; i < d->n_svcs; i++) {
		const struct svc_rt *s = d->svcs[i];

		if (!*vip_verdict(d, &s->conf.vip, s->conf.family))
			announce(d, &s->conf.vip, s->conf.family, false);
	}
	announce_snat(d);
}

static void on_check(struct xlb_loop *l, void *ctx)
{
	struct xlbd *d = ctx;
	bool was = d->ann.attached;

	d->ann.attached = xlbd_attached(d);
	if (was && !d->ann.attached)
		pr_warn("announce: the XDP program is no longer attached to %s",
			d->cfg.interface);
	xlbd_announce_sync(d);
	d->ann.timer = xlb_timer_add(l, ANNOUNCE_CHECK_MS, on_check, d);
}

static void adopt(void *ctx, const union xlb_addr *vip, __u8 family,
		  bool backup)
{
	struct xlbd *d = ctx;

	if (route_find(d->ann.vips, d->ann.n, vip, family, backup) < 0 &&
	    vip_push(&d->ann.vips, &d->ann.n, &d->ann.cap, vip, family, backup))
		d->ann.failures++;
	/* the last run held flows of it: kept until the NAT sweep looks */
	if (backup)
		xlbd_nat_peer_seen(d, vip, family);
}

int xlbd_announce_start(struct xlbd *d)
{
	int err = 0;

	d->ann.table = d->cfg.announce_table;
	d->ann.attached = xlbd_attached(d);
	if (d->ann.table) {
		err = xlb_vip_route_list(d->neigh, d->ann.table, adopt, d);
		if (err)
			pr_warn("announce: cannot read table %u: %s",
				d->ann.table, strerror(-err));
		else if (d->ann.n)
			pr_info("announce: %zu VIPs already in table %u",
				d->ann.n, d->ann.table);
	}
	d->ann.started = true;
	xlbd_announce_sync(d);
	d->ann.timer = xlb_timer_add(d->loop, ANNOUNCE_CHECK_MS, on_check, d);
	return d->ann.timer ? 0 : -ENOMEM;
}

void xlbd_announce_stop(struct xlbd *d)
{
	if (!d->ann.started)
		return;
	xlb_timer_cancel(d->loop, d->ann.timer);
	d->ann.timer = NULL;
	d->ann.stopping = true;
	xlbd_announce_sync(d);
	d->ann.started = false;
	free(d->ann.vips);
	d->ann.vips = NULL;
	d->ann.n = d->ann.cap = 0;
}

void xlbd_announce_drain(struct xlbd *d, bool drained)
{
	if (d->ann.drained != drained)
		pr_info("announce: node %s",
			drained ? "drained: withdrawing every VIP, forwarding continues"
				: "undrained");
	d->ann.drained = drained;
	xlbd_announce_sync(d);
}

bool xlbd_announce_is(const struct xlbd *d, const union xlb_addr *vip,
		      __u8 family)
{
	return vip_find(d->ann.vips, d->ann.n, vip, family) >= 0;
}
