// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Control socket protocol: framing (one JSON object per line), the client
 * call used by xlbctl, and the listening socket and per-connection buffers
 * xlbd's event loop uses. See ctl.h for the protocol itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"

/* First receive buffer; grown by doubling up to XLB_CTL_MAX_MSG. */
#define CTL_BUF_MIN 4096
/* A connection's buffer above this is freed once it is empty again. */
#define CTL_BUF_KEEP (64 * 1024)

struct xlb_ctl_conn {
	int fd;
	char *buf;
	size_t len; /* bytes held; buf[0] starts a message */
	size_t cap;
	size_t scanned; /* buf[0..scanned) is known to hold no "\n" */
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Absolute deadline for a timeout; -1 means none. */
static long long deadline_after(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

/* Wait until fd is ready for events or the deadline passes. */
static int wait_fd(int fd, short events, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	long long left;
	int n;

	for (;;) {
		left = -1;
		if (deadline >= 0) {
			left = deadline - now_ms();
			if (left <= 0)
				return -ETIMEDOUT;
			if (left > INT_MAX)
				left = INT_MAX;
		}
		n = poll(&pfd, 1, left);
		if (n > 0)
			return 0;
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

int xlb_ctl_add(struct json_object *o, const char *key, struct json_object *v)
{
	if (!v)
		return -ENOMEM;
	if (json_object_object_add(o, key, v)) {
		/* json-c leaves v with the caller when the insert fails. */
		json_object_put(v);
		return -ENOMEM;
	}
	return 0;
}

/*
 * Parse one line (without its "\n") into a JSON object. Trailing blanks
 * are fine (the tokener skips them); a NUL byte is not, because the
 * tokener would silently stop there.
 */
static int parse_line(const char *line, size_t len, struct json_object **out)
{
	struct json_tokener *tok;
	struct json_object *o;
	int err = -EBADMSG;

	*out = NULL;
	if (!len || memchr(line, '\0', len))
		return -EBADMSG;
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
					    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, line, len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != len ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		goto out;
	}
	*out = o;
	err = 0;
out:
	json_tokener_free(tok);
	return err;
}

static int fill_sun(struct sockaddr_un *sa, const char *path)
{
	size_t len = path ? strlen(path) : 0;

	if (!len)
		return -EINVAL;
	if (len >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	memcpy(sa->sun_path, path, len);
	return 0;
}

/* Client side */

int xlb_ctl_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd, err;

	err = fill_sun(&sa, path);
	if (err)
		return err;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int send_all(int fd, const char *buf, size_t len, int timeout_ms)
{
	long long deadline = deadline_after(timeout_ms);
	ssize_t n;
	int err;

	while (len) {
		/*
		 * Never block in send(): the wait below is what bounds a
		 * peer that stops reading, on blocking sockets too.
		 */
		n = send(fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -errno;
			err = wait_fd(fd, POLLOUT, deadline);
			if (err)
				return err;
			continue;
		}
		buf += n;
		len -= n;
	}
	return 0;
}

int xlb_ctl_send(int fd, struct json_object *msg)
{
	const char *s;
	char *line;
	size_t len;
	int err;

	if (!json_object_is_type(msg, json_type_object))
		return -EINVAL;
	/* PLAIN has no newlines: json-c escapes them inside strings. */
	s = json_object_to_json_string_length(
		msg, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE,
		&len);
	if (!s)
		return -ENOMEM;
	if (len + 1 > XLB_CTL_MAX_MSG)
		return -EMSGSIZE;
	/* One buffer, so a small message goes out in a single segment. */
	line = malloc(len + 1);
	if (!line)
		return -ENOMEM;
	memcpy(line, s, len);
	line[len] = '\n';
	err = send_all(fd, line, len + 1, XLB_CTL_SEND_TIMEOUT_MS);
	free(line);
	return err;
}

int xlb_ctl_recv(int fd, struct json_object **msg, int timeout_ms)
{
	long long deadline = deadline_after(timeout_ms);
	size_t len = 0, cap = 0, take;
	char *buf = NULL, *nl = NULL, *p;
	ssize_t n;
	int err;

	*msg = NULL;
	while (!nl) {
		if (len == XLB_CTL_MAX_MSG) {
			err = -EMSGSIZE;
			goto out;
		}
		if (len == cap) {
			cap = cap ? cap * 2 : CTL_BUF_MIN;
			if (cap > XLB_CTL_MAX_MSG)
				cap = XLB_CTL_MAX_MSG;
			p = realloc(buf, cap);
			if (!p) {
				err = -ENOMEM;
				goto out;
			}
			buf = p;
		}
		/*
		 * Peek, then consume only up to the "\n": there is no buffer
		 * that outlives this call, so bytes of a next message must
		 * stay in the socket for the next call.
		 */
		n = recv(fd, buf + len, cap - len, MSG_PEEK | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				err = -errno;
				goto out;
			}
			err = wait_fd(fd, POLLIN, deadline);
			if (err)
				goto out;
			continue;
		}
		if (n == 0) {
			err = len ? -EPROTO : -ECONNRESET;
			goto out;
		}
		nl = memchr(buf + len, '\n', n);
		take = nl ? (size_t)(nl - (buf + len)) + 1 : (size_t)n;
		/* Already queued, so with a single reader this is exact. */
		n = recv(fd, buf + len, take, MSG_DONTWAIT);
		if (n < 0 || (size_t)n != take) {
			err = n < 0 ? -errno : -EIO;
			goto out;
		}
		len += take;
	}
	err = parse_line(buf, len - 1, msg);
out:
	free(buf);
	return err;
}

/* A response must be {"ok": true, "data": {}} or {"ok": false, "error": ""}. */
static bool resp_valid(struct json_object *resp)
{
	struct json_object *ok, *v;

	if (!json_object_object_get_ex(resp, "ok", &ok) ||
	    !json_object_is_type(ok, json_type_boolean))
		return false;
	if (json_object_get_boolean(ok))
		return json_object_object_get_ex(resp, "data", &v) &&
		       json_object_is_type(v, json_type_object);
	return json_object_object_get_ex(resp, "error", &v) &&
	       json_object_is_type(v, json_type_string);
}

bool xlb_ctl_resp_ok(struct json_object *resp, struct json_object **data,
		     const char **error)
{
	struct json_object *v = NULL;
	bool ok;

	if (data)
		*data = NULL;
	if (error)
		*error = "malformed response from xlbd";
	if (!resp_valid(resp))
		return false;
	ok = json_object_get_boolean(json_object_object_get(resp, "ok"));
	json_object_object_get_ex(resp, ok ? "data" : "error", &v);
	if (ok && data)
		*data = v;
	if (!ok && error)
		*error = json_object_get_string(v);
	return ok;
}

static void call_err(char *err, size_t errlen, const char *path, int ret,
		     int timeout_ms, const char *stage)
{
	if (!err || !errlen)
		return;
	switch (ret) {
	case -ENOENT:
	case -ECONNREFUSED:
		snprintf(err, errlen, "cannot connect to %s: is xlbd running?",
			 path);
		break;
	case -EACCES:
	case -EPERM:
		/* The daemon creates the socket 0600. */
		snprintf(
			err, errlen,
			"cannot connect to %s: %s (run xlbctl as xlbd's user, usually root)",
			path, strerror(-ret));
		break;
	case -ENAMETOOLONG:
		snprintf(
			err, errlen,
			"cannot connect to %s: socket path longer than %zu bytes",
			path, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
		break;
	case -ETIMEDOUT:
		snprintf(err, errlen,
			 "no response from xlbd on %s within %d ms", path,
			 timeout_ms);
		break;
	case -ECONNRESET:
	case -EPIPE:
		snprintf(err, errlen,
			 "xlbd on %s closed the connection without responding",
			 path);
		break;
	case -EPROTO:
		snprintf(
			err, errlen,
			"xlbd on %s closed the connection in the middle of its response",
			path);
		break;
	case -EMSGSIZE:
		snprintf(err, errlen, "%s exceeds the %d byte limit", stage,
			 XLB_CTL_MAX_MSG);
		break;
	case -EBADMSG:
		snprintf(err, errlen, "malformed response from xlbd on %s",
			 path);
		break;
	default:
		snprintf(err, errlen, "%s (%s): %s", stage, path,
			 strerror(-ret));
		break;
	}
}

int xlb_ctl_call(const char *path, struct json_object *req,
		 struct json_object **resp, int timeout_ms, char *err,
		 size_t errlen)
{
	const char *stage = "connect";
	int fd, ret;

	*resp = NULL;
	fd = xlb_ctl_connect(path);
	if (fd < 0) {
		ret = fd;
		goto out;
	}
	stage = "request";
	ret = xlb_ctl_send(fd, req);
	if (ret)
		goto out;
	stage = "response";
	ret = xlb_ctl_recv(fd, resp, timeout_ms);
	if (ret)
		goto out;
	if (!resp_valid(*resp)) {
		json_object_put(*resp);
		*resp = NULL;
		ret = -EBADMSG;
	}
out:
	if (ret)
		call_err(err, errlen, path, ret, timeout_ms, stage);
	if (fd >= 0)
		close(fd);
	return ret;
}

/* Server side */

/*
 * mkdir -p of path's directory. Directories made here get 0700 whatever
 * the umask: the socket is the daemon's only and the directory must not
 * let anyone else swap it. Existing ones are left as they are.
 */
static int make_parents(const char *path)
{
	char *dir, *p;
	int err = 0;

	dir = strdup(path);
	if (!dir)
		return -ENOMEM;
	for (p = strchr(dir + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (!mkdir(dir, 0700)) {
			if (chmod(dir, 0700)) {
				err = -errno;
				goto out;
			}
		} else if (errno != EEXIST) {
			err = -errno;
			goto out;
		}
		*p = '/';
	}
out:
	free(dir);
	return err;
}

/*
 * Is a daemon listening on the socket at path? A non-blocking connect
 * so a live daemon with a full backlog (-EAGAIN) cannot hang us.
 * Returns 1 (live), 0 (stale: nobody listening) or -errno.
 */
static int socket_live(const struct sockaddr_un *sa)
{
	int fd, ret;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	ret = 1;
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa))) {
		if (errno == ECONNREFUSED || errno == ENOENT)
			ret = 0;
		else if (errno != EAGAIN)
			ret = -errno;
	}
	close(fd);
	return ret;
}

int xlb_ctl_listen(const char *path)
{
	bool bound = false;
	struct sockaddr_un sa;
	struct stat st;
	mode_t mask;
	int fd = -1, err;

	err = fill_sun(&sa, path);
	if (err)
		return err;
	err = make_parents(path);
	if (err)
		return err;
	if (!lstat(path, &st)) {
		/* Only ever remove a socket nobody answers on. */
		if (!S_ISSOCK(st.st_mode))
			return -EEXIST;
		err = socket_live(&sa);
		if (err)
			return err > 0 ? -EADDRINUSE : err;
		if (unlink(path) && errno != ENOENT)
			return -errno;
	} else if (errno != ENOENT) {
		return -errno;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/*
	 * bind() creates the file with the umask applied; a restrictive
	 * umask around it means there is no moment at which the socket is
	 * open to others, and the chmod() after pins the exact mode.
	 */
	mask = umask(0177);
	err = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	umask(mask);
	if (err)
		goto out;
	bound = true;
	if (chmod(path, 0600) || listen(fd, SOMAXCONN))
		err = -errno;
out:
	if (err) {
		if (bound)
			unlink(path);
		close(fd);
		return err;
	}
	return fd;
}

int xlb_ctl_accept(int listen_fd)
{
	int fd;

	do
		fd = accept4(listen_fd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	return fd < 0 ? -errno : fd;
}

struct xlb_ctl_conn *xlb_ctl_conn_new(int fd)
{
	struct xlb_ctl_conn *c;

	if (fd < 0) {
		errno = EBADF;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->fd = fd;
	return c;
}

int xlb_ctl_conn_fd(const struct xlb_ctl_conn *c)
{
	return c->fd;
}

void xlb_ctl_conn_free(struct xlb_ctl_conn *c)
{
	if (!c)
		return;
	close(c->fd);
	free(c->buf);
	free(c);
}

int xlb_ctl_conn_read(struct xlb_ctl_conn *c, struct json_object **req)
{
	size_t line, cap;
	ssize_t n;
	char *nl, *p;
	int err;

	*req = NULL;
	for (;;) {
		nl = c->len > c->scanned ? memchr(c->buf + c->scanned, '\n',
						  c->len - c->scanned)
					 : NULL;
		if (nl) {
			line = nl - c->buf;
			err = parse_line(c->buf, line, req);
			c->len -= line + 1;
			memmove(c->buf, nl + 1, c->len);
			c->scanned = 0;
			/* One huge request must not pin 1 MiB per client. */
			if (!c->len && c->cap > CTL_BUF_KEEP) {
				free(c->buf);
				c->buf = NULL;
				c->cap = 0;
			}
			return err ? err : 1;
		}
		c->scanned = c->len;
		/* buf[0] starts the message, so len is its length so far. */
		if (c->len >= XLB_CTL_MAX_MSG)
			return -EMSGSIZE;
		if (c->len == c->cap) {
			cap = c->cap ? c->cap * 2 : CTL_BUF_MIN;
			if (cap > XLB_CTL_MAX_MSG)
				cap = XLB_CTL_MAX_MSG;
			p = realloc(c->buf, cap);
			if (!p)
				return -ENOMEM;
			c->buf = p;
			c->cap = cap;
		}
		n = read(c->fd, c->buf + c->len, c->cap - c->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -errno;
		}
		if (n == 0)
			return c->len ? -EPROTO : -ECONNRESET;
		c->len += n;
	}
}

/* Takes resp. */
static int reply(int fd, struct json_object *resp)
{
	int err = xlb_ctl_send(fd, resp);

	json_object_put(resp);
	return err;
}

/* Sends {"ok": ok, key: val}; takes val. */
static int reply_with(int fd, bool ok, const char *key, struct json_object *val)
{
	struct json_object *resp = json_object_new_object();
	int err;

	if (!resp) {
		json_object_put(val);
		return -ENOMEM;
	}
	err = xlb_ctl_add(resp, "ok", json_object_new_boolean(ok));
	if (!err)
		err = xlb_ctl_add(resp, key, val);
	else
		json_object_put(val);
	if (err) {
		json_object_put(resp);
		return err;
	}
	return reply(fd, resp);
}

int xlb_ctl_reply_ok(int fd, struct json_object *data)
{
	int err;

	if (!data)
		data = json_object_new_object();
	err = reply_with(fd, true, "data", data);
	/*
	 * The client must not wait for a response that will never come:
	 * tell it why, and still report the failure to the daemon.
	 */
	if (err == -EMSGSIZE)
		xlb_ctl_reply_err(fd, "response exceeds the %d byte limit",
				  XLB_CTL_MAX_MSG);
	return err;
}

int xlb_ctl_reply_err(int fd, const char *fmt, ...)
{
	struct json_object *str;
	char *msg;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	str = json_object_new_string(msg);
	free(msg);
	return reply_with(fd, false, "error", str);
}

struct json_object *xlb_json_get(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

const char *xlb_json_str(struct json_object *o, const char *key)
{
	struct json_object *v = xlb_json_get(o, key);

	return v ? json_object_get_string(v) : NULL;
}

size_t xlb_json_len(struct json_object *arr)
{
	return json_object_is_type(arr, json_type_array)
		       ? json_object_array_length(arr)
		       : 0;
}
