/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Health checks through the tunnel (health_check via_tunnel: true): what
 * the load balancer's tc program (bpf/xlb_hc_tunnel.bpf.c) and xlbd
 * (user/xlbd/hc_tunnel.c) share.
 *
 * A via_tunnel probe is an ordinary check socket (tcp, http, udp)
 * connected to the backend's own address and port, with SO_MARK
 * XLB_HCT_MARK | id. The tc egress program rewrites such a packet's
 * destination to the service's VIP and encapsulates it (the service's
 * ipip or gue) to the backend, so it reaches the backend exactly as a
 * client's packet does: through the decapsulator to the VIP on lo. The
 * backend answers from the VIP (DSR) to the load balancer's address; tc
 * ingress finds the probe by (VIP, protocol, ports) in the table egress
 * filled and gives the answer the backend's address back, so the socket
 * sees the peer it connected to.
 */
#ifndef XLB_HC_TUNNEL_H
#define XLB_HC_TUNNEL_H

#include <linux/types.h>

#include "xlb_abi.h"

#define XLB_HCT_MARK 0x78680000U /* "xh": the upper half of SO_MARK */
#define XLB_HCT_MARK_MASK 0xffff0000U
#define XLB_HCT_MAX_PROBES 4096 /* ids 1..XLB_HCT_MAX_PROBES-1 */
#define XLB_HCT_MAX_FLOWS 16384 /* probe connections in flight (LRU) */

/* xlb_hct_probes[id]: id is the mark's lower half; zero family: unused */
struct xlb_hct_probe {
	union xlb_addr vip;
	union xlb_addr backend;
	__u8 family; /* enum xlb_family, the VIP's and the backend's */
	__u8 fwd;    /* XLB_FWD_IPIP or XLB_FWD_GUE */
	__be16 gue_port;
};

/* xlb_hct_flows: an answer's (source, ports, protocol) as it comes in */
struct xlb_hct_flow_key {
	union xlb_addr vip;
	__be16 vport; /* the check's port */
	__be16 lport; /* the probe socket's */
	__u8 family;
	__u8 proto;
	__u8 pad[2];
};

_Static_assert(sizeof(struct xlb_hct_probe) == 36, "xlb_hct_probe layout");
_Static_assert(sizeof(struct xlb_hct_flow_key) == 24,
	       "xlb_hct_flow_key layout");

/* Per-CPU counters (array indices) */
enum {
	XLB_HCT_SENT,	 /* probe packets encapsulated */
	XLB_HCT_ANSWERS, /* answers given the backend's address back */
	XLB_HCT_UNKNOWN, /* marked, but no such probe or not its backend */
	XLB_HCT_NR_COUNTERS
};

#endif /* XLB_HC_TUNNEL_H */
