// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xlb_decap: the backend side of forwarding: ipip and gue.
 *
 * Backends attach one of these two programs (xlbctl decap attach DEV
 * --mode xdp|tc) to the interface xlb's encapsulated packets arrive on.
 * Both strip the outer IPv4/IPv6 header (protocol 4 or 41: IPv4-in-IP,
 * IPv6-in-IP) or outer IP + UDP to gue_port (GUE variant 1: the inner IP
 * header right after UDP), keep the Ethernet header with the inner
 * family's EtherType and pass the inner packet to the stack, which
 * delivers it to the VIP on lo. What is ours and what to strip is one
 * decision, xlb_decap_decide (bpf/lib/decap.h); the programs differ only
 * in how they strip.
 *
 * tc mode is for drivers without XDP and for a backend that already runs
 * another XDP program; it sees the frame as an skb, after the driver.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "lib/decap.h"

/* Debian's uapi headers predate 6.3; the kernel's values. */
#ifndef BPF_F_ADJ_ROOM_DECAP_L3_IPV4
#define BPF_F_ADJ_ROOM_DECAP_L3_IPV4 (1ULL << 7)
#define BPF_F_ADJ_ROOM_DECAP_L3_IPV6 (1ULL << 8)
#endif

SEC("xdp")
int xlb_decap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data, *neth;
	struct xlb_decap_strip s;

	if (!xlb_decap_frame(eth, end, &s) || s.len <= 0 || s.len > 48)
		return XDP_PASS;
	neth = data + s.len;
	if ((void *)(neth + 1) > end)
		return XDP_PASS;
	__builtin_memmove(neth, eth, 12);
	neth->h_proto = s.inner_proto;
	if (bpf_xdp_adjust_head(ctx, s.len)) {
		count(XLB_DECAP_FAILED);
		return XDP_DROP;
	}
	count(XLB_DECAP_STRIPPED);
	return XDP_PASS;
}

/*
 * The same on an skb (tc ingress, clsact, direct action). The headers
 * the decision reads must be in the linear part: pulled when the driver
 * left them in fragments. bpf_skb_adjust_room at the MAC layer removes
 * the outer headers behind the Ethernet header and, with DECAP_L3, sets
 * skb->protocol to the inner family when it changes (IPv4 in IPv6 and
 * the reverse: the stack dispatches on skb->protocol, not the EtherType).
 * FIXED_GSO: a GRO-merged frame keeps its gso_size, the inner segments'
 * size, which stripping the outer header does not change. The checksum
 * state is the kernel's: CHECKSUM_COMPLETE is corrected for the removed
 * bytes, CHECKSUM_UNNECESSARY (which may vouch for the outer header
 * only) is reset so the stack checks the inner one. A GRO-merged GUE
 * frame (UDP GRO forwarding on the interface: segments merged by UDP
 * payload, so every segment after the first still carries its inner
 * headers) cannot be stripped as one packet: dropped and counted failed.
 *
 * Every frame it keeps goes on with TC_ACT_UNSPEC, not TC_ACT_OK: the
 * interface's other ingress filters (after ours, priority
 * XLB_DECAP_TC_PRIO) still run, on the inner packet when we stripped; at
 * the end of the chain UNSPEC passes the frame to the stack.
 */
SEC("tc")
int xlb_decap_tc(struct __sk_buff *skb)
{
	__u32 want = skb->len < ETH_HLEN + XLB_DECAP_MAX_HDRS
			     ? skb->len
			     : ETH_HLEN + XLB_DECAP_MAX_HDRS;
	struct xlb_decap_strip s;
	__u64 flags = BPF_F_ADJ_ROOM_FIXED_GSO;
	struct ethhdr *eth;
	void *end;

	eth = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	if ((void *)eth + want > end) {
		if (bpf_skb_pull_data(skb, want))
			return TC_ACT_UNSPEC;
		eth = (void *)(long)skb->data;
		end = (void *)(long)skb->data_end;
	}
	if (!xlb_decap_frame(eth, end, &s))
		return TC_ACT_UNSPEC;
	if (s.gue && skb->gso_segs > 1) {
		count(XLB_DECAP_FAILED);
		return TC_ACT_SHOT;
	}
	/* only a change of family needs the flag (kernels before 6.3 lack it) */
	if (s.inner_proto != eth->h_proto)
		flags |= s.inner_proto == bpf_htons(ETH_P_IP)
				 ? BPF_F_ADJ_ROOM_DECAP_L3_IPV4
				 : BPF_F_ADJ_ROOM_DECAP_L3_IPV6;
	if (bpf_skb_adjust_room(skb, -s.len, BPF_ADJ_ROOM_MAC, flags)) {
		count(XLB_DECAP_FAILED);
		return TC_ACT_SHOT;
	}
	eth = (void *)(long)skb->data;
	if ((void *)(eth + 1) > (void *)(long)skb->data_end) {
		count(XLB_DECAP_FAILED);
		return TC_ACT_SHOT;
	}
	eth->h_proto = s.inner_proto;
	count(XLB_DECAP_STRIPPED);
	return TC_ACT_UNSPEC;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
