// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Hashing schedulers without flow entries (XLB_SVC_F_PINNED, _PREV in the
 * ABI): in steady state a maglev service's packets make no entry and
 * still reach one backend per flow; a ring change keeps the previous
 * ring for flows without an entry (pinning them on their next packet)
 * while new connections take the new ring (pinned too) until the
 * previous ring retires; a backend taken out is never kept; `xlbctl
 * explain` agrees throughout.
 */
#include <errno.h>
#include <netinet/in.h>

#include "../lib/test.h"
#include "explain.h"
#include "harness.h"

#define NFLOWS 48

static const __u32 ring_a[7] = { 1, 2, 3, 1, 2, 3, 1 };

static struct h_frame flow(int i, __u8 flags, __u8 proto)
{
	struct h_frame f = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.proto = proto,
		.sport = 20000 + i,
		.dport = 80,
		.flags = proto == IPPROTO_UDP ? 0 : flags,
	};

	return f;
}

/* Where @ring sends f's flow. */
static __u32 ring_pick_frame(const struct h_frame *f, const __u32 *ring,
			     __u32 size)
{
	struct xlb_flow_key k;
	struct pkt in;

	h_build_in(&in, f);
	return h_pkt_key(&in, &k) ? h_ring_pick(&k, ring, size) : 0;
}

/* Send f; its backend (0: not forwarded). */
static __u32 send_one(struct h *h, const struct h_frame *f)
{
	struct h_result r;
	struct pkt in;

	h_build_in(&in, f);
	if (!h_run(h, &in, &r))
		return 0;
	return r.action == XDP_TX ? h_out_backend(h, &r) : 0;
}

/* The explanation of f's next packet names the backend it then reaches. */
static bool explained(struct h *h, const struct h_frame *f, bool *prev,
		      __u32 *be)
{
	struct xlb_flow_key k;
	struct xlb_explain e;
	struct pkt in;

	h_build_in(&in, f);
	if (!h_pkt_key(&in, &k) ||
	    !ASSERT_OK(xlb_explain(&h->dp, &k, f->flags == PKT_SYN, 0, &e),
		       "explain"))
		return false;
	*be = send_one(h, f);
	*prev = e.prev_ring;
	return ASSERT_EQ(e.how, XLB_EXPLAIN_HASH, "explained by a ring") &&
	       ASSERT_EQ(e.backend_id, *be, "explain names the backend");
}

static bool setup(struct h *h, __u8 proto)
{
	return h_open(h) && h_backends_up(h, 4) &&
	       h_service(h, H_VIP4, 80, proto, 1, ring_a, 7);
}

static bool svc_flags(struct h *h, __u8 proto, __u32 *flags)
{
	struct xlb_svc_key k;
	struct xlb_svc v;

	if (!h_svc_key(&k, H_VIP4, 80, proto) ||
	    !ASSERT_OK(xlb_dp_service_get(&h->dp, &k, &v), "service"))
		return false;
	*flags = v.flags;
	return true;
}

/* Steady state: no entry, every packet of a flow on the ring's backend. */
static void steady(__u8 proto)
{
	__u32 be[NFLOWS], flags;
	struct h h;

	if (!setup(&h, proto) || !svc_flags(&h, proto, &flags))
		goto out;
	ASSERT_EQ(flags & (XLB_SVC_F_PINNED | XLB_SVC_F_PREV), 0,
		  "a new service pins nothing");
	for (int i = 0; i < NFLOWS; i++) {
		struct h_frame f = flow(i, PKT_SYN, proto);
		struct xlb_flow_key k;
		struct pkt in;

		h_build_in(&in, &f);
		if (!h_pkt_key(&in, &k))
			goto out;
		be[i] = send_one(&h, &f);
		if (!ASSERT_EQ(be[i], h_ring_pick(&k, ring_a, 7), "ring pick"))
			goto out;
	}
	ASSERT_EQ(h_flow_count(&h), 0, "no entry for the new flows");
	ASSERT_EQ(h_stat(&h, XLB_STAT_NEW_FLOW),
		  proto == IPPROTO_TCP ? NFLOWS : 0,
		  "new_flow counts SYNs (a first UDP packet is not told)");
	for (int i = 0; i < NFLOWS; i++) {
		struct h_frame f = flow(i, PKT_ACK, proto);
		bool prev;
		__u32 got;

		if (!explained(&h, &f, &prev, &got) ||
		    !ASSERT_EQ(got, be[i], "established: same backend"))
			goto out;
	}
	ASSERT_EQ(h_flow_count(&h), 0, "nor for established packets");
	ASSERT_EQ(h_stat(&h, XLB_STAT_NEW_FLOW),
		  proto == IPPROTO_TCP ? NFLOWS : 0, "no more new flows");
out:
	h_close(&h);
}

TEST(prev_ring_steady_state_maglev_tcp_no_entry)
{
	steady(IPPROTO_TCP);
}

TEST(prev_ring_steady_state_maglev_udp_no_entry)
{
	steady(IPPROTO_UDP);
}

/*
 * A backend joins (ring_b sends everything to 4): the older flows stay
 * where the previous ring sent them and get pinned there, new
 * connections go to 4 and are pinned too; after the retire the pins
 * still hold and new connections make no entry.
 */
static void change(__u8 proto)
{
	static const __u32 ring_b[7] = { 4, 4, 4, 4, 4, 4, 4 };
	struct xlb_svc_key sk;
	__u32 be[NFLOWS], flags;
	__u64 nf0;
	long n;
	struct h h;

	if (!setup(&h, proto) || !h_svc_key(&sk, H_VIP4, 80, proto))
		goto out;
	for (int i = 0; i < NFLOWS; i++) {
		struct h_frame f = flow(i, PKT_SYN, proto);

		be[i] = send_one(&h, &f);
	}
	nf0 = h_stat(&h, XLB_STAT_NEW_FLOW);
	if (!h_service(&h, H_VIP4, 80, proto, 1, ring_b, 7) ||
	    !svc_flags(&h, proto, &flags))
		goto out;
	ASSERT_EQ(flags & (XLB_SVC_F_PINNED | XLB_SVC_F_PREV),
		  XLB_SVC_F_PINNED | XLB_SVC_F_PREV, "a change in flight");
	ASSERT_EQ(xlb_dp_service_changing(&h.dp, &sk), 1, "changing");
	ASSERT_EQ(xlb_dp_service_pins_set(&h.dp, &sk, false), -EBUSY,
		  "pins stay while the previous ring is live");
	for (int i = 0; i < NFLOWS; i++) {
		struct h_frame f = flow(i, PKT_ACK, proto);
		struct xlb_flow fl;
		struct pkt in;
		bool prev;
		__u32 got;

		if (!explained(&h, &f, &prev, &got) ||
		    !ASSERT_EQ(got, be[i], "older flow keeps its backend") ||
		    !ASSERT_TRUE(prev, "by the previous ring"))
			goto out;
		h_build_in(&in, &f);
		if (!ASSERT_TRUE(h_flow_lookup(&h, &in, &fl),
				 "and is pinned") ||
		    !ASSERT_EQ(fl.backend_id, be[i], "to it"))
			goto out;
	}
	ASSERT_EQ(h_stat(&h, XLB_STAT_PREV_RING), NFLOWS, "prev_ring counted");
	ASSERT_EQ(h_stat(&h, XLB_STAT_NEW_FLOW), nf0,
		  "older flows pinned are no new flows");
	n = h_flow_count(&h);
	for (int i = 0; i < NFLOWS; i++) {
		struct h_frame f = flow(1000 + i, PKT_SYN, proto);
		bool prev;
		__u32 got;

		/* UDP has no SYN: a new flow is an older one for all we know */
		if (!explained(&h, &f, &prev, &got) ||
		    !ASSERT_EQ(got,
			       proto == IPPROTO_UDP
				       ? ring_pick_frame(&f, ring_a, 7)
				       : 4,
			       "new connection: the new ring"))
			goto out;
	}
	ASSERT_EQ(h_flow_count(&h) - n, NFLOWS, "new connections pinned too");

	/* retired: no more previous ring, the pins hold */
	if (!ASSERT_OK(xlb_dp_service_retire(&h.dp, &sk), "retire") ||
	    !svc_flags(&h, proto, &flags))
		goto out;
	ASSERT_EQ(flags & (XLB_SVC_F_PINNED | XLB_SVC_F_PREV), XLB_SVC_F_PINNED,
		  "retired, pins kept");
	ASSERT_EQ(xlb_dp_service_changing(&h.dp, &sk), 0, "not changing");
	for (int i = 0; i < NFLOWS; i++) {
		struct h_frame f = flow(i, PKT_ACK, proto);

		if (!ASSERT_EQ(send_one(&h, &f), be[i], "pinned after retire"))
			goto out;
	}
	n = h_flow_count(&h);
	for (int i = 0; i < NFLOWS; i++) {
		struct h_frame f = flow(2000 + i, PKT_SYN, proto);

		if (!ASSERT_EQ(send_one(&h, &f), 4, "new ring after retire"))
			goto out;
	}
	ASSERT_EQ(h_flow_count(&h), n, "after retire: no new entries");
	/* the scan's call once the entries agree with the ring (xlbd) */
	ASSERT_OK(xlb_dp_service_pins_set(&h.dp, &sk, false), "pins cleared");
	for (int i = 0; i < NFLOWS; i++) {
		struct h_frame f = flow(2000 + i, PKT_ACK, proto);

		if (!ASSERT_EQ(send_one(&h, &f), 4, "steady again"))
			goto out;
	}
out:
	h_close(&h);
}

TEST(prev_ring_backend_added_tcp)
{
	change(IPPROTO_TCP);
}

TEST(prev_ring_backend_added_udp)
{
	change(IPPROTO_UDP);
}

/*
 * Backend 2 taken out (down, and out of the ring): its flows go where
 * the new ring sends them, never to 2; the others keep theirs.
 */
TEST(prev_ring_removed_backend_not_kept)
{
	static const __u32 ring_c[7] = { 3, 1, 3, 1, 3, 1, 3 };
	__u32 be[NFLOWS];
	int moved = 0;
	struct h h;

	if (!setup(&h, IPPROTO_TCP))
		goto out;
	for (int i = 0; i < NFLOWS; i++) {
		struct h_frame f = flow(i, PKT_SYN, IPPROTO_TCP);

		be[i] = send_one(&h, &f);
	}
	if (!h_backend(&h, 2, 0, 1) ||
	    !h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, ring_c, 7))
		goto out;
	for (int i = 0; i < NFLOWS; i++) {
		struct h_frame f = flow(i, PKT_ACK, IPPROTO_TCP);
		__u32 want =
			be[i] == 2 ? ring_pick_frame(&f, ring_c, 7) : be[i];
		bool prev;
		__u32 got;

		moved += be[i] == 2;
		if (!explained(&h, &f, &prev, &got) ||
		    !ASSERT_EQ(got, want, "backend after the change") ||
		    !ASSERT_EQ(prev, be[i] != 2, "kept unless taken out"))
			goto out;
	}
	ASSERT_TRUE(moved > 0, "some flows were on backend 2");
out:
	h_close(&h);
}

/* A backend id now another service's is not kept either. */
TEST(prev_ring_backend_of_another_service_not_kept)
{
	static const __u32 ring_d[7] = { 1, 1, 1, 1, 1, 1, 1 };
	struct xlb_backend b = { .flags = XLB_BE_F_UP, .gen = 2, .svc_id = 9 };
	__u32 be[NFLOWS];
	struct h h;

	if (!setup(&h, IPPROTO_TCP))
		goto out;
	for (int i = 0; i < NFLOWS; i++) {
		struct h_frame f = flow(i, PKT_SYN, IPPROTO_TCP);

		be[i] = send_one(&h, &f);
	}
	h_be_mac(3, b.dmac);
	if (!h_backend_set(&h, 3, &b) ||
	    !h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, ring_d, 7))
		goto out;
	for (int i = 0; i < NFLOWS; i++) {
		struct h_frame f = flow(i, PKT_ACK, IPPROTO_TCP);

		if (!ASSERT_EQ(send_one(&h, &f), be[i] == 3 ? 1 : be[i],
			       "id 3 reassigned: not kept"))
			goto out;
	}
out:
	h_close(&h);
}

/*
 * Over the new-flow rate limit during a change: a SYN left unpinned goes
 * where its next packets (no entry: the previous ring's) go too.
 */
TEST(prev_ring_syn_over_the_limit_follows_the_previous_ring)
{
	static const __u32 ring_b[7] = { 4, 4, 4, 4, 4, 4, 4 };
	int unpinned = 0;
	struct h h;

	h_pin_cpu0();
	if (!setup(&h, IPPROTO_TCP) ||
	    !h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, ring_b, 7) ||
	    !ASSERT_OK(xlb_dp_flow_limit_set(&h.dp, 1), "limit"))
		goto out;
	for (int i = 0; i < NFLOWS; i++) {
		struct h_frame syn = flow(i, PKT_SYN, IPPROTO_TCP);
		struct h_frame ack = flow(i, PKT_ACK, IPPROTO_TCP);
		__u64 before = h_stat(&h, XLB_STAT_FLOW_RATE_UNPINNED);
		__u32 be = send_one(&h, &syn);

		if (h_stat(&h, XLB_STAT_FLOW_RATE_UNPINNED) == before)
			continue; /* pinned (the limit's one, a new second) */
		unpinned++;
		if (!ASSERT_EQ(be, ring_pick_frame(&ack, ring_a, 7),
			       "unpinned SYN: the previous ring's backend") ||
		    !ASSERT_EQ(send_one(&h, &ack), be, "its ACK: the same"))
			goto out;
	}
	ASSERT_TRUE(unpinned > NFLOWS / 2, "most SYNs over the limit");
out:
	h_close(&h);
}

/*
 * A service back from "no backend" (a value without a ring: every
 * backend down, or none resolved yet at xlbd's start) has no ring in use
 * to keep: the publish succeeds without a change in flight.
 */
TEST(prev_ring_none_after_no_backend)
{
	static const __u32 ring_b[7] = { 4, 4, 4, 4, 4, 4, 4 };
	struct h_frame f = flow(1, PKT_SYN, IPPROTO_TCP);
	__u32 flags;
	struct h h;

	if (!setup(&h, IPPROTO_TCP) ||
	    !h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, NULL, 0) ||
	    !h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, ring_b, 7) ||
	    !svc_flags(&h, IPPROTO_TCP, &flags))
		goto out;
	ASSERT_EQ(flags & XLB_SVC_F_PREV, 0, "nothing to keep");
	ASSERT_EQ(send_one(&h, &f), 4, "the new ring");
out:
	h_close(&h);
}
