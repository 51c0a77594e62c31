// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Round-robin and smooth weighted round-robin cycles. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sched_ring.h"

static __u64 gcd(__u64 a, __u64 b)
{
	while (b) {
		__u64 t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static int by_addr(const void *a, const void *b)
{
	const struct xlb_maglev_backend *x = a, *y = b;

	if (x->family != y->family)
		return x->family - y->family;
	return memcmp(&x->addr, &y->addr, sizeof(x->addr));
}

int xlb_ring_rr_build(int sched, const struct xlb_maglev_backend *be, size_t n,
		      __u32 **ring, __u32 *size)
{
	struct xlb_maglev_backend *v;
	__u64 g = 0, total = 0;
	__s64 *cur = NULL;
	__u32 *r = NULL;
	size_t m = 0;
	int err = 0;

	if (sched != XLB_SCHED_ROUND_ROBIN && sched != XLB_SCHED_WEIGHTED_RR)
		return -EINVAL;
	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (be[i].weight)
			v[m++] = be[i];
	if (!m) {
		err = -ENOENT;
		goto out;
	}
	qsort(v, m, sizeof(*v), by_addr);
	for (size_t i = 0; i < m; i++)
		g = gcd(v[i].weight, g);
	for (size_t i = 0; i < m; i++) {
		v[i].weight /= g;
		total += v[i].weight;
	}
	if (total > XLB_MAX_TABLE_SIZE) {
		__u64 t = 0;

		for (size_t i = 0; i < m; i++) {
			__u64 w = (__u64)v[i].weight *
				  (XLB_MAX_TABLE_SIZE - m) / total;

			v[i].weight = w ? w : 1;
			t += v[i].weight;
		}
		total = t;
	}
	r = malloc(sizeof(*r) * total);
	cur = calloc(m, sizeof(*cur));
	if (!r || !cur) {
		err = -ENOMEM;
		goto out;
	}
	if (sched == XLB_SCHED_ROUND_ROBIN) {
		__u64 k = 0;

		for (size_t i = 0; i < m; i++)
			for (__u32 j = 0; j < v[i].weight; j++)
				r[k++] = v[i].id;
	} else {
		/*
		 * Smooth weighted round-robin: every step each backend earns
		 * its weight; the richest goes and pays the total. Over one
		 * cycle each gets exactly its weight in turns, spread out.
		 */
		for (__u64 k = 0; k < total; k++) {
			size_t best = 0;

			for (size_t i = 0; i < m; i++) {
				cur[i] += v[i].weight;
				if (cur[i] > cur[best])
					best = i;
			}
			cur[best] -= total;
			r[k] = v[best].id;
		}
	}
	*ring = r;
	*size = total;
	r = NULL;
out:
	free(r);
	free(cur);
	free(v);
	return err;
}

int xlb_ring_lc_build(const struct xlb_maglev_backend *be, size_t n,
		      __u32 **ring, __u32 *size)
{
	struct xlb_maglev_backend *v;
	__u32 *r;
	size_t m = 0;

	v = calloc(n ? n : 1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (be[i].id >= XLB_MAX_BACKENDS || be[i].weight > 0xffff) {
			free(v);
			return -EINVAL;
		}
		if (be[i].weight)
			v[m++] = be[i];
	}
	if (!m) {
		free(v);
		return -ENOENT;
	}
	qsort(v, m, sizeof(*v), by_addr);
	r = malloc(sizeof(*r) * m);
	if (!r) {
		free(v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m; i++)
		r[i] = XLB_LC_ENTRY(v[i].id, v[i].weight);
	free(v);
	*ring = r;
	*size = m;
	return 0;
}
