/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * xlbd's runtime model. The effective configuration lives here (services
 * and backends as the operator last set them, by file or CLI), next to
 * what only the daemon knows: ids in the maps, resolved MACs, health.
 */
#ifndef XLBD_H
#define XLBD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "dataplane.h"
#include "evloop.h"
#include "flow_sync_wire.h"
#include "neigh.h"
#include "prom.h"

enum be_state {
	BE_UP,	       /* in the ring (weight > 0) */
	BE_DRAINED,    /* weight 0: keeps its flows, gets no new ones */
	BE_DOWN,       /* failed health check */
	BE_UNRESOLVED, /* no MAC (or not on-link): never used */
};

struct xlb_hc; /* health.c: one backend's checker */

struct be_rt {
	struct xlb_backend_conf conf; /* conf.weight: configured weight */
	struct xlb_hc *hc;	      /* NULL: no health check */
	__u32 id, gen;		      /* slot in XLB_MAP_BACKENDS */
	bool drained;		      /* xlbctl --drain (weight 0) */
	bool healthy;		      /* health verdict (true: no check) */
	bool mac_ok;
	bool fib; /* nat, ipip, gue: the data plane asks the FIB, no MAC */
	__u8 mac[6];
	__u8 smac[6];
	int ifindex;	       /* egress interface */
	char why[96];	       /* why unresolved, for status */
	char health_why[96];   /* last check's result, for status */
	__u64 health_since_ms; /* when healthy last flipped */
	__u64 up_since_ms;     /* slow start ramps from here */
	__u32 transitions;     /* health flips, for stats */
	/* flows.c: from the last flow-table scan (every scan interval) */
	__u64 active_flows; /* pinned, not closed, not idle-expired */
	__s64 lc_before;    /* least-connections count before it */
	/* health.c -> metrics.c: every probe finished since it was added */
	__u64 hc_failed;		 /* probes that failed */
	struct xlb_prom_hist hc_latency; /* probe durations, seconds */
	__u32 hc_last_latency_us;	 /* of the last probe */
	__u32 hct_id; /* hc_tunnel.c: via_tunnel probe id, 0 none */
};

struct svc_rt {
	struct xlb_service_conf conf; /* conf.backends unused (NULL) */
	struct be_rt **bes;
	size_t n_bes;
	__u32 id;
	struct xlb_svc_key key;
	__u32 *ring;		/* last published, NULL: no backend */
	struct xlb_timer *ramp; /* slow start republish timer */
	__u64 active_flows;	/* flows.c: sum over its backends */
	__u64 swaps;		/* rings published (state.c) */
	__u64 ring_digest;	/* of the last published ring */
	size_t n_up;		/* healthy backends in it (weight > 0) */
};

/* A VIP address (any port), as announced. */
struct xlbd_vip {
	union xlb_addr addr;
	__u8 family;
	bool backup; /* a peer's SNAT address: announced as a backup */
};

/*
 * nat.c: the peers' SNAT addresses this node holds NAT flows of, at most
 * one pool of each family per peer.
 */
#define XLBD_PEER_SNAT_MAX (XLB_SYNC_MAX_PEERS * XLB_NAT_MAX_ADDRS * 2)
struct xlbd_peer_snat {
	struct xlbd_vip a[XLBD_PEER_SNAT_MAX];
	__u64 seen_ms[XLBD_PEER_SNAT_MAX]; /* last record or sweep with it */
	size_t n;
	__u64 full; /* addresses not kept: the list was full */
};

/* announce.c: VIP routes this node offers to its routing daemon. */
struct xlbd_announce {
	struct xlbd_vip *vips; /* routes in the table now */
	size_t n, cap;
	__u32 table; /* they are in; 0: off */
	bool started, stopping;
	bool drained;  /* xlbctl node drain */
	bool attached; /* last check of the XDP program */
	struct xlb_timer *timer;
	__u64 announces, withdrawals, failures; /* metrics */
};

/*
 * flow_sync.c's counters: X(field, what it counts), records unless it says
 * datagrams; xlbctl stats and the metrics name each "flow_sync_" #field.
 */
#define XLBD_SYNC_COUNTERS(X)                                        \
	X(sent, "records sent (once, whatever the number of peers)") \
	X(send_dropped, "records over max_rate, not sent")           \
	X(datagrams_sent, "datagrams sent, to each peer")            \
	X(bytes_sent, "UDP payload bytes sent, to each peer")        \
	X(send_errors, "datagrams a peer's sendto() refused")        \
	X(datagrams_received, "datagrams accepted")                  \
	X(received, "records in datagrams accepted")                 \
	X(recv_dropped, "records over max_rate, not applied")        \
	X(inserted, "flows inserted into the flow table")            \
	X(kept_local, "flows this node had already: kept")           \
	X(unknown, "flows of a service or backend not here")         \
	X(insert_failed, "flows the table refused")                  \
	X(resent, "live flows sent again, once per resend period")   \
	X(refreshed, "peers' copies sent again: idle clock reset")   \
	X(nat_own_snat, "NAT flows on this node's own SNAT address")

struct xlbd_sync_peer {
	union xlb_addr addr;
	__u8 family;
	__u16 port;
	struct xlb_sync_window win;
};

/* flow_sync.c: this node's side of flow sync (cfg.sync). */
struct xlbd_sync {
	int fd; /* UDP, bound to cfg.sync.address; -1: off */
	struct ring_buffer *rb;
	struct xlb_timer *poll; /* reads rb every poll_ms (flow_sync_ring.h) */
	__u32 poll_ms;
	struct xlb_timer *flush;
	__u64 flush_at; /* xlb_now_ms() when flush fires */
	struct xlb_sync_enc *enc;
	struct xlb_sync_hdr hdr; /* sender, epoch, last seq */
	struct xlbd_sync_peer peers[XLB_SYNC_MAX_PEERS];
	size_t n_peers;
	double send_tokens, recv_tokens;
	__u64 send_ms, recv_ms; /* token buckets last filled */
#define XLBD_SYNC_FIELD(f, help) __u64 f;
	XLBD_SYNC_COUNTERS(XLBD_SYNC_FIELD)
	__u64 rejected[XLB_SYNC_R_N]; /* datagrams, by reason */
};
struct xlbd_etcd;	 /* etcd_source.c */
struct xlbd_etcd_worker; /* etcd_worker.c */
struct xlbd_cluster;	 /* cluster.c */

struct xlbd_hct; /* hc_tunnel.c */
struct xlbd_nh;	 /* nexthop.c */

struct xlbd {
	struct xlb_config cfg; /* globals; cfg.services unused */
	/* config_source: etcd: the bootstrap file (no services) */
	struct xlb_config boot;
	struct xlbd_etcd *etcd;		      /* NULL: the config is a file */
	struct xlbd_etcd_worker *etcd_worker; /* NULL: not running */
	struct xlbd_cluster *cluster;	      /* NULL: the config is a file */
	struct xlb_config file; /* the file as last applied (drift.c) */
	const char *config_path;
	const char *bpf_object; /* --bpf-object FILE; NULL: compiled in */
	struct svc_rt **svcs;
	size_t n_svcs;
	struct xlb_dp dp;
	struct xlb_neigh *neigh;
	/* nexthop.c: FIB backends' next hops; dirty: resync them soon */
	struct xlbd_nh *nhs;
	size_t n_nhs, cap_nhs;
	bool nh_dirty;
	struct xlb_loop *loop;
	int ifindex;
	int reply_ifindex[XLB_CONFIG_MAX_REPLY_IFS]; /* cfg.reply_ifs' */
	__u8 if_mac[6];
	__u32 next_gen;
	bool svc_used[XLB_MAX_SERVICES];
	bool *be_used; /* XLB_MAX_BACKENDS */
	/* ids found in pinned maps at start, claimed as config is applied */
	struct adopted *adopted;
	size_t n_adopted;
	/* flows.c: last flow-table scan */
	__u64 flows_total;   /* entries in XLB_MAP_FLOWS */
	__u64 flows_expired; /* idle entries deleted, since start */
	__u64 flow_scan_ms;  /* when it finished (monotonic ms) */
	/* main.c -> metrics.c: SIGHUP reloads */
	struct xlbd_reload *reload; /* main.c: the load running, or NULL */
	bool reload_again;	    /* SIGHUP during it: reload after it */
	__u64 reloads_ok, reloads_failed;
	bool reload_last_failed;
	double config_ok_time; /* unix s: last good load (or start) */
	/* lock.c: held for the daemon's life (-1: not held) */
	int lock_pin_fd, lock_if_fd;
	int lock_reply_fd[XLB_CONFIG_MAX_REPLY_IFS]; /* -1: none */
	struct xlbd_announce ann;
	struct xlbd_sync sync;
	struct xlbd_peer_snat peer_snat;
	struct xlbd_hct *hct; /* NULL: no via_tunnel check yet */
};

/* state.c: every change to services and backends goes through here. */
int xlbd_state_init(struct xlbd *d);
void xlbd_state_free(struct xlbd *d);
/*
 * Neighbour events (a xlb_neigh_process() callback, ctx the xlbd) and the
 * refresh timer, for every backend (resolve.c); republishes what changed.
 */
void xlbd_state_neigh_event(void *ctx, const union xlb_addr *a, __u8 family,
			    int ifindex, const __u8 *mac);
void xlbd_state_refresh_neigh(struct xlbd *d);

/* "ADDR" of a for messages ("?" if it cannot be formatted). */
static inline void xlbd_addr_str(const union xlb_addr *a, __u8 family,
				 char *buf, size_t len)
{
	if (xlb_format_addr(a, family, buf, len))
		snprintf(buf, len, "?");
}

/*
 * adopt.c: ids. adopt_maps reads what a previous xlbd left in the pinned
 * maps; the id allocators hand out the adopted id for the same service or
 * (service, address), else a fresh one (0: none left); release_unclaimed
 * removes what the new config no longer has.
 */
int xlbd_adopt_maps(struct xlbd *d);
void xlbd_adopt_release_unclaimed(struct xlbd *d);
__u32 xlbd_adopt_svc_id(struct xlbd *d, const struct xlb_svc_key *k);
__u32 xlbd_adopt_be_id(struct xlbd *d, __u32 svc_id, struct be_rt *b,
		       bool *adopted_up);
int xlbd_state_apply(struct xlbd *d, const struct xlb_config *c);
int xlbd_svc_add(struct xlbd *d, const struct xlb_service_conf *c, char *err,
		 size_t errlen);
int xlbd_svc_del(struct xlbd *d, const char *name, char *err, size_t errlen);
int xlbd_be_add(struct xlbd *d, struct svc_rt *s,
		const struct xlb_backend_conf *c, char *err, size_t errlen);
int xlbd_be_del(struct xlbd *d, struct svc_rt *s, struct be_rt *b);
/* weight >= 0: set it; drain/enable: toggle drain. Republishes. */
int xlbd_be_set(struct xlbd *d, struct svc_rt *s, struct be_rt *b, long weight,
		int drain);
int xlbd_svc_publish(struct xlbd *d, struct svc_rt *s);
struct svc_rt *xlbd_svc_find(struct xlbd *d, const char *name);
struct svc_rt *xlbd_svc_by_key(struct xlbd *d, const struct xlb_svc_key *k);
struct be_rt *xlbd_be_find(struct svc_rt *s, const union xlb_addr *a,
			   __u8 family);
enum be_state xlbd_be_state(const struct be_rt *b);
const char *xlbd_be_state_name(enum be_state st);
/* The effective config (for `xlbctl config`); caller frees. */
int xlbd_state_effective(struct xlbd *d, struct xlb_config *out);
/* The same as YAML (only the shared keys with @shared) in *buf; free() it. */
int xlbd_state_effective_yaml(struct xlbd *d, bool shared, char **buf,
			      size_t *len);

/* Weight in effect now: 0 if drained, ramping during slow start. */
__u32 xlbd_be_weight(const struct svc_rt *s, const struct be_rt *b,
		     __u64 now_ms);

/*
 * health.c: start checking a backend per b->conf.hc (type none: nothing,
 * healthy). b->healthy is set to the initial state: a backend adopted UP
 * from a running data plane stays up; any other starts down until its
 * first successful probe, which runs at once.
 * Every probe result goes to verdict (state.c's handler: it keeps the
 * reason and, when the verdict flips, logs the one line and republishes
 * the service), so health.c never calls back into state.c.
 */
typedef void xlbd_verdict_fn(struct xlbd *d, struct svc_rt *s, struct be_rt *b,
			     bool up, const char *reason);
int xlbd_health_attach(struct xlbd *d, struct svc_rt *s, struct be_rt *b,
		       bool adopted_up, xlbd_verdict_fn *verdict);
void xlbd_health_detach(struct xlbd *d, struct be_rt *b);
/* The "health" object of `xlbctl status` (NULL when no check). */
struct json_object *xlbd_health_json(const struct be_rt *b);
/* Buckets of each backend's probe-latency histogram (be_rt.hc_latency). */
#define XLBD_HEALTH_N_LATENCY_BOUNDS 14
extern const double xlbd_health_latency_bounds[XLBD_HEALTH_N_LATENCY_BOUNDS];

/*
 * resolve.c: a backend's route and MACs; a netlink neighbour event and the
 * refresh timer applied to one backend (true: it changed, republish).
 */
void xlbd_resolve_backend(struct xlbd *d, struct be_rt *b);
bool xlbd_resolve_neigh_event(const struct svc_rt *s, struct be_rt *b,
			      const union xlb_addr *a, __u8 family, int ifindex,
			      const __u8 *mac);
bool xlbd_resolve_refresh(struct xlbd *d, struct be_rt *b);
/* xlb_route_get()'s error in words, for a backend's status and for
 * xlbd --check-config alike. */
const char *xlbd_resolve_why(int err);

/*
 * hc_tunnel.c: a via_tunnel check's probe mark for backend b of s (its
 * tc program attached on first use), 0 if it cannot have one; del frees
 * b's, close detaches everything (exit).
 */
__u32 xlbd_hct_add(struct xlbd *d, const struct svc_rt *s, struct be_rt *b);
void xlbd_hct_del(struct xlbd *d, struct be_rt *b);
/* after a reload: the probes go to the GUE port now configured */
void xlbd_hct_gue_port(struct xlbd *d);
void xlbd_hct_close(struct xlbd *d);

/*
 * nexthop.c: managed neighbour entries for the next hops of the nat, ipip
 * and gue backends. sync: after a route change, a backend added or
 * removed (nh_dirty) and on the refresh timer; event: a neighbour
 * notification (sets nh_dirty if one of them went); release: at exit.
 */
void xlbd_nexthop_sync(struct xlbd *d);
void xlbd_nexthop_event(struct xlbd *d, const union xlb_addr *a, __u8 family,
			int ifindex, const __u8 *mac);
void xlbd_nexthop_release(struct xlbd *d);

/* encap.c: encap_source and gue_port into the data plane (start, reload) */
void xlbd_encap_apply(struct xlbd *d);

/*
 * check.c: xlbd --check-config on this host. Prints one warning per
 * problem to f (a missing interface, a backend not on a directly connected
 * network) and returns their number.
 */
int xlbd_check_host(const struct xlb_config *c, const char *path, FILE *f);

/*
 * lock.c: one daemon per pin directory and per interface (flock, dropped
 * by the kernel when the process dies). xlbd_lock refuses, logging the
 * holder's pid and socket, when another xlbd runs; *prev is what the
 * pin directory's last daemon recorded (zeroed when none did).
 */
#define XLBD_LOCK_DIR "/run/lock/xlb"
struct xlbd_lock_info {
	int pid;
	char socket[108];
	char ifname[IFNAMSIZ];
	int ifindex;
	unsigned long netns; /* inode of its network namespace */
};
int xlbd_lock(struct xlbd *d, struct xlbd_lock_info *prev);
bool xlbd_lock_same_netns(const struct xlbd_lock_info *li);
void xlbd_unlock(struct xlbd *d);

/*
 * drift.c: what applying target would change in the running services,
 * one message per service or backend (naming both); runtime is true when
 * the change undoes one made since the file was last applied (xlbctl).
 */
typedef void xlbd_drift_fn(void *ctx, bool runtime, const char *msg);
int xlbd_drift(struct xlbd *d, const struct xlb_config *target,
	       xlbd_drift_fn *fn, void *ctx);

/*
 * attach.c. prev: what the pin directory last served; a program still
 * attached to another interface, or in another xdp_mode, is refused with
 * the reason (a restart never silently keeps the old placement).
 */
int xlbd_attach(struct xlbd *d, const struct xlbd_lock_info *prev);
/* Is our program (still) attached to cfg.interface? */
bool xlbd_attached(struct xlbd *d);
int xlbd_attach_teardown(const struct xlb_config *c);

/*
 * metrics.c: the Prometheus endpoint on cfg.metrics_listen (off when
 * empty), served from the event loop. start: at startup (binds, or does
 * nothing when off); reload: SIGHUP with a changed address (rebinds,
 * keeps the old endpoint if the new one fails; updates cfg).
 */
int xlbd_metrics_start(struct xlbd *d);
void xlbd_metrics_stop(struct xlbd *d);
int xlbd_metrics_reload(struct xlbd *d, const char *listen);

/*
 * flows.c: walk the flow table every cfg.flows.scan_interval_ms: expire
 * idle flows, count active ones, correct least-connections' counts.
 */
int xlbd_flows_start(struct xlbd *d);
void xlbd_flows_stop(struct xlbd *d);
int xlbd_flows_scan(struct xlbd *d);
/*
 * A flow the scan's NAT sweep finds active on backend @be_id chosen at
 * @gen: counted with the flow table's (status, metrics, least-connections).
 */
void xlbd_flows_count(__u32 be_id, __u32 gen);
void xlbd_flows_limit_apply(struct xlbd *d);
/* snat pool and NAT timeouts into the running program (nat.c). */
void xlbd_nat_apply(struct xlbd *d);
/*
 * Delete NAT flows idle past their timeouts: their ports return; count
 * the active ones (xlbd_flows_count()); resend the live ones of synced
 * services (flow sync); find the peers' SNAT addresses the flows use
 * (nat.c). Part of xlbd_flows_scan().
 */
void xlbd_nat_sweep(struct xlbd *d);
/*
 * nat.c: a peer's SNAT address this node holds NAT flows of (flow sync
 * inserted one): it is announced as a backup (announce.c) and stays in
 * the VIP filter while the sweep finds flows on it.
 */
void xlbd_nat_peer_seen(struct xlbd *d, const union xlb_addr *a, __u8 family);

/*
 * announce.c: VIP routes in cfg.announce_table. start: adopt the routes a
 * previous xlbd left and announce what holds; sync: after anything that
 * may change a verdict (publish calls it); drain: node drain / undrain;
 * stop: withdraw everything (exit), the data plane keeps forwarding.
 */
int xlbd_announce_start(struct xlbd *d);
void xlbd_announce_sync(struct xlbd *d);
void xlbd_announce_drain(struct xlbd *d, bool drained);
void xlbd_announce_stop(struct xlbd *d);
bool xlbd_announce_is(const struct xlbd *d, const union xlb_addr *vip,
		      __u8 family);

/*
 * flow_sync.c: send the flows the program pins for flow_sync services to
 * cfg.sync's peers, insert theirs. start: at startup (nothing when off);
 * reload: a changed flow_sync mapping (restarts it; updates cfg.sync);
 * stop: at exit (what is batched is sent first). The counters of
 * xlbctl stats (flow_sync_*) and the metrics.
 */
int xlbd_sync_start(struct xlbd *d);
int xlbd_sync_reload(struct xlbd *d, const struct xlb_sync_conf *c);
void xlbd_sync_stop(struct xlbd *d);
/*
 * flows.c's scan and nat.c's sweep, for each live flow this node
 * forwards (@r: its key, this node's backend id, for full NAT its SNAT
 * tuple and XLB_SYNC_F_SYN while unconfirmed; the backend's address is
 * filled here), @gen its backend's gen, @age_ms since it was created,
 * @gap_ms since the walk's previous whole run: it is sent again each time
 * its age crosses a multiple of a period derived from @timeout_ms, the
 * scan interval and batch_delay (flow_sync_resend.h), so its copies on
 * the peers, which never see its packets, live as long as it lives here.
 */
void xlbd_sync_resend(struct xlbd *d, struct xlb_sync_rec *r, __u32 gen,
		      __u64 age_ms, __u64 gap_ms, __u32 timeout_ms);
/* One datagram as received from @from (tests and fuzzing call it too). */
void xlbd_sync_receive(struct xlbd *d, const void *buf, size_t len,
		       const struct sockaddr_storage *from, __u64 now_ms);

/*
 * main.c: a reload, as SIGHUP does (from the file, or with config_source
 * etcd the newest document etcd gave); why: for the log.
 */
void xlbd_reload_start(struct xlbd *d, const char *why);

/*
 * etcd_source.c: config_source: etcd. init: the first read of the
 * document into *cfg (with the bootstrap file d->boot). start: watch it
 * (a thread); each new revision is applied by xlbd_reload_start(). doc:
 * a copy of the newest for the reload; processed: the reload's result.
 * write_back: the effective config to etcd after an xlbctl change,
 * compare-and-swap on the revision last processed (-ECANCELED: changed
 * meanwhile, said in err; the node then goes back to etcd's document).
 * reachable: called every second (others_ok: the node record's lease).
 */
int xlbd_etcd_init(struct xlbd *d, struct xlb_config *cfg,
		   struct xlb_config_errors *errs);
int xlbd_etcd_start(struct xlbd *d);
void xlbd_etcd_stop(struct xlbd *d);
int xlbd_etcd_doc(struct xlbd *d, char **buf, size_t *len, int64_t *rev,
		  char *name, size_t namelen);
void xlbd_etcd_processed(struct xlbd *d, int64_t rev, bool applied);
struct xlbd_client;
int xlbd_etcd_write_back(struct xlbd *d, struct xlbd_client *cl,
			 struct json_object *data, char *err, size_t errlen);
void xlbd_etcd_reachable(struct xlbd *d, bool others_ok, const char *why);
int64_t xlbd_etcd_revision(const struct xlbd *d);
struct json_object *xlbd_etcd_status_json(const struct xlbd *d);
void xlbd_etcd_metrics(struct xlbd *d, bool *reachable, __u64 *rev,
		       __u64 *write_backs, __u64 *conflicts);
const char *xlbd_etcd_key(const struct xlbd *d);
/* A client of its own, for a thread. */
struct xlb_etcd *xlbd_etcd_client(struct xlbd *d, long timeout_ms);

/*
 * etcd_worker.c: the etcd requests control commands wait on, off the
 * event loop. work runs in the worker thread with its client, jobs in
 * the order submitted; done then runs on the loop and owns the job
 * (ran: work ran; stopping: xlbd is exiting, start nothing new). submit:
 * 0, -EBUSY (too many waiting) or -ESHUTDOWN.
 */
struct xlbd_etcd_job {
	void (*work)(struct xlb_etcd *cli, struct xlbd_etcd_job *j);
	void (*done)(struct xlbd *d, struct xlbd_etcd_job *j, bool stopping);
	bool ran;
	struct xlbd_etcd_job *next;
};
int xlbd_etcd_worker_start(struct xlbd *d);
void xlbd_etcd_worker_stop(struct xlbd *d);
int xlbd_etcd_submit(struct xlbd *d, struct xlbd_etcd_job *j);
/* submitted and not yet done */
size_t xlbd_etcd_jobs(const struct xlbd *d);

/*
 * cluster.c: this node's record under PREFIX/nodes/NAME (a lease kept
 * alive by a thread), and `xlbctl cluster status` (the control command).
 */
int xlbd_cluster_start(struct xlbd *d);
void xlbd_cluster_stop(struct xlbd *d);
int xlbd_cluster_status(struct xlbd *d, struct xlbd_client *cl,
			struct json_object *req, char *err);

/* control.c */
int xlbd_control_start(struct xlbd *d);
void xlbd_control_stop(struct xlbd *d);
/*
 * A control connection. A command answered later (its handler returned
 * XLBD_REPLY_LATER, request.h) keeps its client and answers it exactly
 * once with xlbd_control_reply (data taken, or err); until then the
 * connection's next requests wait, so answers stay in order. A client
 * that hung up meanwhile is freed by that answer, which goes nowhere.
 */
void xlbd_control_reply(struct xlbd_client *cl, struct json_object *data,
			const char *err);
/* One request (a JSON object) of cl. */
void xlbd_control_handle(struct xlbd_client *cl, struct json_object *req);
/* For fuzzing: a client whose answers go to fd, with no connection. */
struct xlbd_client *xlbd_control_client(struct xlbd *d, int fd);
bool xlbd_control_waiting(const struct xlbd_client *cl);
void xlbd_control_client_free(struct xlbd_client *cl);

#endif /* XLBD_H */
