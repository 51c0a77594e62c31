/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The VIP filter's bits (dataplane_vip_filter.c), for the dataplane's
 * files. A service's address bit is set before its key is written, so the
 * program never sees a service its filter hides. Bits are not cleared
 * when a service goes (another key may share the bit, and a stale bit
 * only costs a services lookup); xlb_dp_vip_filter_rebuild() recomputes
 * them all from the services map. A filter fd < 0 (a program without
 * one): nothing to do, 0.
 */
#ifndef XLB_DATAPLANE_VIP_FILTER_H
#define XLB_DATAPLANE_VIP_FILTER_H

#include "xlb_abi.h"

/* Set @vip's bit: 0 or -errno. */
int xlb_dp_vip_filter_set(int filter_fd, const union xlb_addr *vip);

/*
 * Exactly the bits the services map (@svc_fd) and the SNAT pool
 * (@nat_cfg_fd, < 0: none) need: 0, -ENOMEM or -errno.
 */
int xlb_dp_vip_filter_rebuild(int filter_fd, int svc_fd, int nat_cfg_fd);

#endif /* XLB_DATAPLANE_VIP_FILTER_H */
