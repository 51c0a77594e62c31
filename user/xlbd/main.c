// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xlbd: the xlb control daemon. Loads and attaches the XDP program (or
 * adopts the one a previous xlbd left running), applies the config file,
 * follows backend MACs, serves the control socket. SIGHUP reloads the
 * file (read and checked in a thread, applied in the event loop); SIGTERM
 * exits and leaves the data plane forwarding.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <bpf/libbpf.h>
#include <systemd/sd-daemon.h>

#include "inspect.h"
#include "log.h"
#include "opts.h"
#include "thread.h"
#include "xlb_util.h"
#include "xlb_version.h"
#include "xlbd.h"

#define DEFAULT_CONFIG "/etc/xlb/xlb.yaml"
#define NEIGH_RETRY_MS 1000

static int libbpf_print(enum libbpf_print_level lvl, const char *fmt,
			va_list ap)
{
	if (!xlb_log_verbose())
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* fatal: at startup a bad file is an error (we exit), on reload a warning */
static void log_errors(const struct xlb_config_errors *errs, const char *what,
		       bool fatal)
{
	for (size_t i = 0; i < errs->n; i++)
		xlb_log(fatal ? XLB_LOG_ERR : XLB_LOG_WARN, "%s%s", what,
			errs->v[i].msg);
}

static int load_config(const char *path, struct xlb_config *c, const char *what,
		       bool fatal)
{
	struct xlb_config_errors errs = {};
	int err = xlb_config_load(path, c, &errs);

	if (err)
		log_errors(&errs, what, fatal);
	xlb_config_errors_free(&errs);
	return err;
}

/* Unix time, for the metrics' timestamps. */
static double unix_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void reload_undoes(void *ctx, bool runtime, const char *msg)
{
	if (runtime)
		pr_warn("reload: %s (undoes a change made with xlbctl)", msg);
}

/*
 * A SIGHUP's load (read, parse, validate) runs in a thread of its own: a
 * file at the bounds (16 MiB, 1,000,000 nodes) takes about a second, and
 * the event loop (control socket, health checks, neighbour events) must
 * not wait for it. The thread touches nothing but its job; the loop applies
 * the result when the eventfd says it is done.
 */
struct xlbd_reload {
	const char *path; /* the file; NULL: doc, from etcd */
	char *doc;
	size_t len;
	int64_t rev;
	char name[200];		/* etcd:KEY */
	struct xlb_config node; /* the bootstrap file, for doc */
	pthread_t tid;
	int efd;
	struct xlb_config cfg;
	struct xlb_config_errors errs;
	int err;
};

/* The file as loaded by @j: refused, or applied as a diff. */
static void reload_apply(struct xlbd *d, struct xlbd_reload *j)
{
	struct xlb_config c = j->cfg;
	int err = 0;

	if (!j->path)
		xlbd_etcd_processed(d, j->rev, !j->err);
	if (j->err) {
		log_errors(&j->errs, "reload refused: ", false);
		pr_warn("reload refused: the running configuration stays");
		d->reloads_failed++;
		d->reload_last_failed = true;
		sd_notify(
			0,
			"READY=1\nSTATUS=reload refused; running the previous configuration");
		return;
	}
	if (!xlb_config_restart_equal(&c, &d->cfg))
		pr_warn("reload: interface, reply_interfaces, xdp_mode, pin_dir and control_socket changes take effect on restart");
	d->cfg.flows = c.flows; /* timeouts apply at the next scan */
	xlbd_flows_limit_apply(d);
	d->cfg.snat = c.snat;
	xlbd_nat_apply(d);
	d->cfg.announce_table = c.announce_table; /* applied by the sync */
	if (memcmp(&c.encap, &d->cfg.encap, sizeof(c.encap))) {
		pr_info("reload: encap_source or gue_port changed");
		d->cfg.encap = c.encap;
		xlbd_encap_apply(d);
	}
	if (c.hash_seed != d->cfg.hash_seed) {
		pr_info("reload: hash_seed changed; republishing every ring");
		d->cfg.hash_seed = c.hash_seed;
		for (size_t i = 0; i < d->n_svcs; i++)
			xlbd_svc_publish(d, d->svcs[i]);
	}
	if (strcmp(c.metrics_listen, d->cfg.metrics_listen))
		err = xlbd_metrics_reload(d, c.metrics_listen);
	err = xlbd_sync_reload(d, &c.sync) ?: err;
	xlbd_drift(d, &c, reload_undoes, NULL);
	err = xlbd_state_apply(d, &c) ?: err;
	xlb_config_free(&d->file);
	d->file = c; /* runtime changes count from here */
	pr_info("reload done: %zu services", d->n_svcs);
	sd_notifyf(0, "READY=1\nSTATUS=%zu services on %s%s", d->n_svcs,
		   d->cfg.interface, err ? " (last reload partly failed)" : "");
	/* metrics: a reload that could not apply everything is a failure */
	d->reload_last_failed = err;
	if (err) {
		d->reloads_failed++;
	} else {
		d->reloads_ok++;
		d->config_ok_time = unix_now();
	}
}

/* Touches only its job: it may run in the reload thread. */
static void reload_run(struct xlbd_reload *j)
{
	if (j->path)
		j->err = xlb_config_load(j->path, &j->cfg, &j->errs);
	else
		j->err = xlb_config_load_shared(j->name, j->doc, j->len,
						&j->node, &j->cfg, &j->errs);
}

static void *reload_load(void *arg)
{
	struct xlbd_reload *j = arg;

	reload_run(j);
	eventfd_write(j->efd, 1);
	return NULL;
}

static void reload_free(struct xlbd_reload *j)
{
	xlb_config_errors_free(&j->errs);
	free(j->doc);
	free(j);
}

/* The thread is done (or was never started): apply, then maybe again. */
static void reload_finish(struct xlbd *d)
{
	struct xlbd_reload *j = d->reload;

	reload_apply(d, j);
	reload_free(j);
	d->reload = NULL;
	if (d->reload_again) {
		d->reload_again = false;
		xlbd_reload_start(d, "again");
	}
}

static void on_reload_done(struct xlb_loop *l, int fd, uint32_t events,
			   void *ctx)
{
	struct xlbd *d = ctx;
	eventfd_t v;

	if (eventfd_read(fd, &v))
		return;
	pthread_join(d->reload->tid, NULL);
	xlbd_thread_waker_close(l, &d->reload->efd);
	reload_finish(d);
}

void xlbd_reload_start(struct xlbd *d, const char *why)
{
	struct xlbd_reload *j;
	int err;

	if (d->reload) {
		/* the file may have changed since that load read it */
		pr_info("%s: a reload is running; another follows it", why);
		d->reload_again = true;
		return;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		pr_warn("reload refused: %s", strerror(ENOMEM));
		d->reloads_failed++;
		d->reload_last_failed = true;
		sd_notify(0, "READY=1\nSTATUS=reload refused (out of memory)");
		return;
	}
	if (d->etcd) {
		err = xlbd_etcd_doc(d, &j->doc, &j->len, &j->rev, j->name,
				    sizeof(j->name));
		if (err) {
			pr_warn("%s: nothing to reload from %s (%s)", why,
				j->name, strerror(-err));
			free(j);
			return;
		}
		j->node = d->boot;
		pr_info("%s: reloading %s (revision %lld)", why, j->name,
			(long long)j->rev);
	} else {
		j->path = d->config_path;
		pr_info("%s: reloading %s", why, d->config_path);
	}
	sd_notify(0, "RELOADING=1\nSTATUS=reloading");
	d->reload = j;
	j->efd = xlbd_thread_waker_open(d->loop, on_reload_done, d);
	err = j->efd < 0 ? -j->efd
			 : -xlbd_thread_spawn(&j->tid, "xlbd-reload",
					      reload_load, j);
	if (!err)
		return;
	pr_warn("reload: cannot load in the background (%s); loading here",
		strerror(err));
	xlbd_thread_waker_close(d->loop, &j->efd);
	reload_run(j);
	reload_finish(d);
}

/* At exit: a load still running is waited for (its bounds keep it short). */
static void reload_stop(struct xlbd *d)
{
	struct xlbd_reload *j = d->reload;

	if (!j)
		return;
	pthread_join(j->tid, NULL);
	close(j->efd);
	xlb_config_free(&j->cfg);
	reload_free(j);
	d->reload = NULL;
}

static void on_signal(struct xlb_loop *l, int fd, uint32_t events, void *ctx)
{
	struct signalfd_siginfo si;
	struct xlbd *d = ctx;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			xlbd_reload_start(d, "SIGHUP");
		} else {
			pr_info("%s: exiting; the data plane keeps forwarding",
				strsignal(si.ssi_signo));
			xlb_loop_stop(l);
		}
	}
}

/*
 * config_source: etcd: the bootstrap file is d->cfg so far; the config to
 * start with is etcd's document merged with it.
 */
static int etcd_config(struct xlbd *d)
{
	struct xlb_config_errors errs = {};
	int err;

	d->boot = d->cfg;
	if (!d->boot.etcd.name[0] &&
	    gethostname(d->boot.etcd.name, sizeof(d->boot.etcd.name) - 1))
		snprintf(d->boot.etcd.name, sizeof(d->boot.etcd.name), "xlb");
	if (!xlb_name_ok(d->boot.etcd.name)) {
		pr_err("etcd: the host name '%s' is not a node name: set etcd.name",
		       d->boot.etcd.name);
		return -EINVAL;
	}
	d->cfg = (struct xlb_config){};
	err = xlbd_etcd_init(d, &d->cfg, &errs);
	log_errors(&errs, "", true);
	xlb_config_errors_free(&errs);
	if (err) {
		pr_err("cannot start: no configuration from etcd");
		xlbd_etcd_stop(d);
	}
	return err;
}

static void on_neigh(struct xlb_loop *l, int fd, uint32_t events, void *ctx)
{
	struct xlbd *d = ctx;
	int n = xlb_neigh_process(d->neigh, xlbd_state_neigh_event, d);
	bool routes = xlb_neigh_routes_changed(d->neigh);

	if (n == -ENOBUFS) {
		/* notifications lost: ask again about everyone */
		pr_debug("neighbour notifications overran; rechecking all");
		xlbd_state_refresh_neigh(d);
	}
	/* the program's cached next hops (ipip, gue) are asked again */
	if (n || routes)
		xlb_dp_nexthops_changed(&d->dp);
	/* a route moved, or a next hop's entry went: manage what is now */
	if (routes || n == -ENOBUFS || d->nh_dirty)
		xlbd_nexthop_sync(d);
}

static void on_neigh_timer(struct xlb_loop *l, void *ctx)
{
	static unsigned int ticks;
	struct xlbd *d = ctx;

	/*
	 * Every second: retry unresolved backends. Every
	 * XLB_NEIGH_REFRESH_SEC: probe resolved ones too, so the kernel
	 * keeps their entries (XDP traffic never refreshes them).
	 */
	if (++ticks % XLB_NEIGH_REFRESH_SEC == 0) {
		xlbd_state_refresh_neigh(d);
		xlbd_nexthop_sync(d);
	} else {
		if (d->nh_dirty)
			xlbd_nexthop_sync(d);
		for (size_t i = 0; i < d->n_svcs; i++) {
			for (size_t j = 0; j < d->svcs[i]->n_bes; j++) {
				if (!d->svcs[i]->bes[j]->mac_ok) {
					xlbd_state_refresh_neigh(d);
					goto out;
				}
			}
		}
	}
out:
	xlb_timer_add(l, NEIGH_RETRY_MS, on_neigh_timer, d);
}

/* --help: before and after the options (opts.h) */
static const char usage[] =
	"Usage: xlbd [-v] [-c FILE] [--bpf-object FILE]  run the daemon\n"
	"       xlbd --check-config FILE   validate FILE, print every problem\n"
	"       xlbd [-c FILE] --teardown  detach the XDP program, remove pinned maps\n"
	"Options:\n";
static const char notes[] = "See xlbd(8) and xlb.yaml(5).\n";

int main(int argc, char **argv)
{
	const char *path = DEFAULT_CONFIG, *check = NULL;
	bool verbose = false, teardown = false;
	struct xlbd_lock_info prev;
	struct xlbd d = {};
	const struct xlb_opt opts[] = {
		{ "config", 'c', true, "FILE",
		  "config file to run with (default " DEFAULT_CONFIG ")",
		  .str = &path },
		{ "check-config", 'C', false, "FILE",
		  "check FILE and this host (interface, networks); exit",
		  .str = &check },
		{ "teardown", 'T', false, NULL,
		  "detach the XDP program, remove the pinned maps; exit",
		  .flag = &teardown },
		{ "bpf-object", 'B', false, "FILE",
		  "load this XDP object, not the one compiled in",
		  .str = &d.bpf_object },
		{ "verbose", 'v', true, NULL,
		  "debug logging, including libbpf's and libxdp's",
		  .flag = &verbose },
		{ "version", 'V', true, NULL,
		  "version and git revision; exit" },
		{ "help", 'h', true, NULL, "this text; exit" },
	};
	struct xlb_opts o = { "xlbd", opts, ARRAY_SIZE(opts), usage, notes, 2 };
	sigset_t mask;
	int sfd = -1, err, n;

	/* the table stores every option but --version: one call reads all */
	if (xlb_opts_next(&o, argc, argv) == 'V') {
		printf("xlbd %s (git %s)\n", XLB_VERSION, XLB_GIT_REV);
		return 0;
	}
	if (optind < argc) {
		fprintf(stderr, "xlbd: unexpected argument \"%s\"\n",
			argv[optind]);
		xlb_opts_usage(&o, stderr);
		return 2;
	}
	xlb_log_init("xlbd", verbose);
	libbpf_set_print(libbpf_print);

	if (check) {
		struct xlb_config_errors errs = {};

		err = xlb_config_load(check, &d.cfg, &errs);
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.v[i].msg);
		xlb_config_errors_free(&errs);
		if (err)
			return 1;
		n = xlbd_check_host(&d.cfg, check, stderr);
		printf("%s: OK (%zu services)%s\n", check, d.cfg.n_services,
		       n ? "; warnings about this host above" : "");
		xlb_config_free(&d.cfg);
		return 0;
	}

	if (load_config(path, &d.cfg, "", true))
		return 1;
	if (d.cfg.source == XLB_CONFIG_SOURCE_ETCD && !teardown &&
	    etcd_config(&d))
		return 1;
	if (teardown) {
		err = xlbd_attach_teardown(&d.cfg);
		xlb_config_free(&d.cfg);
		return err ? 1 : 0;
	}

	d.config_path = path;
	d.sync.fd = -1; /* flow_sync: off until xlbd_sync_start */
	d.config_ok_time = unix_now();
	/* before anything is touched: a second daemon goes no further */
	if (xlbd_lock(&d, &prev)) {
		xlb_config_free(&d.cfg);
		return 1;
	}
	d.loop = xlb_loop_new();
	d.neigh = xlb_neigh_open();
	if (!d.loop || !d.neigh) {
		pr_err("cannot start: %s", strerror(errno));
		return 1;
	}
	err = xlbd_state_init(&d);
	if (!err)
		err = xlbd_attach(&d, &prev);
	if (!err) {
		/* before any service: VIP frames to other MACs are not ours */
		err = xlb_dp_if_mac_set(&d.dp, d.if_mac);
		if (err)
			pr_err("cannot write the interface's MAC to the data plane: %s",
			       strerror(-err));
	}
	if (!err)
		err = xlbd_adopt_maps(&d);
	if (err)
		goto out;
	xlbd_encap_apply(&d); /* before the first encapsulated service */
	{
		/* the file's services become the runtime state */
		struct xlb_config file = d.cfg;

		d.cfg.services = NULL;
		d.cfg.n_services = 0;
		xlbd_state_apply(&d, &file);
		d.file = file;
	}
	xlbd_adopt_release_unclaimed(&d);
	xlbd_flows_limit_apply(&d);
	xlbd_nat_apply(&d);
	xlbd_nexthop_sync(&d); /* resolving starts before the first packet */

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0 || xlb_loop_add_fd(d.loop, sfd, EPOLLIN, on_signal, &d) ||
	    xlb_loop_add_fd(d.loop, xlb_neigh_fd(d.neigh), EPOLLIN, on_neigh,
			    &d) ||
	    !xlb_timer_add(d.loop, NEIGH_RETRY_MS, on_neigh_timer, &d)) {
		err = -errno;
		pr_err("cannot set up the event loop: %s", strerror(errno));
		goto out;
	}
	/* without it flows never idle out; forwarding is unaffected */
	xlbd_flows_start(&d);
	xlb_dp_trace_set(&d.dp, 0); /* a crashed daemon's trace */
	err = xlbd_control_start(&d);
	if (err)
		goto out;
	err = xlbd_metrics_start(&d);
	if (err)
		pr_err("cannot start: metrics endpoint %s",
		       d.cfg.metrics_listen);
	else if ((err = xlbd_announce_start(&d)))
		pr_err("cannot start: VIP announcement");
	else if ((err = xlbd_sync_start(&d)))
		pr_err("cannot start: flow_sync");
	else if (d.etcd && ((err = xlbd_etcd_start(&d)) ||
			    (err = xlbd_cluster_start(&d))))
		pr_err("cannot start: etcd watch: %s", strerror(-err));
	if (err) {
		xlbd_cluster_stop(&d);
		xlbd_etcd_stop(&d);
		xlbd_announce_stop(&d);
		xlbd_metrics_stop(&d);
		xlbd_control_stop(&d);
		goto out;
	}
	pr_info("running: %zu services on %s", d.n_svcs, d.cfg.interface);
	/* systemd's Type=notify: attached, config applied, socket open */
	sd_notifyf(0, "READY=1\nMAINPID=%d\nSTATUS=%zu services on %s",
		   (int)getpid(), d.n_svcs, d.cfg.interface);
	err = xlb_loop_run(d.loop);
	reload_stop(&d);
	xlbd_cluster_stop(&d);
	xlbd_etcd_stop(&d);
	sd_notify(
		0,
		"STOPPING=1\nSTATUS=exiting; the data plane keeps forwarding");
	/* first: the routers stop sending before anything else stops */
	xlbd_announce_stop(&d);
	xlbd_sync_stop(&d);
	xlbd_metrics_stop(&d);
	xlbd_control_stop(&d);
	xlbd_flows_stop(&d);
	xlbd_inspect_trace_stop(&d);
out:
	if (sfd >= 0)
		close(sfd);
	xlbd_state_free(&d);
	/* maps stay pinned, the program stays attached */
	xlbd_hct_close(&d);
	xlb_dp_close(&d.dp);
	xlbd_nexthop_release(&d);
	xlb_neigh_close(d.neigh);
	xlb_loop_free(d.loop);
	xlb_config_free(&d.cfg);
	xlb_config_free(&d.file);
	xlbd_unlock(&d);
	return err ? 1 : 0;
}
