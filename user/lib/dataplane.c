// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Data plane maps: open, load, adopt pins, read counters, write settings
 * (services and rings are dataplane_svc.c's).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dataplane.h"
#include "dataplane_vip_filter.h"
#include "map_mmap.h"
#include "xlb_decide.h"
#include "xlb_util.h"
#include "xlb.skel.h"

#define XLB_STR_(x) #x
#define XLB_STR(x) XLB_STR_(x)

/* XLB_DP_MAPS as data: where each fd lives in struct xlb_dp, its name. */
static const struct {
	size_t off;
	const char *name;
	bool required; /* when adopting a running program's pins */
} dp_maps[] = {
#define DP_MAP(fd, map, req) { offsetof(struct xlb_dp, fd), XLB_STR(map), req },
	XLB_DP_MAPS(DP_MAP)
#undef DP_MAP
};

static int *dp_map_fd(struct xlb_dp *dp, size_t i)
{
	return (int *)((char *)dp + dp_maps[i].off);
}

static void dp_reset(struct xlb_dp *dp)
{
	memset(dp, 0, sizeof(*dp));
	dp->prog_fd = -1;
	dp->bss_fd = -1;
	for (size_t i = 0; i < ARRAY_SIZE(dp_maps); i++)
		*dp_map_fd(dp, i) = -1;
}

/*
 * The object a file holds must be this build's program in all but code:
 * the same maps, each of the same type and sizes, or what the daemon
 * writes would not be what the program reads. Compared with the
 * compiled-in object, opened (not loaded) for the purpose.
 */
static int same_maps(struct bpf_object *obj, char *why, size_t len)
{
	struct xlb_bpf *ref = xlb_bpf__open();
	struct bpf_map *m, *o;
	int err = 0;

	if (!ref)
		return -errno;
	bpf_object__for_each_map(m, ref->obj)
	{
		const char *name = bpf_map__name(m);

		o = bpf_object__find_map_by_name(obj, name);
		if (!o) {
			snprintf(why, len, "it has no map %s", name);
			err = -EINVAL;
			break;
		}
		if (bpf_map__type(o) != bpf_map__type(m) ||
		    bpf_map__key_size(o) != bpf_map__key_size(m) ||
		    bpf_map__value_size(o) != bpf_map__value_size(m) ||
		    bpf_map__max_entries(o) != bpf_map__max_entries(m)) {
			snprintf(
				why, len,
				"map %s is type %d, key %u, value %u, %u entries; this xlbd's is type %d, key %u, value %u, %u entries",
				name, bpf_map__type(o), bpf_map__key_size(o),
				bpf_map__value_size(o), bpf_map__max_entries(o),
				bpf_map__type(m), bpf_map__key_size(m),
				bpf_map__value_size(m),
				bpf_map__max_entries(m));
			err = -EINVAL;
			break;
		}
	}
	xlb_bpf__destroy(ref);
	return err;
}

/* The skeleton over the bytes of file @path instead of its own. */
static int open_file(struct xlb_dp *dp, const char *path,
		     const struct bpf_object_open_opts *opts, char *why,
		     size_t len)
{
	struct xlb_bpf *skel;
	FILE *f;
	long n = -1;
	int err;

	errno = 0;
	f = fopen(path, "rb");
	if (f && !fseek(f, 0, SEEK_END))
		n = ftell(f);
	if (n <= 0 || fseek(f, 0, SEEK_SET) || !(dp->obj_buf = malloc(n)) ||
	    fread(dp->obj_buf, 1, n, f) != (size_t)n) {
		err = f && n == 0 ? -ENOEXEC : errno ? -errno : -EIO;
		snprintf(why, len, "%s", strerror(-err));
		if (f)
			fclose(f);
		return err;
	}
	fclose(f);
	skel = calloc(1, sizeof(*skel));
	if (!skel)
		return -ENOMEM;
	err = xlb_bpf__create_skeleton(skel);
	if (!err) {
		/* libbpf reads the bytes until load: dp->obj_buf lives on */
		skel->skeleton->data = dp->obj_buf;
		skel->skeleton->data_sz = n;
		err = bpf_object__open_skeleton(skel->skeleton, opts);
		if (err)
			snprintf(
				why, len, "%s",
				err == -ESRCH
					? "its program or one of its maps is not this xlbd's (xlb_xdp and every xlb_* map)"
					: strerror(-err));
	}
	if (!err)
		err = same_maps(skel->obj, why, len);
	if (err) {
		xlb_bpf__destroy(skel);
		return err;
	}
	dp->skel = skel;
	return 0;
}

int xlb_dp_open_obj(struct xlb_dp *dp, const char *pin_dir, const char *path,
		    char *why, size_t whylen)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = pin_dir);
	struct bpf_map *map;
	int err = 0;

	dp_reset(dp);
	if (path) {
		err = open_file(dp, path, &opts, why, whylen);
	} else {
		dp->skel = xlb_bpf__open_opts(&opts);
		if (!dp->skel)
			err = -errno;
		snprintf(why, whylen, "%s", strerror(-err));
	}
	if (err) {
		free(dp->obj_buf);
		dp->obj_buf = NULL;
		return err;
	}
	if (!pin_dir) {
		bpf_object__for_each_map(map, dp->skel->obj)
			bpf_map__set_pin_path(map, NULL);
	}
	dp->ncpus = libbpf_num_possible_cpus();
	return dp->ncpus < 0 ? dp->ncpus : 0;
}

int xlb_dp_open(struct xlb_dp *dp, const char *pin_dir)
{
	char why[16];

	return xlb_dp_open_obj(dp, pin_dir, NULL, why, sizeof(why));
}

int xlb_dp_loaded(struct xlb_dp *dp)
{
	struct xlb_bpf *s = dp->skel;
	int err;

	dp->prog_fd = bpf_program__fd(s->progs.xlb_xdp);
	for (size_t i = 0; i < ARRAY_SIZE(dp_maps); i++) {
		int fd = bpf_object__find_map_fd_by_name(s->obj,
							 dp_maps[i].name);

		if (fd < 0 && dp_maps[i].required)
			return -EBADF;
		*dp_map_fd(dp, i) = fd < 0 ? -1 : fd;
	}
	dp->bss_fd = bpf_map__fd(s->maps.bss);
	err = xlb_dp_svc_slots_use(dp, xlb_dp_svc_slots_ordered());
	return err ? err
		   : xlb_dp_vip_filter_rebuild(dp->vip_filter_fd, dp->svc_fd,
					       dp->nat_cfg_fd);
}

int xlb_dp_load(struct xlb_dp *dp)
{
	int err = xlb_bpf__load(dp->skel);

	return err ? err : xlb_dp_loaded(dp);
}

static int pinned_fd(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return bpf_obj_get(path);
}

int xlb_dp_open_pinned(struct xlb_dp *dp, const char *pin_dir)
{
	dp_reset(dp);
	dp->ncpus = libbpf_num_possible_cpus();
	for (size_t i = 0; i < ARRAY_SIZE(dp_maps); i++) {
		int fd = pinned_fd(pin_dir, dp_maps[i].name);

		if (fd < 0 && !dp_maps[i].required && errno == ENOENT)
			continue;
		if (fd < 0) {
			int err = -errno;

			xlb_dp_close(dp);
			return err ? err : -ENOENT;
		}
		*dp_map_fd(dp, i) = fd;
	}
	return 0;
}

#define CONNS_BYTES (XLB_MAX_BACKENDS * sizeof(__s64))

void xlb_dp_close(struct xlb_dp *dp)
{
	if (!dp)
		return;
	xlb_map_munmap(dp->conns, CONNS_BYTES);
	xlb_dp_svc_slots_unmap(dp);
	free(dp->be_svc);
	if (dp->skel) {
		/* the skeleton owns its fds */
		xlb_bpf__destroy(dp->skel);
		free(dp->obj_buf); /* after: libbpf may read it until then */
	} else {
		for (size_t i = 0; i < ARRAY_SIZE(dp_maps); i++)
			if (*dp_map_fd(dp, i) >= 0)
				close(*dp_map_fd(dp, i));
		if (dp->bss_fd >= 0)
			close(dp->bss_fd);
	}
	dp_reset(dp);
}

int xlb_dp_tx_port_add(struct xlb_dp *dp, int ifindex)
{
	__u32 k = ifindex, v = ifindex;

	return bpf_map_update_elem(dp->tx_ports_fd, &k, &v, BPF_ANY) ? -errno
								     : 0;
}

int xlb_dp_nat_cfg_set(struct xlb_dp *dp, const struct xlb_nat_cfg *c)
{
	__u32 zero = 0;
	int err = 0;

	if (dp->nat_cfg_fd < 0)
		return -EOPNOTSUPP;
	if (c->n_v4 > XLB_NAT_MAX_ADDRS || c->n_v6 > XLB_NAT_MAX_ADDRS)
		return -EINVAL;
	/* filter bits first: the program must never miss a reply */
	for (__u32 i = 0; i < c->n_v4 && !err; i++)
		err = xlb_dp_vip_filter_set(dp->vip_filter_fd, &c->v4[i]);
	for (__u32 i = 0; i < c->n_v6 && !err; i++)
		err = xlb_dp_vip_filter_set(dp->vip_filter_fd, &c->v6[i]);
	if (err)
		return err;
	return bpf_map_update_elem(dp->nat_cfg_fd, &zero, c, BPF_ANY) ? -errno
								      : 0;
}

static __s64 *conns_map(struct xlb_dp *dp);

int xlb_dp_stats_reset(struct xlb_dp *dp, bool backend, __u32 id)
{
	struct xlb_counters *zero = calloc(dp->ncpus, sizeof(*zero));
	int fd = !backend	       ? dp->svc_stats_fd
		 : dp->be_sent_fd >= 0 ? dp->be_sent_fd
				       : dp->be_stats_fd,
	    err = 0;

	if (!zero)
		return -ENOMEM;
	if (bpf_map_update_elem(fd, &id, zero, BPF_ANY))
		err = -errno;
	free(zero);
	if (!err && backend && id < XLB_MAX_BACKENDS && conns_map(dp))
		__atomic_store_n(&dp->conns[id], 0, __ATOMIC_RELAXED);
	return err;
}

/*
 * The active-flow counts are changed by the program with atomic adds; going
 * through a shared mapping lets xlbd add its corrections the same way, so
 * neither side ever loses the other's update (a map update would).
 */
static __s64 *conns_map(struct xlb_dp *dp)
{
	if (!dp->conns)
		dp->conns = xlb_map_mmap(dp->conns_fd, CONNS_BYTES);
	return dp->conns;
}

int xlb_dp_conns_get(struct xlb_dp *dp, __u32 id, __s64 *out)
{
	__s64 *c = conns_map(dp);

	if (!c)
		return -errno;
	if (id >= XLB_MAX_BACKENDS)
		return -EINVAL;
	*out = __atomic_load_n(&c[id], __ATOMIC_RELAXED);
	return 0;
}

int xlb_dp_conns_add(struct xlb_dp *dp, __u32 id, __s64 delta)
{
	__s64 *c = conns_map(dp);

	if (!c)
		return -errno;
	if (id >= XLB_MAX_BACKENDS)
		return -EINVAL;
	__atomic_fetch_add(&c[id], delta, __ATOMIC_RELAXED);
	return 0;
}

/*
 * Change one field of the runtime slot: @len bytes at @off from @val. An
 * older program's slot may be shorter (the kernel copies its own value
 * size both ways), so the rest of rt starts zeroed.
 */
static int runtime_set(struct xlb_dp *dp, size_t off, const void *val,
		       size_t len)
{
	struct xlb_runtime rt = {};
	__u32 zero = 0;

	if (bpf_map_lookup_elem(dp->runtime_fd, &zero, &rt))
		return -errno;
	memcpy((char *)&rt + off, val, len);
	return bpf_map_update_elem(dp->runtime_fd, &zero, &rt, 0) ? -errno : 0;
}

/*
 * A switch the program reads per packet: in its .bss (xlb_switches, the
 * section's only variable), and in the runtime slot as well, where an
 * older running program reads it (this one ignores that copy).
 */
static int switch_set(struct xlb_dp *dp, size_t off, const void *val,
		      size_t len)
{
	struct xlb_runtime sw = {};
	__u32 zero = 0;
	int err = runtime_set(dp, off, val, len);

	if (err || dp->bss_fd < 0)
		return err;
	if (bpf_map_lookup_elem(dp->bss_fd, &zero, &sw))
		return -errno;
	memcpy((char *)&sw + off, val, len);
	return bpf_map_update_elem(dp->bss_fd, &zero, &sw, 0) ? -errno : 0;
}

int xlb_dp_trace_set(struct xlb_dp *dp, __u32 rate)
{
	return switch_set(dp, offsetof(struct xlb_runtime, trace), &rate,
			  sizeof(rate));
}

int xlb_dp_if_mac_set(struct xlb_dp *dp, const __u8 mac[6])
{
	return switch_set(dp, offsetof(struct xlb_runtime, if_mac), mac, 6);
}

int xlb_dp_svc_slots_use(struct xlb_dp *dp, bool on)
{
	__u8 v = on && dp->svc_slots_fd >= 0 && dp->bss_fd >= 0;
	/* the array right before the program may read it */
	int err = xlb_dp_svc_slots_rebuild(dp);

	if (!err)
		err = switch_set(dp, offsetof(struct xlb_runtime, svc_slots),
				 &v, 1);
	dp->slots_on = !err && v;
	return err;
}

int xlb_dp_adopt_prog(struct xlb_dp *dp, int prog_fd)
{
	__u32 ids[64], len = sizeof(struct bpf_prog_info);
	struct bpf_prog_info info = {
		.nr_map_ids = ARRAY_SIZE(ids),
		.map_ids = (__u64)(unsigned long)ids,
	};

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len))
		return -errno;
	for (__u32 i = 0; i < info.nr_map_ids && i < ARRAY_SIZE(ids); i++) {
		struct bpf_map_info mi = {};
		__u32 ml = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(ids[i]);
		size_t nl;

		if (fd < 0)
			continue;
		nl = bpf_obj_get_info_by_fd(fd, &mi, &ml) ? 0 : strlen(mi.name);
		if (nl >= 4 && !strcmp(mi.name + nl - 4, ".bss") &&
		    mi.value_size == sizeof(struct xlb_runtime)) {
			if (dp->bss_fd >= 0)
				close(dp->bss_fd);
			dp->bss_fd = fd;
			break;
		}
		close(fd);
	}
	/* an older program: the runtime slot only; an older xlbd's slots */
	return xlb_dp_svc_slots_use(dp, xlb_dp_svc_slots_ordered());
}

int xlb_dp_iface_set(struct xlb_dp *dp, int ifindex, const __u8 mac[6])
{
	struct xlb_iface v = {};
	__u32 k = ifindex;

	if (dp->ifaces_fd < 0)
		return -EOPNOTSUPP;
	memcpy(v.mac, mac, sizeof(v.mac));
	return bpf_map_update_elem(dp->ifaces_fd, &k, &v, BPF_ANY) ? -errno : 0;
}

int xlb_dp_flow_limit_set(struct xlb_dp *dp, __u32 per_cpu_per_sec)
{
	if (dp->flow_rate_fd < 0 && per_cpu_per_sec)
		return -EOPNOTSUPP;
	return runtime_set(dp, offsetof(struct xlb_runtime, new_flow_limit),
			   &per_cpu_per_sec, sizeof(per_cpu_per_sec));
}

/*
 * Write the encapsulation settings (e NULL: keep them) with the next
 * next-hop generation, so the program asks the FIB again (lib/encap.h).
 */
static int encap_write(struct xlb_dp *dp, const struct xlb_encap *e)
{
	struct xlb_encap cur = { 0 };
	__u32 zero = 0;

	if (dp->encap_fd < 0)
		return -EOPNOTSUPP;
	if (bpf_map_lookup_elem(dp->encap_fd, &zero, &cur))
		return -errno;
	if (e) {
		__u16 gen = cur.nh_gen;

		cur = *e;
		cur.nh_gen = gen;
	}
	cur.nh_gen++;
	return bpf_map_update_elem(dp->encap_fd, &zero, &cur, 0) ? -errno : 0;
}

int xlb_dp_encap_set(struct xlb_dp *dp, const struct xlb_encap *e)
{
	return encap_write(dp, e);
}

int xlb_dp_nexthops_changed(struct xlb_dp *dp)
{
	return encap_write(dp, NULL);
}

int xlb_dp_map_foreach(int fd, size_t ksize, size_t vsize, xlb_map_fn fn,
		       void *ctx)
{
	enum {
		BATCH = 1024
	};
	LIBBPF_OPTS(bpf_map_batch_opts, opts);
	char *keys = malloc(ksize * BATCH);
	char *vals = malloc(vsize * BATCH);
	__u32 batch, count;
	bool first = true, last = false;
	int err = 0;

	if (fd < 0) {
		err = -EOPNOTSUPP;
		goto out;
	}
	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	while (!last && !err) {
		count = BATCH;
		/* -ENOENT: this batch (possibly empty) is the last one */
		if (bpf_map_lookup_batch(fd, first ? NULL : &batch, &batch,
					 keys, vals, &count, &opts)) {
			if (errno != ENOENT) {
				err = -errno;
				break;
			}
			last = true;
		}
		first = false;
		for (__u32 i = 0; i < count && !err; i++)
			err = fn(keys + i * ksize, vals + i * vsize, ctx);
	}
out:
	free(keys);
	free(vals);
	return err;
}

struct flow_visit {
	xlb_flow_fn fn;
	void *ctx;
};

static int flow_visit(const void *k, const void *v, void *ctx)
{
	struct flow_visit *fv = ctx;

	return fv->fn(k, v, fv->ctx);
}

int xlb_dp_flows_foreach(struct xlb_dp *dp, xlb_flow_fn fn, void *ctx)
{
	struct flow_visit fv = { fn, ctx };

	return xlb_dp_map_foreach(dp->flow_fd, sizeof(struct xlb_flow_key),
				  sizeof(struct xlb_flow), flow_visit, &fv);
}
