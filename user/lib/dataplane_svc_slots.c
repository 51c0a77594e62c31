// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The services' slot array (XLB_MAP_SVC_SLOTS): placement, removal, the
 * rebuild from the hash map, and the program's lookup for explain. The
 * probe rules are xlb_decide.h's, shared with bpf/lib/svc.h.
 *
 * Slots are written through a shared mapping, each under its sequence
 * count: odd, a full fence, key and value, a full fence, even. The
 * program copies a slot between two reads of the count and trusts the
 * copy only when both were the same even value; otherwise it asks the
 * hash map, which is written before the slot and cleared after it. One
 * writer: xlbd holds its lock, and its dataplane calls come from one
 * thread. The array is kept right on every architecture, but the program
 * reads it only where its loads cannot be reordered (x86, see
 * xlb_dp_svc_slots_ordered() and bpf/lib/svc.h): the switch
 * xlb_runtime.svc_slots, set by xlb_dp_svc_slots_use().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "dataplane.h"
#include "map_mmap.h"
#include "xlb_decide.h"

#define SLOTS_BYTES (XLB_SVC_SLOTS * sizeof(struct xlb_svc_slot))

/* The array, mapped on first use; NULL: the program has none. */
static struct xlb_svc_slot *slots_map(struct xlb_dp *dp)
{
	if (!dp->slots && dp->svc_slots_fd >= 0)
		dp->slots = xlb_map_mmap(dp->svc_slots_fd, SLOTS_BYTES);
	return dp->slots;
}

void xlb_dp_svc_slots_unmap(struct xlb_dp *dp)
{
	xlb_map_munmap(dp->slots, SLOTS_BYTES);
	dp->slots = NULL;
}

static bool slot_used(const struct xlb_svc_slot *s)
{
	return s->key.family != 0;
}

/*
 * Write key and value (NULL: empty the slot) under the sequence count.
 * The fences are full ones (mfence on x86, dmb ish on arm64): the odd
 * count must be visible before any of the slot's new bytes and every new
 * byte before the even count, which is the writer's half of the seqcount
 * on any CPU. The reader's half (loads in order) only x86 provides to a
 * BPF program; xlb_dp_svc_slots_ordered() keeps the other CPUs off the
 * array. The key and value are plain stores: each fence is also a
 * compiler barrier, so they stay between the two counts.
 */
static void slot_write(struct xlb_svc_slot *s, const struct xlb_svc_key *k,
		       const struct xlb_svc *v)
{
	/* odd even if an earlier writer died halfway */
	__u32 odd = __atomic_load_n(&s->seq, __ATOMIC_RELAXED) | 1;

	__atomic_store_n(&s->seq, odd, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (k) {
		memcpy(&s->key, k, sizeof(s->key));
		memcpy(&s->svc, v, sizeof(s->svc));
	} else {
		memset(&s->key, 0, sizeof(s->key));
		memset(&s->svc, 0, sizeof(s->svc));
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_store_n(&s->seq, odd + 1, __ATOMIC_RELAXED);
}

static bool is_marker(const struct xlb_svc_key *k, const struct xlb_svc *v)
{
	return (v->flags & XLB_SVC_F_ADDR_MARK) || (!k->port && !k->proto);
}

/* The slot holding @k, or -1. */
static int slot_index(const struct xlb_svc_slot *slots,
		      const struct xlb_svc_key *k)
{
	__u32 home = xlb_svc_slot_home(k);

	for (__u32 i = 0; i < XLB_SVC_SLOT_PROBES; i++) {
		__u32 idx = xlb_svc_slot_probe(home, i);

		if (slot_used(&slots[idx]) &&
		    xlb_svc_slot_match(&slots[idx].key, k))
			return idx;
	}
	return -1;
}

/* @k in its slot, or the first free probe: true; false: no room. */
static bool slot_place(struct xlb_svc_slot *slots, const struct xlb_svc_key *k,
		       const struct xlb_svc *v)
{
	__u32 home = xlb_svc_slot_home(k);
	int idx = slot_index(slots, k);

	for (__u32 i = 0; i < XLB_SVC_SLOT_PROBES && idx < 0; i++)
		if (!slot_used(&slots[xlb_svc_slot_probe(home, i)]))
			idx = xlb_svc_slot_probe(home, i);
	if (idx < 0)
		return false;
	/* a slot already right is left alone: no reader falls back */
	if (!memcmp(&slots[idx].key, k, sizeof(*k)) &&
	    !memcmp(&slots[idx].svc, v, sizeof(*v)))
		return true;
	slot_write(&slots[idx], k, v);
	return true;
}

/* slot_place(), and a key with no room marks its home: false. */
static bool slot_place_or_mark(struct xlb_svc_slot *slots,
			       const struct xlb_svc_key *k,
			       const struct xlb_svc *v)
{
	if (slot_place(slots, k, v))
		return true;
	__atomic_or_fetch(&slots[xlb_svc_slot_home(k)].flags,
			  XLB_SVC_SLOT_F_OVERFLOW, __ATOMIC_SEQ_CST);
	return false;
}

int xlb_dp_svc_slot_put(struct xlb_dp *dp, const struct xlb_svc_key *k,
			const struct xlb_svc *v)
{
	struct xlb_svc_slot *slots = slots_map(dp);

	if (dp->svc_slots_fd < 0 || is_marker(k, v))
		return 0;
	if (!slots)
		return -errno;
	slot_place_or_mark(slots, k, v);
	return 0;
}

/*
 * Give the overflowed keys of the homes in @homes (a flag per slot) their
 * slots where there is room now, then unmark every home none of whose
 * keys is left outside: only then, so a key is always found one way.
 * @gone: a key being removed (still in the hash map), or NULL.
 */
static int slots_refill(struct xlb_dp *dp, struct xlb_svc_slot *slots,
			bool *homes, const struct xlb_svc_key *gone)
{
	struct xlb_svc_key k, next;
	void *prev = NULL;
	bool *left = calloc(XLB_SVC_SLOTS, sizeof(*left));

	if (!left)
		return -ENOMEM;
	while (!bpf_map_get_next_key(dp->svc_fd, prev, &next)) {
		__u32 home = xlb_svc_slot_home(&next);
		struct xlb_svc v;

		k = next;
		prev = &k;
		if (!homes[home] || (gone && !memcmp(&k, gone, sizeof(k))) ||
		    xlb_dp_service_get(dp, &k, &v) || is_marker(&k, &v))
			continue;
		if (!slot_place_or_mark(slots, &k, &v))
			left[home] = true;
	}
	for (__u32 h = 0; h < XLB_SVC_SLOTS; h++)
		if (homes[h] && !left[h])
			__atomic_and_fetch(&slots[h].flags,
					   ~XLB_SVC_SLOT_F_OVERFLOW,
					   __ATOMIC_SEQ_CST);
	free(left);
	return 0;
}

int xlb_dp_svc_slot_del(struct xlb_dp *dp, const struct xlb_svc_key *k)
{
	struct xlb_svc_slot *slots = slots_map(dp);
	bool *homes, any = false;
	int idx, err;

	if (dp->svc_slots_fd < 0)
		return 0;
	if (!slots)
		return -errno;
	idx = slot_index(slots, k);
	if (idx < 0)
		return 0;
	slot_write(&slots[idx], NULL, NULL);
	/* the homes whose probes pass the freed slot */
	homes = calloc(XLB_SVC_SLOTS, sizeof(*homes));
	if (!homes)
		return -ENOMEM;
	for (__u32 i = 0; i < XLB_SVC_SLOT_PROBES; i++) {
		__u32 h = (idx - i) & (XLB_SVC_SLOTS - 1);

		if (slots[h].flags & XLB_SVC_SLOT_F_OVERFLOW)
			homes[h] = any = true;
	}
	err = any ? slots_refill(dp, slots, homes, k) : 0;
	free(homes);
	return err;
}

int xlb_dp_svc_slots_rebuild(struct xlb_dp *dp)
{
	struct xlb_svc_slot *slots = slots_map(dp);
	bool *homes;
	int err;

	if (dp->svc_slots_fd < 0)
		return 0;
	if (!slots)
		return -errno;
	/* what the hash map no longer holds goes first: room for the rest */
	for (__u32 i = 0; i < XLB_SVC_SLOTS; i++) {
		struct xlb_svc v;

		if (slot_used(&slots[i]) &&
		    (xlb_dp_service_get(dp, &slots[i].key, &v) ||
		     is_marker(&slots[i].key, &v)))
			slot_write(&slots[i], NULL, NULL);
	}
	homes = malloc(XLB_SVC_SLOTS * sizeof(*homes));
	if (!homes)
		return -ENOMEM;
	memset(homes, 1, XLB_SVC_SLOTS * sizeof(*homes)); /* every home */
	err = slots_refill(dp, slots, homes, NULL);
	free(homes);
	return err;
}

bool xlb_dp_svc_slots_ordered(void)
{
	/*
	 * TSO: a load is never performed before an earlier load, which is
	 * what the program's count, copy, count needs. xlbd runs on the CPU
	 * the program runs on, so its own build target answers for both.
	 */
#if defined(__x86_64__) || defined(__i386__)
	return true;
#else
	return false;
#endif
}

int xlb_dp_svc_slot_find(struct xlb_dp *dp, const struct xlb_svc_key *k,
			 struct xlb_svc *v, int *slot)
{
	struct xlb_svc_slot *slots = slots_map(dp);
	int idx;

	*slot = -1;
	if (!slots || !dp->slots_on)
		return xlb_dp_service_get(dp, k, v);
	idx = slot_index(slots, k);
	if (idx >= 0) {
		*slot = idx;
		memcpy(v, &slots[idx].svc, sizeof(*v));
		return 0;
	}
	if (slots[xlb_svc_slot_home(k)].flags & XLB_SVC_SLOT_F_OVERFLOW)
		return xlb_dp_service_get(dp, k, v);
	return -ENOENT;
}
