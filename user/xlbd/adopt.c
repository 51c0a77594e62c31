// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Part: ids. A restarted xlbd finds the previous one's services and backends
 * in the pinned maps and gives the same config the same ids, generations
 * and MACs, so rings come out identical and established flows never notice.
 * Everything else gets a fresh id.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "log.h"
#include "xlbd.h"

/* An id found in the pinned maps when xlbd started. */
struct adopted {
	bool is_svc;
	bool claimed;
	struct xlb_svc_key key; /* service */
	struct xlb_backend be;	/* backend entry as found */
	__u32 id;
};

static int adopted_push(struct xlbd *d, size_t *cap, const struct adopted *a)
{
	if (d->n_adopted == *cap) {
		size_t n = *cap ? *cap * 2 : 64;
		void *v = realloc(d->adopted, n * sizeof(*d->adopted));

		if (!v)
			return -ENOMEM;
		d->adopted = v;
		*cap = n;
	}
	d->adopted[d->n_adopted++] = *a;
	return 0;
}

/*
 * Remember the ids of what is already in the maps (a previous xlbd), so
 * the same config maps onto the same ids and MACs: rings come out
 * identical and established flows never notice the restart.
 */
int xlbd_adopt_maps(struct xlbd *d)
{
	struct xlb_svc_key k, next, *prev = NULL;
	size_t cap = 0;

	while (!bpf_map_get_next_key(d->dp.svc_fd, prev, &next)) {
		struct xlb_svc v;

		k = next;
		prev = &k;
		if (xlb_dp_service_get(&d->dp, &k, &v) ||
		    (v.flags & XLB_SVC_F_ADDR_MARK) || !v.id ||
		    v.id >= XLB_MAX_SERVICES)
			continue;
		if (adopted_push(d, &cap,
				 &(struct adopted){ .is_svc = true,
						    .key = k,
						    .id = v.id }))
			return -ENOMEM;
		d->svc_used[v.id] = true;
	}
	for (__u32 id = 1; id < XLB_MAX_BACKENDS; id++) {
		struct xlb_backend be;

		if (bpf_map_lookup_elem(d->dp.be_fd, &id, &be) || !be.svc_id)
			continue;
		if (adopted_push(d, &cap,
				 &(struct adopted){ .be = be, .id = id }))
			return -ENOMEM;
		d->be_used[id] = true;
		if (be.gen > d->next_gen)
			d->next_gen = be.gen;
	}
	if (d->n_adopted)
		pr_info("adopted %zu services and backends from pinned maps",
			d->n_adopted);
	return 0;
}

/* Whatever the previous xlbd had that this config does not: remove. */
void xlbd_adopt_release_unclaimed(struct xlbd *d)
{
	struct xlb_svc_key k, next, *prev = NULL;

	for (size_t i = 0; i < d->n_adopted; i++) {
		struct adopted *a = &d->adopted[i];

		if (a->claimed)
			continue;
		if (a->is_svc) {
			xlb_dp_service_del(&d->dp, &a->key, a->id);
			d->svc_used[a->id] = false;
		} else {
			struct xlb_backend zero = {};

			xlb_dp_backend_set(&d->dp, a->id, &zero);
			d->be_used[a->id] = false;
		}
	}
	free(d->adopted);
	d->adopted = NULL;
	d->n_adopted = 0;

	/* VIP address markers whose VIP no service uses any more */
	while (!bpf_map_get_next_key(d->dp.svc_fd, prev, &next)) {
		struct xlb_svc v;
		bool used = false;

		k = next;
		prev = &k;
		if (xlb_dp_service_get(&d->dp, &k, &v) ||
		    !(v.flags & XLB_SVC_F_ADDR_MARK))
			continue;
		for (size_t i = 0; i < d->n_svcs && !used; i++)
			used = d->svcs[i]->key.family == k.family &&
			       !memcmp(&d->svcs[i]->key.vip, &k.vip,
				       sizeof(k.vip));
		if (!used) {
			xlb_dp_vip_mark(&d->dp, &k.vip, k.family, false);
			prev = NULL; /* restart: the key is gone */
		}
	}
}

__u32 xlbd_adopt_svc_id(struct xlbd *d, const struct xlb_svc_key *k)
{
	for (size_t i = 0; i < d->n_adopted; i++) {
		struct adopted *a = &d->adopted[i];

		if (a->is_svc && !a->claimed &&
		    !memcmp(&a->key, k, sizeof(*k))) {
			a->claimed = true;
			return a->id;
		}
	}
	for (__u32 id = 1; id < XLB_MAX_SERVICES; id++) {
		if (!d->svc_used[id]) {
			d->svc_used[id] = true;
			return id;
		}
	}
	return 0;
}

/* Adopted backend entry for (service, address), or a fresh id. */
__u32 xlbd_adopt_be_id(struct xlbd *d, __u32 svc_id, struct be_rt *b,
		       bool *adopted_up)
{
	static __u32 cursor = 1;

	for (size_t i = 0; i < d->n_adopted; i++) {
		struct adopted *a = &d->adopted[i];

		if (a->is_svc || a->claimed || a->be.svc_id != svc_id ||
		    a->be.family != b->conf.family ||
		    memcmp(&a->be.addr, &b->conf.addr, sizeof(a->be.addr)))
			continue;
		a->claimed = true;
		b->gen = a->be.gen;
		*adopted_up = a->be.flags & XLB_BE_F_UP;
		/* keep forwarding with the known MAC until netlink answers */
		if (a->be.flags & XLB_BE_F_UP) {
			b->mac_ok = true;
			memcpy(b->mac, a->be.dmac, 6);
			memcpy(b->smac, a->be.smac, 6);
			b->ifindex = a->be.ifindex;
		}
		return a->id;
	}
	/*
	 * Round-robin over free ids, so a freed id is reused as late as
	 * possible; gen still tells its old flows apart if it is.
	 */
	for (__u32 n = 1; n < XLB_MAX_BACKENDS; n++) {
		__u32 id = cursor;

		cursor = cursor + 1 < XLB_MAX_BACKENDS ? cursor + 1 : 1;
		if (!d->be_used[id]) {
			d->be_used[id] = true;
			b->gen = ++d->next_gen;
			return id;
		}
	}
	return 0;
}
