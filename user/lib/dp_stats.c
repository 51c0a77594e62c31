// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The data plane's counters, summed over CPUs. A forwarded packet writes
 * one per-CPU line, its backend's in XLB_MAP_BE_SENT (struct
 * xlb_counters says how the rest is made of it): a service's counters are
 * its backends' lines plus what xlbd folded into XLB_MAP_SVC_STATS when it
 * removed backends, and the global tx / redirect verdicts add every line.
 * An older program (adopted from its pins, no XLB_MAP_BE_SENT) wrote all
 * three itself: its maps are read as they are.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "dataplane.h"

/* Lines [0, n) of per-CPU array @fd (@vsize bytes each, all CPUs). */
static int array_read(int fd, __u32 n, size_t vsize, void *out)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	__u32 *keys = malloc(sizeof(*keys) * n), count = n, batch;
	int err = 0;

	if (!keys)
		return -ENOMEM;
	/* an array's batch from its start: exactly n lines, or ENOENT */
	if (bpf_map_lookup_batch(fd, NULL, &batch, keys, out, &count, &opts) ||
	    count != n) {
		for (__u32 i = 0; i < n && !err; i++)
			if (bpf_map_lookup_elem(fd, &i,
						(char *)out + i * vsize))
				err = -errno;
	}
	free(keys);
	return err;
}

/*
 * dp->be_svc: backend id -> service id of every backend entry, and
 * dp->be_hi, the highest id in use (a backend of no service, svc_id 0,
 * counts in the global counters only). Kept by xlb_dp_backend_set() once this
 * process writes backends; until then (a tool reading another process's
 * maps) read afresh each time.
 */
static int be_svc_read(struct xlb_dp *dp)
{
	struct xlb_backend *bes;
	int err;

	if (!dp->be_svc &&
	    !(dp->be_svc = calloc(XLB_MAX_BACKENDS, sizeof(*dp->be_svc))))
		return -ENOMEM;
	if (dp->be_own)
		return 0;
	bes = malloc(sizeof(*bes) * XLB_MAX_BACKENDS);
	if (!bes)
		return -ENOMEM;
	err = array_read(dp->be_fd, XLB_MAX_BACKENDS, sizeof(*bes), bes);
	dp->be_hi = 0;
	for (__u32 id = 0; id < XLB_MAX_BACKENDS && !err; id++) {
		static const struct xlb_backend none;

		dp->be_svc[id] = bes[id].svc_id;
		if (memcmp(&bes[id], &none, sizeof(none)))
			dp->be_hi = id;
	}
	free(bes);
	return err;
}

static void counters_add(struct xlb_counters *to, const struct xlb_counters *c)
{
	to->packets += c->packets;
	to->bytes += c->bytes;
	to->new_flows += c->new_flows;
	to->redirects += c->redirects;
}

/* One line of per-CPU counter array @fd: per CPU into vals, summed *out. */
static int line_read(struct xlb_dp *dp, int fd, __u32 id,
		     struct xlb_counters *vals, struct xlb_counters *out)
{
	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(fd, &id, vals))
		return -errno;
	for (int c = 0; c < dp->ncpus; c++)
		counters_add(out, &vals[c]);
	return 0;
}

static int counters_sum(struct xlb_dp *dp, int fd, __u32 id,
			struct xlb_counters *out)
{
	struct xlb_counters *vals = calloc(dp->ncpus, sizeof(*vals));
	int err;

	if (!vals)
		return -ENOMEM;
	err = line_read(dp, fd, id, vals, out);
	free(vals);
	return err;
}

int xlb_dp_stats_global(struct xlb_dp *dp, __u64 out[XLB_STAT_MAX])
{
	struct xlb_counters *lines;
	__u64 *vals = calloc(dp->ncpus, sizeof(*vals));
	__u32 n;
	int err;

	if (!vals)
		return -ENOMEM;
	for (__u32 i = 0; i < XLB_STAT_MAX; i++) {
		out[i] = 0;
		if (bpf_map_lookup_elem(dp->stats_fd, &i, vals))
			continue;
		for (int c = 0; c < dp->ncpus; c++)
			out[i] += vals[c];
	}
	free(vals);
	if (dp->be_sent_fd < 0)
		return 0;
	err = be_svc_read(dp);
	if (err)
		return err;
	/* line 0 (removed backends) and every id up to the highest in use */
	n = dp->be_hi + 1;
	lines = malloc(sizeof(*lines) * dp->ncpus * n);
	if (!lines)
		return -ENOMEM;
	err = array_read(dp->be_sent_fd, n, sizeof(*lines) * dp->ncpus, lines);
	for (__u32 i = 0; i < n * dp->ncpus && !err; i++) {
		out[XLB_STAT_TX] += lines[i].packets - lines[i].redirects;
		out[XLB_STAT_REDIRECT] += lines[i].redirects;
	}
	free(lines);
	return err;
}

int xlb_dp_stats_svc(struct xlb_dp *dp, __u32 id, struct xlb_counters *out)
{
	struct xlb_counters c;
	int err = counters_sum(dp, dp->svc_stats_fd, id, out);

	if (err || dp->be_sent_fd < 0)
		return err;
	err = be_svc_read(dp);
	for (__u32 be = 1; be <= dp->be_hi && !err; be++)
		if (dp->be_svc[be] == id &&
		    !(err = counters_sum(dp, dp->be_sent_fd, be, &c)))
			counters_add(out, &c);
	out->redirects = 0; /* a backend's figure, not a service's */
	return err;
}

int xlb_dp_stats_be(struct xlb_dp *dp, __u32 id, struct xlb_counters *out)
{
	return counters_sum(
		dp, dp->be_sent_fd >= 0 ? dp->be_sent_fd : dp->be_stats_fd, id,
		out);
}

/* Add @vals (per CPU) to line @id of per-CPU array @fd. */
static int line_add(struct xlb_dp *dp, int fd, __u32 id,
		    const struct xlb_counters *vals)
{
	struct xlb_counters *cur = calloc(dp->ncpus, sizeof(*cur)), sum;
	int err;

	if (!cur)
		return -ENOMEM;
	err = line_read(dp, fd, id, cur, &sum);
	for (int c = 0; c < dp->ncpus && !err; c++)
		counters_add(&cur[c], &vals[c]);
	if (!err && bpf_map_update_elem(fd, &id, cur, BPF_ANY))
		err = -errno;
	free(cur);
	return err;
}

/*
 * Backend @id went from service @from to service @to (0: none). Its
 * line leaves with it: into @from's folded counters and line 0, so the
 * service and the global counters never go back, and the id starts from
 * zero when it is used again. Only user space writes those two lines.
 * A packet that read the entry just before it changed may still count on
 * the old line after the fold: a reused id hands such a straggler on to
 * line 0, not to its new backend.
 */
int xlb_dp_stats_backend_moved(struct xlb_dp *dp, __u32 id, __u32 from,
			       __u32 to)
{
	struct xlb_counters *vals, sum;
	int err;

	if (dp->be_sent_fd < 0)
		return 0;
	err = be_svc_read(dp);
	if (err)
		return err;
	dp->be_own = true;
	dp->be_svc[id] = to;
	if (id > dp->be_hi) /* an upper bound: every id ever written */
		dp->be_hi = id;
	if (from == to)
		return 0;
	vals = calloc(dp->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	err = line_read(dp, dp->be_sent_fd, id, vals, &sum);
	if (!err && (sum.packets || sum.new_flows)) {
		if (from && from < XLB_MAX_SERVICES)
			err = line_add(dp, dp->svc_stats_fd, from, vals);
		if (!err)
			err = line_add(dp, dp->be_sent_fd, 0, vals);
		memset(vals, 0, sizeof(*vals) * dp->ncpus);
		if (!err &&
		    bpf_map_update_elem(dp->be_sent_fd, &id, vals, BPF_ANY))
			err = -errno;
	}
	free(vals);
	return err;
}
