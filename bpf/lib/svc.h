/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A packet's service: the slot array XLB_MAP_SVC_SLOTS first (inlined
 * array loads, the probe rules of xlb_decide.h), the hash map
 * XLB_MAP_SERVICES only when the array cannot answer: the key's home slot
 * says a key homed there did not fit, or the slot was being written.
 */
#ifndef XLB_SVC_H
#define XLB_SVC_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "lib/maps.h"
#include "xlb_decide.h"

#define XLB_READ_ONCE(x) (*(const volatile typeof(x) *)&(x))
#define xlb_barrier() asm volatile("" ::: "memory")

/*
 * The hash map's value, copied like a slot's. Out of line: one call site
 * for the lookup (clang must not merge it with the array's into one
 * indirect call), and its code is off the array path.
 */
static __attribute__((noinline)) int svc_hash_copy(const struct xlb_svc_key *k,
						   struct xlb_svc *out)
{
	struct xlb_svc *v = bpf_map_lookup_elem(&XLB_MAP_SERVICES, k);

	if (!v)
		return -1;
	__builtin_memcpy(out, v, sizeof(*out));
	return 0;
}

/* The switches (xlb.bpf.c): svc_slots says whether the array may be read. */
extern struct xlb_runtime xlb_switches;

/*
 * Fill @out with @k's service: 0, or -1 when @k is none. A global
 * function, verified once on its own: the program after it is verified
 * for one outcome, not once for each way a service is found (inlined, the
 * probes' paths took the verifier past its 1M instructions). Its array
 * loads are still inlined; the call is a direct one.
 *
 * Torn reads. A slot is trusted only when its sequence count was even and
 * the same before the key compare and after the copy; xlbd makes it odd
 * before writing the slot and even again after, with full fences between
 * (dataplane_svc_slots.c), so its stores become visible in that order.
 * The reader's side needs its loads to happen in program order: count,
 * key and value, count. The compiler keeps that order (volatile loads of
 * the count, a compiler barrier after the first and before the second:
 * no test can catch their loss, keep both), the verifier and the JITs do
 * not reorder loads, and on x86 the CPU does not either (TSO: a load is
 * not passed by a later load). A weakly ordered CPU (arm64) may perform
 * the second count load before the copy's loads, and BPF here offers no
 * load-acquire or read fence (clang 14 emits none; an atomic fetch-add of
 * 0 would order, but it writes the slot's line on every packet of every
 * CPU). So the array is read only while
 * xlb_switches.svc_slots is set, which xlbd does on x86 only
 * (xlb_dp_svc_slots_ordered()); otherwise the hash map answers, as it did
 * before the array. A miss (no probe holds @k) needs no count check: a
 * key appears in a slot only after the hash map has it, and a slot
 * written from one key to another passes through empty, so a torn key
 * that matches nothing belongs to a key being added or removed right now.
 */
__noinline int xlb_svc_find(const struct xlb_svc_key *k, struct xlb_svc *out)
{
	__u32 home, flags = 0;

	if (!k || !out)
		return -1;
	if (!*(const volatile __u8 *)&xlb_switches.svc_slots)
		return svc_hash_copy(k, out); /* see above: x86 only */
	home = xlb_svc_slot_home(k);
#pragma unroll
	for (__u32 i = 0; i < XLB_SVC_SLOT_PROBES; i++) {
		__u32 idx = xlb_svc_slot_probe(home, i), seq;
		struct xlb_svc_slot *s;

		s = bpf_map_lookup_elem(&XLB_MAP_SVC_SLOTS, &idx);
		if (!s)
			break;
		if (!i)
			flags = XLB_READ_ONCE(s->flags);
		seq = XLB_READ_ONCE(s->seq);
		xlb_barrier();
		if (!xlb_svc_slot_match(&s->key, k))
			continue;
		__builtin_memcpy(out, &s->svc, sizeof(*out));
		xlb_barrier();
		if (!(seq & 1) && XLB_READ_ONCE(s->seq) == seq)
			return 0;
		return svc_hash_copy(k, out); /* torn: ask the source */
	}
	if (flags & XLB_SVC_SLOT_F_OVERFLOW)
		return svc_hash_copy(k, out);
	return -1;
}

#endif /* XLB_SVC_H */
