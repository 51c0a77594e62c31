// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Health checks through the tunnel, on the load balancer (tc, on xlbd's
 * interface): egress encapsulates the probe packets xlbd marked towards
 * their backend with the VIP as destination, ingress gives the backend's
 * answers from the VIP the backend's address back. See
 * include/xlb_hc_tunnel.h. Only marked packets and the answers to them
 * are touched; everything else is TC_ACT_OK at the first test.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "xlb_hc_tunnel.h"
#include "lib/counters.h"
#include "lib/encap_hdr.h"

#define IP_MF_OFFSET 0x3fff /* more fragments, fragment offset */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XLB_HCT_MAX_PROBES);
	__type(key, __u32);
	__type(value, struct xlb_hct_probe);
} xlb_hct_probes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XLB_HCT_MAX_FLOWS);
	__type(key, struct xlb_hct_flow_key);
	__type(value, union xlb_addr); /* the backend's address */
} xlb_hct_flows SEC(".maps");

XLB_PERCPU_COUNTERS(xlb_hct_stats, XLB_HCT_NR_COUNTERS);

/* A probe's IP packet as it is on the wire (addresses: network order). */
struct pkt {
	union xlb_addr src, dst;
	__u8 family, proto, tos;
	__u32 l4off;
	__be16 ports[2]; /* source, destination */
};

/* 0 for an unfragmented TCP or UDP packet without IPv4 options. */
static __always_inline int parse(struct __sk_buff *skb, struct pkt *p)
{
	__builtin_memset(p, 0, sizeof(*p));
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr ip;

		if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) ||
		    ip.ihl != 5 || ip.frag_off & bpf_htons(IP_MF_OFFSET))
			return -1;
		p->family = XLB_FAMILY_V4;
		p->proto = ip.protocol;
		p->tos = ip.tos;
		p->src.v4 = ip.saddr;
		p->dst.v4 = ip.daddr;
		p->l4off = ETH_HLEN + sizeof(ip);
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;

		if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip6, sizeof(ip6)))
			return -1;
		p->family = XLB_FAMILY_V6;
		p->proto = ip6.nexthdr;
		p->tos = ip6.priority << 4 | ip6.flow_lbl[0] >> 4;
		__builtin_memcpy(&p->src, &ip6.saddr, 16);
		__builtin_memcpy(&p->dst, &ip6.daddr, 16);
		p->l4off = ETH_HLEN + sizeof(ip6);
	} else {
		return -1;
	}
	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
		return -1;
	return bpf_skb_load_bytes(skb, p->l4off, p->ports, sizeof(p->ports));
}

static __always_inline bool addr_eq(const union xlb_addr *a,
				    const union xlb_addr *b, __u8 family)
{
	if (family == XLB_FAMILY_V4)
		return a->v4 == b->v4;
	return !((a->v6[0] ^ b->v6[0]) | (a->v6[1] ^ b->v6[1]) |
		 (a->v6[2] ^ b->v6[2]) | (a->v6[3] ^ b->v6[3]));
}

/*
 * Replace the source (@dst false) or destination address of p's packet
 * with @to, with the IPv4 header's and the L4 (pseudo-header) checksums.
 */
static __always_inline int set_addr(struct __sk_buff *skb, const struct pkt *p,
				    bool dst, const union xlb_addr *to)
{
	__u32 csum = p->l4off + (p->proto == IPPROTO_TCP ? 16 : 6);
	__u64 l4f = BPF_F_PSEUDO_HDR |
		    (p->proto == IPPROTO_UDP ? BPF_F_MARK_MANGLED_0 : 0);
	const union xlb_addr *from = dst ? &p->dst : &p->src;

	if (p->family == XLB_FAMILY_V4) {
		__u32 off = ETH_HLEN + (dst ? offsetof(struct iphdr, daddr)
					    : offsetof(struct iphdr, saddr));

		if (bpf_l4_csum_replace(skb, csum, from->v4, to->v4,
					l4f | sizeof(__be32)) ||
		    bpf_l3_csum_replace(skb, ETH_HLEN + 10, from->v4, to->v4,
					sizeof(__be32)))
			return -1;
		return bpf_skb_store_bytes(skb, off, &to->v4, 4, 0);
	}
	__s64 diff =
		bpf_csum_diff((__be32 *)from->v6, 16, (__be32 *)to->v6, 16, 0);
	__u32 off = ETH_HLEN + (dst ? offsetof(struct ipv6hdr, daddr)
				    : offsetof(struct ipv6hdr, saddr));

	if (diff < 0 || bpf_l4_csum_replace(skb, csum, 0, diff, l4f))
		return -1;
	return bpf_skb_store_bytes(skb, off, to->v6, 16, 0);
}

SEC("tc")
int xlb_hct_egress(struct __sk_buff *skb)
{
	struct xlb_hct_flow_key k = {};
	struct xlb_hct_probe *pr;
	/* outer IP header (and UDP for gue) */
	__u8 o[sizeof(struct ipv6hdr) + sizeof(struct udphdr)]
		__attribute__((aligned(8)));
	__u32 id, olen, inner_len, hash;
	__u64 flags;
	struct pkt p;
	bool gue, v6;
	__u8 onh;

	if ((skb->mark & XLB_HCT_MARK_MASK) != XLB_HCT_MARK)
		return TC_ACT_OK;
	id = skb->mark & ~XLB_HCT_MARK_MASK;
	pr = bpf_map_lookup_elem(&xlb_hct_probes, &id);
	/* a probe that is not (or no longer) what xlbd set up never
	 * reaches the backend's own address: it would pass the check */
	if (!pr || !pr->family || parse(skb, &p) || p.family != pr->family ||
	    !addr_eq(&p.dst, &pr->backend, p.family)) {
		count(XLB_HCT_UNKNOWN);
		return TC_ACT_SHOT;
	}
	k.vip = pr->vip;
	k.vport = p.ports[1];
	k.lport = p.ports[0];
	k.family = p.family;
	k.proto = p.proto;
	if (bpf_map_update_elem(&xlb_hct_flows, &k, &pr->backend, BPF_ANY) ||
	    set_addr(skb, &p, true, &pr->vip))
		return TC_ACT_SHOT;

	v6 = p.family == XLB_FAMILY_V6;
	gue = pr->fwd == XLB_FWD_GUE;
	inner_len = skb->len - ETH_HLEN;
	olen = (v6 ? sizeof(struct ipv6hdr) : sizeof(struct iphdr)) +
	       (gue ? sizeof(struct udphdr) : 0);
	onh = gue ? IPPROTO_UDP : v6 ? IPPROTO_IPV6 : IPPROTO_IPIP;
	hash = bpf_get_hash_recalc(skb);
	__builtin_memset(o, 0, sizeof(o));
	if (v6)
		encap_ipv6((struct ipv6hdr *)o, p.tos, hash,
			   olen - sizeof(struct ipv6hdr) + inner_len, onh,
			   p.src.v6, pr->backend.v6);
	else
		encap_ipv4((struct iphdr *)o, p.tos, olen + inner_len, onh,
			   p.src.v4, pr->backend.v4);
	if (gue)
		encap_gue_udp(
			(struct udphdr *)(o + olen - sizeof(struct udphdr)),
			hash, pr->gue_port, inner_len);
	flags = (v6 ? BPF_F_ADJ_ROOM_ENCAP_L3_IPV6
		    : BPF_F_ADJ_ROOM_ENCAP_L3_IPV4) |
		(gue ? BPF_F_ADJ_ROOM_ENCAP_L4_UDP : 0);
	/* the outer packet goes to the backend's address, which the
	 * kernel routed the probe to: the Ethernet header stays right */
	if (bpf_skb_adjust_room(skb, olen, BPF_ADJ_ROOM_MAC, flags) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN, o, olen, 0))
		return TC_ACT_SHOT;
	count(XLB_HCT_SENT);
	return TC_ACT_OK;
}

SEC("tc")
int xlb_hct_ingress(struct __sk_buff *skb)
{
	struct xlb_hct_flow_key k = {};
	union xlb_addr *be;
	struct pkt p;

	if (parse(skb, &p))
		return TC_ACT_OK;
	k.vip = p.src;
	k.vport = p.ports[0];
	k.lport = p.ports[1];
	k.family = p.family;
	k.proto = p.proto;
	be = bpf_map_lookup_elem(&xlb_hct_flows, &k);
	if (!be)
		return TC_ACT_OK;
	if (set_addr(skb, &p, false, be))
		return TC_ACT_SHOT;
	count(XLB_HCT_ANSWERS);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
