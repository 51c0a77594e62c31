// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_ref: the floor for tools/xlb_bench. The least an XDP forwarder can
 * do: check the Ethernet header and the IPv4/IPv6 header are in bounds,
 * swap the MACs and send the frame back out with XDP_TX. No maps, no
 * helpers. Whatever xlb costs above this is its own work.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int bench_ref(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	__u8 tmp[ETH_ALEN];

	if ((void *)(eth + 1) > end)
		return XDP_DROP;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		if ((void *)(eth + 1) + sizeof(struct iphdr) > end)
			return XDP_DROP;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		if ((void *)(eth + 1) + sizeof(struct ipv6hdr) > end)
			return XDP_DROP;
	} else {
		return XDP_PASS;
	}
	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
	return XDP_TX;
}
