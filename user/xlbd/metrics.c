// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Part: the Prometheus endpoint. libmicrohttpd runs without a thread of
 * its own (MHD_USE_EPOLL): its epoll fd sits in xlbd's event loop,
 * readiness runs MHD_run(), and a loop timer follows MHD_get_timeout().
 * So the handler runs on the loop like every other part and reads the
 * daemon's state without a lock. A scrape reads the counters from the
 * maps and renders the text (user/lib/prom.c) in one go; MHD then sends
 * it without blocking, over as many loop iterations as the socket needs.
 *
 * GET (and HEAD) /metrics only: other paths get 404, other methods 405.
 * The listening socket is ours (bound to exactly cfg.metrics_listen, so
 * the error says why), handed to MHD. At most METRICS_MAX_CONNS
 * connections, each closed after METRICS_TIMEOUT_S idle.
 *
 * Every metric is listed with its type and labels in README.md, section
 * "Metrics"; tests/integration/metrics.sh checks that list against a
 * scrape.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <bpf/libbpf.h>
#include <microhttpd.h>

#include "log.h"
#include "prom.h"
#include "ring_digest.h"
#include "xlbd.h"

#ifndef XLB_VERSION
#define XLB_VERSION "dev"
#endif

#define METRICS_MAX_CONNS 16
#define METRICS_MAX_PER_IP 8
#define METRICS_TIMEOUT_S 10
#define METRICS_PATH "/metrics"
#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics {
	struct xlbd *d;
	struct MHD_Daemon *mhd;
	int epfd;		 /* MHD's, in our loop */
	struct xlb_timer *timer; /* MHD_get_timeout() */
};

static struct metrics *cur; /* the one endpoint, NULL: off */
/* scrapes and render time outlive a rebind */
static __u64 scrapes;
static double render_s;

/* Process start: realtime for the timestamp, monotonic for uptime. */
static double start_unix;
static __u64 start_mono_ms;

__attribute__((constructor)) static void record_start(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	start_unix = ts.tv_sec + ts.tv_nsec / 1e9;
	start_mono_ms = xlb_now_ms();
}

static double unix_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- rendering ---- */

#define L_SVC(s) XLB_PROM_L({ "service", (s)->conf.name })
#define L_BE(s, a) XLB_PROM_L({ "service", (s)->conf.name }, { "backend", (a) })

static void be_addr(const struct be_rt *b, char *buf, size_t len)
{
	if (xlb_format_addr(&b->conf.addr, b->conf.family, buf, len))
		snprintf(buf, len, "?");
}

/* Counters of every service and backend, read once per scrape. */
struct snap {
	struct xlb_counters *svc; /* [n_svcs] */
	bool *svc_ok;
	struct xlb_counters **be; /* [n_svcs][n_bes] */
	bool **be_ok;
	char (**addr)[XLB_ADDR_STRLEN];
};

static void snap_free(struct snap *sn, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (sn->be)
			free(sn->be[i]);
		if (sn->be_ok)
			free(sn->be_ok[i]);
		if (sn->addr)
			free(sn->addr[i]);
	}
	free(sn->svc);
	free(sn->svc_ok);
	free(sn->be);
	free(sn->be_ok);
	free(sn->addr);
}

static int snap_take(struct xlbd *d, struct snap *sn)
{
	size_t n = d->n_svcs ? d->n_svcs : 1;

	memset(sn, 0, sizeof(*sn));
	sn->svc = calloc(n, sizeof(*sn->svc));
	sn->svc_ok = calloc(n, sizeof(*sn->svc_ok));
	sn->be = calloc(n, sizeof(*sn->be));
	sn->be_ok = calloc(n, sizeof(*sn->be_ok));
	sn->addr = calloc(n, sizeof(*sn->addr));
	if (!sn->svc || !sn->svc_ok || !sn->be || !sn->be_ok || !sn->addr)
		return -ENOMEM;
	for (size_t i = 0; i < d->n_svcs; i++) {
		struct svc_rt *s = d->svcs[i];
		size_t m = s->n_bes ? s->n_bes : 1;

		sn->svc_ok[i] = !xlb_dp_stats_svc(&d->dp, s->id, &sn->svc[i]);
		sn->be[i] = calloc(m, sizeof(**sn->be));
		sn->be_ok[i] = calloc(m, sizeof(**sn->be_ok));
		sn->addr[i] = calloc(m, sizeof(**sn->addr));
		if (!sn->be[i] || !sn->be_ok[i] || !sn->addr[i])
			return -ENOMEM;
		for (size_t j = 0; j < s->n_bes; j++) {
			sn->be_ok[i][j] = !xlb_dp_stats_be(
				&d->dp, s->bes[j]->id, &sn->be[i][j]);
			be_addr(s->bes[j], sn->addr[i][j],
				sizeof(sn->addr[i][j]));
		}
	}
	return 0;
}

/* The three data plane counters, per service and per backend. */
static void render_traffic(struct xlb_prom *p, struct xlbd *d,
			   const struct snap *sn, bool backend)
{
	static const struct {
		const char *svc, *be, *help_svc, *help_be;
	} fam[] = {
		{ "xlb_service_packets_total", "xlb_backend_packets_total",
		  "Packets of the service forwarded by the data plane.",
		  "Packets forwarded to the backend." },
		{ "xlb_service_bytes_total", "xlb_backend_bytes_total",
		  "Bytes (whole frames) of the service forwarded by the data plane.",
		  "Bytes (whole frames) forwarded to the backend." },
		{ "xlb_service_new_flows_total", "xlb_backend_new_flows_total",
		  "Flows scheduled for the service (new or rescheduled).",
		  "Flows scheduled to the backend (new or rescheduled)." },
	};

	for (size_t f = 0; f < 3; f++) {
		xlb_prom_family(p, backend ? fam[f].be : fam[f].svc,
				XLB_PROM_COUNTER,
				backend ? fam[f].help_be : fam[f].help_svc);
		for (size_t i = 0; i < d->n_svcs; i++) {
			struct svc_rt *s = d->svcs[i];

			for (size_t j = 0; backend && j < s->n_bes; j++) {
				const struct xlb_counters *c = &sn->be[i][j];

				if (!sn->be_ok[i][j])
					continue;
				xlb_prom_u64(p, fam[f].be,
					     L_BE(s, sn->addr[i][j]),
					     f == 0   ? c->packets
					     : f == 1 ? c->bytes
						      : c->new_flows);
			}
			if (!backend && sn->svc_ok[i]) {
				const struct xlb_counters *c = &sn->svc[i];

				xlb_prom_u64(p, fam[f].svc, L_SVC(s),
					     f == 0   ? c->packets
					     : f == 1 ? c->bytes
						      : c->new_flows);
			}
		}
	}
}

static void render_daemon(struct xlb_prom *p, struct xlbd *d)
{
	char libbpf[32];

	snprintf(libbpf, sizeof(libbpf), "%u.%u", libbpf_major_version(),
		 libbpf_minor_version());
	xlb_prom_family(p, "xlb_build_info", XLB_PROM_GAUGE,
			"Always 1; the labels say which xlbd this is.");
	xlb_prom_u64(p, "xlb_build_info",
		     XLB_PROM_L({ "version", XLB_VERSION },
				{ "compiler", __VERSION__ },
				{ "libbpf", libbpf },
				{ "libmicrohttpd", MHD_get_version() }),
		     1);
	xlb_prom_single_double(
		p, "xlb_start_time_seconds", XLB_PROM_GAUGE,
		"When xlbd started, in seconds since the Unix epoch.",
		start_unix);
	xlb_prom_single_double(p, "xlb_uptime_seconds", XLB_PROM_GAUGE,
			       "Seconds since xlbd started (monotonic clock).",
			       (xlb_now_ms() - start_mono_ms) / 1e3);

	xlb_prom_family(
		p, "xlb_config_reloads_total", XLB_PROM_COUNTER,
		"SIGHUP reloads of the configuration file, by result (failure: refused, or not applied in full).");
	xlb_prom_u64(p, "xlb_config_reloads_total",
		     XLB_PROM_L({ "result", "success" }), d->reloads_ok);
	xlb_prom_u64(p, "xlb_config_reloads_total",
		     XLB_PROM_L({ "result", "failure" }), d->reloads_failed);
	xlb_prom_single_u64(
		p, "xlb_config_last_reload_successful", XLB_PROM_GAUGE,
		"1 if the last reload succeeded (or none was tried), else 0.",
		!d->reload_last_failed);
	xlb_prom_single_double(
		p, "xlb_config_last_reload_success_timestamp_seconds",
		XLB_PROM_GAUGE,
		"When the configuration was last loaded in full (at start or by SIGHUP), Unix seconds.",
		d->config_ok_time);
}

/* config_source: etcd: can the node reach it, what does it run */
static void render_etcd(struct xlb_prom *p, struct xlbd *d)
{
	__u64 rev, writes, conflicts;
	bool ok;

	if (!d->etcd)
		return;
	xlbd_etcd_metrics(d, &ok, &rev, &writes, &conflicts);
	xlb_prom_family(
		p, "xlb_etcd_reachable", XLB_PROM_GAUGE,
		"1 while etcd answers (watch up, node record's lease kept); 0: serving the last configuration.");
	xlb_prom_u64(p, "xlb_etcd_reachable", XLB_PROM_NOLABELS, ok);
	xlb_prom_family(p, "xlb_etcd_config_revision", XLB_PROM_GAUGE,
			"mod_revision of the etcd config document applied.");
	xlb_prom_u64(p, "xlb_etcd_config_revision", XLB_PROM_NOLABELS, rev);
	xlb_prom_family(p, "xlb_etcd_write_backs_total", XLB_PROM_COUNTER,
			"xlbctl changes written to etcd, by result.");
	xlb_prom_u64(p, "xlb_etcd_write_backs_total",
		     XLB_PROM_L({ "result", "success" }), writes);
	xlb_prom_u64(p, "xlb_etcd_write_backs_total",
		     XLB_PROM_L({ "result", "conflict" }), conflicts);
}

/* announce.c's state: what the routers are told, and how often it changed */
static void render_announce(struct xlb_prom *p, struct xlbd *d)
{
	xlb_prom_single_u64(
		p, "xlb_node_drained", XLB_PROM_GAUGE,
		"1 while the node is drained (xlbctl node drain): no VIP announced, forwarding goes on.",
		d->ann.drained);
	xlb_prom_family(
		p, "xlb_vip_announced", XLB_PROM_GAUGE,
		"1 if the VIP's route is in announce_table (BIRD exports it), else 0; one per VIP address of a service.");
	for (size_t i = 0; i < d->n_svcs; i++) {
		const struct svc_rt *s = d->svcs[i];
		char vip[XLB_ADDR_STRLEN];
		bool first = true;

		/* once per address, several services may share it */
		for (size_t j = 0; j < i && first; j++)
			first = d->svcs[j]->conf.family != s->conf.family ||
				memcmp(&d->svcs[j]->conf.vip, &s->conf.vip,
				       sizeof(s->conf.vip));
		if (!first || xlb_format_addr(&s->conf.vip, s->conf.family, vip,
					      sizeof(vip)))
			continue;
		xlb_prom_u64(p, "xlb_vip_announced", XLB_PROM_L({ "vip", vip }),
			     xlbd_announce_is(d, &s->conf.vip, s->conf.family));
	}
	xlb_prom_family(
		p, "xlb_announce_events_total", XLB_PROM_COUNTER,
		"VIP routes added (announce) and removed (withdraw), and route changes the kernel refused (failure).");
	xlb_prom_u64(p, "xlb_announce_events_total",
		     XLB_PROM_L({ "event", "announce" }), d->ann.announces);
	xlb_prom_u64(p, "xlb_announce_events_total",
		     XLB_PROM_L({ "event", "withdraw" }), d->ann.withdrawals);
	xlb_prom_u64(p, "xlb_announce_events_total",
		     XLB_PROM_L({ "event", "failure" }), d->ann.failures);
}

/* flow_sync.c's counters (the data plane's flow_sync_lost is global) */
static void render_sync(struct xlb_prom *p, struct xlbd *d)
{
	xlb_prom_family(
		p, "xlb_flow_sync_total", XLB_PROM_COUNTER,
		"Flow sync: records sent, dropped over max_rate, received, inserted, kept (the flow table had the flow), unknown (service or backend not on this node), insert failures; datagrams and bytes sent to each peer, send errors, datagrams received.");
#define SYNC_PROM(f, help)                                                  \
	xlb_prom_u64(p, "xlb_flow_sync_total", XLB_PROM_L({ "event", #f }), \
		     d->sync.f);
	XLBD_SYNC_COUNTERS(SYNC_PROM)
#undef SYNC_PROM
	xlb_prom_family(
		p, "xlb_flow_sync_rejected_total", XLB_PROM_COUNTER,
		"Flow sync datagrams refused, by reason: bad_mac, replay, stale (send time more than 30 s away), not_peer, malformed, version, short, oversize.");
	for (int i = XLB_SYNC_R_OK + 1; i < XLB_SYNC_R_N; i++)
		xlb_prom_u64(p, "xlb_flow_sync_rejected_total",
			     XLB_PROM_L({ "reason", xlb_sync_reason_names[i] }),
			     d->sync.rejected[i]);
}

static void render_global(struct xlb_prom *p, struct xlbd *d)
{
	__u64 g[XLB_STAT_MAX];
	double scan_ts = 0;
	__u64 now = xlb_now_ms();

	xlb_prom_family(
		p, "xlb_dataplane_packets_total", XLB_PROM_COUNTER,
		"Data plane counters by reason: every packet gets one verdict (tx, redirect, pass_*, drop_*); new_flow, rescheduled, flow_insert_failed and icmp_forwarded count events on the way.");
	if (!xlb_dp_stats_global(&d->dp, g)) {
		for (int i = 0; i < XLB_STAT_MAX; i++)
			xlb_prom_u64(
				p, "xlb_dataplane_packets_total",
				XLB_PROM_L({ "reason", xlb_stat_names[i] }),
				g[i]);
	}

	xlb_prom_single_u64(p, "xlb_flow_table_entries", XLB_PROM_GAUGE,
			    "Entries in the flow table at the last scan.",
			    d->flows_total);
	xlb_prom_single_u64(
		p, "xlb_flow_table_capacity", XLB_PROM_GAUGE,
		"Size of the flow table (LRU: the oldest flows are evicted beyond it).",
		XLB_MAX_FLOWS);
	xlb_prom_single_u64(p, "xlb_flows_expired_total", XLB_PROM_COUNTER,
			    "Idle flows deleted from the flow table by xlbd.",
			    d->flows_expired);
	if (d->flow_scan_ms && d->flow_scan_ms <= now)
		scan_ts = unix_now() - (now - d->flow_scan_ms) / 1e3;
	xlb_prom_single_double(
		p, "xlb_flow_table_last_scan_timestamp_seconds", XLB_PROM_GAUGE,
		"When the last flow-table scan finished, Unix seconds (0: none yet).",
		scan_ts);
}

static void render_services(struct xlb_prom *p, struct xlbd *d,
			    const struct snap *sn)
{
	xlb_prom_family(p, "xlb_service_info", XLB_PROM_GAUGE,
			"Always 1, one per service; the labels describe it.");
	for (size_t i = 0; i < d->n_svcs; i++) {
		struct svc_rt *s = d->svcs[i];
		char vip[XLB_ADDR_STRLEN], port[8];

		if (xlb_format_addr(&s->conf.vip, s->conf.family, vip,
				    sizeof(vip)))
			snprintf(vip, sizeof(vip), "?");
		snprintf(port, sizeof(port), "%u", s->conf.port);
		xlb_prom_u64(
			p, "xlb_service_info",
			XLB_PROM_L(
				{ "service", s->conf.name }, { "vip", vip },
				{ "port", port },
				{ "protocol", xlb_proto_name(s->conf.proto) },
				{ "scheduler",
				  (unsigned int)s->conf.sched < XLB_SCHED_MAX
					  ? xlb_sched_names[s->conf.sched]
					  : "?" }),
			1);
	}
	render_traffic(p, d, sn, false);
	xlb_prom_family(
		p, "xlb_service_active_flows", XLB_PROM_GAUGE,
		"Active flows of the service at the last flow-table scan.");
	for (size_t i = 0; i < d->n_svcs; i++)
		xlb_prom_u64(p, "xlb_service_active_flows", L_SVC(d->svcs[i]),
			     d->svcs[i]->active_flows);
	xlb_prom_family(
		p, "xlb_service_table_swaps_total", XLB_PROM_COUNTER,
		"Scheduling tables (rings) published for the service, each one atomic swap.");
	for (size_t i = 0; i < d->n_svcs; i++)
		xlb_prom_u64(p, "xlb_service_table_swaps_total",
			     L_SVC(d->svcs[i]), d->svcs[i]->swaps);
	xlb_prom_family(
		p, "xlb_service_ring_info", XLB_PROM_GAUGE,
		"Always 1; digest: of the service's ring (hash seed, scheduler, backend address per slot). Nodes with the same config show the same digest.");
	for (size_t i = 0; i < d->n_svcs; i++) {
		char digest[XLB_RING_DIGEST_STRLEN];

		xlb_ring_digest_format(d->svcs[i]->ring_digest, digest);
		xlb_prom_u64(p, "xlb_service_ring_info",
			     XLB_PROM_L({ "service", d->svcs[i]->conf.name },
					{ "digest", digest }),
			     1);
	}
}

static void render_backends(struct xlb_prom *p, struct xlbd *d,
			    const struct snap *sn)
{
	static const enum be_state states[] = {
		BE_UP,
		BE_DOWN,
		BE_DRAINED,
		BE_UNRESOLVED,
	};
	__u64 now = xlb_now_ms();

	render_traffic(p, d, sn, true);

#define EACH_BE(body)                                   \
	for (size_t i = 0; i < d->n_svcs; i++) {        \
		struct svc_rt *s = d->svcs[i];          \
		for (size_t j = 0; j < s->n_bes; j++) { \
			struct be_rt *b = s->bes[j];    \
			const char *a = sn->addr[i][j]; \
			(void)b;                        \
			(void)a;                        \
			body                            \
		}                                       \
	}

	xlb_prom_family(
		p, "xlb_backend_active_flows", XLB_PROM_GAUGE,
		"Active flows pinned to the backend at the last flow-table scan.");
	EACH_BE(xlb_prom_u64(p, "xlb_backend_active_flows", L_BE(s, a),
			     b->active_flows);)
	xlb_prom_family(
		p, "xlb_backend_weight", XLB_PROM_GAUGE,
		"Weight in effect (0 when drained, ramping during slow start).");
	EACH_BE(xlb_prom_u64(p, "xlb_backend_weight", L_BE(s, a),
			     xlbd_be_weight(s, b, now));)
	xlb_prom_family(p, "xlb_backend_healthy", XLB_PROM_GAUGE,
			"Health verdict: 1 up (or no health check), 0 down.");
	EACH_BE(xlb_prom_u64(p, "xlb_backend_healthy", L_BE(s, a), b->healthy);)
	xlb_prom_family(
		p, "xlb_backend_state", XLB_PROM_GAUGE,
		"1 for the backend's state (up, down, drained, unresolved), 0 for the others.");
	EACH_BE({
		enum be_state st = xlbd_be_state(b);

		for (size_t k = 0; k < 4; k++)
			xlb_prom_u64(
				p, "xlb_backend_state",
				XLB_PROM_L({ "service", s->conf.name },
					   { "backend", a },
					   { "state",
					     xlbd_be_state_name(states[k]) }),
				st == states[k]);
	})
	xlb_prom_family(p, "xlb_backend_health_transitions_total",
			XLB_PROM_COUNTER,
			"Health verdict flips (up to down and down to up).");
	EACH_BE(xlb_prom_u64(p, "xlb_backend_health_transitions_total",
			     L_BE(s, a), b->transitions);)

	/* the health-check families: backends with a running check */
	xlb_prom_family(p, "xlb_backend_health_check_failures_total",
			XLB_PROM_COUNTER, "Health-check probes that failed.");
	EACH_BE(if (b->hc) xlb_prom_u64(
			p, "xlb_backend_health_check_failures_total",
			L_BE(s, a), b->hc_failed);)
	xlb_prom_family(
		p, "xlb_backend_health_check_duration_seconds",
		XLB_PROM_HISTOGRAM,
		"Duration of the health-check probes, failed ones included (_count: probes finished).");
	EACH_BE(if (b->hc) xlb_prom_hist(
			p, "xlb_backend_health_check_duration_seconds",
			L_BE(s, a), xlbd_health_latency_bounds,
			XLBD_HEALTH_N_LATENCY_BOUNDS, &b->hc_latency);)
	xlb_prom_family(p, "xlb_backend_health_check_last_duration_seconds",
			XLB_PROM_GAUGE,
			"Duration of the last health-check probe.");
	EACH_BE(if (b->hc && b->hc_latency.count) xlb_prom_double(
			p, "xlb_backend_health_check_last_duration_seconds",
			L_BE(s, a), b->hc_last_latency_us / 1e6);)
#undef EACH_BE
}

static void render_self(struct xlb_prom *p)
{
	xlb_prom_single_u64(p, "xlb_metrics_scrapes_total", XLB_PROM_COUNTER,
			    "Requests for /metrics served, this one included.",
			    scrapes);
	xlb_prom_single_double(
		p, "xlb_metrics_render_duration_seconds", XLB_PROM_GAUGE,
		"Time the previous scrape took to read the counters and render this text.",
		render_s);
}

static char *render(struct xlbd *d, size_t *len)
{
	struct timespec t0, t1;
	struct xlb_prom p;
	struct snap sn;
	char *text = NULL;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	scrapes++;
	xlb_prom_init(&p);
	if (snap_take(d, &sn) == 0) {
		render_daemon(&p, d);
		render_global(&p, d);
		render_services(&p, d, &sn);
		render_backends(&p, d, &sn);
		render_announce(&p, d);
		render_sync(&p, d);
		render_etcd(&p, d);
		render_self(&p);
		if (p.bad)
			pr_warn("metrics: an invalid metric or label name was skipped");
		text = xlb_prom_take(&p, len);
	}
	snap_free(&sn, d->n_svcs);
	xlb_prom_free(&p);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	render_s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	return text;
}

/* ---- HTTP ---- */

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int code,
			     char *body, size_t len, bool metrics)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
				metrics ? CONTENT_TYPE
					: "text/plain; charset=utf-8");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *conn,
				  unsigned int code, const char *msg)
{
	char *b = strdup(msg);

	return b ? reply(conn, code, b, strlen(b), false) : MHD_NO;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload,
				  size_t *upload_len, void **con_cls)
{
	struct metrics *m = cls;
	size_t len = 0;
	char *text;

	if (strcmp(url, METRICS_PATH))
		return reply_text(conn, MHD_HTTP_NOT_FOUND,
				  "not found: xlbd serves /metrics only\n");
	if (strcmp(method, MHD_HTTP_METHOD_GET) &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				  "method not allowed: GET /metrics\n");
	text = render(m->d, &len);
	if (!text)
		return reply_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				  "out of memory\n");
	return reply(conn, MHD_HTTP_OK, text, len, true);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];
	size_t n;

	if (!xlb_log_verbose())
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = 0;
	pr_debug("metrics: %s", msg);
}

static void m_run(struct metrics *m);

static void on_timer(struct xlb_loop *l, void *ctx)
{
	struct metrics *m = ctx;

	m->timer = NULL;
	m_run(m);
}

static void on_epoll(struct xlb_loop *l, int fd, uint32_t events, void *ctx)
{
	m_run(ctx);
}

/* Let MHD work, then wake it again when it asks to be. */
static void m_run(struct metrics *m)
{
	MHD_UNSIGNED_LONG_LONG ms;

	MHD_run(m->mhd);
	xlb_timer_cancel(m->d->loop, m->timer);
	m->timer = NULL;
	if (MHD_get_timeout(m->mhd, &ms) == MHD_YES) {
		m->timer = xlb_timer_add(m->d->loop, ms, on_timer, m);
		if (!m->timer) /* out of memory: MHD waits for the next fd */
			pr_warn("metrics: cannot arm a timer");
	}
}

/* A listening socket on exactly addr ("ADDR:PORT" or "[V6]:PORT"). */
static int listen_on(const char *addr)
{
	struct sockaddr_storage ss;
	union xlb_addr a;
	socklen_t sl;
	__u16 port;
	__u8 fam;
	int fd, one = 1, err;

	if (xlb_parse_addr_port(addr, &a, &fam, &port))
		return -EINVAL;
	sl = xlb_sockaddr(&a, fam, port, &ss);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* [::]:PORT means IPv6 only: IPv4 needs its own 0.0.0.0 */
	if (fam == XLB_FAMILY_V6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) || listen(fd, 64)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static void m_free(struct metrics *m)
{
	if (!m)
		return;
	xlb_timer_cancel(m->d->loop, m->timer);
	if (m->epfd >= 0)
		xlb_loop_del_fd(m->d->loop, m->epfd);
	if (m->mhd)
		MHD_stop_daemon(m->mhd); /* closes the listening socket */
	free(m);
}

static int m_open(struct xlbd *d, const char *addr, struct metrics **out)
{
	const union MHD_DaemonInfo *info;
	struct metrics *m;
	int fd, err;

	fd = listen_on(addr);
	if (fd < 0) {
		pr_warn("metrics: cannot listen on %s: %s", addr,
			strerror(-fd));
		return fd;
	}
	m = calloc(1, sizeof(*m));
	if (!m) {
		close(fd);
		return -ENOMEM;
	}
	m->d = d;
	m->epfd = -1;
	m->mhd = MHD_start_daemon(
		MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
			(strchr(addr, '[') ? MHD_USE_IPv6 : 0),
		0, NULL, NULL, on_request, m, MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)METRICS_MAX_CONNS,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT,
		(unsigned int)METRICS_MAX_PER_IP, MHD_OPTION_CONNECTION_TIMEOUT,
		(unsigned int)METRICS_TIMEOUT_S, MHD_OPTION_EXTERNAL_LOGGER,
		mhd_log, NULL, MHD_OPTION_END);
	if (!m->mhd) {
		/* MHD may have closed fd on its way out: leave it */
		pr_warn("metrics: cannot start the HTTP server on %s", addr);
		free(m);
		return -EIO;
	}
	info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info || info->epoll_fd < 0) {
		pr_warn("metrics: the HTTP server has no epoll fd");
		m_free(m);
		return -EIO;
	}
	err = xlb_loop_add_fd(d->loop, info->epoll_fd, EPOLLIN, on_epoll, m);
	if (err) {
		pr_warn("metrics: cannot watch the HTTP server: %s",
			strerror(-err));
		m_free(m);
		return err;
	}
	m->epfd = info->epoll_fd;
	m_run(m);
	pr_info("metrics: http://%s%s", addr, METRICS_PATH);
	*out = m;
	return 0;
}

int xlbd_metrics_start(struct xlbd *d)
{
	if (!d->cfg.metrics_listen[0])
		return 0; /* off */
	return m_open(d, d->cfg.metrics_listen, &cur);
}

void xlbd_metrics_stop(struct xlbd *d)
{
	m_free(cur);
	cur = NULL;
}

/*
 * SIGHUP with a new address: the old socket is closed first (the new
 * address may overlap it, e.g. 127.0.0.1:P -> 0.0.0.0:P), then the new
 * one opened; if that fails the old one is reopened and cfg keeps it.
 */
int xlbd_metrics_reload(struct xlbd *d, const char *listen)
{
	struct metrics *m = NULL;
	int err = 0;

	xlbd_metrics_stop(d);
	if (listen[0])
		err = m_open(d, listen, &m);
	if (!err) {
		if (!listen[0])
			pr_info("metrics: endpoint off");
		snprintf(d->cfg.metrics_listen, sizeof(d->cfg.metrics_listen),
			 "%s", listen);
		cur = m;
		return 0;
	}
	if (d->cfg.metrics_listen[0]) {
		pr_warn("metrics: keeping %s", d->cfg.metrics_listen);
		if (m_open(d, d->cfg.metrics_listen, &cur))
			d->cfg.metrics_listen[0] = 0;
	}
	return err;
}
