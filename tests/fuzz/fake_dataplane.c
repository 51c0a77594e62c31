// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Fuzzing: dataplane.h without the kernel. The fuzz targets link this in
 * place of user/lib/dataplane.c, so the daemon's state machine runs as in
 * production while every map is memory here: backends, rings and the VIP
 * marks are kept (status, explain and backend changes read them back),
 * counters and the flow table are empty. No fd is ever valid.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane.h"

static struct xlb_backend *fake_bes; /* XLB_MAX_BACKENDS */
static __u32 *fake_rings[XLB_MAX_SERVICES];
static __u32 fake_ring_size[XLB_MAX_SERVICES];

static void fake_reset(struct xlb_dp *dp)
{
	memset(dp, 0, sizeof(*dp));
	dp->prog_fd = -1;
	dp->bss_fd = -1;
#define FAKE_FD(fd, map, required) dp->fd = -1;
	XLB_DP_MAPS(FAKE_FD)
#undef FAKE_FD
	dp->ncpus = 2;
	if (!fake_bes)
		fake_bes = calloc(XLB_MAX_BACKENDS, sizeof(*fake_bes));
	else
		memset(fake_bes, 0, XLB_MAX_BACKENDS * sizeof(*fake_bes));
	for (int i = 0; i < XLB_MAX_SERVICES; i++) {
		free(fake_rings[i]);
		fake_rings[i] = NULL;
		fake_ring_size[i] = 0;
	}
}

int xlb_dp_open(struct xlb_dp *dp, const char *pin_dir)
{
	fake_reset(dp);
	return fake_bes ? 0 : -ENOMEM;
}

int xlb_dp_open_obj(struct xlb_dp *dp, const char *pin_dir, const char *path,
		    char *why, size_t whylen)
{
	return xlb_dp_open(dp, pin_dir);
}

int xlb_dp_load(struct xlb_dp *dp)
{
	return 0;
}

int xlb_dp_loaded(struct xlb_dp *dp)
{
	return 0;
}

int xlb_dp_open_pinned(struct xlb_dp *dp, const char *pin_dir)
{
	return xlb_dp_open(dp, pin_dir);
}

int xlb_dp_adopt_prog(struct xlb_dp *dp, int prog_fd)
{
	return 0;
}

void xlb_dp_close(struct xlb_dp *dp)
{
	fake_reset(dp);
}

int xlb_dp_service_publish(struct xlb_dp *dp, const struct xlb_svc_key *k,
			   const struct xlb_svc *v, const __u32 *ring,
			   __u32 size)
{
	__u32 *copy = NULL;

	if (!v->id || v->id >= XLB_MAX_SERVICES)
		return -E2BIG;
	if (ring && size) {
		if (v->table_size != size || size > XLB_MAX_TABLE_SIZE)
			return -EINVAL;
		for (__u32 i = 0; i < size; i++)
			if (!ring[i] || ring[i] >= XLB_MAX_BACKENDS)
				return -EINVAL; /* what the program rejects */
		copy = malloc(size * sizeof(*copy));
		if (!copy)
			return -ENOMEM;
		memcpy(copy, ring, size * sizeof(*copy));
	}
	free(fake_rings[v->id]);
	fake_rings[v->id] = copy;
	fake_ring_size[v->id] = copy ? size : 0;
	return 0;
}

int xlb_dp_service_del(struct xlb_dp *dp, const struct xlb_svc_key *k,
		       __u32 svc_id)
{
	if (svc_id < XLB_MAX_SERVICES) {
		free(fake_rings[svc_id]);
		fake_rings[svc_id] = NULL;
		fake_ring_size[svc_id] = 0;
	}
	return 0;
}

int xlb_dp_service_get(struct xlb_dp *dp, const struct xlb_svc_key *k,
		       struct xlb_svc *v)
{
	return -ENOENT;
}

int xlb_dp_vip_mark(struct xlb_dp *dp, const union xlb_addr *vip, __u8 family,
		    bool on)
{
	return 0;
}

int xlb_dp_ring_read(struct xlb_dp *dp, const struct xlb_svc *v, __u32 *ring,
		     __u32 size)
{
	__u32 svc_id = v->id;

	if (svc_id >= XLB_MAX_SERVICES || !fake_rings[svc_id])
		return -ENOENT;
	if (size != fake_ring_size[svc_id])
		return -EINVAL;
	memcpy(ring, fake_rings[svc_id], size * sizeof(*ring));
	return 0;
}

int xlb_dp_ring_get(struct xlb_dp *dp, const struct xlb_svc *v, __u32 slot,
		    __u32 *val)
{
	__u32 svc_id = v->id;

	if (svc_id >= XLB_MAX_SERVICES || !fake_rings[svc_id])
		return -ENOENT;
	if (slot >= fake_ring_size[svc_id])
		return -EINVAL;
	*val = fake_rings[svc_id][slot];
	return 0;
}

int xlb_dp_rr_cursor(struct xlb_dp *dp, __u32 svc_id, int cpu, __u32 *out)
{
	*out = 0;
	return 0;
}

int xlb_dp_backend_set(struct xlb_dp *dp, __u32 id,
		       const struct xlb_backend *be)
{
	if (!id || id >= XLB_MAX_BACKENDS)
		return -E2BIG;
	fake_bes[id] = *be;
	return 0;
}

int xlb_dp_backend_get(struct xlb_dp *dp, __u32 id, struct xlb_backend *be)
{
	if (id >= XLB_MAX_BACKENDS)
		return -ENOENT;
	*be = fake_bes[id];
	return 0;
}

int xlb_dp_tx_port_add(struct xlb_dp *dp, int ifindex)
{
	return 0;
}

int xlb_dp_iface_set(struct xlb_dp *dp, int ifindex, const __u8 mac[6])
{
	return 0;
}

int xlb_dp_stats_global(struct xlb_dp *dp, __u64 out[XLB_STAT_MAX])
{
	memset(out, 0, XLB_STAT_MAX * sizeof(out[0]));
	return 0;
}

int xlb_dp_stats_svc(struct xlb_dp *dp, __u32 id, struct xlb_counters *out)
{
	memset(out, 0, sizeof(*out));
	return id < XLB_MAX_SERVICES ? 0 : -ENOENT;
}

int xlb_dp_stats_be(struct xlb_dp *dp, __u32 id, struct xlb_counters *out)
{
	memset(out, 0, sizeof(*out));
	return id < XLB_MAX_BACKENDS ? 0 : -ENOENT;
}

int xlb_dp_stats_reset(struct xlb_dp *dp, bool backend, __u32 id)
{
	return 0;
}

int xlb_dp_conns_get(struct xlb_dp *dp, __u32 id, __s64 *out)
{
	*out = 0;
	return 0;
}

int xlb_dp_conns_add(struct xlb_dp *dp, __u32 id, __s64 delta)
{
	return 0;
}

int xlb_dp_flows_foreach(struct xlb_dp *dp, xlb_flow_fn fn, void *ctx)
{
	return 0; /* an empty table */
}

int xlb_dp_trace_set(struct xlb_dp *dp, __u32 rate)
{
	return 0;
}

int xlb_dp_flow_limit_set(struct xlb_dp *dp, __u32 per_cpu_per_sec)
{
	return 0;
}

int xlb_dp_nat_cfg_set(struct xlb_dp *dp, const struct xlb_nat_cfg *c)
{
	return -EOPNOTSUPP; /* no NAT maps */
}

int xlb_dp_map_foreach(int fd, size_t ksize, size_t vsize, xlb_map_fn fn,
		       void *ctx)
{
	return 0; /* every map empty */
}
