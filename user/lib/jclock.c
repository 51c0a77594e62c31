// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Jiffies and HZ from user space: see jclock.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "bpf_insn.h"
#include "jclock.h"

static int prog_fd = -1;

static int clock_prog(void)
{
	const struct bpf_insn insns[] = {
		/* r6 = ctx; r0 = bpf_jiffies64() */
		MOV64_REG(6, 1),
		CALL(BPF_FUNC_jiffies64),
		/* r2 = ctx->data; r3 = ctx->data_end */
		LDX(BPF_W, 2, 6, 0),
		LDX(BPF_W, 3, 6, 4),
		/* if (r2 + 8 <= r3) *(u64 *)r2 = r0 */
		MOV64_REG(4, 2),
		ADD64_IMM(4, 8),
		JGT_REG(4, 3, 1),
		STX(BPF_DW, 2, 0, 0),
		/* return XDP_PASS */
		MOV64_IMM(0, XDP_PASS),
		EXIT(),
	};

	if (prog_fd < 0)
		prog_fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "xlb_jiffies", "GPL",
					insns, sizeof(insns) / sizeof(insns[0]),
					NULL);
	return prog_fd < 0 ? -errno : prog_fd;
}

int xlb_jiffies(__u64 *out)
{
	__u8 in[64] = {}, res[64];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in,
		    .data_size_in = sizeof(in), .data_out = res,
		    .data_size_out = sizeof(res), .repeat = 1);
	int fd = clock_prog();

	if (fd < 0)
		return fd;
	if (bpf_prog_test_run_opts(fd, &opts))
		return -errno;
	memcpy(out, res, sizeof(*out));
	return 0;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int xlb_hz(void)
{
	static const int allowed[] = { 100, 250, 300, 1000 };
	static int hz;
	struct timespec pause = { 0, 100 * 1000 * 1000 };
	__u64 j0, j1;
	double t0, t1, est;
	int err, best = 0;

	if (hz)
		return hz;
	t0 = mono();
	err = xlb_jiffies(&j0);
	if (err)
		return err;
	nanosleep(&pause, NULL);
	t1 = mono();
	err = xlb_jiffies(&j1);
	if (err)
		return err;
	est = (j1 - j0) / (t1 - t0);
	for (size_t i = 1; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (abs((int)est - allowed[i]) < abs((int)est - allowed[best]))
			best = i;
	hz = allowed[best];
	return hz;
}

__u64 xlb_jiffies_ms(__u32 delta, int hz)
{
	return hz > 0 ? (__u64)delta * 1000 / hz : 0;
}
