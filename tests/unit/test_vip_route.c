// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * VIP routes against a real kernel, in a namespace of the test's own: what
 * `ip route show table N` (and so BIRD) sees after announce and withdraw,
 * and that xlbd finds its own routes again and only those. Needs root.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vip_route.h"
#include "../lib/test.h"

#define TABLE 4242

struct seen {
	int n;
	char s[8][64];
};

static void on_route(void *ctx, const union xlb_addr *vip, __u8 family,
		     bool backup)
{
	struct seen *sn = ctx;

	if (sn->n < 8) {
		inet_ntop(family == XLB_FAMILY_V4 ? AF_INET : AF_INET6,
			  vip->bytes, sn->s[sn->n], 64);
		if (backup)
			strcat(sn->s[sn->n], " backup");
		sn->n++;
	}
}

/* Output of a shell command (first 4 KiB). */
static void cmd_out(const char *cmd, char *buf, size_t len)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0;

	buf[0] = '\0';
	if (!p)
		return;
	n = fread(buf, 1, len - 1, p);
	buf[n] = '\0';
	pclose(p);
}

TEST(vip_route_announce_withdraw)
{
	union xlb_addr v4 = {}, v6 = {}, b4 = {};
	struct xlb_neigh *n = NULL;
	char ns[64], path[192], out[4096];
	struct seen sn = {};
	int self = -1, fd;

	if (geteuid() != 0) {
		xlb_test_skip("needs root for network namespaces");
		return;
	}
	snprintf(ns, sizeof(ns), "xlbr-%d", (int)getpid());
	snprintf(path, sizeof(path),
		 "ip netns add %s && ip -n %s link set lo up", ns, ns);
	if (!ASSERT_OK(system(path), "namespace"))
		goto out;
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	snprintf(path, sizeof(path), "/run/netns/%s", ns);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (!ASSERT_TRUE(self >= 0 && fd >= 0, "open namespaces") ||
	    !ASSERT_OK(setns(fd, CLONE_NEWNET), "setns")) {
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	n = xlb_neigh_open();
	if (!ASSERT_TRUE(n, "xlb_neigh_open"))
		goto out;
	inet_pton(AF_INET, "198.51.100.7", &v4.v4);
	inet_pton(AF_INET, "198.51.100.8", &b4.v4);
	inet_pton(AF_INET6, "2001:db8:f::7", v6.bytes);

	/* someone else's route in the same table is not ours to list */
	ASSERT_OK(system("ip route add 203.0.113.9/32 dev lo table 4242"),
		  "foreign route");
	ASSERT_OK(xlb_vip_route_add(n, TABLE, &v4, XLB_FAMILY_V4, false),
		  "add v4");
	ASSERT_OK(xlb_vip_route_add(n, TABLE, &v6, XLB_FAMILY_V6, false),
		  "add v6");
	ASSERT_OK(xlb_vip_route_add(n, TABLE, &v4, XLB_FAMILY_V4, false),
		  "add again replaces");
	ASSERT_OK(xlb_vip_route_add(n, TABLE, &b4, XLB_FAMILY_V4, true),
		  "add a backup");
	cmd_out("ip route show table 4242; ip -6 route show table 4242", out,
		sizeof(out));
	ASSERT_CONTAINS(out, "198.51.100.7 dev lo proto 177 scope link",
			"v4 route in the table");
	ASSERT_CONTAINS(out, "2001:db8:f::7 dev lo proto 177",
			"v6 route in the table");
	ASSERT_CONTAINS(out,
			"198.51.100.8 dev lo proto 177 scope link metric 2048",
			"backup route with its metric");
	cmd_out("ip route show table main", out, sizeof(out));
	ASSERT_TRUE(!strstr(out, "198.51.100.7"), "main table untouched");

	ASSERT_OK(xlb_vip_route_list(n, TABLE, on_route, &sn), "list");
	ASSERT_EQ(sn.n, 3, "all of ours, not the foreign one");
	ASSERT_STREQ(sn.s[0], "198.51.100.7", "v4 listed");
	ASSERT_STREQ(sn.s[1], "198.51.100.8 backup", "backup listed as one");
	ASSERT_STREQ(sn.s[2], "2001:db8:f::7", "v6 listed");

	ASSERT_OK(xlb_vip_route_del(n, TABLE, &v4, XLB_FAMILY_V4, false),
		  "del v4");
	ASSERT_OK(xlb_vip_route_del(n, TABLE, &v4, XLB_FAMILY_V4, false),
		  "del of a withdrawn VIP is fine");
	ASSERT_OK(xlb_vip_route_del(n, TABLE, &b4, XLB_FAMILY_V4, true),
		  "del the backup");
	ASSERT_OK(xlb_vip_route_del(n, TABLE, &v6, XLB_FAMILY_V6, false),
		  "del v6");
	cmd_out("ip route show table 4242; ip -6 route show table 4242", out,
		sizeof(out));
	ASSERT_TRUE(!strstr(out, "198.51.100.7") &&
			    !strstr(out, "198.51.100.8") &&
			    !strstr(out, "2001:db8:f"),
		    "withdrawn");
	ASSERT_CONTAINS(out, "203.0.113.9", "foreign route stays");
	sn.n = 0;
	ASSERT_OK(xlb_vip_route_list(n, TABLE, on_route, &sn), "list");
	ASSERT_EQ(sn.n, 0, "nothing of ours left");
out:
	xlb_neigh_close(n);
	if (self >= 0) {
		if (setns(self, CLONE_NEWNET))
			perror("setns back");
		close(self);
	}
	snprintf(path, sizeof(path), "ip netns del %s 2>/dev/null", ns);
	if (system(path))
		fprintf(stderr, "    cannot delete %s\n", ns);
}
