// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A peer's full-NAT flow in this node's NAT maps: see nat_peer.h. */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <bpf/bpf.h>

#include "dataplane_vip_filter.h"
#include "nat_peer.h"
#include "xlb_decide.h"

bool xlb_nat_peer_copy(const struct xlb_nat_cfg *cfg, __u8 family,
		       const struct xlb_nat_fwd *f)
{
	/* never forwarded here: only its insertion wrote seen */
	return f->seen == (__u32)f->created &&
	       !xlb_nat_pool_has(cfg, &f->snat_addr, family);
}

static bool same_tuple(const struct xlb_nat_fwd *a, const struct xlb_nat_fwd *b)
{
	return !memcmp(&a->snat_addr, &b->snat_addr, sizeof(a->snat_addr)) &&
	       a->snat_port == b->snat_port &&
	       !memcmp(&a->be_addr, &b->be_addr, sizeof(a->be_addr)) &&
	       a->be_port == b->be_port;
}

/* The flow @k (forward entry @f) goes, with its reverse entry. */
static void drop_flow(struct xlb_dp *dp, const struct xlb_flow_key *k,
		      const struct xlb_nat_fwd *f)
{
	struct xlb_nat_rev_key rk;
	struct xlb_nat_rev rv;

	xlb_nat_rev_key_of(&rk, k, f);
	if (!bpf_map_lookup_elem(dp->nat_rev_fd, &rk, &rv) &&
	    !memcmp(&rv.client, k, sizeof(*k)))
		bpf_map_delete_elem(dp->nat_rev_fd, &rk);
	bpf_map_delete_elem(dp->nat_fwd_fd, k);
}

/*
 * The reverse key @rk is free for client @k, or made free: held by
 * another client's copy never forwarded (the peer ended that flow and
 * gave its port to this one), or by an orphan. -EBUSY: a flow this node
 * forwards holds it.
 */
static int claim(struct xlb_dp *dp, const struct xlb_nat_rev_key *rk,
		 const struct xlb_flow_key *k, const struct xlb_nat_cfg *cfg)
{
	struct xlb_nat_rev_key mine;
	struct xlb_nat_rev held;
	struct xlb_nat_fwd f;

	if (bpf_map_lookup_elem(dp->nat_rev_fd, rk, &held) ||
	    !memcmp(&held.client, k, sizeof(*k)))
		return 0;
	if (bpf_map_lookup_elem(dp->nat_fwd_fd, &held.client, &f))
		return 0; /* an orphan: overwritten */
	xlb_nat_rev_key_of(&mine, &held.client, &f);
	if (memcmp(&mine, rk, sizeof(mine)))
		return 0; /* not that flow's any more */
	if (!xlb_nat_peer_copy(cfg, held.client.svc.family, &f))
		return -EBUSY;
	drop_flow(dp, &held.client, &f);
	return 0;
}

__u8 xlb_nat_peer_state(const struct xlb_sync_rec *r)
{
	return (r->flags & XLB_SYNC_F_SYN)	 ? XLB_NAT_S_SYN
	       : r->key.svc.proto == IPPROTO_UDP ? XLB_NAT_S_UDP
						 : XLB_NAT_S_EST;
}

int xlb_dp_nat_peer_insert(struct xlb_dp *dp, const struct xlb_sync_rec *r,
			   const struct xlb_backend *be, __u32 be_id, __u64 now)
{
	const struct xlb_flow_key *k = &r->key;
	int verdict = XLB_NAT_PEER_INSERTED, err;
	struct xlb_nat_rev_key rk;
	struct xlb_nat_fwd f, cur;
	struct xlb_nat_cfg cfg;
	struct xlb_nat_rev rv;
	__u32 zero = 0;

	if (dp->nat_fwd_fd < 0 || dp->nat_rev_fd < 0 || dp->nat_cfg_fd < 0)
		return -EOPNOTSUPP;
	if (!r->snat_port || be->family != k->svc.family)
		return -EINVAL;
	if (bpf_map_lookup_elem(dp->nat_cfg_fd, &zero, &cfg))
		return -errno;
	if (xlb_nat_pool_has(&cfg, &r->snat_addr, k->svc.family))
		return -EADDRINUSE;
	xlb_nat_entries_of(&f, &rv, k, be, be_id, now);
	f.snat_addr = r->snat_addr;
	f.snat_port = r->snat_port;
	f.state = xlb_nat_peer_state(r);
	xlb_nat_rev_key_of(&rk, k, &f);
	if (!bpf_map_lookup_elem(dp->nat_fwd_fd, k, &cur)) {
		if (!xlb_nat_peer_copy(&cfg, k->svc.family, &cur))
			return XLB_NAT_PEER_KEPT;
		if (!same_tuple(&cur, &f))
			drop_flow(dp, k, &cur);
		verdict = XLB_NAT_PEER_REFRESHED;
	}
	err = claim(dp, &rk, k, &cfg);
	if (err)
		return err;
	/* the filter first: a reply to the address must reach the lookup */
	err = xlb_dp_vip_filter_set(dp->vip_filter_fd, &f.snat_addr);
	if (!err && bpf_map_update_elem(dp->nat_rev_fd, &rk, &rv, BPF_ANY))
		err = -errno;
	if (err)
		return err;
	/*
	 * A new copy must not overwrite a flow the program made meanwhile
	 * for a client packet that came here first: that one is kept.
	 */
	if (!bpf_map_update_elem(dp->nat_fwd_fd, k, &f,
				 verdict == XLB_NAT_PEER_INSERTED ? BPF_NOEXIST
								  : BPF_ANY))
		return verdict;
	err = errno == EEXIST ? XLB_NAT_PEER_KEPT : -errno;
	bpf_map_delete_elem(dp->nat_rev_fd, &rk);
	return err;
}
