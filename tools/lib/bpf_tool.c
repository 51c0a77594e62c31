// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The start of the tools that load BPF programs (bpf_tool.h). */
#include <stdio.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "bpf_tool.h"

bool xlb_bpf_tool_start(const char *name, const char *why)
{
	if (geteuid()) {
		fprintf(stderr, "%s: needs root%s\n", name, why);
		return false;
	}
	libbpf_set_print(NULL);
	return true;
}
