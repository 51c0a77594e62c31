/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One tc (clsact, direct-action) BPF filter of xlb's on an interface,
 * known by its handle and priority, through libbpf's bpf_tc_* calls: so
 * attaching, finding and detaching ours never touches another's filter.
 * Shared by xlbd (the health checks' tunnel program) and xlbctl decap
 * (the backends' decapsulator in tc mode).
 */
#ifndef XLB_TC_HOOK_H
#define XLB_TC_HOOK_H

#include <stdbool.h>
#include <bpf/libbpf.h>

struct xlb_tc_filter {
	int ifindex;
	enum bpf_tc_attach_point where; /* BPF_TC_INGRESS or BPF_TC_EGRESS */
	__u32 handle, prio;
};

/*
 * Attach program fd as filter f, creating the clsact qdisc if it is
 * missing; replace: a filter f already there is replaced, else -EEXIST.
 * 0 or -errno.
 */
int xlb_tc_attach(const struct xlb_tc_filter *f, int fd, bool replace);

/* Remove filter f (the qdisc stays: others may use it): 0 or -errno. */
int xlb_tc_detach(const struct xlb_tc_filter *f);

/* The id of filter f's program, 0 when there is no such filter, or -errno. */
long long xlb_tc_prog_id(const struct xlb_tc_filter *f);

#endif /* XLB_TC_HOOK_H */
