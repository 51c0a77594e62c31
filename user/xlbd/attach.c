// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Part: loading and attaching the XDP program (libxdp), adopting one that
 * a previous xlbd left running, and tearing it all down.
 */
#include <errno.h>
#include <dirent.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "log.h"
#include "xdp_find.h"
#include "xlb_abi.h" /* before the skeleton: its .bss has an ABI struct */
#include "xlb.skel.h"
#include "xlbd.h"

#define XLB_PROG_NAME "xlb_xdp"

static int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(buf, mode) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) && errno != EEXIST)
		return -errno;
	return 0;
}

/*
 * Pinning needs a BPF filesystem. When the pin directory's parent is not
 * on one (a fresh host, or a mount namespace without it), mount one there.
 */
static int mount_bpffs(const char *pin_dir)
{
	char buf[PATH_MAX], *parent;
	struct statfs st;
	int err;

	snprintf(buf, sizeof(buf), "%s", pin_dir);
	parent = dirname(buf);
	err = mkdir_p(parent, 0700);
	if (err)
		return err;
	if (statfs(parent, &st))
		return -errno;
	if (st.f_type != BPF_FS_MAGIC) {
		if (mount("bpf", parent, "bpf", 0, "mode=0700"))
			return -errno;
		pr_info("mounted a BPF filesystem at %s", parent);
	}
	err = mkdir_p(pin_dir, 0700);
	return err;
}

static int libxdp_print(enum libxdp_print_level lvl, const char *fmt,
			va_list ap)
{
	if (!xlb_log_verbose())
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* Our program on ifindex, if a previous xlbd attached it. */
static struct xdp_program *find_attached(int ifindex,
					 struct xdp_multiprog **mpp, int *err)
{
	return xlb_xdp_find(ifindex, XLB_PROG_NAME, mpp, err);
}

static const char *mode_name(enum xdp_attach_mode mode)
{
	return mode == XDP_MODE_SKB ? "generic" : "native";
}

/*
 * The data plane takes a frame on reply interface @i to its own MAC as
 * ours (before the program runs there). An older program without the
 * map checks no reply's MAC: nothing to tell it.
 */
static int set_reply_mac(struct xlbd *d, size_t i)
{
	const char *name = d->cfg.reply_ifs[i];
	__u8 mac[6];
	int err = xlb_link_mac(d->neigh, d->reply_ifindex[i], mac);

	if (err) {
		pr_err("reply interface %s: cannot read its MAC: %s", name,
		       strerror(-err));
		return err;
	}
	err = xlb_dp_iface_set(&d->dp, d->reply_ifindex[i], mac);
	if (err == -EOPNOTSUPP)
		return 0;
	if (err)
		pr_err("reply interface %s: cannot write its MAC to the data plane: %s",
		       name, strerror(-err));
	return err;
}

/*
 * reply_interfaces: the same program (its maps are the pin directory's)
 * attached to each, or kept where a previous xlbd attached it. One there
 * in another mode, or another program of ours, is refused as on the
 * interface.
 */
static int attach_replies(struct xlbd *d, struct xdp_program *prog,
			  enum xdp_attach_mode mode)
{
	char errmsg[256];

	for (size_t i = 0; i < d->cfg.n_reply_ifs; i++) {
		const char *name = d->cfg.reply_ifs[i];
		struct xdp_multiprog *mp;
		struct xdp_program *cur;
		int ifindex = if_nametoindex(name), err;

		if (!ifindex) {
			pr_err("reply interface %s: %s", name, strerror(errno));
			return -ENODEV;
		}
		d->reply_ifindex[i] = ifindex;
		err = set_reply_mac(d, i);
		if (err)
			return err;
		cur = find_attached(ifindex, &mp, &err);
		if (err == -EPERM) {
			pr_err("cannot read the XDP program attached to %s: %s",
			       name, strerror(-err));
			return err;
		}
		if (cur) {
			bool same =
				xdp_program__id(cur) == xdp_program__id(prog) &&
				xdp_multiprog__attach_mode(mp) == mode;

			if (!same)
				pr_err("reply interface %s runs XDP program id %u in %s mode, not id %u in %s mode: run xlbd --teardown first",
				       name, xdp_program__id(cur),
				       mode_name(
					       xdp_multiprog__attach_mode(mp)),
				       xdp_program__id(prog), mode_name(mode));
			else
				pr_info("adopted XDP program (id %u) on reply interface %s",
					xdp_program__id(cur), name);
			xdp_multiprog__close(mp);
			if (!same)
				return -EBUSY;
			continue;
		}
		err = xdp_program__attach(prog, ifindex, mode, 0);
		if (err) {
			libxdp_strerror(err, errmsg, sizeof(errmsg));
			pr_err("cannot attach XDP to reply interface %s in %s mode: %s",
			       name, mode_name(mode), errmsg);
			return err;
		}
		pr_info("attached XDP program (id %u) to reply interface %s",
			xdp_program__id(prog), name);
	}
	return 0;
}

int xlbd_attach(struct xlbd *d, const struct xlbd_lock_info *prev)
{
	enum xdp_attach_mode mode =
		d->cfg.xdp_generic ? XDP_MODE_SKB : XDP_MODE_NATIVE;
	DECLARE_LIBXDP_OPTS(xdp_program_opts, popts,
			    .prog_name = XLB_PROG_NAME);
	struct xdp_multiprog *mp;
	struct xdp_program *prog;
	char errmsg[256];
	int err;

	libxdp_set_print(libxdp_print);
	d->ifindex = if_nametoindex(d->cfg.interface);
	if (!d->ifindex) {
		pr_err("interface %s: %s", d->cfg.interface, strerror(errno));
		return -ENODEV;
	}
	err = xlb_link_mac(d->neigh, d->ifindex, d->if_mac);
	if (err) {
		pr_err("interface %s: cannot read its MAC: %s",
		       d->cfg.interface, strerror(-err));
		return err;
	}
	err = mount_bpffs(d->cfg.pin_dir);
	if (err) {
		pr_err("pin directory %s: %s", d->cfg.pin_dir, strerror(-err));
		return err;
	}

	/* the maps are the pin directory's: one interface serves them */
	if (prev->ifindex && prev->ifindex != d->ifindex &&
	    xlbd_lock_same_netns(prev) &&
	    (prog = find_attached(prev->ifindex, &mp, &err))) {
		pr_err("pin directory %s still serves interface %s (XDP program id %u attached); the config says %s: run xlbd --teardown with the old config first (it stops forwarding)",
		       d->cfg.pin_dir, prev->ifname, xdp_program__id(prog),
		       d->cfg.interface);
		xdp_multiprog__close(mp);
		return -EBUSY;
	}
	prog = find_attached(d->ifindex, &mp, &err);
	if (err == -EPERM) {
		pr_err("cannot read the XDP program attached to %s: %s; adopting a running program needs CAP_SYS_ADMIN (xlbd(8), CAPABILITIES)",
		       d->cfg.interface, strerror(-err));
		return err;
	}
	if (prog && xdp_multiprog__attach_mode(mp) != mode) {
		/* libxdp cannot move a running program between modes */
		pr_err("XDP program id %u runs on %s in %s mode; the config says xdp_mode: %s: run xlbd --teardown first (it stops forwarding), then start",
		       xdp_program__id(prog), d->cfg.interface,
		       xdp_multiprog__attach_mode(mp) == XDP_MODE_SKB
			       ? "generic"
			       : "native",
		       mode == XDP_MODE_SKB ? "generic" : "native");
		xdp_multiprog__close(mp);
		return -EBUSY;
	}
	if (prog) {
		/* hot restart: keep the running program, take its maps */
		err = xlb_dp_open_pinned(&d->dp, d->cfg.pin_dir);
		if (!err)
			err = xlb_dp_adopt_prog(&d->dp, xdp_program__fd(prog));
		if (!err) {
			pr_info("adopted running XDP program (id %u) on %s",
				xdp_program__id(prog), d->cfg.interface);
			if (d->bpf_object)
				pr_warn("--bpf-object %s not loaded: the running program stays (xlbd --teardown first to load another)",
					d->bpf_object);
			err = attach_replies(d, prog, mode);
			xdp_multiprog__close(mp);
			return err;
		}
		pr_err("XDP program attached to %s but its maps are not pinned in %s (%s); run xlbd --teardown first",
		       d->cfg.interface, d->cfg.pin_dir, strerror(-err));
		xdp_multiprog__close(mp);
		return err;
	}

	err = xlb_dp_open_obj(&d->dp, d->cfg.pin_dir, d->bpf_object, errmsg,
			      sizeof(errmsg));
	if (err) {
		pr_err("cannot open the XDP object %s: %s",
		       d->bpf_object ?: "compiled into xlbd", errmsg);
		return err;
	}
	popts.obj = d->dp.skel->obj;
	prog = xdp_program__create(&popts);
	err = libxdp_get_error(prog);
	if (err) {
		libxdp_strerror(err, errmsg, sizeof(errmsg));
		pr_err("cannot create the XDP program: %s", errmsg);
		return err;
	}
	err = xdp_program__attach(prog, d->ifindex, mode, 0);
	if (err) {
		libxdp_strerror(err, errmsg, sizeof(errmsg));
		pr_err("cannot attach XDP to %s in %s mode: %s%s",
		       d->cfg.interface,
		       mode == XDP_MODE_NATIVE ? "native" : "generic", errmsg,
		       err == -EPERM
			       ? "; attaching needs CAP_NET_ADMIN (xlbd(8), CAPABILITIES)"
		       : mode == XDP_MODE_NATIVE
			       ? "; the driver may lack native XDP: try xdp_mode: generic"
			       : "");
		xdp_program__close(prog);
		return err;
	}
	err = xlb_dp_loaded(&d->dp);
	pr_info("attached XDP program (id %u) to %s in %s mode, object %s",
		xdp_program__id(prog), d->cfg.interface,
		mode == XDP_MODE_NATIVE ? "native" : "generic",
		d->bpf_object ?: "compiled into xlbd");
	err = err ?: attach_replies(d, prog, mode);
	/* the program stays attached after we exit; only detach drops it */
	xdp_program__close(prog);
	return err;
}

bool xlbd_attached(struct xlbd *d)
{
	struct xdp_multiprog *mp;
	int err;
	bool on = find_attached(d->ifindex, &mp, &err) != NULL;

	if (mp)
		xdp_multiprog__close(mp);
	return on;
}

int xlbd_attach_teardown(const struct xlb_config *c)
{
	struct xdp_multiprog *mp;
	struct xdp_program *prog;
	char path[PATH_MAX];
	int ifindex, err = 0;
	struct dirent *de;
	DIR *dir;

	libxdp_set_print(libxdp_print);
	ifindex = if_nametoindex(c->interface);
	prog = ifindex ? find_attached(ifindex, &mp, &err) : NULL;
	if (err == -EPERM) {
		/* the maps stay too: a program without them would not forward */
		pr_err("cannot read the XDP program attached to %s: %s; --teardown needs CAP_SYS_ADMIN (xlbd(8), CAPABILITIES)",
		       c->interface, strerror(-err));
		return err;
	}
	if (prog) {
		err = xlb_xdp_detach(mp, prog, ifindex);
		if (err)
			pr_warn("cannot detach from %s: %s", c->interface,
				strerror(-err));
		else
			pr_info("detached XDP program from %s", c->interface);
		xdp_multiprog__close(mp);
	}
	for (size_t i = 0; i < c->n_reply_ifs; i++) {
		int e = 0, idx = if_nametoindex(c->reply_ifs[i]);

		prog = idx ? find_attached(idx, &mp, &e) : NULL;
		if (!prog)
			continue;
		e = xlb_xdp_detach(mp, prog, idx);
		if (e)
			pr_warn("cannot detach from %s: %s", c->reply_ifs[i],
				strerror(-e));
		else
			pr_info("detached XDP program from %s",
				c->reply_ifs[i]);
		xdp_multiprog__close(mp);
		err = err ?: e;
	}
	dir = opendir(c->pin_dir);
	if (dir) {
		while ((de = readdir(dir))) {
			if (strncmp(de->d_name, "xlb_", 4))
				continue;
			snprintf(path, sizeof(path), "%s/%s", c->pin_dir,
				 de->d_name);
			if (unlink(path))
				pr_warn("cannot remove %s: %s", path,
					strerror(errno));
		}
		closedir(dir);
		if (rmdir(c->pin_dir) && errno != ENOENT)
			pr_warn("cannot remove %s: %s", c->pin_dir,
				strerror(errno));
		else
			pr_info("removed pinned maps in %s", c->pin_dir);
	}
	return err;
}
