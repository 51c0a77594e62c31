/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What tools/xlb_bench hands bpf/bench_encap.bpf.c (its one-slot array
 * bench_encap_args): the flow, service and backend encap_push() is
 * called with, and how to undo its work.
 */
#ifndef XLB_BENCH_ENCAP_H
#define XLB_BENCH_ENCAP_H

#include "xlb_abi.h"

struct bench_encap_args {
	struct xlb_flow_key key;
	struct xlb_svc svc;
	struct xlb_backend be;
	__u32 be_id;
	__u32 olen; /* the outer headers' length: the undo */
	__u32 l2;   /* 1: the l2 stand-in instead */
};

#endif /* XLB_BENCH_ENCAP_H */
