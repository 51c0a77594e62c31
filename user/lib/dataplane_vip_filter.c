// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The VIP filter (XLB_MAP_VIP_FILTER) as user space keeps it: the bits
 * the services map and the SNAT pool need. Map fds in, so that the
 * dataplane's files (dataplane.c, dataplane_svc.c) share it.
 */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>

#include "dataplane_vip_filter.h"
#include "xlb_decide.h"

/* Written only when the bit is new: most services share a word already. */
int xlb_dp_vip_filter_set(int filter_fd, const union xlb_addr *vip)
{
	__u32 bit = xlb_vip_filter_bit(vip), word = bit / 64;
	__u64 w = 0, m = 1ULL << (bit % 64);

	if (filter_fd < 0)
		return 0;
	if (bpf_map_lookup_elem(filter_fd, &word, &w))
		return -errno;
	if (w & m)
		return 0;
	w |= m;
	return bpf_map_update_elem(filter_fd, &word, &w, BPF_ANY) ? -errno : 0;
}

/* The SNAT pool's addresses, which the filter must let through too. */
static void nat_filter_bits(int nat_cfg_fd, __u64 *want)
{
	struct xlb_nat_cfg c;
	__u32 zero = 0;

	if (nat_cfg_fd < 0 || bpf_map_lookup_elem(nat_cfg_fd, &zero, &c))
		return;
	for (__u32 i = 0; i < XLB_NAT_MAX_ADDRS; i++) {
		__u32 b4 = xlb_vip_filter_bit(&c.v4[i]);
		__u32 b6 = xlb_vip_filter_bit(&c.v6[i]);

		if (i < c.n_v4)
			want[b4 / 64] |= 1ULL << (b4 % 64);
		if (i < c.n_v6)
			want[b6 / 64] |= 1ULL << (b6 % 64);
	}
}

/*
 * Exactly the bits the services map needs, each word written only when it
 * changes: a word loses only bits no service key holds, so a program
 * running on these maps meanwhile never misses a VIP. After a load, which
 * may have reused the pinned services of an earlier program and a new,
 * empty filter.
 */
int xlb_dp_vip_filter_rebuild(int filter_fd, int svc_fd, int nat_cfg_fd)
{
	__u64 *want = calloc(XLB_VIP_FILTER_WORDS, sizeof(*want));
	struct xlb_svc_key k, next;
	void *prev = NULL;
	int err = 0;

	if (filter_fd < 0) {
		free(want);
		return 0;
	}
	if (!want)
		return -ENOMEM;
	while (!bpf_map_get_next_key(svc_fd, prev, &next)) {
		__u32 bit = xlb_vip_filter_bit(&next.vip);

		want[bit / 64] |= 1ULL << (bit % 64);
		k = next;
		prev = &k;
	}
	nat_filter_bits(nat_cfg_fd, want);
	for (__u32 i = 0; i < XLB_VIP_FILTER_WORDS && !err; i++) {
		__u64 w;

		if (bpf_map_lookup_elem(filter_fd, &i, &w))
			err = -errno;
		else if (w != want[i] &&
			 bpf_map_update_elem(filter_fd, &i, &want[i], BPF_ANY))
			err = -errno;
	}
	free(want);
	return err;
}
