/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * VIP routes: how a node tells its routing daemon which VIPs it serves.
 *
 * Each announced VIP is a /32 or /128 unicast route through lo in one
 * dedicated kernel routing table (config announce_table), tagged with
 * protocol XLB_ROUTE_PROTO so xlbd recognises its own routes after a
 * restart. Nothing routes by that table (no ip rule points at it): it is
 * only a list BIRD learns (`protocol kernel { kernel table N; learn; }`)
 * and exports over BGP. Adding is announcing, deleting is withdrawing.
 *
 * A backup route (a peer's SNAT address, announced in case the peer dies)
 * has metric XLB_ROUTE_METRIC_BACKUP, which BIRD's export filter turns
 * into a longer AS path (tools/bird/node.conf): the routers prefer the
 * owner's route while it lives. A primary route has the kernel's default
 * metric (IPv4 0, IPv6 1024). The same address as both is two routes.
 */
#ifndef XLB_VIP_ROUTE_H
#define XLB_VIP_ROUTE_H

#include <stdbool.h>

#include "neigh.h"
#include "xlb_abi.h"

/* rtm_protocol of xlbd's routes */
#define XLB_ROUTE_PROTO XLB_RTNL_PROTO

/* metric of a backup route; BIRD's filter tests krt_metric against it */
#define XLB_ROUTE_METRIC_BACKUP 2048

/* Add (replace) / delete the route for vip in table. 0 or -errno;
 * deleting a route that is not there is 0. */
int xlb_vip_route_add(struct xlb_neigh *n, __u32 table,
		      const union xlb_addr *vip, __u8 family, bool backup);
int xlb_vip_route_del(struct xlb_neigh *n, __u32 table,
		      const union xlb_addr *vip, __u8 family, bool backup);

/* Every xlbd route in table, both families: cb per route. 0 or -errno. */
typedef void (*xlb_vip_route_cb)(void *ctx, const union xlb_addr *vip,
				 __u8 family, bool backup);
int xlb_vip_route_list(struct xlb_neigh *n, __u32 table, xlb_vip_route_cb cb,
		       void *ctx);

#endif /* XLB_VIP_ROUTE_H */
