// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Neighbour resolution against a real kernel: each test builds its own
 * pair of network namespaces joined by a veth (A: va, B: vb), enters A with
 * setns() to open the netlink sockets and do its lookups, and always tears
 * both namespaces down. Needs root; skipped otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "neigh.h"
#include "../lib/test.h"

#define MAC_A "02:78:6c:62:00:0a"
#define MAC_B "02:78:6c:62:00:0b"
#define MAC_X "02:78:6c:62:00:77"
#define MAC_Y "02:78:6c:62:00:78"

static const __u8 mac_a[6] = { 0x02, 0x78, 0x6c, 0x62, 0x00, 0x0a };
static const __u8 mac_b[6] = { 0x02, 0x78, 0x6c, 0x62, 0x00, 0x0b };
static const __u8 mac_x[6] = { 0x02, 0x78, 0x6c, 0x62, 0x00, 0x77 };
static const __u8 mac_y[6] = { 0x02, 0x78, 0x6c, 0x62, 0x00, 0x78 };

/* Every wait for the kernel is bounded by this. */
#define WAIT_MS 2000

struct env {
	char a[32], b[32];
	int saved_ns;	     /* own netns while inside A, else -1 */
	int ifindex;	     /* va, in A */
	struct xlb_neigh *n; /* opened inside A */
};

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ret = system(cmd);
	if (ret != 0)
		fprintf(stderr, "    command failed (%d): %s\n", ret, cmd);
	return ret;
}

/* Safe on a partly built env: every step checks what exists. */
static void env_down(struct env *e)
{
	xlb_neigh_close(e->n);
	e->n = NULL;
	if (e->saved_ns >= 0) {
		if (setns(e->saved_ns, CLONE_NEWNET))
			perror("setns back");
		close(e->saved_ns);
		e->saved_ns = -1;
	}
	/* Deleting a namespace destroys its end of the veth, and so both. */
	if (e->a[0])
		sh("ip netns del %s 2>/dev/null || true", e->a);
	if (e->b[0])
		sh("ip netns del %s 2>/dev/null || true", e->b);
	e->a[0] = e->b[0] = '\0';
}

/*
 * A: va 02:..:0a 198.18.0.1/24 2001:2::1/64; B: vb 02:..:0b 198.18.0.2/24
 * 2001:2::2/64. Then enter A and open the neighbour sockets there. Returns
 * false (test skipped or failed) if anything is missing.
 */
static bool env_up(struct env *e)
{
	static int seq;
	char path[64];
	int fd;

	memset(e, 0, sizeof(*e));
	e->saved_ns = -1;
	if (geteuid() != 0) {
		xlb_test_skip("needs root for network namespaces");
		return false;
	}
	seq++;
	snprintf(e->a, sizeof(e->a), "xlbn-%d-%d-a", (int)getpid(), seq);
	snprintf(e->b, sizeof(e->b), "xlbn-%d-%d-b", (int)getpid(), seq);

	/*
	 * No DAD at all, link-local included: until va's fe80:: address
	 * leaves the tentative state the kernel sends no neighbour
	 * solicitation (it has no source address for one), and that would
	 * stretch the IPv6 probe beyond the test's bounded wait.
	 */
	if (sh("ip netns add %s", e->a) || sh("ip netns add %s", e->b) ||
	    sh("ip netns exec %s sysctl -qw net.ipv6.conf.default.accept_dad=0",
	       e->a) ||
	    sh("ip netns exec %s sysctl -qw net.ipv6.conf.default.accept_dad=0",
	       e->b) ||
	    sh("ip -n %s link add va address " MAC_A " type veth peer name vb "
	       "netns %s address " MAC_B,
	       e->a, e->b) ||
	    sh("ip -n %s link set lo up && ip -n %s link set va up", e->a,
	       e->a) ||
	    sh("ip -n %s link set lo up && ip -n %s link set vb up", e->b,
	       e->b) ||
	    sh("ip -n %s addr add 198.18.0.1/24 dev va && "
	       "ip -n %s addr add 2001:2::1/64 dev va nodad",
	       e->a, e->a) ||
	    sh("ip -n %s addr add 198.18.0.2/24 dev vb && "
	       "ip -n %s addr add 2001:2::2/64 dev vb nodad",
	       e->b, e->b)) {
		xlb_test_fail(__FILE__, __LINE__, "namespace setup failed");
		return false;
	}

	e->saved_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (!ASSERT_TRUE(e->saved_ns >= 0, "open own netns"))
		return false;
	snprintf(path, sizeof(path), "/run/netns/%s", e->a);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (!ASSERT_TRUE(fd >= 0, "open netns A"))
		return false;
	if (!ASSERT_OK(setns(fd, CLONE_NEWNET), "setns into A")) {
		close(fd);
		return false;
	}
	close(fd);

	e->ifindex = if_nametoindex("va");
	if (!ASSERT_TRUE(e->ifindex > 0, "va exists in A"))
		return false;
	e->n = xlb_neigh_open();
	if (!ASSERT_TRUE(e->n, "xlb_neigh_open"))
		return false;
	return true;
}

static union xlb_addr addr4(const char *s)
{
	union xlb_addr a = {};

	inet_pton(AF_INET, s, &a.v4);
	return a;
}

static union xlb_addr addr6(const char *s)
{
	union xlb_addr a = {};

	inet_pton(AF_INET6, s, a.bytes);
	return a;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What the callback saw for one neighbour. */
struct watch {
	union xlb_addr addr;
	__u8 family;
	int ifindex;
	const __u8 *expect; /* wanted MAC; NULL: wanted "gone" */
	bool hit;	    /* a matching callback brought .expect */
	int calls;	    /* callbacks for this neighbour */
};

static void watch_cb(void *ctx, const union xlb_addr *a, __u8 family,
		     int ifindex, const __u8 *mac)
{
	struct watch *w = ctx;

	if (family != w->family || ifindex != w->ifindex ||
	    memcmp(a, &w->addr, sizeof(*a)))
		return;
	w->calls++;
	if (w->expect ? mac && !memcmp(mac, w->expect, 6) : !mac)
		w->hit = true;
}

static void watch_init(struct watch *w, const union xlb_addr *a, __u8 family,
		       int ifindex, const __u8 *expect)
{
	memset(w, 0, sizeof(*w));
	w->addr = *a;
	w->family = family;
	w->ifindex = ifindex;
	w->expect = expect;
}

/* Poll and process until @w is hit; 0, or -ETIMEDOUT after WAIT_MS. */
static int wait_for(struct xlb_neigh *n, struct watch *w)
{
	long end = now_ms() + WAIT_MS;
	struct pollfd pfd = { .fd = xlb_neigh_fd(n), .events = POLLIN };

	while (!w->hit) {
		long left = end - now_ms();
		int ret;

		if (left <= 0)
			return -ETIMEDOUT;
		ret = poll(&pfd, 1, left);
		if (ret < 0)
			return -errno;
		ret = xlb_neigh_process(n, watch_cb, w);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* `ip -d neigh show` of one entry contains @state (e.g. "REACHABLE",
 * "managed"). */
static bool neigh_shows(const struct env *e, const char *dst, const char *state)
{
	char cmd[160], line[256] = "";
	FILE *f;

	snprintf(cmd, sizeof(cmd), "ip -n %s -d neigh show %s dev va", e->a,
		 dst);
	f = popen(cmd, "r");
	if (!f)
		return false;
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	pclose(f);
	return strstr(line, state) != NULL;
}

static int route(struct env *e, const char *addr, int *ifindex)
{
	union xlb_addr a;

	if (strchr(addr, ':')) {
		a = addr6(addr);
		return xlb_route_get(e->n, &a, XLB_FAMILY_V6, ifindex);
	}
	a = addr4(addr);
	return xlb_route_get(e->n, &a, XLB_FAMILY_V4, ifindex);
}

TEST(neigh_route_get)
{
	union xlb_addr a = {};
	struct env e;
	int ifindex;

	if (!env_up(&e))
		goto out;
	if (sh("ip -n %s route add 198.19.1.0/24 via 198.18.0.2 && "
	       "ip -n %s route add unreachable 198.19.2.0/24 && "
	       "ip -n %s route add blackhole 198.19.3.0/24 && "
	       "ip -n %s route add 2001:2:0:1::/64 via 2001:2::2 && "
	       "ip -n %s route add unreachable 2001:2:0:2::/64 && "
	       "ip -n %s route add blackhole 2001:2:0:3::/64",
	       e.a, e.a, e.a, e.a, e.a, e.a))
		goto fail;

	ifindex = -1;
	ASSERT_OK(route(&e, "198.18.0.2", &ifindex), "v4 on-link");
	ASSERT_EQ(ifindex, e.ifindex, "v4 on-link ifindex");
	ASSERT_EQ(route(&e, "198.19.1.5", &ifindex), -EHOSTUNREACH,
		  "v4 via gateway");
	ASSERT_EQ(route(&e, "198.19.200.1", &ifindex), -ENETUNREACH,
		  "v4 no route");
	ASSERT_EQ(route(&e, "198.19.2.1", &ifindex), -ENETUNREACH,
		  "v4 unreachable route");
	ASSERT_EQ(route(&e, "198.19.3.1", &ifindex), -ENETUNREACH,
		  "v4 blackhole route");
	ASSERT_EQ(route(&e, "198.18.0.1", &ifindex), -EADDRNOTAVAIL,
		  "v4 own address");

	ifindex = -1;
	ASSERT_OK(route(&e, "2001:2::2", &ifindex), "v6 on-link");
	ASSERT_EQ(ifindex, e.ifindex, "v6 on-link ifindex");
	ASSERT_EQ(route(&e, "2001:2:0:1::5", &ifindex), -EHOSTUNREACH,
		  "v6 via gateway");
	ASSERT_EQ(route(&e, "2001:2:ff::1", &ifindex), -ENETUNREACH,
		  "v6 no route");
	ASSERT_EQ(route(&e, "2001:2:0:2::1", &ifindex), -ENETUNREACH,
		  "v6 unreachable route");
	ASSERT_EQ(route(&e, "2001:2:0:3::1", &ifindex), -ENETUNREACH,
		  "v6 blackhole route");
	ASSERT_EQ(route(&e, "2001:2::1", &ifindex), -EADDRNOTAVAIL,
		  "v6 own address");

	ASSERT_EQ(xlb_route_get(e.n, &a, 0, &ifindex), -EAFNOSUPPORT,
		  "bad family");
	goto out;
fail:
	xlb_test_fail(__FILE__, __LINE__, "route setup failed");
out:
	env_down(&e);
}

TEST(neigh_lookup_absent)
{
	union xlb_addr a4 = addr4("198.18.0.2"), a6 = addr6("2001:2::2");
	struct watch w;
	__u8 mac[6];
	struct env e;

	if (!env_up(&e))
		goto out;
	/* Nothing has talked yet, so the kernel has no entries. */
	ASSERT_EQ(xlb_neigh_lookup(e.n, &a4, XLB_FAMILY_V4, e.ifindex, mac),
		  -ENOENT, "v4 absent");
	ASSERT_EQ(xlb_neigh_lookup(e.n, &a6, XLB_FAMILY_V6, e.ifindex, mac),
		  -ENOENT, "v6 absent");
	ASSERT_EQ(xlb_neigh_lookup(e.n, &a4, XLB_FAMILY_V4, 99999, mac),
		  -ENODEV, "no such interface");
	/* Nothing pending: returns at once, no callback. */
	watch_init(&w, &a4, XLB_FAMILY_V4, e.ifindex, NULL);
	ASSERT_EQ(xlb_neigh_process(e.n, watch_cb, &w), 0, "idle process");
	ASSERT_EQ(w.calls, 0, "no callback");
out:
	env_down(&e);
}

static void probe_resolves(__u8 family, const char *addr)
{
	union xlb_addr a = family == XLB_FAMILY_V4 ? addr4(addr) : addr6(addr);
	struct watch w;
	__u8 mac[6];
	struct env e;

	if (!env_up(&e))
		goto out;
	if (!ASSERT_EQ(xlb_neigh_lookup(e.n, &a, family, e.ifindex, mac),
		       -ENOENT, "absent before probe"))
		goto out;
	watch_init(&w, &a, family, e.ifindex, mac_b);
	/* Only the probe can make the kernel solicit: no other traffic. */
	if (!ASSERT_OK(xlb_neigh_probe(e.n, &a, family, e.ifindex), "probe"))
		goto out;
	if (!ASSERT_OK(wait_for(e.n, &w), "callback with B's MAC"))
		goto out;
	memset(mac, 0, sizeof(mac));
	if (!ASSERT_OK(xlb_neigh_lookup(e.n, &a, family, e.ifindex, mac),
		       "lookup after probe"))
		goto out;
	ASSERT_MEMEQ(mac, 6, mac_b, 6, "resolved MAC is B's");
out:
	env_down(&e);
}

TEST(neigh_probe_v4)
{
	probe_resolves(XLB_FAMILY_V4, "198.18.0.2");
}

TEST(neigh_probe_v6)
{
	probe_resolves(XLB_FAMILY_V6, "2001:2::2");
}

static void static_changes(__u8 family, const char *addr)
{
	union xlb_addr a = family == XLB_FAMILY_V4 ? addr4(addr) : addr6(addr);
	struct watch w;
	__u8 mac[6];
	struct env e;

	if (!env_up(&e))
		goto out;

	watch_init(&w, &a, family, e.ifindex, mac_x);
	if (sh("ip -n %s neigh replace %s lladdr " MAC_X " nud permanent "
	       "dev va",
	       e.a, addr))
		goto fail;
	if (!ASSERT_OK(wait_for(e.n, &w), "static entry notified"))
		goto out;
	ASSERT_OK(xlb_neigh_lookup(e.n, &a, family, e.ifindex, mac),
		  "lookup static");
	ASSERT_MEMEQ(mac, 6, mac_x, 6, "static MAC");

	/* A refresh must not turn the admin's static entry dynamic. */
	ASSERT_OK(xlb_neigh_probe(e.n, &a, family, e.ifindex), "probe static");
	memset(mac, 0, sizeof(mac));
	ASSERT_OK(xlb_neigh_lookup(e.n, &a, family, e.ifindex, mac),
		  "lookup static after probe");
	ASSERT_MEMEQ(mac, 6, mac_x, 6, "static MAC after probe");
	ASSERT_TRUE(neigh_shows(&e, addr, "PERMANENT"), "still permanent");

	watch_init(&w, &a, family, e.ifindex, mac_y);
	if (sh("ip -n %s neigh replace %s lladdr " MAC_Y " nud permanent "
	       "dev va",
	       e.a, addr))
		goto fail;
	if (!ASSERT_OK(wait_for(e.n, &w), "changed MAC notified"))
		goto out;

	watch_init(&w, &a, family, e.ifindex, NULL);
	if (sh("ip -n %s neigh del %s dev va", e.a, addr))
		goto fail;
	if (!ASSERT_OK(wait_for(e.n, &w), "deletion notified as NULL"))
		goto out;
	ASSERT_EQ(xlb_neigh_lookup(e.n, &a, family, e.ifindex, mac), -ENOENT,
		  "lookup after delete");
	goto out;
fail:
	xlb_test_fail(__FILE__, __LINE__, "ip neigh command failed");
out:
	env_down(&e);
}

TEST(neigh_static_v4)
{
	static_changes(XLB_FAMILY_V4, "198.18.0.7");
}

TEST(neigh_static_v6)
{
	static_changes(XLB_FAMILY_V6, "2001:2::7");
}

/* A host that never answers: the entry FAILs and that is reported as NULL. */
TEST(neigh_probe_unanswered)
{
	union xlb_addr a = addr4("198.18.0.99");
	struct watch w;
	__u8 mac[6];
	struct env e;

	if (!env_up(&e))
		goto out;
	/* One solicitation, 100 ms timeout: FAILED well inside WAIT_MS. */
	if (sh("ip netns exec %s sysctl -qw net.ipv4.neigh.va.mcast_solicit=1 "
	       "net.ipv4.neigh.va.app_solicit=0 "
	       "net.ipv4.neigh.va.retrans_time_ms=100",
	       e.a))
		goto fail;

	watch_init(&w, &a, XLB_FAMILY_V4, e.ifindex, NULL);
	if (!ASSERT_OK(xlb_neigh_probe(e.n, &a, XLB_FAMILY_V4, e.ifindex),
		       "probe"))
		goto out;
	/* INCOMPLETE has no MAC: must not be reported as usable. */
	ASSERT_EQ(xlb_neigh_lookup(e.n, &a, XLB_FAMILY_V4, e.ifindex, mac),
		  -ENOENT, "incomplete is not usable");
	ASSERT_OK(wait_for(e.n, &w), "failure notified as NULL");
	ASSERT_EQ(xlb_neigh_lookup(e.n, &a, XLB_FAMILY_V4, e.ifindex, mac),
		  -ENOENT, "failed is not usable");
	goto out;
fail:
	xlb_test_fail(__FILE__, __LINE__, "sysctl failed");
out:
	env_down(&e);
}

/*
 * The daemon's periodic re-probe: a STALE entry (what XDP-only use leaves
 * behind) is re-confirmed by the kernel and becomes REACHABLE again.
 */
TEST(neigh_probe_refreshes_stale)
{
	union xlb_addr a = addr4("198.18.0.2");
	struct watch w;
	struct env e;
	long end;

	if (!env_up(&e))
		goto out;
	/* Skip the 5 s DELAY before the unicast probe, to stay bounded. */
	if (sh("ip netns exec %s sysctl -qw "
	       "net.ipv4.neigh.va.delay_first_probe_time=0",
	       e.a))
		goto fail;
	watch_init(&w, &a, XLB_FAMILY_V4, e.ifindex, mac_b);
	if (!ASSERT_OK(xlb_neigh_probe(e.n, &a, XLB_FAMILY_V4, e.ifindex),
		       "probe") ||
	    !ASSERT_OK(wait_for(e.n, &w), "resolved"))
		goto out;
	if (sh("ip -n %s neigh change 198.18.0.2 dev va nud stale", e.a))
		goto fail;
	if (!ASSERT_TRUE(neigh_shows(&e, "198.18.0.2", "STALE"),
			 "entry made stale"))
		goto out;

	ASSERT_OK(xlb_neigh_probe(e.n, &a, XLB_FAMILY_V4, e.ifindex),
		  "re-probe");
	end = now_ms() + WAIT_MS;
	while (!neigh_shows(&e, "198.18.0.2", "REACHABLE") && now_ms() < end)
		usleep(20 * 1000);
	ASSERT_TRUE(neigh_shows(&e, "198.18.0.2", "REACHABLE"),
		    "stale entry re-confirmed");
	goto out;
fail:
	xlb_test_fail(__FILE__, __LINE__, "setup command failed");
out:
	env_down(&e);
}

TEST(neigh_link_mac)
{
	__u8 mac[6] = {};
	struct env e;

	if (!env_up(&e))
		goto out;
	ASSERT_OK(xlb_link_mac(e.n, e.ifindex, mac), "va MAC");
	ASSERT_MEMEQ(mac, 6, mac_a, 6, "configured MAC of va");
	ASSERT_EQ(xlb_link_mac(e.n, if_nametoindex("lo"), mac), -EOPNOTSUPP,
		  "loopback is not Ethernet");
	ASSERT_EQ(xlb_link_mac(e.n, 99999, mac), -ENODEV, "no such interface");
out:
	env_down(&e);
}

/*
 * neigh.h tells the daemon that an interface MAC change reaches it as a
 * neighbour callback (the kernel flushes the interface's entries), which
 * is when it rereads the source MAC. Hold the kernel to that.
 */
TEST(neigh_link_mac_change)
{
	static const __u8 mac_c[6] = { 0x02, 0x78, 0x6c, 0x62, 0x00, 0x0c };
	union xlb_addr a = addr4("198.18.0.2");
	struct watch w;
	__u8 mac[6];
	struct env e;

	if (!env_up(&e))
		goto out;
	watch_init(&w, &a, XLB_FAMILY_V4, e.ifindex, mac_b);
	if (!ASSERT_OK(xlb_neigh_probe(e.n, &a, XLB_FAMILY_V4, e.ifindex),
		       "probe") ||
	    !ASSERT_OK(wait_for(e.n, &w), "resolved"))
		goto out;

	watch_init(&w, &a, XLB_FAMILY_V4, e.ifindex, NULL);
	if (sh("ip -n %s link set va address 02:78:6c:62:00:0c", e.a)) {
		xlb_test_fail(__FILE__, __LINE__, "ip link set failed");
		goto out;
	}
	ASSERT_OK(wait_for(e.n, &w), "flush notified as NULL");
	ASSERT_OK(xlb_link_mac(e.n, e.ifindex, mac), "va MAC");
	ASSERT_MEMEQ(mac, 6, mac_c, 6, "new MAC of va");
out:
	env_down(&e);
}

static int nexthop(struct env *e, const char *addr, int *ifindex,
		   union xlb_addr *nh, __u8 *nh_family)
{
	union xlb_addr a = strchr(addr, ':') ? addr6(addr) : addr4(addr);

	return xlb_route_nexthop(
		e->n, &a, strchr(addr, ':') ? XLB_FAMILY_V6 : XLB_FAMILY_V4,
		ifindex, nh, nh_family);
}

/* The neighbour bpf_fib_lookup needs: the gateway, or the host on-link. */
TEST(neigh_route_nexthop)
{
	union xlb_addr gw4 = addr4("198.18.0.2"), gw6 = addr6("2001:2::2");
	union xlb_addr on4 = addr4("198.18.0.9"), nh;
	struct env e;
	__u8 family;
	int ifindex;

	if (!env_up(&e))
		goto out;
	if (sh("ip -n %s route add 198.19.1.0/24 via 198.18.0.2 && "
	       "ip -n %s route add 2001:2:0:1::/64 via 2001:2::2 && "
	       "ip -n %s route add 198.19.4.0/24 via inet6 2001:2::2 dev va",
	       e.a, e.a, e.a)) {
		xlb_test_fail(__FILE__, __LINE__, "route setup failed");
		goto out;
	}
	ifindex = -1;
	ASSERT_OK(nexthop(&e, "198.19.1.5", &ifindex, &nh, &family),
		  "v4 via gateway");
	ASSERT_EQ(ifindex, e.ifindex, "v4 gateway ifindex");
	ASSERT_EQ(family, XLB_FAMILY_V4, "v4 gateway family");
	ASSERT_MEMEQ(&nh, sizeof(nh), &gw4, sizeof(gw4), "v4 gateway");
	ASSERT_OK(nexthop(&e, "198.18.0.9", &ifindex, &nh, &family),
		  "v4 on-link");
	ASSERT_MEMEQ(&nh, sizeof(nh), &on4, sizeof(on4), "v4 on-link: itself");
	ASSERT_OK(nexthop(&e, "2001:2:0:1::5", &ifindex, &nh, &family),
		  "v6 via gateway");
	ASSERT_EQ(family, XLB_FAMILY_V6, "v6 gateway family");
	ASSERT_MEMEQ(&nh, sizeof(nh), &gw6, sizeof(gw6), "v6 gateway");
	ASSERT_OK(nexthop(&e, "198.19.4.1", &ifindex, &nh, &family),
		  "v4 via an IPv6 gateway (RTA_VIA)");
	ASSERT_EQ(family, XLB_FAMILY_V6, "RTA_VIA gateway family");
	ASSERT_MEMEQ(&nh, sizeof(nh), &gw6, sizeof(gw6), "RTA_VIA gateway");
	ASSERT_EQ(nexthop(&e, "198.19.200.1", &ifindex, &nh, &family),
		  -ENETUNREACH, "no route");
	ASSERT_EQ(nexthop(&e, "198.18.0.1", &ifindex, &nh, &family),
		  -EADDRNOTAVAIL, "own address");
out:
	env_down(&e);
}

/* The bytes of xlbd's RTM_NEWNEIGH: tag, managed flag, MAC when given. */
TEST(neigh_managed_msg)
{
	char buf[MNL_SOCKET_BUFFER_SIZE] __attribute__((aligned(8)));
	union xlb_addr a = addr4("198.18.0.2");
	const struct nlattr *attr;
	const struct ndmsg *ndm;
	struct nlmsghdr *nlh;
	int seen = 0;

	nlh = xlb_neigh_managed_msg(buf, &a, XLB_FAMILY_V4, 7,
				    NLM_F_CREATE | NLM_F_EXCL, NUD_NONE, NULL,
				    true);
	if (!ASSERT_TRUE(nlh, "built"))
		return;
	ASSERT_EQ(nlh->nlmsg_type, RTM_NEWNEIGH, "type");
	ASSERT_EQ(nlh->nlmsg_flags, NLM_F_CREATE | NLM_F_EXCL, "flags");
	ndm = mnl_nlmsg_get_payload(nlh);
	ASSERT_EQ(ndm->ndm_family, AF_INET, "family");
	ASSERT_EQ(ndm->ndm_ifindex, 7, "ifindex");
	ASSERT_EQ(ndm->ndm_state, NUD_NONE, "state: not permanent");
	ASSERT_EQ(ndm->ndm_flags, 0, "no NTF_USE, no NTF_PROXY");
	mnl_attr_for_each(attr, nlh, sizeof(*ndm))
	{
		switch (mnl_attr_get_type(attr)) {
		case NDA_DST:
			ASSERT_MEMEQ(mnl_attr_get_payload(attr),
				     mnl_attr_get_payload_len(attr), &a.v4, 4,
				     "NDA_DST");
			seen |= 1;
			break;
		case NDA_PROTOCOL:
			ASSERT_EQ(mnl_attr_get_u8(attr), XLB_RTNL_PROTO,
				  "NDA_PROTOCOL");
			seen |= 2;
			break;
		case NDA_FLAGS_EXT:
			ASSERT_EQ(mnl_attr_get_u32(attr), NTF_EXT_MANAGED,
				  "NDA_FLAGS_EXT");
			seen |= 4;
			break;
		default:
			seen |= 8;
		}
	}
	ASSERT_EQ(seen, 7, "DST, PROTOCOL, FLAGS_EXT and nothing else");

	nlh = xlb_neigh_managed_msg(buf, &a, XLB_FAMILY_V4, 7, NLM_F_REPLACE,
				    NUD_STALE, mac_b, false);
	if (!ASSERT_TRUE(nlh, "built unmanaged"))
		return;
	seen = 0;
	mnl_attr_for_each(attr, nlh, sizeof(*ndm))
	{
		if (mnl_attr_get_type(attr) == NDA_FLAGS_EXT)
			seen |= 1;
		if (mnl_attr_get_type(attr) == NDA_LLADDR &&
		    mnl_attr_get_payload_len(attr) == 6 &&
		    !memcmp(mnl_attr_get_payload(attr), mac_b, 6))
			seen |= 2;
	}
	ASSERT_EQ(seen, 2, "MAC, no managed flag");
	ASSERT_TRUE(!xlb_neigh_managed_msg(buf, &a, 0, 7, 0, 0, NULL, true),
		    "bad family refused");
	ASSERT_TRUE(!xlb_neigh_managed_msg(buf, &a, XLB_FAMILY_V4, 0, 0, 0,
					   NULL, true),
		    "no interface refused");
}

/*
 * A managed entry is resolved by the kernel with no probe or traffic from
 * us; given up with keep it stays valid but unmanaged, is taken back, and
 * is deleted without keep. Entries of others are never changed.
 */
static void manage_cycle(__u8 family, const char *addr, const char *other)
{
	union xlb_addr a = family == XLB_FAMILY_V4 ? addr4(addr) : addr6(addr);
	union xlb_addr o =
		family == XLB_FAMILY_V4 ? addr4(other) : addr6(other);
	struct watch w;
	__u8 mac[6];
	struct env e;

	if (!env_up(&e))
		goto out;
	watch_init(&w, &a, family, e.ifindex, mac_b);
	if (!ASSERT_OK(xlb_neigh_manage(e.n, &a, family, e.ifindex),
		       "manage") ||
	    !ASSERT_OK(wait_for(e.n, &w), "resolved by the kernel alone"))
		goto out;
	ASSERT_TRUE(neigh_shows(&e, addr, "managed"), "managed flag");
	ASSERT_OK(xlb_neigh_manage(e.n, &a, family, e.ifindex),
		  "manage again: already ours");

	ASSERT_OK(xlb_neigh_unmanage(e.n, &a, family, e.ifindex, true),
		  "unmanage, keep");
	ASSERT_OK(xlb_neigh_lookup(e.n, &a, family, e.ifindex, mac),
		  "kept entry still usable");
	ASSERT_MEMEQ(mac, 6, mac_b, 6, "kept MAC");
	ASSERT_TRUE(!neigh_shows(&e, addr, "managed"), "kept: not managed");
	ASSERT_OK(xlb_neigh_manage(e.n, &a, family, e.ifindex),
		  "a kept entry of ours is taken back");
	ASSERT_TRUE(neigh_shows(&e, addr, "managed"), "managed again");
	ASSERT_OK(xlb_neigh_lookup(e.n, &a, family, e.ifindex, mac),
		  "taken back with its MAC");

	ASSERT_OK(xlb_neigh_unmanage(e.n, &a, family, e.ifindex, false),
		  "unmanage");
	ASSERT_TRUE(!neigh_shows(&e, addr, addr), "deleted");
	ASSERT_OK(xlb_neigh_unmanage(e.n, &a, family, e.ifindex, false),
		  "unmanage what is gone: 0");

	/* someone else's entries: -EEXIST, and untouched by unmanage */
	if (sh("ip -n %s neigh replace %s lladdr " MAC_X " nud permanent "
	       "dev va && ip -n %s neigh replace %s lladdr " MAC_Y
	       " nud stale dev va",
	       e.a, addr, e.a, other)) {
		xlb_test_fail(__FILE__, __LINE__, "ip neigh command failed");
		goto out;
	}
	ASSERT_EQ(xlb_neigh_manage(e.n, &a, family, e.ifindex), -EEXIST,
		  "static entry of another: not taken");
	ASSERT_EQ(xlb_neigh_manage(e.n, &o, family, e.ifindex), -EEXIST,
		  "dynamic entry of another: not taken");
	ASSERT_OK(xlb_neigh_unmanage(e.n, &a, family, e.ifindex, false),
		  "unmanage another's static entry: no-op");
	ASSERT_OK(xlb_neigh_unmanage(e.n, &o, family, e.ifindex, false),
		  "unmanage another's dynamic entry: no-op");
	ASSERT_TRUE(neigh_shows(&e, addr, "PERMANENT"), "static kept");
	ASSERT_TRUE(neigh_shows(&e, other, "STALE"), "dynamic kept");
	ASSERT_TRUE(!neigh_shows(&e, addr, "managed") &&
			    !neigh_shows(&e, other, "managed"),
		    "neither made managed");
out:
	env_down(&e);
}

TEST(neigh_manage_v4)
{
	manage_cycle(XLB_FAMILY_V4, "198.18.0.2", "198.18.0.8");
}

TEST(neigh_manage_v6)
{
	manage_cycle(XLB_FAMILY_V6, "2001:2::2", "2001:2::8");
}
