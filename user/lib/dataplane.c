// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Data plane maps: open, publish services and rings, read counters. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "dataplane.h"
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

/*
 * The VIP filter (XLB_MAP_VIP_FILTER): a service's address bit is set
 * before its key is written, so the program never sees a service its
 * filter hides. Bits are not cleared when a service goes (another key may
 * share the bit, and a stale bit only costs a services lookup);
 * vip_filter_rebuild() recomputes them all from the services map.
 */
static int vip_filter_set(struct xlb_dp *dp, const union xlb_addr *vip)
{
	__u32 bit = xlb_vip_filter_bit(vip), word = bit / 64;
	__u64 w = 0, m = 1ULL << (bit % 64);

	if (dp->vip_filter_fd < 0)
		return 0;
	if (bpf_map_lookup_elem(dp->vip_filter_fd, &word, &w))
		return -errno;
	if (w & m)
		return 0;
	w |= m;
	return bpf_map_update_elem(dp->vip_filter_fd, &word, &w, BPF_ANY)
		       ? -errno
		       : 0;
}

/* The SNAT pool's addresses, which the filter must let through too. */
static void nat_filter_bits(struct xlb_dp *dp, __u64 *want)
{
	struct xlb_nat_cfg c;
	__u32 zero = 0;

	if (dp->nat_cfg_fd < 0 ||
	    bpf_map_lookup_elem(dp->nat_cfg_fd, &zero, &c))
		return;
	for (__u32 i = 0; i < XLB_NAT_MAX_ADDRS; i++) {
		__u32 b4 = xlb_vip_filter_bit(&c.v4[i]);
		__u32 b6 = xlb_vip_filter_bit(&c.v6[i]);

		if (i < c.n_v4)
			want[b4 / 64] |= 1ULL << (b4 % 64);
		if (i < c.n_v6)
			want[b6 / 64] |= 1ULL << (b6 % 64);
	}
}

/*
 * Exactly the bits the services map needs, each word written only when it
 * changes: a word loses only bits no service key holds, so a program
 * running on these maps meanwhile never misses a VIP. After a load, which
 * may have reused the pinned services of an earlier program and a new,
 * empty filter.
 */
static int vip_filter_rebuild(struct xlb_dp *dp)
{
	__u64 *want = calloc(XLB_VIP_FILTER_WORDS, sizeof(*want));
	struct xlb_svc_key k, next;
	void *prev = NULL;
	int err = 0;

	if (dp->vip_filter_fd < 0) {
		free(want);
		return 0;
	}
	if (!want)
		return -ENOMEM;
	while (!bpf_map_get_next_key(dp->svc_fd, prev, &next)) {
		__u32 bit = xlb_vip_filter_bit(&next.vip);

		want[bit / 64] |= 1ULL << (bit % 64);
		k = next;
		prev = &k;
	}
	nat_filter_bits(dp, want);
	for (__u32 i = 0; i < XLB_VIP_FILTER_WORDS && !err; i++) {
		__u64 w;

		if (bpf_map_lookup_elem(dp->vip_filter_fd, &i, &w))
			err = -errno;
		else if (w != want[i] &&
			 bpf_map_update_elem(dp->vip_filter_fd, &i, &want[i],
					     BPF_ANY))
			err = -errno;
	}
	free(want);
	return err;
}

int xlb_dp_loaded(struct xlb_dp *dp)
{
	struct xlb_bpf *s = dp->skel;

	dp->prog_fd = bpf_program__fd(s->progs.xlb_xdp);
	for (size_t i = 0; i < ARRAY_SIZE(dp_maps); i++) {
		int fd = bpf_object__find_map_fd_by_name(s->obj,
							 dp_maps[i].name);

		if (fd < 0)
			return -EBADF;
		*dp_map_fd(dp, i) = fd;
	}
	return vip_filter_rebuild(dp);
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

static size_t conns_len(void)
{
	size_t page = sysconf(_SC_PAGESIZE);

	return (XLB_MAX_BACKENDS * sizeof(__s64) + page - 1) / page * page;
}

void xlb_dp_close(struct xlb_dp *dp)
{
	if (!dp)
		return;
	if (dp->conns)
		munmap(dp->conns, conns_len());
	if (dp->skel) {
		/* the skeleton owns its fds */
		xlb_bpf__destroy(dp->skel);
		free(dp->obj_buf); /* after: libbpf may read it until then */
	} else {
		for (size_t i = 0; i < ARRAY_SIZE(dp_maps); i++)
			if (*dp_map_fd(dp, i) >= 0)
				close(*dp_map_fd(dp, i));
	}
	dp_reset(dp);
}

/* A filled, unpublished ring: a fresh inner array map. Returns fd. */
static int ring_create(const __u32 *ring, __u32 size)
{
	LIBBPF_OPTS(bpf_map_create_opts, mopts, .map_flags = BPF_F_INNER_MAP);
	LIBBPF_OPTS(bpf_map_batch_opts, bopts);
	__u32 n = XLB_RING_CHUNKS(size), *keys, count = n;
	struct xlb_ring_chunk *chunks;
	int fd, err = 0;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "xlb_ring", sizeof(__u32),
			    sizeof(*chunks), n, &mopts);
	if (fd < 0)
		return -errno;
	keys = malloc(sizeof(*keys) * n);
	chunks = calloc(n, sizeof(*chunks)); /* tail slots stay 0 */
	if (!keys || !chunks) {
		err = -ENOMEM;
		goto out;
	}
	memcpy(chunks, ring, sizeof(*ring) * size);
	for (__u32 i = 0; i < n; i++)
		keys[i] = i;
	if (bpf_map_update_batch(fd, keys, chunks, &count, &bopts)) {
		/* older kernels: no batch ops on arrays */
		for (__u32 i = 0; i < n && !err; i++)
			if (bpf_map_update_elem(fd, &keys[i], &chunks[i], 0))
				err = -errno;
	} else if (count != n) {
		err = -EIO;
	}
out:
	free(keys);
	free(chunks);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/*
 * Whether the services map is an older program's, adopted from its pins:
 * its values are struct xlb_svc without the ring key in front (a prefix
 * of the rest), and its rings map has one slot per service, keyed by id.
 */
static bool svc_legacy(struct xlb_dp *dp)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	if (!dp->svc_size) {
		memset(&info, 0, sizeof(info));
		dp->svc_size = bpf_obj_get_info_by_fd(dp->svc_fd, &info, &len)
				       ? sizeof(struct xlb_svc)
				       : info.value_size;
	}
	return dp->svc_size < sizeof(struct xlb_svc);
}

/* An older program's value: what follows the ring key, as far as it goes. */
static void *svc_legacy_part(struct xlb_svc *v)
{
	return &v->id;
}

static int svc_put(struct xlb_dp *dp, const struct xlb_svc_key *k,
		   struct xlb_svc *v)
{
	void *p = svc_legacy(dp) ? svc_legacy_part(v) : v;

	return bpf_map_update_elem(dp->svc_fd, k, p, BPF_ANY) ? -errno : 0;
}

int xlb_dp_service_get(struct xlb_dp *dp, const struct xlb_svc_key *k,
		       struct xlb_svc *v)
{
	bool legacy = svc_legacy(dp);

	memset(v, 0, sizeof(*v));
	if (bpf_map_lookup_elem(dp->svc_fd, k,
				legacy ? svc_legacy_part(v) : (void *)v))
		return -errno;
	if (legacy)
		v->ring = v->id;
	return 0;
}

/* Empty both of service id's ring slots (an older program's one). */
static int rings_delete(struct xlb_dp *dp, __u32 id)
{
	for (int alt = 0; alt < (svc_legacy(dp) ? 1 : 2); alt++) {
		__u32 key = XLB_RING_KEY(id, alt);

		if (bpf_map_delete_elem(dp->ring_fd, &key) && errno != ENOENT)
			return -errno;
	}
	return 0;
}

/*
 * Wait until no program still runs with what it read before: the kernel
 * waits for running programs after every update of a map-in-map (a
 * synchronize_rcu, so that user space may rely on the old inner map being
 * unused when the syscall returns); writing slot key's ring again is the
 * cheapest such update.
 */
static int programs_wait(struct xlb_dp *dp, __u32 key, int fd)
{
	return bpf_map_update_elem(dp->ring_fd, &key, &fd, BPF_ANY) ? -errno
								    : 0;
}

/*
 * An older program's service: ring under the id, size in the service
 * value, two updates ordered so that no index is ever out of range
 * (growing: the bigger ring first; shrinking: the smaller size first).
 */
static int publish_one_slot(struct xlb_dp *dp, const struct xlb_svc_key *k,
			    struct xlb_svc *v, int fd, bool ring_first)
{
	__u32 id = v->id;
	int err;

	if (!ring_first && (err = svc_put(dp, k, v)))
		return err;
	if (bpf_map_update_elem(dp->ring_fd, &id, &fd, BPF_ANY))
		return -errno;
	return ring_first ? svc_put(dp, k, v) : 0;
}

int xlb_dp_service_publish(struct xlb_dp *dp, const struct xlb_svc_key *k,
			   const struct xlb_svc *v, const __u32 *ring,
			   __u32 size)
{
	struct xlb_svc old, nv = *v;
	__u32 id = v->id, cur = 0;
	int fd = -1, err = 0;
	bool had;

	if (!id || id >= XLB_MAX_SERVICES)
		return -EINVAL;
	if (ring && (!size || size != v->table_size))
		return -EINVAL;
	had = !xlb_dp_service_get(dp, k, &old);
	/* the slot in use, if this service has one */
	if (had && old.id == id &&
	    (old.ring == XLB_RING_KEY(id, 0) ||
	     old.ring == XLB_RING_KEY(id, 1)))
		cur = old.ring;
	nv.ring = cur ? cur : XLB_RING_KEY(id, 0);
	err = vip_filter_set(dp, &k->vip);
	if (err)
		return err;

	if (!ring || !size) {
		/* no ring first: from then on every packet is a counted drop */
		err = rings_delete(dp, id);
		return err ? err : svc_put(dp, k, &nv);
	}

	fd = ring_create(ring, size);
	if (fd < 0)
		return fd;
	if (svc_legacy(dp)) {
		err = publish_one_slot(dp, k, &nv, fd,
				       !had || old.id != id ||
					       size >= old.table_size);
		goto out;
	}
	/* Only the ring changes: one update of the slot in use. */
	if (cur && !memcmp(&old, &nv, sizeof(nv))) {
		if (bpf_map_update_elem(dp->ring_fd, &cur, &fd, BPF_ANY))
			err = -errno;
		goto out;
	}
	/*
	 * The service value changes too (table size, scheduler, ...): the
	 * new ring under the other key, then the value naming it, one
	 * update a packet sees whole. The old slot is emptied once no
	 * program can still be using the old value.
	 */
	nv.ring = cur == XLB_RING_KEY(id, 0) ? XLB_RING_KEY(id, 1)
					     : XLB_RING_KEY(id, 0);
	if (bpf_map_update_elem(dp->ring_fd, &nv.ring, &fd, BPF_ANY)) {
		err = -errno;
		goto out;
	}
	err = svc_put(dp, k, &nv);
	if (err)
		goto out;
	if (cur) {
		err = programs_wait(dp, nv.ring, fd);
		if (!err && bpf_map_delete_elem(dp->ring_fd, &cur) &&
		    errno != ENOENT)
			err = -errno;
	}
out:
	close(fd); /* the outer map holds the reference now */
	return err;
}

int xlb_dp_service_del(struct xlb_dp *dp, const struct xlb_svc_key *k,
		       __u32 svc_id)
{
	int err = 0, err2;

	if (bpf_map_delete_elem(dp->svc_fd, k) && errno != ENOENT)
		err = -errno;
	err2 = rings_delete(dp, svc_id);
	return err ? err : err2;
}

int xlb_dp_vip_mark(struct xlb_dp *dp, const union xlb_addr *vip, __u8 family,
		    bool on)
{
	struct xlb_svc_key k = { .vip = *vip, .family = family };
	struct xlb_svc v = { .flags = XLB_SVC_F_ADDR_MARK };

	if (on) {
		int err = vip_filter_set(dp, vip);

		if (err)
			return err;
		return svc_put(dp, &k, &v);
	}
	if (bpf_map_delete_elem(dp->svc_fd, &k) && errno != ENOENT)
		return -errno;
	return 0;
}

/* An fd of the ring service value v names (inner map), or -errno. */
static int ring_inner_fd(struct xlb_dp *dp, const struct xlb_svc *v)
{
	__u32 key = v->ring, inner_id;
	int fd;

	if (bpf_map_lookup_elem(dp->ring_fd, &key, &inner_id))
		return -ENOENT;
	fd = bpf_map_get_fd_by_id(inner_id);
	return fd < 0 ? -errno : fd;
}

int xlb_dp_ring_read(struct xlb_dp *dp, const struct xlb_svc *v, __u32 *ring,
		     __u32 size)
{
	struct xlb_ring_chunk c;
	int fd, err = 0;

	fd = ring_inner_fd(dp, v);
	if (fd < 0)
		return fd;
	for (__u32 i = 0; i < XLB_RING_CHUNKS(size) && !err; i++) {
		__u32 n = size - i * XLB_RING_CHUNK;

		if (bpf_map_lookup_elem(fd, &i, &c))
			err = -errno;
		else
			memcpy(ring + i * XLB_RING_CHUNK, c.id,
			       sizeof(__u32) * (n < XLB_RING_CHUNK
							? n
							: XLB_RING_CHUNK));
	}
	close(fd);
	return err;
}

int xlb_dp_ring_get(struct xlb_dp *dp, const struct xlb_svc *v, __u32 slot,
		    __u32 *val)
{
	__u32 chunk = slot / XLB_RING_CHUNK;
	struct xlb_ring_chunk c;
	int fd, err = 0;

	fd = ring_inner_fd(dp, v);
	if (fd < 0)
		return fd;
	if (bpf_map_lookup_elem(fd, &chunk, &c))
		err = -errno;
	else
		*val = c.id[slot % XLB_RING_CHUNK];
	close(fd);
	return err;
}

int xlb_dp_rr_cursor(struct xlb_dp *dp, __u32 svc_id, int cpu, __u32 *out)
{
	__u32 *v = calloc(dp->ncpus, sizeof(__u64));
	int err = 0;

	if (!v)
		return -ENOMEM;
	if (cpu < 0 || cpu >= dp->ncpus)
		err = -EINVAL;
	else if (bpf_map_lookup_elem(dp->rr_fd, &svc_id, v))
		err = -errno;
	else
		*out = v[cpu * 2]; /* per-CPU values are 8-byte slots */
	free(v);
	return err;
}

int xlb_dp_backend_set(struct xlb_dp *dp, __u32 id,
		       const struct xlb_backend *be)
{
	if (!id || id >= XLB_MAX_BACKENDS)
		return -EINVAL;
	return bpf_map_update_elem(dp->be_fd, &id, be, BPF_ANY) ? -errno : 0;
}

int xlb_dp_backend_get(struct xlb_dp *dp, __u32 id, struct xlb_backend *be)
{
	if (!id || id >= XLB_MAX_BACKENDS)
		return -EINVAL;
	return bpf_map_lookup_elem(dp->be_fd, &id, be) ? -errno : 0;
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
		err = vip_filter_set(dp, &c->v4[i]);
	for (__u32 i = 0; i < c->n_v6 && !err; i++)
		err = vip_filter_set(dp, &c->v6[i]);
	if (err)
		return err;
	return bpf_map_update_elem(dp->nat_cfg_fd, &zero, c, BPF_ANY) ? -errno
								      : 0;
}

int xlb_dp_stats_global(struct xlb_dp *dp, __u64 out[XLB_STAT_MAX])
{
	__u64 *vals = calloc(dp->ncpus, sizeof(*vals));

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
	return 0;
}

static int counters_sum(int fd, int ncpus, __u32 id, struct xlb_counters *out)
{
	struct xlb_counters *vals = calloc(ncpus, sizeof(*vals));
	int err = 0;

	if (!vals)
		return -ENOMEM;
	memset(out, 0, sizeof(*out));
	if (bpf_map_lookup_elem(fd, &id, vals)) {
		err = -errno;
	} else {
		for (int c = 0; c < ncpus; c++) {
			out->packets += vals[c].packets;
			out->bytes += vals[c].bytes;
			out->new_flows += vals[c].new_flows;
		}
	}
	free(vals);
	return err;
}

int xlb_dp_stats_svc(struct xlb_dp *dp, __u32 id, struct xlb_counters *out)
{
	return counters_sum(dp->svc_stats_fd, dp->ncpus, id, out);
}

int xlb_dp_stats_be(struct xlb_dp *dp, __u32 id, struct xlb_counters *out)
{
	return counters_sum(dp->be_stats_fd, dp->ncpus, id, out);
}

static __s64 *conns_map(struct xlb_dp *dp);

int xlb_dp_stats_reset(struct xlb_dp *dp, bool backend, __u32 id)
{
	struct xlb_counters *zero = calloc(dp->ncpus, sizeof(*zero));
	int fd = backend ? dp->be_stats_fd : dp->svc_stats_fd, err = 0;

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
	void *m;

	if (dp->conns)
		return dp->conns;
	m = mmap(NULL, conns_len(), PROT_READ | PROT_WRITE, MAP_SHARED,
		 dp->conns_fd, 0);
	if (m == MAP_FAILED)
		return NULL;
	dp->conns = m;
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

int xlb_dp_trace_set(struct xlb_dp *dp, __u32 rate)
{
	return runtime_set(dp, offsetof(struct xlb_runtime, trace), &rate,
			   sizeof(rate));
}

int xlb_dp_if_mac_set(struct xlb_dp *dp, const __u8 mac[6])
{
	return runtime_set(dp, offsetof(struct xlb_runtime, if_mac), mac, 6);
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
