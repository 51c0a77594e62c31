/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Is a frame ours (xlb_l2_dst())? The interface's MAC is in
 * xlb_switches; a frame on one of reply_interfaces is addressed to that
 * interface's own MAC (XLB_MAP_IFACES), asked only when the first test
 * says another host: a frame to the interface's MAC costs what it did.
 */
#ifndef XLB_L2_H
#define XLB_L2_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

#include "lib/maps.h"
#include "xlb_decide.h"

/*
 * A frame to another host than the interface's MAC: ours when it is to
 * the ingress interface's own MAC (XLB_MAP_IFACES; no entry: not ours). Global:
 * verified once, not in every caller. Returns XLB_STAT_MAX (ours) or
 * XLB_STAT_PASS_MAC_OTHER.
 */
__noinline __u32 xlb_l2_iface(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 ifindex = ctx->ingress_ifindex;
	struct xlb_iface *i;

	if (data + ETH_HLEN > end)
		return XLB_STAT_PASS_MAC_OTHER;
	i = bpf_map_lookup_elem(&XLB_MAP_IFACES, &ifindex);
	if (i && xlb_l2_dst(*(const __u32 *)data, *(const __u16 *)(data + 4),
			    *(const __u32 *)i->mac,
			    *(const __u16 *)(i->mac + 4)) == XLB_L2_OURS)
		return XLB_STAT_MAX;
	return XLB_STAT_PASS_MAC_OTHER;
}

/* xlb.bpf.c's switches: the interface's MAC (zero: not known) */
extern struct xlb_runtime xlb_switches;

/*
 * A frame not sent to our MAC is not ours: it is passed as it came.
 * Returns the counter to pass it under, or XLB_STAT_MAX for a frame that
 * is ours. frame: the start of the frame, bounds checked for the Ethernet
 * header (not a struct ethhdr *: that one is packed, and clang would read
 * the destination byte by byte).
 */
static __always_inline __u32 l2_not_ours(struct xdp_md *ctx, const void *frame)
{
	switch (xlb_l2_dst(
		*(const __u32 *)frame, *(const __u16 *)(frame + 4),
		*(const volatile __u32 *)xlb_switches.if_mac,
		*(const volatile __u16 *)(xlb_switches.if_mac + 4))) {
	case XLB_L2_OURS:
		return XLB_STAT_MAX;
	case XLB_L2_GROUP:
		return XLB_STAT_PASS_MAC_GROUP;
	default:
		return xlb_l2_iface(ctx);
	}
}

/* The same for the frame of @ctx, from a global function (bounds). */
static __always_inline __u32 l2_frame_not_ours(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;

	if (data + ETH_HLEN > end)
		return XLB_STAT_MAX; /* the rewrite drops a short frame */
	return l2_not_ours(ctx, data);
}

#endif /* XLB_L2_H */
