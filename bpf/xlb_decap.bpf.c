// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xlb_decap: the backend side of forwarding: ipip and gue.
 *
 * Backends attach this XDP program to the interface xlb's encapsulated
 * packets arrive on. It strips the outer IPv4/IPv6 header (protocol 4 or
 * 41: IPv4-in-IP, IPv6-in-IP) or outer IP + UDP to gue_port (GUE variant 1:
 * the inner IP header right after UDP), keeps the Ethernet header with
 * the inner family's EtherType and passes the inner packet to the stack,
 * which delivers it to the VIP on lo. Anything else, including outer
 * fragments and IPv4 outer headers with options, passes unchanged.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

const volatile __u16 gue_port = 6080; /* host order */

/* Outer header bytes to strip after Ethernet, 0: not ours. */
static __always_inline int outer_len(void *l3, void *end, __u16 proto,
				     __u16 *inner_proto)
{
	__u8 next;
	int len;

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = l3;

		if ((void *)(ip + 1) > end || ip->ihl != 5 ||
		    (ip->frag_off & bpf_htons(0x3fff)))
			return 0;
		next = ip->protocol;
		len = sizeof(*ip);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l3;

		if ((void *)(ip6 + 1) > end)
			return 0;
		next = ip6->nexthdr;
		len = sizeof(*ip6);
	} else {
		return 0;
	}
	if (next == IPPROTO_UDP) {
		struct udphdr *udp = l3 + len;

		if ((void *)(udp + 1) > end || udp->dest != bpf_htons(gue_port))
			return 0;
		len += sizeof(*udp);
		__u8 *v = l3 + len;

		if ((void *)(v + 1) > end)
			return 0;
		next = (*v >> 4) == 4	? IPPROTO_IPIP
		       : (*v >> 4) == 6 ? IPPROTO_IPV6
					: 0;
	}
	if (next == IPPROTO_IPIP)
		*inner_proto = bpf_htons(ETH_P_IP);
	else if (next == IPPROTO_IPV6)
		*inner_proto = bpf_htons(ETH_P_IPV6);
	else
		return 0;
	return len;
}

SEC("xdp")
int xlb_decap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data, *neth;
	__u16 inner;
	int len;

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	len = outer_len(eth + 1, end, eth->h_proto, &inner);
	if (len <= 0 || len > 48)
		return XDP_PASS;
	neth = data + len;
	if ((void *)(neth + 1) > end)
		return XDP_PASS;
	__builtin_memmove(neth, eth, 12);
	neth->h_proto = inner;
	if (bpf_xdp_adjust_head(ctx, len))
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
