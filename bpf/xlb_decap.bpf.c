// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xlb_decap: the backend side of forwarding: ipip and gue.
 *
 * Backends attach this XDP program (xlbctl decap attach) to the interface
 * xlb's encapsulated packets arrive on. It strips the outer IPv4/IPv6
 * header (protocol 4 or 41: IPv4-in-IP, IPv6-in-IP) or outer IP + UDP to
 * gue_port (GUE variant 1: the inner IP header right after UDP), keeps
 * the Ethernet header with the inner family's EtherType and passes the
 * inner packet to the stack, which delivers it to the VIP on lo.
 *
 * Only when the outer destination is one of the host's addresses and the
 * inner destination a VIP (both in xlb_decap_addrs, include/xlb_decap.h):
 * anything else, including outer fragments, IPv4 outer headers with
 * options and inner headers cut short, passes unchanged.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "xlb_decap.h"
#include "lib/counters.h"

const volatile __u16 gue_port = 6080; /* host order */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, XLB_DECAP_MAX_ADDRS);
	__type(key, struct xlb_decap_key);
	__type(value, __u32); /* XLB_DECAP_LOCAL | XLB_DECAP_VIP */
} xlb_decap_addrs SEC(".maps");

XLB_PERCPU_COUNTERS(xlb_decap_stats, XLB_DECAP_NR_COUNTERS);

/* Does addr (4 or 16 bytes at p) carry flag in xlb_decap_addrs? */
static __always_inline bool addr_is(const void *p, __u8 family, __u32 flag)
{
	struct xlb_decap_key k = { .family = family };
	__u32 *v;

	if (family == XLB_FAMILY_V4)
		__builtin_memcpy(&k.addr.v4, p, 4);
	else
		__builtin_memcpy(k.addr.bytes, p, 16);
	v = bpf_map_lookup_elem(&xlb_decap_addrs, &k);
	return v && (*v & flag);
}

/*
 * Outer header bytes to strip after Ethernet, 0: not a tunnel frame.
 * *outer_dst points at the outer destination address, *outer_fam is its
 * family.
 */
static __always_inline int outer_len(void *l3, void *end, __u16 proto,
				     __u16 *inner_proto, void **outer_dst,
				     __u8 *outer_fam)
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
		*outer_dst = &ip->daddr;
		*outer_fam = XLB_FAMILY_V4;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l3;

		if ((void *)(ip6 + 1) > end)
			return 0;
		next = ip6->nexthdr;
		len = sizeof(*ip6);
		*outer_dst = &ip6->daddr;
		*outer_fam = XLB_FAMILY_V6;
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

/* The inner destination is a VIP (the inner header is complete). */
static __always_inline bool inner_is_vip(void *inner, void *end, __u16 proto)
{
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = inner;

		if ((void *)(ip + 1) > end)
			return false;
		return addr_is(&ip->daddr, XLB_FAMILY_V4, XLB_DECAP_VIP);
	}
	struct ipv6hdr *ip6 = inner;

	if ((void *)(ip6 + 1) > end)
		return false;
	return addr_is(&ip6->daddr, XLB_FAMILY_V6, XLB_DECAP_VIP);
}

SEC("xdp")
int xlb_decap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data, *neth;
	void *outer_dst;
	__u8 outer_fam;
	__u16 inner;
	int len;

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	len = outer_len(eth + 1, end, eth->h_proto, &inner, &outer_dst,
			&outer_fam);
	if (len <= 0 || len > 48)
		return XDP_PASS;
	if (!addr_is(outer_dst, outer_fam, XLB_DECAP_LOCAL)) {
		count(XLB_DECAP_NOT_LOCAL);
		return XDP_PASS;
	}
	if (!inner_is_vip((void *)(eth + 1) + len, end, inner)) {
		count(XLB_DECAP_NOT_VIP);
		return XDP_PASS;
	}
	neth = data + len;
	if ((void *)(neth + 1) > end)
		return XDP_PASS;
	__builtin_memmove(neth, eth, 12);
	neth->h_proto = inner;
	if (bpf_xdp_adjust_head(ctx, len))
		return XDP_DROP;
	count(XLB_DECAP_STRIPPED);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
