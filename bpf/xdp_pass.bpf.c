// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xdp_pass: accept every frame.
 *
 * The lab (tools/lab.sh) attaches this to the switch-side end of every
 * veth. A veth only accepts frames sent into it by XDP_TX or XDP_REDIRECT
 * from its peer when it has an XDP program of its own; otherwise they are
 * dropped and counted in rx_queue_0_xdp_tx_errors.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
