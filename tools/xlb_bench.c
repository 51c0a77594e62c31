// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xlb_bench: what the XDP program costs per packet, measured with
 * BPF_PROG_TEST_RUN, and what a Maglev table costs to build.
 *
 *	xlb_bench [-o DIR] [-r REPEAT] [-n SINGLES]
 *
 * Prints one table on stdout and writes the same rows to DIR/bench.tsv and
 * DIR/bench.json (DIR defaults to build/bench). Needs root. Figures only:
 * nothing here passes or fails.
 *
 * Two ways of timing a packet, and which row uses which:
 *
 *  amortized	One BPF_PROG_TEST_RUN with repeat R: the kernel runs the
 *		program R times between two clock reads and reports the mean
 *		(topts.duration, whole ns). The frame each iteration sees is
 *		the one the previous iteration produced. For xlb that is the
 *		same flow's frame with rewritten MACs, so after one priming
 *		packet every iteration is a flow-table hit; the counters are
 *		checked to prove it (no new flow during the runs). The
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
#include <getopt.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "xlb_abi.h"
#include "dataplane.h"
#include "maglev.h"
#include "bench_ref.skel.h"

/* The test frame builder, compiled into this tool (tools link alone). */
#include "../tests/lib/pkt.c"

#define RUNS 5			/* runs (amortized) or rounds (singles) */
#define DEF_REPEAT 1000000
#define DEF_SINGLES 4000	/* new flows per round: 20,000 per row */
#define MAX_ROWS 40
#define PREFILL_FLOWS 1000000
#define PREFILL_CHUNK 50000

#define VIP4 "198.19.0.100"
#define VIP4_R1 "198.19.0.101"		/* ring of 1 backend */
#define VIP4_R4K "198.19.0.102"		/* ring of 4000 backends */
#define VIP6 "2001:db8:f::100"
#define CLIENT4 "198.18.0.2"
#define CLIENT6 "2001:db8:c::2"
#define OTHER4 "198.18.0.1"		/* not a VIP */
#define SYN_SRC_BASE 0xc6120100U	/* 198.18.1.0: new-flow clients */
#define FILL_SRC_BASE 0x64400000U	/* 100.64.0.0/10: prefilled flows */

static const __u8 router_mac[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const __u8 lb_mac[6] = { 0x02, 0x78, 0x6c, 0x62, 0x00, 0x01 };
static const __u8 egress_mac[6] = { 0x02, 0x78, 0x6c, 0x62, 0x00, 0x02 };

struct row {
	char name[64];
	const char *unit;	/* "ns/pkt" or "ms" */
	const char *method;	/* amortized, est+delta, repeat=1, wall */
	double med, min, max;
	double ratio;		/* to the reference program; < 0: n/a */
	const char *ref_src;	/* who reported ref_val (not measured here) */
	double ref_val;		/* < 0: none */
	char note[96];
};

static struct row rows[MAX_ROWS];
static int nrows;
static double ref_ns = -1;
static __u32 repeat = DEF_REPEAT;
static int singles = DEF_SINGLES;
static int bench_cpu;

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
	fprintf(stderr, "xlb_bench: [%5.1fs] %s\n",
		(now_ms() - t_start) / 1e3, what);
}

static struct row *add_row(const char *name, const char *unit,
			   const char *method, const double *v, int n)
{
	struct row *r = &rows[nrows++];

	progress(name);

	memset(r, 0, sizeof(*r));
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
	r->ratio = ref_ns > 0 && !strcmp(unit, "ns/pkt") ? r->med / ref_ns :
							    -1;
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
	__u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	__u16 sport, dport;
	__u8 flags;
	int vlan;		/* 802.1Q tag vid, 0: none */
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
		pkt_payload_fill(p, 6, 0);	/* 60-byte IPv4 frame */
	}
	return pkt_finish(p);
}

/* A TCP frame from an IPv4 client given as a host-order address. */
static int build_v4(struct pkt *p, __u32 saddr, __u16 sport,
		    const char *dst, __u8 flags)
{
	struct in_addr a = { .s_addr = htonl(saddr) };
	char src[INET_ADDRSTRLEN];
	struct frame f = {
		.src = src, .dst = dst, .proto = IPPROTO_TCP,
		.sport = sport, .dport = 80, .flags = flags,
	};

	inet_ntop(AF_INET, &a, src, sizeof(src));
	return build(p, &f);
}

/* Test runs ------------------------------------------------------------ */

static int run(int fd, const struct pkt *p, __u32 rep, __u32 *dur,
	       __u32 *ret)
{
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = p->data,
		.data_size_in = p->len,
		.repeat = rep,
	);

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
static __u32 *rings[3];		/* Maglev rings of 1, 100, 4000 backends */
static const __u32 ring_nbe[3] = { 1, 100, 4000 };
static double est_ns = -1;	/* amortized established tcp4 hit */
static bool keep_new_flows;	/* new_flow_row(): leave the flows in */

static void stats(__u64 s[XLB_STAT_MAX])
{
	if (xlb_dp_stats_global(&dp, s))
		memset(s, 0, sizeof(__u64) * XLB_STAT_MAX);
}

static void be_addr(__u32 id, union xlb_addr *a)
{
	memset(a, 0, sizeof(*a));
	a->v4 = htonl(0x0a000000U + id);	/* 10.0.x.y */
}

static int setup_backends(void)
{
	struct xlb_maglev_backend *mb;
	int err;

	for (__u32 id = 1; id <= 4000; id++) {
		struct xlb_backend be = {
			.dmac = { 0x02, 0xbe, 0, 0, id >> 8, id },
			.flags = XLB_BE_F_UP,
			.gen = 1,
			.family = XLB_FAMILY_V4,
		};

		memcpy(be.smac, egress_mac, 6);
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

/* Service id on vip:port/proto with the Maglev ring rings[ring]. */
static int add_service(const char *vip, __u16 port, __u8 proto, __u32 id,
		       int ring)
{
	struct xlb_svc_key k;
	struct xlb_svc v = {
		.id = id,
		.table_size = XLB_DEFAULT_TABLE_SIZE,
		.sched = XLB_SCHED_MAGLEV,
	};

	if (svc_key(&k, vip, port, proto))
		return -EINVAL;
	return xlb_dp_service_publish(&dp, &k, &v, rings[ring],
				      XLB_DEFAULT_TABLE_SIZE);
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

/* The next frame of a delta_row() series, and its flow key in *k. */
typedef int (*gen_fn)(struct pkt *p, struct xlb_flow_key *k);

static const char *syn_vip;
static __u32 syn_seq;		/* new-flow clients used so far */

static void v4_key(struct xlb_flow_key *k, const char *vip, __u32 saddr,
		   __u16 sport)
{
	svc_key(&k->svc, vip, 80, IPPROTO_TCP);
	memset(&k->src, 0, sizeof(k->src));
	k->src.v4 = htonl(saddr);
	k->sport = htons(sport);
	k->pad[0] = k->pad[1] = 0;
}

static int gen_syn(struct pkt *p, struct xlb_flow_key *k)
{
	__u32 n = syn_seq++;
	__u32 saddr = SYN_SRC_BASE + n;
	__u16 sport = 10000 + (n % 50000);

	v4_key(k, syn_vip, saddr, sport);
	return build_v4(p, saddr, sport, syn_vip, PKT_SYN);
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
static int gen_fill(struct pkt *p, struct xlb_flow_key *k)
{
	__u32 n = xorshift() % PREFILL_FLOWS;

	return build_v4(p, FILL_SRC_BASE + n, fill_sport(n), VIP4, PKT_ACK);
}

/*
 * est+delta rows (see the top of the file): RUNS rounds of `singles`
 * repeat-1 runs of gen()'s frames, each followed by a repeat-1 run of the
 * established frame est. new_flows: gen()'s frames are new flows (checked,
 * and deleted after each round). Adds the est+delta row and, if raw_name,
 * the plain repeat-1 medians of both series.
 */
static int delta_row(const char *name, gen_fn gen, const struct pkt *est,
		     bool new_flows, const char *raw_name,
		     const char *ref_src, double ref_val)
{
	double *a = malloc(sizeof(double) * singles);
	double *b = malloc(sizeof(double) * singles);
	struct xlb_flow_key *keys = calloc(singles, sizeof(*keys));
	double fig[RUNS], raw[RUNS], floor1[RUNS];
	__u64 s0[XLB_STAT_MAX], s1[XLB_STAT_MAX], nf = 0, want = 0;
	struct row *r;
	int err = 0;

	if (!a || !b || !keys) {
		err = -ENOMEM;
		goto out;
	}
	for (int round = 0; round < RUNS && !err; round++) {
		double ta, tb;
		int ca, cb;

		stats(s0);
		for (int i = 0; i < singles; i++) {
			struct pkt p;
			__u32 dur, ret;

			err = gen(&p, &keys[i]);
			if (err)
				break;
			err = run(dp.prog_fd, &p, 1, &dur, &ret);
			if (err)
				break;
			if (ret != XDP_TX) {
				fprintf(stderr, "xlb_bench: %s: XDP_%s\n",
					name, act_name(ret));
				err = -EPROTO;
				break;
			}
			a[i] = dur;
			err = run(dp.prog_fd, est, 1, &dur, &ret);
			if (err)
				break;
			b[i] = dur;
		}
		if (err)
			break;
		stats(s1);
		nf += s1[XLB_STAT_NEW_FLOW] - s0[XLB_STAT_NEW_FLOW];
		want += new_flows ? singles : 0;
		if (new_flows && !keep_new_flows)
			for (int i = 0; i < singles; i++)
				bpf_map_delete_elem(dp.flow_fd, &keys[i]);
		ta = trimmed_total(a, singles, &ca);
		tb = trimmed_total(b, singles, &cb);
		fig[round] = est_ns + ta / ca - tb / cb;
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
		snprintf(r->note, sizeof(r->note),
			 "%d x %d; new_flow +%llu", RUNS, singles,
			 (unsigned long long)nf);
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
	free(keys);
	return err;
}

static int new_flow_row(const char *name, const char *vip,
			const struct pkt *est, const char *raw_name,
			const char *ref_src, double ref_val)
{
	syn_vip = vip;
	return delta_row(name, gen_syn, est, true, raw_name, ref_src,
			 ref_val);
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
			__u32 cnt = end - done < PREFILL_CHUNK ?
				    end - done : PREFILL_CHUNK;

			for (__u32 i = 0; i < cnt; i++) {
				__u32 id = done + i;

				v4_key(&k[i], VIP4, FILL_SRC_BASE + id,
				       fill_sport(id));
				v[i].backend_id = 1 + id % 100;
				v[i].backend_gen = 1;
			}
			if (bpf_map_update_batch(dp.flow_fd, k, v, &cnt,
						 &bo)) {
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

static int bench_ref(void)
{
	struct bench_ref_bpf *s = bench_ref_bpf__open_and_load();
	struct frame f = {
		.src = CLIENT4, .dst = VIP4, .proto = IPPROTO_TCP,
		.sport = 40000, .dport = 80, .flags = PKT_ACK,
	};
	double v[RUNS];
	struct pkt p;
	struct row *r;
	int err;

	if (!s)
		return -errno;
	err = build(&p, &f);
	if (!err)
		err = amortized(bpf_program__fd(s->progs.bench_ref), &p,
				XDP_TX, v);
	bench_ref_bpf__destroy(s);
	if (err)
		return err;
	r = add_row("reference: parse + MAC swap + TX", "ns/pkt",
		    "amortized", v, RUNS);
	ref_ns = r->med;
	r->ratio = 1;
	row_ref(r, "katran", 9);
	snprintf(r->note, sizeof(r->note), "bpf/bench_ref.bpf.c: the floor");
	return 0;
}

static int bench_xlb(void)
{
	struct frame tcp4 = {
		.src = CLIENT4, .dst = VIP4, .proto = IPPROTO_TCP,
		.sport = 40000, .dport = 80, .flags = PKT_ACK,
	};
	struct frame udp4 = {
		.src = CLIENT4, .dst = VIP4, .proto = IPPROTO_UDP,
		.sport = 40000, .dport = 53,
	};
	struct frame tcp6 = {
		.src = CLIENT6, .dst = VIP6, .proto = IPPROTO_TCP,
		.sport = 40000, .dport = 80, .flags = PKT_ACK,
	};
	struct frame vlan = tcp4, nonvip = tcp4;
	struct pkt est;
	__u32 ncpu, per_cpu;
	struct row *r;
	__u64 nflows;
	int err;

	vlan.vlan = 100;
	vlan.sport = 40001;
	nonvip.dst = OTHER4;

	err = xlb_dp_open(&dp, NULL);
	if (!err)
		err = xlb_dp_load(&dp);
	if (err) {
		fprintf(stderr, "xlb_bench: load xlb: %s\n", strerror(-err));
		return err;
	}
	progress("xlb loaded; 4000 backends, Maglev rings");
	err = setup_backends();
	if (!err)
		err = add_service(VIP4, 80, IPPROTO_TCP, 1, 1);
	if (err)
		goto out;

	/* 1 service, 1 flow */
	err = est_row("tcp4 established", &tcp4, XDP_TX, XLB_STAT_TX,
		      "katran", 76);
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

	err = add_service(VIP4, 53, IPPROTO_UDP, 2, 1);
	if (!err)
		err = add_service(VIP6, 80, IPPROTO_TCP, 3, 1);
	if (!err)
		err = est_row("udp4 established", &udp4, XDP_TX, XLB_STAT_TX,
			      NULL, 0);
	if (!err)
		err = est_row("tcp6 established", &tcp6, XDP_TX, XLB_STAT_TX,
			      NULL, 0);
	if (!err)
		err = est_row("tcp4 802.1Q established", &vlan, XDP_TX,
			      XLB_STAT_TX, NULL, 0);
	if (!err)
		err = est_row("non-VIP -> XDP_PASS", &nonvip, XDP_PASS,
			      XLB_STAT_PASS_NON_VIP, "katran", 42);
	if (err)
		goto out;

	/* ring size: the new-flow path picks a slot of the service's ring */
	err = add_service(VIP4_R1, 80, IPPROTO_TCP, 4, 0);
	if (!err)
		err = add_service(VIP4_R4K, 80, IPPROTO_TCP, 5, 2);
	if (!err)
		err = new_flow_row("new flow, ring of 1 backend", VIP4_R1,
				   &est, NULL, NULL, 0);
	if (!err)
		err = new_flow_row("new flow, ring of 100 backends", VIP4,
				   &est, NULL, NULL, 0);
	if (!err)
		err = new_flow_row("new flow, ring of 4000 backends",
				   VIP4_R4K, &est, NULL, NULL, 0);
	if (err)
		goto out;

	/* service count: the established path looks the service up */
	progress("publishing 995 more services");
	err = filler_services(6, 1000, true);
	if (!err)
		err = est_row("established, 1000 services", &tcp4, XDP_TX,
			      XLB_STAT_TX, NULL, 0);
	if (!err)
		err = filler_services(6, 1000, false);
	if (err)
		goto out;

	/* flow-table size: 1M flows, hits (hot and cold) and misses */
	progress("prefilling 1M flows");
	ncpu = libbpf_num_possible_cpus();
	err = prefill(0, PREFILL_FLOWS / ncpu);
	if (err) {
		fprintf(stderr, "xlb_bench: prefill: %s\n", strerror(-err));
		goto out;
	}
	progress("counting flows");
	nflows = count_flows();
	err = est_row("established, 1M flows (hot)", &tcp4, XDP_TX,
		      XLB_STAT_TX, NULL, 0);
	if (err)
		goto out;
	r = &rows[nrows - 1];
	snprintf(r->note + strlen(r->note), sizeof(r->note) - strlen(r->note),
		 "; %llu flows", (unsigned long long)nflows);
	/* a random one of the 1M per packet: the flow entry is cold */
	err = delta_row("established, 1M flows (random)", gen_fill, &est,
			false, NULL, NULL, 0);
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
	err = new_flow_row("new flow, table full (evicting)", VIP4, &est,
			   NULL, NULL, 0);
	keep_new_flows = false;
	if (err)
		goto out;
	r = &rows[nrows - 1];
	snprintf(r->note + strlen(r->note), sizeof(r->note) - strlen(r->note),
		 "; %llu of %u flows", (unsigned long long)nflows,
		 XLB_MAX_FLOWS);
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
	r = add_row(name, "ms", "wall", v, RUNS);
	row_ref(r, "maglev paper", paper_ms);
	snprintf(r->note, sizeof(r->note), "user space, one thread");
out:
	free(mb);
	free(table);
	return err;
}

/* Output ----------------------------------------------------------------- */

static void print_table(FILE *f)
{
	fprintf(f, "%-38s %8s %-6s %15s %7s  %-20s %-10s %s\n", "benchmark",
		"median", "unit", "min..max", "x ref", "not measured here*",
		"method", "check");
	for (int i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];
		char mm[32], ratio[16] = "-", ref[32] = "-";
		int ms = r->unit[0] == 'm';

		snprintf(mm, sizeof(mm), "%.*f..%.*f", ms ? 2 : 0, r->min,
			 ms ? 2 : 0, r->max);
		if (r->ratio > 0)
			snprintf(ratio, sizeof(ratio), "%.1fx", r->ratio);
		if (r->ref_val >= 0)
			snprintf(ref, sizeof(ref), "%s %g", r->ref_src,
				 r->ref_val);
		fprintf(f, "%-38s %8.*f %-6s %15s %7s  %-20s %-10s %s\n",
			r->name, ms ? 2 : 1, r->med, r->unit, mm,
			ratio, ref, r->method, r->note);
	}
	fprintf(f, "* NOT measured here, for context only: katran's figures "
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
	fprintf(t, "name\tunit\tmedian\tmin\tmax\tratio_to_ref\tmethod\t"
		   "reported_elsewhere_src\treported_elsewhere\tnote\n");
	fprintf(j, "{\n  \"tool\": \"xlb_bench\",\n  \"repeat\": %u,\n"
		   "  \"runs\": %d,\n  \"singles_per_round\": %d,\n"
		   "  \"cpu\": %d,\n  \"results\": [\n",
		repeat, RUNS, singles, bench_cpu);
	for (int i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];

		fprintf(t, "%s\t%s\t%.3f\t%.3f\t%.3f\t", r->name, r->unit,
			r->med, r->min, r->max);
		if (r->ratio > 0)
			fprintf(t, "%.3f", r->ratio);
		fprintf(t, "\t%s\t%s\t", r->method,
			r->ref_src ? r->ref_src : "");
		if (r->ref_val >= 0)
			fprintf(t, "%g", r->ref_val);
		fprintf(t, "\t%s\n", r->note);

		fprintf(j, "    {\"name\": ");
		json_str(j, r->name);
		fprintf(j, ", \"unit\": \"%s\", \"median\": %.3f, "
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

static void usage(void)
{
	fprintf(stderr,
		"usage: xlb_bench [-o DIR] [-r REPEAT] [-n SINGLES]\n"
		"  -o DIR      write bench.tsv and bench.json there "
		"(build/bench)\n"
		"  -r REPEAT   iterations per amortized run (%u)\n"
		"  -n SINGLES  new flows per round, 5 rounds (%d)\n",
		DEF_REPEAT, DEF_SINGLES);
}

int main(int argc, char **argv)
{
	const char *dir = "build/bench";
	int c, err;

	while ((c = getopt(argc, argv, "o:r:n:h")) != -1) {
		switch (c) {
		case 'o':
			dir = optarg;
			break;
		case 'r':
			repeat = strtoul(optarg, NULL, 0);
			break;
		case 'n':
			singles = atoi(optarg);
			break;
		default:
			usage();
			return 2;
		}
	}
	if (!repeat || singles < 100) {
		usage();
		return 2;
	}
	if (geteuid()) {
		fprintf(stderr, "xlb_bench: needs root (BPF_PROG_TEST_RUN)\n");
		return 1;
	}
	libbpf_set_print(NULL);
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
	if (!err)
		err = bench_maglev(65537, 1.8);
	if (!err)
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
