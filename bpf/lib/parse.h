/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Packet parsing. Every read is preceded by a bounds check against
 * data_end. The parsers fill a struct xlb_flow_key (addresses and ports in
 * network order, exactly as on the wire) and return an enum xlb_parse
 * verdict; only XLB_P_OK packets go on to the service lookup.
 *
 * "Malformed" means something the kernel's own IP stack would drop too
 * (truncated header, IHL < 5, total length beyond the frame, broken IPv4
 * options, TCP data offset < 5), so dropping it in XDP changes nothing
 * for non-VIP traffic while keeping garbage away from backends.
 */
#ifndef XLB_PARSE_H
#define XLB_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/icmpv6.h>
#include <bpf/bpf_endian.h>
#include <stdbool.h>

#include "xlb_abi.h"

enum xlb_parse {
	XLB_P_OK = 0,	 /* TCP/UDP with ports in the key */
	XLB_P_ICMP,	 /* ICMP/ICMPv6 error, cursor at the ICMP header */
	XLB_P_NON_IP,	 /* not IPv4/IPv6: pass */
	XLB_P_OTHER,	 /* IP but a protocol xlb does not serve: pass */
	XLB_P_FRAGMENT,	 /* IP fragment: key has addresses only */
	XLB_P_EXT_LIMIT, /* more IPv6 extension headers than we walk */
	XLB_P_MALFORMED, /* drop */
};

/* <linux/icmp.h> drags in libc socket headers; this is all we need. */
struct icmphdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be32 rest;
};
#define ICMP_DEST_UNREACH 3

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

/* Result of parsing: the flow key plus what the forwarding step needs. */
struct xlb_pkt {
	struct xlb_flow_key key;
	void *l4;	/* L4 header (ICMP header for XLB_P_ICMP) */
	__u8 tcp_flags; /* TCP flags byte, 0 for UDP */
};

/*
 * No linear XDP buffer is this long; capping lengths read from headers here
 * also keeps pointer arithmetic within what the verifier accepts.
 */
#define XLB_MAX_L3_LEN 0xff00
#define XLB_MAX_IPV6_HDRS_LEN 1024 /* extension headers walked, bytes */

#define IPV4_OPT_EOL 0
#define IPV4_OPT_NOP 1
#define IP_MF_OFFSET 0x3fff /* More Fragments flag | fragment offset */

/*
 * Walks the IPv4 options at [off, off + len) of the frame and rejects the
 * structures the kernel rejects: an option whose length byte is missing,
 * below 2, or runs past the header. Returns 1 when they are sound.
 *
 * A global function, so the verifier checks its loop once instead of once
 * per path through the parser; only packets with IHL > 5 call it.
 */
__noinline int xlb_ipv4_opts_ok(struct xdp_md *ctx, __u32 off, __u32 len)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 pos = 0;

	if (off > 64 || !len || len > XLB_MAX_IPV4_OPT_LEN)
		return 0;
		/*
	 * Unrolled: without back-edges the verifier prunes each step's states
	 * by pos range; as a loop, the exact step counter defeats pruning.
	 */
#pragma unroll
	for (int i = 0; i < XLB_MAX_IPV4_OPT_LEN; i++) {
		__u64 idx;
		__u8 *p;
		__u8 olen;

		/* clang drops a C mask it can prove redundant; the verifier
		 * needs to see one to bound the packet offset */
		idx = off + pos;
		asm volatile("%0 &= 0x7f" : "+r"(idx));
		p = data + idx;
		/* the frame ends after this byte (the header ends with it,
		 * checked by the caller): EOL and NOP need no more */
		if ((void *)(p + 2) > end)
			return p + 1 <= (__u8 *)end &&
			       (p[0] == IPV4_OPT_EOL || p[0] == IPV4_OPT_NOP);
		if (p[0] == IPV4_OPT_EOL)
			return 1;
		if (p[0] == IPV4_OPT_NOP) {
			if (++pos >= len)
				return 1;
			continue;
		}
		olen = p[1];
		if (olen < 2 || olen > len - pos)
			return 0;
		pos += olen;
		if (pos >= len)
			return 1;
	}
	return 1;
}

/* parse_eth's answer for a frame cut short: no EtherType has this value */
#define XLB_ETH_TRUNCATED 0xffffffffu

/*
 * Ethernet and up to XLB_MAX_VLAN_DEPTH 802.1Q/802.1ad tags. Returns the
 * inner EtherType (network order, zero-extended) with *l3 set, or
 * XLB_ETH_TRUNCATED. Every 16-bit value is a legal EtherType or 802.3
 * length (0 included), so truncation needs a value of its own.
 */
static __always_inline __u32 parse_eth(void *data, void *end, void **l3)
{
	struct ethhdr *eth = data;
	struct vlan_hdr *vh;
	__be16 proto;

	if ((void *)(eth + 1) > end)
		return XLB_ETH_TRUNCATED;
	proto = eth->h_proto;
	vh = (void *)(eth + 1);
#pragma unroll
	for (int i = 0; i < XLB_MAX_VLAN_DEPTH; i++) {
		if (proto != bpf_htons(ETH_P_8021Q) &&
		    proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vh + 1) > end)
			return XLB_ETH_TRUNCATED;
		proto = vh->proto;
		vh++;
	}
	*l3 = vh;
	return proto;
}

/* Ports (and TCP flags) of a TCP or UDP header of at most l4_len bytes. */
static __always_inline int parse_l4(struct xlb_pkt *p, void *l4, void *end,
				    __u8 proto, __u32 l4_len)
{
	p->l4 = l4;
	p->key.svc.proto = proto;
	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;

		if ((void *)(th + 1) > end || l4_len < sizeof(*th))
			return XLB_P_MALFORMED;
		if (th->doff < 5 || th->doff * 4 > l4_len)
			return XLB_P_MALFORMED;
		p->key.sport = th->source;
		p->key.svc.port = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
		return XLB_P_OK;
	}
	if (proto == IPPROTO_UDP) {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > end || l4_len < sizeof(*uh))
			return XLB_P_MALFORMED;
		p->key.sport = uh->source;
		p->key.svc.port = uh->dest;
		return XLB_P_OK;
	}
	return XLB_P_OTHER;
}

static __always_inline int parse_ipv4(struct xdp_md *ctx, struct xlb_pkt *p,
				      void *l3, void *end)
{
	struct iphdr *ip = l3;
	__u32 ihl, tot;

	if ((void *)(ip + 1) > end)
		return XLB_P_MALFORMED;
	ihl = ip->ihl * 4;
	tot = bpf_ntohs(ip->tot_len);
	if (ip->version != 4 || ihl < sizeof(*ip) || tot < ihl ||
	    tot > XLB_MAX_L3_LEN || l3 + tot > end)
		return XLB_P_MALFORMED;
	if (ihl > sizeof(*ip) &&
	    !xlb_ipv4_opts_ok(ctx, (void *)(ip + 1) - (void *)(long)ctx->data,
			      ihl - sizeof(*ip)))
		return XLB_P_MALFORMED;

	p->key.svc.family = XLB_FAMILY_V4;
	p->key.svc.vip.v4 = ip->daddr;
	p->key.src.v4 = ip->saddr;
	if (ip->frag_off & bpf_htons(IP_MF_OFFSET))
		return XLB_P_FRAGMENT;
	if (ip->protocol == IPPROTO_ICMP) {
		p->l4 = l3 + ihl;
		return XLB_P_ICMP;
	}
	return parse_l4(p, l3 + ihl, end, ip->protocol, tot - ihl);
}

/* Extension headers parse_ipv6() walks over. */
static __always_inline bool ipv6_is_ext(__u8 next)
{
	return next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING ||
	       next == IPPROTO_DSTOPTS || next == IPPROTO_AH ||
	       next == IPPROTO_FRAGMENT;
}

static __always_inline int parse_ipv6(struct xlb_pkt *p, void *l3, void *end)
{
	struct ipv6hdr *ip6 = l3;
	__u32 off = sizeof(*ip6), plen;
	__u8 next;

	if ((void *)(ip6 + 1) > end)
		return XLB_P_MALFORMED;
	plen = bpf_ntohs(ip6->payload_len);
	if (ip6->version != 6 || plen > XLB_MAX_L3_LEN ||
	    (void *)(ip6 + 1) + plen > end)
		return XLB_P_MALFORMED;

	p->key.svc.family = XLB_FAMILY_V6;
	__builtin_memcpy(&p->key.svc.vip, &ip6->daddr, 16);
	__builtin_memcpy(&p->key.src, &ip6->saddr, 16);

	next = ip6->nexthdr;
#pragma unroll
	for (int i = 0; i < XLB_MAX_IPV6_EXT; i++) {
		__u8 *h = l3 + off;

		if (!ipv6_is_ext(next))
			goto l4;
		if ((void *)(h + 8) > end)
			return XLB_P_MALFORMED;
		if (next == IPPROTO_FRAGMENT) {
			/* offset or M flag set: not a whole datagram */
			if (*(__be16 *)(h + 2) & bpf_htons(0xfff9))
				return XLB_P_FRAGMENT;
			off += 8;
		} else if (next == IPPROTO_AH) {
			off += (h[1] + 2) * 4;
		} else {
			off += (h[1] + 1) * 8;
		}
		if (off > plen + sizeof(*ip6))
			return XLB_P_MALFORMED;
		if (off > XLB_MAX_IPV6_HDRS_LEN)
			return XLB_P_EXT_LIMIT;
		next = h[0];
	}
	/* XLB_MAX_IPV6_EXT walked: only one more is over the limit */
	if (ipv6_is_ext(next))
		return XLB_P_EXT_LIMIT;
l4:
	if (next == IPPROTO_ICMPV6) {
		p->l4 = l3 + off;
		return XLB_P_ICMP;
	}
	return parse_l4(p, l3 + off, end, next, plen + sizeof(*ip6) - off);
}

#endif /* XLB_PARSE_H */
