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

/* {VIP, port, proto} -> service; also VIP address markers (see ABI). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct xlb_svc_key);
	__type(value, struct xlb_svc);
	__uint(max_entries, XLB_MAX_SERVICES * 2);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XLB_MAP_SERVICES SEC(".maps");

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
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_backend);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XLB_MAP_BACKENDS SEC(".maps");

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
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct xlb_flow_key);
	__type(value, struct xlb_flow);
	__uint(max_entries, XLB_MAX_FLOWS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XLB_MAP_FLOWS SEC(".maps");

/*
 * Unconfirmed TCP flows: a SYN's choice waits here until the connection's
 * first non-SYN packet moves it to XLB_MAP_FLOWS. Small, so a flood of
 * SYNs from spoofed sources evicts only other unconfirmed entries.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct xlb_flow_key);
	__type(value, struct xlb_flow);
	__uint(max_entries, XLB_MAX_SYN_FLOWS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XLB_MAP_SYN_FLOWS SEC(".maps");

/* Per-CPU new-flow rate window (xlb_runtime.new_flow_limit). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_flow_rate);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XLB_MAP_FLOW_RATE SEC(".maps");

/* Global counters by verdict reason (enum xlb_stat). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, XLB_STAT_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XLB_MAP_STATS SEC(".maps");

/* Per-service counters, indexed by service id. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_counters);
	__uint(max_entries, XLB_MAX_SERVICES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XLB_MAP_SVC_STATS SEC(".maps");

/* Per-backend counters, indexed by backend id. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_counters);
	__uint(max_entries, XLB_MAX_BACKENDS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XLB_MAP_BE_STATS SEC(".maps");

/*
 * Service id -> next ring slot for the round-robin schedulers. Per CPU, so
 * no atomics: each CPU walks the ring on its own, and the order is exact
 * per CPU (with RSS spreading flows evenly, it is exact overall in the
 * long run).
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, XLB_MAX_SERVICES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XLB_MAP_RR_CURSOR SEC(".maps");

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
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, XLB_VIP_FILTER_WORDS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XLB_MAP_VIP_FILTER SEC(".maps");

/* One slot of run-time switches (struct xlb_runtime). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_runtime);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XLB_MAP_RUNTIME SEC(".maps");

/* One slot: encapsulation sources and GUE port (struct xlb_encap). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_encap);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XLB_MAP_ENCAP SEC(".maps");

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
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1024 * 1024);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XLB_MAP_FLOW_SYNC SEC(".maps");

/*
 * Full NAT connection tracking, one map per direction (see the ABI). One
 * common LRU each, like the flow table. The reverse map is the larger: a
 * reverse entry evicted while its forward entry lives would free a port
 * a live flow still uses, so under pressure forward entries should go
 * first.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct xlb_flow_key);
	__type(value, struct xlb_nat_fwd);
	__uint(max_entries, XLB_MAX_NAT_FLOWS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XLB_MAP_NAT_FWD SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct xlb_nat_rev_key);
	__type(value, struct xlb_nat_rev);
	__uint(max_entries, XLB_MAX_NAT_FLOWS + XLB_MAX_NAT_FLOWS / 4);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XLB_MAP_NAT_REV SEC(".maps");

/* One slot: the SNAT pool and NAT timeouts (struct xlb_nat_cfg). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct xlb_nat_cfg);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XLB_MAP_NAT_CFG SEC(".maps");

/* ifindex -> ifindex, for XDP_REDIRECT to backends behind other ports. */
struct {
	__uint(type, BPF_MAP_TYPE_DEVMAP_HASH);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, XLB_MAX_IFACES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} XLB_MAP_TX_PORTS SEC(".maps");

#endif /* XLB_MAPS_H */
