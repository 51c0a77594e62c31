/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The backends' decapsulator's one decision, compiled by both of its
 * programs (bpf/xlb_decap.bpf.c: XDP and tc): is this frame an xlb tunnel
 * frame for us, and what to strip. Its maps live here with it, so both
 * programs of the object share them.
 *
 * A frame is stripped only when its outer destination is one of the
 * host's addresses and its inner destination a VIP (both in
 * xlb_decap_addrs, include/xlb_decap.h). Outer fragments and IPv4 outer
 * headers with options are not ours (passed, uncounted); a tunnel frame
 * cut short (outer IP, UDP, GUE or inner header incomplete) is passed
 * and counted malformed.
 */
#ifndef XLB_LIB_DECAP_H
#define XLB_LIB_DECAP_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
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

/* What to strip: the bytes after Ethernet, and the inner family. */
struct xlb_decap_strip {
	int len;
	__be16 inner_proto; /* ETH_P_IP or ETH_P_IPV6, network order */
	bool gue;	    /* an outer UDP header among the len bytes */
};

/* Does addr (4 or 16 bytes at p) carry flag in xlb_decap_addrs? */
static __always_inline bool decap_addr_is(const void *p, __u8 family,
					  __u32 flag)
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

/* Not a tunnel frame: pass, count nothing. */
#define XLB_DECAP_NOT_OURS (-1)

/*
 * The decision for the frame whose L3 header (EtherType proto, network
 * order) starts at l3. XLB_DECAP_STRIPPED: strip s->len bytes after the
 * Ethernet header, the inner packet is s->inner_proto. Another
 * XLB_DECAP_* counter: pass unchanged and count it. XLB_DECAP_NOT_OURS:
 * pass, uncounted.
 */
static __always_inline int xlb_decap_decide(void *l3, void *end, __be16 proto,
					    struct xlb_decap_strip *s)
{
	void *outer_dst, *inner_dst;
	__u8 outer_fam, inner_fam, next, ver;
	int len;

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = l3;

		if ((void *)(ip + 1) > end)
			return XLB_DECAP_MALFORMED;
		if (ip->ihl != 5 || (ip->frag_off & bpf_htons(0x3fff)))
			return XLB_DECAP_NOT_OURS;
		next = ip->protocol;
		len = sizeof(*ip);
		outer_dst = &ip->daddr;
		outer_fam = XLB_FAMILY_V4;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l3;

		if ((void *)(ip6 + 1) > end)
			return XLB_DECAP_MALFORMED;
		next = ip6->nexthdr;
		len = sizeof(*ip6);
		outer_dst = &ip6->daddr;
		outer_fam = XLB_FAMILY_V6;
	} else {
		return XLB_DECAP_NOT_OURS;
	}
	s->gue = next == IPPROTO_UDP;
	if (s->gue) {
		struct udphdr *udp = l3 + len;
		__u8 *v;

		if ((void *)(udp + 1) > end)
			return XLB_DECAP_MALFORMED;
		if (udp->dest != bpf_htons(gue_port))
			return XLB_DECAP_NOT_OURS;
		len += sizeof(*udp);
		v = l3 + len;
		if ((void *)(v + 1) > end)
			return XLB_DECAP_MALFORMED;
		/* GUE variant 1: the inner IP header's version nibble */
		ver = *v >> 4;
		if (ver == 4)
			next = IPPROTO_IPIP;
		else if (ver == 6)
			next = IPPROTO_IPV6;
		else
			return XLB_DECAP_MALFORMED;
	}
	if (next != IPPROTO_IPIP && next != IPPROTO_IPV6)
		return XLB_DECAP_NOT_OURS;
	if (!decap_addr_is(outer_dst, outer_fam, XLB_DECAP_LOCAL))
		return XLB_DECAP_NOT_LOCAL;
	s->len = len;
	if (next == IPPROTO_IPIP) {
		struct iphdr *in = l3 + len;

		if ((void *)(in + 1) > end)
			return XLB_DECAP_MALFORMED;
		inner_dst = &in->daddr;
		inner_fam = XLB_FAMILY_V4;
		s->inner_proto = bpf_htons(ETH_P_IP);
	} else {
		struct ipv6hdr *in6 = l3 + len;

		if ((void *)(in6 + 1) > end)
			return XLB_DECAP_MALFORMED;
		inner_dst = &in6->daddr;
		inner_fam = XLB_FAMILY_V6;
		s->inner_proto = bpf_htons(ETH_P_IPV6);
	}
	return decap_addr_is(inner_dst, inner_fam, XLB_DECAP_VIP)
		       ? XLB_DECAP_STRIPPED
		       : XLB_DECAP_NOT_VIP;
}

/*
 * The decision for the Ethernet frame at eth, counting what it leaves
 * alone: true when s says what to strip.
 */
static __always_inline bool xlb_decap_frame(struct ethhdr *eth, void *end,
					    struct xlb_decap_strip *s)
{
	int r;

	if ((void *)(eth + 1) > end)
		return false;
	r = xlb_decap_decide(eth + 1, end, eth->h_proto, s);
	if (r == XLB_DECAP_STRIPPED)
		return true;
	if (r != XLB_DECAP_NOT_OURS)
		count(r);
	return false;
}

#endif /* XLB_LIB_DECAP_H */
