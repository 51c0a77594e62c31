// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Part: a backend's next hop. Route, egress interface, source MAC and the
 * neighbour's MAC, kept fresh from netlink events and a refresh timer.
 * A change republishes the service, which puts an unresolved backend out of
 * the ring and a resolved one back.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "neigh.h"
#include "xlbd.h"

const char *xlbd_resolve_why(int err)
{
	return err == -EHOSTUNREACH    ? "not on a directly connected network"
	       : err == -EADDRNOTAVAIL ? "is a local address"
	       : err == -ENETUNREACH   ? "no route"
				       : strerror(-err);
}

/* Route, source MAC and neighbour of a backend; probes when missing. */
void xlbd_resolve_backend(struct xlbd *d, struct be_rt *b)
{
	char a[XLB_ADDR_STRLEN];
	bool had = b->mac_ok;
	int ifindex, err;
	__u8 mac[6];

	xlbd_addr_str(&b->conf.addr, b->conf.family, a, sizeof(a));
	err = xlb_route_get(d->neigh, &b->conf.addr, b->conf.family, &ifindex);
	/*
	 * Full NAT, ipip, gue: the program takes the next hop from the FIB
	 * for each packet, so a route is enough, through a gateway too.
	 * nexthop.c keeps the next hop's neighbour entry resolved.
	 */
	if (b->fib && (!err || err == -EHOSTUNREACH)) {
		b->ifindex = err ? 0 : ifindex;
		b->mac_ok = true;
		b->why[0] = 0;
		return;
	}
	if (err) {
		snprintf(b->why, sizeof(b->why), "%s", xlbd_resolve_why(err));
		b->mac_ok = false;
		if (had)
			pr_warn("backend %s: %s", a, b->why);
		return;
	}
	if (ifindex != d->ifindex) {
		err = xlb_link_mac(d->neigh, ifindex, b->smac);
		if (!err)
			err = xlb_dp_tx_port_add(&d->dp, ifindex);
		if (err) {
			snprintf(b->why, sizeof(b->why),
				 "egress interface %d unusable: %s", ifindex,
				 strerror(-err));
			b->mac_ok = false;
			return;
		}
	} else {
		memcpy(b->smac, d->if_mac, 6);
	}
	b->ifindex = ifindex;
	err = xlb_neigh_lookup(d->neigh, &b->conf.addr, b->conf.family, ifindex,
			       mac);
	if (!err) {
		memcpy(b->mac, mac, 6);
		b->mac_ok = true;
		b->why[0] = 0;
		return;
	}
	if (!b->mac_ok)
		snprintf(b->why, sizeof(b->why), "resolving MAC (ARP/ND)");
	xlb_neigh_probe(d->neigh, &b->conf.addr, b->conf.family, ifindex);
}

/*
 * A neighbour event for a, family on ifindex (mac NULL: the entry failed or
 * went away) applied to backend b of s. True if b changed: the caller
 * republishes s.
 */
bool xlbd_resolve_neigh_event(const struct svc_rt *s, struct be_rt *b,
			      const union xlb_addr *a, __u8 family, int ifindex,
			      const __u8 *mac)
{
	char as[XLB_ADDR_STRLEN];

	/*
	 * Full NAT, ipip, gue: the program asks the FIB, so the backend's
	 * own entry says nothing (through a gateway it is nobody's next
	 * hop: nexthop.c deletes its managed entry when a route moves the
	 * backend behind a gateway, which must not take the backend out).
	 */
	if (b->fib || b->conf.family != family || b->ifindex != ifindex ||
	    memcmp(&b->conf.addr, a, sizeof(*a)))
		return false;
	xlbd_addr_str(a, family, as, sizeof(as));
	if (mac && (!b->mac_ok || memcmp(b->mac, mac, 6))) {
		memcpy(b->mac, mac, 6);
		b->mac_ok = true;
		b->why[0] = 0;
		pr_info("service %s: backend %s resolved to %02x:%02x:%02x:%02x:%02x:%02x",
			s->conf.name, as, mac[0], mac[1], mac[2], mac[3],
			mac[4], mac[5]);
		return true;
	}
	if (!mac && b->mac_ok) {
		b->mac_ok = false;
		snprintf(b->why, sizeof(b->why),
			 "neighbour entry failed or removed");
		pr_warn("service %s: backend %s: %s", s->conf.name, as, b->why);
		return true;
	}
	return false;
}

/*
 * XDP traffic bypasses the kernel's neighbour code, so entries would go
 * stale and be collected; probing keeps them fresh and retries the
 * unresolved ones. Called on a timer for each backend; true if b changed
 * (the caller republishes its service).
 */
bool xlbd_resolve_refresh(struct xlbd *d, struct be_rt *b)
{
	bool had = b->mac_ok;

	if (b->mac_ok && !b->fib) {
		xlb_neigh_probe(d->neigh, &b->conf.addr, b->conf.family,
				b->ifindex);
		return false;
	}
	xlbd_resolve_backend(d, b);
	return had != b->mac_ok;
}
