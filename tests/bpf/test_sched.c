// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Scheduling: which backend a flow lands on, what pins it, and what moves
 * it: backend down, backend reassigned (gen), ring swaps and table size
 * changes.
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "harness.h"
#include "maglev.h"
#include "xlb_util.h"

static void ring_fill(__u32 *ring, __u32 n, __u32 id)
{
	for (__u32 i = 0; i < n; i++)
		ring[i] = id;
}

/* Client flow number i: distinct client addresses and ports. */
static struct h_frame flow_n(int i, __u8 flags)
{
	static char addrs[64][INET_ADDRSTRLEN];
	struct h_frame f = {
		.dst = H_VIP4,
		.dport = 80,
		.flags = flags,
		.sport = 10000 + i * 7,
	};
	int a = i % 64;

	snprintf(addrs[a], sizeof(addrs[a]), "198.18.%d.%d", a / 8, 2 + a);
	f.src = addrs[a];
	return f;
}

/*
 * f must reach backend be for service 1; new_flow: it is (re)scheduled;
 * resched: it moves off a dead or reassigned backend.
 */
static bool expect_fwd(struct h *h, const char *desc, const struct h_frame *f,
		       __u32 be, bool new_flow, bool resched, long flows)
{
	struct pkt in, exp;
	struct h_case c = {
		.desc = desc,
		.in = &in,
		.action = XDP_TX,
		.out = &exp,
		.stat = {
			[XLB_STAT_TX] = 1,
			[XLB_STAT_NEW_FLOW] = new_flow,
			[XLB_STAT_RESCHEDULED] = resched,
		},
		.svc_id = 1,
		.be_id = be,
		.new_flow = new_flow,
		.flows = flows,
	};

	h_build_in(&in, f);
	h_build_to(&exp, f, be);
	/* the first packet after a SYN confirms the flow (main table) */
	c.stat[XLB_STAT_FLOW_PROMOTED] =
		!new_flow && h_flow_unconfirmed(h, &in);
	return h_check(h, &c, NULL);
}

static bool expect_drop_no_backend(struct h *h, const char *desc,
				   const struct h_frame *f)
{
	struct pkt in;
	struct h_case c = {
		.desc = desc,
		.in = &in,
		.action = XDP_DROP,
		.stat = { [XLB_STAT_DROP_NO_BACKEND] = 1 },
	};

	h_build_in(&in, f);
	return h_check(h, &c, NULL);
}

static __u32 pick_of(const struct h_frame *f, const __u32 *ring, __u32 size)
{
	struct xlb_flow_key k;
	struct pkt in;

	h_build_in(&in, f);
	if (!h_pkt_key(&in, &k))
		return 0;
	return h_ring_pick(&k, ring, size);
}

static __u32 pinned_to(struct h *h, const struct h_frame *f, __u32 *gen)
{
	struct xlb_flow fl;
	struct pkt in;

	h_build_in(&in, f);
	if (!h_flow_lookup(h, &in, &fl))
		return 0;
	if (gen)
		*gen = fl.backend_gen;
	return fl.backend_id;
}

/* Every flow goes to ring[slot(hash(5-tuple))], and stays pinned there. */
static void check_ring_choice(const __u32 *ring, __u32 size, __u32 nbe,
			      int nflows)
{
	struct h h;

	if (!h_open(&h) || !h_backends_up(&h, nbe) ||
	    !h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, ring, size))
		goto out;
	for (int i = 0; i < nflows; i++) {
		struct h_frame f = flow_n(i, PKT_SYN);
		__u32 be = pick_of(&f, ring, size);
		char desc[64];

		snprintf(desc, sizeof(desc), "flow %d, ring of %u", i, size);
		if (!expect_fwd(&h, desc, &f, be, true, false, 1))
			break;
		if (!ASSERT_EQ(pinned_to(&h, &f, NULL), be, "pinned backend"))
			break;
	}
out:
	h_close(&h);
}

TEST(backend_choice_matches_ring_hash)
{
	const __u32 ring7[7] = { 1, 2, 3, 4, 5, 6, 7 };
	__u32 *big = malloc(sizeof(*big) * XLB_DEFAULT_TABLE_SIZE);

	check_ring_choice(ring7, 7, 7, 100);
	if (!ASSERT_TRUE(big, "malloc"))
		return;
	for (__u32 i = 0; i < XLB_DEFAULT_TABLE_SIZE; i++)
		big[i] = (i * 2654435761U >> 7) % 5 + 1;
	check_ring_choice(big, XLB_DEFAULT_TABLE_SIZE, 5, 100);
	free(big);
}

/* Many flows over a big ring split evenly: each backend gets its share. */
TEST(flows_spread_across_backends)
{
	enum {
		NBE = 4,
		NFLOWS = 1000
	};
	__u32 *ring = malloc(sizeof(*ring) * XLB_DEFAULT_TABLE_SIZE);
	unsigned int got[NBE + 1] = {};
	struct h_result r;
	struct pkt in;
	struct h h;

	if (!ASSERT_TRUE(ring, "malloc"))
		return;
	for (__u32 i = 0; i < XLB_DEFAULT_TABLE_SIZE; i++)
		ring[i] = i % NBE + 1;
	if (!h_open(&h) || !h_backends_up(&h, NBE) ||
	    !h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, ring,
		       XLB_DEFAULT_TABLE_SIZE))
		goto out;
	for (int i = 0; i < NFLOWS; i++) {
		struct h_frame f = flow_n(i, PKT_SYN);
		__u32 be;

		h_build_in(&in, &f);
		if (!h_run(&h, &in, &r) ||
		    !ASSERT_EQ(r.action, XDP_TX, "action"))
			goto out;
		be = h_out_backend(&h, &r);
		if (!ASSERT_RANGE(be, 1, NBE, "backend of the output"))
			goto out;
		got[be]++;
	}
	for (__u32 id = 1; id <= NBE; id++) {
		struct xlb_counters c;

		/* 250 expected, sd ~14 */
		ASSERT_RANGE(got[id], 175, 325, "flows per backend");
		if (h_counters_be(&h, id, &c)) {
			ASSERT_EQ(c.packets, got[id], "backend packets");
			ASSERT_EQ(c.new_flows, got[id], "backend new_flows");
		}
	}
	ASSERT_EQ(h_stat(&h, XLB_STAT_NEW_FLOW), NFLOWS, "new flows");
	ASSERT_EQ(h_stat(&h, XLB_STAT_TX), NFLOWS, "tx");
	ASSERT_EQ(h_flow_count(&h), NFLOWS, "flow table entries");
out:
	free(ring);
	h_close(&h);
}

/* End to end with the real table builder, when it is there. */
TEST(maglev_ring_end_to_end)
{
	enum {
		NBE = 3,
		SIZE = 65537,
		NFLOWS = 600
	};
	struct xlb_maglev_backend mb[NBE] = {};
	__u32 *ring = malloc(sizeof(*ring) * SIZE);
	unsigned int got[NBE + 1] = {};
	struct h h;

	if (!ASSERT_TRUE(ring, "malloc"))
		return;
	for (int i = 0; i < NBE; i++) {
		mb[i].id = i + 1;
		mb[i].family = XLB_FAMILY_V4;
		mb[i].addr.v4 = htonl(0x0a000001U + i);
		mb[i].weight = i == 2 ? 2 : 1; /* 1:1:2 */
	}
	if (!ASSERT_OK(xlb_maglev_build(mb, NBE, ring, SIZE), "maglev build")) {
		free(ring);
		return;
	}
	if (!h_open(&h) || !h_backends_up(&h, NBE) ||
	    !h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, ring, SIZE))
		goto out;
	for (int i = 0; i < NFLOWS; i++) {
		struct h_frame f = flow_n(i, PKT_SYN);
		__u32 be = pick_of(&f, ring, SIZE);

		if (!expect_fwd(&h, "flow over a Maglev ring", &f, be, true,
				false, 1))
			goto out;
		got[be]++;
	}
	/* 150 / 150 / 300 expected */
	ASSERT_RANGE(got[1], 100, 200, "weight 1");
	ASSERT_RANGE(got[2], 100, 200, "weight 1");
	ASSERT_RANGE(got[3], 240, 360, "weight 2");
out:
	free(ring);
	h_close(&h);
}

/* source-hash: every flow of a client goes where its address hashes. */
TEST(source_hash_scheduler)
{
	const __u32 ring[7] = { 1, 2, 3, 4, 5, 6, 7 };
	struct h h;

	if (!h_open(&h) || !h_backends_up(&h, 7) ||
	    !h_service_sched(&h, H_VIP4, 80, IPPROTO_TCP, 1,
			     XLB_SCHED_SOURCE_HASH, ring, 7))
		goto out;
	for (int client = 0; client < 8; client++) {
		struct h_frame f = flow_n(client, PKT_SYN);
		union xlb_addr a;
		__u8 fam;
		__u32 be;

		if (!h_addr(&a, &fam, f.src))
			goto out;
		be = ring[xlb_ring_slot(xlb_hash_addr(&a, fam, 0), 7)];
		for (int port = 0; port < 5; port++) {
			f.sport = 20000 + port * 1013;
			if (!expect_fwd(&h, "source-hash", &f, be, true, false,
					1))
				goto out;
		}
	}
out:
	h_close(&h);
}

TEST(no_backend_drops)
{
	struct h_frame f = flow_n(0, PKT_SYN);
	struct h h;

	/* published with ring NULL: the explicit "no backend" state */
	if (!h_open(&h) || !h_backends_up(&h, 2) ||
	    !h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, NULL, 0))
		goto out;
	expect_drop_no_backend(&h, "service without a ring", &f);
	f.flags = PKT_ACK;
	expect_drop_no_backend(&h, "ACK, service without a ring", &f);
out:
	h_close(&h);
}

TEST(ring_pointing_at_down_backend_drops)
{
	__u32 ring[7];
	struct h_frame f = flow_n(1, PKT_SYN);
	struct h h;

	ring_fill(ring, 7, 2);
	if (!h_open(&h) || !h_backend(&h, 1, XLB_BE_F_UP, 1) ||
	    !h_backend(&h, 2, 0, 1) ||
	    !h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, ring, 7))
		goto out;
	expect_drop_no_backend(&h, "ring -> backend 2, not UP", &f);

	/* an id that was never configured: an all-zero entry */
	ring_fill(ring, 7, 9);
	if (!h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, ring, 7))
		goto out;
	expect_drop_no_backend(&h, "ring -> backend 9, never set", &f);

	/* id 0 in the ring is "no backend" too */
	ring_fill(ring, 7, 0);
	if (!h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, ring, 7))
		goto out;
	expect_drop_no_backend(&h, "ring -> id 0", &f);
	ASSERT_EQ(h_flow_count(&h), 0, "nothing pinned");
out:
	h_close(&h);
}

TEST(backend_down_reschedules)
{
	__u32 ring[7];
	struct h_frame f = flow_n(2, PKT_SYN);
	struct h h;
	__u32 gen = 0;

	ring_fill(ring, 7, 1);
	if (!h_open(&h) || !h_backends_up(&h, 2) ||
	    !h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, ring, 7))
		goto out;
	if (!expect_fwd(&h, "SYN to backend 1", &f, 1, true, false, 1))
		goto out;

	/* backend 1 goes down while the ring still names it */
	if (!h_backend(&h, 1, 0, 1))
		goto out;
	f.flags = PKT_ACK;
	expect_drop_no_backend(&h, "backend down, ring not yet updated", &f);
	ASSERT_EQ(pinned_to(&h, &f, NULL), 1, "still pinned to 1");

	/* the new ring without it: the flow moves on its next packet */
	ring_fill(ring, 7, 2);
	if (!h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, ring, 7))
		goto out;
	if (!expect_fwd(&h, "ACK after backend 1 went down", &f, 2, true, true,
			0))
		goto out;
	ASSERT_EQ(pinned_to(&h, &f, &gen), 2, "re-pinned to 2");
	ASSERT_EQ(gen, 1, "with 2's gen");
	expect_fwd(&h, "next ACK: fast path on 2", &f, 2, false, false, 0);

	/* backend 1 coming back does not pull the flow back */
	if (!h_backend(&h, 1, XLB_BE_F_UP, 1))
		goto out;
	ring_fill(ring, 7, 1);
	if (!h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, ring, 7))
		goto out;
	expect_fwd(&h, "ACK after 1 is back", &f, 2, false, false, 0);
out:
	h_close(&h);
}

TEST(backend_gen_change_reschedules)
{
	__u32 ring[7];
	struct h_frame f = flow_n(3, PKT_SYN), g = flow_n(4, PKT_SYN);
	struct h h;
	__u32 gen = 0;

	ring_fill(ring, 7, 1);
	if (!h_open(&h) || !h_backends_up(&h, 2) ||
	    !h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, ring, 7))
		goto out;
	if (!expect_fwd(&h, "SYN f to backend 1", &f, 1, true, false, 1) ||
	    !expect_fwd(&h, "SYN g to backend 1", &g, 1, true, false, 1))
		goto out;

	/* id 1 freed and reassigned: gen 2; the ring now sends slot -> 2 */
	if (!h_backend(&h, 1, XLB_BE_F_UP, 2))
		goto out;
	ring_fill(ring, 7, 2);
	if (!h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, ring, 7))
		goto out;
	f.flags = PKT_ACK;
	if (!expect_fwd(&h, "f after id 1 was reassigned", &f, 2, true, true,
			0))
		goto out;
	ASSERT_EQ(pinned_to(&h, &f, NULL), 2, "f re-pinned to 2");

	/* reassigned while the ring still names it: re-pinned, new gen */
	ring_fill(ring, 7, 1);
	if (!h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, ring, 7))
		goto out;
	g.flags = PKT_ACK;
	if (!expect_fwd(&h, "g after id 1 was reassigned", &g, 1, true, true,
			0))
		goto out;
	ASSERT_EQ(pinned_to(&h, &g, &gen), 1, "g re-pinned to 1");
	ASSERT_EQ(gen, 2, "with the new gen");
	expect_fwd(&h, "g again: fast path", &g, 1, false, false, 0);
out:
	h_close(&h);
}

/* A sport for a flow from H_CLIENT4 to VIP4:80 that hashes to slot. */
static bool flow_in_slot(__u32 slot, __u32 size, __u16 not_port,
			 struct h_frame *f)
{
	for (__u32 port = 1024; port < 65536; port++) {
		struct xlb_flow_key k;
		struct pkt in;

		if (port == not_port)
			continue;
		f->sport = port;
		h_build_in(&in, f);
		if (!h_pkt_key(&in, &k))
			return false;
		if (xlb_ring_slot(xlb_hash_flow(&k, 0), size) == slot)
			return true;
	}
	return false;
}

TEST(table_swap_keeps_established_flows)
{
	const __u32 ring[7] = { 1, 1, 1, 1, 1, 1, 1 };
	__u32 swapped[7];
	struct h_frame f = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.sport = 40000,
		.dport = 80,
		.flags = PKT_SYN,
	};
	struct h_frame g = f;
	struct xlb_flow_key k;
	struct pkt in;
	__u32 slot;
	struct h h;

	if (!h_open(&h) || !h_backends_up(&h, 2) ||
	    !h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, ring, 7))
		goto out;
	if (!expect_fwd(&h, "SYN on the old ring", &f, 1, true, false, 1))
		goto out;

	/* only f's slot changes owner: 1 -> 2 (both stay UP) */
	h_build_in(&in, &f);
	if (!h_pkt_key(&in, &k))
		goto out;
	slot = xlb_ring_slot(xlb_hash_flow(&k, 0), 7);
	memcpy(swapped, ring, sizeof(swapped));
	swapped[slot] = 2;
	if (!h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, swapped, 7))
		goto out;

	f.flags = PKT_ACK;
	if (!expect_fwd(&h, "established flow after the swap", &f, 1, false,
			false, 0))
		goto out;
	if (!ASSERT_TRUE(flow_in_slot(slot, 7, f.sport, &g),
			 "another flow in the same slot"))
		goto out;
	if (!expect_fwd(&h, "new flow in the swapped slot", &g, 2, true, false,
			1))
		goto out;
	f.flags = PKT_ACK | PKT_FIN;
	expect_fwd(&h, "established flow still on 1", &f, 1, false, false, 0);

	/*
	 * The client reuses f's 5-tuple for a new connection: its SYN
	 * follows the current ring (backend 2), not the stale entry, and
	 * re-pins the flow (no new entry: the old one is overwritten).
	 */
	f.flags = PKT_SYN;
	if (!expect_fwd(&h, "SYN on a recycled 5-tuple follows the ring", &f, 2,
			true, false, 0))
		goto out;
	f.flags = PKT_ACK;
	expect_fwd(&h, "its next packet stays on 2", &f, 2, false, false, 0);
out:
	h_close(&h);
}

TEST(table_size_change)
{
	static const __u32 sizes[] = { 7, XLB_DEFAULT_TABLE_SIZE, 13,
				       7, XLB_MAX_TABLE_SIZE,	  65521 };
	__u32 *ring = malloc(sizeof(*ring) * XLB_MAX_TABLE_SIZE);
	struct h_frame est = flow_n(63, PKT_SYN);
	__u32 est_be;
	struct h h;

	if (!ASSERT_TRUE(ring, "malloc"))
		return;
	est.sport = 9000; /* not one of the flow_n() ports */
	if (!h_open(&h) || !h_backends_up(&h, 5))
		goto out;
	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		__u32 size = sizes[s];
		char desc[80];

		/* a different layout for each size */
		for (__u32 i = 0; i < size; i++)
			ring[i] = (i + s) % 5 + 1;
		if (!h_service(&h, H_VIP4, 80, IPPROTO_TCP, 1, ring, size))
			goto out;
		if (s == 0) {
			est_be = pick_of(&est, ring, size);
			if (!expect_fwd(&h, "established flow's SYN", &est,
					est_be, true, false, 1))
				goto out;
			est.flags = PKT_ACK;
		}
		for (int i = 0; i < 20; i++) {
			struct h_frame f = flow_n(s * 20 + i, PKT_SYN);

			snprintf(desc, sizeof(desc), "new flow, table size %u",
				 size);
			if (!expect_fwd(&h, desc, &f, pick_of(&f, ring, size),
					true, false, 1))
				goto out;
		}
		snprintf(desc, sizeof(desc), "established flow, table size %u",
			 size);
		if (!expect_fwd(&h, desc, &est, est_be, false, false, 0))
			goto out;
	}
out:
	free(ring);
	h_close(&h);
}
