// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Ring digests (see ring_digest.h). Each backend's address is hashed once
 * (FNV-1a, 64 bits); the slots then fold those per-backend values in order
 * with a multiply-xorshift step, so a 65537-slot ring costs one table walk
 * and a binary search per slot, not a byte hash per slot.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "ring_digest.h"

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL
#define MIX_MUL 0x9e3779b97f4a7c15ULL
#define UNKNOWN_BE 0x756e6b6e6f776e21ULL /* "unknown!" */

struct id_hash {
	__u32 id;
	__u64 h;
};

static __u64 fnv(__u64 h, const void *p, size_t len)
{
	const __u8 *b = p;

	for (size_t i = 0; i < len; i++)
		h = (h ^ b[i]) * FNV_PRIME;
	return h;
}

static __u64 mix(__u64 d, __u64 v)
{
	d = (d ^ v) * MIX_MUL;
	return d ^ (d >> 29);
}

static int by_id(const void *a, const void *b)
{
	const struct id_hash *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static __u64 be_hash(const struct id_hash *t, size_t n, __u32 id)
{
	struct id_hash k = { .id = id }, *f;

	f = bsearch(&k, t, n, sizeof(*t), by_id);
	return f ? f->h : UNKNOWN_BE;
}

int xlb_ring_digest(const struct xlb_svc_key *key, __u32 seed, int sched,
		    const __u32 *ring, __u32 size,
		    const struct xlb_maglev_backend *be, size_t n,
		    __u64 *digest)
{
	bool lc = sched == XLB_SCHED_LEAST_CONN;
	struct id_hash *t;
	__u64 d = FNV_OFFSET;

	if (!ring)
		size = 0;
	t = calloc(n ? n : 1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		/* the address only: unused bytes are zero by contract */
		__u64 h = fnv(FNV_OFFSET, &be[i].family, 1);

		t[i].id = be[i].id;
		t[i].h = fnv(
			h, &be[i].addr,
			be[i].family == XLB_FAMILY_V4 ? 4 : sizeof(be[i].addr));
	}
	qsort(t, n, sizeof(*t), by_id);

	d = fnv(d, key, sizeof(*key));
	d = mix(d, seed);
	d = mix(d, (__u64)sched << 32 | size);
	for (__u32 s = 0; s < size; s++) {
		__u32 e = ring[s];

		if (lc) {
			d = mix(d, be_hash(t, n, XLB_LC_ID(e)));
			d = mix(d, XLB_LC_WEIGHT(e));
		} else {
			d = mix(d, be_hash(t, n, e));
		}
	}
	free(t);
	*digest = d;
	return 0;
}

void xlb_ring_digest_format(__u64 digest, char buf[XLB_RING_DIGEST_STRLEN])
{
	snprintf(buf, XLB_RING_DIGEST_STRLEN, "%016llx",
		 (unsigned long long)digest);
}
