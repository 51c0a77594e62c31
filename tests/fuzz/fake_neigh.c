// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Fuzzing: neigh.h without netlink. Every backend is on-link on ifindex 1
 * with a MAC made of its address, so backends resolve and go into rings
 * as on a healthy network; requests (VIP routes) succeed.
 */
#include <errno.h>
#include <string.h>

#include "neigh.h"

static int fake_neigh_handle;

struct xlb_neigh *xlb_neigh_open(void)
{
	return (struct xlb_neigh *)&fake_neigh_handle;
}

void xlb_neigh_close(struct xlb_neigh *n)
{
}

int xlb_neigh_fd(struct xlb_neigh *n)
{
	return -1;
}

int xlb_neigh_request(struct xlb_neigh *n, struct nlmsghdr *nlh,
		      xlb_neigh_nl_cb cb, void *data)
{
	return 0;
}

int xlb_route_get(struct xlb_neigh *n, const union xlb_addr *a, __u8 family,
		  int *ifindex)
{
	*ifindex = 1;
	return 0;
}

/* Every next hop is the backend itself, on-link. */
int xlb_route_nexthop(struct xlb_neigh *n, const union xlb_addr *a, __u8 family,
		      int *ifindex, union xlb_addr *nh, __u8 *nh_family)
{
	*ifindex = 1;
	*nh = *a;
	*nh_family = family;
	return 0;
}

int xlb_neigh_manage(struct xlb_neigh *n, const union xlb_addr *a, __u8 family,
		     int ifindex)
{
	return 0;
}

int xlb_neigh_unmanage(struct xlb_neigh *n, const union xlb_addr *a,
		       __u8 family, int ifindex, bool keep)
{
	return 0;
}

int xlb_neigh_lookup(struct xlb_neigh *n, const union xlb_addr *a, __u8 family,
		     int ifindex, __u8 mac[6])
{
	mac[0] = 0x02;
	for (int i = 0; i < 5; i++)
		mac[1 + i] = a->bytes[i] ^ a->bytes[11 + i];
	return 0;
}

int xlb_neigh_probe(struct xlb_neigh *n, const union xlb_addr *a, __u8 family,
		    int ifindex)
{
	return 0;
}

int xlb_neigh_process(struct xlb_neigh *n, xlb_neigh_cb cb, void *ctx)
{
	return 0;
}

bool xlb_neigh_routes_changed(struct xlb_neigh *n)
{
	return false;
}

int xlb_link_mac(struct xlb_neigh *n, int ifindex, __u8 mac[6])
{
	static const __u8 m[6] = { 0x02, 0, 0, 0, 0, 1 };

	memcpy(mac, m, 6);
	return 0;
}
