/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The backends' decapsulator (bpf/xlb_decap.bpf.c, an XDP and a tc
 * program around one decision, bpf/lib/decap.h) and its loader (xlbctl
 * decap): the map they share, the counters, where tc mode attaches.
 * Addresses in network order.
 *
 * xlb_decap_addrs holds the addresses the program strips for: the host's
 * own (XLB_DECAP_LOCAL, where an outer header may be addressed to) and the
 * VIPs (XLB_DECAP_VIP, where the inner packet must be addressed to). A
 * frame is stripped only when its outer destination is LOCAL and its inner
 * destination is a VIP; everything else passes untouched.
 */
#ifndef XLB_DECAP_H
#define XLB_DECAP_H

#include <linux/types.h>

#include "xlb_abi.h"

#define XLB_DECAP_PROG_NAME "xlb_decap"
#define XLB_DECAP_TC_PROG_NAME "xlb_decap_tc"
/*
 * tc mode: the ingress filter (clsact, direct action) with this handle
 * and priority is ours; detach removes it and nothing else. (xlbd's own
 * tc filter, user/xlbd/hc_tunnel.c, has another handle.)
 */
#define XLB_DECAP_TC_HANDLE 0xdeca
#define XLB_DECAP_TC_PRIO 1
/* The most a decision reads after Ethernet: IPv6 + UDP + inner IPv6. */
#define XLB_DECAP_MAX_HDRS (40 + 8 + 40)
#define XLB_DECAP_MAX_ADDRS 4096 /* local addresses and VIPs together */

enum {
	XLB_DECAP_LOCAL = 1 << 0, /* one of the host's own addresses */
	XLB_DECAP_VIP = 1 << 1,	  /* a VIP served on this host */
};

struct xlb_decap_key {
	__u8 family; /* enum xlb_family */
	__u8 pad[3];
	union xlb_addr addr; /* IPv4: v4, the rest zero */
};

_Static_assert(sizeof(struct xlb_decap_key) == 20, "xlb_decap_key layout");

/* Per-CPU counters (array indices), for xlbctl decap status. */
enum {
	XLB_DECAP_STRIPPED,  /* decapsulated and passed to the stack */
	XLB_DECAP_NOT_LOCAL, /* tunnel frame to an address not ours: passed */
	XLB_DECAP_NOT_VIP,   /* inner destination not a VIP: passed */
	XLB_DECAP_MALFORMED, /* IP/UDP/GUE/inner header cut short: passed */
	XLB_DECAP_FAILED,    /* ours, not strippable (README): dropped */
	XLB_DECAP_NR_COUNTERS
};

#endif /* XLB_DECAP_H */
