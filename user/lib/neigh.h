/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Backend MAC resolution through the kernel neighbour table (rtnetlink).
 *
 * xlbd rewrites a forwarded frame's destination MAC to the backend's and
 * its source MAC to the egress interface's, so it needs both, and must never
 * forward to a backend whose MAC it does not know. The kernel already does
 * ARP/ND; this module only asks it (route, neighbour, link lookups), tells it
 * to resolve (probe) and reports its neighbour notifications.
 *
 * Families are enum xlb_family (XLB_FAMILY_V4/V6), not AF_*, and addresses
 * are union xlb_addr as stored in the maps. Functions return 0 (or a count)
 * on success and -errno on failure.
 *
 * Requests to the kernel are answered synchronously by rtnetlink, so they do
 * not block in practice; a receive timeout bounds them anyway. Notifications
 * arrive on xlb_neigh_fd(), which is non-blocking: poll it for POLLIN from
 * the event loop and call xlb_neigh_process().
 *
 * What the daemon must do to keep backend MACs fresh
 * ---------------------------------------------------
 * Forwarded traffic is XDP and never passes through the kernel's neighbour
 * code, so the kernel sees no use of the entry: it goes REACHABLE -> STALE
 * and is never re-validated, and once unused for gc_stale_time (60 s by
 * default) the garbage collector deletes it. A STALE MAC is still correct to
 * forward with, but the daemon must keep the entry alive and verified:
 *
 *  - When a backend is added: xlb_route_get() (it must be on-link; the
 *    ifindex is the egress interface), xlb_link_mac() for smac, then
 *    xlb_neigh_lookup(). On -ENOENT keep the backend down and
 *    xlb_neigh_probe() it; its MAC arrives through the callback.
 *  - Every XLB_NEIGH_REFRESH_SEC, xlb_neigh_probe() every backend, up or
 *    down. For a resolved one this marks the entry used (no GC) and makes
 *    the kernel re-confirm a STALE entry with a unicast probe, so a backend
 *    that changed MAC or vanished shows up as a callback (new MAC, or NULL
 *    once the entry FAILs). For an unresolved one it is the retry: the
 *    kernel gives up after a few solicitations (~3 s), and an IPv6 probe is
 *    not even sent while the interface's link-local address is tentative.
 *  - On a callback with mac == NULL for a backend: take it down (no zero or
 *    old MAC is ever used); the periodic probe tries again. With a MAC:
 *    (re)write dmac and reread xlb_link_mac() for smac: a change of the
 *    interface's MAC flushes its neighbours, so the re-resolution that
 *    follows one passes here.
 *  - If xlb_neigh_process() returns -ENOBUFS, notifications were lost: redo
 *    xlb_neigh_lookup() for every backend.
 */
#ifndef XLB_NEIGH_H
#define XLB_NEIGH_H

#include <stdbool.h>
#include <linux/types.h>

#include "xlb_abi.h"

/* Re-probe period; well below the default gc_stale_time of 60 s. */
#define XLB_NEIGH_REFRESH_SEC 10

struct xlb_neigh;

/* Open the notification and request sockets. NULL and errno on error. */
struct xlb_neigh *xlb_neigh_open(void);
void xlb_neigh_close(struct xlb_neigh *n); /* NULL-safe */

/* Non-blocking fd to poll for POLLIN; then call xlb_neigh_process(). */
int xlb_neigh_fd(struct xlb_neigh *n);

/*
 * Send one rtnetlink request on the request socket and feed every message
 * of the reply to cb (libmnl's mnl_cb_t; NULL: only an ack comes back)
 * until the kernel's ack or the end of a dump. Shared with vip_route.c, so
 * the daemon has one request socket and one reply loop. 0 or -errno.
 */
struct nlmsghdr;
typedef int (*xlb_neigh_nl_cb)(const struct nlmsghdr *nlh, void *data);
int xlb_neigh_request(struct xlb_neigh *n, struct nlmsghdr *nlh,
		      xlb_neigh_nl_cb cb, void *data);

/*
 * Which interface reaches @a, and is it on-link (L2 DSR needs the backend
 * on a directly connected network)? 0 and *ifindex set if so; -ENETUNREACH
 * if there is no usable route (none, unreachable, blackhole, prohibit);
 * -EHOSTUNREACH if it is reached only through a gateway; -EADDRNOTAVAIL if
 * it is not a unicast address of another host (local, broadcast, multicast).
 */
int xlb_route_get(struct xlb_neigh *n, const union xlb_addr *a, __u8 family,
		  int *ifindex);

/*
 * The kernel's neighbour entry for @a on @ifindex: 0 and @mac filled when
 * it holds a usable link-layer address (REACHABLE, STALE, DELAY, PROBE,
 * PERMANENT, NOARP); -ENOENT when absent, INCOMPLETE or FAILED.
 */
int xlb_neigh_lookup(struct xlb_neigh *n, const union xlb_addr *a, __u8 family,
		     int ifindex, __u8 mac[6]);

/*
 * Ask the kernel to resolve @a on @ifindex (ARP request / neighbour
 * solicitation), creating the entry if needed, or to re-confirm a STALE
 * one. Returns once the kernel has taken the request, not when it is
 * resolved. Static (PERMANENT, NOARP) entries are left alone.
 */
int xlb_neigh_probe(struct xlb_neigh *n, const union xlb_addr *a, __u8 family,
		    int ifindex);

/*
 * Neighbour change: @mac is the usable MAC, or NULL when the entry was
 * deleted or became unusable (INCOMPLETE, FAILED). Called for every IPv4 and
 * IPv6 neighbour of every interface, possibly repeatedly with the same MAC
 * (state changes): filter on (@a, @family, @ifindex) and be idempotent.
 * The callback may call the other functions here.
 */
typedef void (*xlb_neigh_cb)(void *ctx, const union xlb_addr *a, __u8 family,
			     int ifindex, const __u8 *mac);

/*
 * Drain pending notifications, calling @cb for each. Returns the number of
 * neighbour notifications seen, or -ENOBUFS if some were lost (the socket
 * overran; those that could be read were still delivered), or -errno.
 * Never blocks.
 */
int xlb_neigh_process(struct xlb_neigh *n, xlb_neigh_cb cb, void *ctx);

/*
 * True, once, when a route, link or address notification (or a lost one)
 * came since the last call: xlb_neigh_process() reads those too, so what
 * the kernel's FIB answers towards a backend may have changed.
 */
bool xlb_neigh_routes_changed(struct xlb_neigh *n);

/*
 * MAC of Ethernet interface @ifindex (the source MAC for frames sent out of
 * it). -ENODEV if there is no such interface, -EOPNOTSUPP if it is not
 * Ethernet or has no (non-zero) MAC.
 */
int xlb_link_mac(struct xlb_neigh *n, int ifindex, __u8 mac[6]);

#endif /* XLB_NEIGH_H */
