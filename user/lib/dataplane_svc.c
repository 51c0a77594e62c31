// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Services, their rings and backends in the data plane's maps: a ring
 * published as a whole (a new inner map), an older program's services
 * map and rings (adopted from its pins) written its way. The ordering
 * rules are dataplane.h's.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "dataplane.h"
#include "dataplane_vip_filter.h"

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

/*
 * Every write of a service key: the hash map, the source, then its slot
 * (the program asks the hash map when a slot is being written).
 */
static int svc_put(struct xlb_dp *dp, const struct xlb_svc_key *k,
		   struct xlb_svc *v)
{
	void *p = svc_legacy(dp) ? svc_legacy_part(v) : v;

	if (bpf_map_update_elem(dp->svc_fd, k, p, BPF_ANY))
		return -errno;
	return xlb_dp_svc_slot_put(dp, k, v);
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
	err = xlb_dp_vip_filter_set(dp->vip_filter_fd, &k->vip);
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
	int err = xlb_dp_svc_slot_del(dp, k), err2; /* slot first */

	if (!err && bpf_map_delete_elem(dp->svc_fd, k) && errno != ENOENT)
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
		int err = xlb_dp_vip_filter_set(dp->vip_filter_fd, vip);

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
	struct xlb_backend old = {};

	if (!id || id >= XLB_MAX_BACKENDS)
		return -EINVAL;
	bpf_map_lookup_elem(dp->be_fd, &id, &old);
	if (bpf_map_update_elem(dp->be_fd, &id, be, BPF_ANY))
		return -errno;
	/* a removed (or reused) id's counters move to the sums it feeds */
	return xlb_dp_stats_backend_moved(dp, id, old.svc_id, be->svc_id);
}

int xlb_dp_backend_get(struct xlb_dp *dp, __u32 id, struct xlb_backend *be)
{
	if (!id || id >= XLB_MAX_BACKENDS)
		return -EINVAL;
	return bpf_map_lookup_elem(dp->be_fd, &id, be) ? -errno : 0;
}
