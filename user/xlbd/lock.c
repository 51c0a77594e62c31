// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Part: one daemon per data plane. Before xlbd touches the pin directory
 * or the interface it takes an flock on a file named after each of them
 * in XLBD_LOCK_DIR. The kernel drops the lock when the process dies, so a
 * crash never leaves a stale lock; the file itself stays and keeps what
 * the last holder wrote (pid, socket, interface), which is how a second
 * daemon names the first one and how a restart sees that the interface
 * moved.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "log.h"
#include "xlbd.h"

/* "pin-sys-fs-bpf-xlb": the path, '/' as '-', anything odd as %XX */
static void lock_name(char *buf, size_t len, const char *kind, const char *key)
{
	size_t n = snprintf(buf, len, "%s/%s", XLBD_LOCK_DIR, kind);

	for (const char *p = key; *p && n + 4 < len; p++) {
		unsigned char ch = *p;

		if (ch == '/')
			buf[n++] = '-';
		else if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			 (ch >= '0' && ch <= '9') || ch == '.' || ch == '_')
			buf[n++] = ch;
		else
			n += snprintf(buf + n, len - n, "%%%02X", ch);
	}
	buf[n < len ? n : len - 1] = 0;
}

/* The current network namespace's inode: interface names are per netns. */
static unsigned long netns_ino(void)
{
	struct stat st;

	return stat("/proc/self/ns/net", &st) ? 0 : (unsigned long)st.st_ino;
}

static void read_holder(int fd, struct xlbd_lock_info *li)
{
	char buf[512];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	char *line, *save = NULL;

	memset(li, 0, sizeof(*li));
	if (n <= 0)
		return;
	buf[n] = 0;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		sscanf(line, "pid %d", &li->pid);
		sscanf(line, "socket %107s", li->socket);
		sscanf(line, "interface %15s", li->ifname);
		sscanf(line, "ifindex %d", &li->ifindex);
		sscanf(line, "netns %lu", &li->netns);
	}
}

/*
 * Take the lock called kind+key. -EBUSY when another process holds it
 * (*prev then says who); else 0 and *prev is what the last holder left.
 */
static int lock_one(const char *kind, const char *key, int *fdp,
		    struct xlbd_lock_info *prev, char *path, size_t pathlen)
{
	int fd;

	lock_name(path, pathlen, kind, key);
	if (mkdir(XLBD_LOCK_DIR, 0755) && errno != EEXIST)
		return -errno;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = errno == EWOULDBLOCK ? -EBUSY : -errno;

		read_holder(fd, prev);
		close(fd);
		return err;
	}
	read_holder(fd, prev);
	*fdp = fd;
	return 0;
}

static void write_holder(int fd, const struct xlbd *d)
{
	char buf[512];
	int n = snprintf(
		buf, sizeof(buf),
		"pid %d\nsocket %s\ninterface %s\nifindex %d\nnetns %lu\n",
		(int)getpid(), d->cfg.control_socket, d->cfg.interface,
		d->ifindex, netns_ino());

	if (ftruncate(fd, 0) || pwrite(fd, buf, n, 0) != n)
		pr_warn("lock file: cannot record this daemon: %s",
			strerror(errno));
}

static int refuse(const char *what, const char *path, int err,
		  const struct xlbd_lock_info *h)
{
	if (err != -EBUSY) {
		pr_err("cannot lock %s (%s): %s", what, path, strerror(-err));
		return err;
	}
	if (h->pid)
		pr_err("%s is in use by xlbd pid %d (control socket %s); not starting",
		       what, h->pid, h->socket[0] ? h->socket : "?");
	else
		pr_err("%s is in use by another xlbd (lock %s); not starting",
		       what, path);
	return err;
}

/* Interface @name's lock (none when it does not exist: attach says so). */
static int lock_if(const char *name, int *fdp)
{
	struct xlbd_lock_info h;
	char path[512], what[64], key[64];
	int ifindex = if_nametoindex(name), err;

	if (!ifindex)
		return 0;
	snprintf(key, sizeof(key), "%lu-%d", netns_ino(), ifindex);
	snprintf(what, sizeof(what), "interface %s", name);
	err = lock_one("if-", key, fdp, &h, path, sizeof(path));
	return err ? refuse(what, path, err, &h) : 0;
}

int xlbd_lock(struct xlbd *d, struct xlbd_lock_info *prev)
{
	char path[512], what[64 + sizeof(d->cfg.pin_dir)];
	int err;

	d->lock_pin_fd = d->lock_if_fd = -1;
	for (size_t i = 0; i < XLB_CONFIG_MAX_REPLY_IFS; i++)
		d->lock_reply_fd[i] = -1;
	snprintf(what, sizeof(what), "pin directory %s", d->cfg.pin_dir);
	err = lock_one("pin", d->cfg.pin_dir, &d->lock_pin_fd, prev, path,
		       sizeof(path));
	if (err)
		return refuse(what, path, err, prev);

	/* no interface: the attach step says so */
	d->ifindex = if_nametoindex(d->cfg.interface);
	if (!d->ifindex)
		return 0;
	err = lock_if(d->cfg.interface, &d->lock_if_fd);
	for (size_t i = 0; !err && i < d->cfg.n_reply_ifs; i++)
		err = lock_if(d->cfg.reply_ifs[i], &d->lock_reply_fd[i]);
	if (err) {
		xlbd_unlock(d);
		return err;
	}
	write_holder(d->lock_pin_fd, d);
	if (d->lock_if_fd >= 0)
		write_holder(d->lock_if_fd, d);
	for (size_t i = 0; i < d->cfg.n_reply_ifs; i++)
		if (d->lock_reply_fd[i] >= 0)
			write_holder(d->lock_reply_fd[i], d);
	return 0;
}

bool xlbd_lock_same_netns(const struct xlbd_lock_info *li)
{
	return li->netns && li->netns == netns_ino();
}

void xlbd_unlock(struct xlbd *d)
{
	/* the files stay: they tell the next daemon what this one served */
	if (d->lock_if_fd >= 0)
		close(d->lock_if_fd);
	if (d->lock_pin_fd >= 0)
		close(d->lock_pin_fd);
	for (size_t i = 0; i < XLB_CONFIG_MAX_REPLY_IFS; i++) {
		if (d->lock_reply_fd[i] >= 0)
			close(d->lock_reply_fd[i]);
		d->lock_reply_fd[i] = -1;
	}
	d->lock_pin_fd = d->lock_if_fd = -1;
}
