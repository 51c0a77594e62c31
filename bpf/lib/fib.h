/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Next hop from the kernel's FIB and neighbour table (bpf_fib_lookup), for
 * forwarding modes whose destination is an address the kernel routes to
 * (full NAT's backends and clients) rather than a MAC xlbd resolved. The
 * lookup is a forwarding decision as if the packet arrived on the ingress
 * interface, so that interface needs IP forwarding enabled
 * (net.ipv4.conf.IF.forwarding, net.ipv6.conf.IF.forwarding).
 *
 * fib_nexthop() returns 0 with the egress interface (fl->ifindex) and both
 * MACs (fl->smac, fl->dmac) in *fl, or the stat (drop_no_route,
 * drop_no_neigh) the caller drops with: a frame never leaves with a MAC
 * the kernel did not give. *fl is the caller's (64 bytes: a map value
 * where the stack is short).
 */
#ifndef XLB_FIB_H
#define XLB_FIB_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

#include "xlb_abi.h"

#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif

static __always_inline __u32 fib_nexthop(struct xdp_md *ctx,
					 struct bpf_fib_lookup *fl, __u8 family,
					 const union xlb_addr *src,
					 const union xlb_addr *dst, __u8 proto)
{
	long rc;

	__builtin_memset(fl, 0, sizeof(*fl));
	fl->ifindex = ctx->ingress_ifindex;
	fl->l4_protocol = proto;
	/*
	 * tot_len 0: no MTU check; the frame is the size it came in and
	 * the egress driver refuses what does not fit.
	 */
	if (family == XLB_FAMILY_V4) {
		fl->family = AF_INET;
		fl->ipv4_src = src->v4;
		fl->ipv4_dst = dst->v4;
	} else {
		fl->family = AF_INET6;
		__builtin_memcpy(fl->ipv6_src, src->v6, 16);
		__builtin_memcpy(fl->ipv6_dst, dst->v6, 16);
	}
	rc = bpf_fib_lookup(ctx, fl, sizeof(*fl), 0);
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
		return XLB_STAT_DROP_NO_NEIGH;
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return XLB_STAT_DROP_NO_ROUTE;
	return 0;
}

#endif /* XLB_FIB_H */
