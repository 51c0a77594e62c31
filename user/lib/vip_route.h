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
 */
#ifndef XLB_VIP_ROUTE_H
#define XLB_VIP_ROUTE_H

#include "neigh.h"
#include "xlb_abi.h"

/* rtm_protocol of xlbd's routes (rt_protos: a value no daemon uses) */
#define XLB_ROUTE_PROTO 0xb1

/* Add (replace) / delete the route for vip in table. 0 or -errno;
 * deleting a route that is not there is 0. */
int xlb_vip_route_add(struct xlb_neigh *n, __u32 table,
		      const union xlb_addr *vip, __u8 family);
int xlb_vip_route_del(struct xlb_neigh *n, __u32 table,
		      const union xlb_addr *vip, __u8 family);

/* Every xlbd route in table, both families: cb per VIP. 0 or -errno. */
typedef void (*xlb_vip_route_cb)(void *ctx, const union xlb_addr *vip,
				 __u8 family);
int xlb_vip_route_list(struct xlb_neigh *n, __u32 table, xlb_vip_route_cb cb,
		       void *ctx);

#endif /* XLB_VIP_ROUTE_H */
