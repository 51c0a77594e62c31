// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Flow sync records (XLB_SVC_F_SYNC -> XLB_MAP_FLOW_SYNC): the program
 * writes one record for each flow it pins on a synced service, naming the
 * flow and its backend by address; none for established packets, none for
 * services without the flag; a full ring buffer loses records (counted)
 * and never the packet.
 */
#include <arpa/inet.h>
#include <string.h>
#include <bpf/libbpf.h>

#include "harness.h"

static bool publish_rr(struct h *h, __u32 flags)
{
	const __u32 ring[3] = { 1, 2, 3 };
	struct xlb_svc_key k;
	struct xlb_svc v = {
		.id = 1,
		.table_size = 3,
		.sched = XLB_SCHED_ROUND_ROBIN,
		.flags = flags,
	};

	if (!h_svc_key(&k, H_VIP4, 80, IPPROTO_TCP))
		return false;
	if (!ASSERT_OK(xlb_dp_service_publish(&h->dp, &k, &v, ring, 3),
		       "publish tcp"))
		return false;
	if (!h_svc_key(&k, H_VIP4, 53, IPPROTO_UDP))
		return false;
	v.id = 2;
	return ASSERT_OK(xlb_dp_service_publish(&h->dp, &k, &v, ring, 3),
			 "publish udp");
}

/* Run a frame, expect XDP_TX; its backend (0: not forwarded). */
static __u32 run_tx(struct h *h, const struct h_frame *f, struct pkt *in)
{
	struct h_result r;

	h_build_in(in, f);
	if (!h_run(h, in, &r) || !ASSERT_EQ(r.action, XDP_TX, "XDP_TX"))
		return 0;
	return h_out_backend(h, &r);
}

static void check_rec(const struct xlb_sync_rec *rec, const struct pkt *in,
		      __u32 be, __u8 flags)
{
	struct xlb_flow_key k;
	union xlb_addr a = { .v4 = htonl(0x0a000000U + be) };

	if (!h_pkt_key(in, &k))
		return;
	ASSERT_TRUE(!memcmp(&rec->key, &k, sizeof(k)),
		    "record carries the flow's key");
	ASSERT_TRUE(!memcmp(&rec->be_addr, &a, sizeof(a)),
		    "record names the backend the packet went to");
	ASSERT_EQ(rec->be_family, XLB_FAMILY_V4, "backend family");
	ASSERT_EQ(rec->backend_id, be, "record's backend id");
	ASSERT_EQ(rec->flags, flags, "record flags");
	ASSERT_EQ(rec->snat_port, 0, "no SNAT tuple for l2");
}

TEST(flow_sync_records_new_flows_only)
{
	struct h_frame syn = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.sport = 40000,
		.dport = 80,
		.flags = PKT_SYN,
	};
	struct h_frame ack = syn, udp = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.proto = IPPROTO_UDP,
		.sport = 40001,
		.dport = 53,
		.payload = 8,
	};
	struct ring_buffer *rb = NULL;
	struct pkt in;
	struct h_sync_recs r;
	__u32 be, be_udp;
	struct h h;

	ack.flags = PKT_ACK;
	h_pin_cpu0();
	if (!h_open(&h) || !h_backends_up(&h, 3) ||
	    !publish_rr(&h, XLB_SVC_F_SYNC))
		goto out;
	rb = h_sync_open(&h, &r);
	if (!rb)
		goto out;

	be = run_tx(&h, &syn, &in);
	ring_buffer__consume(rb);
	if (!ASSERT_EQ(r.n, 1, "a SYN pinned: one record"))
		goto out;
	check_rec(&r.v[0], &in, be, XLB_SYNC_F_SYN);

	/* promotion and established packets: the flow is not new */
	for (int i = 0; i < 5; i++)
		ASSERT_EQ(run_tx(&h, &ack, &in), be, "ACK follows the flow");
	ring_buffer__consume(rb);
	ASSERT_EQ(r.n, 1, "no record for established packets");

	be_udp = run_tx(&h, &udp, &in);
	run_tx(&h, &udp, &in);
	ring_buffer__consume(rb);
	if (ASSERT_EQ(r.n, 2, "a UDP flow: one record"))
		check_rec(&r.v[1], &in, be_udp, 0);
	ASSERT_EQ(r.bad, 0, "every record of its size");
	ASSERT_EQ(h_stat(&h, XLB_STAT_SYNC_LOST), 0, "nothing lost");
out:
	ring_buffer__free(rb);
	h_close(&h);
}

TEST(flow_sync_off_writes_nothing)
{
	struct h_frame syn = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.dport = 80,
		.flags = PKT_SYN,
	};
	struct ring_buffer *rb = NULL;
	struct pkt in;
	struct h_sync_recs r;
	struct h h;

	if (!h_open(&h) || !h_backends_up(&h, 3) || !publish_rr(&h, 0))
		goto out;
	rb = h_sync_open(&h, &r);
	if (!rb)
		goto out;
	for (int i = 0; i < 8; i++) {
		syn.sport = 30000 + i;
		ASSERT_TRUE(run_tx(&h, &syn, &in) != 0, "forwarded");
	}
	ring_buffer__consume(rb);
	ASSERT_EQ(r.n, 0, "no flag: no record");
out:
	ring_buffer__free(rb);
	h_close(&h);
}

/* Nobody drains the ring: records past its size are lost, packets not. */
TEST(flow_sync_full_ring_counts_never_drops)
{
	struct h_frame syn = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.dport = 80,
		.flags = PKT_SYN,
	};
	struct ring_buffer *rb = NULL;
	char src[INET_ADDRSTRLEN];
	int n = 14000, tx = 0;
	struct pkt in;
	struct h_sync_recs r;
	struct h h;

	if (!h_open(&h) || !h_backends_up(&h, 3) ||
	    !publish_rr(&h, XLB_SVC_F_SYNC))
		goto out;
	syn.src = src;
	for (int i = 0; i < n; i++) {
		struct h_result res;

		snprintf(src, sizeof(src), "198.18.%d.%d", 1 + i / 250,
			 1 + i % 250);
		h_build_in(&in, &syn);
		if (!h_run(&h, &in, &res))
			goto out;
		tx += res.action == XDP_TX;
	}
	ASSERT_EQ(tx, n, "every packet forwarded");
	rb = h_sync_open(&h, &r);
	if (!rb)
		goto out;
	ring_buffer__consume(rb);
	ASSERT_TRUE(r.n > 10000 && r.n < n, "the ring held what fit");
	ASSERT_EQ(h_stat(&h, XLB_STAT_SYNC_LOST), (__u64)(n - r.n),
		  "every record that did not fit is counted");
out:
	ring_buffer__free(rb);
	h_close(&h);
}
