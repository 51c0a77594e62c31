/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The start every tool that loads BPF programs shares (xlb_bench,
 * xlb_pps): it must be root, and libbpf's own messages stay quiet (the
 * tool says what failed).
 */
#ifndef XLB_BPF_TOOL_H
#define XLB_BPF_TOOL_H

#include <stdbool.h>

/*
 * True when running as root (libbpf then silenced); otherwise false after
 * "@name: needs root@why" on stderr (@why: "" or " (what for)").
 */
bool xlb_bpf_tool_start(const char *name, const char *why);

#endif /* XLB_BPF_TOOL_H */
