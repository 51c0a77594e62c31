// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench_encap: the encapsulation path (lib/encap.h, encap_push()) hot,
 * for tools/xlb_bench. An amortized BPF_PROG_TEST_RUN feeds each
 * iteration the frame the previous one produced, so xlb itself cannot be
 * timed that way on an encapsulating flow (it would wrap its own output
 * again). This program encapsulates the frame towards the backend in
 * bench_encap_args, then undoes it (the outer headers off again, the
 * Ethernet header put back), so every iteration sees the same input. With
 * args.l2 set it does instead what the l2 path does in the encap path's
 * place (the two MAC writes) and the same undo work (a head adjustment
 * and the restore), so the difference of the two is what encapsulating
 * costs over l2, with every cache line hot.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "xlb_bench_encap.h"
#include "lib/encap.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct bench_encap_args);
	__uint(max_entries, 1);
} bench_encap_args SEC(".maps");

SEC("xdp")
int bench_encap(struct xdp_md *ctx)
{
	struct bench_encap_args *a;
	__u8 eth[ETH_HLEN];
	__u32 zero = 0;
	void *data, *end;
	int r;

	a = bpf_map_lookup_elem(&bench_encap_args, &zero);
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (!a || data + ETH_HLEN > end)
		return XDP_ABORTED;
	__builtin_memcpy(eth, data, ETH_HLEN);
	if (a->l2) {
		__builtin_memcpy(data, a->be.dmac, ETH_ALEN);
		__builtin_memcpy(data + ETH_ALEN, a->be.smac, ETH_ALEN);
		if (bpf_xdp_adjust_head(ctx, 0))
			return XDP_ABORTED;
	} else {
		r = encap_push(ctx, &a->key, &a->svc, &a->be, a->be_id);
		if (XLB_ENCAP_ACT(r) != XDP_TX ||
		    bpf_xdp_adjust_head(ctx, a->olen & 0xff))
			return XDP_ABORTED;
	}
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + ETH_HLEN > end)
		return XDP_ABORTED;
	__builtin_memcpy(data, eth, ETH_HLEN);
	return XDP_TX;
}
