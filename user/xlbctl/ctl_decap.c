// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xlbctl decap: the loader of the backends' decapsulator; see ctl_decap.h.
 *
 * The program's map xlb_decap_addrs (include/xlb_decap.h) holds the host's
 * own addresses, read with getifaddrs() when attaching, and the VIPs given
 * with --vip. One object, two programs: the XDP one (--mode xdp or
 * generic, through libxdp) or the tc one (--mode tc: the clsact ingress
 * filter with handle XLB_DECAP_TC_HANDLE and priority XLB_DECAP_TC_PRIO,
 * so detach removes that filter and no other). The program stays attached
 * after xlbctl exits and keeps its maps (nothing is pinned); attach on an
 * interface that already runs it, in whichever mode, rewrites the running
 * program's map in place (new entries first, then the stale ones go), so
 * re-running it after an address change never drops a packet.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "ctl_decap.h"
#include "opts.h"
#include "tc_hook.h"
#include "xdp_find.h"
#include "xlb_decap.h"
#include "xlb_decap.skel.h"
#include "xlb_util.h"

#define MAX_VIPS 1024

enum decap_mode {
	DECAP_XDP,
	DECAP_GENERIC,
	DECAP_TC
};
static const char *const mode_names[] = {
	[DECAP_XDP] = "xdp",
	[DECAP_GENERIC] = "generic",
	[DECAP_TC] = "tc",
};

struct addr_set {
	struct xlb_decap_key key[XLB_DECAP_MAX_ADDRS];
	__u32 flags[XLB_DECAP_MAX_ADDRS];
	int n;
};

void xlb_decap_usage(FILE *f)
{
	fputs("Usage: xlbctl decap attach DEV --vip ADDR [--vip ADDR ...] [--mode xdp|generic|tc] [--gue-port N]\n"
	      "       xlbctl decap detach DEV\n"
	      "       xlbctl decap status DEV\n"
	      "\n"
	      "The backends' decapsulator (no xlbd needed): strips xlb's ipip and gue\n"
	      "headers from frames to one of this host's addresses whose inner\n"
	      "destination is a --vip, and passes the inner packet to the stack\n"
	      "(the VIP goes on lo). Host addresses are read when attaching: run\n"
	      "attach again after changing them (it updates the running program).\n"
	      "--mode xdp (the default; native XDP), generic (XDP in the kernel's\n"
	      "generic mode) or tc (a tc ingress filter: for drivers without XDP or\n"
	      "an interface that runs another XDP program).\n",
	      f);
}

static int fail(const char *fmt, const char *a, const char *b)
{
	fputs("Error: ", stderr);
	fprintf(stderr, fmt, a, b);
	fputc('\n', stderr);
	return 1;
}

static int set_add(struct addr_set *s, __u8 family, const void *addr,
		   __u32 flag)
{
	struct xlb_decap_key k = { .family = family };

	memcpy(&k.addr, addr, family == XLB_FAMILY_V4 ? 4 : 16);
	for (int i = 0; i < s->n; i++) {
		if (!memcmp(&s->key[i], &k, sizeof(k))) {
			s->flags[i] |= flag;
			return 0;
		}
	}
	if (s->n == XLB_DECAP_MAX_ADDRS)
		return -E2BIG;
	s->key[s->n] = k;
	s->flags[s->n++] = flag;
	return 0;
}

static int parse_addr(const char *str, __u8 *family, union xlb_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, str, &a->v4) == 1)
		*family = XLB_FAMILY_V4;
	else if (inet_pton(AF_INET6, str, a->bytes) == 1)
		*family = XLB_FAMILY_V6;
	else
		return -EINVAL;
	return 0;
}

/* Every address of every interface in this network namespace. */
static int add_local(struct addr_set *s)
{
	struct ifaddrs *ifa, *i;
	int err = 0;

	if (getifaddrs(&ifa))
		return -errno;
	for (i = ifa; i && !err; i = i->ifa_next) {
		if (!i->ifa_addr)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			err = set_add(
				s, XLB_FAMILY_V4,
				&((struct sockaddr_in *)i->ifa_addr)->sin_addr,
				XLB_DECAP_LOCAL);
		else if (i->ifa_addr->sa_family == AF_INET6)
			err = set_add(s, XLB_FAMILY_V6,
				      &((struct sockaddr_in6 *)i->ifa_addr)
					       ->sin6_addr,
				      XLB_DECAP_LOCAL);
	}
	freeifaddrs(ifa);
	return err;
}

/* Map fd of the map called name of the program pfd, or -errno. */
static int prog_map(int pfd, const char *name)
{
	__u32 ids[16], n = 16;
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd;

	info.nr_map_ids = n;
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(pfd, &info, &len))
		return -errno;
	if (info.nr_map_ids < n)
		n = info.nr_map_ids;
	for (__u32 i = 0; i < n; i++) {
		struct bpf_map_info mi = {};
		__u32 mlen = sizeof(mi);

		fd = bpf_map_get_fd_by_id(ids[i]);
		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &mi, &mlen) &&
		    !strcmp(mi.name, name))
			return fd;
		close(fd);
	}
	return -ENOENT;
}

/* Make the map hold exactly s: add and update first, then delete. */
static int map_sync(int fd, const struct addr_set *s)
{
	struct xlb_decap_key k, next, *prev = NULL;

	for (int i = 0; i < s->n; i++)
		if (bpf_map_update_elem(fd, &s->key[i], &s->flags[i], BPF_ANY))
			return -errno;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		bool keep = false;

		for (int i = 0; i < s->n && !keep; i++)
			keep = !memcmp(&s->key[i], &next, sizeof(next));
		k = next;
		prev = &k;
		if (!keep && !bpf_map_delete_elem(fd, &next))
			prev = NULL; /* deleted: start over */
	}
	return 0;
}

static int ifindex_of(const char *dev)
{
	int ifindex = if_nametoindex(dev);

	if (!ifindex)
		fail("interface %s: %s", dev, strerror(errno));
	return ifindex;
}

/* Where tc mode attaches on ifindex (include/xlb_decap.h). */
static struct xlb_tc_filter tc_filter(int ifindex)
{
	return (struct xlb_tc_filter){ .ifindex = ifindex,
				       .where = BPF_TC_INGRESS,
				       .handle = XLB_DECAP_TC_HANDLE,
				       .prio = XLB_DECAP_TC_PRIO };
}

/* The decapsulator on an interface: in an XDP mode or in tc mode. */
struct running {
	int ifindex;
	struct xdp_multiprog *mp; /* XDP: the interface's programs */
	struct xdp_program *xdp;  /* XDP: ours, else NULL */
	int tc_fd;		  /* tc: our filter's program, else -1 */
	__u32 tc_id;
};

static bool is_running(const struct running *r)
{
	return r->xdp || r->tc_fd >= 0;
}

static enum decap_mode running_mode(const struct running *r)
{
	if (!r->xdp)
		return DECAP_TC;
	return xdp_multiprog__attach_mode(r->mp) == XDP_MODE_SKB ? DECAP_GENERIC
								 : DECAP_XDP;
}

static int running_fd(const struct running *r)
{
	return r->xdp ? xdp_program__fd(r->xdp) : r->tc_fd;
}

static __u32 running_id(const struct running *r)
{
	return r->xdp ? xdp_program__id(r->xdp) : r->tc_id;
}

static void running_close(struct running *r)
{
	if (r->xdp)
		xdp_multiprog__close(r->mp);
	if (r->tc_fd >= 0)
		close(r->tc_fd);
}

/* Is the program fd called name? */
static bool prog_named(int fd, const char *name)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);

	return !bpf_obj_get_info_by_fd(fd, &info, &len) &&
	       !strcmp(info.name, name);
}

/*
 * The decapsulator on dev into *r (none at all is no error). 1
 * (reported): dev or its programs cannot be read, or our tc filter's
 * place holds another program.
 */
static int find(const char *dev, struct running *r)
{
	struct xlb_tc_filter f;
	long long id;
	int err;

	*r = (struct running){ .tc_fd = -1 };
	r->ifindex = ifindex_of(dev);
	if (!r->ifindex)
		return 1;
	r->xdp = xlb_xdp_find(r->ifindex, XLB_DECAP_PROG_NAME, &r->mp, &err);
	if (err && err != -ENOENT)
		return fail("reading the XDP programs of %s: %s", dev,
			    strerror(-err));
	if (r->xdp)
		return 0;
	f = tc_filter(r->ifindex);
	id = xlb_tc_prog_id(&f);
	if (id < 0)
		return fail("reading the tc filters of %s: %s", dev,
			    strerror((int)-id));
	if (!id)
		return 0;
	r->tc_fd = bpf_prog_get_fd_by_id((__u32)id);
	if (r->tc_fd < 0)
		return fail("reading the tc filters of %s: %s", dev,
			    strerror(errno));
	if (!prog_named(r->tc_fd, XLB_DECAP_TC_PROG_NAME)) {
		close(r->tc_fd);
		r->tc_fd = -1;
		return fail(
			"the tc ingress filter of %s with the decapsulator's handle and priority is another program: %s",
			dev, "remove it or leave tc mode");
	}
	r->tc_id = (__u32)id;
	return 0;
}

/* find(), and there must be a decapsulator. */
static int find_running(const char *dev, struct running *r)
{
	if (find(dev, r))
		return 1;
	if (!is_running(r))
		return fail("no decapsulator on %s%s", dev, "");
	return 0;
}

static int print_quiet(enum libxdp_print_level lvl, const char *fmt, va_list ap)
{
	return 0;
}

/* A running decapsulator takes the new addresses in place. */
static int update(const char *dev, struct running *r, enum decap_mode mode,
		  const struct addr_set *s)
{
	int fd = prog_map(running_fd(r), "xlb_decap_addrs"), err;

	if (fd < 0)
		return fail("the decapsulator on %s: no map: %s", dev,
			    strerror(-fd));
	err = map_sync(fd, s);
	close(fd);
	if (err)
		return fail("updating the decapsulator's addresses on %s: %s",
			    dev, strerror(-err));
	printf("decapsulator on %s (id %u, %s mode): %d addresses updated%s\n",
	       dev, running_id(r), mode_names[running_mode(r)], s->n,
	       running_mode(r) != mode
		       ? " (it keeps its mode: detach first to change it)"
		       : "");
	return 0;
}

/*
 * tc mode: the object loaded here, its addresses filled before the
 * filter sees a frame; the filter keeps the program (and its maps) after
 * xlbctl exits.
 */
static int attach_tc(const char *dev, int ifindex, struct xlb_decap_bpf *skel,
		     const struct addr_set *s)
{
	struct xlb_tc_filter f = tc_filter(ifindex);
	int err;

	bpf_program__set_autoload(skel->progs.xlb_decap, false);
	if (xlb_decap_bpf__load(skel))
		return fail("cannot load the decapsulator: %s%s",
			    strerror(errno), "");
	err = map_sync(bpf_map__fd(skel->maps.xlb_decap_addrs), s);
	if (err)
		return fail("filling the decapsulator's addresses: %s%s",
			    strerror(-err), "");
	err = xlb_tc_attach(&f, bpf_program__fd(skel->progs.xlb_decap_tc),
			    false);
	if (err)
		return fail(
			"cannot attach the decapsulator to %s (tc ingress): %s",
			dev, strerror(-err));
	return 0;
}

static int attach_xdp(const char *dev, int ifindex, enum xdp_attach_mode mode,
		      struct xlb_decap_bpf *skel, const struct addr_set *s)
{
	DECLARE_LIBXDP_OPTS(xdp_program_opts, popts,
			    .prog_name = XLB_DECAP_PROG_NAME);
	struct xdp_program *prog;
	char errmsg[256];
	int err, fd, ret = 1;

	bpf_program__set_autoload(skel->progs.xlb_decap_tc, false);
	popts.obj = skel->obj;
	prog = xdp_program__create(&popts);
	err = libxdp_get_error(prog);
	if (err) {
		libxdp_strerror(err, errmsg, sizeof(errmsg));
		return fail("cannot load the decapsulator: %s%s", errmsg, "");
	}
	err = xdp_program__attach(prog, ifindex, mode, 0);
	if (err) {
		libxdp_strerror(err, errmsg, sizeof(errmsg));
		fail("cannot attach the decapsulator to %s: %s", dev, errmsg);
		if (mode == XDP_MODE_NATIVE)
			fputs("Hint: the driver may lack native XDP: try --mode tc (or --mode generic)\n",
			      stderr);
		goto out;
	}
	/*
	 * libxdp loads the object when attaching, so the maps exist only
	 * now; until they are filled every frame passes, as without us.
	 */
	fd = bpf_map__fd(skel->maps.xlb_decap_addrs);
	err = fd < 0 ? fd : map_sync(fd, s);
	if (err) {
		fail("filling the decapsulator's addresses: %s%s",
		     strerror(-err), "");
		xdp_program__detach(prog, ifindex, mode, 0);
		goto out;
	}
	ret = 0;
out:
	xdp_program__close(prog);
	return ret;
}

static int attach(const char *dev, enum decap_mode mode, __u16 port,
		  struct addr_set *s)
{
	struct xlb_decap_bpf *skel;
	struct running r;
	int err, ret;

	if (find(dev, &r))
		return 1;
	err = add_local(s);
	if (err) {
		running_close(&r);
		return fail("reading the host's addresses: %s%s",
			    strerror(-err), "");
	}
	if (is_running(&r)) {
		/* running: its GUE port is read-only, its addresses not */
		ret = update(dev, &r, mode, s);
		running_close(&r);
		return ret;
	}
	skel = xlb_decap_bpf__open();
	if (!skel)
		return fail("cannot open the decapsulator: %s%s",
			    strerror(errno), "");
	skel->rodata->gue_port = port;
	ret = mode == DECAP_TC ? attach_tc(dev, r.ifindex, skel, s)
			       : attach_xdp(dev, r.ifindex,
					    mode == DECAP_XDP ? XDP_MODE_NATIVE
							      : XDP_MODE_SKB,
					    skel, s);
	if (!ret)
		ret = find_running(dev, &r);
	if (!ret) {
		printf("decapsulator attached to %s (id %u, %s mode, GUE port %u): %d addresses\n",
		       dev, running_id(&r), mode_names[running_mode(&r)], port,
		       s->n);
		running_close(&r);
	}
	xlb_decap_bpf__destroy(skel);
	return ret;
}

static int detach(const char *dev)
{
	struct xlb_tc_filter f;
	enum decap_mode mode;
	struct running r;
	int err;

	if (find_running(dev, &r))
		return 1;
	mode = running_mode(&r);
	f = tc_filter(r.ifindex);
	err = r.xdp ? xlb_xdp_detach(r.mp, r.xdp, r.ifindex)
		    : xlb_tc_detach(&f);
	running_close(&r);
	if (err)
		return fail("cannot detach from %s: %s", dev, strerror(-err));
	printf("decapsulator detached from %s (%s mode)\n", dev,
	       mode_names[mode]);
	return 0;
}

static __u64 stat_sum(int fd, __u32 idx)
{
	int n = libbpf_num_possible_cpus();
	__u64 sum = 0, *v;

	if (n <= 0 || !(v = calloc(n, sizeof(*v))))
		return 0;
	if (!bpf_map_lookup_elem(fd, &idx, v))
		for (int i = 0; i < n; i++)
			sum += v[i];
	free(v);
	return sum;
}

static int status(const char *dev, bool json, FILE *out)
{
	static const char *const names[XLB_DECAP_NR_COUNTERS] = {
		[XLB_DECAP_STRIPPED] = "stripped",
		[XLB_DECAP_NOT_LOCAL] = "not_local",
		[XLB_DECAP_NOT_VIP] = "not_vip",
		[XLB_DECAP_MALFORMED] = "malformed",
		[XLB_DECAP_FAILED] = "failed",
	};
	struct xlb_decap_key k, *prev = NULL;
	char buf[INET6_ADDRSTRLEN];
	struct running r;
	bool first = true;
	int afd, sfd;
	__u32 v;

	if (find_running(dev, &r))
		return 1;
	afd = prog_map(running_fd(&r), "xlb_decap_addrs");
	sfd = prog_map(running_fd(&r), "xlb_decap_stats");
	fprintf(out,
		json ? "{\"interface\":\"%s\",\"id\":%u,\"mode\":\"%s\",\"vips\":["
		     : "decapsulator on %s: id %u, %s mode\n  VIPs:",
		dev, running_id(&r), mode_names[running_mode(&r)]);
	while (afd >= 0 && !bpf_map_get_next_key(afd, prev, &k)) {
		prev = &k;
		if (bpf_map_lookup_elem(afd, &k, &v) || !(v & XLB_DECAP_VIP))
			continue;
		inet_ntop(k.family == XLB_FAMILY_V4 ? AF_INET : AF_INET6,
			  &k.addr, buf, sizeof(buf));
		fprintf(out, json ? "%s\"%s\"" : "%s%s",
			json ? (first ? "" : ",") : " ", buf);
		first = false;
	}
	fputs(json ? "]" : "\n", out);
	for (int i = 0; i < XLB_DECAP_NR_COUNTERS; i++)
		fprintf(out, json ? ",\"%s\":%llu" : "  %s %llu\n", names[i],
			(unsigned long long)(sfd < 0 ? 0 : stat_sum(sfd, i)));
	if (json)
		fputs("}\n", out);
	if (afd >= 0)
		close(afd);
	if (sfd >= 0)
		close(sfd);
	running_close(&r);
	return 0;
}

int xlb_decap_cli(int argc, char **argv, bool json, FILE *out)
{
	enum decap_mode mode = DECAP_XDP;
	const char *mode_arg = NULL, *sub, *dev;
	unsigned long long port = 6080;
	const struct xlb_opt opts[] = {
		{ "vip", 'v', false, "ADDR", "a VIP (repeatable)" },
		{ "mode", 'm', false, "MODE", "xdp, generic or tc",
		  .str = &mode_arg },
		{ "gue-port", 'p', false, "N", "the GUE port (6080)",
		  .num = &port, .min = 1, .max = 65535 },
		{ "help", 'h', true, NULL, "this help" },
	};
	struct xlb_opts o = { "xlbctl decap", opts, ARRAY_SIZE(opts) };
	struct addr_set *s = NULL;
	int c, nvip = 0, ret = 1;
	union xlb_addr a;
	__u8 fam;

	libxdp_set_print(print_quiet);
	libbpf_set_print(NULL);
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		xlb_decap_usage(argc < 2 ? stderr : stdout);
		return argc < 2;
	}
	sub = argv[1];
	s = calloc(1, sizeof(*s));
	if (!s)
		return fail("%s%s", strerror(errno), "");
	/* after "decap": SUB [options and DEV in any order] */
	argc--;
	argv++;
	optind = 0;
	while ((c = xlb_opts_next(&o, argc, argv)) != -1) {
		switch (c) {
		case 'v':
			if (parse_addr(optarg, &fam, &a)) {
				fail("argument \"%s\" is wrong: %s", optarg,
				     "not an IPv4 or IPv6 address");
				goto out;
			}
			if (nvip++ == MAX_VIPS ||
			    set_add(s, fam, &a, XLB_DECAP_VIP)) {
				fail("argument \"%s\" is wrong: %s", optarg,
				     "too many VIPs");
				goto out;
			}
			break;
		case 'h':
			xlb_decap_usage(stdout);
			ret = 0;
			goto out;
		default:
			fail("argument \"%s\" is wrong: %s", o.bad, o.why);
			goto out;
		}
	}
	if (!mode_arg || !strcmp(mode_arg, "xdp") ||
	    !strcmp(mode_arg, "native")) {
		mode = DECAP_XDP;
	} else if (!strcmp(mode_arg, "generic") || !strcmp(mode_arg, "skb")) {
		mode = DECAP_GENERIC;
	} else if (!strcmp(mode_arg, "tc")) {
		mode = DECAP_TC;
	} else {
		fail("argument \"%s\" is wrong: %s", mode_arg,
		     "--mode is xdp, generic (XDP in the kernel's generic mode) or tc");
		goto out;
	}
	if (optind == argc) {
		fail("xlbctl decap %s: %s", sub,
		     "DEV (the interface) is missing");
		goto out;
	}
	if (optind != argc - 1) {
		fail("argument \"%s\" is wrong: %s", argv[optind + 1],
		     "one interface, DEV");
		goto out;
	}
	dev = argv[optind];
	if (!strcmp(sub, "attach")) {
		if (!nvip) {
			fail("xlbctl decap attach: %s%s",
			     "at least one --vip (the program strips only for VIPs)",
			     "");
			goto out;
		}
		ret = attach(dev, mode, (__u16)port, s);
	} else if (nvip || mode_arg || port != 6080) {
		fail("xlbctl decap %s: %s", sub,
		     "--vip, --mode and --gue-port are for attach");
	} else if (!strcmp(sub, "detach")) {
		ret = detach(dev);
	} else if (!strcmp(sub, "status")) {
		ret = status(dev, json, out);
	} else {
		fail("argument \"%s\" is wrong: %s", sub,
		     "attach, detach or status");
	}
out:
	free(s);
	return ret;
}
