/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Weighted Maglev consistent hashing (Eisenbud et al., NSDI'16): builds the
 * lookup table that the XDP program indexes with xlb_ring_slot().
 *
 * A backend's preference list is derived from its address alone, never from
 * its daemon-assigned id, so every xlb node given the same backend set builds
 * the same table (mapped to its own ids) and a flow lands on the same backend
 * whichever node receives it.
 */
#ifndef XLB_MAGLEV_H
#define XLB_MAGLEV_H

#include <stdbool.h>
#include <stddef.h>

#include "xlb_abi.h"

struct xlb_maglev_backend {
	__u32 id;	     /* written into table slots; must be > 0 */
	union xlb_addr addr; /* hashed; IPv4 uses only addr.v4 */
	__u8 family;	     /* enum xlb_family */
	__u32 weight;	     /* relative share of slots; 0 takes none */
};

bool xlb_is_prime(__u32 n);

/*
 * Fill table[0..size) with backend ids, each backend getting a share of
 * slots proportional to its weight: its exact share weight * size /
 * total_weight rounded down or up, and the backends of one weight together
 * their exact total share rounded down or up (so within 2% of it once it is
 * 50 slots or more). A weight so small that its share rounds to no slot
 * gets none.
 *
 * size must be prime and <= XLB_MAX_TABLE_SIZE. The result depends only on
 * the set of (address, weight, id) triples, not on their order in be[].
 *
 * Returns 0, or:
 *   -EINVAL  bad size, NULL pointer, id 0, unknown family, duplicate
 *            address, n >= XLB_MAX_BACKENDS
 *   -ENOENT  n == 0 or every weight is 0 (the caller installs "no backend")
 *   -ENOMEM  allocation failed
 * table is left untouched on any error.
 */
int xlb_maglev_build(const struct xlb_maglev_backend *be, size_t n,
		     __u32 *table, __u32 size);

#endif /* XLB_MAGLEV_H */
