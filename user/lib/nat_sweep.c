// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Full NAT's expiry: see nat_sweep.h. */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>

#include "nat_sweep.h"
#include "xlb_decide.h"

struct sweep {
	struct xlb_dp *dp;
	struct xlb_nat_cfg cfg;
	__u32 now;
	xlb_nat_live_fn live;
	void *ctx;
	struct xlb_nat_sweep *out;
};

/* the later of two jiffies stamps (32-bit wrap) */
static __u32 later(__u32 a, __u32 b)
{
	return (__s32)(b - a) > 0 ? b : a;
}

/*
 * Idle past the timeout of @state at the sweep's clock reading? The walk
 * reads the clock once and takes a while: a flow made or refreshed after
 * that reading is seen after it, and must not count as idle for most of
 * the 32-bit range (it would be deleted while its connection lives).
 */
static bool idle_past(const struct sweep *w, __u8 state, __u32 seen)
{
	return (__s32)(w->now - seen) >= 0 &&
	       xlb_nat_expired(&w->cfg, state, seen, w->now);
}

static int visit_fwd(const void *key, const void *val, void *ctx)
{
	const struct xlb_flow_key *k = key;
	const struct xlb_nat_fwd *f = val;
	struct sweep *w = ctx;
	struct xlb_nat_rev_key rk;
	struct xlb_nat_fwd cur;
	struct xlb_nat_rev r;
	bool has_rev;
	__u32 seen = f->seen;
	__u8 state = f->state;

	w->out->flows++;
	xlb_nat_rev_key_of(&rk, k, f);
	has_rev = !bpf_map_lookup_elem(w->dp->nat_rev_fd, &rk, &r) &&
		  !memcmp(&r.client, k, sizeof(*k));
	if (has_rev) {
		seen = later(seen, r.seen);
		if ((r.flags & XLB_NAT_F_REPLY_CLOSE) && state == XLB_NAT_S_EST)
			state = XLB_NAT_S_CLOSING;
	}
	if (!idle_past(w, state, seen)) {
		if (w->live)
			w->live(w->ctx, k, f, state,
				(__s32)(w->now - seen) > 0 ? w->now - seen : 0,
				xlb_nat_timeout(&w->cfg, state));
		return 0;
	}
	/* a packet meanwhile refreshed it: leave it */
	if (bpf_map_lookup_elem(w->dp->nat_fwd_fd, k, &cur) ||
	    cur.seen != f->seen || cur.snat_port != f->snat_port)
		return 0;
	/* the forward entry first: the client's next packet makes a new flow */
	if (bpf_map_delete_elem(w->dp->nat_fwd_fd, k))
		return 0;
	if (has_rev)
		bpf_map_delete_elem(w->dp->nat_rev_fd, &rk);
	w->out->expired++;
	return 0;
}

static int visit_rev(const void *key, const void *val, void *ctx)
{
	const struct xlb_nat_rev_key *rk = key;
	const struct xlb_nat_rev *r = val;
	struct sweep *w = ctx;
	struct xlb_nat_rev_key mine;
	struct xlb_nat_fwd f;

	if (!bpf_map_lookup_elem(w->dp->nat_fwd_fd, &r->client, &f)) {
		xlb_nat_rev_key_of(&mine, &r->client, &f);
		if (!memcmp(&mine, rk, sizeof(mine)))
			return 0; /* its flow's, expired with it */
	}
	if (!idle_past(w, XLB_NAT_S_CLOSING, r->seen))
		return 0;
	if (!bpf_map_delete_elem(w->dp->nat_rev_fd, rk))
		w->out->orphans++;
	return 0;
}

int xlb_dp_nat_sweep(struct xlb_dp *dp, __u32 now, xlb_nat_live_fn live,
		     void *ctx, struct xlb_nat_sweep *out)
{
	struct sweep w = {
		.dp = dp, .now = now, .live = live, .ctx = ctx, .out = out
	};
	__u32 zero = 0;
	int err;

	memset(out, 0, sizeof(*out));
	if (dp->nat_fwd_fd < 0 || dp->nat_rev_fd < 0 || dp->nat_cfg_fd < 0)
		return -EOPNOTSUPP;
	if (bpf_map_lookup_elem(dp->nat_cfg_fd, &zero, &w.cfg))
		return -errno;
	err = xlb_dp_map_foreach(dp->nat_fwd_fd, sizeof(struct xlb_flow_key),
				 sizeof(struct xlb_nat_fwd), visit_fwd, &w);
	if (!err)
		err = xlb_dp_map_foreach(
			dp->nat_rev_fd, sizeof(struct xlb_nat_rev_key),
			sizeof(struct xlb_nat_rev), visit_rev, &w);
	return err;
}
