// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Part: services and backends. Every change ends in svc_publish(), which
 * writes backend entries and swaps the service's ring in the order the
 * data plane needs (see dataplane.h), so no packet sees a half-done change.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>

#include "log.h"
#include "maglev.h"
#include "ring_digest.h"
#include "sched_ring.h"
#include "xlbd.h"

/* The daemon, for timer callbacks; set by xlbd_state_init(). */
static struct xlbd *the_d;

static void svc_key_of(const struct xlb_service_conf *c, struct xlb_svc_key *k)
{
	memset(k, 0, sizeof(*k));
	k->vip = c->vip;
	k->port = htons(c->port);
	k->proto = c->proto;
	k->family = c->family;
}

int xlbd_state_init(struct xlbd *d)
{
	d->be_used = calloc(XLB_MAX_BACKENDS, sizeof(bool));
	if (!d->be_used)
		return -ENOMEM;
	d->svc_used[0] = d->be_used[0] = true; /* id 0 means "none" */
	the_d = d;
	return 0;
}

static void be_write(struct xlbd *d, struct svc_rt *s, struct be_rt *b, bool up)
{
	struct xlb_backend v = {
		.ifindex = b->ifindex,
		.flags = up ? XLB_BE_F_UP : 0,
		.gen = b->gen,
		.svc_id = s->id,
		.addr = b->conf.addr,
		.family = b->conf.family,
		.port = htons(b->conf.port),
	};
	int err;

	memcpy(v.dmac, b->mac, 6);
	memcpy(v.smac, b->smac, 6);
	err = xlb_dp_backend_set(&d->dp, b->id, &v);
	if (err)
		pr_warn("service %s: cannot write backend %u: %s", s->conf.name,
			b->id, strerror(-err));
}

enum be_state xlbd_be_state(const struct be_rt *b)
{
	if (!b->mac_ok)
		return BE_UNRESOLVED;
	if (!b->healthy)
		return BE_DOWN;
	if (b->drained || !b->conf.weight)
		return BE_DRAINED;
	return BE_UP;
}

const char *xlbd_be_state_name(enum be_state st)
{
	static const char *const names[] = {
		[BE_UP] = "up",
		[BE_DRAINED] = "drained",
		[BE_DOWN] = "down",
		[BE_UNRESOLVED] = "unresolved",
	};

	return names[st];
}

/* May the data plane send to it at all (established flows)? */
static bool be_usable(const struct be_rt *b)
{
	return b->mac_ok && b->healthy;
}

__u32 xlbd_be_weight(const struct svc_rt *s, const struct be_rt *b,
		     __u64 now_ms)
{
	__u64 ss = s->conf.slow_start_ms, age = now_ms - b->up_since_ms;
	__u32 w;

	if (b->drained || !b->conf.weight)
		return 0;
	if (!ss || age >= ss)
		return b->conf.weight;
	/* linear ramp from 1/10 of the weight, never below 1 */
	w = (__u64)b->conf.weight * (ss / 10 + age) / (ss + ss / 10);
	return w ? w : 1;
}

static __u64 ramp_step_ms(const struct svc_rt *s)
{
	__u64 step = s->conf.slow_start_ms / 10;

	return step < 200 ? 200 : step;
}

static void ramp_tick(struct xlb_loop *l, void *ctx)
{
	struct svc_rt *s = ctx;

	s->ramp = NULL;
	xlbd_svc_publish(the_d, s);
}

/* Health verdict handler (health.c calls it for every probe result). */
static void be_set_health(struct xlbd *d, struct svc_rt *s, struct be_rt *b,
			  bool up, const char *reason)
{
	char a[XLB_ADDR_STRLEN];
	__u64 now = xlb_now_ms();

	snprintf(b->health_why, sizeof(b->health_why), "%s", reason);
	if (b->healthy == up)
		return;
	xlbd_addr_str(&b->conf.addr, b->conf.family, a, sizeof(a));
	pr_info("service %s: backend %s %s -> %s (%s)%s", s->conf.name, a,
		b->healthy ? "up" : "down", up ? "up" : "down", reason,
		up && b->drained ? "; stays drained" : "");
	b->healthy = up;
	b->health_since_ms = now;
	if (up)
		b->up_since_ms = now;
	b->transitions++;
	/*
	 * Publish from a 0 ms timer, once for every flip of this loop
	 * iteration: a thousand backends coming up together would otherwise
	 * rebuild and swap the ring a thousand times. The ramp timer is the
	 * service's "publish soon"; ramp_tick() re-arms it if still ramping.
	 */
	xlb_timer_cancel(d->loop, s->ramp);
	s->ramp = xlb_timer_add(d->loop, 0, ramp_tick, s);
	if (!s->ramp)
		xlbd_svc_publish(d, s);
}

int xlbd_svc_publish(struct xlbd *d, struct svc_rt *s)
{
	struct xlb_maglev_backend *mb;
	struct xlb_svc v = {
		.id = s->id,
		.table_size = s->conf.table_size,
		.sched = s->conf.sched,
		.fwd = s->conf.fwd,
		.flags = s->conf.flow_sync ? XLB_SVC_F_SYNC : 0,
		.hash_seed = d->cfg.hash_seed,
	};
	size_t n = 0, n_down = 0;
	__u64 now = xlb_now_ms();
	bool ramping = false;
	__u32 *ring = NULL, w;
	int err;

	mb = calloc(s->n_bes ? s->n_bes : 1, sizeof(*mb));
	if (!mb)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_bes; i++) {
		struct be_rt *b = s->bes[i];

		if (b->mac_ok && !b->healthy)
			n_down++;
		if (!be_usable(b))
			continue;
		/* usable entries first: the new ring may point at them */
		be_write(d, s, b, true);
		w = xlbd_be_weight(s, b, now);
		if (!w)
			continue;
		ramping |= w != b->conf.weight;
		mb[n++] = (struct xlb_maglev_backend){ .id = b->id,
						       .addr = b->conf.addr,
						       .family = b->conf.family,
						       .weight = w };
	}

	if (!n && s->conf.keep_last && s->ring && n_down) {
		/* on_all_down: keep_last: leave ring and entries as they are */
		pr_warn("service %s: every backend is down; keeping the last set (on_all_down: keep_last)",
			s->conf.name);
		free(mb);
		/* kept for what still arrives, but none of it is healthy: the
		 * node must not go on attracting the VIP (min_up_backends) */
		s->n_up = 0;
		xlbd_announce_sync(d);
		return 0;
	}
	if (n && (s->conf.sched == XLB_SCHED_ROUND_ROBIN ||
		  s->conf.sched == XLB_SCHED_WEIGHTED_RR)) {
		/* the ring is the cycle; its length is the table size */
		err = xlb_ring_rr_build(s->conf.sched, mb, n, &ring,
					&v.table_size);
		if (err)
			goto out;
	} else if (n && s->conf.sched == XLB_SCHED_LEAST_CONN) {
		/* the ring is the candidate list */
		err = xlb_ring_lc_build(mb, n, &ring, &v.table_size);
		if (err)
			goto out;
	} else if (n) {
		ring = malloc(sizeof(*ring) * s->conf.table_size);
		if (!ring) {
			err = -ENOMEM;
			goto out;
		}
		err = xlb_maglev_build(mb, n, ring, s->conf.table_size);
		if (err)
			goto out;
	}
	err = xlb_dp_service_publish(&d->dp, &s->key, &v, ring,
				     ring ? v.table_size : 0);
	if (err)
		goto out;
	/* what a node with the same config must have published too */
	if (xlb_ring_digest(&s->key, v.hash_seed, v.sched, ring,
			    ring ? v.table_size : 0, mb, n, &s->ring_digest))
		s->ring_digest = 0;
	s->n_up = n;
	s->swaps++; /* metrics: xlb_service_table_swaps_total */
	if (!ring && s->ring)
		pr_warn("service %s: no backend available; dropping its traffic",
			s->conf.name);
	free(s->ring);
	s->ring = ring;
	ring = NULL;
	/* unusable entries last: flows leave them once the ring has */
	for (size_t i = 0; i < s->n_bes; i++)
		if (!be_usable(s->bes[i]))
			be_write(d, s, s->bes[i], false);
	pr_debug("service %s: published %zu backends", s->conf.name, n);
	if (ramping && !s->ramp)
		s->ramp = xlb_timer_add(d->loop, ramp_step_ms(s), ramp_tick, s);
	xlbd_announce_sync(d);
out:
	if (err)
		pr_warn("service %s: cannot publish: %s", s->conf.name,
			strerror(-err));
	free(ring);
	free(mb);
	return err;
}

struct svc_rt *xlbd_svc_find(struct xlbd *d, const char *name)
{
	for (size_t i = 0; i < d->n_svcs; i++)
		if (!strcmp(d->svcs[i]->conf.name, name))
			return d->svcs[i];
	return NULL;
}

struct be_rt *xlbd_be_find(struct svc_rt *s, const union xlb_addr *a,
			   __u8 family)
{
	for (size_t i = 0; i < s->n_bes; i++)
		if (s->bes[i]->conf.family == family &&
		    !memcmp(&s->bes[i]->conf.addr, a, sizeof(*a)))
			return s->bes[i];
	return NULL;
}

struct svc_rt *xlbd_svc_by_key(struct xlbd *d, const struct xlb_svc_key *k)
{
	for (size_t i = 0; i < d->n_svcs; i++)
		if (!memcmp(&d->svcs[i]->key, k, sizeof(*k)))
			return d->svcs[i];
	return NULL;
}

/* Create the runtime backend and resolve it; the caller publishes. */
static int be_create(struct xlbd *d, struct svc_rt *s,
		     const struct xlb_backend_conf *c, char *err, size_t errlen)
{
	struct be_rt *b, **v;
	char a[XLB_ADDR_STRLEN];
	bool adopted_up = false;

	xlbd_addr_str(&c->addr, c->family, a, sizeof(a));
	if (c->family != s->conf.family && !xlb_fwd_is_encap(s->conf.fwd)) {
		snprintf(err, errlen,
			 "backend %s: not the address family of VIP", a);
		return -EINVAL;
	}
	if (xlbd_be_find(s, &c->addr, c->family)) {
		snprintf(err, errlen, "backend %s already in service %s", a,
			 s->conf.name);
		return -EEXIST;
	}
	if (s->n_bes + 1 > s->conf.table_size) {
		snprintf(err, errlen,
			 "service %s: more backends than table_size %u",
			 s->conf.name, s->conf.table_size);
		return -ENOSPC;
	}
	b = calloc(1, sizeof(*b));
	v = realloc(s->bes, (s->n_bes + 1) * sizeof(*v));
	if (!b || !v) {
		free(b);
		if (v)
			s->bes = v;
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	s->bes = v;
	b->conf = *c;
	b->healthy = true;
	b->fib = xlb_fwd_uses_fib(s->conf.fwd);
	b->id = xlbd_adopt_be_id(d, s->id, b, &adopted_up);
	if (!b->id) {
		free(b);
		snprintf(err, errlen, "no free backend id (max %d)",
			 XLB_MAX_BACKENDS - 1);
		return -ENOSPC;
	}
	xlbd_resolve_backend(d, b);
	d->nh_dirty |= b->fib;
	s->bes[s->n_bes++] = b;
	b->health_since_ms = b->up_since_ms = xlb_now_ms();
	/* adopted from a running data plane: already at full weight */
	if (adopted_up)
		b->up_since_ms -= s->conf.slow_start_ms;
	if (xlbd_health_attach(d, s, b, adopted_up, be_set_health))
		pr_warn("service %s: backend %s: cannot start health check",
			s->conf.name, a);
	return 0;
}

int xlbd_be_add(struct xlbd *d, struct svc_rt *s,
		const struct xlb_backend_conf *c, char *err, size_t errlen)
{
	int ret = be_create(d, s, c, err, errlen);
	char a[XLB_ADDR_STRLEN];

	if (ret)
		return ret;
	xlbd_addr_str(&c->addr, c->family, a, sizeof(a));
	pr_info("service %s: backend %s added (weight %u)", s->conf.name, a,
		c->weight);
	return xlbd_svc_publish(d, s);
}

static void be_free(struct xlbd *d, struct be_rt *b)
{
	struct xlb_backend zero = {};

	xlbd_health_detach(d, b);
	xlb_dp_backend_set(&d->dp, b->id, &zero);
	d->be_used[b->id] = false;
	free(b);
}

int xlbd_be_del(struct xlbd *d, struct svc_rt *s, struct be_rt *b)
{
	char a[XLB_ADDR_STRLEN];
	size_t i;
	int err;

	for (i = 0; i < s->n_bes && s->bes[i] != b; i++)
		;
	if (i == s->n_bes)
		return -ENOENT;
	memmove(&s->bes[i], &s->bes[i + 1], (s->n_bes - i - 1) * sizeof(b));
	s->n_bes--;
	/* out of the ring first, then the entry: its flows move on */
	err = xlbd_svc_publish(d, s);
	xlbd_addr_str(&b->conf.addr, b->conf.family, a, sizeof(a));
	pr_info("service %s: backend %s removed", s->conf.name, a);
	d->nh_dirty |= b->fib;
	be_free(d, b);
	return err;
}

int xlbd_be_set(struct xlbd *d, struct svc_rt *s, struct be_rt *b, long weight,
		int drain)
{
	char a[XLB_ADDR_STRLEN];

	xlbd_addr_str(&b->conf.addr, b->conf.family, a, sizeof(a));
	if (weight >= 0) {
		b->conf.weight = weight;
		b->drained = false;
		pr_info("service %s: backend %s weight %ld", s->conf.name, a,
			weight);
	} else if (drain > 0) {
		b->drained = true;
		pr_info("service %s: backend %s drained", s->conf.name, a);
	} else {
		b->drained = false;
		pr_info("service %s: backend %s enabled (weight %u)",
			s->conf.name, a, b->conf.weight);
	}
	return xlbd_svc_publish(d, s);
}

int xlbd_svc_add(struct xlbd *d, const struct xlb_service_conf *c, char *err,
		 size_t errlen)
{
	struct svc_rt *s, **v;
	char a[XLB_ADDR_STRLEN];
	int ret;

	if (xlbd_svc_find(d, c->name)) {
		snprintf(err, errlen, "service %s already exists", c->name);
		return -EEXIST;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	svc_key_of(c, &s->key);
	if (xlbd_svc_by_key(d, &s->key)) {
		xlbd_addr_str(&c->vip, c->family, a, sizeof(a));
		snprintf(err, errlen,
			 "%s:%u/%s is already served by another service", a,
			 c->port, xlb_proto_name(c->proto));
		free(s);
		return -EEXIST;
	}
	ret = xlb_service_conf_copy(&s->conf, c);
	if (ret) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return ret;
	}
	/* backends are kept in s->bes, not in the conf copy */
	free(s->conf.backends);
	s->conf.backends = NULL;
	s->conf.n_backends = 0;
	s->id = xlbd_adopt_svc_id(d, &s->key);
	if (!s->id) {
		xlb_service_conf_free(&s->conf);
		free(s);
		snprintf(err, errlen, "no free service id (max %d)",
			 XLB_MAX_SERVICES - 1);
		return -ENOSPC;
	}
	for (size_t i = 0; i < c->n_backends; i++) {
		ret = be_create(d, s, &c->backends[i], err, errlen);
		if (ret)
			goto fail;
	}
	v = realloc(d->svcs, (d->n_svcs + 1) * sizeof(*v));
	if (!v) {
		ret = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	d->svcs = v;
	ret = xlbd_svc_publish(d, s);
	if (ret) {
		snprintf(err, errlen, "cannot publish service: %s",
			 strerror(-ret));
		goto fail;
	}
	xlb_dp_vip_mark(&d->dp, &s->key.vip, s->key.family, true);
	d->svcs[d->n_svcs++] = s;
	xlbd_addr_str(&c->vip, c->family, a, sizeof(a));
	pr_info("service %s: %s%s%s:%u/%s %s, %zu backends", c->name,
		c->family == XLB_FAMILY_V6 ? "[" : "", a,
		c->family == XLB_FAMILY_V6 ? "]" : "", c->port,
		xlb_proto_name(c->proto), xlb_sched_names[c->sched], s->n_bes);
	return 0;
fail:
	xlb_dp_service_del(&d->dp, &s->key, s->id);
	for (size_t i = 0; i < s->n_bes; i++)
		be_free(d, s->bes[i]);
	free(s->bes);
	d->svc_used[s->id] = false;
	xlb_service_conf_free(&s->conf);
	free(s->ring);
	free(s);
	return ret;
}

static void svc_destroy(struct xlbd *d, struct svc_rt *s)
{
	bool vip_used = false;
	size_t i;

	for (i = 0; i < d->n_svcs && d->svcs[i] != s; i++)
		;
	if (i < d->n_svcs) {
		memmove(&d->svcs[i], &d->svcs[i + 1],
			(d->n_svcs - i - 1) * sizeof(s));
		d->n_svcs--;
	}
	xlb_dp_service_del(&d->dp, &s->key, s->id);
	for (i = 0; i < d->n_svcs; i++)
		vip_used |= d->svcs[i]->key.family == s->key.family &&
			    !memcmp(&d->svcs[i]->key.vip, &s->key.vip,
				    sizeof(s->key.vip));
	if (!vip_used)
		xlb_dp_vip_mark(&d->dp, &s->key.vip, s->key.family, false);
	for (i = 0; i < s->n_bes; i++)
		be_free(d, s->bes[i]);
	xlb_dp_stats_reset(&d->dp, false, s->id);
	xlb_timer_cancel(d->loop, s->ramp);
	d->svc_used[s->id] = false;
	free(s->bes);
	free(s->ring);
	xlb_service_conf_free(&s->conf);
	free(s);
}

int xlbd_svc_del(struct xlbd *d, const char *name, char *err, size_t errlen)
{
	struct svc_rt *s = xlbd_svc_find(d, name);

	if (!s) {
		snprintf(err, errlen, "no service named %s", name);
		return -ENOENT;
	}
	svc_destroy(d, s);
	pr_info("service %s removed", name);
	xlbd_announce_sync(d); /* its VIP may no longer qualify */
	return 0;
}

/*
 * Bring a running service to a new conf of the same name and key: only
 * what changed moves. Backends that stay keep their ids, so Maglev leaves
 * their slots (and flows) alone.
 */
static int svc_update(struct xlbd *d, struct svc_rt *s,
		      const struct xlb_service_conf *c)
{
	char err[256];
	bool changed = false;

	for (size_t i = 0; i < s->n_bes;) {
		struct be_rt *b = s->bes[i];
		bool keep = false;

		for (size_t j = 0; j < c->n_backends && !keep; j++)
			keep = c->backends[j].family == b->conf.family &&
			       !memcmp(&c->backends[j].addr, &b->conf.addr,
				       sizeof(b->conf.addr));
		if (keep) {
			i++;
			continue;
		}
		xlbd_be_del(d, s, b);
	}
	s->conf.sched = c->sched;
	if (s->conf.fwd != c->fwd) {
		s->conf.fwd = c->fwd;
		for (size_t i = 0; i < s->n_bes; i++) {
			s->bes[i]->fib = xlb_fwd_uses_fib(c->fwd);
			xlbd_resolve_backend(d, s->bes[i]);
		}
		d->nh_dirty = true;
	}
	s->conf.table_size = c->table_size;
	s->conf.keep_last = c->keep_last;
	s->conf.slow_start_ms = c->slow_start_ms;
	s->conf.announce = c->announce;
	s->conf.min_up_backends = c->min_up_backends;
	s->conf.flow_sync = c->flow_sync;
	s->conf.hc = c->hc;
	s->conf.line = c->line;
	for (size_t j = 0; j < c->n_backends; j++) {
		const struct xlb_backend_conf *bc = &c->backends[j];
		struct be_rt *b = xlbd_be_find(s, &bc->addr, bc->family);

		if (b) {
			bool hc_same = xlb_hc_conf_equal(&b->conf.hc, &bc->hc);

			changed |= b->conf.weight != bc->weight || b->drained;
			b->conf = *bc;
			/* the file is the truth: a drain made with xlbctl
			 * ends here (the reload logged it, drift.c) */
			b->drained = false;
			if (!hc_same) {
				bool up = b->healthy;

				xlbd_health_detach(d, b);
				xlbd_health_attach(d, s, b, up, be_set_health);
			}
			continue;
		}
		if (be_create(d, s, bc, err, sizeof(err)))
			pr_warn("service %s: %s", s->conf.name, err);
		changed = true;
	}
	(void)changed;
	return xlbd_svc_publish(d, s);
}

/* The service as it runs, as a conf (drained backends show weight 0). */
static int effective_service(struct xlbd *d, struct svc_rt *s,
			     struct xlb_service_conf *out)
{
	int err = xlb_service_conf_copy(out, &s->conf);

	if (err)
		return err;
	out->backends = calloc(s->n_bes ? s->n_bes : 1, sizeof(*out->backends));
	if (!out->backends) {
		xlb_service_conf_free(out);
		return -ENOMEM;
	}
	for (size_t i = 0; i < s->n_bes; i++) {
		out->backends[i] = s->bes[i]->conf;
		if (s->bes[i]->drained)
			out->backends[i].weight = 0;
	}
	out->n_backends = s->n_bes;
	return 0;
}

int xlbd_state_apply(struct xlbd *d, const struct xlb_config *c)
{
	char err[256];
	int ret = 0;

	/* services gone, or whose key changed: remove */
	for (size_t i = 0; i < d->n_svcs;) {
		struct svc_rt *s = d->svcs[i];
		const struct xlb_service_conf *nc = NULL;
		struct xlb_svc_key k;

		for (size_t j = 0; j < c->n_services && !nc; j++)
			if (!strcmp(c->services[j].name, s->conf.name))
				nc = &c->services[j];
		if (nc)
			svc_key_of(nc, &k);
		if (nc && !memcmp(&k, &s->key, sizeof(k))) {
			i++;
			continue;
		}
		svc_destroy(d, s);
		pr_info("service %s removed", nc ? nc->name : "(old)");
	}
	for (size_t j = 0; j < c->n_services; j++) {
		const struct xlb_service_conf *nc = &c->services[j];
		struct svc_rt *s = xlbd_svc_find(d, nc->name);

		if (!s) {
			if (xlbd_svc_add(d, nc, err, sizeof(err))) {
				pr_warn("service %s: %s", nc->name, err);
				ret = -EINVAL;
			}
			continue;
		}
		{
			struct xlb_service_conf cur;
			bool same;

			if (effective_service(d, s, &cur))
				continue;
			same = xlb_service_conf_equal(&cur, nc);
			xlb_service_conf_free(&cur);
			if (same)
				continue; /* untouched */
		}
		pr_info("service %s: updating", nc->name);
		svc_update(d, s, nc);
	}
	return ret;
}

int xlbd_state_effective(struct xlbd *d, struct xlb_config *out)
{
	*out = d->cfg;
	out->services =
		calloc(d->n_svcs ? d->n_svcs : 1, sizeof(*out->services));
	out->n_services = 0;
	if (!out->services)
		return -ENOMEM;
	for (size_t i = 0; i < d->n_svcs; i++) {
		int err = effective_service(d, d->svcs[i], &out->services[i]);

		if (err) {
			xlb_config_free(out);
			return err;
		}
		out->n_services++;
	}
	return 0;
}

int xlbd_state_effective_yaml(struct xlbd *d, bool shared, char **buf,
			      size_t *len)
{
	struct xlb_config c;
	int err;

	*buf = NULL;
	err = xlbd_state_effective(d, &c);
	if (err)
		return err;
	err = xlb_config_dump_str(&c, shared, buf, len);
	xlb_config_free(&c);
	return err;
}

void xlbd_state_free(struct xlbd *d)
{
	for (size_t i = 0; i < d->n_svcs; i++) {
		struct svc_rt *s = d->svcs[i];

		for (size_t j = 0; j < s->n_bes; j++) {
			xlbd_health_detach(d, s->bes[j]);
			free(s->bes[j]);
		}
		free(s->bes);
		free(s->ring);
		xlb_service_conf_free(&s->conf);
		free(s);
	}
	free(d->svcs);
	free(d->be_used);
	free(d->adopted);
	d->svcs = NULL;
	d->n_svcs = 0;
}

void xlbd_state_neigh_event(void *ctx, const union xlb_addr *a, __u8 family,
			    int ifindex, const __u8 *mac)
{
	struct xlbd *d = ctx;

	xlbd_nexthop_event(d, a, family, ifindex, mac);
	for (size_t i = 0; i < d->n_svcs; i++) {
		struct svc_rt *s = d->svcs[i];
		bool changed = false;

		for (size_t j = 0; j < s->n_bes; j++)
			changed |= xlbd_resolve_neigh_event(
				s, s->bes[j], a, family, ifindex, mac);
		if (changed)
			xlbd_svc_publish(d, s);
	}
}

void xlbd_state_refresh_neigh(struct xlbd *d)
{
	for (size_t i = 0; i < d->n_svcs; i++) {
		struct svc_rt *s = d->svcs[i];
		bool changed = false;

		for (size_t j = 0; j < s->n_bes; j++)
			changed |= xlbd_resolve_refresh(d, s->bes[j]);
		if (changed)
			xlbd_svc_publish(d, s);
	}
}
