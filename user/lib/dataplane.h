/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * User-space side of the data plane maps: the only code that writes them
 * (dataplane.c: opening, pins, counters and settings; dataplane_svc.c:
 * services, rings and backends; dataplane_vip_filter.c: the VIP filter).
 * xlbd, the tests and the tools all go through here, so the ordering rules
 * that keep every packet consistent live in one place:
 *
 *  - a service's ring is replaced as a whole (new inner map, one update of
 *    the outer slot), never written in place;
 *  - a backend is made UP only after its MACs are known, and taken out of
 *    rings before it is marked down;
 *  - when a service's table size changes, the ring and the size are
 *    published in the order that keeps every slot index in bounds.
 */
#ifndef XLB_DATAPLANE_H
#define XLB_DATAPLANE_H

#include <stdbool.h>
#include "xlb_abi.h"

struct xlb_bpf;

/*
 * The data plane's maps, each once: the struct xlb_dp member holding its fd
 * and the map's name (XLB_MAP_*, also its pin name). Opening, adopting from
 * pins and closing all walk this list, so a new map is one line here.
 * required 0: a running program older than the map may lack it; adopting
 * that program leaves the fd -1 (the unconfirmed-flow table and the
 * new-flow rate window: such a program pins SYNs in the main table and
 * ignores the limit; the VIP filter: such a program looks every packet
 * up in the services map; the services' slot array: such a program
 * looks services up in the hash map only; the NAT maps: such a program has no full NAT; the encapsulation settings: such a program has
 * no ipip or gue; the backends' sent lines: such a program wrote
 * XLB_MAP_BE_STATS, the service and the tx counters itself, and this
 * program has no XLB_MAP_BE_STATS; the reply interfaces' MACs: such a
 * program checks no NAT reply's MAC).
 */
#define XLB_DP_MAPS(X)                          \
	X(svc_fd, XLB_MAP_SERVICES, 1)          \
	X(svc_slots_fd, XLB_MAP_SVC_SLOTS, 0)   \
	X(ring_fd, XLB_MAP_RINGS, 1)            \
	X(be_fd, XLB_MAP_BACKENDS, 1)           \
	X(flow_fd, XLB_MAP_FLOWS, 1)            \
	X(stats_fd, XLB_MAP_STATS, 1)           \
	X(svc_stats_fd, XLB_MAP_SVC_STATS, 1)   \
	X(be_stats_fd, XLB_MAP_BE_STATS, 0)     \
	X(tx_ports_fd, XLB_MAP_TX_PORTS, 1)     \
	X(conns_fd, XLB_MAP_BE_CONNS, 1)        \
	X(runtime_fd, XLB_MAP_RUNTIME, 1)       \
	X(trace_fd, XLB_MAP_TRACE, 1)           \
	X(rr_fd, XLB_MAP_RR_CURSOR, 1)          \
	X(syn_flow_fd, XLB_MAP_SYN_FLOWS, 0)    \
	X(flow_rate_fd, XLB_MAP_FLOW_RATE, 0)   \
	X(vip_filter_fd, XLB_MAP_VIP_FILTER, 0) \
	X(flow_sync_fd, XLB_MAP_FLOW_SYNC, 0)   \
	X(nat_fwd_fd, XLB_MAP_NAT_FWD, 0)       \
	X(nat_rev_fd, XLB_MAP_NAT_REV, 0)       \
	X(nat_cfg_fd, XLB_MAP_NAT_CFG, 0)       \
	X(encap_fd, XLB_MAP_ENCAP, 0)           \
	X(be_sent_fd, XLB_MAP_BE_SENT, 0)       \
	X(ifaces_fd, XLB_MAP_IFACES, 0)

#define XLB_DP_MAP_MEMBER(fd, map, required) int fd;

struct xlb_dp {
	struct xlb_bpf *skel;	       /* NULL when adopted from pins only */
	int prog_fd;		       /* -1 when not loaded by us */
	XLB_DP_MAPS(XLB_DP_MAP_MEMBER) /* svc_fd, ring_fd, ...: -1 if none */
	int bss_fd;   /* the program's .bss (xlb_switches), -1: none */
	__s64 *conns; /* XLB_MAP_BE_CONNS, mapped on first use */
	struct xlb_svc_slot *slots; /* XLB_MAP_SVC_SLOTS, the same */
	bool slots_on;		    /* the program reads them (svc_slots) */
	__u16 *be_svc;		    /* backend id -> service id, for counters */
	__u32 be_hi;		    /* highest backend id in use (be_svc) */
	bool be_own;		    /* be_svc kept by xlb_dp_backend_set() */
	__u32 svc_size; /* services map's value size (0: not read yet) */
	void *obj_buf;	/* the object file's bytes (xlb_dp_open_obj) */
	int ncpus;
};

/*
 * Open the XDP object. pin_dir NULL: maps are private to this process
 * (tests). Otherwise maps are pinned under pin_dir, and existing pins there
 * are reused, which is how a restarted xlbd keeps the running state.
 * The object is opened but not loaded: call xlb_dp_load(), or hand
 * dp->skel's object to libxdp and call xlb_dp_loaded() afterwards.
 */
int xlb_dp_open(struct xlb_dp *dp, const char *pin_dir);
/*
 * The same with the object in file @path instead of the one compiled in
 * (NULL: that one): another build of bpf/xlb.bpf.c with the same maps,
 * checked map by map (type, key and value size, entries). On an error
 * @why says what is wrong with the file.
 */
int xlb_dp_open_obj(struct xlb_dp *dp, const char *pin_dir, const char *path,
		    char *why, size_t whylen);
int xlb_dp_load(struct xlb_dp *dp);
int xlb_dp_loaded(struct xlb_dp *dp);
/* Use the maps pinned under pin_dir without opening the object. */
int xlb_dp_open_pinned(struct xlb_dp *dp, const char *pin_dir);
/*
 * After xlb_dp_open_pinned(): the running program @prog_fd, whose .bss
 * holds the switches of xlb_dp_trace_set() and xlb_dp_if_mac_set() (an
 * older program without one reads them from the runtime slot only).
 */
int xlb_dp_adopt_prog(struct xlb_dp *dp, int prog_fd);
void xlb_dp_close(struct xlb_dp *dp);

/*
 * Install or update a service and its ring in one consistent step: a
 * packet sees the old service value with the old ring or the new value
 * with the new ring (v->ring is the dataplane's to set). ring == NULL (or
 * size 0) installs the explicit "no backend" state. v->table_size must
 * equal size when ring != NULL.
 */
int xlb_dp_service_publish(struct xlb_dp *dp, const struct xlb_svc_key *k,
			   const struct xlb_svc *v, const __u32 *ring,
			   __u32 size);
int xlb_dp_service_del(struct xlb_dp *dp, const struct xlb_svc_key *k,
		       __u32 svc_id);
/*
 * A service's value as the program reads it (also from an older program's
 * map, whose values lack the ring key: v->ring is then its id). -ENOENT:
 * no such service.
 */
int xlb_dp_service_get(struct xlb_dp *dp, const struct xlb_svc_key *k,
		       struct xlb_svc *v);
/*
 * The services' slot array (XLB_MAP_SVC_SLOTS, see the ABI;
 * dataplane_svc_slots.c): every write of a service key goes through
 * xlb_dp_svc_slot_put() after the hash map's, every removal through
 * xlb_dp_svc_slot_del() before the hash map's, so the array never holds a
 * service the hash map lacks. A program without the array: nothing to do.
 */
/*
 * Place @k (or update it in place) in one of its probe slots; when none
 * is free, mark its home slot XLB_SVC_SLOT_F_OVERFLOW (the program then
 * asks the hash map). Address markers stay in the hash map only.
 */
int xlb_dp_svc_slot_put(struct xlb_dp *dp, const struct xlb_svc_key *k,
			const struct xlb_svc *v);

/*
 * Empty @k's slot; keys that overflowed at a home whose probes it was in
 * move into the array, and such a home loses its mark once none is left.
 */
int xlb_dp_svc_slot_del(struct xlb_dp *dp, const struct xlb_svc_key *k);

/*
 * Make the array hold exactly the hash map's services: after a program
 * load (a new array on an older program's pins) and a hot restart (an
 * earlier xlbd may not have known the array). Slots already right are
 * not written.
 */
int xlb_dp_svc_slots_rebuild(struct xlb_dp *dp);

/*
 * @k's service the way the program finds it: 0 and *slot its slot (-1:
 * found in the hash map), or -ENOENT.
 */
int xlb_dp_svc_slot_find(struct xlb_dp *dp, const struct xlb_svc_key *k,
			 struct xlb_svc *v, int *slot);

/*
 * May the program read the array on this CPU? true on x86 only: see the
 * ABI's XLB_MAP_SVC_SLOTS and bpf/lib/svc.h (torn reads).
 */
bool xlb_dp_svc_slots_ordered(void);

/*
 * Rebuild the array, then let the program read it (@on, and the program
 * has the array and a .bss) or not (the hash map only): the switch
 * xlb_runtime.svc_slots (dataplane.c, beside the other switches); explain
 * follows it. xlb_dp_loaded() and xlb_dp_adopt_prog() call it with
 * xlb_dp_svc_slots_ordered().
 */
int xlb_dp_svc_slots_use(struct xlb_dp *dp, bool on);

/* Unmap the array (xlb_dp_close()). */
void xlb_dp_svc_slots_unmap(struct xlb_dp *dp);

/* VIP address marker (see XLB_SVC_ADDR_MARK_PORT): fragments to it drop. */
int xlb_dp_vip_mark(struct xlb_dp *dp, const union xlb_addr *vip, __u8 family,
		    bool on);
/*
 * Read back the live ring of the service whose value (as read from the
 * services map) is v (for tools). -ENOENT: no backend.
 */
int xlb_dp_ring_read(struct xlb_dp *dp, const struct xlb_svc *v, __u32 *ring,
		     __u32 size);

/* One slot of that ring. -ENOENT: no backend. */
int xlb_dp_ring_get(struct xlb_dp *dp, const struct xlb_svc *v, __u32 slot,
		    __u32 *val);
/* The round-robin cursor of one CPU (the next slot it takes). */
int xlb_dp_rr_cursor(struct xlb_dp *dp, __u32 svc_id, int cpu, __u32 *out);

int xlb_dp_backend_set(struct xlb_dp *dp, __u32 id,
		       const struct xlb_backend *be);
int xlb_dp_backend_get(struct xlb_dp *dp, __u32 id, struct xlb_backend *be);
/* Register an egress interface for XDP_REDIRECT. */
int xlb_dp_tx_port_add(struct xlb_dp *dp, int ifindex);
/*
 * Full NAT's SNAT pool and timeouts. The pool's addresses join the VIP
 * filter (replies to them must reach the NAT lookup). -EOPNOTSUPP: the
 * program has no NAT maps.
 */
int xlb_dp_nat_cfg_set(struct xlb_dp *dp, const struct xlb_nat_cfg *c);

/* Counters summed over CPUs. */
int xlb_dp_stats_global(struct xlb_dp *dp, __u64 out[XLB_STAT_MAX]);
int xlb_dp_stats_svc(struct xlb_dp *dp, __u32 id, struct xlb_counters *out);
int xlb_dp_stats_be(struct xlb_dp *dp, __u32 id, struct xlb_counters *out);
/*
 * For xlb_dp_backend_set() (dp_stats.c): backend @id moved from service
 * @from to @to (0: none); its counters fold into what they are part of.
 */
int xlb_dp_stats_backend_moved(struct xlb_dp *dp, __u32 id, __u32 from,
			       __u32 to);
/* Zero a slot's counters (an id being reassigned starts from zero). */
int xlb_dp_stats_reset(struct xlb_dp *dp, bool backend, __u32 id);

/*
 * least-connections: a backend's active-flow count, and an atomic
 * correction of it (the program adds and subtracts concurrently).
 */
int xlb_dp_conns_get(struct xlb_dp *dp, __u32 id, __s64 *out);
int xlb_dp_conns_add(struct xlb_dp *dp, __u32 id, __s64 delta);

/*
 * Walk the flow table in batches, calling fn for every entry; fn may
 * delete the entry it is given. fn returning non-zero stops the walk with
 * that value. -errno if the table cannot be read.
 */
typedef int (*xlb_flow_fn)(const struct xlb_flow_key *k,
			   const struct xlb_flow *f, void *ctx);
int xlb_dp_flows_foreach(struct xlb_dp *dp, xlb_flow_fn fn, void *ctx);
/*
 * Every entry of hash map @fd (keys of @ksize, values of @vsize bytes),
 * read in batches; fn's nonzero return stops the walk and is returned.
 */
typedef int (*xlb_map_fn)(const void *key, const void *val, void *ctx);
int xlb_dp_map_foreach(int fd, size_t ksize, size_t vsize, xlb_map_fn fn,
		       void *ctx);

/* Packet tracing: 0 off, N > 0 one packet in N to XLB_MAP_TRACE. */
int xlb_dp_trace_set(struct xlb_dp *dp, __u32 rate);
/*
 * The MAC of the interface the program serves: VIP frames to any other
 * destination MAC are passed to the kernel (xlb_l2_dst()). All zero: not
 * known, only broadcast and multicast frames are passed.
 */
int xlb_dp_if_mac_set(struct xlb_dp *dp, const __u8 mac[6]);
/* The MAC of an interface of reply_interfaces (-EOPNOTSUPP: no such map). */
int xlb_dp_iface_set(struct xlb_dp *dp, int ifindex, const __u8 mac[6]);
/*
 * New flow-table entries allowed per second on each CPU, 0: unlimited.
 * -EOPNOTSUPP: the running program predates the limit.
 */
int xlb_dp_flow_limit_set(struct xlb_dp *dp, __u32 per_cpu_per_sec);
/*
 * Encapsulation sources and GUE port (struct xlb_encap; its nh_gen is
 * this function's). -EOPNOTSUPP: the running program predates
 * encapsulation.
 */
int xlb_dp_encap_set(struct xlb_dp *dp, const struct xlb_encap *e);
/*
 * A route, neighbour, link or address changed: the program's cached next
 * hops are asked again (xlb_encap.nh_gen bumped). -EOPNOTSUPP as above.
 */
int xlb_dp_nexthops_changed(struct xlb_dp *dp);

#endif /* XLB_DATAPLANE_H */
