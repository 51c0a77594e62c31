// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Flow-table upkeep. The data plane never expires anything (an LRU only
 * evicts when full) and counts least-connections flows only on the events
 * it sees (SYN, FIN, RST). Every flow_scan_interval xlbd walks the table:
 *
 *  - deletes flows idle longer than their timeout (TCP, UDP, closed);
 *  - counts the active flows of every backend (for status and metrics);
 *  - corrects the least-connections counts the program keeps, which drift
 *    when flows vanish without a FIN (LRU eviction, idle expiry, a client
 *    that went away). The count read before and after the walk brackets
 *    what a walk racing with new flows may see; only a count outside that
 *    bracket is drift, and only the distance to it is corrected (with an
 *    atomic add, so no concurrent open or close is lost).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <bpf/bpf.h>

#include "jclock.h"
#include "log.h"
#include "xlbd.h"

#define BATCH 4096

static __u32 *counts;		/* active flows by backend id, this walk */
static __u32 *gens;		/* backend id -> gen, for stale entries */
static struct xlb_timer *timer;

static __u32 timeout_ms(const struct xlb_flow_conf *c,
			const struct xlb_flow_key *k, const struct xlb_flow *f)
{
	if (f->flags & XLB_FLOW_F_CLOSED)
		return c->closed_timeout_ms;
	return k->svc.proto == IPPROTO_UDP ? c->udp_timeout_ms :
					     c->tcp_timeout_ms;
}

/* Delete the idle ones, unless a packet refreshed them meanwhile. */
static __u64 expire(int fd, const struct xlb_flow_key *keys,
		    const __u32 *seen, size_t n)
{
	struct xlb_flow f;
	__u64 done = 0;

	for (size_t i = 0; i < n; i++) {
		if (bpf_map_lookup_elem(fd, &keys[i], &f) ||
		    f.seen != seen[i])
			continue;
		if (!bpf_map_delete_elem(fd, &keys[i]))
			done++;
	}
	return done;
}

int xlbd_flows_scan(struct xlbd *d)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	static struct xlb_flow_key keys[BATCH], old[BATCH];
	static struct xlb_flow vals[BATCH];
	static __u32 old_seen[BATCH];
	__u32 batch, count, now32;
	__u64 now, total = 0, expired = 0;
	bool first = true;
	int hz, err;

	if (!counts)
		counts = calloc(XLB_MAX_BACKENDS, sizeof(*counts));
	if (!gens)
		gens = calloc(XLB_MAX_BACKENDS, sizeof(*gens));
	if (!counts || !gens)
		return -ENOMEM;
	hz = xlb_hz();
	if (hz < 0)
		return hz;
	err = xlb_jiffies(&now);
	if (err)
		return err;
	now32 = now;

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

	for (;;) {
		size_t n_old = 0;

		count = BATCH;
		err = bpf_map_lookup_batch(d->dp.flow_fd, first ? NULL : &batch,
					   &batch, keys, vals, &count, &opts);
		if (err && errno != ENOENT) {
			err = -errno;
			break;
		}
		first = false;
		for (__u32 i = 0; i < count; i++) {
			const struct xlb_flow *f = &vals[i];
			__u32 idle = now32 - f->seen;

			if (xlb_jiffies_ms(idle, hz) >
			    timeout_ms(&d->cfg.flows, &keys[i], f)) {
				old[n_old] = keys[i];
				old_seen[n_old++] = f->seen;
				continue;
			}
			total++;
			if (!(f->flags & XLB_FLOW_F_CLOSED) &&
			    f->backend_id < XLB_MAX_BACKENDS &&
			    gens[f->backend_id] == f->backend_gen)
				counts[f->backend_id]++;
		}
		expired += expire(d->dp.flow_fd, old, old_seen, n_old);
		if (err) {		/* -ENOENT: that was the last batch */
			err = 0;
			break;
		}
	}
	if (err)
		return err;

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
	d->flows_total = total;
	d->flows_expired += expired;
	d->flow_scan_ms = xlb_now_ms();
	return 0;
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
