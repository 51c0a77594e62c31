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

/*
 * The one's complement sum of an outer IPv4 header's words that stay the
 * same for every packet between @src and @dst (addresses, DF, TTL; id 0):
 * lib/encap.h keeps it with a cached next hop, so a packet adds only its
 * TOS, length and protocol words.
 */
static __always_inline __u16 encap_ipv4_fixed_sum(__be32 src, __be32 dst)
{
	__u32 s = (src & 0xffff) + (src >> 16) + (dst & 0xffff) + (dst >> 16) +
		  bpf_htons(IP_DF) + bpf_htons(XLB_ENCAP_TTL << 8);

	return csum_fold64(s);
}

/*
 * Each header comes as what depends on the packet, computed (..._check,
 * ..._word0, ..._sport), and the stores (..._put): lib/encap.h computes
 * before bpf_xdp_adjust_head(), whose return flushes the pipeline on
 * this kind of machine, and only stores after it.
 */

/* The outer IPv4 header's checksum; @fixed: encap_ipv4_fixed_sum() */
static __always_inline __u16 encap_ipv4_check(__u8 tos, __u16 len, __u8 proto,
					      __u16 fixed)
{
	/* the words with version and TOS, length, and TTL with protocol */
	__u32 s = fixed + bpf_htons(0x4500 | tos) + bpf_htons(len) +
		  bpf_htons(proto);

	return (__u16)~csum_fold64(s);
}

static __always_inline void encap_ipv4_put(struct iphdr *ip, __u8 tos,
					   __u16 len, __u8 proto, __be32 src,
					   __be32 dst, __u16 check)
{
	*(__u8 *)ip = 0x45; /* version 4, IHL 5 */
	ip->tos = tos;
	ip->tot_len = bpf_htons(len);
	ip->id = 0;
	ip->frag_off = bpf_htons(IP_DF);
	ip->ttl = XLB_ENCAP_TTL;
	ip->protocol = proto;
	ip->check = check;
	ip->saddr = src;
	ip->daddr = dst;
}

static __always_inline void encap_ipv4(struct iphdr *ip, __u8 tos, __u16 len,
				       __u8 proto, __be32 src, __be32 dst)
{
	encap_ipv4_put(ip, tos, len, proto, src, dst,
		       encap_ipv4_check(tos, len, proto,
					encap_ipv4_fixed_sum(src, dst)));
}

/* Version, traffic class @tc and the flow label from @hash */
static __always_inline __be32 encap_ipv6_word0(__u8 tc, __u32 hash)
{
	return bpf_htonl(6U << 28 | (__u32)tc << 20 | (hash & 0xfffff));
}

static __always_inline void encap_ipv6_put(struct ipv6hdr *ip6, __be32 word0,
					   __u16 plen, __u8 nh,
					   const __be32 *src, const __be32 *dst)
{
	*(__be32 *)ip6 = word0;
	ip6->payload_len = bpf_htons(plen);
	ip6->nexthdr = nh;
	ip6->hop_limit = XLB_ENCAP_TTL;
	__builtin_memcpy(&ip6->saddr, src, 16);
	__builtin_memcpy(&ip6->daddr, dst, 16);
}

static __always_inline void encap_ipv6(struct ipv6hdr *ip6, __u8 tc, __u32 hash,
				       __u16 plen, __u8 nh, const __be32 *src,
				       const __be32 *dst)
{
	encap_ipv6_put(ip6, encap_ipv6_word0(tc, hash), plen, nh, src, dst);
}

/* GUE variant 1: UDP to the GUE port, source from the flow hash */
static __always_inline __be16 encap_gue_sport(__u32 hash)
{
	return bpf_htons(XLB_GUE_SPORT_BASE | (hash & 0x3fff));
}

static __always_inline void encap_gue_put(struct udphdr *udp, __be16 sport,
					  __be16 port, __u32 inner_len)
{
	udp->source = sport;
	udp->dest = port;
	udp->len = bpf_htons(sizeof(*udp) + inner_len);
	udp->check = 0;
}

/* @port in network order */
static __always_inline void encap_gue_udp(struct udphdr *udp, __u32 hash,
					  __be16 port, __u32 inner_len)
{
	encap_gue_put(udp, encap_gue_sport(hash), port, inner_len);
}

#endif /* XLB_ENCAP_HDR_H */
