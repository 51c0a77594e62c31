/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A service ring's digest: a 64-bit fingerprint of what the program would
 * do with a new flow to the service (its VIP, port and protocol, hash
 * seed, scheduler, table size, and the backend *address* in every slot). Backend ids are node-local, so they are not
 * hashed: two nodes with the same config publish rings with different ids
 * but equal digests, and `xlbctl status` / the metrics show at a glance
 * whether the nodes of a cluster agree.
 */
#ifndef XLB_RING_DIGEST_H
#define XLB_RING_DIGEST_H

#include <stddef.h>

#include "maglev.h"

/*
 * key: the service (hashed as stored, so unused bytes must be zero).
 * ring[0..size) as published (ids, or XLB_LC_ENTRY() for
 * least-connections); be[0..n) maps those ids to addresses. ring NULL or
 * size 0: the "no backend" state, which has a digest too. An id missing
 * from be[] hashes as "unknown" (never happens for xlbd's own rings).
 * Returns 0 or -ENOMEM.
 */
int xlb_ring_digest(const struct xlb_svc_key *key, __u32 seed, int sched,
		    const __u32 *ring, __u32 size,
		    const struct xlb_maglev_backend *be, size_t n,
		    __u64 *digest);

/* 16 lowercase hex digits and a NUL: what status and metrics print. */
#define XLB_RING_DIGEST_STRLEN 17
void xlb_ring_digest_format(__u64 digest, char buf[XLB_RING_DIGEST_STRLEN]);

#endif /* XLB_RING_DIGEST_H */
