/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Finding and detaching one of xlb's XDP programs (by name) on an
 * interface through libxdp, whether it runs alone (legacy) or behind
 * libxdp's dispatcher. Shared by xlbd (xlb_xdp) and xlbctl decap
 * (xlb_decap).
 */
#ifndef XLB_XDP_FIND_H
#define XLB_XDP_FIND_H

#include <xdp/libxdp.h>

/*
 * The program called name on ifindex, or NULL. On a find *mpp holds the
 * interface's programs (xdp_multiprog__close() it after use). *err is set
 * when a program is there but cannot be read: -EPERM without
 * CAP_SYS_ADMIN (the kernel gives a program's fd by id only with it).
 */
struct xdp_program *xlb_xdp_find(int ifindex, const char *name,
				 struct xdp_multiprog **mpp, int *err);

/* Detach prog (found by xlb_xdp_find with mp) from ifindex: 0 or -errno. */
int xlb_xdp_detach(struct xdp_multiprog *mp, struct xdp_program *prog,
		   int ifindex);

#endif /* XLB_XDP_FIND_H */
