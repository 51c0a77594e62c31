// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * VIP routes over rtnetlink (see vip_route.h), on the neighbour module's
 * request socket.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "vip_route.h"

static int vip_msg(char *buf, __u16 type, __u16 flags, __u32 table,
		   const union xlb_addr *vip, __u8 family, bool backup)
{
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	size_t alen;
	unsigned int lo = if_nametoindex("lo");

	if (family != XLB_FAMILY_V4 && family != XLB_FAMILY_V6)
		return -EAFNOSUPPORT;
	if (!lo)
		return -errno;
	alen = family == XLB_FAMILY_V4 ? 4 : 16;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = family == XLB_FAMILY_V4 ? AF_INET : AF_INET6;
	rtm->rtm_dst_len = alen * 8;
	rtm->rtm_protocol = XLB_ROUTE_PROTO;
	rtm->rtm_scope = RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	/* rtm_table is 8 bits; RTA_TABLE carries any table number */
	rtm->rtm_table = table < 256 ? table : RT_TABLE_UNSPEC;
	mnl_attr_put_u32(nlh, RTA_TABLE, table);
	mnl_attr_put(nlh, RTA_DST, alen, vip->bytes);
	mnl_attr_put_u32(nlh, RTA_OIF, lo);
	/* a primary route keeps the default: an older xlbd's routes match */
	if (backup)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, XLB_ROUTE_METRIC_BACKUP);
	return 0;
}

int xlb_vip_route_add(struct xlb_neigh *n, __u32 table,
		      const union xlb_addr *vip, __u8 family, bool backup)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int err;

	err = vip_msg(buf, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, table,
		      vip, family, backup);
	return err ?: xlb_neigh_request(n, (struct nlmsghdr *)buf, NULL, NULL);
}

int xlb_vip_route_del(struct xlb_neigh *n, __u32 table,
		      const union xlb_addr *vip, __u8 family, bool backup)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	int err;

	/* no metric (primary) matches the lowest: the primary one */
	err = vip_msg(buf, RTM_DELROUTE, 0, table, vip, family, backup);
	if (!err)
		err = xlb_neigh_request(n, (struct nlmsghdr *)buf, NULL, NULL);
	return err == -ESRCH || err == -ENOENT ? 0 : err;
}

struct list_ctx {
	__u32 table;
	xlb_vip_route_cb cb;
	void *ctx;
};

static int list_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct list_ctx *lc = data;
	const struct rtmsg *rtm;
	const struct nlattr *attr;
	union xlb_addr vip = {};
	__u32 table, metric = 0;
	bool have = false;
	__u8 family;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return MNL_CB_OK;
	rtm = mnl_nlmsg_get_payload(nlh);
	table = rtm->rtm_table;
	if (rtm->rtm_protocol != XLB_ROUTE_PROTO)
		return MNL_CB_OK;
	family = rtm->rtm_family == AF_INET ? XLB_FAMILY_V4 : XLB_FAMILY_V6;
	if ((rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) ||
	    rtm->rtm_dst_len != (family == XLB_FAMILY_V4 ? 32 : 128))
		return MNL_CB_OK;
	mnl_attr_for_each(attr, nlh, sizeof(*rtm))
	{
		size_t alen = family == XLB_FAMILY_V4 ? 4 : 16;

		switch (mnl_attr_get_type(attr)) {
		case RTA_TABLE:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
				table = mnl_attr_get_u32(attr);
			break;
		case RTA_DST:
			if (mnl_attr_get_payload_len(attr) != alen)
				break;
			memcpy(vip.bytes, mnl_attr_get_payload(attr), alen);
			have = true;
			break;
		case RTA_PRIORITY:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) == 0)
				metric = mnl_attr_get_u32(attr);
			break;
		}
	}
	if (have && table == lc->table)
		lc->cb(lc->ctx, &vip, family,
		       metric == XLB_ROUTE_METRIC_BACKUP);
	return MNL_CB_OK;
}

int xlb_vip_route_list(struct xlb_neigh *n, __u32 table, xlb_vip_route_cb cb,
		       void *ctx)
{
	static const int afs[] = { AF_INET, AF_INET6 };
	struct list_ctx lc = { .table = table, .cb = cb, .ctx = ctx };
	char buf[MNL_SOCKET_BUFFER_SIZE];

	for (size_t i = 0; i < sizeof(afs) / sizeof(afs[0]); i++) {
		struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
		struct rtmsg *rtm;
		int err;

		nlh->nlmsg_type = RTM_GETROUTE;
		nlh->nlmsg_flags = NLM_F_DUMP;
		rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
		rtm->rtm_family = afs[i];
		err = xlb_neigh_request(n, nlh, list_cb, &lc);
		if (err)
			return err;
	}
	return 0;
}
