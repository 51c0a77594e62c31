// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The services' slot array (XLB_MAP_SVC_SLOTS): the program finds a
 * service there without the hash map, a key that finds no free probe is
 * answered by the hash map, a removed service is no longer matched, a
 * slot caught mid-write is not trusted, a load rebuilds the array from
 * the hash map, and the program reads the array only where xlbd lets it
 * (x86: see bpf/lib/svc.h), the hash map answering everywhere else.
 */
#include <string.h>
#include <netinet/in.h>
#include <bpf/bpf.h>

#include "harness.h"
#include "explain.h"
#include "xlb_decide.h"

/*
 * The program reads the array: it does after a load on x86; elsewhere
 * (CPUs that reorder loads) only when told, which these single-threaded
 * tests may do: nothing writes while a packet runs.
 */
static bool array_read(struct h *h)
{
	return h->dp.slots_on ||
	       ASSERT_OK(xlb_dp_svc_slots_use(&h->dp, true), "array on");
}

/* Service vip:port/tcp id @id, every ring slot backend @be. */
static bool service_on(struct h *h, const char *vip, __u16 port, __u32 id,
		       __u32 be)
{
	__u32 ring[7];

	for (int i = 0; i < 7; i++)
		ring[i] = be;
	return h_service(h, vip, port, IPPROTO_TCP, id, ring, 7);
}

/* Where the program finds vip:port/tcp: its slot, -1 the hash map. */
static bool slot_of(struct h *h, const char *vip, __u16 port, int *slot)
{
	struct xlb_svc_key k;
	struct xlb_svc v;

	return h_svc_key(&k, vip, port, IPPROTO_TCP) &&
	       ASSERT_OK(xlb_dp_svc_slot_find(&h->dp, &k, &v, slot),
			 "service found");
}

/* Take vip:port/tcp out of the hash map only: the array must answer. */
static bool hash_only_del(struct h *h, const char *vip, __u16 port)
{
	struct xlb_svc_key k;

	return h_svc_key(&k, vip, port, IPPROTO_TCP) &&
	       ASSERT_OK(bpf_map_delete_elem(h->dp.svc_fd, &k),
			 "delete the hash map's entry");
}

static bool forwarded_to(struct h *h, const char *vip, __u16 port, __u32 want,
			 const char *what)
{
	__u32 act, be;

	return h_syn(h, vip, port, &act, &be) && ASSERT_EQ(act, XDP_TX, what) &&
	       ASSERT_EQ(be, want, what);
}

TEST(svc_slots_found_without_the_hash_map)
{
	int slot4, slot6;
	struct h h;

	if (!h_open(&h) || !array_read(&h) || !h_backends_up(&h, 3) ||
	    !ASSERT_TRUE(h.dp.svc_slots_fd >= 0, "slot array open") ||
	    !service_on(&h, H_VIP4, 80, 1, 2) ||
	    !service_on(&h, H_VIP6, 443, 2, 3))
		goto out;
	if (!slot_of(&h, H_VIP4, 80, &slot4) ||
	    !slot_of(&h, H_VIP6, 443, &slot6) ||
	    !ASSERT_TRUE(slot4 >= 0 && slot6 >= 0, "both in the array"))
		goto out;
	if (!hash_only_del(&h, H_VIP4, 80) || !hash_only_del(&h, H_VIP6, 443))
		goto out;
	if (!forwarded_to(&h, H_VIP4, 80, 2, "IPv4 service from its slot"))
		goto out;
	forwarded_to(&h, H_VIP6, 443, 3, "IPv6 service from its slot");
out:
	h_close(&h);
}

/* @n ports of H_VIP4/tcp with one home slot. */
static bool colliding_ports(__u16 *ports, __u32 n)
{
	static __u16 first[XLB_SVC_SLOTS], count[XLB_SVC_SLOTS];
	struct xlb_svc_key k;

	memset(count, 0, sizeof(count));
	for (__u32 p = 1; p < 65536; p++) {
		__u32 home;

		if (!h_svc_key(&k, H_VIP4, p, IPPROTO_TCP))
			return false;
		home = xlb_svc_slot_home(&k);
		if (!count[home])
			first[home] = p;
		if (++count[home] < n)
			continue;
		/* the n of them: walk again from the first */
		ports[0] = first[home];
		for (__u32 q = first[home] + 1, i = 1; i < n; q++) {
			if (!h_svc_key(&k, H_VIP4, q, IPPROTO_TCP))
				return false;
			if (xlb_svc_slot_home(&k) == home)
				ports[i++] = q;
		}
		return true;
	}
	return false;
}

static bool home_flag(struct h *h, __u16 port, bool *overflow)
{
	struct xlb_svc_slot s;
	struct xlb_svc_key k;
	__u32 home;

	if (!h_svc_key(&k, H_VIP4, port, IPPROTO_TCP))
		return false;
	home = xlb_svc_slot_home(&k);
	if (!ASSERT_OK(bpf_map_lookup_elem(h->dp.svc_slots_fd, &home, &s),
		       "read the home slot"))
		return false;
	*overflow = s.flags & XLB_SVC_SLOT_F_OVERFLOW;
	return true;
}

TEST(svc_slots_collisions_overflow_and_removal)
{
	const int n = XLB_SVC_SLOT_PROBES + 1;
	__u16 ports[XLB_SVC_SLOT_PROBES + 1];
	struct xlb_svc_key k;
	__u32 act, be;
	bool overflow;
	int slot;
	struct h h;

	if (!ASSERT_TRUE(colliding_ports(ports, n), "colliding ports"))
		return;
	if (!h_open(&h) || !array_read(&h) || !h_backends_up(&h, n))
		goto out;
	for (int i = 0; i < n; i++)
		if (!service_on(&h, H_VIP4, ports[i], i + 1, i + 1))
			goto out;
	/* the first ones fill the probes, the last is the hash map's */
	for (int i = 0; i < n; i++) {
		if (!slot_of(&h, H_VIP4, ports[i], &slot) ||
		    !ASSERT_TRUE(i < n - 1 ? slot >= 0 : slot == -1,
				 "placed in a probe, the last one overflowed"))
			goto out;
		if (!forwarded_to(&h, H_VIP4, ports[i], i + 1,
				  "each to its own service's backend"))
			goto out;
	}
	if (!home_flag(&h, ports[0], &overflow) ||
	    !ASSERT_TRUE(overflow, "home marked overflowed"))
		goto out;

	/* a removed service is no longer matched; the last one moves in */
	if (!h_svc_key(&k, H_VIP4, ports[1], IPPROTO_TCP) ||
	    !ASSERT_OK(xlb_dp_service_del(&h.dp, &k, 2), "xlb_dp_service_del"))
		goto out;
	if (!h_syn(&h, H_VIP4, ports[1], &act, &be) ||
	    !ASSERT_EQ(act, XDP_PASS, "removed service: passed"))
		goto out;
	if (!slot_of(&h, H_VIP4, ports[n - 1], &slot) ||
	    !ASSERT_TRUE(slot >= 0, "the overflowed key took the free slot") ||
	    !home_flag(&h, ports[0], &overflow) ||
	    !ASSERT_TRUE(!overflow, "home unmarked: nothing left outside"))
		goto out;
	if (!hash_only_del(&h, H_VIP4, ports[n - 1]))
		goto out;
	forwarded_to(&h, H_VIP4, ports[n - 1], n, "found in its new slot");
out:
	h_close(&h);
}

TEST(svc_slots_torn_slot_is_not_trusted)
{
	struct xlb_svc_key k81;
	struct xlb_svc_slot s;
	__u32 idx;
	int slot;
	struct h h;

	if (!h_open(&h) || !array_read(&h) || !h_backends_up(&h, 3) ||
	    !service_on(&h, H_VIP4, 80, 1, 2) ||
	    !service_on(&h, H_VIP4, 81, 2, 3) ||
	    !slot_of(&h, H_VIP4, 80, &slot))
		goto out;
	/* port 80's slot halfway to port 81's value: odd, new value in */
	idx = slot;
	if (!ASSERT_OK(bpf_map_lookup_elem(h.dp.svc_slots_fd, &idx, &s),
		       "read the slot"))
		goto out;
	if (!h_svc_key(&k81, H_VIP4, 81, IPPROTO_TCP) ||
	    !ASSERT_OK(xlb_dp_service_get(&h.dp, &k81, &s.svc),
		       "port 81's value"))
		goto out;
	s.seq |= 1;
	if (!ASSERT_OK(
		    bpf_map_update_elem(h.dp.svc_slots_fd, &idx, &s, BPF_ANY),
		    "write the torn slot"))
		goto out;
	if (!forwarded_to(&h, H_VIP4, 80, 2, "odd count: the hash map answers"))
		goto out;
	/* the same slot stable again: its (wrong) value is believed */
	s.seq++;
	if (!ASSERT_OK(
		    bpf_map_update_elem(h.dp.svc_slots_fd, &idx, &s, BPF_ANY),
		    "write the slot stable"))
		goto out;
	forwarded_to(&h, H_VIP4, 80, 3, "an even count is trusted");
out:
	h_close(&h);
}

TEST(svc_slots_rebuilt_on_load)
{
	struct xlb_svc_slot empty = {}, stale = {};
	__u32 act, be;
	int slot;
	struct h h;

	if (!h_open(&h) || !array_read(&h) || !h_backends_up(&h, 3) ||
	    !service_on(&h, H_VIP4, 80, 1, 2) ||
	    !service_on(&h, H_VIP4_B, 80, 2, 3))
		goto out;
	/* an empty array (a new program on older pins) ... */
	for (__u32 i = 0; i < XLB_SVC_SLOTS; i++)
		if (!ASSERT_OK(bpf_map_update_elem(h.dp.svc_slots_fd, &i,
						   &empty, BPF_ANY),
			       "clear the array"))
			goto out;
	/* ... but for a service the hash map no longer has */
	if (!h_svc_key(&stale.key, H_VIP4_B, 80, IPPROTO_TCP) ||
	    !ASSERT_OK(xlb_dp_service_get(&h.dp, &stale.key, &stale.svc),
		       "its value") ||
	    !ASSERT_OK(bpf_map_delete_elem(h.dp.svc_fd, &stale.key),
		       "gone from the hash map"))
		goto out;
	slot = xlb_svc_slot_home(&stale.key);
	if (!ASSERT_OK(bpf_map_update_elem(h.dp.svc_slots_fd, &(__u32){ slot },
					   &stale, BPF_ANY),
		       "stale slot"))
		goto out;
	if (!ASSERT_OK(xlb_dp_loaded(&h.dp), "xlb_dp_loaded") ||
	    !array_read(&h))
		goto out;
	if (!h_syn(&h, H_VIP4_B, 80, &act, &be) ||
	    !ASSERT_EQ(act, XDP_PASS, "the stale slot is gone"))
		goto out;
	if (!slot_of(&h, H_VIP4, 80, &slot) ||
	    !ASSERT_TRUE(slot >= 0, "placed again") ||
	    !hash_only_del(&h, H_VIP4, 80))
		goto out;
	forwarded_to(&h, H_VIP4, 80, 2, "found in the rebuilt array");
out:
	h_close(&h);
}

TEST(svc_slots_explain_agrees)
{
	struct xlb_flow_key fk = { .sport = htons(40000) };
	struct xlb_explain e;
	int slot;
	__u8 fam;
	struct h h;

	if (!h_open(&h) || !array_read(&h) || !h_backends_up(&h, 3) ||
	    !service_on(&h, H_VIP4, 80, 1, 2) ||
	    !slot_of(&h, H_VIP4, 80, &slot) ||
	    !h_svc_key(&fk.svc, H_VIP4, 80, IPPROTO_TCP) ||
	    !h_addr(&fk.src, &fam, H_CLIENT4))
		goto out;
	if (!ASSERT_OK(xlb_explain(&h.dp, &fk, true, 0, &e), "xlb_explain") ||
	    !ASSERT_EQ(e.svc_slot, slot, "explain names the slot"))
		goto out;
	/* a removed service: explain and the program both say not a VIP */
	if (!ASSERT_OK(xlb_dp_service_del(&h.dp, &fk.svc, 1), "del") ||
	    !ASSERT_OK(xlb_explain(&h.dp, &fk, true, 0, &e), "xlb_explain"))
		goto out;
	ASSERT_EQ(e.how, XLB_EXPLAIN_NOT_VIP, "removed: not a VIP");
out:
	h_close(&h);
}

/* The program's switch as xlbd set it: the .bss copy it reads. */
static bool switch_of(struct h *h, bool *on)
{
	struct xlb_runtime sw;
	__u32 zero = 0;

	if (!ASSERT_OK(bpf_map_lookup_elem(h->dp.bss_fd, &zero, &sw),
		       "read the .bss"))
		return false;
	*on = sw.svc_slots;
	return true;
}

TEST(svc_slots_read_only_where_loads_stay_in_order)
{
	struct xlb_flow_key fk = { .sport = htons(40000) };
	struct xlb_svc_key k81;
	struct xlb_svc_slot s;
	struct xlb_explain e;
	__u32 idx;
	int slot;
	bool on;
	__u8 fam;
	struct h h;

	/* a load sets the switch from the CPU: on x86 only */
	if (!h_open(&h) || !switch_of(&h, &on) ||
	    !ASSERT_EQ(on, xlb_dp_svc_slots_ordered(), "switch after a load") ||
	    !ASSERT_EQ(h.dp.slots_on, on, "explain follows it"))
		goto out;
	if (!array_read(&h) || !h_backends_up(&h, 3) ||
	    !service_on(&h, H_VIP4, 80, 1, 2) ||
	    !service_on(&h, H_VIP4, 81, 2, 3) ||
	    !slot_of(&h, H_VIP4, 80, &slot) ||
	    !ASSERT_TRUE(slot >= 0, "placed"))
		goto out;
	/* port 80's slot, stable, with port 81's value: the array is read */
	idx = slot;
	if (!ASSERT_OK(bpf_map_lookup_elem(h.dp.svc_slots_fd, &idx, &s),
		       "read the slot") ||
	    !h_svc_key(&k81, H_VIP4, 81, IPPROTO_TCP) ||
	    !ASSERT_OK(xlb_dp_service_get(&h.dp, &k81, &s.svc),
		       "port 81's value"))
		goto out;
	s.seq += 2;
	if (!ASSERT_OK(
		    bpf_map_update_elem(h.dp.svc_slots_fd, &idx, &s, BPF_ANY),
		    "write the wrong slot") ||
	    !forwarded_to(&h, H_VIP4, 80, 3, "switch on: the slot answers"))
		goto out;
	/*
	 * Off (what a CPU that reorders loads gets): the hash map only. The
	 * switch rebuilds the array first, so the wrong slot goes in after.
	 */
	if (!ASSERT_OK(xlb_dp_svc_slots_use(&h.dp, false), "switch off") ||
	    !switch_of(&h, &on) || !ASSERT_TRUE(!on, "program's switch off"))
		goto out;
	s.seq += 2;
	if (!ASSERT_OK(
		    bpf_map_update_elem(h.dp.svc_slots_fd, &idx, &s, BPF_ANY),
		    "write the wrong slot again") ||
	    !forwarded_to(&h, H_VIP4, 80, 2,
			  "switch off: the hash map answers"))
		goto out;
	if (!h_svc_key(&fk.svc, H_VIP4, 80, IPPROTO_TCP) ||
	    !h_addr(&fk.src, &fam, H_CLIENT4) ||
	    !ASSERT_OK(xlb_explain(&h.dp, &fk, true, 0, &e), "xlb_explain") ||
	    !ASSERT_EQ(e.svc_slot, -1, "explain: the hash map too") ||
	    !ASSERT_EQ(e.svc.id, 1, "port 80's service"))
		goto out;
	/* on again: rebuilt first, so the wrong slot is gone */
	if (!ASSERT_OK(xlb_dp_svc_slots_use(&h.dp, true), "switch on") ||
	    !slot_of(&h, H_VIP4, 80, &slot) ||
	    !ASSERT_TRUE(slot >= 0, "read from the array again"))
		goto out;
	forwarded_to(&h, H_VIP4, 80, 2, "the rebuild put the slot right");
out:
	h_close(&h);
}
