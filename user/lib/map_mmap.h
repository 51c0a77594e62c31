/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A BPF array map (BPF_F_MMAPABLE) mapped shared into xlbd: what it writes
 * in place, under its own rules (atomic adds to the active-flow counts,
 * the services' slots under their sequence counts), the program sees
 * without a map update replacing a whole value.
 */
#ifndef XLB_MAP_MMAP_H
#define XLB_MAP_MMAP_H

#include <stddef.h>

/*
 * The first @bytes of array map @fd (rounded up to whole pages), read and
 * write: the mapping, or NULL (errno set).
 */
void *xlb_map_mmap(int fd, size_t bytes);
/* Undo xlb_map_mmap() of the same @bytes; @m NULL: nothing. */
void xlb_map_munmap(void *m, size_t bytes);

#endif /* XLB_MAP_MMAP_H */
