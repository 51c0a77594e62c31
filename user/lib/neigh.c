// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Backend MAC resolution through the kernel neighbour table: rtnetlink
 * requests on one socket, RTNLGRP_NEIGH notifications on another. See
 * neigh.h for what the daemon has to do with them.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <libmnl/libmnl.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "neigh.h"

/*
 * Large enough for any single reply or notification we ask for (an
 * RTM_NEWLINK without stats is well under this); a datagram that does not
 * fit is reported as truncated rather than misparsed.
 */
#define NL_BUF_SIZE 32768

/* Kernel answers rtnetlink requests synchronously; this only bounds a bug. */
#define NL_REQ_TIMEOUT_MS 1000

/*
 * Default notification buffer is ~200 KiB; a flush of a large neighbour
 * table overruns it and costs a full resync, so ask for more.
 */
#define NL_EV_RCVBUF (4 << 20)

/* Datagrams per xlb_neigh_process(), so a storm cannot starve the loop. */
#define NL_EV_BUDGET 256

/* States in which the kernel holds a link-layer address we may forward to. */
#define NUD_USABLE                                                           \
	(NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT | \
	 NUD_NOARP)

struct xlb_neigh {
	/* RTNLGRP_NEIGH notifications, and route, link, address ones */
	struct mnl_socket *ev;
	struct mnl_socket *req; /* our requests, their replies */
	unsigned int req_portid;
	unsigned int seq;
	bool routes_changed; /* xlb_neigh_routes_changed() */
	/*
	 * Separate buffers: a notification callback may issue requests
	 * while its datagram is still being walked. Aligned: they are
	 * read as struct nlmsghdr, whatever fields come before them.
	 */
	char ev_buf[NL_BUF_SIZE] __attribute__((aligned(8)));
	char req_buf[NL_BUF_SIZE] __attribute__((aligned(8)));
};

/* One parsed RTM_NEWNEIGH / RTM_DELNEIGH. */
struct neigh_msg {
	bool found;
	bool del;
	bool has_mac;
	__u8 family;	 /* enum xlb_family */
	__u16 state;	 /* NUD_* */
	__u8 protocol;	 /* NDA_PROTOCOL: who made it, 0 unknown */
	__u32 flags_ext; /* NDA_FLAGS_EXT: NTF_EXT_MANAGED */
	int ifindex;
	union xlb_addr addr;
	__u8 mac[6];
};

static int family_to_af(__u8 family, int *af, size_t *alen)
{
	switch (family) {
	case XLB_FAMILY_V4:
		*af = AF_INET;
		*alen = 4;
		return 0;
	case XLB_FAMILY_V6:
		*af = AF_INET6;
		*alen = 16;
		return 0;
	}
	return -EAFNOSUPPORT;
}

static bool mac_is_zero(const __u8 *mac)
{
	static const __u8 zero[6];

	return memcmp(mac, zero, sizeof(zero)) == 0;
}

/*
 * Send @nlh on the request socket and feed every message of the reply to
 * @cb until the kernel's ack. NLM_F_ACK is always set so that a single-
 * message reply (a non-dump GET) has a definite end. Returns 0, or the
 * kernel's -errno.
 */
int xlb_neigh_request(struct xlb_neigh *n, struct nlmsghdr *nlh,
		      xlb_neigh_nl_cb cb, void *data)
{
	unsigned int seq = ++n->seq;
	int ret;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	if (mnl_socket_sendto(n->req, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	for (;;) {
		struct nlmsghdr *first = (struct nlmsghdr *)n->req_buf;
		ssize_t len;

		len = mnl_socket_recvfrom(n->req, n->req_buf,
					  sizeof(n->req_buf));
		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return -ETIMEDOUT;
			return -errno;
		}
		/*
		 * A reply to an earlier request that timed out may still
		 * be queued; it is not ours, drop it rather than fail.
		 */
		if (mnl_nlmsg_ok(first, len) && first->nlmsg_seq != seq)
			continue;
		ret = mnl_cb_run(n->req_buf, len, seq, n->req_portid, cb, data);
		if (ret == MNL_CB_ERROR)
			return errno ? -errno : -EPROTO;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

/*
 * Start a request of @type (and @flags) in @buf: the netlink header and
 * the zeroed family header of @hdr_len, which is returned.
 */
static void *nl_request(char *buf, __u16 type, __u16 flags, size_t hdr_len,
			struct nlmsghdr **nlh)
{
	*nlh = mnl_nlmsg_put_header(buf);
	(*nlh)->nlmsg_type = type;
	(*nlh)->nlmsg_flags = flags;
	return mnl_nlmsg_put_extra_header(*nlh, hdr_len);
}

/* The family header of a reply message of @type, or NULL (another or short). */
static const void *nl_reply(const struct nlmsghdr *nlh, __u16 type,
			    size_t hdr_len)
{
	if (nlh->nlmsg_type != type || mnl_nlmsg_get_payload_len(nlh) < hdr_len)
		return NULL;
	return mnl_nlmsg_get_payload(nlh);
}

/*
 * Start a neighbour request of @type (and @flags) about @a on @ifindex in
 * @buf: the ndmsg (*@ndm, for the caller's state and flags) and NDA_DST.
 * 0, -EAFNOSUPPORT or -EINVAL (no interface).
 */
static int neigh_request(char *buf, __u16 type, __u16 flags,
			 const union xlb_addr *a, __u8 family, int ifindex,
			 struct ndmsg **ndm, struct nlmsghdr **nlh)
{
	size_t alen;
	int af;

	if (family_to_af(family, &af, &alen))
		return -EAFNOSUPPORT;
	if (ifindex <= 0)
		return -EINVAL;
	*ndm = nl_request(buf, type, flags, sizeof(**ndm), nlh);
	(*ndm)->ndm_family = af;
	(*ndm)->ndm_ifindex = ifindex;
	mnl_attr_put(*nlh, NDA_DST, alen, a->bytes);
	return 0;
}

/* Parse a neighbour message; -EINVAL if it is not an IPv4/IPv6 one. */
static int parse_neigh(const struct nlmsghdr *nlh, struct neigh_msg *nm)
{
	const struct ndmsg *ndm;
	const struct nlattr *attr;
	bool has_dst = false;
	size_t alen;
	int af;

	if (nlh->nlmsg_type != RTM_NEWNEIGH && nlh->nlmsg_type != RTM_DELNEIGH)
		return -EINVAL;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ndm))
		return -EINVAL;
	ndm = mnl_nlmsg_get_payload(nlh);
	/* Bridge FDB entries share the group; proxy entries are not hosts. */
	if (ndm->ndm_family == AF_INET)
		nm->family = XLB_FAMILY_V4;
	else if (ndm->ndm_family == AF_INET6)
		nm->family = XLB_FAMILY_V6;
	else
		return -EINVAL;
	if (ndm->ndm_flags & NTF_PROXY)
		return -EINVAL;
	family_to_af(nm->family, &af, &alen);

	nm->del = nlh->nlmsg_type == RTM_DELNEIGH;
	nm->state = ndm->ndm_state;
	nm->ifindex = ndm->ndm_ifindex;
	nm->has_mac = false;
	nm->protocol = 0;
	nm->flags_ext = 0;
	memset(&nm->addr, 0, sizeof(nm->addr));

	mnl_attr_for_each(attr, nlh, sizeof(*ndm))
	{
		switch (mnl_attr_get_type(attr)) {
		case NDA_DST:
			if (mnl_attr_get_payload_len(attr) != alen)
				return -EINVAL;
			memcpy(nm->addr.bytes, mnl_attr_get_payload(attr),
			       alen);
			has_dst = true;
			break;
		case NDA_LLADDR:
			/* Not Ethernet (e.g. a tunnel): no MAC to use. */
			if (mnl_attr_get_payload_len(attr) != sizeof(nm->mac))
				break;
			memcpy(nm->mac, mnl_attr_get_payload(attr),
			       sizeof(nm->mac));
			nm->has_mac = true;
			break;
		case NDA_PROTOCOL:
			if (mnl_attr_validate(attr, MNL_TYPE_U8) == 0)
				nm->protocol = mnl_attr_get_u8(attr);
			break;
		case NDA_FLAGS_EXT:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
				nm->flags_ext = mnl_attr_get_u32(attr);
			break;
		}
	}
	return has_dst ? 0 : -EINVAL;
}

static bool neigh_usable(const struct neigh_msg *nm)
{
	return !nm->del && nm->has_mac && (nm->state & NUD_USABLE) &&
	       !mac_is_zero(nm->mac);
}

struct xlb_neigh *xlb_neigh_open(void)
{
	/* what a next hop found through the FIB depends on */
	static const int grps[] = {
		RTNLGRP_NEIGH, RTNLGRP_IPV4_ROUTE,  RTNLGRP_IPV6_ROUTE,
		RTNLGRP_LINK,  RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
	};
	int one = 1, rcvbuf = NL_EV_RCVBUF;
	struct timeval tv = {
		.tv_sec = NL_REQ_TIMEOUT_MS / 1000,
		.tv_usec = (NL_REQ_TIMEOUT_MS % 1000) * 1000,
	};
	struct xlb_neigh *n;
	int err, fd;

	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;

	n->ev = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (!n->ev)
		goto err;
	if (mnl_socket_bind(n->ev, 0, MNL_SOCKET_AUTOPID) < 0)
		goto err;
	for (size_t i = 0; i < sizeof(grps) / sizeof(grps[0]); i++)
		if (mnl_socket_setsockopt(n->ev, NETLINK_ADD_MEMBERSHIP,
					  (void *)&grps[i],
					  sizeof(grps[i])) < 0)
			goto err;
	/* FORCE needs CAP_NET_ADMIN, which xlbd has; else take the capped. */
	fd = mnl_socket_get_fd(n->ev);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));

	n->req = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!n->req)
		goto err;
	if (mnl_socket_bind(n->req, 0, MNL_SOCKET_AUTOPID) < 0)
		goto err;
	n->req_portid = mnl_socket_get_portid(n->req);
	/* Errors need not echo the request back; best effort. */
	mnl_socket_setsockopt(n->req, NETLINK_CAP_ACK, &one, sizeof(one));
	if (setsockopt(mnl_socket_get_fd(n->req), SOL_SOCKET, SO_RCVTIMEO, &tv,
		       sizeof(tv)) < 0)
		goto err;
	return n;

err:
	err = errno;
	xlb_neigh_close(n);
	errno = err;
	return NULL;
}

void xlb_neigh_close(struct xlb_neigh *n)
{
	if (!n)
		return;
	if (n->ev)
		mnl_socket_close(n->ev);
	if (n->req)
		mnl_socket_close(n->req);
	free(n);
}

int xlb_neigh_fd(struct xlb_neigh *n)
{
	return mnl_socket_get_fd(n->ev);
}

/*
 * A GET answered by one message of @type: its family header is copied to
 * @hdr (@hdr_len bytes) and each of its attributes goes to @attr(@ctx).
 */
struct nl_get {
	__u16 type;
	size_t hdr_len;
	void *hdr;
	void (*attr)(const struct nlattr *attr, void *ctx);
	void *ctx;
	bool found;
};

static int nl_get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct nl_get *g = data;
	const void *hdr = nl_reply(nlh, g->type, g->hdr_len);
	const struct nlattr *attr;

	if (!hdr)
		return MNL_CB_OK;
	g->found = true;
	memcpy(g->hdr, hdr, g->hdr_len);
	mnl_attr_for_each(attr, nlh, g->hdr_len) g->attr(attr, g->ctx);
	return MNL_CB_OK;
}

/* Send @nlh, reading the reply through @g: 0, -errno, or @none if none came. */
static int nl_get(struct xlb_neigh *n, struct nlmsghdr *nlh, struct nl_get *g,
		  int none)
{
	int err = xlb_neigh_request(n, nlh, nl_get_cb, g);

	return !err && !g->found ? none : err;
}

struct route_reply {
	bool gateway;
	bool gw_ok;  /* gw, gw_family hold a usable gateway address */
	__u8 family; /* of the destination (enum xlb_family) */
	__u8 gw_family;
	int oif;
	union xlb_addr gw;
};

/* A gateway address of @len bytes at @p, of @af; ignored if malformed. */
static void route_gw(struct route_reply *rr, int af, const void *p, size_t len)
{
	__u8 family = af == AF_INET ? XLB_FAMILY_V4 : XLB_FAMILY_V6;
	size_t alen;
	int f;

	if ((af != AF_INET && af != AF_INET6) ||
	    family_to_af(family, &f, &alen) || len != alen)
		return;
	memset(&rr->gw, 0, sizeof(rr->gw));
	memcpy(rr->gw.bytes, p, alen);
	rr->gw_family = family;
	rr->gw_ok = true;
}

static void route_attr(const struct nlattr *attr, void *ctx)
{
	struct route_reply *rr = ctx;
	const struct rtvia *via;
	int af = AF_UNSPEC;
	size_t alen = 0;

	switch (mnl_attr_get_type(attr)) {
	case RTA_OIF:
		if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
			rr->oif = mnl_attr_get_u32(attr);
		break;
	case RTA_GATEWAY:
		rr->gateway = true;
		family_to_af(rr->family, &af, &alen);
		route_gw(rr, af, mnl_attr_get_payload(attr),
			 mnl_attr_get_payload_len(attr));
		break;
	case RTA_VIA: /* IPv4 route with an IPv6 next hop */
		rr->gateway = true;
		if (mnl_attr_get_payload_len(attr) < sizeof(*via))
			break;
		via = mnl_attr_get_payload(attr);
		route_gw(rr, via->rtvia_family, via->rtvia_addr,
			 mnl_attr_get_payload_len(attr) - sizeof(*via));
		break;
	}
}

/* The kernel's route to @a: 0 and @rr filled, or xlb_route_get()'s errors
 * but -EHOSTUNREACH (the caller decides about gateways). */
static int route_lookup(struct xlb_neigh *n, const union xlb_addr *a,
			__u8 family, struct route_reply *rr)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct rtmsg rep;
	struct nl_get g = { RTM_NEWROUTE, sizeof(rep), &rep, route_attr, rr };
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	size_t alen;
	int af, err;

	memset(rr, 0, sizeof(*rr));
	rr->family = family;
	err = family_to_af(family, &af, &alen);
	if (err)
		goto out;

	rtm = nl_request(buf, RTM_GETROUTE, 0, sizeof(*rtm), &nlh);
	rtm->rtm_family = af;
	rtm->rtm_dst_len = alen * 8;
	mnl_attr_put(nlh, RTA_DST, alen, a->bytes);

	err = nl_get(n, nlh, &g, -ENETUNREACH);
	/*
	 * The lookup itself fails for unreachable (-EHOSTUNREACH), blackhole
	 * (-EINVAL) and prohibit (-EACCES) IPv4 routes. None of them is a
	 * gateway case, so fold them into "no route" to keep -EHOSTUNREACH
	 * meaning "off-link".
	 */
	if (err == -ENETUNREACH || err == -EHOSTUNREACH || err == -EINVAL ||
	    err == -EACCES) {
		err = -ENETUNREACH;
		goto out;
	}
	if (err)
		goto out;

	switch (rep.rtm_type) {
	case RTN_UNICAST:
		break;
	case RTN_LOCAL:
	case RTN_BROADCAST:
	case RTN_ANYCAST:
	case RTN_MULTICAST:
		err = -EADDRNOTAVAIL;
		goto out;
	default:
		/* IPv6 returns reject routes as routes of that type. */
		err = -ENETUNREACH;
		goto out;
	}
	if (rr->oif <= 0)
		err = -ENETUNREACH;
out:
	return err;
}

int xlb_route_get(struct xlb_neigh *n, const union xlb_addr *a, __u8 family,
		  int *ifindex)
{
	struct route_reply rr;
	int err = route_lookup(n, a, family, &rr);

	if (err)
		return err;
	if (rr.gateway)
		return -EHOSTUNREACH;
	*ifindex = rr.oif;
	return 0;
}

int xlb_route_nexthop(struct xlb_neigh *n, const union xlb_addr *a, __u8 family,
		      int *ifindex, union xlb_addr *nh, __u8 *nh_family)
{
	struct route_reply rr;
	int err = route_lookup(n, a, family, &rr);

	if (err)
		return err;
	/* a gateway we cannot name (a malformed attribute) is no next hop */
	if (rr.gateway && !rr.gw_ok)
		return -ENETUNREACH;
	*ifindex = rr.oif;
	*nh = rr.gateway ? rr.gw : *a;
	*nh_family = rr.gateway ? rr.gw_family : family;
	return 0;
}

static int neigh_get_cb(const struct nlmsghdr *nlh, void *data)
{
	struct neigh_msg *nm = data;

	if (parse_neigh(nlh, nm) == 0)
		nm->found = true;
	return MNL_CB_OK;
}

/* The kernel's entry in whatever state: 0, or -ENOENT if there is none. */
static int neigh_get(struct xlb_neigh *n, const union xlb_addr *a, __u8 family,
		     int ifindex, struct neigh_msg *nm)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;
	int err;

	err = neigh_request(buf, RTM_GETNEIGH, 0, a, family, ifindex, &ndm,
			    &nlh);
	if (err)
		goto out;
	memset(nm, 0, sizeof(*nm));
	err = xlb_neigh_request(n, nlh, neigh_get_cb, nm);
	if (err)
		goto out;
	if (!nm->found)
		err = -ENOENT;
out:
	return err;
}

int xlb_neigh_lookup(struct xlb_neigh *n, const union xlb_addr *a, __u8 family,
		     int ifindex, __u8 mac[6])
{
	struct neigh_msg nm;
	int err;

	err = neigh_get(n, a, family, ifindex, &nm);
	if (err)
		goto out;
	if (!neigh_usable(&nm)) {
		err = -ENOENT;
		goto out;
	}
	memcpy(mac, nm.mac, sizeof(nm.mac));
out:
	return err;
}

int xlb_neigh_probe(struct xlb_neigh *n, const union xlb_addr *a, __u8 family,
		    int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct neigh_msg nm;
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;
	int err;

	/*
	 * NTF_USE clears NUD_PERMANENT from an existing entry (the kernel
	 * treats it as a request to resolve dynamically), which would throw
	 * away an administrator's static MAC. Static entries need no
	 * refreshing anyway, so leave them alone. An entry made static
	 * between this check and the request below is not protected; that
	 * window is accepted.
	 */
	err = neigh_get(n, a, family, ifindex, &nm);
	if (err && err != -ENOENT)
		goto out;
	if (!err && (nm.state & (NUD_PERMANENT | NUD_NOARP))) {
		err = 0;
		goto out;
	}

	/*
	 * RTM_NEWNEIGH with NTF_USE runs the same neigh_event_send() as an
	 * outgoing packet would: a missing or FAILED entry goes INCOMPLETE
	 * and a broadcast ARP request / multicast NS is sent; a STALE one
	 * goes DELAY then PROBE (unicast re-confirmation); every entry gets
	 * its "used" time refreshed, which keeps it from garbage collection.
	 * NLM_F_CREATE makes the entry if it does not exist; ndm_state is
	 * left NUD_NONE so that a new entry is an ordinary, collectable one.
	 */
	err = neigh_request(buf, RTM_NEWNEIGH, NLM_F_CREATE, a, family, ifindex,
			    &ndm, &nlh);
	if (err)
		goto out;
	ndm->ndm_state = NUD_NONE;
	ndm->ndm_flags = NTF_USE;

	err = xlb_neigh_request(n, nlh, NULL,
				NULL); /* only an ack comes back */
out:
	return err;
}

/*
 * Put an RTM_NEWNEIGH for @a on @ifindex in @buf: @nlflags (NLM_F_CREATE,
 * NLM_F_EXCL, NLM_F_REPLACE), @state, with @mac (NULL: none) and, when
 * @managed, NTF_EXT_MANAGED. Always tagged XLB_RTNL_PROTO: that tag is how
 * xlbd tells its entries from everyone else's, across restarts too.
 */
struct nlmsghdr *xlb_neigh_managed_msg(char *buf, const union xlb_addr *a,
				       __u8 family, int ifindex, __u16 nlflags,
				       __u16 state, const __u8 *mac,
				       bool managed)
{
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;

	if (neigh_request(buf, RTM_NEWNEIGH, nlflags, a, family, ifindex, &ndm,
			  &nlh))
		return NULL;
	ndm->ndm_state = state;
	if (mac)
		mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	mnl_attr_put_u8(nlh, NDA_PROTOCOL, XLB_RTNL_PROTO);
	if (managed)
		mnl_attr_put_u32(nlh, NDA_FLAGS_EXT, NTF_EXT_MANAGED);
	return nlh;
}

/* Made by xlbd (and not since made static by an administrator)? */
static bool neigh_ours(const struct neigh_msg *nm)
{
	return nm->protocol == XLB_RTNL_PROTO &&
	       !(nm->state & (NUD_PERMANENT | NUD_NOARP));
}

int xlb_neigh_manage(struct xlb_neigh *n, const union xlb_addr *a, __u8 family,
		     int ifindex)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	__u16 flags = NLM_F_CREATE | NLM_F_EXCL;
	struct nlmsghdr *nlh;
	struct neigh_msg nm;
	int err;

	err = neigh_get(n, a, family, ifindex, &nm);
	if (err && err != -ENOENT)
		return err;
	if (!err) {
		if (!neigh_ours(&nm))
			return -EEXIST;
		if (nm.flags_ext & NTF_EXT_MANAGED)
			return 0;
		/*
		 * Ours, left ordinary by an xlbd that exited: manage it
		 * again, keeping its MAC so forwarding is not interrupted.
		 */
		flags = NLM_F_REPLACE;
	}
	/*
	 * NUD_NONE (a managed entry cannot be PERMANENT): the kernel starts
	 * resolving it at once, re-probes it while it fails and keeps it
	 * confirmed once resolved, with no traffic through its stack.
	 */
	nlh = xlb_neigh_managed_msg(
		buf, a, family, ifindex, flags,
		!err && neigh_usable(&nm) ? NUD_STALE : NUD_NONE,
		!err && neigh_usable(&nm) ? nm.mac : NULL, true);
	if (!nlh)
		return -EINVAL;
	return xlb_neigh_request(n, nlh, NULL, NULL);
}

int xlb_neigh_unmanage(struct xlb_neigh *n, const union xlb_addr *a,
		       __u8 family, int ifindex, bool keep)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh;
	struct neigh_msg nm;
	struct ndmsg *ndm;
	int err;

	err = neigh_get(n, a, family, ifindex, &nm);
	if (err == -ENOENT || (!err && !neigh_ours(&nm)))
		return 0;
	if (err)
		return err;
	if (keep && neigh_usable(&nm)) {
		/* an ordinary STALE entry: valid, collected when unused */
		nlh = xlb_neigh_managed_msg(buf, a, family, ifindex,
					    NLM_F_REPLACE, NUD_STALE, nm.mac,
					    false);
	} else if (neigh_request(buf, RTM_DELNEIGH, 0, a, family, ifindex, &ndm,
				 &nlh)) {
		nlh = NULL;
	}
	if (!nlh)
		return -EINVAL;
	err = xlb_neigh_request(n, nlh, NULL, NULL);
	/* gone meanwhile: what was asked for */
	return err == -ENOENT ? 0 : err;
}

struct ev_ctx {
	struct xlb_neigh *n;
	xlb_neigh_cb cb;
	void *ctx;
	int count;
};

static int ev_cb(const struct nlmsghdr *nlh, void *data)
{
	struct ev_ctx *ec = data;
	struct neigh_msg nm;

	switch (nlh->nlmsg_type) {
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
	case RTM_NEWLINK:
	case RTM_DELLINK:
	case RTM_NEWADDR:
	case RTM_DELADDR:
		ec->n->routes_changed = true;
		return MNL_CB_OK;
	}
	/* Anything malformed or not an IP neighbour is skipped, not fatal. */
	if (parse_neigh(nlh, &nm))
		return MNL_CB_OK;
	ec->count++;
	ec->cb(ec->ctx, &nm.addr, nm.family, nm.ifindex,
	       neigh_usable(&nm) ? nm.mac : NULL);
	return MNL_CB_OK;
}

int xlb_neigh_process(struct xlb_neigh *n, xlb_neigh_cb cb, void *ctx)
{
	struct ev_ctx ec = { .n = n, .cb = cb, .ctx = ctx };
	bool lost = false;
	int i;

	for (i = 0; i < NL_EV_BUDGET; i++) {
		ssize_t len;

		len = mnl_socket_recvfrom(n->ev, n->ev_buf, sizeof(n->ev_buf));
		if (len < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			/*
			 * Overrun, or a datagram too big for the buffer: some
			 * change was missed. Keep draining, then tell the
			 * caller to resync.
			 */
			if (errno == ENOBUFS || errno == ENOSPC) {
				lost = true;
				n->routes_changed = true;
				continue;
			}
			return -errno;
		}
		/* Seq and portid 0: notifications are not replies to check. */
		mnl_cb_run(n->ev_buf, len, 0, 0, ev_cb, &ec);
	}
	return lost ? -ENOBUFS : ec.count;
}

bool xlb_neigh_routes_changed(struct xlb_neigh *n)
{
	bool c = n->routes_changed;

	n->routes_changed = false;
	return c;
}

struct link_reply {
	bool has_mac;
	__u8 mac[6];
};

static void link_attr(const struct nlattr *attr, void *ctx)
{
	struct link_reply *lr = ctx;

	if (mnl_attr_get_type(attr) != IFLA_ADDRESS ||
	    mnl_attr_get_payload_len(attr) != sizeof(lr->mac))
		return;
	memcpy(lr->mac, mnl_attr_get_payload(attr), sizeof(lr->mac));
	lr->has_mac = true;
}

int xlb_link_mac(struct xlb_neigh *n, int ifindex, __u8 mac[6])
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct link_reply lr = {};
	struct ifinfomsg rep;
	struct nl_get g = { RTM_NEWLINK, sizeof(rep), &rep, link_attr, &lr };
	struct ifinfomsg *ifi;
	struct nlmsghdr *nlh;
	int err;

	if (ifindex <= 0) {
		err = -ENODEV;
		goto out;
	}

	ifi = nl_request(buf, RTM_GETLINK, 0, sizeof(*ifi), &nlh);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	/* Only the address is wanted; spare the kernel the counters. */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);

	err = nl_get(n, nlh, &g, -ENODEV);
	if (err)
		goto out;
	if (rep.ifi_type != ARPHRD_ETHER || !lr.has_mac ||
	    mac_is_zero(lr.mac)) {
		err = -EOPNOTSUPP;
		goto out;
	}
	memcpy(mac, lr.mac, sizeof(lr.mac));
out:
	return err;
}
