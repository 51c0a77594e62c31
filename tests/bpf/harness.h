/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Harness for the packet tests: the real XDP program, loaded unpinned into
 * a fresh data plane per test (empty maps, counters at zero), fed frames
 * built with tools/lib/pkt.h through BPF_PROG_TEST_RUN.
 *
 * A test sets up services and backends, then checks each frame with a
 * fixture (struct h_case), in the spirit of katran's test fixtures:
 *
 *	description, input frame, expected XDP action, expected output frame,
 *	expected change of every global counter, the service and backend the
 *	packet must be accounted to (if any), change in flow-table entries.
 *
 * h_check() runs the frame and compares all of it; on a mismatch it prints
 * the description, the action names and a hex diff of the frames.
 *
 * Addressing used throughout: clients in 198.18.0.0/16 and 2001:db8:c::/64
 * send through a router (H_ROUTER_MAC) to xlb (H_LB_MAC); VIPs are in
 * 198.19.0.0/16 and 2001:db8:f::/64. Backend id N has MAC h_be_mac(N) and
 * is reached through the interface with MAC H_EGRESS_MAC.
 */
#ifndef XLB_TEST_HARNESS_H
#define XLB_TEST_HARNESS_H

#include <stdbool.h>
#include <linux/bpf.h>

#include "xlb_abi.h"
#include "xlb_hash.h"
#include "dataplane.h"
#include "../lib/pkt.h"
#include "../lib/test.h"

#define H_VIP4 "198.19.0.100"
#define H_VIP4_B "198.19.0.101"
#define H_CLIENT4 "198.18.0.2"
#define H_OTHER4 "198.18.0.1" /* a non-VIP address */
#define H_VIP6 "2001:db8:f::100"
#define H_CLIENT6 "2001:db8:c::2"
#define H_OTHER6 "2001:db8:c::1"

#define H_MAX_IDS 64 /* services / backends a test may register */
#define H_OUT_MAX 4096

extern const __u8 H_ROUTER_MAC[6]; /* source MAC of client frames */
extern const __u8 H_LB_MAC[6];	   /* destination MAC of client frames */
extern const __u8 H_EGRESS_MAC[6]; /* backends' smac: our egress port */

/* MAC of backend id: 02:be:00:00:hi:lo */
void h_be_mac(__u32 id, __u8 mac[6]);

struct h {
	struct xlb_dp dp;
	bool loaded;
	__u32 svc_ids[H_MAX_IDS];
	int nsvc;
	__u32 be_ids[H_MAX_IDS];
	struct xlb_backend be[H_MAX_IDS];
	int nbe;
	/*
	 * Backend id -> the first service whose ring holds it: a backend
	 * of no service (svc_id 0) gets it, as xlbd gives each backend its
	 * service, whose counters are its backends' (user/lib/dp_stats.c).
	 */
	__u16 be_svc[XLB_MAX_BACKENDS];
};

/*
 * Fresh data plane with the real program, its interface MAC H_LB_MAC.
 * false (and a failure) if not.
 */
bool h_open(struct h *h);
void h_close(struct h *h);

/* Service key from a string VIP (IPv4 or IPv6), host-order port. */
bool h_svc_key(struct xlb_svc_key *k, const char *vip, __u16 port, __u8 proto);
bool h_addr(union xlb_addr *a, __u8 *family, const char *s);

/*
 * Publish a service: id, scheduler, ring (NULL: "no backend") of size
 * slots, which is also its table size.
 */
bool h_service_sched(struct h *h, const char *vip, __u16 port, __u8 proto,
		     __u32 id, __u8 sched, const __u32 *ring, __u32 size);
/* The same with a forwarding mode (enum xlb_fwd). */
bool h_service_fwd(struct h *h, const char *vip, __u16 port, __u8 proto,
		   __u32 id, __u8 sched, __u8 fwd, const __u32 *ring,
		   __u32 size);
bool h_service(struct h *h, const char *vip, __u16 port, __u8 proto, __u32 id,
	       const __u32 *ring, __u32 size);
bool h_vip_mark(struct h *h, const char *vip, bool on);

/*
 * A backend with the default MACs (h_be_mac(id), H_EGRESS_MAC), egress on
 * the ingress interface (ifindex 0: XDP_TX), and the given flags and gen.
 */
bool h_backend(struct h *h, __u32 id, __u32 flags, __u32 gen);
/* Full control over the entry. */
bool h_backend_set(struct h *h, __u32 id, const struct xlb_backend *be);
/* Backends 1..n, UP, gen 1. */
bool h_backends_up(struct h *h, __u32 n);

/*
 * Publish service 1 (H_VIP4:80/tcp) with scheduler sched over backends
 * 1..n of the given weights, with the ring xlbd would build for it.
 */
bool h_publish(struct h *h, __u8 sched, const __u32 *weights, int n);
/* The same for service id on H_VIP4:port/tcp. */
bool h_publish_on(struct h *h, __u16 port, __u32 id, __u8 sched,
		  const __u32 *weights, int n);
struct xlb_maglev_backend;
/* Backend id at 198.18.0.(10 + id) with a weight, for ring builders. */
void h_maglev_backend(struct xlb_maglev_backend *b, __u32 id, __u32 weight);
/* Pin the test to CPU 0: the round-robin cursor is per CPU. */
void h_pin_cpu0(void);

/* One run of the program. */
struct h_result {
	__u32 action;
	__u8 out[H_OUT_MAX];
	__u32 out_len;
};

/* Run in through the program (repeat 1); ingress_ifindex 0: default (lo). */
bool h_run_if(struct h *h, const struct pkt *in, __u32 ingress_ifindex,
	      struct h_result *r);
bool h_run(struct h *h, const struct pkt *in, struct h_result *r);
/* Backend whose MAC is the output's destination MAC, or 0. */
__u32 h_out_backend(const struct h *h, const struct h_result *r);
/*
 * A SYN from H_CLIENT4 (H_CLIENT6 to an IPv6 @dst) port 40000 to
 * dst:dport through the program: its verdict and backend (0: none).
 */
bool h_syn(struct h *h, const char *dst, __u16 dport, __u32 *action, __u32 *be);

/* All counters of interest at one point in time. */
struct h_snap {
	__u64 stat[XLB_STAT_MAX];
	struct xlb_counters svc[H_MAX_IDS]; /* by index in h->svc_ids */
	struct xlb_counters be[H_MAX_IDS];  /* by index in h->be_ids */
	long flows;			    /* flow-table entries */
};

bool h_snap(struct h *h, struct h_snap *s);
/* Entries in both flow tables (main and unconfirmed), or the main one. */
long h_flow_count(struct h *h);
long h_flow_count_main(struct h *h);
bool h_counters_svc(struct h *h, __u32 id, struct xlb_counters *c);
bool h_counters_be(struct h *h, __u32 id, struct xlb_counters *c);
__u64 h_stat(struct h *h, enum xlb_stat stat);

/* The flow key of a frame, derived by the test side from the builder's
 * layout (not by the program): client -> VIP 5-tuple. */
bool h_pkt_key(const struct pkt *p, struct xlb_flow_key *k);
/* Look a frame's flow up in the flow tables. false: not there. */
bool h_flow_lookup(struct h *h, const struct pkt *p, struct xlb_flow *f);
/* Only in the unconfirmed table: a SYN was pinned, nothing since. */
bool h_flow_unconfirmed(struct h *h, const struct pkt *p);
/*
 * The flow sync records (XLB_MAP_FLOW_SYNC) the program wrote: h_sync_open
 * zeroes *r and opens the ring (NULL: failed, asserted); each
 * ring_buffer__consume() then adds what is new. ring_buffer__free() it.
 */
#define H_SYNC_MAX 16
struct h_sync_recs {
	struct xlb_sync_rec v[H_SYNC_MAX];
	int n;	 /* records seen (all of them, even past H_SYNC_MAX) */
	int bad; /* of the wrong size */
};
struct ring_buffer;
struct ring_buffer *h_sync_open(struct h *h, struct h_sync_recs *r);
/* ring[xlb_ring_slot(xlb_hash_flow(key, 0), size)]: Maglev's expected pick */
__u32 h_ring_pick(const struct xlb_flow_key *k, const __u32 *ring, __u32 size);

/*
 * A client frame, described rather than built, so a test can build the
 * input (as the router sends it to xlb) and the expected output (the same
 * frame with the MACs xlb must write) from one description.
 */
struct h_frame {
	const char *src, *dst; /* IPv4 or IPv6, by syntax */
	__u8 proto;	       /* IPPROTO_UDP, else TCP */
	__u16 sport, dport;
	__u8 flags;	/* TCP flags */
	__u32 seq;	/* TCP sequence number */
	int vlans;	/* 0..2 tags: 2 is 802.1ad outer, 802.1Q inner */
	__u16 vid[2];	/* outermost first */
	size_t payload; /* bytes of payload */
	__u8 ttl;	/* IPv4 TTL / IPv6 hop limit, 0: the builder's (64) */
};

void h_build(struct pkt *p, const struct h_frame *f, const __u8 smac[6],
	     const __u8 dmac[6]);
/* router -> xlb */
void h_build_in(struct pkt *p, const struct h_frame *f);
/* xlb -> backend be_id */
void h_build_to(struct pkt *p, const struct h_frame *f, __u32 be_id);

/* The fixture. */
struct h_case {
	const char *desc;
	const struct pkt *in;
	__u32 ingress_ifindex;	  /* 0: the test-run default (lo) */
	__u32 action;		  /* expected XDP_* */
	const struct pkt *out;	  /* expected frame; NULL: in unchanged */
	__u64 stat[XLB_STAT_MAX]; /* exact deltas; all others stay */
	/*
	 * Forwarded packets: the service and backend it is accounted to
	 * (packets +1, bytes + frame length, new_flows + new_flow). Every
	 * other registered service and backend must stay; with svc_id 0
	 * none may move.
	 */
	__u32 svc_id;
	__u32 be_id;
	bool new_flow;
	long flows; /* change in flow-table entries */
};

/* Run c->in and check everything c expects. Output kept in *r if non-NULL. */
bool h_check(struct h *h, const struct h_case *c, struct h_result *r);
/* in must go to the kernel untouched, counted under why, making no flow. */
bool h_check_pass(struct h *h, const char *desc, const struct pkt *in,
		  enum xlb_stat why);

const char *h_action_name(__u32 action);

#endif /* XLB_TEST_HARNESS_H */
