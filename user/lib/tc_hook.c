// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* One tc BPF filter of xlb's, by handle and priority: see tc_hook.h. */
#include <errno.h>

#include "tc_hook.h"

#define HOOK(f)                                                         \
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (f)->ifindex, \
			    .attach_point = (f)->where)

int xlb_tc_attach(const struct xlb_tc_filter *f, int fd, bool replace)
{
	HOOK(f);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = f->handle,
			    .priority = f->prio, .prog_fd = fd,
			    .flags = replace ? BPF_TC_F_REPLACE : 0);
	int err = bpf_tc_hook_create(&hook); /* the clsact qdisc */

	if (err && err != -EEXIST)
		return err;
	return bpf_tc_attach(&hook, &opts);
}

int xlb_tc_detach(const struct xlb_tc_filter *f)
{
	HOOK(f);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = f->handle,
			    .priority = f->prio);

	return bpf_tc_detach(&hook, &opts);
}

long long xlb_tc_prog_id(const struct xlb_tc_filter *f)
{
	HOOK(f);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, opts, .handle = f->handle,
			    .priority = f->prio);
	int err = bpf_tc_query(&hook, &opts);

	/* no clsact qdisc at all: -EINVAL from the kernel */
	if (err == -ENOENT || err == -EINVAL)
		return 0;
	return err ? err : (long long)opts.prog_id;
}
