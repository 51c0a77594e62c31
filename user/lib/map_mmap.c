// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Shared mappings of BPF array maps (see map_mmap.h). */
#include <unistd.h>
#include <sys/mman.h>

#include "map_mmap.h"

static size_t map_len(size_t bytes)
{
	size_t page = sysconf(_SC_PAGESIZE);

	return (bytes + page - 1) / page * page;
}

void *xlb_map_mmap(int fd, size_t bytes)
{
	void *p = mmap(NULL, map_len(bytes), PROT_READ | PROT_WRITE, MAP_SHARED,
		       fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

void xlb_map_munmap(void *m, size_t bytes)
{
	if (m)
		munmap(m, map_len(bytes));
}
