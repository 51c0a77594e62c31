// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xlb_pps: how many small UDP packets a load-balancer node forwards, with a
 * generator that costs next to nothing, for tools/bench_e2e.sh.
 *
 *	xlb_pps --lb-ns NETNS --lb-if DEV --sink-ns NETNS --sink-if DEV
 *		--src-mac MAC --src IP --dst IP [--dport N]
 *		[--modes drop,ref,xlb,nft] [--threads 1,2] [--duration S]
 *		[--rounds N] [--pin-dir DIR] [-o DIR]
 *	xlb_pps --stats-hold S		(bpf run-time stats on for S seconds)
 *
 * Generator: BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES (Linux
 * 5.18+) on DEV of the lb namespace. The kernel builds each frame in a
 * recycled page, runs an XDP program on it as if DEV had received it, and
 * carries the verdict out for real: XDP_TX leaves through DEV
 * (ndo_xdp_xmit), XDP_PASS goes up the namespace's stack
 * (netif_receive_skb). One injecting thread per CPU (one RX queue each,
 * as a NIC would spread flows), each with its own UDP flow, in batches of
 * 64 frames; no socket, no copy to user space, no second device on the
 * way in. The frames sent out of DEV reach its veth peer (the switch
 * port, SINK), where a counting XDP_DROP program replaces the port's own
 * program for the measurement (restored afterwards): what the node
 * forwarded is counted where it arrives, and the rest of the lab (bridge,
 * backends) is not part of the figure.
 *
 * Modes (the program run on each injected frame):
 *   drop  XDP_DROP at once: the generator alone (its ceiling)
 *   ref   bpf/bench_ref.bpf.c: parse, swap MACs, XDP_TX (the XDP floor)
 *   xlb   the program xlbd attached to DEV, frames to the VIP:port of a
 *         UDP service -> XDP_TX to a backend (--pin-dir: xlb's tx
 *         counter is checked against the frames injected)
 *   nft   a 26-instruction program that rewrites the 42 header bytes
 *         (the stack NATs the page in place, and the page comes back for
 *         the next frame) and returns XDP_PASS: the kernel stack with the
 *         namespace's nftables DNAT/SNAT forwards it out of DEV
 *
 * All of it runs on the injecting CPUs, generator included, so the rate
 * is the whole node's. Each round and thread: two short calls to learn
 * the rate, then one call sized to last --duration, which alone is timed
 * (see inject()). Reported per mode and thread count, medians over the
 * rounds (interleaved): frames/s injected and forwarded (wall clock), and
 * forwarded per CPU-second (the injecting threads' own CPU time plus
 * ksoftirqd's), which other jobs on the machine do not skew. Prints one
 * table and writes DIR/pps.tsv and DIR/pps.json. Needs root. Figures only:
 * nothing passes or fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xlb_abi.h"
#include "dataplane.h"
#include "bench_ref.skel.h"
#include "bpf_insn.h"
#include "pkt.h"
#include "bpf_tool.h"
#include "opts.h"
#include "xlb_util.h"

#define MAX_THREADS 16
#define MAX_RES 32
#define HDR_LEN 42 /* Ethernet + IPv4 + UDP */
#define SPORT_BASE 40000

/* BPF instructions ------------------------------------------------------ */

/* INSN(), MOV64_IMM() and the rest: bpf_insn.h */

static int prog_load(const char *name, const struct bpf_insn *insn, int n)
{
	char log[4096] = "";
	LIBBPF_OPTS(bpf_prog_load_opts, o, .log_buf = log,
		    .log_size = sizeof(log), .log_level = 0);
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, name, "GPL", insn, n, &o);

	if (fd < 0) {
		int err = -errno;

		o.log_level = 1;
		fd = bpf_prog_load(BPF_PROG_TYPE_XDP, name, "GPL", insn, n, &o);
		fprintf(stderr, "xlb_pps: load %s: %s\n%s", name,
			strerror(-err), log);
		if (fd >= 0)
			close(fd);
		return err;
	}
	return fd;
}

/* return XDP_DROP */
static int prog_drop(void)
{
	struct bpf_insn p[] = { MOV64_IMM(BPF_REG_0, XDP_DROP), EXIT() };

	return prog_load("pps_drop", p, 2);
}

/* count[0] += 1 (per-CPU array map_fd); return XDP_DROP */
static int prog_sink(int map_fd)
{
	struct bpf_insn p[] = {
		ST(BPF_W, BPF_REG_10, -4, 0),
		MOV64_REG(BPF_REG_2, BPF_REG_10),
		ADD64_IMM(BPF_REG_2, -4),
		INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0,
		     map_fd),
		INSN(0, 0, 0, 0, 0),
		CALL(BPF_FUNC_map_lookup_elem),
		JEQ_IMM(BPF_REG_0, 0, 3),
		LDX(BPF_DW, BPF_REG_1, BPF_REG_0, 0),
		ADD64_IMM(BPF_REG_1, 1),
		STX(BPF_DW, BPF_REG_0, BPF_REG_1, 0),
		MOV64_IMM(BPF_REG_0, XDP_DROP),
		EXIT(),
	};

	return prog_load("pps_sink", p, sizeof(p) / sizeof(p[0]));
}

/* Write hdr[0..42) over the frame's first 42 bytes; return XDP_PASS. */
static int prog_restore(const __u8 *hdr)
{
	struct bpf_insn p[32];
	int n = 0;

	p[n++] = LDX(BPF_W, BPF_REG_2, BPF_REG_1, 0); /* data */
	p[n++] = LDX(BPF_W, BPF_REG_3, BPF_REG_1, 4); /* data_end */
	p[n++] = MOV64_REG(BPF_REG_4, BPF_REG_2);
	p[n++] = ADD64_IMM(BPF_REG_4, HDR_LEN);
	p[n++] = JGT_REG(BPF_REG_4, BPF_REG_3, 0); /* fixed below */
	for (int off = 0; off + 8 <= 40; off += 8) {
		__u64 v;

		memcpy(&v, hdr + off, 8);
		p[n++] = INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_5, 0, 0,
			      (__u32)v);
		p[n++] = INSN(0, 0, 0, 0, (__u32)(v >> 32));
		p[n++] = STX(BPF_DW, BPF_REG_2, BPF_REG_5, off);
	}
	p[n++] = MOV64_IMM(BPF_REG_5, hdr[40] | hdr[41] << 8);
	p[n++] = STX(BPF_H, BPF_REG_2, BPF_REG_5, 40);
	p[n++] = MOV64_IMM(BPF_REG_0, XDP_PASS);
	p[n++] = EXIT();
	p[4].off = n - 5;
	p[n++] = MOV64_IMM(BPF_REG_0, XDP_DROP);
	p[n++] = EXIT();
	return prog_load("pps_restore", p, n);
}

/* Options and state ----------------------------------------------------- */

static struct {
	const char *lb_ns, *lb_if, *sink_ns, *sink_if, *pin_dir, *out;
	const char *src, *dst, *modes, *threads;
	__u8 src_mac[6];
	unsigned long long dport;
	double duration;
	unsigned long long rounds;
	double stats_hold; /* seconds; 0: measure */
} opt = {
	.dport = 5353,
	.duration = 1,
	.rounds = 3,
	.modes = "drop,ref,xlb,nft",
	.threads = "1,2",
	.out = "build/bench",
};

static int lb_nsfd = -1, sink_nsfd = -1, lb_ifindex, sink_ifindex;
static __u8 lb_mac[6];
static int ncpus;

#define MAX_ROUNDS 9

/* One (mode, threads) cell: a value per round. */
struct result {
	char mode[8];
	int threads;
	int n;			      /* rounds done */
	double secs[MAX_ROUNDS];      /* wall */
	double injected[MAX_ROUNDS];  /* frames/s, wall */
	double forwarded[MAX_ROUNDS]; /* frames/s at the sink */
	double per_cpu[MAX_ROUNDS];   /* forwarded per CPU-second */
	double ns_pkt[MAX_ROUNDS];    /* CPU ns per forwarded */
	double lost, total;	      /* injected, not forwarded */
	double tx, tx_want;	      /* xlb counter check */
	char note[128];
};

static struct result res[MAX_RES];
static int nres;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int parse_mac(const char *s, __u8 *m)
{
	unsigned int b[6];

	if (sscanf(s, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5]) != 6)
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		m[i] = b[i];
	return 0;
}

static int enter(int nsfd)
{
	if (setns(nsfd, CLONE_NEWNET)) {
		fprintf(stderr, "xlb_pps: setns: %s\n", strerror(errno));
		return -errno;
	}
	return 0;
}

static int if_mac(const char *dev, __u8 *mac)
{
	struct ifreq ifr = {};
	int s = socket(AF_INET, SOCK_DGRAM, 0), err = 0;

	if (s < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", dev);
	if (ioctl(s, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(s);
	return err;
}

/* The frame thread t injects: src -> dst:dport, its own source port. */
static int frame(struct pkt *p, int t)
{
	pkt_init(p);
	pkt_eth(p, opt.src_mac, lb_mac);
	pkt_ipv4(p, opt.src, opt.dst);
	pkt_udp(p, SPORT_BASE + t, opt.dport);
	pkt_payload_fill(p, 18, 0); /* 60-byte frame */
	return pkt_finish(p);
}

/* Sink ------------------------------------------------------------------ */

static int sink_map = -1, sink_prog = -1, sink_old = -1;
static bool sink_on;

static double sink_count(void)
{
	__u64 v[256];
	__u32 k = 0;
	double sum = 0;

	if (ncpus > 256 || bpf_map_lookup_elem(sink_map, &k, v))
		return -1;
	for (int i = 0; i < ncpus; i++)
		sum += v[i];
	return sum;
}

static int sink_attach(void)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, ao);
	__u32 old_id = 0;
	int err;

	sink_map = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "pps_count", 4, 8,
				  1, NULL);
	if (sink_map < 0)
		return -errno;
	sink_prog = prog_sink(sink_map);
	if (sink_prog < 0)
		return sink_prog;
	err = enter(sink_nsfd);
	if (err)
		return err;
	sink_ifindex = if_nametoindex(opt.sink_if);
	if (!sink_ifindex) {
		fprintf(stderr, "xlb_pps: no %s in the sink namespace\n",
			opt.sink_if);
		return -ENODEV;
	}
	bpf_xdp_query_id(sink_ifindex, XDP_FLAGS_DRV_MODE, &old_id);
	if (old_id) {
		sink_old = bpf_prog_get_fd_by_id(old_id);
		if (sink_old < 0)
			return -errno;
		ao.old_prog_fd = sink_old;
	}
	err = bpf_xdp_attach(
		sink_ifindex, sink_prog,
		XDP_FLAGS_DRV_MODE | (old_id ? XDP_FLAGS_REPLACE : 0), &ao);
	if (err) {
		fprintf(stderr, "xlb_pps: attach the sink to %s: %s\n",
			opt.sink_if, strerror(-err));
		return err;
	}
	sink_on = true;
	return enter(lb_nsfd);
}

/* Put the port's own program back (or none). */
static void sink_detach(void)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, ao, .old_prog_fd = sink_prog);
	int err;

	if (!sink_on || enter(sink_nsfd))
		return;
	if (sink_old >= 0)
		err = bpf_xdp_attach(sink_ifindex, sink_old,
				     XDP_FLAGS_DRV_MODE | XDP_FLAGS_REPLACE,
				     &ao);
	else
		err = bpf_xdp_detach(sink_ifindex, XDP_FLAGS_DRV_MODE, NULL);
	if (err)
		fprintf(stderr,
			"xlb_pps: could not restore %s's program: "
			"%s\n",
			opt.sink_if, strerror(-err));
	sink_on = false;
	enter(lb_nsfd);
}

static void on_signal(int sig)
{
	sink_detach();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Injection ------------------------------------------------------------- */

struct worker {
	pthread_t tid;
	int cpu, prog_fd;
	struct pkt p;
	double secs, cpu_secs, frames; /* of the timed call */
	double cal_frames;	       /* before it */
	int err;
};

static atomic_int go;

static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int live_run(struct worker *w, __u32 rep)
{
	struct xdp_md ctx = {
		.data_end = w->p.len,
		.ingress_ifindex = lb_ifindex,
	};
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = w->p.data,
		    .data_size_in = w->p.len, .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = rep,
		    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = 64, );

	return bpf_prog_test_run_opts(w->prog_fd, &o) ? -errno : 0;
}

/*
 * Each test-run call has a fixed cost that is not packet work: the kernel
 * sets up a page pool, and a program that is not attached anywhere is put
 * into the XDP dispatcher and taken out again, each time waiting for an
 * RCU grace period (the thread sleeps ~10-30 ms per call here). So: two
 * short calls to learn the rate without that cost (their difference),
 * then one call sized to last opt.duration, which alone is timed.
 */
static void *inject(void *arg)
{
	struct worker *w = arg;
	const __u32 r1 = 1 << 16, r2 = 1 << 20;
	double t0, t1, t2, c0, rate, want;
	cpu_set_t set;
	__u32 rep;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	while (!atomic_load(&go))
		;
	t0 = now_s();
	w->err = live_run(w, r1);
	t1 = now_s();
	if (!w->err)
		w->err = live_run(w, r2);
	t2 = now_s();
	if (w->err)
		return NULL;
	w->cal_frames = r1 + r2;
	rate = (t2 - t1) - (t1 - t0) > 1e-4
		       ? (r2 - r1) / ((t2 - t1) - (t1 - t0))
		       : r2 / (t2 - t1);
	want = rate * opt.duration;
	rep = want > 2e9 ? 2000000000U : want < r1 ? r1 : (__u32)want;
	c0 = thread_cpu_s();
	t0 = now_s();
	w->err = live_run(w, rep);
	w->secs = now_s() - t0;
	w->cpu_secs = thread_cpu_s() - c0;
	w->frames = w->err ? 0 : rep;
	return NULL;
}

static struct xlb_dp xdp_maps;
static bool have_maps;

static double xlb_tx(void)
{
	__u64 s[XLB_STAT_MAX];

	if (!have_maps || xlb_dp_stats_global(&xdp_maps, s))
		return -1;
	return s[XLB_STAT_TX] + s[XLB_STAT_REDIRECT];
}

/*
 * CPU seconds the ksoftirqd threads have used: network receive work the
 * kernel defers out of the injecting threads' context lands there.
 */
static int ksoftirqd_pids[256];

static void find_ksoftirqd(void)
{
	for (int cpu = 0; cpu < ncpus; cpu++) {
		char want[32];

		snprintf(want, sizeof(want), "ksoftirqd/%d", cpu);
		for (int pid = 2; pid < 4096 && !ksoftirqd_pids[cpu]; pid++) {
			char path[64], comm[32] = "";
			FILE *f;

			snprintf(path, sizeof(path), "/proc/%d/comm", pid);
			f = fopen(path, "r");
			if (!f)
				continue;
			if (fgets(comm, sizeof(comm), f) &&
			    !strncmp(comm, want, strlen(want)) &&
			    comm[strlen(want)] == '\n')
				ksoftirqd_pids[cpu] = pid;
			fclose(f);
		}
	}
}

static double ksoftirqd_s(void)
{
	double sum = 0, hz = sysconf(_SC_CLK_TCK);

	for (int cpu = 0; cpu < ncpus; cpu++) {
		char path[64], buf[1024], *p;
		unsigned long long ut, st;
		FILE *f;

		if (!ksoftirqd_pids[cpu])
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat",
			 ksoftirqd_pids[cpu]);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')) &&
		    sscanf(p + 2,
			   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
			   "%*u %llu %llu",
			   &ut, &st) == 2)
			sum += (ut + st) / hz;
		fclose(f);
	}
	return sum;
}

static struct result *cell(const char *mode, int threads)
{
	for (int i = 0; i < nres; i++)
		if (!strcmp(res[i].mode, mode) && res[i].threads == threads)
			return &res[i];
	if (nres >= MAX_RES)
		return NULL;
	memset(&res[nres], 0, sizeof(res[0]));
	snprintf(res[nres].mode, sizeof(res[nres].mode), "%s", mode);
	res[nres].threads = threads;
	return &res[nres++];
}

/* One round of mode on n threads, into its cell. */
static int measure(const char *mode, int n)
{
	struct worker w[MAX_THREADS];
	struct bench_ref_bpf *ref = NULL;
	int err = 0, shared = -1;
	double s0, s1, x0, x1, k0, k1, secs = 0, frames = 0, cpu = 0, frac;
	double all = 0, rate = 0;
	bool drop = !strcmp(mode, "drop"), nft = !strcmp(mode, "nft");
	struct result *r = cell(mode, n);

	if (!r || r->n >= MAX_ROUNDS)
		return -E2BIG;
	memset(w, 0, sizeof(w));
	for (int i = 0; i < n; i++) {
		w[i].cpu = ncpus - 1 - i % ncpus; /* the last CPU first */
		w[i].prog_fd = -1;
		if (frame(&w[i].p, i))
			return -EINVAL;
	}
	if (drop) {
		shared = prog_drop();
	} else if (!strcmp(mode, "ref")) {
		ref = bench_ref_bpf__open_and_load();
		if (!ref)
			return -errno;
		shared = dup(bpf_program__fd(ref->progs.bench_ref));
		bench_ref_bpf__destroy(ref);
	} else if (!strcmp(mode, "xlb")) {
		__u32 id = 0;

		bpf_xdp_query_id(lb_ifindex, XDP_FLAGS_DRV_MODE, &id);
		if (!id) {
			fprintf(stderr, "xlb_pps: no XDP program on %s\n",
				opt.lb_if);
			return -ENOENT;
		}
		shared = bpf_prog_get_fd_by_id(id);
	} else if (nft) {
		for (int i = 0; i < n; i++) {
			w[i].prog_fd = prog_restore(w[i].p.data);
			if (w[i].prog_fd < 0) {
				err = w[i].prog_fd;
				goto out;
			}
		}
	} else {
		fprintf(stderr, "xlb_pps: unknown mode %s\n", mode);
		return -EINVAL;
	}
	if (!nft) {
		if (shared < 0)
			return shared == -1 ? -errno : shared;
		for (int i = 0; i < n; i++)
			w[i].prog_fd = shared;
	}

	fprintf(stderr, "xlb_pps: %s, %d thread%s, %.1f s\n", mode, n,
		n > 1 ? "s" : "", opt.duration);
	s0 = sink_count();
	x0 = xlb_tx();
	k0 = ksoftirqd_s();
	atomic_store(&go, 0);
	for (int i = 0; i < n; i++)
		if (pthread_create(&w[i].tid, NULL, inject, &w[i])) {
			err = -errno;
			n = i;
			break;
		}
	atomic_store(&go, 1);
	for (int i = 0; i < n; i++) {
		pthread_join(w[i].tid, NULL);
		if (w[i].err && !err)
			err = w[i].err;
		if (w[i].secs > secs)
			secs = w[i].secs;
		frames += w[i].frames;
		all += w[i].frames + w[i].cal_frames;
		rate += w[i].secs > 0 ? w[i].frames / w[i].secs : 0;
		cpu += w[i].cpu_secs;
	}
	usleep(100000); /* frames still in a veth ring */
	s1 = sink_count();
	x1 = xlb_tx();
	k1 = ksoftirqd_s();
	if (err) {
		fprintf(stderr, "xlb_pps: %s: test run: %s\n", mode,
			strerror(-err));
		goto out;
	}
	/* ksoftirqd: over the calibration calls too (a slight overcount) */
	cpu += k1 - k0;
	/* what reached the sink, as a share of all frames injected */
	frac = drop ? 1 : (s1 - s0) / all;
	if (frac > 1)
		frac = 1; /* a stray frame of the lab's own */
	r->secs[r->n] = secs;
	r->injected[r->n] = rate;
	r->forwarded[r->n] = drop ? 0 : rate * frac;
	r->per_cpu[r->n] = frames * frac / cpu;
	r->ns_pkt[r->n] = cpu / (frames * frac) * 1e9;
	r->n++;
	r->total += all;
	r->lost += all * (1 - frac);
	if (x0 >= 0) {
		r->tx += x1 - x0;
		r->tx_want += all;
	}
out:
	if (!nft) {
		if (shared >= 0)
			close(shared);
	} else {
		for (int i = 0; i < n; i++)
			if (w[i].prog_fd >= 0)
				close(w[i].prog_fd);
	}
	return err;
}

/* Output ----------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double s[MAX_ROUNDS];

	if (n < 1)
		return 0;
	memcpy(s, v, sizeof(*s) * n);
	qsort(s, n, sizeof(*s), cmp_double);
	return n & 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static const char *mode_desc(const char *m)
{
	if (!strcmp(m, "drop"))
		return "generator alone (XDP_DROP)";
	if (!strcmp(m, "ref"))
		return "XDP MAC swap + XDP_TX (floor)";
	if (!strcmp(m, "xlb"))
		return "xlb (XDP_TX to a backend)";
	if (!strcmp(m, "nft"))
		return "nftables DNAT (kernel stack)";
	return m;
}

static void make_note(struct result *r)
{
	if (!strcmp(r->mode, "drop"))
		snprintf(r->note, sizeof(r->note),
			 "frames built, run, dropped: nothing forwarded");
	else if (!strcmp(r->mode, "xlb") && r->tx_want > 0)
		snprintf(r->note, sizeof(r->note),
			 "xlb tx +%.0f of %.0f injected; %.2f%% not at sink",
			 r->tx, r->tx_want, 100 * r->lost / r->total);
	else
		snprintf(r->note, sizeof(r->note),
			 "%.2f%% of injected not at the sink",
			 100 * r->lost / r->total);
}

static double xlb_med(int threads, bool per_cpu)
{
	for (int i = 0; i < nres; i++)
		if (!strcmp(res[i].mode, "xlb") && res[i].threads == threads)
			return median(per_cpu ? res[i].per_cpu
					      : res[i].forwarded,
				      res[i].n);
	return -1;
}

static void loadavg(char *buf, size_t len)
{
	FILE *f = fopen("/proc/loadavg", "r");

	snprintf(buf, len, "?");
	if (f) {
		if (!fgets(buf, len, f))
			snprintf(buf, len, "?");
		fclose(f);
	}
	buf[strcspn(buf, " ")] = 0;
}

static void ratio(char *buf, size_t len, double v, double ref)
{
	if (ref > 0 && v > 0)
		snprintf(buf, len, "%.2f", v / ref);
	else
		snprintf(buf, len, "-");
}

static void output(int rounds)
{
	char path[512], la[64];
	FILE *t, *j;

	loadavg(la, sizeof(la));
	for (int i = 0; i < nres; i++)
		make_note(&res[i]);
	printf("\n== packets/s the lb node forwards: 60-byte UDP frames "
	       "injected into %s's XDP path (BPF_PROG_TEST_RUN live frames, "
	       "one thread per CPU), counted by an XDP_DROP sink on its veth "
	       "peer; median of %d x %.1f s; %d CPUs, load average %s\n",
	       opt.lb_if, rounds, opt.duration, ncpus, la);
	printf("%-30s %3s %11s %11s %6s %11s %6s %7s  %s\n", "path", "thr",
	       "injected/s", "forwarded/s", "x xlb", "fwd/CPU-s", "x xlb",
	       "CPU ns", "check");
	for (int i = 0; i < nres; i++) {
		const struct result *r = &res[i];
		bool drop = !strcmp(r->mode, "drop");
		double f = median(r->forwarded, r->n);
		double pc = median(r->per_cpu, r->n);
		char fwd[32] = "-", r1[16], r2[16];

		if (!drop)
			snprintf(fwd, sizeof(fwd), "%.0f", f);
		ratio(r1, sizeof(r1), drop ? 0 : f, xlb_med(r->threads, 0));
		ratio(r2, sizeof(r2), drop ? 0 : pc, xlb_med(r->threads, 1));
		printf("%-30s %3d %11.0f %11s %6s %11.0f %6s %7.0f  %s\n",
		       mode_desc(r->mode), r->threads,
		       median(r->injected, r->n), fwd, r1, pc, r2,
		       median(r->ns_pkt, r->n), r->note);
	}
	printf("forwarded/s: wall clock, what the node did in this run "
	       "(other jobs share the CPUs). fwd/CPU-s and CPU ns: per CPU "
	       "second the injecting threads and ksoftirqd used, generator "
	       "included (its share: the first row).\n");

	mkdir(opt.out, 0755);
	snprintf(path, sizeof(path), "%s/pps.tsv", opt.out);
	t = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/pps.json", opt.out);
	j = fopen(path, "w");
	if (!t || !j) {
		fprintf(stderr, "xlb_pps: write %s: %s\n", opt.out,
			strerror(errno));
		if (t)
			fclose(t);
		if (j)
			fclose(j);
		return;
	}
	fprintf(t, "mode\tpath\tthreads\trounds\tinjected_pps\tforwarded_pps\t"
		   "forwarded_pps_min\tforwarded_pps_max\tratio_to_xlb\t"
		   "forwarded_per_cpu_s\tratio_to_xlb_per_cpu\tcpu_ns_per_pkt\t"
		   "note\n");
	fprintf(j,
		"{\n  \"tool\": \"xlb_pps\",\n  \"frame_bytes\": 60,\n"
		"  \"cpus\": %d,\n  \"loadavg\": \"%s\",\n"
		"  \"seconds_per_round\": %.1f,\n  \"results\": [\n",
		ncpus, la, opt.duration);
	for (int i = 0; i < nres; i++) {
		const struct result *r = &res[i];
		bool drop = !strcmp(r->mode, "drop");
		double f = median(r->forwarded, r->n);
		double pc = median(r->per_cpu, r->n);
		double mn = r->forwarded[0], mx = r->forwarded[0];
		double x = xlb_med(r->threads, 0), xc = xlb_med(r->threads, 1);

		for (int k = 1; k < r->n; k++) {
			if (r->forwarded[k] < mn)
				mn = r->forwarded[k];
			if (r->forwarded[k] > mx)
				mx = r->forwarded[k];
		}
		fprintf(t, "%s\t%s\t%d\t%d\t%.0f\t", r->mode,
			mode_desc(r->mode), r->threads, r->n,
			median(r->injected, r->n));
		if (drop)
			fprintf(t, "\t\t\t\t");
		else
			fprintf(t, "%.0f\t%.0f\t%.0f\t%.3f\t", f, mn, mx,
				x > 0 ? f / x : 0);
		fprintf(t, "%.0f\t", pc);
		if (!drop && xc > 0)
			fprintf(t, "%.3f", pc / xc);
		fprintf(t, "\t%.1f\t%s\n", median(r->ns_pkt, r->n), r->note);

		fprintf(j,
			"    {\"mode\": \"%s\", \"path\": \"%s\", "
			"\"threads\": %d, \"rounds\": %d, "
			"\"injected_pps\": %.0f, ",
			r->mode, mode_desc(r->mode), r->threads, r->n,
			median(r->injected, r->n));
		if (drop)
			fprintf(j, "\"forwarded_pps\": null, "
				   "\"ratio_to_xlb\": null, ");
		else
			fprintf(j,
				"\"forwarded_pps\": %.0f, "
				"\"forwarded_pps_min\": %.0f, "
				"\"forwarded_pps_max\": %.0f, "
				"\"ratio_to_xlb\": %.3f, ",
				f, mn, mx, x > 0 ? f / x : 0);
		fprintf(j,
			"\"forwarded_per_cpu_s\": %.0f, "
			"\"cpu_ns_per_pkt\": %.1f, \"note\": \"%s\"}%s\n",
			pc, median(r->ns_pkt, r->n), r->note,
			i + 1 < nres ? "," : "");
	}
	fprintf(j, "  ]\n}\n");
	fclose(t);
	fclose(j);
}

/* Main ------------------------------------------------------------------- */

static volatile sig_atomic_t stop_hold;

static void on_hold_signal(int sig)
{
	stop_hold = 1;
}

/* Keep bpf run-time statistics on (run_time_ns, run_cnt) for S seconds. */
static int stats_hold(double secs)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	double t0 = now_s();

	if (fd < 0) {
		fprintf(stderr, "xlb_pps: enable stats: %s\n", strerror(errno));
		return 1;
	}
	signal(SIGTERM, on_hold_signal);
	signal(SIGINT, on_hold_signal);
	printf("stats on\n");
	fflush(stdout);
	while (!stop_hold && now_s() - t0 < secs)
		usleep(100000);
	close(fd);
	return 0;
}

/* --help: before and after the options (opts.h) */
static const char usage[] =
	"usage: xlb_pps --lb-ns NETNS --lb-if DEV --sink-ns NETNS --sink-if DEV\n"
	"               --src-mac MAC --src IP --dst IP [--dport N]\n"
	"               [--modes drop,ref,xlb,nft] [--threads 1,2]\n"
	"               [--duration S] [--rounds N] [--pin-dir DIR] [-o DIR]\n"
	"       xlb_pps --stats-hold S\n"
	"NETNS: a namespace file (/run/netns/NAME). Frames src -> dst:dport are\n"
	"injected into DEV's XDP path; what leaves DEV is counted (and dropped)\n"
	"by a program put on the sink DEV for the run. --pin-dir: xlbd's maps,\n"
	"to check xlb's counters.\n";

int main(int argc, char **argv)
{
	const struct xlb_opt opts[] = {
		{ "lb-ns", 'L', false, "NETNS", "the load balancer's namespace",
		  .str = &opt.lb_ns },
		{ "lb-if", 'l', false, "DEV",
		  "its interface, whose XDP path gets the frames",
		  .str = &opt.lb_if },
		{ "sink-ns", 'S', false, "NETNS", "the sink's namespace",
		  .str = &opt.sink_ns },
		{ "sink-if", 's', false, "DEV",
		  "the sink's interface, where frames are counted",
		  .str = &opt.sink_if },
		{ "src-mac", 'm', false, "MAC", "the frames' source MAC" },
		{ "src", 'a', false, "IP", "the frames' source address",
		  .str = &opt.src },
		{ "dst", 'b', false, "IP", "their destination (a VIP)",
		  .str = &opt.dst },
		{ "dport", 'p', false, "N", "their UDP port (default 5353)",
		  .num = &opt.dport, .max = 65535 },
		{ "modes", 'M', false, "LIST",
		  "what the lb runs, in turn (default drop,ref,xlb,nft)",
		  .str = &opt.modes },
		{ "threads", 't', false, "LIST",
		  "injecting threads, in turn (default 1,2)",
		  .str = &opt.threads },
		{ "duration", 'd', false, "S",
		  "seconds per measurement, at most 60 (default 1)",
		  .real = &opt.duration, .fmax = 60 },
		{ "rounds", 'R', false, "N",
		  "rounds of all modes, 1.." XLB_STR(MAX_ROUNDS) " (default 3)",
		  .num = &opt.rounds, .min = 1, .max = MAX_ROUNDS },
		{ "pin-dir", 'P', false, "DIR", "xlbd's pinned maps",
		  .str = &opt.pin_dir },
		{ NULL, 'o', true, "DIR", "output directory (build/bench)",
		  .str = &opt.out },
		{ "stats-hold", 'H', false, "S",
		  "only keep BPF run-time stats on for S seconds\n"
		  "(or until SIGINT/SIGTERM), then exit",
		  .real = &opt.stats_hold, .fmax = 86400 },
		{ "help", 'h', true, NULL, "this text" },
	};
	struct xlb_opts o = {
		"xlb_pps", opts, ARRAY_SIZE(opts), usage, NULL, 2
	};
	char modes[128], threads[64], *m, *sp1, *sp2;
	int err;

	/* --src-mac alone comes back: it is read here */
	while (xlb_opts_next(&o, argc, argv) != -1) {
		if (parse_mac(optarg, opt.src_mac)) {
			xlb_opts_usage(&o, stderr);
			return 2;
		}
	}
	if (xlb_opts_given(&o, 'H')) {
		libbpf_set_print(NULL);
		return stats_hold(opt.stats_hold);
	}
	if (!opt.lb_ns || !opt.lb_if || !opt.sink_ns || !opt.sink_if ||
	    !opt.src || !opt.dst || !xlb_opts_given(&o, 'm') ||
	    opt.duration <= 0) {
		xlb_opts_usage(&o, stderr);
		return 2;
	}
	if (!xlb_bpf_tool_start("xlb_pps", ""))
		return 1;
	ncpus = libbpf_num_possible_cpus();
	if (ncpus < 1 || ncpus > 256)
		return 1;
	lb_nsfd = open(opt.lb_ns, O_RDONLY | O_CLOEXEC);
	sink_nsfd = open(opt.sink_ns, O_RDONLY | O_CLOEXEC);
	if (lb_nsfd < 0 || sink_nsfd < 0) {
		fprintf(stderr, "xlb_pps: open %s / %s: %s\n", opt.lb_ns,
			opt.sink_ns, strerror(errno));
		return 1;
	}
	if (enter(lb_nsfd))
		return 1;
	lb_ifindex = if_nametoindex(opt.lb_if);
	if (!lb_ifindex || if_mac(opt.lb_if, lb_mac)) {
		fprintf(stderr, "xlb_pps: no %s in %s\n", opt.lb_if, opt.lb_ns);
		return 1;
	}
	if (opt.pin_dir && !xlb_dp_open_pinned(&xdp_maps, opt.pin_dir))
		have_maps = true;

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	err = sink_attach();
	if (err) {
		sink_detach();
		return 1;
	}
	find_ksoftirqd();
	/* rounds interleave the modes: drift and other jobs hit them alike */
	for (unsigned int round = 0; round < opt.rounds; round++) {
		snprintf(modes, sizeof(modes), "%s", opt.modes);
		for (m = strtok_r(modes, ",", &sp1); m;
		     m = strtok_r(NULL, ",", &sp1)) {
			snprintf(threads, sizeof(threads), "%s", opt.threads);
			for (char *t = strtok_r(threads, ",", &sp2); t;
			     t = strtok_r(NULL, ",", &sp2)) {
				int n = atoi(t);

				if (n < 1 || n > MAX_THREADS)
					continue;
				if (measure(m, n))
					fprintf(stderr,
						"xlb_pps: %s x%d: not "
						"measured\n",
						m, n);
			}
		}
	}
	sink_detach();
	if (have_maps)
		xlb_dp_close(&xdp_maps);
	output(opt.rounds);
	return 0;
}
