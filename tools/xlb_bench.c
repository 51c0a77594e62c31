// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xlb_bench: what the XDP program costs per packet, measured with
 * BPF_PROG_TEST_RUN, what each scheduler costs, how long a backend change
 * takes to reach the data plane, and how much memory a service and the
 * flow table take.
 *
 *	xlb_bench [-o DIR] [-r REPEAT] [-n SINGLES] [-e]
 *
 * Prints one table per section on stdout and writes the same rows to
 * DIR/bench.tsv and DIR/bench.json (DIR defaults to build/bench; the
 * section is a column). Needs root. Figures only: nothing here passes or
 * fails. Sections:
 *
 *  packet	per-packet cost (below) and how it scales with backends,
 *		services and flows; two CPUs on one service against one
 *		(scale_row(), a ratio of packet rates)
 *  encap		ipip, gue and nat beside the same flow in l2 (bench_encap());
 *		nat also the backend's reply; -e: this section alone
 *  scheduler	each scheduler on its own service of 100 backends, with the
 *		ring xlbd would publish for it (same library calls): the
 *		established hit and a new flow (SYN)
 *  control	backend change -> visible: a 1000-backend service loses (or
 *		regains) a backend; from the start of the ring rebuild over
 *		xlb_dp_service_publish until a test-run SYN of a flow whose
 *		slot changed lands on its new backend (bench_publish()); the
 *		outer-map update alone; Maglev build times
 *  memory	a published ring's memlock (fdinfo), the flow table's memlock
 *		and the kernel memory (meminfo) a map like it takes, empty
 *		and with 1M flows
 *
 * Two ways of timing a packet, and which row uses which:
 *
 *  amortized	One BPF_PROG_TEST_RUN with repeat R: the kernel runs the
 *		program R times between two clock reads and reports the mean
 *		(topts.duration, whole ns). The frame each iteration sees is
 *		the one the previous iteration produced. For xlb that is the
 *		same flow's frame with rewritten MACs, so after one priming
 *		packet every iteration is a flow-table hit; the counters are
 *		checked to prove it (no new flow during the runs). To keep
 *		the rewritten frame addressed to the program's interface
 *		(VIP frames to another MAC are passed), every backend's MAC
 *		here is that interface's own (lb_mac), and the source MAC
 *		the program writes names the backend (02:be:00:00:ID). The
 *		reference program swaps MACs back and forth; a non-VIP frame
 *		passes unchanged. Median of 5 runs, min..max over them.
 *
 *  est+delta	A new flow needs a new 5-tuple on every packet, so repeat
 *		must be 1, and then topts.duration includes the test-run
 *		timer's own clock reads and loop: about 60 ns here (an
 *		established hit reads 160 ns at repeat 1, 97 ns amortized).
 *		So each new-flow packet (repeat 1) is interleaved with one
 *		repeat-1 run of the established packet, and
 *
 *		    new = amortized(established) +
 *			  (total(N new singles) - total(N est singles)) / N
 *
 *		The timer overhead is in both totals and cancels; the
 *		interleaving cancels drift (clock speed, other load). Samples
 *		above the 99th percentile of each series (interrupts) are
 *		left out of its total. Both series run after a syscall and
 *		some user-space work, so what stays in the delta is what a
 *		new flow really adds, cold flow-table memory included (as
 *		it is for a real new flow). This is the figure we trust and
 *		the one new-flow rows report. The plain median of the
 *		repeat-1 new-flow durations is printed too ("repeat=1 raw"),
 *		next to the repeat-1 median of the established hit. 5 rounds
 *		of N packets each; median and min..max over rounds. Flows a
 *		round created are deleted after it, so the table holds the
 *		size a row names (except "table full", which keeps them).
 *		Hits on random flows of a 1M table are measured the same way.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xlb_abi.h"
#include "xlb_bench_encap.h"
#include "config.h"
#include "dataplane.h"
#include "flow_sync_ring.h"
#include "maglev.h"
#include "sched_ring.h"
#include "xlb_hash.h"
#include "xlb_decide.h"
#include "bench_encap.skel.h"
#include "bench_ref.skel.h"
#include "xdp_pass.skel.h"
#include "pkt.h"
#include "bpf_tool.h"
#include "opts.h"
#include "xlb_util.h"

#define RUNS 5 /* runs (amortized) or rounds (singles) */
#define DEF_REPEAT 1000000
#define DEF_SINGLES 4000 /* new flows per round: 20,000 per row */
#define MAX_ROWS 128
#define PREFILL_FLOWS 1000000
#define PREFILL_CHUNK 50000

#define VIP4 "198.19.0.100"
#define VIP4_R1 "198.19.0.101"	/* ring of 1 backend */
#define VIP4_R4K "198.19.0.102" /* ring of 4000 backends */
#define VIP6 "2001:db8:f::100"
#define CLIENT4 "198.18.0.2"
#define CLIENT6 "2001:db8:c::2"
#define OTHER4 "198.18.0.1"	  /* not a VIP */
#define SYN_SRC_BASE 0xc6120100U  /* 198.18.1.0: new-flow clients */
#define FILL_SRC_BASE 0x64400000U /* 100.64.0.0/10: prefilled flows */

static const __u8 router_mac[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const __u8 lb_mac[6] = { 0x02, 0x78, 0x6c, 0x62, 0x00, 0x01 };

/* Sections of the output, in print order. */
enum section {
	SEC_PKT,
	SEC_SCHED,
	SEC_ENCAP,
	SEC_CTL,
	SEC_MEM,
	SEC_MAX
};

static const char *const sec_names[SEC_MAX] = {
	[SEC_PKT] = "packet",  [SEC_SCHED] = "scheduler", [SEC_ENCAP] = "encap",
	[SEC_CTL] = "control", [SEC_MEM] = "memory",
};

static const char *const sec_titles[SEC_MAX] = {
	[SEC_PKT] = "per packet: the XDP program through BPF_PROG_TEST_RUN, "
		    "one CPU",
	[SEC_SCHED] = "per packet by scheduler: 100 backends of weight 1, "
		      "TCP, 1 service",
	[SEC_ENCAP] = "per packet by forwarding mode: ipip, gue and nat beside "
		      "the same flow in l2, same run",
	[SEC_CTL] = "control plane: backend change -> data plane, ring builds",
	[SEC_MEM] = "memory: per service (its ring) and per flow",
};

struct row {
	enum section sec;
	char name[64];
	const char *unit;   /* "ns/pkt", "ms", "KiB", "MiB", "B" */
	const char *method; /* amortized, est+delta, repeat=1, wall */
	double med, min, max;
	double ratio;	     /* to the reference program; < 0: n/a */
	const char *ref_src; /* who reported ref_val (not measured here) */
	double ref_val;	     /* < 0: none */
	char note[96];
};

static struct row rows[MAX_ROWS];
static int nrows;
static enum section cur_sec = SEC_PKT; /* of the rows add_row() adds */
static double ref_ns = -1;
static double pass_ns = -1; /* bpf/xdp_pass.bpf.c, the same frame */
static __u32 repeat = DEF_REPEAT;
static int singles = DEF_SINGLES;
static int bench_cpu;
static bool encap_only; /* -e */
static bool sched_only; /* -s */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double *s = malloc(sizeof(*s) * n), m;

	memcpy(s, v, sizeof(*s) * n);
	qsort(s, n, sizeof(*s), cmp_double);
	m = n & 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

/* Sum of the samples at or below the 99th percentile; *cnt of them. */
static double trimmed_total(const double *v, int n, int *cnt)
{
	double *s = malloc(sizeof(*s) * n), sum = 0;
	int keep = n - n / 100;

	memcpy(s, v, sizeof(*s) * n);
	qsort(s, n, sizeof(*s), cmp_double);
	for (int i = 0; i < keep; i++)
		sum += s[i];
	free(s);
	*cnt = keep;
	return sum;
}

static double t_start;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Progress on stderr, so a slow step shows which one it is. */
static void progress(const char *what)
{
	fprintf(stderr, "xlb_bench: [%5.1fs] %s\n", (now_ms() - t_start) / 1e3,
		what);
}

static struct row *add_row(const char *name, const char *unit,
			   const char *method, const double *v, int n)
{
	struct row *r = &rows[nrows++];

	progress(name);

	memset(r, 0, sizeof(*r));
	r->sec = cur_sec;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->unit = unit;
	r->method = method;
	r->med = median(v, n);
	r->min = r->max = v[0];
	for (int i = 1; i < n; i++) {
		if (v[i] < r->min)
			r->min = v[i];
		if (v[i] > r->max)
			r->max = v[i];
	}
	r->ratio = ref_ns > 0 && !strcmp(unit, "ns/pkt") ? r->med / ref_ns : -1;
	r->ref_val = -1;
	return r;
}

static void row_ref(struct row *r, const char *src, double val)
{
	r->ref_src = src;
	r->ref_val = val;
}

static void pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		fprintf(stderr, "xlb_bench: pin to CPU %d: %s\n", cpu,
			strerror(errno));
}

/* Frames --------------------------------------------------------------- */

struct frame {
	const char *src, *dst;
	__u8 proto; /* IPPROTO_TCP or IPPROTO_UDP */
	__u16 sport, dport;
	__u8 flags;
	int vlan; /* 802.1Q tag vid, 0: none */
};

static int build(struct pkt *p, const struct frame *f)
{
	pkt_init(p);
	pkt_eth(p, router_mac, lb_mac);
	if (f->vlan)
		pkt_vlan(p, f->vlan);
	if (strchr(f->src, ':'))
		pkt_ipv6(p, f->src, f->dst);
	else
		pkt_ipv4(p, f->src, f->dst);
	if (f->proto == IPPROTO_UDP) {
		pkt_udp(p, f->sport, f->dport);
		pkt_payload_fill(p, 18, 0);
	} else {
		pkt_tcp(p, f->sport, f->dport, f->flags);
		pkt_tcp_seq(p, 1, f->flags & PKT_ACK ? 1 : 0);
		pkt_payload_fill(p, 6, 0); /* 60-byte IPv4 frame */
	}
	return pkt_finish(p);
}

/* A frame of *f from an IPv4 client given as a host-order address. */
static int build_from(struct pkt *p, __u32 saddr, struct frame f)
{
	struct in_addr a = { .s_addr = htonl(saddr) };
	char src[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, src, sizeof(src));
	f.src = src;
	return build(p, &f);
}

/* A TCP frame to dst:80 from an IPv4 client. */
static int build_v4(struct pkt *p, __u32 saddr, __u16 sport, const char *dst,
		    __u8 flags)
{
	return build_from(p, saddr,
			  (struct frame){ .dst = dst,
					  .proto = IPPROTO_TCP,
					  .sport = sport,
					  .dport = 80,
					  .flags = flags });
}

/* The established tcp4 packet most rows start from: CLIENT4:40000 -> VIP4:80. */
static const struct frame tcp4_ack = {
	.src = CLIENT4,
	.dst = VIP4,
	.proto = IPPROTO_TCP,
	.sport = 40000,
	.dport = 80,
	.flags = PKT_ACK,
};

/* Test runs ------------------------------------------------------------ */

/* The test run's ingress interface (0: the default, lo); bench_encap()'s. */
static __u32 run_ifindex;

static int run(int fd, const struct pkt *p, __u32 rep, __u32 *dur, __u32 *ret)
{
	struct xdp_md ctx = { .data_end = p->len,
			      .ingress_ifindex = run_ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->data,
		    .data_size_in = p->len, .repeat = rep, );

	if (run_ifindex) {
		o.ctx_in = &ctx;
		o.ctx_size_in = sizeof(ctx);
	}
	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	*dur = o.duration;
	*ret = o.retval;
	return 0;
}

static const char *act_name(__u32 a)
{
	static const char *const n[] = { "ABORTED", "DROP", "PASS", "TX",
					 "REDIRECT" };

	return a < 5 ? n[a] : "?";
}

/* RUNS amortized runs of p (after one warm-up run); ns per run in v. */
static int amortized(int fd, const struct pkt *p, __u32 want, double *v)
{
	__u32 dur, ret;
	int err;

	for (int i = -1; i < RUNS; i++) {
		err = run(fd, p, repeat, &dur, &ret);
		if (err)
			return err;
		if (ret != want) {
			fprintf(stderr, "xlb_bench: XDP_%s, expected XDP_%s\n",
				act_name(ret), act_name(want));
			return -EPROTO;
		}
		if (i >= 0)
			v[i] = dur;
	}
	return 0;
}

/* xlb ------------------------------------------------------------------ */

static struct xlb_dp dp;
static __u32 *rings[3]; /* Maglev rings of 1, 100, 4000 backends */
static const __u32 ring_nbe[3] = { 1, 100, 4000 };
static double est_ns = -1;  /* amortized established tcp4 hit */
static bool keep_new_flows; /* new_flow_row(): leave the flows in */

static void stats(__u64 s[XLB_STAT_MAX])
{
	if (xlb_dp_stats_global(&dp, s))
		memset(s, 0, sizeof(__u64) * XLB_STAT_MAX);
}

static void be_addr(__u32 id, union xlb_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->v4 = htonl(0x0a000000U + id); /* 10.0.x.y */
}

static int setup_backends(void)
{
	struct xlb_maglev_backend *mb;
	int err;

	for (__u32 id = 1; id <= 4000; id++) {
		struct xlb_backend be = {
			.smac = { 0x02, 0xbe, 0, 0, id >> 8, id },
			.flags = XLB_BE_F_UP,
			.gen = 1,
			.family = XLB_FAMILY_V4,
		};

		memcpy(be.dmac, lb_mac, 6);
		be_addr(id, &be.addr);
		err = xlb_dp_backend_set(&dp, id, &be);
		if (err)
			return err;
	}
	mb = calloc(4000, sizeof(*mb));
	if (!mb)
		return -ENOMEM;
	for (__u32 id = 1; id <= 4000; id++) {
		mb[id - 1].id = id;
		be_addr(id, &mb[id - 1].addr);
		mb[id - 1].family = XLB_FAMILY_V4;
		mb[id - 1].weight = 1;
	}
	for (int i = 0; i < 3; i++) {
		rings[i] = malloc(sizeof(__u32) * XLB_DEFAULT_TABLE_SIZE);
		if (!rings[i]) {
			err = -ENOMEM;
			break;
		}
		err = xlb_maglev_build(mb, ring_nbe[i], rings[i],
				       XLB_DEFAULT_TABLE_SIZE);
		if (err)
			break;
	}
	free(mb);
	return err;
}

static int svc_key(struct xlb_svc_key *k, const char *vip, __u16 port,
		   __u8 proto)
{
	memset(k, 0, sizeof(*k));
	if (inet_pton(AF_INET, vip, &k->vip.v4) == 1)
		k->family = XLB_FAMILY_V4;
	else if (inet_pton(AF_INET6, vip, k->vip.bytes) == 1)
		k->family = XLB_FAMILY_V6;
	else
		return -EINVAL;
	k->port = htons(port);
	k->proto = proto;
	return 0;
}

/* The flow key of frame *f (untagged, TCP or UDP). */
static void frame_key(const struct frame *f, struct xlb_flow_key *k)
{
	memset(k, 0, sizeof(*k));
	svc_key(&k->svc, f->dst, f->dport, f->proto);
	if (k->svc.family == XLB_FAMILY_V6)
		inet_pton(AF_INET6, f->src, k->src.bytes);
	else
		inet_pton(AF_INET, f->src, &k->src.v4);
	k->sport = htons(f->sport);
}

/* The per-packet rows' services: id i + 1 on vip:port/proto, rings[ring]. */
static const struct {
	const char *vip;
	__u16 port;
	__u8 proto;
	int ring;
} bench_svcs[] = {
	{ VIP4, 80, IPPROTO_TCP, 1 },	  /* 1: tcp4, 100 backends */
	{ VIP4, 53, IPPROTO_UDP, 1 },	  /* 2: udp4 */
	{ VIP6, 80, IPPROTO_TCP, 1 },	  /* 3: tcp6 */
	{ VIP4_R1, 80, IPPROTO_TCP, 0 },  /* 4: a ring of 1 backend */
	{ VIP4_R4K, 80, IPPROTO_TCP, 2 }, /* 5: of 4000 */
};

/* Publish the services of ids from..to (bench_svcs), Maglev. */
static int add_services(__u32 from, __u32 to)
{
	for (__u32 id = from; id <= to; id++) {
		struct xlb_svc_key k;
		struct xlb_svc v = {
			.id = id,
			.table_size = XLB_DEFAULT_TABLE_SIZE,
			.sched = XLB_SCHED_MAGLEV,
		};
		int err;

		if (svc_key(&k, bench_svcs[id - 1].vip, bench_svcs[id - 1].port,
			    bench_svcs[id - 1].proto))
			return -EINVAL;
		err = xlb_dp_service_publish(&dp, &k, &v,
					     rings[bench_svcs[id - 1].ring],
					     XLB_DEFAULT_TABLE_SIZE);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Filler services 198.20.x.y:80, ids from..to, in the "no backend" state
 * (no ring). The established path only looks the service up, so what
 * matters is the size of the service map; and each ring published would
 * cost a synchronize_rcu() in the kernel (map-in-map update), about 30 ms
 * each here: 30 s for 1000.
 */
static int filler_services(__u32 from, __u32 to, bool add)
{
	for (__u32 id = from; id <= to; id++) {
		struct xlb_svc_key k;
		struct xlb_svc v = { .id = id, .sched = XLB_SCHED_MAGLEV };
		char vip[INET_ADDRSTRLEN];
		int err;

		snprintf(vip, sizeof(vip), "198.20.%u.%u", id >> 8, id & 255);
		svc_key(&k, vip, 80, IPPROTO_TCP);
		if (add)
			err = xlb_dp_service_publish(&dp, &k, &v, NULL, 0);
		else
			err = xlb_dp_service_del(&dp, &k, id);
		if (err)
			return err;
	}
	return 0;
}

static __u64 count_flows(void)
{
	struct xlb_flow_key k, next;
	__u64 n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(dp.flow_fd, prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

/*
 * Amortized row for an established flow: prime it with one packet (a new
 * flow), then time it and check that no run created a flow.
 */
static int est_row(const char *name, const struct frame *f, __u32 want,
		   enum xlb_stat expect, const char *ref_src, double ref_val)
{
	__u64 s0[XLB_STAT_MAX], s1[XLB_STAT_MAX], runs;
	double v[RUNS];
	struct pkt p;
	struct row *r;
	__u32 dur, ret;
	int err;

	if (build(&p, f))
		return -EINVAL;
	err = run(dp.prog_fd, &p, 1, &dur, &ret);
	if (err)
		return err;
	stats(s0);
	err = amortized(dp.prog_fd, &p, want, v);
	if (err)
		return err;
	stats(s1);
	r = add_row(name, "ns/pkt", "amortized", v, RUNS);
	if (ref_src)
		row_ref(r, ref_src, ref_val);
	runs = (__u64)(RUNS + 1) * repeat;
	if (s1[XLB_STAT_NEW_FLOW] != s0[XLB_STAT_NEW_FLOW] ||
	    s1[expect] - s0[expect] != runs) {
		snprintf(r->note, sizeof(r->note),
			 "UNVERIFIED: new_flow +%llu, %s +%llu of %llu",
			 (unsigned long long)(s1[XLB_STAT_NEW_FLOW] -
					      s0[XLB_STAT_NEW_FLOW]),
			 xlb_stat_names[expect],
			 (unsigned long long)(s1[expect] - s0[expect]),
			 (unsigned long long)runs);
	} else if (expect == XLB_STAT_TX) {
		snprintf(r->note, sizeof(r->note),
			 "all %llu runs hits (new_flow +0)",
			 (unsigned long long)runs);
	} else {
		snprintf(r->note, sizeof(r->note), "%s +%llu",
			 xlb_stat_names[expect], (unsigned long long)runs);
	}
	return 0;
}

/*
 * The next frame of a delta_row() series (to vip, where the generator has
 * a choice), and its flow key in *k.
 */
typedef int (*gen_fn)(struct pkt *p, struct xlb_flow_key *k, const char *vip);

static __u32 syn_seq; /* new-flow clients used so far */

static void v4_key(struct xlb_flow_key *k, const char *vip, __u32 saddr,
		   __u16 sport)
{
	svc_key(&k->svc, vip, 80, IPPROTO_TCP);
	memset(&k->src, 0, sizeof(k->src));
	k->src.v4 = htonl(saddr);
	k->sport = htons(sport);
	k->pad[0] = k->pad[1] = 0;
}

/*
 * A SYN of a new client of vip:80: from SYN_SRC_BASE + n, or for an IPv6
 * VIP from CLIENT6's /96 + n.
 */
static int gen_syn(struct pkt *p, struct xlb_flow_key *k, const char *vip)
{
	__u32 n = syn_seq++;
	__u32 saddr = SYN_SRC_BASE + n;
	__u16 sport = 10000 + (n % 50000);
	struct frame f = {
		.dst = vip,
		.proto = IPPROTO_TCP,
		.sport = sport,
		.dport = 80,
		.flags = PKT_SYN,
	};
	char src[INET6_ADDRSTRLEN];

	v4_key(k, vip, saddr, sport);
	if (k->svc.family != XLB_FAMILY_V6)
		return build_from(p, saddr, f);
	inet_pton(AF_INET6, CLIENT6, k->src.bytes);
	k->src.v6[3] = htonl(n + 1);
	inet_ntop(AF_INET6, k->src.bytes, src, sizeof(src));
	f.src = src;
	return build(p, &f);
}

/* A first UDP packet of a new client of VIP4:53: a new main-table flow. */
static int gen_udp(struct pkt *p, struct xlb_flow_key *k, const char *vip)
{
	__u32 n = syn_seq++;
	__u32 saddr = SYN_SRC_BASE + n;
	__u16 sport = 10000 + (n % 50000);

	(void)vip;
	v4_key(k, VIP4, saddr, sport);
	k->svc.port = htons(53);
	k->svc.proto = IPPROTO_UDP;
	return build_from(p, saddr,
			  (struct frame){ .dst = VIP4,
					  .proto = IPPROTO_UDP,
					  .sport = sport,
					  .dport = 53 });
}

static __u32 rnd_state = 2463534242U;

static __u32 xorshift(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

static __u16 fill_sport(__u32 i)
{
	return 1024 + (i % 60000);
}

/* A random one of the prefilled flows: a hit, likely cold in cache. */
static int gen_fill(struct pkt *p, struct xlb_flow_key *k, const char *vip)
{
	__u32 n = xorshift() % PREFILL_FLOWS;

	(void)k;
	(void)vip;
	return build_v4(p, FILL_SRC_BASE + n, fill_sport(n), VIP4, PKT_ACK);
}

/*
 * A series of delta_row(): gen()'s frames (to vip), or the one frame
 * fixed. new_flows: gen()'s frames are new flows (checked, and deleted
 * after each round).
 */
struct series {
	gen_fn gen;
	const char *vip;
	const struct pkt *fixed;
	bool new_flows;
};

/* The next packet of series s, run once; XDP_TX or -EPROTO. */
static int series_run(const char *name, const struct series *s,
		      struct xlb_flow_key *k, double *dur)
{
	struct pkt p;
	__u32 d, ret;
	int err = 0;

	if (s->gen)
		err = s->gen(&p, k, s->vip);
	if (!err)
		err = run(dp.prog_fd, s->gen ? &p : s->fixed, 1, &d, &ret);
	if (err)
		return err;
	if (ret != XDP_TX) {
		fprintf(stderr, "xlb_bench: %s: XDP_%s\n", name, act_name(ret));
		return -EPROTO;
	}
	*dur = d;
	return 0;
}

/* Take series s's new flows (keys) out of both flow tables. */
static void series_forget(const struct series *s,
			  const struct xlb_flow_key *keys)
{
	if (!s->new_flows || keep_new_flows)
		return;
	/*
	 * A SYN waits in the unconfirmed table, a UDP flow is in the main
	 * one: take them out of both, or the small table fills up over the
	 * rows and every later row measures eviction.
	 */
	for (int i = 0; i < singles; i++) {
		struct xlb_nat_rev_key rk;
		struct xlb_nat_fwd f;

		bpf_map_delete_elem(dp.flow_fd, &keys[i]);
		if (dp.syn_flow_fd >= 0)
			bpf_map_delete_elem(dp.syn_flow_fd, &keys[i]);
		/* a nat flow: both directions' entries, its port back */
		if (dp.nat_fwd_fd < 0 ||
		    bpf_map_lookup_elem(dp.nat_fwd_fd, &keys[i], &f))
			continue;
		xlb_nat_rev_key_of(&rk, &keys[i], &f);
		bpf_map_delete_elem(dp.nat_rev_fd, &rk);
		bpf_map_delete_elem(dp.nat_fwd_fd, &keys[i]);
	}
}

/*
 * est+delta rows (see the top of the file): RUNS rounds of `singles`
 * repeat-1 runs of series sa, each followed by a repeat-1 run of series
 * sb, whose cost is base (the established frame est and its amortized
 * est_ns, for most rows). Adds the row base + mean(sa) - mean(sb) and, if
 * raw_name, the plain repeat-1 medians of both series. Two generated
 * series (new flows against new flows) run each pair in a random order:
 * an insert into an LRU map now and then refills the CPU's free list (a
 * few us, every 128 inserts or so), which a fixed order gives to one
 * series (+45 to +100 ns measured between two identical services).
 */
static int delta_row(const char *name, const struct series *sa,
		     const struct series *sb, double base, const char *raw_name,
		     const char *ref_src, double ref_val)
{
	double *a = malloc(sizeof(double) * singles);
	double *b = malloc(sizeof(double) * singles);
	struct xlb_flow_key *ka = calloc(singles, sizeof(*ka));
	struct xlb_flow_key *kb = calloc(singles, sizeof(*kb));
	double fig[RUNS], raw[RUNS], floor1[RUNS];
	__u64 s0[XLB_STAT_MAX], s1[XLB_STAT_MAX], nf = 0, want = 0;
	bool new_flows = sa->new_flows || sb->new_flows;
	bool swap = sa->gen && sb->gen;
	struct row *r;
	int err = 0;

	if (!a || !b || !ka || !kb) {
		err = -ENOMEM;
		goto out;
	}
	for (int round = 0; round < RUNS && !err; round++) {
		double ta, tb;
		int ca, cb;

		stats(s0);
		for (int i = 0; i < singles && !err; i++) {
			bool b_first = swap && (xorshift() & 1); /* see above */

			if (b_first)
				err = series_run(name, sb, &kb[i], &b[i]);
			if (!err)
				err = series_run(name, sa, &ka[i], &a[i]);
			if (!err && !b_first)
				err = series_run(name, sb, &kb[i], &b[i]);
		}
		if (err)
			break;
		stats(s1);
		nf += s1[XLB_STAT_NEW_FLOW] - s0[XLB_STAT_NEW_FLOW];
		want += (sa->new_flows + sb->new_flows) * (__u64)singles;
		series_forget(sa, ka);
		series_forget(sb, kb);
		ta = trimmed_total(a, singles, &ca);
		tb = trimmed_total(b, singles, &cb);
		fig[round] = base + ta / ca - tb / cb;
		raw[round] = median(a, singles);
		floor1[round] = median(b, singles);
	}
	if (err)
		goto out;
	r = add_row(name, "ns/pkt", "est+delta", fig, RUNS);
	if (ref_src)
		row_ref(r, ref_src, ref_val);
	if (nf != want)
		snprintf(r->note, sizeof(r->note),
			 "UNVERIFIED: new_flow +%llu, expected +%llu",
			 (unsigned long long)nf, (unsigned long long)want);
	else if (new_flows)
		snprintf(r->note, sizeof(r->note), "%d x %d; new_flow +%llu",
			 RUNS, singles, (unsigned long long)nf);
	else
		snprintf(r->note, sizeof(r->note),
			 "%d x %d; all hits (new_flow +0)", RUNS, singles);
	if (raw_name) {
		char n2[64];

		r = add_row(raw_name, "ns/pkt", "repeat=1", raw, RUNS);
		snprintf(r->note, sizeof(r->note),
			 "median single run, timer included");
		snprintf(n2, sizeof(n2), "  tcp4 established (repeat=1 raw)");
		r = add_row(n2, "ns/pkt", "repeat=1", floor1, RUNS);
		snprintf(r->note, sizeof(r->note),
			 "same, for an established hit: the timer's share");
	}
out:
	free(a);
	free(b);
	free(ka);
	free(kb);
	return err;
}

static int udp_flow_row(const char *name, const struct pkt *est)
{
	struct series sa = { .gen = gen_udp, .new_flows = true };
	struct series sb = { .fixed = est };

	return delta_row(name, &sa, &sb, est_ns, NULL, NULL, 0);
}

static int new_flow_row(const char *name, const char *vip,
			const struct pkt *est, const char *raw_name,
			const char *ref_src, double ref_val)
{
	struct series sa = { .gen = gen_syn, .vip = vip, .new_flows = true };
	struct series sb = { .fixed = est };

	return delta_row(name, &sa, &sb, est_ns, raw_name, ref_src, ref_val);
}

/*
 * Prefill flows of VIP4:80 (ids first.. of gen_fill's numbering), per_cpu
 * of them inserted from each CPU in turn. The flow map is an LRU with
 * per-CPU lists (BPF_F_NO_COMMON_LRU): each CPU owns max_entries / ncpus
 * entries and an insert takes one from the inserting CPU's share, so 1M
 * flows inserted from one CPU would evict half of them.
 */
static int prefill(__u32 first, __u32 per_cpu)
{
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	struct xlb_flow_key *k = calloc(PREFILL_CHUNK, sizeof(*k));
	struct xlb_flow *v = calloc(PREFILL_CHUNK, sizeof(*v));
	int ncpu = libbpf_num_possible_cpus(), err = 0;
	__u32 done = first;

	if (!k || !v || ncpu < 1) {
		err = -ENOMEM;
		goto out;
	}
	for (int cpu = 0; cpu < ncpu && !err; cpu++) {
		__u32 end = first + per_cpu * (cpu + 1);

		pin_cpu(cpu);
		while (done < end) {
			__u32 cnt = end - done < PREFILL_CHUNK ? end - done
							       : PREFILL_CHUNK;

			for (__u32 i = 0; i < cnt; i++) {
				__u32 id = done + i;

				v4_key(&k[i], VIP4, FILL_SRC_BASE + id,
				       fill_sport(id));
				v[i].backend_id = 1 + id % 100;
				v[i].backend_gen = 1;
			}
			if (bpf_map_update_batch(dp.flow_fd, k, v, &cnt, &bo)) {
				/* no batch ops: one at a time */
				for (__u32 i = 0; i < cnt; i++)
					if (bpf_map_update_elem(dp.flow_fd,
								&k[i], &v[i],
								BPF_ANY)) {
						err = -errno;
						break;
					}
			}
			if (err)
				break;
			done += cnt;
		}
	}
	pin_cpu(bench_cpu);
out:
	free(k);
	free(v);
	return err;
}

/* Two CPUs at once ----------------------------------------------------- */

/*
 * Each thread runs its own frame (its own flow of the same service) on its
 * own CPU, amortized; the threads start together behind a barrier and run
 * equally long, so the runs overlap. A cache line every packet writes on
 * every CPU (a shared counter, a lock) shows as two CPUs forwarding less
 * than twice what one does.
 */
struct par {
	struct pkt p;
	int cpu;
	pthread_barrier_t *bar;
	__u32 dur, ret;
	int err;
};

static void *par_main(void *arg)
{
	struct par *a = arg;

	pin_cpu(a->cpu);
	pthread_barrier_wait(a->bar);
	a->err = run(dp.prog_fd, &a->p, repeat, &a->dur, &a->ret);
	return NULL;
}

/* Packets per second of a[0..n-1] run at once, each on its CPU. */
static int par_rate(struct par *a, int n, double *pps)
{
	pthread_barrier_t bar;
	pthread_t t[2];
	int err = 0;

	pthread_barrier_init(&bar, NULL, n);
	for (int i = 0; i < n; i++) {
		a[i].bar = &bar;
		if (pthread_create(&t[i], NULL, par_main, &a[i]))
			return -EAGAIN;
	}
	*pps = 0;
	for (int i = 0; i < n; i++) {
		pthread_join(t[i], NULL);
		if (a[i].err)
			err = a[i].err;
		else if (a[i].ret != XDP_TX)
			err = -EPROTO;
		else
			*pps += a[i].dur ? 1e9 / a[i].dur : 0;
	}
	pthread_barrier_destroy(&bar);
	return err;
}

/*
 * "2 CPUs / 1 CPU" rows: RUNS rounds, each one CPU alone (bench_cpu) then
 * both CPUs at once, on the same service (VIP4:80). est: established
 * flows (one per CPU); otherwise the same SYN over and over on each CPU,
 * every one scheduled afresh and written into the unconfirmed table.
 */
static int scale_row(const char *name, bool est)
{
	double ratio[RUNS], one[RUNS], two[RUNS];
	__u64 s0[XLB_STAT_MAX], s1[XLB_STAT_MAX], nf;
	struct par a[2];
	struct row *r;
	int err = 0;

	if (libbpf_num_possible_cpus() < 2)
		return 0;
	for (int i = 0; i < 2; i++) {
		struct frame f = tcp4_ack;
		__u32 dur, ret;

		f.sport = (est ? 41000 : 42000) + i;
		f.flags = est ? PKT_ACK : PKT_SYN;

		memset(&a[i], 0, sizeof(a[i]));
		a[i].cpu = i ? bench_cpu : bench_cpu - 1;
		if (build(&a[i].p, &f))
			return -EINVAL;
		/* an established flow's first packet makes its entry */
		err = run(dp.prog_fd, &a[i].p, 1, &dur, &ret);
		if (err)
			return err;
	}
	stats(s0);
	for (int round = 0; round < RUNS && !err; round++) {
		err = par_rate(&a[1], 1, &one[round]);
		if (!err)
			err = par_rate(a, 2, &two[round]);
		ratio[round] = one[round] > 0 ? two[round] / one[round] : 0;
	}
	pin_cpu(bench_cpu);
	if (err)
		return err;
	stats(s1);
	nf = s1[XLB_STAT_NEW_FLOW] - s0[XLB_STAT_NEW_FLOW];
	r = add_row(name, "x", "2 threads", ratio, RUNS);
	snprintf(r->note, sizeof(r->note),
		 "%.1f Mpps on one CPU, %.1f on two; new_flow +%llu%s",
		 median(one, RUNS) / 1e6, median(two, RUNS) / 1e6,
		 (unsigned long long)nf, est && nf ? " UNVERIFIED" : "");
	return 0;
}

/* Schedulers ----------------------------------------------------------- */

#define SCHED_BE 100	    /* backends of each scheduler's service */
#define SCHED_SVC_BASE 1010 /* service ids 1010..; fillers take 6..1000 */

/*
 * The ring xlbd would publish for sched over be[0..n): the same library
 * calls (user/xlbd/state.c): a Maglev table for the hashing schedulers
 * and random, the cycle for the round-robins, the candidate list for
 * least-connections. *ring is malloc'd.
 */
static int sched_ring(int sched, const struct xlb_maglev_backend *be, size_t n,
		      __u32 **ring, __u32 *size)
{
	int err;

	switch (sched) {
	case XLB_SCHED_ROUND_ROBIN:
	case XLB_SCHED_WEIGHTED_RR:
		return xlb_ring_rr_build(sched, be, n, ring, size);
	case XLB_SCHED_LEAST_CONN:
		return xlb_ring_lc_build(be, n, ring, size);
	default:
		*size = XLB_DEFAULT_TABLE_SIZE;
		*ring = malloc(sizeof(**ring) * *size);
		if (!*ring)
			return -ENOMEM;
		err = xlb_maglev_build(be, n, *ring, *size);
		if (err) {
			free(*ring);
			*ring = NULL;
		}
		return err;
	}
}

/*
 * Each scheduler on its own service (VIP 198.19.1.(10 + sched):80) with
 * the same 100 backends: the established hit (amortized) and a new flow
 * (SYN, est+delta against that service's own established frame).
 */
/*
 * Flow sync: a thread drains XLB_MAP_FLOW_SYNC as xlbd does with the
 * default flow_sync config: the program wakes nobody, the ring is read
 * every xlb_sync_ring_poll_ms().
 */
static volatile bool sync_stop;
static __u64 sync_recs;

static int sync_count(void *ctx, void *data, size_t len)
{
	sync_recs++;
	return 0;
}

static void *sync_drain(void *arg)
{
	__u32 ms = xlb_sync_ring_poll_ms(XLB_SYNC_BATCH_MS, XLB_SYNC_MAX_RATE);
	struct timespec ts = { ms / 1000, ms % 1000 * 1000000L };
	struct ring_buffer *rb = arg;

	pin_cpu(bench_cpu ? 0 : 1);
	while (!sync_stop) {
		nanosleep(&ts, NULL);
		ring_buffer__consume(rb);
	}
	ring_buffer__consume(rb);
	return NULL;
}

/*
 * Established hits of frames fa and fb, amortized runs in turn, each
 * first in every other round (so a loaded machine weighs on both alike):
 * adds the row base + median of (fa's run - fb's run).
 */
static int est_pair_row(const char *name, const struct frame *fa,
			const struct frame *fb, double base)
{
	__u64 s0[XLB_STAT_MAX], s1[XLB_STAT_MAX];
	double fig[RUNS];
	struct pkt pa, pb;
	__u32 da, db, ret;
	struct row *r;
	int err;

	if (build(&pa, fa) || build(&pb, fb))
		return -EINVAL;
	/* the first packet of each makes its flow */
	err = run(dp.prog_fd, &pa, 1, &da, &ret);
	if (!err)
		err = run(dp.prog_fd, &pb, 1, &db, &ret);
	stats(s0);
	for (int i = -1; i < RUNS && !err; i++) {
		/* each first in turn */
		bool odd = i & 1;

		err = run(dp.prog_fd, odd ? &pb : &pa, repeat, odd ? &db : &da,
			  &ret);
		if (!err && ret == XDP_TX)
			err = run(dp.prog_fd, odd ? &pa : &pb, repeat,
				  odd ? &da : &db, &ret);
		if (!err && ret != XDP_TX)
			err = -EPROTO;
		if (i >= 0)
			fig[i] = base + (double)da - db;
	}
	if (err)
		return err;
	stats(s1);
	r = add_row(name, "ns/pkt", "est+delta", fig, RUNS);
	snprintf(r->note, sizeof(r->note), "%s",
		 s1[XLB_STAT_NEW_FLOW] == s0[XLB_STAT_NEW_FLOW]
			 ? "all hits (new_flow +0)"
			 : "UNVERIFIED: new flows among the hits");
	return 0;
}

/*
 * The round-robin service with XLB_SVC_F_SYNC: each new flow also writes
 * its record to the ring buffer, drained on another CPU. Both rows are
 * paired, so that a loaded machine does not swamp a few ns: two twins of
 * the service (VIPs 198.19.1.(10 + XLB_SCHED_MAX) and the next, the same
 * ring), one with the flag, take packets in turn, and each row is the
 * plain row (est_ns, syn_ns) plus the difference between the twins:
 * established hits (amortized runs in turn: the flag must cost them
 * nothing) and SYNs (delta_row()).
 */
static int bench_sync(const struct xlb_svc *v,
		      const struct xlb_maglev_backend *mb,
		      const struct frame *f, double syn_ns)
{
	char tvip[2][INET_ADDRSTRLEN];
	struct series sa = { .gen = gen_syn,
			     .vip = tvip[0],
			     .new_flows = true };
	struct series sb = { .gen = gen_syn,
			     .vip = tvip[1],
			     .new_flows = true };
	struct xlb_svc twin[2] = { *v, *v };
	struct frame fa = *f, fb = *f;
	__u64 lost0, s[XLB_STAT_MAX];
	struct xlb_svc_key tk[2];
	struct ring_buffer *rb;
	pthread_t th;
	__u32 *ring = NULL;
	struct row *r;
	int err;

	rb = ring_buffer__new(dp.flow_sync_fd, sync_count, NULL, NULL);
	if (!rb)
		return -errno;
	err = sched_ring(v->sched, mb, SCHED_BE, &ring, &twin[0].table_size);
	for (int i = 0; i < 2 && !err; i++) {
		snprintf(tvip[i], sizeof(tvip[i]), "198.19.1.%d",
			 10 + XLB_SCHED_MAX + i);
		svc_key(&tk[i], tvip[i], 80, IPPROTO_TCP);
		(i ? &fb : &fa)->dst = tvip[i];
		twin[i].id = SCHED_SVC_BASE + XLB_SCHED_MAX + i;
		twin[i].flags = i ? 0 : XLB_SVC_F_SYNC;
		twin[i].table_size = twin[0].table_size;
		err = xlb_dp_service_publish(&dp, &tk[i], &twin[i], ring,
					     twin[i].table_size);
	}
	free(ring);
	if (err)
		goto out;
	stats(s);
	lost0 = s[XLB_STAT_SYNC_LOST];
	sync_stop = false;
	sync_recs = 0;
	err = -pthread_create(&th, NULL, sync_drain, rb);
	if (err)
		goto out;
	err = est_pair_row("round-robin, established, flow sync on", &fa, &fb,
			   est_ns);
	if (!err) {
		r = &rows[nrows - 1];
		snprintf(r->note + strlen(r->note),
			 sizeof(r->note) - strlen(r->note),
			 "; %+.1f ns against its twin without",
			 r->med - est_ns);
	}
	if (!err)
		err = delta_row("round-robin, new flow (SYN), flow sync on",
				&sa, &sb, syn_ns, NULL, NULL, 0);
	sync_stop = true;
	pthread_join(th, NULL);
	if (err)
		goto out;
	stats(s);
	r = &rows[nrows - 1];
	snprintf(
		r->note, sizeof(r->note),
		"%+.1f ns against its twin without; %llu records, %llu lost (%zu B)",
		r->med - syn_ns, (unsigned long long)sync_recs,
		(unsigned long long)(s[XLB_STAT_SYNC_LOST] - lost0),
		sizeof(struct xlb_sync_rec));
out:
	for (int i = 0; i < 2; i++)
		xlb_dp_service_del(&dp, &tk[i], twin[i].id);
	ring_buffer__free(rb);
	return err;
}

static int bench_sched(void)
{
	struct xlb_maglev_backend mb[SCHED_BE];
	double saved_est = est_ns;
	int err = 0;

	memset(mb, 0, sizeof(mb));
	for (__u32 i = 0; i < SCHED_BE; i++) {
		mb[i].id = i + 1;
		be_addr(i + 1, &mb[i].addr);
		mb[i].family = XLB_FAMILY_V4;
		mb[i].weight = 1;
	}
	cur_sec = SEC_SCHED;
	for (int sched = 0; sched < XLB_SCHED_MAX && !err; sched++) {
		char vip[INET_ADDRSTRLEN], name[64];
		struct frame f = {
			.src = CLIENT4,
			.proto = IPPROTO_TCP,
			.sport = 41000 + sched,
			.dport = 80,
			.flags = PKT_ACK,
		};
		struct xlb_svc_key k;
		struct xlb_svc v = {
			.id = SCHED_SVC_BASE + sched,
			.sched = sched,
		};
		__u32 *ring = NULL;
		struct pkt est;

		snprintf(vip, sizeof(vip), "198.19.1.%d", 10 + sched);
		f.dst = vip;
		err = sched_ring(sched, mb, SCHED_BE, &ring, &v.table_size);
		if (err) {
			fprintf(stderr, "xlb_bench: %s ring: %s\n",
				xlb_sched_names[sched], strerror(-err));
			break;
		}
		svc_key(&k, vip, 80, IPPROTO_TCP);
		err = xlb_dp_service_publish(&dp, &k, &v, ring, v.table_size);
		free(ring);
		if (err)
			break;
		snprintf(name, sizeof(name), "%s, established",
			 xlb_sched_names[sched]);
		err = est_row(name, &f, XDP_TX, XLB_STAT_TX, NULL, 0);
		if (err)
			break;
		snprintf(rows[nrows - 1].note + strlen(rows[nrows - 1].note),
			 sizeof(rows[nrows - 1].note) -
				 strlen(rows[nrows - 1].note),
			 "; ring %u slots", v.table_size);
		est_ns = rows[nrows - 1].med;
		err = build(&est, &f);
		if (err)
			break;
		snprintf(name, sizeof(name), "%s, new flow (SYN)",
			 xlb_sched_names[sched]);
		err = new_flow_row(name, vip, &est, NULL, NULL, 0);
		if (!err && sched == XLB_SCHED_ROUND_ROBIN)
			err = bench_sync(&v, mb, &f, rows[nrows - 1].med);
	}
	est_ns = saved_est;
	cur_sec = SEC_PKT;
	return err;
}

/* Encapsulation ---------------------------------------------------------- */

/*
 * ipip, gue and nat beside l2: the same flow (client, ports, flags) to a
 * VIP of each mode, in the same run. An encapsulated frame cannot be timed
 * amortized (each iteration would see the previous one's output and wrap
 * it again), so each encapsulated row is est+delta against the l2 frame,
 * packet for packet:
 *
 *   established  l2 amortized + mean(encap singles) - mean(l2 singles)
 *   new flow     l2 new flow + mean(encap SYNs) - mean(l2 SYNs)
 *
 * and its note gives the difference. bpf_fib_lookup() in a test run asks
 * the caller's network namespace as if the packet came in on the ctx's
 * interface, so the section runs in a private namespace: xin (the lb's
 * MAC, 192.0.2.1/24, 2001:db8:1::1/64, forwarding on) with the backends'
 * subnets 10.20.0.0/16 and 2001:db8:20::/48 behind a router whose
 * neighbour entries are permanent; the test runs come in on xin, so the
 * encapsulated packets leave by XDP_TX like the l2 ones.
 *
 * nat, the same way: the client's packet (rewritten to SNAT -> backend),
 * the backend's reply to the SNAT address:port the flow got (rewritten
 * to VIP -> client, to the clients' subnets 198.18.0.0/15 and
 * 2001:db8:c::/48 behind the same router), and a new flow (a backend
 * picked, an SNAT port claimed, both conntrack entries made) against an
 * l2 SYN. The SNAT pool is xin's own addresses; new flows' entries are
 * deleted after each round (series_forget()), like the flow table's.
 */
#define ENC_MODES 3	  /* ipip, gue, nat */
#define ENC_NAT 2	  /* the nat mode's index */
#define ENC_SVC_BASE 1001 /* 1001..1006: fillers take 6..1000 */
#define ENC_SVC_ID(v6, mode) (ENC_SVC_BASE + ENC_MODES * (v6) + (mode))
#define ENC_BE_BASE 4001 /* 100 IPv4 backends, then 100 IPv6 */
#define ENC_BE 100

static const char *const enc_vip[2][ENC_MODES] = {
	/* IPv4: ipip, gue, nat */
	{ "198.19.0.110", "198.19.0.111", "198.19.0.112" },
	/* IPv6: ipip, gue, nat */
	{ "2001:db8:f::110", "2001:db8:f::111", "2001:db8:f::112" },
};
static const __u8 enc_fwd[ENC_MODES] = { XLB_FWD_IPIP, XLB_FWD_GUE,
					 XLB_FWD_NAT };
static const char *const enc_snat[2] = { "192.0.2.1", "2001:db8:1::1" };

static bool proc_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY);
	bool ok =
		fd >= 0 && write(fd, val, strlen(val)) == (ssize_t)strlen(val);

	if (fd >= 0)
		close(fd);
	return ok;
}

/* Into a new namespace set up as above; *home: the one to go back to. */
static int enc_netns(int *home)
{
	*home = open("/proc/self/ns/net", O_RDONLY);
	if (*home < 0 || unshare(CLONE_NEWNET))
		return -errno;
	if (!proc_write("/proc/sys/net/ipv4/ip_forward", "1") ||
	    !proc_write("/proc/sys/net/ipv6/conf/all/forwarding", "1"))
		return -EIO;
	if (system("ip -batch - <<'EOF'\n"
		   "link set lo up\n"
		   "link add xin address 02:78:6c:62:00:01 type veth peer name xinp\n"
		   "link set xin up\nlink set xinp up\n"
		   "addr add 192.0.2.1/24 dev xin\n"
		   "addr add 2001:db8:1::1/64 dev xin nodad\n"
		   "neigh add 192.0.2.254 lladdr 02:00:5e:00:00:01 dev xin nud permanent\n"
		   "neigh add 2001:db8:1::fe lladdr 02:00:5e:00:00:01 dev xin nud permanent\n"
		   "route add 10.20.0.0/16 via 192.0.2.254 dev xin\n"
		   "route add 2001:db8:20::/48 via 2001:db8:1::fe dev xin\n"
		   "route add 198.18.0.0/15 via 192.0.2.254 dev xin\n"
		   "route add 2001:db8:c::/48 via 2001:db8:1::fe dev xin\n"
		   "EOF"))
		return -EIO;
	run_ifindex = if_nametoindex("xin");
	return run_ifindex ? 0 : -ENODEV;
}

/* Backend i of a family: 10.20.0.(i+1) or 2001:db8:20::(i+1). */
static void enc_be_addr(int v6, __u32 i, union xlb_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (v6) {
		inet_pton(AF_INET6, "2001:db8:20::", a->bytes);
		a->v6[3] = htonl(i + 1);
	} else {
		a->v4 = htonl(0x0a140000U + i + 1);
	}
}

static struct bench_encap_bpf *enc_hot; /* bpf/bench_encap.bpf.c */

/*
 * The hot row under an encapsulated established row: bench_encap's
 * encap_push() against its l2 stand-in on the same frame, amortized
 * runs of each in turn (the difference per pair).
 */
static int enc_hot_row(const char *name, const struct pkt *p,
		       const struct frame *f, int v6, int gue)
{
	struct bench_encap_args a = {
		.svc = { .id = ENC_SVC_ID(v6, gue),
			 .fwd = gue ? XLB_FWD_GUE : XLB_FWD_IPIP },
		.be = { .flags = XLB_BE_F_UP,
			.gen = 1,
			.family = v6 ? XLB_FAMILY_V6 : XLB_FAMILY_V4 },
		.be_id = ENC_BE_BASE + v6 * ENC_BE,
		.olen = (v6 ? 40 : 20) + (gue ? 8 : 0),
	};
	int fd = bpf_program__fd(enc_hot->progs.bench_encap);
	int mfd = bpf_map__fd(enc_hot->maps.bench_encap_args);
	double enc[RUNS], l2[RUNS], d[RUNS];
	__u32 zero = 0;
	struct row *r;
	int err;

	frame_key(f, &a.key);
	enc_be_addr(v6, 0, &a.be.addr);
	memcpy(a.be.dmac, router_mac, 6);
	memcpy(a.be.smac, lb_mac, 6);
	/* one warm-up pair, then RUNS pairs, each run amortized */
	for (int i = -1; i < RUNS; i++) {
		for (int l2_run = 0; l2_run < 2; l2_run++) {
			__u32 dur, ret;

			a.l2 = l2_run;
			if (bpf_map_update_elem(mfd, &zero, &a, 0))
				return -errno;
			err = run(fd, p, repeat, &dur, &ret);
			if (!err && ret != XDP_TX)
				err = -EPROTO;
			if (err)
				return err;
			if (i >= 0)
				(l2_run ? l2 : enc)[i] = dur;
		}
		if (i >= 0)
			d[i] = enc[i] - l2[i];
	}
	r = add_row(name, "ns/pkt", "amortized", d, RUNS);
	r->ratio = -1;
	snprintf(r->note, sizeof(r->note),
		 "bpf/bench_encap.bpf.c: %.0f - %.0f ns, every line hot",
		 median(enc, RUNS), median(l2, RUNS));
	return 0;
}

/* The nat services' SNAT pool: xin's addresses, every port, no timeout. */
static int enc_nat_cfg(void)
{
	struct xlb_nat_cfg c = {
		.port_min = XLB_NAT_DEF_PORT_MIN,
		.port_max = XLB_NAT_DEF_PORT_MAX,
		.n_v4 = 1,
		.n_v6 = 1,
	};

	if (inet_pton(AF_INET, enc_snat[0], &c.v4[0].v4) != 1 ||
	    inet_pton(AF_INET6, enc_snat[1], c.v6[0].bytes) != 1)
		return -EINVAL;
	return xlb_dp_nat_cfg_set(&dp, &c);
}

/* The six services of the modes, each with a ring of 100 backends. */
static int enc_services(void)
{
	struct xlb_maglev_backend mb[ENC_BE];
	__u32 *ring = malloc(sizeof(__u32) * XLB_DEFAULT_TABLE_SIZE);
	int err = ring ? 0 : -ENOMEM;

	for (int v6 = 0; v6 < 2 && !err; v6++) {
		for (__u32 i = 0; i < ENC_BE && !err; i++) {
			struct xlb_backend be = {
				.flags = XLB_BE_F_UP,
				.gen = 1,
				.family = v6 ? XLB_FAMILY_V6 : XLB_FAMILY_V4,
			};

			enc_be_addr(v6, i, &be.addr);
			memset(&mb[i], 0, sizeof(mb[i]));
			mb[i].id = ENC_BE_BASE + v6 * ENC_BE + i;
			mb[i].addr = be.addr;
			mb[i].family = be.family;
			mb[i].weight = 1;
			err = xlb_dp_backend_set(&dp, mb[i].id, &be);
		}
		if (!err)
			err = xlb_maglev_build(mb, ENC_BE, ring,
					       XLB_DEFAULT_TABLE_SIZE);
		for (int mode = 0; mode < ENC_MODES && !err; mode++) {
			struct xlb_svc v = {
				.id = ENC_SVC_ID(v6, mode),
				.table_size = XLB_DEFAULT_TABLE_SIZE,
				.sched = XLB_SCHED_MAGLEV,
				.fwd = enc_fwd[mode],
			};
			struct xlb_svc_key k;

			svc_key(&k, enc_vip[v6][mode], 80, IPPROTO_TCP);
			err = xlb_dp_service_publish(&dp, &k, &v, ring,
						     XLB_DEFAULT_TABLE_SIZE);
		}
	}
	free(ring);
	return err ? err : enc_nat_cfg();
}

/* Append "; l2 +D ns" (the row's difference to base) to the last row. */
static void note_over_l2(double base)
{
	struct row *r = &rows[nrows - 1];
	size_t n = strlen(r->note);

	snprintf(r->note + n, sizeof(r->note) - n,
		 "; l2 %+.1f ns (%+.1f..%+.1f)", r->med - base, r->min - base,
		 r->max - base);
}

/*
 * Append "; STAT +N" to the last row, or UNVERIFIED when the counter did
 * not gain @want since @s0: every packet of the series took that path.
 */
static void note_stat(const __u64 *s0, enum xlb_stat stat, __u64 want)
{
	struct row *r = &rows[nrows - 1];
	size_t n = strlen(r->note);
	__u64 s1[XLB_STAT_MAX];

	stats(s1);
	snprintf(r->note + n, sizeof(r->note) - n, "; %s%s +%llu",
		 s1[stat] - s0[stat] == want ? "" : "UNVERIFIED: ",
		 xlb_stat_names[stat],
		 (unsigned long long)(s1[stat] - s0[stat]));
}

/*
 * The backend's reply to the nat flow of frame *f, as it reaches the
 * SNAT address:port the flow's entry holds.
 */
static int nat_reply_frame(const struct frame *f, struct pkt *p)
{
	char be[INET6_ADDRSTRLEN], snat[INET6_ADDRSTRLEN];
	struct xlb_flow_key k;
	struct xlb_nat_fwd nf;
	int af;

	frame_key(f, &k);
	if (bpf_map_lookup_elem(dp.nat_fwd_fd, &k, &nf))
		return -ENOENT;
	af = k.svc.family == XLB_FAMILY_V6 ? AF_INET6 : AF_INET;
	inet_ntop(af, nf.be_addr.bytes, be, sizeof(be));
	inet_ntop(af, nf.snat_addr.bytes, snat, sizeof(snat));
	return build(p, &(struct frame){ .src = be,
					 .dst = snat,
					 .proto = f->proto,
					 .sport = ntohs(nf.be_port),
					 .dport = ntohs(nf.snat_port),
					 .flags = f->flags });
}

/*
 * One nat row: series sa against the l2 series sb (cost base), checked
 * to have gone through the nat path (@stat once per packet of sa).
 */
static int nat_row(const char *fam, const char *what, const struct series *sa,
		   const struct series *sb, double base, enum xlb_stat stat)
{
	__u64 s0[XLB_STAT_MAX];
	char name[64];
	int err;

	snprintf(name, sizeof(name), "%s %s", fam, what);
	stats(s0);
	err = delta_row(name, sa, sb, base, NULL, NULL, 0);
	if (err)
		return err;
	note_over_l2(base);
	note_stat(s0, stat, (__u64)RUNS * singles);
	return 0;
}

/*
 * nat's rows of a family, against its l2 figures: the client's packet
 * (established, after one that made the flow), the backend's reply, a
 * new flow.
 */
static int enc_nat_rows(const char *fam, const struct frame *f,
			const struct pkt *l2, double l2_est, double l2_new,
			int v6)
{
	struct series l2s = { .fixed = l2 };
	struct frame e = *f;
	struct pkt fwd, rep;
	__u32 dur, ret;
	int err;

	e.dst = enc_vip[v6][ENC_NAT];
	if (build(&fwd, &e))
		return -EINVAL;
	err = run(dp.prog_fd, &fwd, 1, &dur, &ret);
	if (!err && ret != XDP_TX)
		err = -EPROTO;
	if (!err)
		err = nat_reply_frame(&e, &rep);
	if (!err)
		err = nat_row(fam, "established, nat",
			      &(struct series){ .fixed = &fwd }, &l2s, l2_est,
			      XLB_STAT_NAT_FWD);
	if (!err)
		err = nat_row(fam, "nat reply (backend -> client)",
			      &(struct series){ .fixed = &rep }, &l2s, l2_est,
			      XLB_STAT_NAT_REV);
	if (!err)
		err = nat_row(fam, "new flow (SYN), nat",
			      &(struct series){ .gen = gen_syn,
						.vip = e.dst,
						.new_flows = true },
			      &(struct series){ .gen = gen_syn,
						.vip = f->dst,
						.new_flows = true },
			      l2_new, XLB_STAT_NAT_FWD);
	return err;
}

/*
 * One family's rows: l2, then ipip and gue, established and new flow,
 * then nat (enc_nat_rows()).
 */
static int enc_family(int v6)
{
	static const char *const mode[2] = { "ipip", "gue" };
	const char *fam = v6 ? "tcp6" : "tcp4";
	struct frame f = tcp4_ack;
	double l2_est, l2_new;
	struct pkt l2, enc;
	char name[64];
	__u32 dur, ret;
	int err;

	if (v6) {
		f.src = CLIENT6;
		f.dst = VIP6;
	}
	snprintf(name, sizeof(name), "%s established, l2", fam);
	err = est_row(name, &f, XDP_TX, XLB_STAT_TX, NULL, 0);
	if (err || build(&l2, &f))
		return err ? err : -EINVAL;
	l2_est = rows[nrows - 1].med;
	snprintf(name, sizeof(name), "%s new flow (SYN), l2", fam);
	err = delta_row(
		name,
		&(struct series){
			.gen = gen_syn, .vip = f.dst, .new_flows = true },
		&(struct series){ .fixed = &l2 }, l2_est, NULL, NULL, 0);
	if (err)
		return err;
	l2_new = rows[nrows - 1].med;
	for (int gue = 0; gue < 2 && !err; gue++) {
		struct frame e = f;

		e.dst = enc_vip[v6][gue];
		if (build(&enc, &e))
			return -EINVAL;
		/* the flow's first packet makes its entry */
		err = run(dp.prog_fd, &enc, 1, &dur, &ret);
		if (err)
			return err;
		snprintf(name, sizeof(name), "%s established, %s", fam,
			 mode[gue]);
		err = delta_row(name, &(struct series){ .fixed = &enc },
				&(struct series){ .fixed = &l2 }, l2_est, NULL,
				NULL, 0);
		if (err)
			return err;
		note_over_l2(l2_est);
		snprintf(name, sizeof(name), "  %s over l2, hot", mode[gue]);
		err = enc_hot_row(name, &enc, &e, v6, gue);
		if (err)
			return err;
		snprintf(name, sizeof(name), "%s new flow (SYN), %s", fam,
			 mode[gue]);
		err = delta_row(name,
				&(struct series){ .gen = gen_syn,
						  .vip = e.dst,
						  .new_flows = true },
				&(struct series){ .gen = gen_syn,
						  .vip = f.dst,
						  .new_flows = true },
				l2_new, NULL, NULL, 0);
		if (!err)
			note_over_l2(l2_new);
	}
	return err ? err : enc_nat_rows(fam, &f, &l2, l2_est, l2_new, v6);
}

static int bench_encap(void)
{
	int home = -1, err;

	progress("forwarding modes: private netns, 6 services");
	enc_hot = bench_encap_bpf__open();
	if (!enc_hot)
		return -errno;
	/* its copies of xlb's maps are its own: never pinned */
	for (struct bpf_map *m = bpf_object__next_map(enc_hot->obj, NULL); m;
	     m = bpf_object__next_map(enc_hot->obj, m))
		bpf_map__set_pin_path(m, NULL);
	err = bench_encap_bpf__load(enc_hot);
	if (!err)
		err = enc_netns(&home);
	if (!err)
		err = enc_services();
	cur_sec = SEC_ENCAP;
	for (int v6 = 0; v6 < 2 && !err; v6++)
		err = enc_family(v6);
	cur_sec = SEC_PKT;
	run_ifindex = 0;
	if (home >= 0) {
		if (setns(home, CLONE_NEWNET) && !err)
			err = -errno;
		close(home);
	}
	bench_encap_bpf__destroy(enc_hot);
	if (err)
		fprintf(stderr, "xlb_bench: encapsulation: %s\n",
			strerror(-err));
	return err;
}

/* Control plane and memory -------------------------------------------- */

#define CP_BE 1000 /* backends of the control-plane service */
#define CP_SVC_ID 1020
#define CP_ITERS 10 /* changes timed (after one untimed) */
#define VIP4_CP "198.19.0.103"
#define SPARE_SVC_ID (XLB_MAX_SERVICES - 1)

/* A map's "memlock:" line in /proc/self/fdinfo: bytes, -1 if none. */
static double fd_memlock(int fd)
{
	char path[64], line[128];
	double v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "memlock:", 8)) {
			v = strtod(line + 8, NULL);
			break;
		}
	fclose(f);
	return v;
}

/* A SYN to the control-plane service and the backend id it was sent to. */
static int probe(const struct pkt *p, __u32 *be_id)
{
	__u8 out[256];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->data,
		    .data_size_in = p->len, .data_out = out,
		    .data_size_out = sizeof(out), .repeat = 1, );

	if (bpf_prog_test_run_opts(dp.prog_fd, &o))
		return -errno;
	if (o.retval != XDP_TX || o.data_size_out < 14)
		return -EPROTO;
	*be_id = (__u32)out[10] << 8 | out[11]; /* smac 02:be:00:00:ID */
	return 0;
}

static __u32 inner_map_id(__u32 svc_id)
{
	__u32 id = 0;

	if (bpf_map_lookup_elem(dp.ring_fd, &svc_id, &id))
		return 0;
	return id;
}

/*
 * Backend change -> visible: a service of 1000 backends loses backend
 * 1000 (or gets it back: the two alternate). Each change is timed from
 * the start of the ring rebuild (xlb_maglev_build, as xlbd does it) over
 * xlb_dp_service_publish (new inner map filled, one outer-map update)
 * until a BPF_PROG_TEST_RUN SYN of a flow whose slot held backend 1000
 * lands on the backend the new ring gives it. The outer map is read back
 * too: it must already hold the new inner map when publish returns.
 */
static int bench_publish(__u32 size)
{
	struct xlb_maglev_backend *mb = calloc(CP_BE, sizeof(*mb));
	__u32 *ring = malloc(sizeof(*ring) * size);
	double tot[CP_ITERS], bld[CP_ITERS], pub[CP_ITERS], vis[CP_ITERS];
	int err = 0, probes_max = 0, swapped = 0, inner_fd;
	struct xlb_flow_key key;
	struct xlb_svc_key k;
	struct xlb_svc v = {
		.id = CP_SVC_ID,
		.table_size = size,
		.sched = XLB_SCHED_MAGLEV,
	};
	__u32 slot = 0, sport, last_inner;
	char name[64];
	struct pkt p;
	struct row *r;

	if (!mb || !ring) {
		err = -ENOMEM;
		goto out;
	}
	for (__u32 i = 0; i < CP_BE; i++) {
		mb[i].id = i + 1;
		be_addr(i + 1, &mb[i].addr);
		mb[i].family = XLB_FAMILY_V4;
		mb[i].weight = 1;
	}
	svc_key(&k, VIP4_CP, 80, IPPROTO_TCP);
	err = xlb_maglev_build(mb, CP_BE, ring, size);
	if (!err)
		err = xlb_dp_service_publish(&dp, &k, &v, ring, size);
	if (err)
		goto out;
	/* a client port whose slot holds backend CP_BE (the one that goes) */
	for (sport = 1024; sport < 65535; sport++) {
		v4_key(&key, VIP4_CP, SYN_SRC_BASE, sport);
		slot = xlb_ring_slot(xlb_hash_flow(&key, 0), size);
		if (ring[slot] == CP_BE)
			break;
	}
	if (sport == 65535 ||
	    build_v4(&p, SYN_SRC_BASE, sport, VIP4_CP, PKT_SYN)) {
		err = -ENOENT;
		goto out;
	}
	last_inner = inner_map_id(CP_SVC_ID);
	for (int i = -1; i < CP_ITERS; i++) {
		size_t n = i & 1 ? CP_BE : CP_BE - 1; /* -1: remove */
		double t0, t1, t2, t3;
		__u32 be = 0, want, inner;
		int probes = 0;

		t0 = now_ms();
		err = xlb_maglev_build(mb, n, ring, size);
		if (err)
			break;
		t1 = now_ms();
		err = xlb_dp_service_publish(&dp, &k, &v, ring, size);
		if (err)
			break;
		t2 = now_ms();
		inner = inner_map_id(CP_SVC_ID);
		want = ring[slot];
		do {
			err = probe(&p, &be);
			probes++;
		} while (!err && be != want && probes < 100000);
		t3 = now_ms();
		if (err)
			break;
		if (be != want) {
			fprintf(stderr,
				"xlb_bench: publish: probe still on "
				"backend %u, want %u\n",
				be, want);
			err = -ETIMEDOUT;
			break;
		}
		if (i < 0)
			continue;
		swapped += inner && inner != last_inner;
		last_inner = inner;
		if (probes > probes_max)
			probes_max = probes;
		tot[i] = t3 - t0;
		bld[i] = t1 - t0;
		pub[i] = t2 - t1;
		vis[i] = (t3 - t2) * 1e3; /* us */
	}
	if (err)
		goto out;
	cur_sec = SEC_CTL;
	snprintf(name, sizeof(name), "backend change -> visible, %u slots",
		 size);
	r = add_row(name, "ms", "wall", tot, CP_ITERS);
	snprintf(r->note, sizeof(r->note),
		 "1000 backends, one removed/re-added; until a SYN lands on "
		 "the new backend");
	snprintf(name, sizeof(name), "  ring rebuild (maglev), %u", size);
	r = add_row(name, "ms", "wall", bld, CP_ITERS);
	snprintf(r->note, sizeof(r->note), "xlb_maglev_build, user space");
	snprintf(name, sizeof(name), "  publish, %u", size);
	r = add_row(name, "ms", "wall", pub, CP_ITERS);
	snprintf(r->note, sizeof(r->note),
		 "xlb_dp_service_publish; outer map new after it: %d/%d",
		 swapped, CP_ITERS);
	snprintf(name, sizeof(name), "  publish -> first packet on it, %u",
		 size);
	r = add_row(name, "us", "wall", vis, CP_ITERS);
	snprintf(r->note, sizeof(r->note),
		 "probe SYNs needed: at most %d (1: the first one)",
		 probes_max);

	/* the published ring's own size */
	inner_fd = bpf_map_get_fd_by_id(inner_map_id(CP_SVC_ID));
	if (inner_fd >= 0) {
		double m = fd_memlock(inner_fd) / 1024;

		close(inner_fd);
		cur_sec = SEC_MEM;
		snprintf(name, sizeof(name), "service ring map, %u slots",
			 size);
		r = add_row(name, "KiB", "fdinfo", &m, 1);
		snprintf(r->note, sizeof(r->note),
			 "memlock of the published inner map: %.2f B/slot",
			 m * 1024 / size);
	}
	err = xlb_dp_service_del(&dp, &k, CP_SVC_ID);
out:
	cur_sec = SEC_PKT;
	free(mb);
	free(ring);
	return err;
}

/*
 * The outer-map update alone: the kernel waits for an RCU grace period
 * before a map-in-map update returns (so that no program still uses the
 * old inner map), which is most of what publish costs.
 */
static int bench_swap(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_INNER_MAP);
	double v[CP_ITERS];
	__u32 id = SPARE_SVC_ID;
	int fd[2], err = 0;
	struct row *r;

	fd[0] = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xlb_bench_r", 4,
			       sizeof(struct xlb_ring_chunk), 1, &mo);
	fd[1] = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xlb_bench_r", 4,
			       sizeof(struct xlb_ring_chunk), 1, &mo);
	if (fd[0] < 0 || fd[1] < 0) {
		err = -errno;
		goto out;
	}
	for (int i = -1; i < CP_ITERS; i++) {
		double t = now_ms();

		if (bpf_map_update_elem(dp.ring_fd, &id, &fd[i & 1], BPF_ANY)) {
			err = -errno;
			break;
		}
		if (i >= 0)
			v[i] = now_ms() - t;
	}
	bpf_map_delete_elem(dp.ring_fd, &id);
	if (err)
		goto out;
	cur_sec = SEC_CTL;
	r = add_row("  of which: outer-map update alone", "ms", "wall", v,
		    CP_ITERS);
	snprintf(r->note, sizeof(r->note),
		 "map-in-map update: the kernel waits an RCU grace period");
	cur_sec = SEC_PKT;
out:
	if (fd[0] >= 0)
		close(fd[0]);
	if (fd[1] >= 0)
		close(fd[1]);
	return err;
}

/* Kernel memory in use, bytes: Slab + VmallocUsed + Percpu. */
static double kmem_bytes(void)
{
	char line[128];
	double sum = 0, kb;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Slab: %lf", &kb) == 1 ||
		    sscanf(line, "VmallocUsed: %lf", &kb) == 1 ||
		    sscanf(line, "Percpu: %lf", &kb) == 1)
			sum += kb * 1024;
	}
	fclose(f);
	return sum;
}

/*
 * The flow table's memory. Its memlock (fdinfo: the kernel's own
 * accounting of the map, map_mem_usage()) and what the kernel really
 * allocates for it: a map with the same parameters is created on its own
 * and /proc/meminfo's Slab + VmallocUsed + Percpu read before and after
 * (median of 3; other work on the machine adds noise), then filled with
 * 1M flows and read again (an LRU hash is preallocated: filling it
 * should cost nothing more).
 */
static int bench_flow_mem(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo);
	LIBBPF_OPTS(bpf_map_batch_opts, bo);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	double lock, mcreate[3], mfill[3];
	struct xlb_flow_key *keys = NULL;
	struct xlb_flow *vals = NULL;
	struct row *r;
	int err = 0;

	if (bpf_obj_get_info_by_fd(dp.flow_fd, &info, &len))
		return -errno;
	lock = fd_memlock(dp.flow_fd);
	mo.map_flags = info.map_flags;
	keys = calloc(PREFILL_CHUNK, sizeof(*keys));
	vals = calloc(PREFILL_CHUNK, sizeof(*vals));
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < 3 && !err; i++) {
		double m0, m1, m2;
		int fd;

		usleep(200000); /* let earlier frees (RCU) settle */
		m0 = kmem_bytes();
		fd = bpf_map_create(info.type, "xlb_bench_f", info.key_size,
				    info.value_size, info.max_entries, &mo);
		if (fd < 0) {
			err = -errno;
			break;
		}
		m1 = kmem_bytes();
		/* 1M flows, half from each CPU (per-CPU LRU shares) */
		for (__u32 done = 0; done < PREFILL_FLOWS && !err;) {
			__u32 cnt = PREFILL_CHUNK;
			int ncpu = dp.ncpus > 0 ? dp.ncpus : 1;

			pin_cpu((done / (PREFILL_FLOWS / ncpu)) % ncpu);
			for (__u32 j = 0; j < cnt; j++) {
				v4_key(&keys[j], VIP4, FILL_SRC_BASE + done + j,
				       fill_sport(done + j));
				vals[j].backend_id = 1;
				vals[j].backend_gen = 1;
			}
			if (bpf_map_update_batch(fd, keys, vals, &cnt, &bo))
				err = -errno;
			done += cnt;
		}
		pin_cpu(bench_cpu);
		m2 = kmem_bytes();
		close(fd);
		mcreate[i] = (m1 - m0) / 1048576.0;
		mfill[i] = (m2 - m1) / 1048576.0;
	}
	if (err)
		goto out;
	cur_sec = SEC_MEM;
	r = add_row("flow table (1M entries), memlock", "MiB", "fdinfo",
		    (lock /= 1048576.0, &lock), 1);
	snprintf(r->note, sizeof(r->note),
		 "%.0f B/flow; LRU hash of %u entries, preallocated",
		 lock * 1048576.0 / info.max_entries, info.max_entries);
	r = add_row("flow table (1M entries), kernel memory", "MiB", "meminfo",
		    mcreate, 3);
	snprintf(r->note, sizeof(r->note),
		 "%.0f B/flow: Slab+VmallocUsed+Percpu growth creating a "
		 "like map",
		 r->med * 1048576.0 / info.max_entries);
	r = add_row("  1M flows inserted into it: more", "MiB", "meminfo",
		    mfill, 3);
	snprintf(r->note, sizeof(r->note),
		 "same counters while filling it with 1M flows");
out:
	cur_sec = SEC_PKT;
	free(keys);
	free(vals);
	return err;
}

/*
 * The floor of a packet the program passes: XDP_PASS and nothing else
 * (bpf/xdp_pass.bpf.c), for the non-VIP row's ratio.
 */
static int bench_pass_ref(const struct pkt *p)
{
	struct xdp_pass_bpf *s = xdp_pass_bpf__open_and_load();
	double v[RUNS];
	struct row *r;
	int err;

	if (!s)
		return -errno;
	err = amortized(bpf_program__fd(s->progs.xdp_pass), p, XDP_PASS, v);
	xdp_pass_bpf__destroy(s);
	if (err)
		return err;
	r = add_row("reference: XDP_PASS only", "ns/pkt", "amortized", v, RUNS);
	pass_ns = r->med;
	snprintf(r->note, sizeof(r->note),
		 "bpf/xdp_pass.bpf.c: the floor of a passed packet");
	return 0;
}

static int bench_ref(void)
{
	struct bench_ref_bpf *s = bench_ref_bpf__open_and_load();
	double v[RUNS];
	struct pkt p;
	struct row *r;
	int err;

	if (!s)
		return -errno;
	err = build(&p, &tcp4_ack);
	if (!err)
		err = amortized(bpf_program__fd(s->progs.bench_ref), &p, XDP_TX,
				v);
	bench_ref_bpf__destroy(s);
	if (err)
		return err;
	r = add_row("reference: parse + MAC swap + TX", "ns/pkt", "amortized",
		    v, RUNS);
	ref_ns = r->med;
	r->ratio = 1;
	row_ref(r, "katran", 9);
	snprintf(r->note, sizeof(r->note), "bpf/bench_ref.bpf.c: the floor");
	return bench_pass_ref(&p);
}

static int bench_xlb(void)
{
	struct frame tcp4 = tcp4_ack, udp4 = tcp4_ack, tcp6 = tcp4_ack;
	struct frame vlan = tcp4_ack, nonvip = tcp4_ack;
	/* the other established paths, est_row()'s arguments */
	const struct {
		const char *name;
		const struct frame *f;
		__u32 want;
		enum xlb_stat expect;
		const char *ref_src;
		double ref_val;
	} est_cases[] = {
		{ "udp4 established", &udp4, XDP_TX, XLB_STAT_TX },
		{ "tcp6 established", &tcp6, XDP_TX, XLB_STAT_TX },
		{ "tcp4 802.1Q established", &vlan, XDP_TX, XLB_STAT_TX },
		{ "non-VIP -> XDP_PASS", &nonvip, XDP_PASS,
		  XLB_STAT_PASS_NON_VIP, "katran", 42 },
	};
	/* ring size rows: the rings of 1, 100 and 4000 backends */
	static const struct {
		const char *name, *vip;
	} rings[] = {
		{ "new flow, ring of 1 backend", VIP4_R1 },
		{ "new flow, ring of 100 backends", VIP4 },
		{ "new flow, ring of 4000 backends", VIP4_R4K },
	};
	struct pkt est;
	__u32 ncpu, per_cpu;
	struct row *r;
	__u64 nflows;
	int err;

	udp4.proto = IPPROTO_UDP;
	udp4.dport = 53;
	udp4.flags = 0;
	tcp6.src = CLIENT6;
	tcp6.dst = VIP6;
	vlan.vlan = 100;
	vlan.sport = 40001;
	nonvip.dst = OTHER4;

	err = xlb_dp_open(&dp, NULL);
	if (!err)
		err = xlb_dp_load(&dp);
	if (!err)
		err = xlb_dp_if_mac_set(&dp, lb_mac);
	if (err) {
		fprintf(stderr, "xlb_bench: load xlb: %s\n", strerror(-err));
		return err;
	}
	progress("xlb loaded; 4000 backends, Maglev rings");
	err = setup_backends();
	if (!err)
		err = add_services(1, 1);
	if (err)
		goto out;

	if (sched_only) {
		err = est_row("tcp4 established", &tcp4, XDP_TX, XLB_STAT_TX,
			      NULL, 0);
		if (!err)
			err = bench_sched();
		goto out;
	}
	if (encap_only) {
		err = add_services(3, 3);
		if (!err)
			err = bench_encap();
		goto out;
	}
	/* 1 service, 1 flow */
	err = est_row("tcp4 established", &tcp4, XDP_TX, XLB_STAT_TX, "katran",
		      76);
	if (err)
		goto out;
	est_ns = rows[nrows - 1].med;
	err = build(&est, &tcp4);
	if (!err)
		err = new_flow_row("tcp4 SYN, new flow", VIP4, &est,
				   "tcp4 SYN, new flow (repeat=1 raw)",
				   "katran", 220);
	if (err)
		goto out;

	err = add_services(2, 3);
	for (size_t i = 0; !err && i < ARRAY_SIZE(est_cases); i++)
		err = est_row(est_cases[i].name, est_cases[i].f,
			      est_cases[i].want, est_cases[i].expect,
			      est_cases[i].ref_src, est_cases[i].ref_val);
	if (!err && pass_ns > 0 && !rows[nrows - 1].note[0])
		snprintf(rows[nrows - 1].note, sizeof(rows[nrows - 1].note),
			 "%.2fx the XDP_PASS reference",
			 rows[nrows - 1].med / pass_ns);
	if (err)
		goto out;

	err = udp_flow_row("udp4 first packet, new flow", &est);
	if (!err)
		err = scale_row("2 CPUs / 1 CPU, established", true);
	if (!err)
		err = scale_row("2 CPUs / 1 CPU, new flow (SYN)", false);
	if (err)
		goto out;

	/* ring size: the new-flow path picks a slot of the service's ring */
	err = add_services(4, 5);
	for (size_t i = 0; !err && i < ARRAY_SIZE(rings); i++)
		err = new_flow_row(rings[i].name, rings[i].vip, &est, NULL,
				   NULL, 0);
	if (!err)
		err = bench_sched();
	if (!err)
		err = bench_encap();
	if (err)
		goto out;

	/* service count: the established path looks the service up */
	progress("publishing 995 more services");
	err = filler_services(6, 1000, true);
	if (!err)
		err = est_row("established, 1000 services", &tcp4, XDP_TX,
			      XLB_STAT_TX, NULL, 0);
	if (!err)
		err = new_flow_row("new flow, 1000 services", VIP4, &est, NULL,
				   NULL, 0);
	if (!err)
		err = filler_services(6, 1000, false);
	if (err)
		goto out;

	/* flow-table size: 10 flows, then 1M: hits (hot and cold), misses */
	ncpu = libbpf_num_possible_cpus();
	err = prefill(0, 10 / ncpu);
	if (err)
		goto out;
	nflows = count_flows();
	err = est_row("established, 10 flows", &tcp4, XDP_TX, XLB_STAT_TX, NULL,
		      0);
	if (err)
		goto out;
	r = &rows[nrows - 1];
	snprintf(r->note + strlen(r->note), sizeof(r->note) - strlen(r->note),
		 "; %llu flows", (unsigned long long)nflows);
	err = new_flow_row("new flow, 10 flows in table", VIP4, &est, NULL,
			   NULL, 0);
	if (err)
		goto out;
	progress("prefilling 1M flows");
	err = prefill(0, PREFILL_FLOWS / ncpu);
	if (err) {
		fprintf(stderr, "xlb_bench: prefill: %s\n", strerror(-err));
		goto out;
	}
	progress("counting flows");
	nflows = count_flows();
	err = est_row("established, 1M flows (hot)", &tcp4, XDP_TX, XLB_STAT_TX,
		      NULL, 0);
	if (err)
		goto out;
	r = &rows[nrows - 1];
	snprintf(r->note + strlen(r->note), sizeof(r->note) - strlen(r->note),
		 "; %llu flows", (unsigned long long)nflows);
	/* a random one of the 1M per packet: the flow entry is cold */
	err = delta_row("established, 1M flows (random)",
			&(struct series){ .gen = gen_fill },
			&(struct series){ .fixed = &est }, est_ns, NULL, NULL,
			0);
	if (err)
		goto out;
	err = new_flow_row("new flow, 1M flows in table", VIP4, &est, NULL,
			   NULL, 0);
	if (err)
		goto out;

	/*
	 * Full table, the steady state of a busy node: every CPU's share
	 * used up, so each insert first evicts (LRU shrink). The new flows
	 * stay this time, so the table stays full.
	 */
	progress("filling the flow table");
	per_cpu = XLB_MAX_FLOWS / ncpu - PREFILL_FLOWS / ncpu + 1000;
	err = prefill(PREFILL_FLOWS, per_cpu);
	if (err)
		goto out;
	progress("counting flows");
	nflows = count_flows();
	keep_new_flows = true;
	err = new_flow_row("new flow, table full (evicting)", VIP4, &est, NULL,
			   NULL, 0);
	keep_new_flows = false;
	if (err)
		goto out;
	r = &rows[nrows - 1];
	snprintf(r->note + strlen(r->note), sizeof(r->note) - strlen(r->note),
		 "; %llu of %u flows", (unsigned long long)nflows,
		 XLB_MAX_FLOWS);

	progress("control plane: backend change -> visible");
	err = bench_publish(XLB_DEFAULT_TABLE_SIZE);
	if (!err)
		err = bench_publish(655373);
	if (!err)
		err = bench_swap();
	if (!err) {
		progress("memory: flow table");
		err = bench_flow_mem();
	}
out:
	if (err)
		fprintf(stderr, "xlb_bench: %s\n", strerror(-err));
	xlb_dp_close(&dp);
	return err;
}

/* Maglev ----------------------------------------------------------------- */

static int bench_maglev(__u32 size, double paper_ms)
{
	struct xlb_maglev_backend *mb = calloc(1000, sizeof(*mb));
	__u32 *table = malloc(sizeof(*table) * size);
	double v[RUNS];
	char name[64];
	struct row *r;
	int err = 0;

	if (!mb || !table) {
		err = -ENOMEM;
		goto out;
	}
	for (__u32 i = 0; i < 1000; i++) {
		mb[i].id = i + 1;
		mb[i].addr.v4 = htonl(0x0a000000U + i + 1);
		mb[i].family = XLB_FAMILY_V4;
		mb[i].weight = 1;
	}
	for (int i = -1; i < RUNS && !err; i++) {
		double t = now_ms();

		err = xlb_maglev_build(mb, 1000, table, size);
		if (i >= 0)
			v[i] = now_ms() - t;
	}
	if (err)
		goto out;
	snprintf(name, sizeof(name), "maglev build, 1000 backends, %u", size);
	cur_sec = SEC_CTL;
	r = add_row(name, "ms", "wall", v, RUNS);
	cur_sec = SEC_PKT;
	row_ref(r, "maglev paper", paper_ms);
	snprintf(r->note, sizeof(r->note), "user space, one thread");
out:
	free(mb);
	free(table);
	return err;
}

/* Output ----------------------------------------------------------------- */

/* Decimals a unit is printed with. */
static int decimals(const char *unit)
{
	if (!strcmp(unit, "ms") || !strcmp(unit, "x"))
		return 2;
	if (!strcmp(unit, "ns/pkt") || !strcmp(unit, "B"))
		return 0;
	return 1;
}

static void print_table(FILE *f)
{
	for (int sec = 0; sec < SEC_MAX; sec++) {
		bool any = false;

		for (int i = 0; i < nrows && !any; i++)
			any = rows[i].sec == (enum section)sec;
		if (!any)
			continue;
		fprintf(f, "\n== %s\n", sec_titles[sec]);
		fprintf(f, "%-40s %8s %-6s %17s %6s  %-19s %-10s %s\n",
			"benchmark", "median", "unit", "min..max", "x ref",
			"not measured here*", "method", "check");
		for (int i = 0; i < nrows; i++) {
			const struct row *r = &rows[i];
			char mm[40], ratio[16] = "-", ref[32] = "-";
			int d = decimals(r->unit);

			if (r->sec != (enum section)sec)
				continue;
			snprintf(mm, sizeof(mm), "%.*f..%.*f", d, r->min, d,
				 r->max);
			if (r->ratio > 0)
				snprintf(ratio, sizeof(ratio), "%.1fx",
					 r->ratio);
			if (r->ref_val >= 0)
				snprintf(ref, sizeof(ref), "%s %g", r->ref_src,
					 r->ref_val);
			fprintf(f,
				"%-40s %8.*f %-6s %17s %6s  %-19s %-10s "
				"%s\n",
				r->name, !strcmp(r->unit, "ns/pkt") ? 1 : d,
				r->med, r->unit, mm, ratio, ref, r->method,
				r->note);
		}
	}
	fprintf(f, "\n* NOT measured here, for context only: katran's figures "
		   "for its own XDP program on this kind of machine, and the "
		   "Maglev paper's (NSDI'16) table build times\n");
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static int write_files(const char *dir)
{
	char path[512];
	FILE *t, *j;

	if (mkdir(dir, 0755) && errno != EEXIST)
		return -errno;
	snprintf(path, sizeof(path), "%s/bench.tsv", dir);
	t = fopen(path, "w");
	snprintf(path, sizeof(path), "%s/bench.json", dir);
	j = fopen(path, "w");
	if (!t || !j) {
		if (t)
			fclose(t);
		if (j)
			fclose(j);
		return -errno;
	}
	fprintf(t,
		"section\tname\tunit\tmedian\tmin\tmax\tratio_to_ref\tmethod\t"
		"reported_elsewhere_src\treported_elsewhere\tnote\n");
	fprintf(j,
		"{\n  \"tool\": \"xlb_bench\",\n  \"repeat\": %u,\n"
		"  \"runs\": %d,\n  \"singles_per_round\": %d,\n"
		"  \"cpu\": %d,\n  \"results\": [\n",
		repeat, RUNS, singles, bench_cpu);
	for (int i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];

		fprintf(t, "%s\t%s\t%s\t%.3f\t%.3f\t%.3f\t", sec_names[r->sec],
			r->name, r->unit, r->med, r->min, r->max);
		if (r->ratio > 0)
			fprintf(t, "%.3f", r->ratio);
		fprintf(t, "\t%s\t%s\t", r->method,
			r->ref_src ? r->ref_src : "");
		if (r->ref_val >= 0)
			fprintf(t, "%g", r->ref_val);
		fprintf(t, "\t%s\n", r->note);

		fprintf(j, "    {\"section\": \"%s\", \"name\": ",
			sec_names[r->sec]);
		json_str(j, r->name);
		fprintf(j,
			", \"unit\": \"%s\", \"median\": %.3f, "
			"\"min\": %.3f, \"max\": %.3f, \"ratio_to_ref\": ",
			r->unit, r->med, r->min, r->max);
		if (r->ratio > 0)
			fprintf(j, "%.3f", r->ratio);
		else
			fprintf(j, "null");
		fprintf(j, ", \"method\": \"%s\", \"reported_elsewhere\": ",
			r->method);
		if (r->ref_val >= 0) {
			fprintf(j, "{\"source\": ");
			json_str(j, r->ref_src);
			fprintf(j, ", \"value\": %g, \"measured_here\": false}",
				r->ref_val);
		} else {
			fprintf(j, "null");
		}
		fprintf(j, ", \"note\": ");
		json_str(j, r->note);
		fprintf(j, "}%s\n", i + 1 < nrows ? "," : "");
	}
	fprintf(j, "  ]\n}\n");
	fclose(t);
	fclose(j);
	return 0;
}

/* The 1-minute load average: other work on the machine skews figures. */
static const char *loadavg(void)
{
	static char buf[16] = "?";
	FILE *f = fopen("/proc/loadavg", "r");

	if (f) {
		if (fscanf(f, "%15s", buf) != 1)
			strcpy(buf, "?");
		fclose(f);
	}
	return buf;
}

/* --help: before and after the options (opts.h) */
static const char usage[] =
	"usage: xlb_bench [-o DIR] [-r REPEAT] [-n SINGLES] [-e|-s]\n";

int main(int argc, char **argv)
{
	unsigned long long rep = DEF_REPEAT, sing = DEF_SINGLES;
	const char *dir = "build/bench";
	const struct xlb_opt opts[] = {
		{ NULL, 'o', true, "DIR",
		  "write bench.tsv and bench.json there (build/bench)",
		  .str = &dir },
		{ NULL, 'r', true, "REPEAT",
		  "iterations per amortized run (" XLB_STR(DEF_REPEAT) ")",
		  .num = &rep, .min = 1, .max = UINT32_MAX },
		{ NULL, 'n', true, "SINGLES",
		  "new flows per round, 5 rounds (" XLB_STR(DEF_SINGLES) ")",
		  .num = &sing, .min = 100, .max = INT_MAX },
		{ NULL, 'e', true, NULL, "the encapsulation rows only",
		  .flag = &encap_only },
		{ NULL, 's', true, NULL,
		  "the scheduler rows only (with flow sync)",
		  .flag = &sched_only },
		{ NULL, 'h', true, NULL, "this text" },
	};
	struct xlb_opts o = { "xlb_bench", opts, ARRAY_SIZE(opts),
			      usage,	   NULL, 2 };
	int err;

	while (xlb_opts_next(&o, argc, argv) != -1)
		; /* not reached: the table stores every option */
	repeat = rep;
	singles = sing;
	if (!xlb_bpf_tool_start("xlb_bench", " (BPF_PROG_TEST_RUN)"))
		return 1;
	t_start = now_ms();
	/* the last CPU: one place for every run, away from CPU 0's IRQs */
	bench_cpu = libbpf_num_possible_cpus() - 1;
	if (bench_cpu < 0)
		bench_cpu = 0;
	pin_cpu(bench_cpu);

	err = bench_ref();
	if (err) {
		fprintf(stderr, "xlb_bench: reference program: %s\n",
			strerror(-err));
		return 1;
	}
	err = bench_xlb();
	if (!err && !encap_only && !sched_only)
		err = bench_maglev(65537, 1.8);
	if (!err && !encap_only && !sched_only)
		err = bench_maglev(655373, 22.9);

	printf("xlb_bench: BPF_PROG_TEST_RUN on CPU %d, repeat %u, median of "
	       "%d runs; new flows: %d rounds x %d; load average %s\n",
	       bench_cpu, repeat, RUNS, RUNS, singles, loadavg());
	print_table(stdout);
	if (write_files(dir))
		fprintf(stderr, "xlb_bench: write %s: %s\n", dir,
			strerror(errno));
	else
		printf("written: %s/bench.tsv %s/bench.json\n", dir, dir);
	return err ? 1 : 0;
}
