// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Part: the next hops of the backends the data plane forwards to through
 * the FIB (nat, ipip, gue), kept resolved by managed neighbour entries.
 *
 * bpf_fib_lookup() only reads the neighbour table: an XDP program cannot
 * make the kernel resolve a next hop, so one nobody else talks to stays
 * unresolved and its packets are counted no_neigh and dropped. For every
 * such backend xlbd asks the kernel for the route, and makes the next hop
 * (the gateway, or the backend when on-link) a managed entry
 * (NTF_EXT_MANAGED): the kernel resolves it and keeps it confirmed. A
 * route or neighbour notification resyncs: a route moved to another
 * gateway gets the new gateway managed, and the old one, ours and no longer
 * anyone's next hop, deleted. An entry someone else made is never touched,
 * only probed like a packet would (xlb_neigh_probe); if it goes away, ours
 * takes its place.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xlbd.h"

struct xlbd_nh {
	union xlb_addr addr;
	__u8 family;
	bool ours;   /* xlb_neigh_manage() made or adopted it */
	bool wanted; /* some backend's next hop at the last sync */
	int ifindex;
};

static struct xlbd_nh *nh_find(struct xlbd *d, const union xlb_addr *a,
			       __u8 family, int ifindex)
{
	for (size_t i = 0; i < d->n_nhs; i++) {
		struct xlbd_nh *h = &d->nhs[i];

		if (h->family == family && h->ifindex == ifindex &&
		    !memcmp(&h->addr, a, sizeof(*a)))
			return h;
	}
	return NULL;
}

static void nh_log(const char *what, const struct xlbd_nh *h, int err)
{
	char a[XLB_ADDR_STRLEN];

	xlbd_addr_str(&h->addr, h->family, a, sizeof(a));
	if (err)
		pr_warn("next hop %s (ifindex %d): %s: %s", a, h->ifindex, what,
			strerror(-err));
	else
		pr_debug("next hop %s (ifindex %d): %s", a, h->ifindex, what);
}

/* The next hop of one FIB-forwarded backend: tracked, managed or probed. */
static void nh_want(struct xlbd *d, const struct be_rt *b)
{
	union xlb_addr a;
	struct xlbd_nh *h, *v;
	__u8 family;
	int ifindex, err;

	if (xlb_route_nexthop(d->neigh, &b->conf.addr, b->conf.family, &ifindex,
			      &a, &family))
		return; /* no route: counted no_route, resolve.c says why */
	h = nh_find(d, &a, family, ifindex);
	if (!h) {
		if (d->n_nhs == d->cap_nhs) {
			size_t cap = d->cap_nhs ? 2 * d->cap_nhs : 8;

			v = realloc(d->nhs, cap * sizeof(*v));
			if (!v)
				return; /* retried at the next sync */
			d->nhs = v;
			d->cap_nhs = cap;
		}
		h = &d->nhs[d->n_nhs++];
		*h = (struct xlbd_nh){ .addr = a,
				       .family = family,
				       .ifindex = ifindex };
	}
	if (h->wanted)
		return; /* another backend's too: done at this sync */
	h->wanted = true;
	err = xlb_neigh_manage(d->neigh, &a, family, ifindex);
	if (!err) {
		if (!h->ours)
			nh_log("managed", h, 0);
		h->ours = true;
		return;
	}
	h->ours = false;
	if (err == -EEXIST)
		err = xlb_neigh_probe(d->neigh, &a, family, ifindex);
	if (err)
		nh_log("cannot manage", h, err);
}

void xlbd_nexthop_sync(struct xlbd *d)
{
	size_t i, j;

	d->nh_dirty = false;
	for (i = 0; i < d->n_nhs; i++)
		d->nhs[i].wanted = false;
	for (i = 0; i < d->n_svcs; i++)
		for (j = 0; j < d->svcs[i]->n_bes; j++)
			if (d->svcs[i]->bes[j]->fib)
				nh_want(d, d->svcs[i]->bes[j]);
	/* nobody's next hop any more: ours go, the list forgets the rest */
	for (i = j = 0; i < d->n_nhs; i++) {
		struct xlbd_nh *h = &d->nhs[i];
		int err;

		if (h->wanted) {
			d->nhs[j++] = *h;
			continue;
		}
		if (!h->ours)
			continue;
		err = xlb_neigh_unmanage(d->neigh, &h->addr, h->family,
					 h->ifindex, false);
		nh_log("removed, no backend's next hop now", h, err);
	}
	d->n_nhs = j;
}

void xlbd_nexthop_event(struct xlbd *d, const union xlb_addr *a, __u8 family,
			int ifindex, const __u8 *mac)
{
	/* a next hop deleted (a flush, GC) or failed: check it is still ours */
	if (!mac && nh_find(d, a, family, ifindex))
		d->nh_dirty = true;
}

void xlbd_nexthop_release(struct xlbd *d)
{
	for (size_t i = 0; i < d->n_nhs; i++) {
		struct xlbd_nh *h = &d->nhs[i];

		/*
		 * Kept as ordinary entries: the data plane goes on
		 * forwarding after xlbd exits, and a deleted next hop would
		 * drop its packets (no_neigh) until the next start.
		 */
		if (h->ours)
			nh_log("no longer managed", h,
			       xlb_neigh_unmanage(d->neigh, &h->addr, h->family,
						  h->ifindex, true));
	}
	free(d->nhs);
	d->nhs = NULL;
	d->n_nhs = d->cap_nhs = 0;
}
