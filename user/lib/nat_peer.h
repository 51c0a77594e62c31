/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A peer's full-NAT flow (flow sync) in this node's NAT maps
 * (nat_peer.c): the forward entry with the peer's SNAT address and port,
 * and the reverse entry for the backend's replies to them, so that a
 * client packet the routers move here leaves exactly as it left the
 * peer, and a reply to the peer's SNAT address (sent here once the peer
 * is gone) goes back to the client. The address joins the VIP filter.
 *
 * This node never hands out a port of a peer's address: its own new
 * flows take only its own pool's addresses (the pools of the nodes must
 * not overlap; a flow naming an address of this node's pool is refused).
 */
#ifndef XLB_NAT_PEER_H
#define XLB_NAT_PEER_H

#include "dataplane.h"

enum xlb_nat_peer_verdict {
	XLB_NAT_PEER_INSERTED,	/* a new copy */
	XLB_NAT_PEER_REFRESHED, /* a copy sent again: idle clock, state anew */
	XLB_NAT_PEER_KEPT,	/* this node's own flow, or one it forwards */
};

/*
 * The state a copy of @r starts in, and idles out by: SYN when the record
 * says unconfirmed, else established (TCP) or UDP (whatever the state of
 * the sender's flow, closing included).
 */
__u8 xlb_nat_peer_state(const struct xlb_sync_rec *r);

/*
 * Insert the peer's flow @r (its snat_* set) to this node's backend @be_id
 * (@be, as in XLB_MAP_BACKENDS) at @now (jiffies), in the state
 * xlb_nat_peer_state says. A copy this
 * node never forwarded is replaced by a newer record of its client tuple;
 * a flow it forwards, or its own, is kept. A verdict, or -EADDRINUSE (the
 * SNAT address is in this node's pool), -EINVAL (no SNAT tuple, or the
 * backend of another family), -EBUSY (this node forwards another flow on
 * that SNAT tuple), -EOPNOTSUPP (no NAT maps) or another -errno.
 */
int xlb_dp_nat_peer_insert(struct xlb_dp *dp, const struct xlb_sync_rec *r,
			   const struct xlb_backend *be, __u32 be_id,
			   __u64 now);

/*
 * Is forward entry @f (a flow of @family) a peer's copy this node never
 * forwarded: not of its own pool (@cfg) and no packet since its insert?
 * Such a copy may be replaced by a newer record, and is not counted as
 * active here (the peer forwards it, and counts it).
 */
bool xlb_nat_peer_copy(const struct xlb_nat_cfg *cfg, __u8 family,
		       const struct xlb_nat_fwd *f);

#endif /* XLB_NAT_PEER_H */
