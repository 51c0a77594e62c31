/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Every map of the xlb data plane. State that must outlive xlbd (services,
 * rings, backends, flows, counters) is pinned by name under the pin
 * directory xlbd passes to libbpf, so traffic keeps flowing across a daemon
 * restart and the new daemon adopts it.
 */
#ifndef XLB_MAPS_H
#define XLB_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "xlb_abi.h"

/*
 * A map of the program as xlbd finds it: pinned by its name in the pin
 * directory (so a restart adopts the flows and counters), of TYPE with
 * MAX entries from KEY to VALUE. Maps of any other form are written out.
 */
#define XLB_PINNED_MAP(NAME, TYPE, KEY, VALUE, MAX)  \
	struct {                                     \
		__uint(type, TYPE);                  \
		__type(key, KEY);                    \
		__type(value, VALUE);                \
		__uint(max_entries, MAX);            \
		__uint(pinning, LIBBPF_PIN_BY_NAME); \
	} NAME SEC(".maps")

/* {VIP, port, proto} -> service; also VIP address markers (see ABI). */
XLB_PINNED_MAP(XLB_MAP_SERVICES, BPF_MAP_TYPE_HASH, struct xlb_svc_key,
	       struct xlb_svc, XLB_MAX_SERVICES * 2);

/*
 * The services as an array probed inline (struct xlb_svc_slot, see the
 * ABI): what an established packet looks up instead of XLB_MAP_SERVICES.
 * Mappable: xlbd writes slots in place, under each slot's sequence count.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct xlb_svc_slot);
	__uint(max_entries, XLB_SVC_SLOTS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XLB_MAP_SVC_SLOTS SEC(".maps");

/*
 * Template of a service's scheduling ring: chunk -> XLB_RING_CHUNK backend
 * ids. The size is per service (BPF_F_INNER_MAP lets inner arrays differ
 * in max_entries).
 */
struct xlb_ring {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_INNER_MAP);
	__type(key, __u32);
	/*
	 * A size, not a type: clang 14 emits only a forward declaration of
	 * a struct reached through the inner-map template, which libbpf
	 * cannot size.
	 */
	__uint(value_size, sizeof(struct xlb_ring_chunk));
	__uint(max_entries, 1);
};

/*
 * xlb_svc.ring -> the service's ring; two keys per service
 * (XLB_RING_KEY()). A new backend set is written into a fresh inner map
 * and published with one update of the slot in use, so a packet sees
 * either the old ring or the new one, never a half-written one; a new
 * table size goes to the other slot, switched to with the service value.
 * An empty slot is the explicit "no backend" state.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__type(key, __u32);
	__uint(max_entries, XLB_MAX_SERVICES * 2);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
	__array(values, struct xlb_ring);
} XLB_MAP_RINGS SEC(".maps");

/* Backend id -> where to send (MACs, egress) and whether it is up. */
XLB_PINNED_MAP(XLB_MAP_BACKENDS, BPF_MAP_TYPE_ARRAY, __u32, struct xlb_backend,
	       XLB_MAX_BACKENDS);

/*
 * 5-tuple -> pinned backend. One table shared by all CPUs, so a flow keeps
 * its backend whichever queue its packets arrive on (RSS changes, generic
 * XDP, veth), and xlbd can list and repair it in one walk. Only confirmed
 * flows live here: TCP flows once a non-SYN packet follows their SYN, UDP
 * flows from their first packet (UDP has no handshake to wait for; the
 * new-flow rate limit bounds a UDP flood). A SYN flood therefore churns
 * XLB_MAP_SYN_FLOWS, never this table. One common LRU (no
 * BPF_F_NO_COMMON_LRU): with per-CPU LRU lists each CPU could fill only its
 * share of the table, so a flood arriving on one CPU evicted flows while
 * the rest of the table sat free.
 */
XLB_PINNED_MAP(XLB_MAP_FLOWS, BPF_MAP_TYPE_LRU_HASH, struct xlb_flow_key,
	       struct xlb_flow, XLB_MAX_FLOWS);

/*
 * Unconfirmed TCP flows: a SYN's choice waits here until the connection's
 * first non-SYN packet moves it to XLB_MAP_FLOWS. Small, so a flood of
 * SYNs from spoofed sources evicts only other unconfirmed entries.
 */
XLB_PINNED_MAP(XLB_MAP_SYN_FLOWS, BPF_MAP_TYPE_LRU_HASH, struct xlb_flow_key,
	       struct xlb_flow, XLB_MAX_SYN_FLOWS);

/* Per-CPU new-flow rate window (xlb_runtime.new_flow_limit). */
XLB_PINNED_MAP(XLB_MAP_FLOW_RATE, BPF_MAP_TYPE_PERCPU_ARRAY, __u32,
	       struct xlb_flow_rate, 1);

/* Global counters by verdict reason (enum xlb_stat). */
XLB_PINNED_MAP(XLB_MAP_STATS, BPF_MAP_TYPE_PERCPU_ARRAY, __u32, __u64,
	       XLB_STAT_MAX);

/*
 * Service id -> the counters of the service's removed backends, written by
 * xlbd only (see struct xlb_counters): a forwarded packet writes one
 * counter line, its backend's in XLB_MAP_BE_SENT.
 */
XLB_PINNED_MAP(XLB_MAP_SVC_STATS, BPF_MAP_TYPE_PERCPU_ARRAY, __u32,
	       struct xlb_counters, XLB_MAX_SERVICES);

/*
 * Backend id -> what was sent to it (struct xlb_counters). A new name for
 * a new meaning: an older program wrote XLB_MAP_BE_STATS, and the service
 * and tx counters as well, so xlbd adopting its pins reads them its way.
 */
XLB_PINNED_MAP(XLB_MAP_BE_SENT, BPF_MAP_TYPE_PERCPU_ARRAY, __u32,
	       struct xlb_counters, XLB_MAX_BACKENDS);

/*
 * Service id -> next ring slot for the round-robin schedulers. Per CPU, so
 * no atomics: each CPU walks the ring on its own, and the order is exact
 * per CPU (with RSS spreading flows evenly, it is exact overall in the
 * long run).
 */
XLB_PINNED_MAP(XLB_MAP_RR_CURSOR, BPF_MAP_TYPE_PERCPU_ARRAY, __u32, __u32,
	       XLB_MAX_SERVICES);

/*
 * Backend id -> active flows, for least-connections. Shared by all CPUs
 * (a scheduler must see every CPU's flows) and changed with atomic adds,
 * only when a flow opens or closes, never per packet. Signed: a close
 * counted on one path and an open lost to LRU eviction may briefly take
 * it below the truth; xlbd corrects it from the flow table through its
 * mmap() of this array (BPF_F_MMAPABLE), with atomic adds as well.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, __s64); /* array slots are 8 bytes anyway */
	__uint(max_entries, XLB_MAX_BACKENDS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XLB_MAP_BE_CONNS SEC(".maps");

/* Addresses that may be VIPs, one bit per hash (see the ABI). */
XLB_PINNED_MAP(XLB_MAP_VIP_FILTER, BPF_MAP_TYPE_ARRAY, __u32, __u64,
	       XLB_VIP_FILTER_WORDS);

/* One slot of run-time switches (struct xlb_runtime). */
XLB_PINNED_MAP(XLB_MAP_RUNTIME, BPF_MAP_TYPE_ARRAY, __u32, struct xlb_runtime,
	       1);

/* One slot: encapsulation sources and GUE port (struct xlb_encap). */
XLB_PINNED_MAP(XLB_MAP_ENCAP, BPF_MAP_TYPE_ARRAY, __u32, struct xlb_encap, 1);

/* Sampled packets for `xlbctl trace`, written only while tracing is on. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XLB_MAP_TRACE SEC(".maps");

/*
 * New flows of services with XLB_SVC_F_SYNC, for xlbd's flow sync (struct
 * xlb_sync_rec, 88 bytes with the ring's header: about 11,900 records).
 * A record that does not fit is counted (flow_sync_lost), never waited on.
 * Records are submitted with BPF_RB_NO_WAKEUP: the default wakes the
 * reader whenever it has caught up, which for a reader keeping up is every
 * record, an irq_work and a wakeup of another CPU costing each new flow
 * about 2 us (make bench). xlbd reads the ring on a timer instead
 * (xlb_sync_poll_ms()).
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XLB_FLOW_SYNC_RING_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XLB_MAP_FLOW_SYNC SEC(".maps");

/*
 * Full NAT connection tracking, one map per direction (see the ABI). One
 * common LRU each, like the flow table. The reverse map is the larger: a
 * reverse entry evicted while its forward entry lives would free a port
 * a live flow still uses, so under pressure forward entries should go
 * first.
 */
XLB_PINNED_MAP(XLB_MAP_NAT_FWD, BPF_MAP_TYPE_LRU_HASH, struct xlb_flow_key,
	       struct xlb_nat_fwd, XLB_MAX_NAT_FLOWS);

XLB_PINNED_MAP(XLB_MAP_NAT_REV, BPF_MAP_TYPE_LRU_HASH, struct xlb_nat_rev_key,
	       struct xlb_nat_rev, XLB_MAX_NAT_FLOWS + XLB_MAX_NAT_FLOWS / 4);

/* One slot: the SNAT pool and NAT timeouts (struct xlb_nat_cfg). */
XLB_PINNED_MAP(XLB_MAP_NAT_CFG, BPF_MAP_TYPE_ARRAY, __u32, struct xlb_nat_cfg,
	       1);

/* ifindex -> ifindex, for XDP_REDIRECT to backends behind other ports. */
XLB_PINNED_MAP(XLB_MAP_TX_PORTS, BPF_MAP_TYPE_DEVMAP_HASH, __u32, __u32,
	       XLB_MAX_IFACES);

/*
 * ifindex -> the MAC of an interface of reply_interfaces (the runtime
 * slot holds the interface's): a frame there to that MAC is ours.
 */
XLB_PINNED_MAP(XLB_MAP_IFACES, BPF_MAP_TYPE_HASH, __u32, struct xlb_iface,
	       XLB_MAX_IFACES);

#endif /* XLB_MAPS_H */
