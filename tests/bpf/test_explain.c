// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * `xlbctl explain` must agree with the program: for every scheduler, the
 * explanation computed from the maps before a packet is sent names the
 * backend the packet then really reaches (or, for random and
 * least-connections, a candidate set that contains it), for new flows,
 * flow-table hits and flows whose backend died.
 */
#include <netinet/in.h>

#include "../lib/test.h"
#include "explain.h"
#include "harness.h"

static bool send_pkt(struct h *h, int i, __u8 flags, struct xlb_flow_key *k,
		     __u32 *be)
{
	struct h_frame f = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.sport = 30000 + i,
		.dport = 80,
		.flags = flags,
	};
	struct h_result r;
	struct pkt in;

	h_build_in(&in, &f);
	if (!h_pkt_key(&in, k))
		return false;
	if (!h_run(h, &in, &r))
		return false;
	*be = r.action == XDP_TX ? h_out_backend(h, &r) : 0;
	return true;
}

static bool agrees(const struct xlb_explain *e, __u32 be)
{
	switch (e->how) {
	case XLB_EXPLAIN_FLOW:
	case XLB_EXPLAIN_HASH:
	case XLB_EXPLAIN_CURSOR:
		return e->backend_id == be;
	case XLB_EXPLAIN_RANDOM:
	case XLB_EXPLAIN_LEAST_CONN:
		for (__u32 i = 0; i < e->n_cand; i++)
			if (e->cand[i].id == be)
				return true;
		return false;
	case XLB_EXPLAIN_NO_BACKEND:
	case XLB_EXPLAIN_NOT_VIP:
		return be == 0;
	}
	return false;
}

/* Explain the packet, send it, compare. */
static bool check(struct h *h, int i, __u8 flags, enum xlb_explain_how want,
		  const char *what)
{
	struct xlb_flow_key k;
	struct xlb_explain e;
	__u32 be;
	struct h_frame f = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.sport = 30000 + i,
		.dport = 80,
		.flags = flags,
	};
	struct pkt in;

	h_build_in(&in, &f);
	if (!ASSERT_TRUE(h_pkt_key(&in, &k), "key") ||
	    !ASSERT_OK(xlb_explain(&h->dp, &k, flags == PKT_SYN, 0, &e),
		       "explain"))
		return false;
	if (!ASSERT_STREQ(xlb_explain_how_name(e.how),
			  xlb_explain_how_name(want), what))
		return false;
	if (!send_pkt(h, i, flags, &k, &be))
		return false;
	return ASSERT_TRUE(agrees(&e, be), what);
}

TEST(explain_agrees_with_the_program_for_every_scheduler)
{
	static const enum xlb_explain_how miss[XLB_SCHED_MAX] = {
		[XLB_SCHED_MAGLEV] = XLB_EXPLAIN_HASH,
		[XLB_SCHED_SOURCE_HASH] = XLB_EXPLAIN_HASH,
		[XLB_SCHED_ROUND_ROBIN] = XLB_EXPLAIN_CURSOR,
		[XLB_SCHED_WEIGHTED_RR] = XLB_EXPLAIN_CURSOR,
		[XLB_SCHED_RANDOM] = XLB_EXPLAIN_RANDOM,
		[XLB_SCHED_LEAST_CONN] = XLB_EXPLAIN_LEAST_CONN,
	};
	const __u32 w[3] = { 100, 200, 100 };

	h_pin_cpu0();
	for (int sched = 0; sched < XLB_SCHED_MAX; sched++) {
		struct h h;

		if (!h_open(&h) || !h_backends_up(&h, 3) ||
		    !h_publish(&h, sched, w, 3)) {
			h_close(&h);
			return;
		}
		/* new flows, then a packet of each: a flow-table hit */
		for (int i = 0; i < 24; i++)
			if (!check(&h, i, PKT_SYN, miss[sched],
				   xlb_sched_names[sched]))
				goto next;
		for (int i = 0; i < 24; i++)
			if (!check(&h, i, PKT_ACK, XLB_EXPLAIN_FLOW,
				   "established: flow table"))
				goto next;
		/* backend 2 dies: its flows are scheduled again */
		if (!h_backend(&h, 2, 0, 1) ||
		    !h_publish(&h, sched, (const __u32[]){ 100, 0, 100 }, 3))
			goto next;
		for (int i = 0; i < 24; i++) {
			struct xlb_flow_key k;
			struct xlb_explain e;
			__u32 be;

			send_pkt(&h, 100 + i, PKT_SYN, &k, &be);
			xlb_explain(&h.dp, &k, false, 0, &e);
			if (!ASSERT_TRUE(agrees(&e, be), "after failure"))
				break;
		}
		check(&h, 0, PKT_SYN, miss[sched], "miss after failure");
next:
		h_close(&h);
	}
}

TEST(explain_not_a_vip_and_no_backend)
{
	struct xlb_flow_key k = {};
	struct xlb_explain e;
	struct h h;

	if (!h_open(&h) || !h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, NULL, 0))
		goto out;
	h_svc_key(&k.svc, H_VIP4, 81, IPPROTO_TCP);
	ASSERT_OK(xlb_explain(&h.dp, &k, false, 0, &e), "explain");
	ASSERT_EQ(e.how, XLB_EXPLAIN_NOT_VIP, "port 81 is no service");
	h_svc_key(&k.svc, H_VIP4, 80, IPPROTO_TCP);
	ASSERT_OK(xlb_explain(&h.dp, &k, false, 0, &e), "explain");
	ASSERT_EQ(e.how, XLB_EXPLAIN_NO_BACKEND, "service without backends");
out:
	h_close(&h);
}
