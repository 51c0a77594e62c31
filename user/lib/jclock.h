/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The data plane stamps flows with jiffies (bpf_jiffies64(), inlined by the
 * verifier, so the fast path pays a load instead of a clock call). User
 * space has no direct view of jiffies, so it asks the kernel the same way:
 * a ten-instruction XDP program that writes bpf_jiffies64() into its frame,
 * run once with BPF_PROG_TEST_RUN. The kernel's HZ is not exported either;
 * it is measured once against CLOCK_MONOTONIC (about 100 ms) and snapped to
 * the values the kernel allows (100, 250, 300, 1000).
 */
#ifndef XLB_JCLOCK_H
#define XLB_JCLOCK_H

#include <linux/types.h>

/* Current jiffies. 0 or -errno (needs CAP_BPF). */
int xlb_jiffies(__u64 *out);
/* Kernel HZ (measured on first call, then cached); -errno on failure. */
int xlb_hz(void);
/* Milliseconds between two jiffies stamps (later - earlier, 32-bit wrap). */
__u64 xlb_jiffies_ms(__u32 delta, int hz);

#endif /* XLB_JCLOCK_H */
