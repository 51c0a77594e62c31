/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * xlb ABI: every map key and value, limit, enum and counter name shared by
 * the XDP program (bpf/), user space (user/) and the tests (tests/).
 * Nothing else may redeclare these. Multi-byte fields marked __be* are in
 * network byte order; everything else is host order.
 *
 * Struct layouts are asserted below so clang -target bpf and gcc agree.
 */
#ifndef XLB_ABI_H
#define XLB_ABI_H

#include <linux/types.h>

/* Sizes. Overridable at build time, but BPF and user space must agree. */
#ifndef XLB_MAX_SERVICES
#define XLB_MAX_SERVICES 1024 /* service ids 1..1023; 0 is invalid */
#endif
#ifndef XLB_MAX_BACKENDS
#define XLB_MAX_BACKENDS 65536 /* backend ids 1..65535; 0 is invalid */
#endif
#ifndef XLB_MAX_FLOWS
#define XLB_MAX_FLOWS (1 << 20) /* flow (connection) table entries */
#endif
#ifndef XLB_MAX_SYN_FLOWS
#define XLB_MAX_SYN_FLOWS (1 << 17) /* unconfirmed TCP flows (SYN seen) */
#endif
#ifndef XLB_MAX_IFACES
#define XLB_MAX_IFACES 64 /* devmap entries for XDP_REDIRECT */
#endif
#ifndef XLB_MAX_NAT_FLOWS
#define XLB_MAX_NAT_FLOWS (1 << 19) /* full NAT flows (each direction) */
#endif
#define XLB_MAX_VLAN_DEPTH 2	     /* 802.1Q / 802.1ad tags parsed */
#define XLB_MAX_IPV6_EXT 6	     /* IPv6 extension headers walked */
#define XLB_MAX_IPV4_OPT_LEN 40	     /* bytes of IPv4 options */
#define XLB_DEFAULT_TABLE_SIZE 65537 /* Maglev table, prime */
#define XLB_MAX_TABLE_SIZE 1048573   /* largest prime below 2^20 */

/* Map names, for bpftool and pinned-map lookups under the pin directory. */
#define XLB_PIN_DIR "/sys/fs/bpf/xlb"
#define XLB_MAP_SERVICES xlb_services
#define XLB_MAP_SVC_SLOTS xlb_svc_slots
#define XLB_MAP_RINGS xlb_rings
#define XLB_MAP_BACKENDS xlb_backends
#define XLB_MAP_FLOWS xlb_flows
#define XLB_MAP_SYN_FLOWS xlb_syn_flows
#define XLB_MAP_FLOW_RATE xlb_flow_rate
#define XLB_MAP_STATS xlb_stats
#define XLB_MAP_SVC_STATS xlb_svc_stats
#define XLB_MAP_BE_STATS xlb_be_stats
#define XLB_MAP_BE_SENT xlb_be_sent
#define XLB_MAP_TX_PORTS xlb_tx_ports
#define XLB_MAP_IFACES xlb_ifaces
#define XLB_MAP_RR_CURSOR xlb_rr_cursor
#define XLB_MAP_BE_CONNS xlb_be_conns
#define XLB_MAP_RUNTIME xlb_runtime
#define XLB_MAP_TRACE xlb_trace
#define XLB_MAP_VIP_FILTER xlb_vip_filter
#define XLB_MAP_FLOW_SYNC xlb_flow_sync
#define XLB_MAP_NAT_FWD xlb_nat_fwd
#define XLB_MAP_NAT_REV xlb_nat_rev
#define XLB_MAP_NAT_CFG xlb_nat_cfg
#define XLB_MAP_ENCAP xlb_encap

/*
 * A ring (a service's table of backend ids) is stored XLB_RING_CHUNK slots
 * per array element: slot s is chunk s / XLB_RING_CHUNK, entry
 * s % XLB_RING_CHUNK. One element is one cache line, the kernel does not
 * pad 4-byte values to 8, and a scan over consecutive slots
 * (least-connections) costs one map lookup per 16 slots instead of one per
 * slot. Slots past the table size in the last chunk are 0.
 */
#define XLB_RING_CHUNK 16
struct xlb_ring_chunk {
	__u32 id[XLB_RING_CHUNK];
};
#define XLB_RING_CHUNKS(size) (((size) + XLB_RING_CHUNK - 1) / XLB_RING_CHUNK)

/* Address families as stored in keys (not AF_*: those differ by OS). */
enum xlb_family {
	XLB_FAMILY_V4 = 4,
	XLB_FAMILY_V6 = 6,
};

/*
 * An IPv4 or IPv6 address. IPv4 lives in v4 (== v6[0]) and v6[1..3] are
 * zero, so one key type serves both families without aliasing.
 */
union xlb_addr {
	__be32 v4;
	__be32 v6[4];
	__u8 bytes[16];
};

/* Key of XLB_MAP_SERVICES: what makes a packet VIP traffic. */
struct xlb_svc_key {
	union xlb_addr vip; /* virtual IP */
	__be16 port;	    /* L4 destination port; 0 with proto 0: see below */
	__u8 proto;	    /* IPPROTO_TCP or IPPROTO_UDP */
	__u8 family;	    /* enum xlb_family */
};

/*
 * An entry with port 0 and proto 0 marks a VIP *address* (no service of its
 * own). The program looks it up only for IP fragments, which carry no
 * ports, so that fragments to a VIP are dropped and counted while other
 * fragments go to the kernel untouched. xlbd keeps one per VIP address.
 */
#define XLB_SVC_ADDR_MARK_PORT 0

/*
 * Schedulers: X(NAME, "config name"). The order is ABI (XLB_SCHED_MAGLEV
 * is 0); the names are xlb_sched_names below.
 */
#define XLB_SCHEDS(X)                                                          \
	X(MAGLEV, "maglev")	      /* weighted Maglev on the 5-tuple */     \
	X(SOURCE_HASH, "source-hash") /* ... on the source address */          \
	X(ROUND_ROBIN, "round-robin") /* ring in turn: a a b c (2:1:1) */      \
	X(WEIGHTED_RR, "weighted-round-robin") /* ring interleaved: a b a c */ \
	X(RANDOM, "random") /* weighted Maglev ring, random slot */            \
	X(LEAST_CONN, "least-connections") /* fewest active flows per weight */

#define XLB_SCHED_ENUM(name, str) XLB_SCHED_##name,
enum xlb_sched {
	XLB_SCHEDS(XLB_SCHED_ENUM) XLB_SCHED_MAX
};
#undef XLB_SCHED_ENUM

/*
 * least-connections: the ring is not a hash table but the list of the
 * service's backends that may take new flows, one slot each, holding the
 * backend id and its weight in effect. The program compares at most
 * XLB_LC_SCAN of them (all of them up to that many, else a window starting
 * at a random slot) by (active flows + 1) / weight.
 */
#define XLB_LC_SCAN 32
#define XLB_LC_ENTRY(id, weight) ((__u32)(weight) << 16 | (__u32)(id))
#define XLB_LC_ID(e) ((e)&0xffff)
#define XLB_LC_WEIGHT(e) ((e) >> 16)

/* Largest backend weight the config accepts (XLB_LC_ENTRY keeps 16 bits). */
#define XLB_MAX_WEIGHT 65535

/*
 * The limits above may be overridden (-DXLB_MAX_BACKENDS=...), but a
 * least-connections slot keeps the backend id and the weight in 16 bits
 * each: a larger limit would silently truncate ids (flows to the wrong
 * backend) or weights. Refuse to build instead.
 */
_Static_assert(XLB_MAX_BACKENDS - 1 <= 0xffff,
	       "XLB_MAX_BACKENDS: backend ids must fit XLB_LC_ID (16 bits)");
_Static_assert(XLB_MAX_WEIGHT <= 0xffff,
	       "XLB_MAX_WEIGHT must fit XLB_LC_WEIGHT (16 bits)");
_Static_assert(XLB_MAX_SERVICES >= 2 && XLB_MAX_BACKENDS >= 2,
	       "ids start at 1: a limit below 2 leaves no usable id");
_Static_assert(XLB_DEFAULT_TABLE_SIZE <= XLB_MAX_TABLE_SIZE,
	       "XLB_DEFAULT_TABLE_SIZE above XLB_MAX_TABLE_SIZE");

/*
 * How a service's packets reach the chosen backend (enum order is ABI;
 * names in xlb_fwd_names below). l2: rewrite MACs only (direct server
 * return, the VIP on every backend); ipip/gue: encapsulate to the
 * backend; nat: full NAT (SNAT address:port -> backend address:port, the
 * replies come back through the load balancer).
 */
enum xlb_fwd {
	XLB_FWD_L2 = 0,
	XLB_FWD_IPIP = 1,
	XLB_FWD_GUE = 2,
	XLB_FWD_NAT = 3,
	XLB_FWD_MAX
};

/*
 * Value of XLB_MAP_ENCAP (one slot): what the ipip and gue services'
 * outer headers need besides the backend's address. A zero source lets
 * the kernel's FIB choose the address it would use towards the backend
 * (bpf_fib_lookup with BPF_FIB_LOOKUP_SRC). gue_port 0 is the default.
 * Only the encapsulation path looks it up; the l2 path never does.
 */
#define XLB_GUE_PORT_DEFAULT 6080 /* Katran's */
/*
 * Jiffies a cached next hop (lib/fib.h, lib/encap.h) lives whatever
 * nh_gen says: 32-128 ms. Here for the tests that time the cache.
 */
#define XLB_NH_TTL 32
struct xlb_encap {
	__be32 src4;	 /* config encap_source.ipv4, 0: the FIB's */
	__be16 gue_port; /* config gue_port, 0: XLB_GUE_PORT_DEFAULT */
	/*
	 * Next-hop generation: the program's cached next hops (lib/encap.h,
	 * lib/fib.h) of another generation are asked again. Bumped by every write of
	 * this value and by xlbd on route, neighbour, link and address
	 * changes. Was padding: an older xlbd leaves it 0 and the cache
	 * follows changes within its time to live.
	 */
	__u16 nh_gen;
	union xlb_addr src6; /* config encap_source.ipv6, zero: the FIB's */
};

/* xlb_svc.flags */
#define XLB_SVC_F_ADDR_MARK (1U << 0) /* address marker, not a service */
/*
 * Flow sync: each flow-table entry the program creates for the service is
 * also written to XLB_MAP_FLOW_SYNC (struct xlb_sync_rec) for xlbd to send
 * to its peers. A flag of the service value the program has already
 * loaded, read only on the new-flow path: the established path is the
 * same instructions with or without it.
 */
#define XLB_SVC_F_SYNC (1U << 1)

/* Value of XLB_MAP_SERVICES. */
struct xlb_svc {
	/*
	 * Key of the service's ring in XLB_MAP_RINGS: XLB_RING_KEY(id, 0 or
	 * 1). A publish that changes the value (table size, scheduler, ...)
	 * writes the new ring under the other key, then the value naming it:
	 * one update switches ring and size together, and a packet sees the
	 * old pair or the new one. First, so that the value's address is the
	 * ring's key and the program spends no instruction on it; an older
	 * program's value is the rest (xlb_dp keeps such a map working).
	 */
	__u32 ring;
	__u32 id;	  /* index into per-service stats and cursors */
	__u32 table_size; /* slots in this service's ring (prime) */
	__u8 sched;	  /* enum xlb_sched */
	__u8 fwd;	  /* enum xlb_fwd (was padding: 0 is l2) */
	__u8 pad[2];
	__u32 flags; /* XLB_SVC_F_* */
	/*
	 * Cluster-wide flow hash seed (config hash_seed), mixed into
	 * XLB_HASH_SEED. It lives in the service value the program has
	 * already loaded, so it costs the new-flow path no extra lookup or
	 * cache line. Nodes with equal seeds and backends pick alike.
	 */
	__u32 hash_seed;
};

/*
 * XLB_MAP_SVC_SLOTS: the services again, as an open-addressing array the
 * program probes inline (no helper call, no hash of 20 bytes, no bucket
 * walk): key k lives in one of the XLB_SVC_SLOT_PROBES slots from
 * xlb_svc_slot_home(k) (xlb_decide.h) on. xlbd places every service key
 * there (user/lib/dataplane_svc_slots.c, the one writer); a key that finds no
 * free slot stays in XLB_MAP_SERVICES only and its home slot gets
 * XLB_SVC_SLOT_F_OVERFLOW, so a miss there asks the hash map. The hash map
 * keeps every key (address markers too): fragments, tools and an older
 * program read it.
 *
 * A slot is written in place, so a reader may meet it half-written: seq is
 * odd while xlbd writes (through an mmap() of the array, full fences on
 * each side of the key and value), and the program re-reads it after its
 * copy. A copy whose seq changed or was odd is thrown away and the hash
 * map asked, which xlbd writes first (and clears last). That check holds
 * only where the CPU keeps loads in the program's order: x86 (TSO). BPF
 * on this toolchain has no load-acquire or read barrier, so on a weakly
 * ordered CPU (arm64 and the rest) the re-read could be satisfied before
 * the copy and pass a torn slot. The program therefore probes the array
 * only while xlb_runtime.svc_slots is set, which xlbd does from its own
 * architecture (xlb_dp_svc_slots_ordered(), the same CPU as the
 * program's); elsewhere every service comes from the hash map. xlbd keeps
 * the array right on every architecture; only the reader is switched.
 */
#define XLB_SVC_SLOTS 4096 /* power of two, 4x XLB_MAX_SERVICES */
#define XLB_SVC_SLOT_PROBES 4
#define XLB_SVC_SLOT_F_OVERFLOW (1U << 0) /* a key homed here is hash-only */

struct xlb_svc_slot {
	__u32 seq;		/* even: stable; odd: being written */
	__u32 flags;		/* XLB_SVC_SLOT_F_* of this slot as a home */
	struct xlb_svc_key key; /* family 0: empty */
	__u32 pad;
	struct xlb_svc svc;
	__u8 pad2[8]; /* one slot, one cache line */
};

/* A service's two ring keys: alt 0 or 1. */
#define XLB_RING_KEY(svc_id, alt) ((svc_id) + ((alt) ? XLB_MAX_SERVICES : 0))

/*
 * Key of XLB_MAP_FLOWS: the 5-tuple as the client sent it (client -> VIP).
 * The service key comes first so the program looks the service up with a
 * pointer into the flow key instead of building a second key per packet.
 * ICMP errors are mapped back onto this key.
 */
struct xlb_flow_key {
	struct xlb_svc_key svc; /* VIP, VIP port, proto, family */
	union xlb_addr src;	/* client address */
	__be16 sport;		/* client port */
	__u8 pad[2];
};

/* xlb_flow.flags */
#define XLB_FLOW_F_CLOSED (1U << 0) /* FIN or RST seen (or released) */

/*
 * Value of XLB_MAP_FLOWS: the backend a flow is pinned to. Times are in
 * jiffies (bpf_jiffies64(), which the verifier inlines into one load: a
 * clock on every packet for the price of a memory read); xlbd converts
 * them with the kernel's HZ, which it measures at start.
 */
struct xlb_flow {
	__u32 backend_id;  /* index into XLB_MAP_BACKENDS */
	__u32 backend_gen; /* xlb_backend.gen when pinned; stale if differs */
	__u64 created;	   /* jiffies at creation */
	__u32 seen;	   /* low 32 bits of jiffies at the last packet */
	__u32 flags;	   /* XLB_FLOW_F_* */
};

/* xlb_backend.flags */
#define XLB_BE_F_UP (1U << 0) /* may receive packets */

/*
 * Value of XLB_MAP_BACKENDS, indexed by backend id. A flow whose backend is
 * not UP, or whose gen no longer matches (the id was freed and reused), is
 * rescheduled on its next packet.
 */
struct xlb_backend {
	__u8 dmac[6];	     /* backend's MAC: new destination MAC */
	__u8 smac[6];	     /* egress interface's MAC: new source MAC */
	__u32 ifindex;	     /* egress interface; the ingress one => XDP_TX */
	__u32 flags;	     /* XLB_BE_F_* */
	__u32 gen;	     /* bumped each time the id is (re)assigned */
	__u32 svc_id;	     /* owning service */
	union xlb_addr addr; /* backend address (full NAT's destination) */
	__u8 family;	     /* enum xlb_family */
	__u8 pad;
	__be16 port; /* full NAT: destination port, 0: the VIP's port */
};

/*
 * Value of XLB_MAP_RUNTIME (one slot): switches xlbd flips at run time.
 * trace: 0 off (the default: one load and a branch per packet), N > 0 put
 * one packet in N into the XLB_MAP_TRACE ring buffer.
 * new_flow_limit: 0 unlimited, N > 0 at most N new flow-table entries per
 * second on each CPU (config new_flow_rate_limit); beyond it a hashing
 * service forwards without an entry, the others drop. The field was
 * padding before, so an older program simply ignores it.
 * if_mac: the MAC of the interface the program serves, written by xlbd
 * at start; all zero: not known (only group addresses are then told
 * apart, see xlb_l2_dst() in xlb_decide.h). The program looks this slot
 * up for every packet anyway (trace), so the MAC costs no extra lookup.
 * svc_slots: 1 the program finds services in XLB_MAP_SVC_SLOTS first, 0
 * (the default, and on CPUs that reorder loads) the hash map only; read
 * from the .bss copy only (padding before: an older program ignores it).
 */
struct xlb_runtime {
	__u32 trace;
	__u32 new_flow_limit;
	__u8 if_mac[6];
	__u8 svc_slots;
	__u8 pad;
};

/* XLB_MAP_IFACES: an interface of reply_interfaces, by ifindex. */
struct xlb_iface {
	__u8 mac[6];
	__u8 pad[2];
};

/*
 * XLB_MAP_VIP_FILTER: one bit per hash of a destination address
 * (xlb_vip_filter_bit() in xlb_decide.h), set for every address some
 * service key (or VIP address marker) holds, in XLB_VIP_FILTER_WORDS
 * 64-bit words. A clear bit proves a packet is not VIP traffic, so most
 * non-VIP packets leave after one inlined array load instead of a hash
 * lookup. A set bit proves nothing: the services map decides. Bits of
 * removed services may stay set until the next program load rebuilds it.
 */
#define XLB_VIP_FILTER_BITS 65536
#define XLB_VIP_FILTER_WORDS (XLB_VIP_FILTER_BITS / 64)

/*
 * xlb_sync_rec.flags. XLB_SYNC_F_SYN: unconfirmed (l2, encapsulation: the
 * entry is in XLB_MAP_SYN_FLOWS; full NAT: in XLB_NAT_S_SYN state).
 */
#define XLB_SYNC_F_SYN (1U << 0)

/*
 * One record of XLB_MAP_FLOW_SYNC (a ring buffer): a flow the program just
 * pinned on a service with XLB_SVC_F_SYNC. The backend is named by its
 * address, which every node shares (ids are each node's own); backend_id
 * is this node's, for its own tools. snat_*: full NAT's SNAT source for
 * the flow (zero for the other modes), so a peer that takes the flow over
 * rewrites it exactly as this node did, and translates the backend's
 * replies to that address back. A full-NAT flow is written when it is
 * made and again when the client's ACK establishes it.
 */
struct xlb_sync_rec {
	struct xlb_flow_key key;  /* as the client sent it */
	union xlb_addr be_addr;	  /* chosen backend's address */
	union xlb_addr snat_addr; /* full NAT: source address used, or 0 */
	__be16 snat_port;	  /* full NAT: source port used, or 0 */
	__u8 be_family;		  /* enum xlb_family */
	__u8 flags;		  /* XLB_SYNC_F_* */
	__u32 backend_id;	  /* this node's id of the backend */
};

/*
 * XLB_MAP_FLOW_SYNC's size (a power of two, in bytes): each record takes
 * sizeof(struct xlb_sync_rec) plus the ring's 8-byte header, so it holds
 * XLB_FLOW_SYNC_RING_BYTES / 88 records; xlbd reads it often enough that
 * max_rate's records fit twice (xlb_sync_poll_ms()).
 */
#define XLB_FLOW_SYNC_RING_BYTES (1024 * 1024)

/*
 * Full NAT (forwarding nat). A client's flow (its struct xlb_flow_key)
 * leaves as SNAT address:port -> backend address:port; the backend's reply
 * comes back to the SNAT address and leaves as VIP:port -> client. Two
 * LRU maps hold each flow, one per direction:
 *
 *	XLB_MAP_NAT_FWD: client tuple -> struct xlb_nat_fwd
 *	XLB_MAP_NAT_REV: struct xlb_nat_rev_key -> struct xlb_nat_rev
 *
 * A port is claimed by inserting the reverse entry with BPF_NOEXIST (the
 * insert is atomic: of two CPUs trying one tuple, one fails and probes
 * on), so no lock and no per-CPU ranges; the forward entry follows. The
 * reverse key holds the backend, so one SNAT port serves one flow per
 * backend address:port at a time. Expired entries keep their port until
 * they are deleted (xlbd's sweep, the flow's next packet, or LRU
 * eviction), never taken over by another CPU's new flow.
 */
#define XLB_NAT_PROBES 8     /* ports tried per new flow */
#define XLB_NAT_MAX_ADDRS 16 /* SNAT addresses per family */

/* TCP state of a NAT flow, as far as timeouts need it. */
enum xlb_nat_state {
	XLB_NAT_S_SYN = 1, /* SYN sent, no ACK from the client yet */
	XLB_NAT_S_EST,	   /* the client acknowledged: established */
	XLB_NAT_S_CLOSING, /* FIN or RST seen in either direction */
	XLB_NAT_S_UDP,	   /* UDP: idle time only */
};

/* xlb_nat_rev.flags */
#define XLB_NAT_F_REPLY_CLOSE (1U << 0) /* FIN or RST from the backend */

/* Value of XLB_MAP_NAT_FWD (key: struct xlb_flow_key, client -> VIP). */
struct xlb_nat_fwd {
	union xlb_addr snat_addr; /* new source address */
	union xlb_addr be_addr;	  /* new destination address */
	__be16 snat_port;	  /* new source port */
	__be16 be_port;		  /* new destination port */
	__u32 backend_id;	  /* index into XLB_MAP_BACKENDS */
	__u32 backend_gen;	  /* xlb_backend.gen when chosen */
	__u32 seen;		  /* low 32 bits of jiffies, last packet */
	__u64 created;		  /* jiffies at creation */
	__u8 state;		  /* enum xlb_nat_state */
	__u8 pad[7];
};

/* Key of XLB_MAP_NAT_REV: a reply as the backend sends it. */
struct xlb_nat_rev_key {
	union xlb_addr be_addr;	  /* reply's source */
	union xlb_addr snat_addr; /* reply's destination */
	__be16 be_port;
	__be16 snat_port;
	__u8 proto;
	__u8 family; /* enum xlb_family */
	__u8 pad[2];
};

/* Value of XLB_MAP_NAT_REV: the client's flow the reply belongs to. */
struct xlb_nat_rev {
	struct xlb_flow_key client; /* VIP, VIP port, client, client port */
	__u32 seen;		    /* low 32 bits of jiffies, last reply */
	__u32 flags;		    /* XLB_NAT_F_* */
	__u32 backend_id;
	__u32 pad;
};

/*
 * Value of XLB_MAP_NAT_CFG (one slot): this node's SNAT pool and the
 * timeouts. Ports are host order, inclusive; an address list of 0 entries
 * means no NAT flow of that family can be made (counted as
 * nat_pool_exhausted). Timeouts are in jiffies (xlbd converts seconds
 * with the HZ it measures), 0: never. A flow idle past its state's
 * timeout starts afresh on its next client packet.
 */
struct xlb_nat_cfg {
	__u16 port_min, port_max;
	__u8 n_v4, n_v6;
	__u8 pad[2];
	__u32 tcp_syn_timeout;	 /* XLB_NAT_S_SYN */
	__u32 tcp_est_timeout;	 /* XLB_NAT_S_EST */
	__u32 tcp_close_timeout; /* XLB_NAT_S_CLOSING */
	__u32 udp_timeout;	 /* XLB_NAT_S_UDP */
	union xlb_addr v4[XLB_NAT_MAX_ADDRS];
	union xlb_addr v6[XLB_NAT_MAX_ADDRS];
};

/* Defaults of the config's timeouts, seconds. */
#define XLB_NAT_DEF_TCP_SYN 30
#define XLB_NAT_DEF_TCP_EST 7440 /* 2 h 4 min, RFC 5382 */
#define XLB_NAT_DEF_TCP_CLOSE 10
#define XLB_NAT_DEF_UDP 300
#define XLB_NAT_DEF_PORT_MIN 1024
#define XLB_NAT_DEF_PORT_MAX 65535

/* Value of XLB_MAP_FLOW_RATE (per CPU): the current one-second window. */
struct xlb_flow_rate {
	__u64 start; /* bpf_ktime_get_ns() at the window's first new flow */
	__u64 count; /* new entries created in the window */
};

/* Verdicts in trace events (the XDP action the program returned). */
struct xlb_trace_event {
	__u64 ts_ns; /* bpf_ktime_get_ns() (only paid when tracing) */
	struct xlb_flow_key key; /* as parsed; zero beyond what was parsed */
	__u32 backend_id;	 /* 0: none */
	__u32 ifindex;		 /* ingress interface */
	__u32 len;		 /* frame length */
	__u8 action;		 /* XDP_PASS, XDP_DROP, XDP_TX, XDP_REDIRECT */
	__u8 reason;		 /* enum xlb_stat */
	__u8 tcp_flags;
	__u8 new_flow; /* 1: scheduled by this packet */
};

/*
 * Value of the per-CPU counter arrays XLB_MAP_BE_SENT, XLB_MAP_SVC_STATS
 * (and an older program's XLB_MAP_BE_STATS).
 *
 * XLB_MAP_BE_SENT, by backend id, is the one counter line a forwarded
 * packet writes: packets and bytes sent to the backend, the flows
 * scheduled onto it, and how many of those packets left by XDP_REDIRECT
 * (the others by XDP_TX). Everything else is summed from it by user space
 * (user/lib/dataplane.c): a service's counters are its backends' lines
 * plus XLB_MAP_SVC_STATS[service id], where xlbd folds the line of each
 * backend it removes (the program no longer writes that map); the global
 * tx and redirect verdicts are XLB_MAP_STATS' (packets sent without a
 * backend: full NAT's replies) plus every line of XLB_MAP_BE_SENT, whose
 * line 0 (no backend has id 0) keeps removed backends' packets.
 */
struct xlb_counters {
	__u64 packets;
	__u64 bytes;
	__u64 new_flows; /* flows scheduled (new or rescheduled) */
	__u64 redirects; /* XLB_MAP_BE_SENT: of packets, XDP_REDIRECT */
};

/*
 * Encapsulation counters, the same four per mode (ipip, gue), in this
 * order, so the program finds a mode's counter as its first one plus the
 * XLB_ENCAP_* offset. ENCAP counts packets sent encapsulated (also counted
 * tx or redirect); the others are the packet's verdict: dropped, no route
 * to the backend (or no usable source address, or forwarding disabled on
 * the ingress interface); dropped, the next hop's neighbour entry is not
 * resolved (never sent to a zero MAC); over the path MTU (an ICMP error
 * sent back to the client when allowed, else dropped).
 */
#define XLB_ENCAP_STATS(X, M, m)                                 \
	X(M##_ENCAP, m "_encap")       /* sent encapsulated */   \
	X(M##_NO_ROUTE, m "_no_route") /* dropped: no route */   \
	X(M##_NO_NEIGH, m "_no_neigh") /* dropped: unresolved */ \
	X(M##_TOO_BIG, m "_too_big")   /* over the path MTU */
enum xlb_encap_stat {
	XLB_ENCAP_SENT = 0,
	XLB_ENCAP_NO_ROUTE,
	XLB_ENCAP_NO_NEIGH,
	XLB_ENCAP_TOO_BIG,
	XLB_ENCAP_NSTATS,
};

/*
 * Global counters, one per verdict reason, in the per-CPU array
 * XLB_MAP_STATS. X-macro so the enum and the printable names cannot drift.
 */
#define XLB_STATS(X)                                                           \
	X(TX, "tx")			    /* VIP traffic sent: XDP_TX */     \
	X(REDIRECT, "redirect")		    /* VIP traffic: XDP_REDIRECT */    \
	X(PASS_NON_IP, "pass_non_ip")	    /* ARP, LLDP, ... */               \
	X(PASS_NON_VIP, "pass_non_vip")	    /* IP, not a served VIP:port */    \
	X(PASS_EXT_LIMIT, "pass_ext_limit") /* too many IPv6 ext hdrs */       \
	X(PASS_ICMP, "pass_icmp")	    /* ICMP not about a VIP flow */    \
	X(ICMP_FORWARDED, "icmp_forwarded") /* error sent to backend */        \
	X(NEW_FLOW, "new_flow")		    /* flow scheduled */               \
	X(RESCHEDULED, "rescheduled") /* flow moved off a dead backend */      \
	X(FLOW_TABLE_FULL, "flow_insert_failed") /* not pinned */              \
	X(DROP_MALFORMED, "drop_malformed")	 /* truncated, bad lengths */  \
	X(DROP_NO_BACKEND, "drop_no_backend")	 /* service has none up */     \
	X(DROP_FRAGMENT, "drop_fragment")	 /* IP fragment to a VIP */    \
	X(DROP_REDIRECT, "drop_redirect")	 /* redirect target missing */ \
	X(FLOW_RATE_UNPINNED, "flow_rate_unpinned") /* hashed, no entry */     \
	X(DROP_FLOW_RATE, "drop_flow_rate") /* over new_flow_rate_limit */     \
	X(FLOW_PROMOTED, "flow_promoted")   /* handshake done: main table */   \
	X(SYNC_LOST, "flow_sync_lost") /* sync record: ring buffer full */     \
	X(NAT_FWD, "nat_fwd")	       /* full NAT: client -> backend */       \
	X(NAT_REV, "nat_rev")	       /* full NAT: reply -> client */         \
	X(NAT_POOL_EXHAUSTED, "nat_pool_exhausted") /* no free SNAT port */    \
	X(NAT_NO_STATE, "nat_no_state")	  /* NAT reply or ICMP, no flow */     \
	X(NAT_ICMP, "nat_icmp")		  /* ICMP error of a NAT flow: sent */ \
	X(DROP_NO_ROUTE, "drop_no_route") /* FIB: no route to next hop */      \
	X(DROP_NO_NEIGH, "drop_no_neigh") /* FIB: next hop unresolved */       \
	X(DROP_TTL, "drop_ttl")		  /* NAT: TTL / hop limit expires */   \
	X(PASS_MAC_GROUP, "pass_mac_multicast") /* VIP frame to a group MAC */ \
	X(PASS_MAC_OTHER, "pass_mac_other_host") /* ... to another host's */   \
	XLB_ENCAP_STATS(X, IPIP, "ipip")                                       \
	XLB_ENCAP_STATS(X, GUE, "gue")

#define XLB_STAT_ENUM(name, str) XLB_STAT_##name,
enum xlb_stat {
	XLB_STATS(XLB_STAT_ENUM) XLB_STAT_MAX
};
#undef XLB_STAT_ENUM

#ifndef __bpf__
#define XLB_STAT_NAME(name, str) [XLB_STAT_##name] = str,
static const char *const xlb_stat_names[XLB_STAT_MAX] = { XLB_STATS(
	XLB_STAT_NAME) };
#undef XLB_STAT_NAME

#define XLB_SCHED_NAME(name, str) [XLB_SCHED_##name] = str,
static const char *const xlb_sched_names[XLB_SCHED_MAX] = { XLB_SCHEDS(
	XLB_SCHED_NAME) };
#undef XLB_SCHED_NAME

static const char *const xlb_fwd_names[XLB_FWD_MAX] = {
	[XLB_FWD_L2] = "l2",
	[XLB_FWD_IPIP] = "ipip",
	[XLB_FWD_GUE] = "gue",
	[XLB_FWD_NAT] = "nat",
};
#endif

_Static_assert(sizeof(union xlb_addr) == 16, "xlb_addr layout");
_Static_assert(sizeof(struct xlb_svc_key) == 20, "xlb_svc_key layout");
_Static_assert(sizeof(struct xlb_svc) == 24, "xlb_svc layout");
_Static_assert(sizeof(struct xlb_svc_slot) == 64, "xlb_svc_slot layout");
_Static_assert((XLB_SVC_SLOTS & (XLB_SVC_SLOTS - 1)) == 0 &&
		       XLB_SVC_SLOTS >= 2 * XLB_MAX_SERVICES,
	       "XLB_SVC_SLOTS: a power of two, room for every service");
_Static_assert(sizeof(struct xlb_flow_key) == 40, "xlb_flow_key layout");
_Static_assert(sizeof(struct xlb_flow) == 24, "xlb_flow layout");
_Static_assert(sizeof(struct xlb_runtime) == 16, "xlb_runtime layout");
_Static_assert(sizeof(struct xlb_iface) == 8, "xlb_iface layout");
_Static_assert(sizeof(struct xlb_flow_rate) == 16, "xlb_flow_rate layout");
_Static_assert(sizeof(struct xlb_ring_chunk) == 64, "xlb_ring_chunk layout");
_Static_assert(sizeof(struct xlb_trace_event) == 64, "xlb_trace_event layout");
_Static_assert(sizeof(struct xlb_backend) == 48, "xlb_backend layout");
_Static_assert(sizeof(struct xlb_counters) == 32, "xlb_counters layout");
_Static_assert(sizeof(struct xlb_sync_rec) == 80, "xlb_sync_rec layout");
_Static_assert(sizeof(struct xlb_nat_fwd) == 64, "xlb_nat_fwd layout");
_Static_assert(sizeof(struct xlb_nat_rev_key) == 40, "xlb_nat_rev_key layout");
_Static_assert(sizeof(struct xlb_nat_rev) == 56, "xlb_nat_rev layout");
_Static_assert(sizeof(struct xlb_nat_cfg) == 536, "xlb_nat_cfg layout");
_Static_assert(sizeof(struct xlb_encap) == 24, "xlb_encap layout");
_Static_assert(XLB_STAT_GUE_ENCAP - XLB_STAT_IPIP_ENCAP == XLB_ENCAP_NSTATS &&
		       XLB_STAT_IPIP_TOO_BIG - XLB_STAT_IPIP_ENCAP ==
			       XLB_ENCAP_TOO_BIG,
	       "encapsulation counters: XLB_ENCAP_* offsets per mode");

#endif /* XLB_ABI_H */
