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
 * Next hop towards @a: like xlb_route_get(), but a route through a gateway
 * is fine: *nh (*nh_family) is the gateway (an IPv4 route may have an IPv6
 * one), or @a itself when on-link; *ifindex the egress interface. This is
 * the neighbour bpf_fib_lookup() needs resolved for encapsulated traffic.
 */
int xlb_route_nexthop(struct xlb_neigh *n, const union xlb_addr *a, __u8 family,
		      int *ifindex, union xlb_addr *nh, __u8 *nh_family);

/*
 * Originator tag (NDA_PROTOCOL, rtm_protocol) of what xlbd puts in the
 * kernel's tables, so it recognises its own entries after a restart and
 * never takes anyone else's (rt_protos: a value no daemon uses).
 */
#define XLB_RTNL_PROTO 0xb1

/*
 * Managed neighbour entries (NTF_EXT_MANAGED): the kernel resolves the
 * entry without any traffic needing it, re-probes it while it fails and
 * keeps it confirmed. XDP-forwarded traffic never asks the kernel to
 * resolve a next hop, so this is how its next hops get resolved.
 *
 * xlb_neigh_manage(): create one for @a on @ifindex. 0 if it is (now) one
 * of xlbd's managed entries (an xlbd entry left ordinary by
 * xlb_neigh_unmanage(keep) is managed again, MAC kept); -EEXIST if
 * someone else's entry is there: it is left alone.
 *
 * xlb_neigh_unmanage(): give an xlbd entry up: delete it, or with @keep
 * and a usable MAC, make it an ordinary STALE entry that the kernel's
 * garbage collector takes when unused (the data plane keeps forwarding
 * after xlbd exits). Anything not xlbd's is left alone (0).
 */
int xlb_neigh_manage(struct xlb_neigh *n, const union xlb_addr *a, __u8 family,
		     int ifindex);
int xlb_neigh_unmanage(struct xlb_neigh *n, const union xlb_addr *a,
		       __u8 family, int ifindex, bool keep);

/*
 * The RTM_NEWNEIGH those send, built in @buf (MNL_SOCKET_BUFFER_SIZE):
 * @nlflags, @state (NUD_*), @mac (NULL: none), NTF_EXT_MANAGED if
 * @managed, tagged XLB_RTNL_PROTO. NULL for a bad family or ifindex.
 * Exported for the unit test of its bytes.
 */
struct nlmsghdr *xlb_neigh_managed_msg(char *buf, const union xlb_addr *a,
				       __u8 family, int ifindex, __u16 nlflags,
				       __u16 state, const __u8 *mac,
				       bool managed);

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
