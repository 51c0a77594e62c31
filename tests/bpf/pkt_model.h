/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the data plane must do with a frame, written from the RFCs (802.1Q,
 * RFC 791, 8200, 792, 4443, 9293, 768) and the README's "Data plane
 * behaviour" table, not from bpf/: the packet fuzzer (test_pkt_fuzz.c)
 * holds the program to it. Where neither says which of two outcomes is
 * right (a broken header on a frame that is not for a VIP, say), the model
 * allows both; where the table is explicit it allows one.
 */
#ifndef XLB_TEST_PKT_MODEL_H
#define XLB_TEST_PKT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#include "xlb_abi.h"

/* A verdict: the XDP action and the global counter it is counted under. */
enum m_verdict {
	M_FWD,	      /* XDP_TX, tx: to a backend of the service */
	M_ICMP_FWD,   /* XDP_TX, tx + icmp_forwarded: to the quoted flow's */
	M_NO_BACKEND, /* XDP_DROP, drop_no_backend */
	M_NON_IP,     /* XDP_PASS, pass_non_ip */
	M_NON_VIP,    /* XDP_PASS, pass_non_vip */
	M_PASS_ICMP,  /* XDP_PASS, pass_icmp */
	M_EXT_LIMIT,  /* XDP_PASS, pass_ext_limit */
	M_FRAGMENT,   /* XDP_DROP, drop_fragment */
	M_MALFORMED,  /* XDP_DROP, drop_malformed */
	M_MAC_GROUP,  /* XDP_PASS, pass_mac_multicast */
	M_MAC_OTHER,  /* XDP_PASS, pass_mac_other_host */
	M_N
};

#define M_BIT(v) (1u << (v))

struct m_service {
	__u8 family; /* XLB_FAMILY_V4 / V6 */
	union xlb_addr vip;
	__u16 port; /* host order */
	__u8 proto;
	__u32 id;
	bool has_backends;
};

struct m_expect {
	unsigned int allowed; /* M_BIT()s */
	__u32 svc_id;	      /* M_FWD / M_ICMP_FWD: the service */
};

/* if_mac: the interface's MAC (all zero: not known). */
void m_classify(const struct m_service *svcs, int n, const __u8 if_mac[6],
		const __u8 *frame, size_t len, struct m_expect *e);
const char *m_verdict_name(enum m_verdict v);

#endif /* XLB_TEST_PKT_MODEL_H */
