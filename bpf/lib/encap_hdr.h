/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The outer headers of an encapsulated packet (lib/encap.h describes
 * them), written the same way by the XDP data plane (lib/encap.h) and by
 * the health checks' tc program (xlb_hc_tunnel.bpf.c): one encapsulation.
 */
#ifndef XLB_ENCAP_HDR_H
#define XLB_ENCAP_HDR_H

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>

#include "lib/csum.h"

#ifndef IP_DF
#define IP_DF 0x4000
#endif

#define XLB_ENCAP_TTL 64
#define XLB_GUE_SPORT_BASE 0xc000 /* the ephemeral range, RFC 6335 */

static __always_inline __u16 ipv4_hdr_csum(const struct iphdr *ip)
{
	const __u16 *w = (const void *)ip;
	__u32 s = 0;

#pragma unroll
	for (int i = 0; i < (int)sizeof(*ip) / 2; i++)
		s += w[i];
	return (__u16)~csum_fold64(s);
}

static __always_inline void encap_ipv4(struct iphdr *ip, __u8 tos, __u16 len,
				       __u8 proto, __be32 src, __be32 dst)
{
	*(__u8 *)ip = 0x45; /* version 4, IHL 5 */
	ip->tos = tos;
	ip->tot_len = bpf_htons(len);
	ip->id = 0;
	ip->frag_off = bpf_htons(IP_DF);
	ip->ttl = XLB_ENCAP_TTL;
	ip->protocol = proto;
	ip->check = 0;
	ip->saddr = src;
	ip->daddr = dst;
	ip->check = ipv4_hdr_csum(ip);
}

static __always_inline void encap_ipv6(struct ipv6hdr *ip6, __u8 tc, __u32 hash,
				       __u16 plen, __u8 nh, const __be32 *src,
				       const __be32 *dst)
{
	*(__be32 *)ip6 =
		bpf_htonl(6U << 28 | (__u32)tc << 20 | (hash & 0xfffff));
	ip6->payload_len = bpf_htons(plen);
	ip6->nexthdr = nh;
	ip6->hop_limit = XLB_ENCAP_TTL;
	__builtin_memcpy(&ip6->saddr, src, 16);
	__builtin_memcpy(&ip6->daddr, dst, 16);
}

/* GUE variant 1: UDP to @port (network order), source from the flow hash */
static __always_inline void encap_gue_udp(struct udphdr *udp, __u32 hash,
					  __be16 port, __u32 inner_len)
{
	udp->source = bpf_htons(XLB_GUE_SPORT_BASE | (hash & 0x3fff));
	udp->dest = port;
	udp->len = bpf_htons(sizeof(*udp) + inner_len);
	udp->check = 0;
}

#endif /* XLB_ENCAP_HDR_H */
