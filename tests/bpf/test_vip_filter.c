// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The VIP filter (XLB_MAP_VIP_FILTER): non-VIP packets leave on a clear
 * bit, but a VIP is never hidden by it: not after its service is
 * published, and not when a program is loaded over services already in
 * the maps (a new program reusing an earlier one's pinned services, whose
 * filter starts empty).
 */
#include <string.h>
#include <netinet/in.h>
#include <bpf/bpf.h>

#include "harness.h"
#include "xlb_decide.h"

static bool filter_bit(struct h *h, const char *addr, bool *set)
{
	union xlb_addr a;
	__u8 family;
	__u32 bit, word;
	__u64 w;

	if (!h_addr(&a, &family, addr))
		return false;
	bit = xlb_vip_filter_bit(&a);
	word = bit / 64;
	if (!ASSERT_OK(bpf_map_lookup_elem(h->dp.vip_filter_fd, &word, &w),
		       "read the filter"))
		return false;
	*set = (w >> (bit % 64)) & 1;
	return true;
}

TEST(vip_filter_set_on_publish_and_rebuilt_on_load)
{
	const __u32 ring[7] = { 2, 2, 2, 2, 2, 2, 2 };
	__u64 zero = 0;
	__u32 act, be;
	bool set;
	struct h h;

	if (!h_open(&h) || !h_backends_up(&h, 3) ||
	    !h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, ring, 7))
		goto out;
	if (!ASSERT_TRUE(h.dp.vip_filter_fd >= 0, "filter map open"))
		goto out;
	if (!filter_bit(&h, H_VIP4, &set) ||
	    !ASSERT_TRUE(set, "published VIP's bit set"))
		goto out;
	if (!h_syn(&h, H_VIP4, 80, &act, &be) ||
	    !ASSERT_EQ(act, XDP_TX, "SYN to the VIP forwarded") ||
	    !ASSERT_EQ(be, 2, "on its backend"))
		goto out;
	if (!h_syn(&h, H_OTHER4, 80, &act, &be) ||
	    !ASSERT_EQ(act, XDP_PASS, "non-VIP passed"))
		goto out;

	/* a filter that lost the VIP (a fresh map under old services) */
	for (__u32 i = 0; i < XLB_VIP_FILTER_WORDS; i++)
		if (!ASSERT_OK(bpf_map_update_elem(h.dp.vip_filter_fd, &i,
						   &zero, BPF_ANY),
			       "clear the filter"))
			goto out;
	if (!h_syn(&h, H_VIP4, 80, &act, &be) ||
	    !ASSERT_EQ(act, XDP_PASS, "a clear bit hides the VIP"))
		goto out;
	/* what a load does after the maps are in place */
	if (!ASSERT_OK(xlb_dp_loaded(&h.dp), "xlb_dp_loaded"))
		goto out;
	if (!filter_bit(&h, H_VIP4, &set) ||
	    !ASSERT_TRUE(set, "rebuilt from the services map"))
		goto out;
	if (!h_syn(&h, H_VIP4, 80, &act, &be) ||
	    !ASSERT_EQ(act, XDP_TX, "SYN to the VIP forwarded again"))
		goto out;
	ASSERT_EQ(be, 2, "on its backend");
out:
	h_close(&h);
}

TEST(vip_filter_marker_and_removed_service)
{
	const __u32 ring[7] = { 1, 1, 1, 1, 1, 1, 1 };
	struct xlb_svc_key k;
	__u32 act, be;
	bool set;
	struct h h;

	if (!h_open(&h) || !h_backends_up(&h, 1))
		goto out;
	/* an address marker alone (fragments to a VIP are dropped) */
	if (!h_vip_mark(&h, H_VIP4_B, true) ||
	    !filter_bit(&h, H_VIP4_B, &set) ||
	    !ASSERT_TRUE(set, "marked VIP address's bit set"))
		goto out;
	/* a removed service's packets go to the kernel, stale bit or not */
	if (!h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, ring, 7) ||
	    !h_svc_key(&k, H_VIP4, 80, IPPROTO_TCP) ||
	    !ASSERT_OK(xlb_dp_service_del(&h.dp, &k, 1), "xlb_dp_service_del"))
		goto out;
	if (!h_syn(&h, H_VIP4, 80, &act, &be) ||
	    !ASSERT_EQ(act, XDP_PASS, "removed service: passed"))
		goto out;
	/* the rebuild clears the bit no key holds any more */
	if (!ASSERT_OK(xlb_dp_loaded(&h.dp), "xlb_dp_loaded") ||
	    !filter_bit(&h, H_VIP4, &set))
		goto out;
	ASSERT_TRUE(!set, "removed VIP's bit cleared by the rebuild");
	if (filter_bit(&h, H_VIP4_B, &set))
		ASSERT_TRUE(set, "marked address's bit kept");
out:
	h_close(&h);
}
