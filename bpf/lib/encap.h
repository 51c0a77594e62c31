/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Encapsulation: services with forwarding ipip or gue reach a backend on
 * any subnet. The packet as the client sent it (from its IP header on)
 * goes inside an outer IP header whose family follows the backend's
 * address: IPv4 outer protocol 4 (IPv4 inner) or 41 (IPv6 inner), IPv6
 * outer next header 41 or 4; gue puts a UDP header to the GUE port between
 * the two (variant 1: the inner IP header right after UDP).
 *
 * Outer header: TTL / hop limit 64, DF on IPv4 (id 0, RFC 6864), the
 * inner TOS / traffic class byte copied (DSCP and ECN, RFC 6040's normal
 * mode), the IPv6 flow label and the UDP source port (49152-65535) from
 * the flow hash so routers and the backend's NIC spread flows. The UDP
 * checksum is 0, also over IPv6 (RFC 6935/6936 allow it for tunnels; the
 * backend decapsulator, bpf/xlb_decap.bpf.c, does not read it).
 *
 * Next hop: the kernel's FIB (bpf_fib_lookup from the ingress interface's
 * point of view, so forwarding must be enabled on it) gives the egress
 * interface, both MACs and the MTU; a route or neighbour change is
 * followed on the next packet. The Ethernet header (VLAN tags included)
 * is replaced by one for that next hop. Nothing is sent to a next hop
 * whose neighbour entry is not resolved. Not lib/fib.h's fib_nexthop():
 * this lookup also checks the MTU (tot_len), may choose the source
 * (BPF_FIB_LOOKUP_SRC) and counts per mode.
 *
 * One global function: verified once, out of line of the l2 path.
 */
#ifndef XLB_ENCAP_H
#define XLB_ENCAP_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "xlb_hash.h"
#include "lib/csum.h"
#include "lib/encap_hdr.h"
#include "lib/fib.h"
#include "lib/maps.h"
#include "lib/parse.h"
#include "lib/stats.h"

/* xlb_encap_push()'s answer: the XDP action and the verdict reason. */
#define XLB_ENCAP_RET(act, reason) ((act) | (reason) << 8)
#define XLB_ENCAP_ACT(r) ((r)&0xff)
#define XLB_ENCAP_REASON(r) ((__u32)(r) >> 8)

static __always_inline bool fwd_is_encap(__u8 fwd)
{
	return (__u8)(fwd - XLB_FWD_IPIP) <= XLB_FWD_GUE - XLB_FWD_IPIP;
}

/*
 * Over the path MTU once encapsulated: tell the client, as a router on
 * the path would, with the MTU less the encapsulation overhead: IPv4 with
 * DF an ICMP "fragmentation needed", IPv6 an ICMPv6 "packet too big",
 * from the VIP, back out of the ingress interface (XDP_TX) to the MAC it
 * came from. The reply quotes the first XLB_TOO_BIG_QUOTE bytes of the
 * packet (its IP header and ports: what the client's stack needs to find
 * the connection). IPv4 without DF, ICMP errors being forwarded, VLAN
 * tagged frames and packets shorter than the quote are dropped. Counted
 * in the mode's too_big either way. @mtu: the egress MTU, @olen: the
 * encapsulation's overhead.
 */
#define XLB_TOO_BIG_QUOTE 64

static __always_inline __u32 csum_words(const __u16 *w, int n, __u32 s)
{
#pragma unroll
	for (int i = 0; i < n; i++)
		s += w[i];
	return s;
}

static __always_inline int too_big(struct xdp_md *ctx, __u32 l3off, bool in6,
				   __u32 mtu, __u32 olen, __u32 reason)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	const int drop = XLB_ENCAP_RET(XDP_DROP, reason);
	int hdr = in6 ? sizeof(struct ipv6hdr) + sizeof(struct icmp6hdr)
		      : sizeof(struct iphdr) + sizeof(struct icmphdr);
	__u8 mac[2 * ETH_ALEN];
	struct ethhdr *eth;
	__u32 next = mtu > olen ? mtu - olen : 0, len, s;

	if (l3off != ETH_HLEN || data + ETH_HLEN + XLB_TOO_BIG_QUOTE > end)
		return drop;
	if (in6) {
		struct ipv6hdr *ip6 = data + ETH_HLEN;

		if (ip6->nexthdr == IPPROTO_ICMPV6)
			return drop;
	} else {
		struct iphdr *ip = data + ETH_HLEN;

		if (ip->protocol == IPPROTO_ICMP ||
		    !(ip->frag_off & bpf_htons(IP_DF)))
			return drop;
	}
	__builtin_memcpy(mac, data, sizeof(mac)); /* dest, source */
	len = end - data;
	if (bpf_xdp_adjust_head(ctx, -hdr))
		return drop;
	if (bpf_xdp_adjust_tail(ctx, ETH_HLEN + hdr + XLB_TOO_BIG_QUOTE -
					     (int)(len + hdr)))
		return drop;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	if (data + ETH_HLEN + 48 + XLB_TOO_BIG_QUOTE > end && in6)
		return drop;
	if (data + ETH_HLEN + 28 + XLB_TOO_BIG_QUOTE > end)
		return drop;
	__builtin_memcpy(eth->h_dest, mac + ETH_ALEN, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	if (in6) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		struct icmp6hdr *ic = (void *)(ip6 + 1);
		struct ipv6hdr *q = (void *)(ic + 1);
		__u32 plen = sizeof(*ic) + XLB_TOO_BIG_QUOTE;

		if ((void *)(q + 1) > end)
			return drop;
		eth->h_proto = bpf_htons(ETH_P_IPV6);
		encap_ipv6(ip6, 0, 0, plen, IPPROTO_ICMPV6,
			   q->daddr.in6_u.u6_addr32, q->saddr.in6_u.u6_addr32);
		ic->icmp6_type = ICMPV6_PKT_TOOBIG;
		ic->icmp6_code = 0;
		ic->icmp6_cksum = 0;
		ic->icmp6_mtu = bpf_htonl(next);
		/* pseudo-header: addresses, length, next header */
		s = csum_words((const __u16 *)&ip6->saddr, 16, 0);
		s += bpf_htons(plen) + bpf_htons(IPPROTO_ICMPV6);
		s = csum_words((const __u16 *)ic, plen / 2, s);
		ic->icmp6_cksum = (__u16)~csum_fold64(s);
	} else {
		struct iphdr *ip = (void *)(eth + 1);
		struct icmphdr *ic = (void *)(ip + 1);
		struct iphdr *q = (void *)(ic + 1);

		if ((void *)(q + 1) > end)
			return drop;
		eth->h_proto = bpf_htons(ETH_P_IP);
		encap_ipv4(ip, 0, hdr + XLB_TOO_BIG_QUOTE, IPPROTO_ICMP,
			   q->daddr, q->saddr);
		ic->type = ICMP_DEST_UNREACH;
		ic->code = 4; /* fragmentation needed and DF set */
		ic->checksum = 0;
		ic->rest = bpf_htonl(next & 0xffff);
		s = csum_words((const __u16 *)ic,
			       (sizeof(*ic) + XLB_TOO_BIG_QUOTE) / 2, 0);
		ic->checksum = (__u16)~csum_fold64(s);
	}
	return XLB_ENCAP_RET(XDP_TX, reason);
}

/*
 * Encapsulate the frame in ctx towards backend @be (mode @fwd, flow @key
 * hashed with @seed) and choose its way out. Returns XLB_ENCAP_RET(XDP
 * action, enum xlb_stat): XDP_TX / XLB_STAT_TX when the next hop is
 * behind the ingress interface, XDP_REDIRECT / XLB_STAT_REDIRECT
 * otherwise, XDP_DROP with the mode's no-route, no-neigh or too-big
 * counter, XDP_TX with the too-big counter (the ICMP error to the client
 * replaced the packet), or XDP_DROP / XLB_STAT_DROP_MALFORMED. The mode's encap
 * counter is bumped here for every packet sent; the verdict is the
 * caller's to count.
 */
__noinline int xlb_encap_push(struct xdp_md *ctx,
			      const struct xlb_flow_key *key,
			      const struct xlb_backend *be, __u32 fwd,
			      __u32 seed)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 base =
		fwd == XLB_FWD_GUE ? XLB_STAT_GUE_ENCAP : XLB_STAT_IPIP_ENCAP;
	const __u32 drop_bad = XLB_ENCAP_RET(XDP_DROP, XLB_STAT_DROP_MALFORMED);
	struct bpf_fib_lookup fib = {};
	bool gue = fwd == XLB_FWD_GUE, o6;
	__u32 l3off, inner_len, olen, hash, zero = 0, flags = 0;
	__u8 tos, inner_nh, onh;
	struct xlb_encap *cfg;
	struct ethhdr *eth;
	struct udphdr *udp;
	__u16 gue_port;
	void *l3;
	long rc;

	if (!key || !be)
		return drop_bad;
	o6 = be->family == XLB_FAMILY_V6;
	if (parse_eth(data, end, &l3) == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = l3;

		if ((void *)(ip + 1) > end)
			return drop_bad;
		tos = ip->tos;
		inner_nh = IPPROTO_IPIP;
	} else {
		struct ipv6hdr *ip6 = l3;

		/* the parser let only IPv4 and IPv6 this far */
		if ((void *)(ip6 + 1) > end)
			return drop_bad;
		tos = ip6->priority << 4 | ip6->flow_lbl[0] >> 4;
		inner_nh = IPPROTO_IPV6;
	}
	l3off = l3 - data;
	inner_len = end - l3;
	if (inner_len > XLB_MAX_L3_LEN)
		return drop_bad;
	olen = (o6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr)) +
	       (gue ? sizeof(struct udphdr) : 0);
	onh = gue ? IPPROTO_UDP : inner_nh;
	hash = xlb_hash_flow(key, seed);
	cfg = bpf_map_lookup_elem(&XLB_MAP_ENCAP, &zero);
	gue_port = cfg && cfg->gue_port ? cfg->gue_port
					: bpf_htons(XLB_GUE_PORT_DEFAULT);

	fib.ifindex = ctx->ingress_ifindex;
	fib.l4_protocol = onh;
	fib.tot_len = olen + inner_len; /* checked against the MTU */
	if (o6) {
		fib.family = AF_INET6;
		fib.flowinfo = bpf_htonl((__u32)tos << 20 | (hash & 0xfffff));
		__builtin_memcpy(fib.ipv6_dst, &be->addr, 16);
		if (cfg && (cfg->src6.v6[0] | cfg->src6.v6[1] |
			    cfg->src6.v6[2] | cfg->src6.v6[3]))
			__builtin_memcpy(fib.ipv6_src, &cfg->src6, 16);
		else
			flags |= BPF_FIB_LOOKUP_SRC;
	} else {
		fib.family = AF_INET;
		fib.tos = tos;
		fib.ipv4_dst = be->addr.v4;
		if (cfg && cfg->src4)
			fib.ipv4_src = cfg->src4;
		else
			flags |= BPF_FIB_LOOKUP_SRC;
	}
	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), flags);
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
		return XLB_ENCAP_RET(XDP_DROP, base + XLB_ENCAP_NO_NEIGH);
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED)
		return too_big(ctx, l3off, inner_nh == IPPROTO_IPV6,
			       fib.mtu_result, olen, base + XLB_ENCAP_TOO_BIG);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return XLB_ENCAP_RET(XDP_DROP, base + XLB_ENCAP_NO_ROUTE);

	/* Ethernet (and tags) off, Ethernet + outer headers on */
	if (bpf_xdp_adjust_head(ctx, (int)l3off - (int)(ETH_HLEN + olen)))
		return drop_bad;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > end)
		return drop_bad;
	__builtin_memcpy(eth->h_dest, fib.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fib.smac, ETH_ALEN);
	if (o6) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		udp = (void *)(ip6 + 1);
		if ((void *)(udp + 1) > end)
			return drop_bad;
		eth->h_proto = bpf_htons(ETH_P_IPV6);
		encap_ipv6(ip6, tos, hash, olen - sizeof(*ip6) + inner_len, onh,
			   fib.ipv6_src, be->addr.v6);
	} else {
		struct iphdr *ip = (void *)(eth + 1);

		udp = (void *)(ip + 1);
		if ((void *)(udp + 1) > end)
			return drop_bad;
		eth->h_proto = bpf_htons(ETH_P_IP);
		encap_ipv4(ip, tos, olen + inner_len, onh, fib.ipv4_src,
			   be->addr.v4);
	}
	if (gue)
		encap_gue_udp(udp, hash, gue_port, inner_len);
	stat_inc(base + XLB_ENCAP_SENT);
	if (fib.ifindex == ctx->ingress_ifindex)
		return XLB_ENCAP_RET(XDP_TX, XLB_STAT_TX);
	/* the devmap when xlbd registered the port (bulk), else directly */
	if (bpf_redirect_map(&XLB_MAP_TX_PORTS, fib.ifindex, 0) != XDP_REDIRECT)
		bpf_redirect(fib.ifindex, 0);
	return XLB_ENCAP_RET(XDP_REDIRECT, XLB_STAT_REDIRECT);
}

#endif /* XLB_ENCAP_H */
