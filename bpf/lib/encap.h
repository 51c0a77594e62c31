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
 * the flow's xlb_hash_outer() so routers and the backend's NIC spread flows. The UDP
 * checksum is 0, also over IPv6 (RFC 6935/6936 allow it for tunnels; the
 * backend decapsulator, bpf/xlb_decap.bpf.c, does not read it).
 *
 * Next hop: the kernel's FIB (bpf_fib_lookup from the ingress interface's
 * point of view, so forwarding must be enabled on it) gives the egress
 * interface, both MACs, the source and the MTU. The Ethernet header (VLAN
 * tags included) is replaced by one for that next hop. Nothing is sent to
 * a next hop whose neighbour entry is not resolved. Not lib/fib.h's
 * fib_nexthop(): this lookup also checks the MTU (tot_len), may choose
 * the source (BPF_FIB_LOOKUP_SRC) and counts per mode.
 *
 * The lookup costs 240 ns (IPv4) to 750 ns (IPv6, the source choice) per
 * packet, so its answer is cached per CPU and backend (xlb_nh_cache): a
 * packet whose slot is its backend's (id and gen), fresh (XLB_NH_TTL
 * jiffies) and of the current next-hop generation (xlb_encap.nh_gen,
 * which xlbd bumps on every route, neighbour, link or address change and
 * every write of the settings), and that fits the cached MTU, leaves with
 * the cached answer; any other packet asks the FIB as above and refills
 * the slot on success. So a change is followed as soon as xlbd sees it,
 * and within XLB_NH_TTL jiffies without xlbd. The next hop is the
 * backend's alone: the lookup gives the FIB neither the packet's DSCP nor
 * its flow label (policy routes on TOS, multipath picks by flow label
 * do not split one backend's traffic; the outer flow label and GUE port
 * still spread flows beyond the next hop).
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

#define XLB_NH_SLOTS 4096 /* per CPU; a power of 2 */

/* A cached next hop (above): what the FIB said towards one backend. */
struct xlb_nh {
	__u32 be_id;   /* the slot's backend, 0: empty */
	__u32 be_gen;  /* its xlb_backend.gen */
	__u32 stamp;   /* low 32 bits of jiffies when filled */
	__u16 nh_gen;  /* xlb_encap.nh_gen when filled */
	__u16 sum4;    /* IPv4 outer: encap_ipv4_fixed_sum(src, backend) */
	__u32 ifindex; /* egress interface */
	__u32 mtu;     /* the route's: a longer packet asks the FIB */
	__u8 dmac[ETH_ALEN];
	__u8 smac[ETH_ALEN];
	union xlb_addr src; /* outer source: encap_source or the FIB's */
};

/* Per CPU, slot backend id % XLB_NH_SLOTS; not pinned: a cache. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_nh);
	__uint(max_entries, XLB_NH_SLOTS);
} xlb_nh_cache SEC(".maps");

/* encap_push()'s answer: the XDP action and the verdict reason. */
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
 * The FIB's next hop towards @be for an outer packet of @tot_len bytes
 * from the ingress interface (the cache's miss path), into slot @nh on
 * success: 0, or the FIB's BPF_FIB_LKUP_RET_* with the MTU in *mtu for
 * FRAG_NEEDED. A second lookup, of a maximal packet, learns the route's
 * MTU for the slot (bpf_fib_lookup() tells it only for a packet above it).
 */
static __always_inline long nh_fill(struct xdp_md *ctx, struct xlb_nh *nh,
				    const struct xlb_encap *cfg,
				    const struct xlb_backend *be, __u32 be_id,
				    __u32 tot_len, __u16 nh_gen, __u32 *mtu)
{
	struct bpf_fib_lookup fib = {};
	bool o6 = be->family == XLB_FAMILY_V6;
	__u32 flags = 0;
	long rc;

	fib.ifindex = ctx->ingress_ifindex;
	fib.tot_len = tot_len; /* checked against the MTU */
	if (o6) {
		fib.family = AF_INET6;
		__builtin_memcpy(fib.ipv6_dst, &be->addr, 16);
		if (cfg && (cfg->src6.v6[0] | cfg->src6.v6[1] |
			    cfg->src6.v6[2] | cfg->src6.v6[3]))
			__builtin_memcpy(fib.ipv6_src, &cfg->src6, 16);
		else
			flags |= BPF_FIB_LOOKUP_SRC;
	} else {
		fib.family = AF_INET;
		fib.ipv4_dst = be->addr.v4;
		if (cfg && cfg->src4)
			fib.ipv4_src = cfg->src4;
		else
			flags |= BPF_FIB_LOOKUP_SRC;
	}
	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), flags);
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED)
		*mtu = fib.mtu_result;
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return rc;
	nh->ifindex = fib.ifindex;
	__builtin_memcpy(nh->dmac, fib.dmac, ETH_ALEN);
	__builtin_memcpy(nh->smac, fib.smac, ETH_ALEN);
	if (o6)
		__builtin_memcpy(&nh->src, fib.ipv6_src, 16);
	else
		nh->src.v4 = fib.ipv4_src;
	/* (id, gen) name one address: the sum lives as long as the slot */
	nh->sum4 = o6 ? 0 : encap_ipv4_fixed_sum(nh->src.v4, be->addr.v4);
	/* the source is now chosen: the same route, asked for its MTU */
	fib.ifindex = ctx->ingress_ifindex;
	fib.tot_len = 0xffff;
	rc = bpf_fib_lookup(ctx, &fib, sizeof(fib), 0);
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED)
		nh->mtu = fib.mtu_result;
	else
		nh->mtu = rc == BPF_FIB_LKUP_RET_SUCCESS ? 0xffff : 0;
	nh->be_id = be_id;
	nh->be_gen = be->gen;
	nh->nh_gen = nh_gen;
	nh->stamp = (__u32)bpf_jiffies64();
	return 0;
}

/* What the frame and the mode say about its encapsulation (encap_in()). */
struct encap_in {
	__u32 l3off;	 /* inner IP header's offset (after tags) */
	__u32 inner_len; /* inner IP packet's length */
	__u32 olen;	 /* outer headers' length (IP, UDP) */
	__u32 base;	 /* the mode's first counter */
	__u8 tos;	 /* the inner TOS / traffic class byte */
	__u8 inner_nh;	 /* IPPROTO_IPIP or IPPROTO_IPV6 */
	__u8 onh;	 /* outer protocol: inner_nh, or UDP */
	bool gue, o6;
};

/* Fill *in for the frame in ctx: 0, or -1 for a malformed one. */
static __always_inline int encap_in(struct xdp_md *ctx,
				    const struct xlb_svc *svc,
				    const struct xlb_backend *be,
				    struct encap_in *in)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	void *l3;

	in->gue = svc->fwd == XLB_FWD_GUE;
	in->base = in->gue ? XLB_STAT_GUE_ENCAP : XLB_STAT_IPIP_ENCAP;
	in->o6 = be->family == XLB_FAMILY_V6;
	if (parse_eth(data, end, &l3) == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = l3;

		if ((void *)(ip + 1) > end)
			return -1;
		in->tos = ip->tos;
		in->inner_nh = IPPROTO_IPIP;
	} else {
		struct ipv6hdr *ip6 = l3;

		/* the parser let only IPv4 and IPv6 this far */
		if ((void *)(ip6 + 1) > end)
			return -1;
		in->tos = ip6->priority << 4 | ip6->flow_lbl[0] >> 4;
		in->inner_nh = IPPROTO_IPV6;
	}
	in->l3off = l3 - data;
	in->inner_len = end - l3;
	if (in->inner_len > XLB_MAX_L3_LEN)
		return -1;
	in->olen = (in->o6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr)) +
		   (in->gue ? sizeof(struct udphdr) : 0);
	in->onh = in->gue ? IPPROTO_UDP : in->inner_nh;
	return 0;
}

/* May the packet leave with slot @nh's cached next hop (above)? */
static __always_inline bool nh_hit(const struct xlb_nh *nh,
				   const struct xlb_backend *be, __u32 be_id,
				   __u16 nh_gen, __u32 len)
{
	return nh->be_id == be_id && nh->be_gen == be->gen &&
	       fib_fresh(nh->nh_gen, nh->stamp, nh_gen,
			 (__u32)bpf_jiffies64()) &&
	       len <= nh->mtu;
}

/*
 * Put the outer headers on the frame and send it to next hop @nh: the
 * hit path's and the miss path's one encapsulation. Everything that is
 * computed (the flow hash, the checksum, the verdict, the counter's
 * address) is before bpf_xdp_adjust_head(), only stores after it: work
 * after a helper's return waits for the pipeline the return flushes
 * (the kernel's SRSO return thunk), work before it overlaps the call.
 */
static __always_inline int
encap_emit(struct xdp_md *ctx, const struct xlb_flow_key *key,
	   const struct xlb_svc *svc, const struct xlb_backend *be,
	   const struct xlb_encap *cfg, const struct xlb_nh *nh,
	   const struct encap_in *in)
{
	const __u32 drop_bad = XLB_ENCAP_RET(XDP_DROP, XLB_STAT_DROP_MALFORMED);
	__u32 hash = 0, len = in->olen + in->inner_len, word0 = 0;
	__be16 port = cfg && cfg->gue_port ? cfg->gue_port
					   : bpf_htons(XLB_GUE_PORT_DEFAULT);
	bool tx = nh->ifindex == ctx->ingress_ifindex;
	__u64 *sent = stat_slot(in->base + XLB_ENCAP_SENT);
	struct ethhdr *eth;
	struct udphdr *udp;
	void *data, *end;
	__u16 check = 0;

	/* the flow label and the GUE port; ipip over IPv4 has neither */
	if (in->o6 || in->gue)
		hash = xlb_hash_outer(key, svc->hash_seed);
	if (in->o6)
		word0 = encap_ipv6_word0(in->tos, hash);
	else
		check = encap_ipv4_check(in->tos, len, in->onh, nh->sum4);

	/* Ethernet (and tags) off, Ethernet + outer headers on */
	if (bpf_xdp_adjust_head(ctx,
				(int)in->l3off - (int)(ETH_HLEN + in->olen)))
		return drop_bad;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	eth = data;
	if ((void *)(eth + 1) > end)
		return drop_bad;
	__builtin_memcpy(eth->h_dest, nh->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, nh->smac, ETH_ALEN);
	if (in->o6) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		udp = (void *)(ip6 + 1);
		if ((void *)(udp + 1) > end)
			return drop_bad;
		eth->h_proto = bpf_htons(ETH_P_IPV6);
		encap_ipv6_put(ip6, word0, len - sizeof(*ip6), in->onh,
			       nh->src.v6, be->addr.v6);
	} else {
		struct iphdr *ip = (void *)(eth + 1);

		udp = (void *)(ip + 1);
		if ((void *)(udp + 1) > end)
			return drop_bad;
		eth->h_proto = bpf_htons(ETH_P_IP);
		encap_ipv4_put(ip, in->tos, len, in->onh, nh->src.v4,
			       be->addr.v4, check);
	}
	if (in->gue)
		encap_gue_put(udp, encap_gue_sport(hash), port, in->inner_len);
	if (sent)
		*sent += 1;
	if (tx)
		return XLB_ENCAP_RET(XDP_TX, XLB_STAT_TX);
	/* the devmap when xlbd registered the port (bulk), else directly */
	if (bpf_redirect_map(&XLB_MAP_TX_PORTS, nh->ifindex, 0) != XDP_REDIRECT)
		bpf_redirect(nh->ifindex, 0);
	return XLB_ENCAP_RET(XDP_REDIRECT, XLB_STAT_REDIRECT);
}

/*
 * The miss path of encap_push() (below): the backend's slot holds no
 * usable next hop, so ask the FIB, refill the slot and send, or count
 * why not. One global function: verified once, out of line of the l2
 * path and of the hit path, which is inline (a BPF-to-BPF call costs
 * about 10 ns on this kind of machine, more than the headers).
 */
__noinline int xlb_encap_push_miss(struct xdp_md *ctx,
				   const struct xlb_flow_key *key,
				   const struct xlb_svc *svc,
				   const struct xlb_backend *be, __u32 be_id)
{
	const __u32 drop_bad = XLB_ENCAP_RET(XDP_DROP, XLB_STAT_DROP_MALFORMED);
	__u32 zero = 0, slot, mtu = 0;
	struct xlb_encap *cfg;
	struct encap_in in;
	struct xlb_nh *nh;
	long rc;

	if (!key || !svc || !be || encap_in(ctx, svc, be, &in))
		return drop_bad;
	cfg = bpf_map_lookup_elem(&XLB_MAP_ENCAP, &zero);
	slot = be_id & (XLB_NH_SLOTS - 1);
	nh = bpf_map_lookup_elem(&xlb_nh_cache, &slot);
	if (!nh)
		return drop_bad;
	rc = nh_fill(ctx, nh, cfg, be, be_id, in.olen + in.inner_len,
		     cfg ? cfg->nh_gen : 0, &mtu);
	if (rc == BPF_FIB_LKUP_RET_NO_NEIGH)
		return XLB_ENCAP_RET(XDP_DROP, in.base + XLB_ENCAP_NO_NEIGH);
	if (rc == BPF_FIB_LKUP_RET_FRAG_NEEDED)
		return too_big(ctx, in.l3off, in.inner_nh == IPPROTO_IPV6, mtu,
			       in.olen, in.base + XLB_ENCAP_TOO_BIG);
	if (rc != BPF_FIB_LKUP_RET_SUCCESS)
		return XLB_ENCAP_RET(XDP_DROP, in.base + XLB_ENCAP_NO_ROUTE);
	return encap_emit(ctx, key, svc, be, cfg, nh, &in);
}

/*
 * Encapsulate the frame in ctx towards backend @be (id @be_id) of service
 * @svc (its mode and flow hash seed), flow @key, and choose its way out.
 * Returns XLB_ENCAP_RET(XDP action, enum xlb_stat): XDP_TX / XLB_STAT_TX
 * when the next hop is behind the ingress interface, XDP_REDIRECT /
 * XLB_STAT_REDIRECT otherwise, XDP_DROP with the mode's no-route,
 * no-neigh or too-big counter, XDP_TX with the too-big counter (the ICMP
 * error to the client replaced the packet), or XDP_DROP /
 * XLB_STAT_DROP_MALFORMED. The mode's encap counter is bumped here for
 * every packet sent; the verdict is the caller's to count. Inline: a
 * packet whose backend's slot holds its next hop leaves without a call;
 * any other goes through xlb_encap_push_miss().
 */
static __always_inline int encap_push(struct xdp_md *ctx,
				      const struct xlb_flow_key *key,
				      const struct xlb_svc *svc,
				      const struct xlb_backend *be, __u32 be_id)
{
	__u32 zero = 0, slot = be_id & (XLB_NH_SLOTS - 1);
	struct xlb_encap *cfg;
	struct encap_in in;
	struct xlb_nh *nh;

	if (encap_in(ctx, svc, be, &in))
		return XLB_ENCAP_RET(XDP_DROP, XLB_STAT_DROP_MALFORMED);
	cfg = bpf_map_lookup_elem(&XLB_MAP_ENCAP, &zero);
	nh = bpf_map_lookup_elem(&xlb_nh_cache, &slot);
	if (!nh || !nh_hit(nh, be, be_id, cfg ? cfg->nh_gen : 0,
			   in.olen + in.inner_len))
		return xlb_encap_push_miss(ctx, key, svc, be, be_id);
	return encap_emit(ctx, key, svc, be, cfg, nh, &in);
}

#endif /* XLB_ENCAP_H */
