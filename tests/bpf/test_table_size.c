// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Changing a service's table size: the ring and the size the program
 * indexes it with are switched in one step. A packet scheduled while the
 * size changes lands where the old ring with the old size or the new ring
 * with the new size sends it, never on the new ring at the old size or the
 * old ring at the new one; and `xlbctl explain` agrees with the program
 * before and after.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "../lib/test.h"
#include "explain.h"
#include "harness.h"
#include "maglev.h"

#define SMALL 13 /* ring A: backends 1..3 */
#define BIG 31	 /* ring B: backends 4..6 */
#define NKEYS 8

/* A Maglev ring of size slots over backends first..first + 2. */
static bool ring_build(__u32 *ring, __u32 size, __u32 first)
{
	struct xlb_maglev_backend mb[3];

	for (int i = 0; i < 3; i++)
		h_maglev_backend(&mb[i], first + i, 1);
	return ASSERT_OK(xlb_maglev_build(mb, 3, ring, size), "maglev build");
}

static void syn_frame(struct pkt *in, __u16 sport)
{
	struct h_frame f = {
		.src = H_CLIENT4,
		.dst = H_VIP4,
		.sport = sport,
		.dport = 80,
		.flags = PKT_SYN,
	};

	h_build_in(in, &f);
}

static int publish(struct xlb_dp *dp, const __u32 *ring, __u32 size)
{
	struct xlb_svc_key k;
	struct xlb_svc v = {
		.id = 1,
		.table_size = size,
		.sched = XLB_SCHED_MAGLEV,
	};

	if (!h_svc_key(&k, H_VIP4, 80, IPPROTO_TCP))
		return -EINVAL;
	return xlb_dp_service_publish(dp, &k, &v, ring, size);
}

struct flipper {
	struct xlb_dp *dp;
	const __u32 *a, *b;
	int rounds;
	int err;
	atomic_bool done;
};

/* Publish B, A, B, ...: every publish changes the table size. */
static void *flip(void *arg)
{
	struct flipper *f = arg;

	for (int i = 0; i < f->rounds && !f->err; i++)
		f->err = i % 2 ? publish(f->dp, f->a, SMALL)
			       : publish(f->dp, f->b, BIG);
	atomic_store(&f->done, true);
	return NULL;
}

/*
 * SYNs (each scheduled afresh) sent while another thread switches the
 * service between 13 slots over backends 1..3 and 31 slots over 4..6. The
 * keys are chosen so that every mixed state shows: ring B at size 13 gives
 * another backend of 4..6 than at size 31, and ring A at size 31 indexes
 * slots A does not have (a drop). Publishing the size and the ring in two
 * updates, a packet in between did either.
 */
TEST(table_size_switch_is_one_step_for_packets)
{
	static __u32 a[SMALL], b[BIG];
	struct flipper f = { .rounds = 24 };
	struct pkt in[NKEYS];
	__u32 old_be[NKEYS], new_be[NKEYS];
	long n_old = 0, n_new = 0, n_bad = 0, runs = 0;
	__u32 bad_be = 0, bad_old = 0, bad_new = 0;
	pthread_t t;
	struct h h;
	int n = 0;

	if (!h_open(&h) || !h_backends_up(&h, 6) || !ring_build(a, SMALL, 1) ||
	    !ring_build(b, BIG, 4) ||
	    !ASSERT_OK(publish(&h.dp, a, SMALL), "publish A"))
		goto out;
	for (__u16 sport = 20000; sport < 30000 && n < NKEYS; sport++) {
		struct xlb_flow_key k;

		syn_frame(&in[n], sport);
		if (!h_pkt_key(&in[n], &k))
			goto out;
		if (h_ring_pick(&k, b, SMALL) == h_ring_pick(&k, b, BIG) ||
		    xlb_ring_slot(xlb_hash_flow(&k, 0), BIG) < SMALL)
			continue;
		old_be[n] = h_ring_pick(&k, a, SMALL);
		new_be[n] = h_ring_pick(&k, b, BIG);
		n++;
	}
	if (!ASSERT_EQ(n, NKEYS, "client ports that tell the states apart"))
		goto out;

	f.dp = &h.dp;
	f.a = a;
	f.b = b;
	if (!ASSERT_OK(pthread_create(&t, NULL, flip, &f), "pthread_create"))
		goto out;
	/* bounded by the publisher: 24 publishes, each a few grace periods */
	while (!atomic_load(&f.done) && runs < 50000000) {
		for (int i = 0; i < NKEYS; i++, runs++) {
			struct h_result r;
			__u32 be;

			if (!h_run(&h, &in[i], &r))
				break;
			be = r.action == XDP_TX ? h_out_backend(&h, &r) : 0;
			if (be == old_be[i]) {
				n_old++;
			} else if (be == new_be[i]) {
				n_new++;
			} else if (!n_bad++) {
				bad_be = be;
				bad_old = old_be[i];
				bad_new = new_be[i];
			}
		}
	}
	pthread_join(t, NULL);
	if (!ASSERT_OK(f.err, "publishes"))
		goto out;
	if (n_bad)
		xlb_test_fail(__FILE__, __LINE__,
			      "%ld of %ld packets saw a mixed state (first: "
			      "backend %u, old pair %u, new pair %u)",
			      n_bad, runs, bad_be, bad_old, bad_new);
	/* the packets ran while the size changed, not all before or after */
	ASSERT_TRUE(n_old > 0 && n_new > 0, "packets saw both table sizes");
out:
	h_close(&h);
}

/*
 * Explain and program after each change, growing and shrinking; and the
 * service keeps one ring: the slot of the previous size is emptied, a
 * republish at the same size replaces the ring in place.
 */
TEST(table_size_switch_explain_agrees)
{
	static __u32 a[SMALL], b[BIG], a2[SMALL];
	static const struct {
		const __u32 *ring;
		__u32 size;
	} steps[] = { { b, BIG }, { a, SMALL }, { a2, SMALL }, { b, BIG } };
	struct xlb_svc_key sk;
	struct xlb_svc v;
	__u32 ring_key;
	struct h h;

	if (!h_open(&h) || !h_backends_up(&h, 6) || !ring_build(a, SMALL, 1) ||
	    !ring_build(b, BIG, 4) || !ring_build(a2, SMALL, 2) ||
	    !h_svc_key(&sk, H_VIP4, 80, IPPROTO_TCP) ||
	    !ASSERT_OK(publish(&h.dp, a, SMALL), "publish A") ||
	    !ASSERT_OK(bpf_map_lookup_elem(h.dp.svc_fd, &sk, &v), "service"))
		goto out;
	ring_key = v.ring;
	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		bool resized = steps[s].size != v.table_size;
		int rings = 0;

		if (!ASSERT_OK(publish(&h.dp, steps[s].ring, steps[s].size),
			       "publish") ||
		    !ASSERT_OK(bpf_map_lookup_elem(h.dp.svc_fd, &sk, &v),
			       "service"))
			goto out;
		for (int alt = 0; alt < 2; alt++) {
			__u32 key = XLB_RING_KEY(1, alt), inner;

			rings += !bpf_map_lookup_elem(h.dp.ring_fd, &key,
						      &inner);
		}
		if (!ASSERT_EQ(rings, 1, "one ring per service") ||
		    !ASSERT_EQ(v.ring != ring_key, resized,
			       "the other slot exactly when the size changes"))
			goto out;
		ring_key = v.ring;
		for (__u16 sport = 40000; sport < 40032; sport++) {
			struct xlb_flow_key k;
			struct xlb_explain e;
			struct h_result r;
			struct pkt in;
			__u32 want;

			syn_frame(&in, sport);
			if (!h_pkt_key(&in, &k) ||
			    !ASSERT_OK(xlb_explain(&h.dp, &k, true, 0, &e),
				       "explain"))
				goto out;
			want = h_ring_pick(&k, steps[s].ring, steps[s].size);
			if (!ASSERT_EQ(e.how, XLB_EXPLAIN_HASH,
				       "explain: hash") ||
			    !ASSERT_EQ(e.ring_size, steps[s].size,
				       "explain: the new size") ||
			    !ASSERT_EQ(e.backend_id, want,
				       "explain: the new ring's pick") ||
			    !h_run(&h, &in, &r) ||
			    !ASSERT_EQ(r.action, XDP_TX, "forwarded") ||
			    !ASSERT_EQ(h_out_backend(&h, &r), want,
				       "the program: the same backend"))
				goto out;
		}
	}
out:
	h_close(&h);
}

/*
 * A running program from before the ring key (adopted from its pins on a
 * hot restart) has 20-byte service values starting at the id and one ring
 * slot per service, keyed by id. Publishing to its maps must keep writing
 * that layout, and reading it back must name the ring by id.
 */
TEST(older_program_maps_keep_their_layout)
{
	LIBBPF_OPTS(bpf_map_create_opts, inner_opts,
		    .map_flags = BPF_F_INNER_MAP);
	static __u32 a[SMALL], b[BIG], back[BIG];
	struct {
		__u32 id, table_size;
		__u8 sched, fwd, pad[2];
		__u32 flags, hash_seed;
	} old;
	struct xlb_svc_key k;
	struct xlb_svc v;
	struct xlb_dp dp;
	int inner = -1;
	__u32 key, rid;

	memset(&dp, 0, sizeof(dp));
	dp.svc_fd = dp.ring_fd = dp.vip_filter_fd = dp.svc_slots_fd = -1;
	if (!ring_build(a, SMALL, 1) || !ring_build(b, BIG, 4) ||
	    !h_svc_key(&k, H_VIP4, 80, IPPROTO_TCP))
		goto out;
	inner = bpf_map_create(BPF_MAP_TYPE_ARRAY, "old_ring", 4,
			       sizeof(struct xlb_ring_chunk), 1, &inner_opts);
	LIBBPF_OPTS(bpf_map_create_opts, outer_opts, .inner_map_fd = inner);
	dp.ring_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY_OF_MAPS, "old_rings", 4,
				    4, XLB_MAX_SERVICES, &outer_opts);
	dp.svc_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "old_svcs", sizeof(k),
				   sizeof(old), 16, NULL);
	if (!ASSERT_TRUE(inner >= 0 && dp.ring_fd >= 0 && dp.svc_fd >= 0,
			 "older layout's maps"))
		goto out;
	if (!ASSERT_OK(publish(&dp, a, SMALL), "publish 13") ||
	    !ASSERT_OK(publish(&dp, b, BIG), "publish 31") ||
	    !ASSERT_OK(bpf_map_lookup_elem(dp.svc_fd, &k, &old), "raw value"))
		goto out;
	ASSERT_EQ(old.id, 1, "the id where the older program reads it");
	ASSERT_EQ(old.table_size, BIG, "the size where it reads it");
	key = 1;
	ASSERT_OK(bpf_map_lookup_elem(dp.ring_fd, &key, &rid),
		  "ring at the id");
	if (!ASSERT_OK(xlb_dp_service_get(&dp, &k, &v), "service_get"))
		goto out;
	ASSERT_EQ(v.ring, 1, "read back: ring named by the id");
	ASSERT_EQ(v.table_size, BIG, "read back: size");
	if (ASSERT_OK(xlb_dp_ring_read(&dp, &v, back, BIG), "ring read"))
		ASSERT_MEMEQ(back, sizeof(back), b, sizeof(b), "the new ring");
out:
	if (inner >= 0)
		close(inner);
	if (dp.ring_fd >= 0)
		close(dp.ring_fd);
	if (dp.svc_fd >= 0)
		close(dp.svc_fd);
}
