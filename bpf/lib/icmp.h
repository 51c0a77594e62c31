/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ICMP errors about VIP flows. With direct server return the backends
 * answer clients with the VIP as source, so a router that cannot forward
 * such a reply (fragmentation needed, packet too big, unreachable) sends
 * its error to the VIP, i.e. to us. The error quotes the reply
 * (VIP:port -> client:port); turning the quote around gives the client's
 * flow key, and the error goes to the backend that flow is pinned to, so
 * path MTU discovery works through xlb.
 *
 * The error goes to the source of the packet it quotes (RFC 792, 4443),
 * so one about a VIP flow's reply is addressed to that VIP. One whose
 * outer destination is another address is not about our flow (forged, or
 * for another host): it is not followed.
 *
 * icmp_to_flow_key() rewrites p->key into that flow key and returns
 * XLB_P_OK, or XLB_P_OTHER when the ICMP message is not such an error.
 * On entry p->key holds the outer header's addresses.
 */
#ifndef XLB_ICMP_H
#define XLB_ICMP_H

#include "lib/parse.h"

/* Copy the quoted L4 ports, reversed, into the key. */
static __always_inline int icmp_quoted_ports(struct xlb_pkt *p, __u8 *l4,
					     void *end, __u8 proto)
{
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return XLB_P_OTHER;
	/* RFC 792/4443: at least 8 bytes of the original datagram */
	if ((void *)(l4 + 4) > end)
		return XLB_P_OTHER;
	p->key.svc.proto = proto;
	p->key.svc.port = *(__be16 *)l4;    /* reply's source: VIP port */
	p->key.sport = *(__be16 *)(l4 + 2); /* reply's dest: client port */
	return XLB_P_OK;
}

static __always_inline int icmp4_to_flow_key(struct xlb_pkt *p, void *end)
{
	struct icmphdr *ih = p->l4;
	struct iphdr *in;
	__u32 ihl;

	if ((void *)(ih + 1) > end || ih->type != ICMP_DEST_UNREACH)
		return XLB_P_OTHER;
	in = (void *)(ih + 1);
	if ((void *)(in + 1) > end)
		return XLB_P_OTHER;
	ihl = in->ihl * 4;
	if (in->version != 4 || ihl < sizeof(*in) ||
	    in->saddr != p->key.svc.vip.v4)
		return XLB_P_OTHER;
	p->key.src.v4 = in->daddr;
	return icmp_quoted_ports(p, (void *)in + ihl, end, in->protocol);
}

static __always_inline int icmp6_to_flow_key(struct xlb_pkt *p, void *end)
{
	struct icmp6hdr *ih = p->l4;
	struct ipv6hdr *in;

	if ((void *)(ih + 1) > end)
		return XLB_P_OTHER;
	if (ih->icmp6_type != ICMPV6_DEST_UNREACH &&
	    ih->icmp6_type != ICMPV6_PKT_TOOBIG)
		return XLB_P_OTHER;
	in = (void *)(ih + 1);
	if ((void *)(in + 1) > end)
		return XLB_P_OTHER;
	if ((p->key.svc.vip.v6[0] ^ in->saddr.s6_addr32[0]) |
	    (p->key.svc.vip.v6[1] ^ in->saddr.s6_addr32[1]) |
	    (p->key.svc.vip.v6[2] ^ in->saddr.s6_addr32[2]) |
	    (p->key.svc.vip.v6[3] ^ in->saddr.s6_addr32[3]))
		return XLB_P_OTHER;
	__builtin_memcpy(&p->key.src, &in->daddr, 16);
	return icmp_quoted_ports(p, (void *)(in + 1), end, in->nexthdr);
}

static __always_inline int icmp_to_flow_key(struct xlb_pkt *p, void *end)
{
	if (p->key.svc.family == XLB_FAMILY_V4)
		return icmp4_to_flow_key(p, end);
	return icmp6_to_flow_key(p, end);
}

#endif /* XLB_ICMP_H */
