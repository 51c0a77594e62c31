// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * main.c's reload for the fuzz targets, which link xlbd without main.c.
 * The control path calls it only on a node whose config comes from etcd
 * (etcd_source.c's write-back), which the fuzzed daemon never is.
 */
#include "../../user/xlbd/xlbd.h"
#include "fuzz.h"

void xlbd_reload_start(struct xlbd *d, const char *why)
{
	fuzz_assert(0, "reload from %s: no config source in the fuzzer", why);
}
