// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Flow-table upkeep. The data plane never expires anything (an LRU only
 * evicts when full) and counts least-connections flows only on the events
 * it sees (SYN, FIN, RST). Every flow_scan_interval xlbd walks the table:
 *
 *  - deletes flows idle longer than their timeout (TCP, UDP, closed);
 *  - counts the active flows of every backend (for status and metrics),
 *    full NAT's too: the NAT sweep (nat.c) runs inside the walk's bracket
 *    and counts its live flows (xlbd_flows_count());
 *  - corrects the least-connections counts the program keeps, which drift
 *    when flows vanish without a FIN (LRU eviction, idle expiry, a client
 *    that went away). The count read before and after the walk brackets
 *    what a walk racing with new flows may see; only a count outside that
 *    bracket is drift, and only the distance to it is corrected (with an
 *    atomic add, so no concurrent open or close is lost).
 *
 * The counts live in a pinned map: across an xlbd restart they stay as
 * the program kept them, and the first scan corrects what changed while
 * no xlbd ran.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <bpf/bpf.h>

#include "jclock.h"
#include "log.h"
#include "xlbd.h"

static __u32 *counts; /* active flows by backend id, this walk */
static __u32 *gens;   /* backend id -> gen, for stale entries */
static struct xlb_timer *timer;
static __u32 last_walk; /* jiffies of the last whole walk */
static bool walked;	/* last_walk is set */

struct walk {
	struct xlbd *d;
	__u32 now;    /* jiffies, low 32 bits */
	__u64 gap_ms; /* since the last whole walk (flow sync's resend) */
	int hz;
	__u64 total, expired;
};

static __u32 timeout_ms(const struct xlb_flow_conf *c,
			const struct xlb_flow_key *k, const struct xlb_flow *f)
{
	if (f->flags & XLB_FLOW_F_CLOSED)
		return c->closed_timeout_ms;
	return k->svc.proto == IPPROTO_UDP ? c->udp_timeout_ms
					   : c->tcp_timeout_ms;
}

static int visit(const struct xlb_flow_key *k, const struct xlb_flow *f,
		 void *ctx)
{
	struct walk *w = ctx;
	struct xlb_flow now;

	if (xlb_jiffies_ms(w->now - f->seen, w->hz) >
	    timeout_ms(&w->d->cfg.flows, k, f)) {
		/* idle: delete it, unless a packet refreshed it meanwhile */
		if (!bpf_map_lookup_elem(w->d->dp.flow_fd, k, &now) &&
		    now.seen == f->seen &&
		    !bpf_map_delete_elem(w->d->dp.flow_fd, k)) {
			w->expired++;
			return 0;
		}
	}
	w->total++;
	/*
	 * forwarded here (a packet since it was created: not a peer's copy),
	 * and live, however idle: its copies must live as long as it does
	 */
	if (!(f->flags & XLB_FLOW_F_CLOSED) && f->seen != (__u32)f->created) {
		struct xlb_sync_rec r = { .key = *k,
					  .backend_id = f->backend_id };

		xlbd_sync_resend(
			w->d, &r, f->backend_gen,
			xlb_jiffies_ms(w->now - (__u32)f->created, w->hz),
			w->gap_ms, timeout_ms(&w->d->cfg.flows, k, f));
	}
	if (!(f->flags & XLB_FLOW_F_CLOSED) &&
	    f->backend_id < XLB_MAX_BACKENDS &&
	    gens[f->backend_id] == f->backend_gen)
		counts[f->backend_id]++;
	return 0;
}

void xlbd_flows_count(__u32 be_id, __u32 gen)
{
	if (counts && be_id < XLB_MAX_BACKENDS && gens[be_id] == gen)
		counts[be_id]++;
}

int xlbd_flows_scan(struct xlbd *d)
{
	struct walk w = { .d = d };
	__u64 now;
	int err;

	if (!counts)
		counts = calloc(XLB_MAX_BACKENDS, sizeof(*counts));
	if (!gens)
		gens = calloc(XLB_MAX_BACKENDS, sizeof(*gens));
	if (!counts || !gens)
		return -ENOMEM;
	w.hz = xlb_hz();
	if (w.hz < 0)
		return w.hz;
	err = xlb_jiffies(&now);
	if (err)
		return err;
	w.now = now;
	/* the first walk: as if the last had been one interval ago */
	w.gap_ms = walked ? xlb_jiffies_ms(w.now - last_walk, w.hz)
			  : d->cfg.flows.scan_interval_ms;

	memset(counts, 0, XLB_MAX_BACKENDS * sizeof(*counts));
	for (size_t i = 0; i < d->n_svcs; i++) {
		struct svc_rt *s = d->svcs[i];

		for (size_t j = 0; j < s->n_bes; j++) {
			struct be_rt *b = s->bes[j];

			gens[b->id] = b->gen;
			if (s->conf.sched == XLB_SCHED_LEAST_CONN)
				xlb_dp_conns_get(&d->dp, b->id, &b->lc_before);
		}
	}
	err = xlb_dp_flows_foreach(&d->dp, visit, &w);
	xlbd_nat_sweep(d);
	if (err)
		return err;
	/* a walk cut short: the next one looks back over this one too */
	last_walk = w.now;
	walked = true;

	for (size_t i = 0; i < d->n_svcs; i++) {
		struct svc_rt *s = d->svcs[i];

		s->active_flows = 0;
		for (size_t j = 0; j < s->n_bes; j++) {
			struct be_rt *b = s->bes[j];
			__s64 lo = b->lc_before, hi, after, n;

			b->active_flows = counts[b->id];
			s->active_flows += b->active_flows;
			if (s->conf.sched != XLB_SCHED_LEAST_CONN ||
			    xlb_dp_conns_get(&d->dp, b->id, &after))
				continue;
			hi = after > lo ? after : lo;
			lo = after < lo ? after : lo;
			n = counts[b->id];
			if (n < lo)
				xlb_dp_conns_add(&d->dp, b->id, n - lo);
			else if (n > hi)
				xlb_dp_conns_add(&d->dp, b->id, n - hi);
		}
	}
	d->flows_total = w.total;
	d->flows_expired += w.expired;
	d->flow_scan_ms = xlb_now_ms();
	return 0;
}

/* new_flow_rate_limit into the running program (start and reload). */
void xlbd_flows_limit_apply(struct xlbd *d)
{
	__u32 n = d->cfg.flows.new_flow_limit;
	int err = xlb_dp_flow_limit_set(&d->dp, n);

	if (err == -EOPNOTSUPP)
		pr_warn("new_flow_rate_limit: the running XDP program predates it and ignores it; it takes effect after xlbd --teardown and a fresh start");
	else if (err)
		pr_warn("new_flow_rate_limit: %s", strerror(-err));
	else if (n)
		pr_info("new flows limited to %u per second per CPU", n);
}

static void tick(struct xlb_loop *l, void *ctx)
{
	struct xlbd *d = ctx;
	int err = xlbd_flows_scan(d);

	if (err)
		pr_warn("flow table scan: %s", strerror(-err));
	timer = xlb_timer_add(l, d->cfg.flows.scan_interval_ms, tick, d);
}

int xlbd_flows_start(struct xlbd *d)
{
	int hz = xlb_hz();

	if (hz < 0) {
		pr_warn("cannot read the kernel clock: %s", strerror(-hz));
		return hz;
	}
	pr_debug("kernel HZ %d", hz);
	timer = xlb_timer_add(d->loop, d->cfg.flows.scan_interval_ms, tick, d);
	return timer ? 0 : -ENOMEM;
}

void xlbd_flows_stop(struct xlbd *d)
{
	xlb_timer_cancel(d->loop, timer);
	timer = NULL;
}
