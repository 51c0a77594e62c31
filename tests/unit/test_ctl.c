// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Control socket protocol (ctl.c) and xlbctl's argument validation and
 * output (ctl_cli.c). Framing is tested over socketpairs; where the other
 * end has to write while we block in a read, a forked child does it. The
 * listening socket is made in a fresh directory under /tmp.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <poll.h>
#include <unistd.h>

#include "ctl.h"
#include "ctl_cli.h"
#include "../lib/test.h"

#define TIMEOUT_MS 2000

/* write() that cannot raise SIGPIPE and insists on every byte. */
static bool put(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= n;
	}
	return true;
}

static bool put_str(int fd, const char *s)
{
	return put(fd, s, strlen(s));
}

static bool make_pair(int sv[2], bool nonblock_reader)
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return false;
	if (nonblock_reader)
		fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
	return true;
}

static void close_pair(int sv[2])
{
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
}

/* Object with one string member, to compare against. */
static struct json_object *obj1(const char *key, const char *val)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, key, json_object_new_string(val));
	return o;
}

static bool is_cmd(struct json_object *o, const char *cmd)
{
	struct json_object *v;

	return json_object_object_get_ex(o, "cmd", &v) &&
	       !strcmp(json_object_get_string(v), cmd);
}

/*
 * Child writes the chunks to sv[1] with a pause before each, then exits.
 * It closes its copy of sv[0] so that the parent closing its own is a
 * real close: a child stuck writing then fails instead of hanging.
 */
static pid_t slow_writer(int sv[2], const char *const *chunks, int n)
{
	int fd = sv[1];
	pid_t pid = fork();

	if (pid)
		return pid;
	close(sv[0]);
	for (int i = 0; i < n; i++) {
		usleep(20000);
		if (!put_str(fd, chunks[i]))
			_exit(1);
	}
	_exit(0);
}

static void reap(pid_t pid)
{
	int status;

	if (pid > 0)
		waitpid(pid, &status, 0);
}

/* Framing */

TEST(ctl_send_recv)
{
	struct json_object *msg = obj1("cmd", "status"), *got = NULL;
	int sv[2] = { -1, -1 };

	/* A newline inside a string must not end the message. */
	json_object_object_add(msg, "text", json_object_new_string("a\nb/c"));
	if (!ASSERT_TRUE(make_pair(sv, false), "socketpair"))
		goto out;
	if (!ASSERT_OK(xlb_ctl_send(sv[1], msg), "send"))
		goto out;
	if (!ASSERT_OK(xlb_ctl_recv(sv[0], &got, TIMEOUT_MS), "recv"))
		goto out;
	ASSERT_TRUE(json_object_equal(msg, got), "same object back");
	json_object_put(got);
	got = NULL;
	/* Nothing else was sent. */
	ASSERT_EQ(xlb_ctl_recv(sv[0], &got, 50), -ETIMEDOUT, "timeout");
	ASSERT_TRUE(!got, "no message on error");
	/* Only objects go out. */
	ASSERT_EQ(xlb_ctl_send(sv[1], NULL), -EINVAL, "send NULL");
	got = json_object_new_int(1);
	ASSERT_EQ(xlb_ctl_send(sv[1], got), -EINVAL, "send a number");
out:
	json_object_put(msg);
	json_object_put(got);
	close_pair(sv);
}

TEST(ctl_recv_split_writes)
{
	static const char *const chunks[] = {
		"{\"cmd\":",
		" \"sta",
		"tus\", \"x\": [1, ",
		"2]}\n",
	};
	struct json_object *got = NULL;
	int sv[2] = { -1, -1 };
	pid_t pid = -1;

	if (!ASSERT_TRUE(make_pair(sv, false), "socketpair"))
		goto out;
	pid = slow_writer(sv, chunks, 4);
	if (!ASSERT_TRUE(pid > 0, "fork"))
		goto out;
	if (!ASSERT_OK(xlb_ctl_recv(sv[0], &got, TIMEOUT_MS), "recv"))
		goto out;
	ASSERT_TRUE(is_cmd(got, "status"), "reassembled");
	ASSERT_EQ(json_object_array_length(json_object_object_get(got, "x")), 2,
		  "x");
out:
	reap(pid);
	json_object_put(got);
	close_pair(sv);
}

TEST(ctl_recv_two_in_one_write)
{
	struct json_object *a = NULL, *b = NULL;
	int sv[2] = { -1, -1 };

	if (!ASSERT_TRUE(make_pair(sv, false), "socketpair"))
		goto out;
	put_str(sv[1], "{\"cmd\":\"one\"}\n{\"cmd\":\"two\"}\r\n");
	if (!ASSERT_OK(xlb_ctl_recv(sv[0], &a, TIMEOUT_MS), "recv 1") ||
	    !ASSERT_OK(xlb_ctl_recv(sv[0], &b, TIMEOUT_MS), "recv 2"))
		goto out;
	ASSERT_TRUE(is_cmd(a, "one"), "first");
	ASSERT_TRUE(is_cmd(b, "two"), "second (CRLF tolerated)");
out:
	json_object_put(a);
	json_object_put(b);
	close_pair(sv);
}

TEST(ctl_recv_malformed)
{
	static const char *const bad[] = {
		"{\"cmd\": \"x\"\n", /* unterminated object */
		"not json\n",
		"[1, 2]\n", /* not an object */
		"\"status\"\n",
		"\n",		       /* empty line */
		"{} {}\n",	       /* two values on a line */
		"{\"a\": 1,}\n",       /* trailing comma (strict) */
		"{\"a\": \"\xff\"}\n", /* not UTF-8 */
	};
	struct json_object *got = NULL;
	int sv[2] = { -1, -1 };

	if (!ASSERT_TRUE(make_pair(sv, false), "socketpair"))
		goto out;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put_str(sv[1], bad[i]);
		if (!ASSERT_EQ(xlb_ctl_recv(sv[0], &got, TIMEOUT_MS), -EBADMSG,
			       bad[i]))
			goto out;
		ASSERT_TRUE(!got, "no message");
	}
	/* An embedded NUL would otherwise end the text early. */
	put(sv[1], "{}\0junk\n", 8);
	ASSERT_EQ(xlb_ctl_recv(sv[0], &got, TIMEOUT_MS), -EBADMSG, "NUL");
	/* Bad lines are consumed: the stream carries on. */
	put_str(sv[1], "{\"cmd\":\"ok\"}\n");
	if (ASSERT_OK(xlb_ctl_recv(sv[0], &got, TIMEOUT_MS), "next"))
		ASSERT_TRUE(is_cmd(got, "ok"), "next message intact");
out:
	json_object_put(got);
	close_pair(sv);
}

TEST(ctl_recv_eof)
{
	struct json_object *got = NULL;
	int sv[2] = { -1, -1 };

	if (!ASSERT_TRUE(make_pair(sv, false), "socketpair"))
		goto out;
	put_str(sv[1], "{\"cmd\":\"one\"}\n{\"cmd\":");
	shutdown(sv[1], SHUT_WR);
	if (!ASSERT_OK(xlb_ctl_recv(sv[0], &got, TIMEOUT_MS), "complete one"))
		goto out;
	json_object_put(got);
	ASSERT_EQ(xlb_ctl_recv(sv[0], &got, TIMEOUT_MS), -EPROTO,
		  "EOF mid-message");
	close_pair(sv);
	if (!ASSERT_TRUE(make_pair(sv, false), "socketpair"))
		goto out;
	shutdown(sv[1], SHUT_WR);
	ASSERT_EQ(xlb_ctl_recv(sv[0], &got, TIMEOUT_MS), -ECONNRESET,
		  "EOF between messages");
out:
	close_pair(sv);
}

/* A line of exactly total bytes, "\n" included: {"p":"xxx..."}\n */
static char *line_of(size_t total)
{
	char *s = malloc(total + 1);

	if (!s)
		return NULL;
	memset(s, 'x', total);
	memcpy(s, "{\"p\":\"", 6);
	memcpy(s + total - 3, "\"}\n", 3);
	s[total] = '\0';
	return s;
}

TEST(ctl_recv_size_limit)
{
	struct json_object *got = NULL, *big = NULL;
	char *ok_line = line_of(XLB_CTL_MAX_MSG);
	char *long_line = line_of(XLB_CTL_MAX_MSG + 1);
	int sv[2] = { -1, -1 };
	const char *chunks[2];
	pid_t pid = -1;

	if (!ASSERT_TRUE(ok_line && long_line, "alloc") ||
	    !ASSERT_TRUE(make_pair(sv, false), "socketpair"))
		goto out;
	/* Exactly the limit passes; one byte more does not. */
	chunks[0] = ok_line;
	chunks[1] = long_line;
	pid = slow_writer(sv, chunks, 2);
	if (!ASSERT_TRUE(pid > 0, "fork"))
		goto out;
	if (ASSERT_OK(xlb_ctl_recv(sv[0], &got, TIMEOUT_MS), "at the limit"))
		ASSERT_EQ(strlen(json_object_get_string(
				  json_object_object_get(got, "p"))),
			  XLB_CTL_MAX_MSG - 9, "payload");
	json_object_put(got);
	ASSERT_EQ(xlb_ctl_recv(sv[0], &got, TIMEOUT_MS), -EMSGSIZE,
		  "over the limit");
	/* The sender refuses too, before writing anything. */
	big = obj1("p", long_line + 6);
	ASSERT_EQ(xlb_ctl_send(sv[1], big), -EMSGSIZE, "send over the limit");
out:
	close_pair(sv);
	reap(pid);
	json_object_put(got);
	json_object_put(big);
	free(ok_line);
	free(long_line);
}

/* Server-side connection buffer */

TEST(ctl_conn_read)
{
	struct json_object *req = NULL;
	struct xlb_ctl_conn *c = NULL;
	int sv[2] = { -1, -1 };

	if (!ASSERT_TRUE(make_pair(sv, true), "socketpair"))
		goto out;
	c = xlb_ctl_conn_new(sv[0]);
	if (!ASSERT_TRUE(c, "conn_new"))
		goto out;
	sv[0] = -1; /* the conn owns it now */
	ASSERT_EQ(xlb_ctl_conn_read(c, &req), 0, "nothing yet");
	/* Split: no request until the newline is in. */
	put_str(sv[1], "{\"cmd\": \"sta");
	ASSERT_EQ(xlb_ctl_conn_read(c, &req), 0, "half a request");
	put_str(sv[1], "tus\"}");
	ASSERT_EQ(xlb_ctl_conn_read(c, &req), 0, "no newline yet");
	put_str(sv[1], "\n");
	if (ASSERT_EQ(xlb_ctl_conn_read(c, &req), 1, "complete"))
		ASSERT_TRUE(is_cmd(req, "status"), "request");
	json_object_put(req);
	/* Three in one write, the middle one malformed, then a partial. */
	put_str(sv[1], "{\"cmd\":\"a\"}\n{bad}\n{\"cmd\":\"b\"}\n{\"cmd\"");
	if (ASSERT_EQ(xlb_ctl_conn_read(c, &req), 1, "first"))
		ASSERT_TRUE(is_cmd(req, "a"), "a");
	json_object_put(req);
	ASSERT_EQ(xlb_ctl_conn_read(c, &req), -EBADMSG, "malformed");
	if (ASSERT_EQ(xlb_ctl_conn_read(c, &req), 1, "after malformed"))
		ASSERT_TRUE(is_cmd(req, "b"), "b");
	json_object_put(req);
	ASSERT_EQ(xlb_ctl_conn_read(c, &req), 0, "partial");
	close(sv[1]);
	sv[1] = -1;
	ASSERT_EQ(xlb_ctl_conn_read(c, &req), -EPROTO, "EOF mid-message");
	xlb_ctl_conn_free(c);
	c = NULL;

	/* A clean close between messages. */
	if (!ASSERT_TRUE(make_pair(sv, true), "socketpair"))
		goto out;
	c = xlb_ctl_conn_new(sv[0]);
	sv[0] = -1;
	close(sv[1]);
	sv[1] = -1;
	ASSERT_EQ(xlb_ctl_conn_read(c, &req), -ECONNRESET, "clean EOF");
out:
	xlb_ctl_conn_free(c);
	close_pair(sv);
}

TEST(ctl_conn_read_limit)
{
	struct json_object *req = NULL;
	struct xlb_ctl_conn *c = NULL;
	char chunk[65536];
	size_t sent = 0;
	int sv[2] = { -1, -1 }, ret = 0;

	if (!ASSERT_TRUE(make_pair(sv, true), "socketpair"))
		goto out;
	c = xlb_ctl_conn_new(sv[0]);
	sv[0] = -1;
	if (!ASSERT_TRUE(c, "conn_new"))
		goto out;
	/* Newline-free data, fed as the socket takes it, must be cut off. */
	memset(chunk, 'x', sizeof(chunk));
	while (sent <= XLB_CTL_MAX_MSG + sizeof(chunk)) {
		if (!put(sv[1], chunk, sizeof(chunk)))
			break;
		sent += sizeof(chunk);
		ret = xlb_ctl_conn_read(c, &req);
		if (ret)
			break;
	}
	ASSERT_EQ(ret, -EMSGSIZE, "over the limit");
	ASSERT_RANGE(sent, XLB_CTL_MAX_MSG, XLB_CTL_MAX_MSG + sizeof(chunk),
		     "cut off at the limit");
out:
	xlb_ctl_conn_free(c);
	close_pair(sv);
}

TEST(ctl_reply)
{
	struct json_object *resp = NULL, *data, *big;
	int sv[2] = { -1, -1 };
	const char *error;
	char *pad = NULL;

	if (!ASSERT_TRUE(make_pair(sv, false), "socketpair"))
		goto out;
	ASSERT_OK(xlb_ctl_reply_ok(sv[1], obj1("k", "v")), "reply_ok");
	if (ASSERT_OK(xlb_ctl_recv(sv[0], &resp, TIMEOUT_MS), "recv ok")) {
		ASSERT_TRUE(xlb_ctl_resp_ok(resp, &data, &error), "ok");
		ASSERT_STREQ(json_object_get_string(
				     json_object_object_get(data, "k")),
			     "v", "data");
	}
	json_object_put(resp);
	ASSERT_OK(xlb_ctl_reply_ok(sv[1], NULL), "reply_ok NULL");
	if (ASSERT_OK(xlb_ctl_recv(sv[0], &resp, TIMEOUT_MS), "recv {}")) {
		ASSERT_TRUE(xlb_ctl_resp_ok(resp, &data, NULL), "ok");
		ASSERT_EQ(json_object_object_length(data), 0, "empty data");
	}
	json_object_put(resp);
	ASSERT_OK(xlb_ctl_reply_err(sv[1], "no service named '%s'", "web"),
		  "reply_err");
	if (ASSERT_OK(xlb_ctl_recv(sv[0], &resp, TIMEOUT_MS), "recv err")) {
		ASSERT_TRUE(!xlb_ctl_resp_ok(resp, &data, &error), "not ok");
		ASSERT_STREQ(error, "no service named 'web'", "error");
	}
	json_object_put(resp);
	/* Too big to send: the client gets an error instead of nothing. */
	pad = calloc(1, XLB_CTL_MAX_MSG + 1);
	if (!ASSERT_TRUE(pad, "alloc"))
		goto out;
	memset(pad, 'x', XLB_CTL_MAX_MSG);
	big = obj1("pad", pad);
	ASSERT_EQ(xlb_ctl_reply_ok(sv[1], big), -EMSGSIZE, "oversized");
	if (ASSERT_OK(xlb_ctl_recv(sv[0], &resp, TIMEOUT_MS), "recv")) {
		ASSERT_TRUE(!xlb_ctl_resp_ok(resp, NULL, &error), "not ok");
		ASSERT_CONTAINS(error, "exceeds", "error");
	}
	json_object_put(resp);
out:
	free(pad);
	close_pair(sv);
}

/* Listening socket and a round trip through a tiny server */

static bool make_tmpdir(char *dir, size_t len)
{
	snprintf(dir, len, "/tmp/xlb-test-ctl.XXXXXX");
	return mkdtemp(dir) != NULL;
}

static void rm_tmpdir(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "    cannot remove %s\n", dir);
}

/*
 * Child: serve until a "quit" request. Replies {"echo": cmd}, or an error
 * for "fail". Several connections at a time, like xlbd's epoll loop.
 */
static void serve(int lfd)
{
	struct xlb_ctl_conn *conns[8] = {};
	struct pollfd pfd[9];
	struct json_object *req;
	bool quit = false;
	int i, n, ret;

	while (!quit) {
		pfd[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (i = 0; i < 8; i++)
			pfd[i + 1] = (struct pollfd){
				.fd = conns[i] ? xlb_ctl_conn_fd(conns[i]) : -1,
				.events = POLLIN
			};
		if (poll(pfd, 9, 5000) <= 0)
			_exit(1);
		if (pfd[0].revents) {
			n = xlb_ctl_accept(lfd);
			for (i = 0; n >= 0 && i < 8 && conns[i]; i++)
				;
			if (n >= 0 && i < 8)
				conns[i] = xlb_ctl_conn_new(n);
		}
		for (i = 0; i < 8; i++) {
			if (!conns[i] || !pfd[i + 1].revents)
				continue;
			/* The loop ctl.h prescribes for the daemon. */
			for (;;) {
				int fd = xlb_ctl_conn_fd(conns[i]);
				const char *cmd;

				ret = xlb_ctl_conn_read(conns[i], &req);
				if (ret == -EBADMSG) {
					xlb_ctl_reply_err(fd,
							  "malformed request");
					continue;
				}
				if (ret <= 0)
					break;
				cmd = json_object_get_string(
					json_object_object_get(req, "cmd"));
				if (cmd && !strcmp(cmd, "quit"))
					quit = true;
				if (cmd && !strcmp(cmd, "fail"))
					xlb_ctl_reply_err(fd, "failed: %s",
							  cmd);
				else
					xlb_ctl_reply_ok(
						fd, obj1("echo", cmd ?: ""));
				json_object_put(req);
			}
			if (ret < 0) {
				xlb_ctl_conn_free(conns[i]);
				conns[i] = NULL;
			}
		}
	}
	_exit(0);
}

TEST(ctl_listen)
{
	struct json_object *req = NULL, *resp = NULL;
	char dir[64], path[128], err[256];
	int lfd = -1, lfd2 = -1, fd;
	struct stat st;

	if (!ASSERT_TRUE(make_tmpdir(dir, sizeof(dir)), "mkdtemp"))
		return;
	/* Parent directories are created 0700. */
	snprintf(path, sizeof(path), "%s/run/xlb/xlb.sock", dir);
	lfd = xlb_ctl_listen(path);
	if (!ASSERT_TRUE(lfd >= 0, "listen"))
		goto out;
	if (ASSERT_OK(stat(path, &st), "stat socket")) {
		ASSERT_TRUE(S_ISSOCK(st.st_mode), "is a socket");
		ASSERT_EQ(st.st_mode & 07777, 0600, "socket mode");
	}
	snprintf(path, sizeof(path), "%s/run/xlb", dir);
	if (ASSERT_OK(stat(path, &st), "stat dir"))
		ASSERT_EQ(st.st_mode & 07777, 0700, "dir mode");
	snprintf(path, sizeof(path), "%s/run/xlb/xlb.sock", dir);
	ASSERT_TRUE(fcntl(lfd, F_GETFL) & O_NONBLOCK, "non-blocking");
	ASSERT_EQ(xlb_ctl_accept(lfd), -EAGAIN, "no client yet");

	/* A live daemon's socket is left alone. */
	ASSERT_EQ(xlb_ctl_listen(path), -EADDRINUSE, "live socket");
	/* A dead daemon's socket is replaced. */
	close(lfd);
	lfd = -1;
	fd = xlb_ctl_connect(path);
	ASSERT_EQ(fd, -ECONNREFUSED, "nobody listening");
	if (fd >= 0)
		close(fd);
	lfd2 = xlb_ctl_listen(path);
	ASSERT_TRUE(lfd2 >= 0, "stale socket replaced");
	/* Never remove something that is not a socket. */
	snprintf(path, sizeof(path), "%s/file", dir);
	close(open(path, O_CREAT | O_WRONLY, 0600));
	ASSERT_EQ(xlb_ctl_listen(path), -EEXIST, "regular file");
	ASSERT_OK(access(path, F_OK), "file still there");
	/* The client's message when there is no daemon. */
	snprintf(path, sizeof(path), "%s/none.sock", dir);
	req = json_object_new_object();
	ASSERT_EQ(xlb_ctl_call(path, req, &resp, TIMEOUT_MS, err, sizeof(err)),
		  -ENOENT, "call without daemon");
	ASSERT_TRUE(!resp, "no response");
	ASSERT_CONTAINS(err, "is xlbd running?", "message");
	ASSERT_CONTAINS(err, path, "message names the path");
out:
	if (lfd >= 0)
		close(lfd);
	if (lfd2 >= 0)
		close(lfd2);
	json_object_put(req);
	rm_tmpdir(dir);
}

TEST(ctl_round_trip)
{
	struct json_object *req = NULL, *resp = NULL, *data, *got = NULL;
	char dir[64], path[128], err[256];
	int lfd = -1, fd = -1;
	const char *error;
	pid_t pid = -1;

	if (!ASSERT_TRUE(make_tmpdir(dir, sizeof(dir)), "mkdtemp"))
		return;
	snprintf(path, sizeof(path), "%s/xlb.sock", dir);
	lfd = xlb_ctl_listen(path);
	if (!ASSERT_TRUE(lfd >= 0, "listen"))
		goto out;
	pid = fork();
	if (!ASSERT_TRUE(pid >= 0, "fork"))
		goto out;
	if (!pid)
		serve(lfd);
	close(lfd);
	lfd = -1;

	/* One request per connection. */
	req = obj1("cmd", "status");
	if (ASSERT_OK(xlb_ctl_call(path, req, &resp, TIMEOUT_MS, err,
				   sizeof(err)),
		      err) &&
	    ASSERT_TRUE(xlb_ctl_resp_ok(resp, &data, &error), "ok"))
		ASSERT_STREQ(json_object_get_string(
				     json_object_object_get(data, "echo")),
			     "status", "echo");
	json_object_put(resp);
	json_object_put(req);
	req = obj1("cmd", "fail");
	if (ASSERT_OK(xlb_ctl_call(path, req, &resp, TIMEOUT_MS, err,
				   sizeof(err)),
		      err)) {
		ASSERT_TRUE(!xlb_ctl_resp_ok(resp, &data, &error), "not ok");
		ASSERT_STREQ(error, "failed: fail", "error");
	}
	json_object_put(resp);
	resp = NULL;

	/* Several on one connection, a malformed one among them. */
	fd = xlb_ctl_connect(path);
	if (!ASSERT_TRUE(fd >= 0, "connect"))
		goto out;
	put_str(fd, "{\"cmd\":\"a\"}\n{oops\n{\"cmd\":\"b\"}\n");
	if (ASSERT_OK(xlb_ctl_recv(fd, &got, TIMEOUT_MS), "a"))
		ASSERT_TRUE(xlb_ctl_resp_ok(got, NULL, NULL), "a ok");
	json_object_put(got);
	if (ASSERT_OK(xlb_ctl_recv(fd, &got, TIMEOUT_MS), "oops"))
		ASSERT_TRUE(!xlb_ctl_resp_ok(got, NULL, &error) &&
				    !strcmp(error, "malformed request"),
			    "oops err");
	json_object_put(got);
	if (ASSERT_OK(xlb_ctl_recv(fd, &got, TIMEOUT_MS), "b") &&
	    ASSERT_TRUE(xlb_ctl_resp_ok(got, &data, NULL), "b ok"))
		ASSERT_STREQ(json_object_get_string(
				     json_object_object_get(data, "echo")),
			     "b", "b echo");
	json_object_put(got);
	got = NULL;
	json_object_put(req);
	req = obj1("cmd", "quit");
	ASSERT_OK(xlb_ctl_send(fd, req), "quit");
	ASSERT_OK(xlb_ctl_recv(fd, &got, TIMEOUT_MS), "quit reply");
out:
	if (pid > 0) {
		int status = -1;

		if (fd < 0)
			kill(pid, SIGTERM);
		waitpid(pid, &status, 0);
		ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status),
			    "server exited cleanly");
	}
	if (fd >= 0)
		close(fd);
	if (lfd >= 0)
		close(lfd);
	json_object_put(got);
	json_object_put(req);
	rm_tmpdir(dir);
}

/* xlbctl: arguments -> request */

TEST(ctl_cli_valid)
{
	static const struct {
		const char *line;
		const char *json;
	} cases[] = {
		{ "status", "{\"cmd\":\"status\"}" },
		{ "config", "{\"cmd\":\"config\"}" },
		{ "stats", "{\"cmd\":\"stats\"}" },
		{ "stats web", "{\"cmd\":\"stats\",\"service\":\"web\"}" },
		{ "service add web 198.19.0.100:80",
		  "{\"cmd\":\"service_add\",\"name\":\"web\",\"vip\":\"198.19.0.100\",\"port\":80,\"protocol\":\"tcp\"}" },
		{ "service add dns [2001:2:0::0100]:53 --proto udp --scheduler source-hash --table-size=251",
		  "{\"cmd\":\"service_add\",\"name\":\"dns\",\"vip\":\"2001:2::100\",\"port\":53,\"protocol\":\"udp\",\"scheduler\":\"source-hash\",\"table_size\":251}" },
		/* Options may come before the positional arguments. */
		{ "service add --proto udp a.b-c_9 10.0.0.1:65535",
		  "{\"cmd\":\"service_add\",\"name\":\"a.b-c_9\",\"vip\":\"10.0.0.1\",\"port\":65535,\"protocol\":\"udp\"}" },
		{ "service del web",
		  "{\"cmd\":\"service_del\",\"name\":\"web\"}" },
		{ "backend add web 198.19.0.11",
		  "{\"cmd\":\"backend_add\",\"service\":\"web\",\"address\":\"198.19.0.11\"}" },
		{ "backend add web 2001:db8:0:0::11 --weight 0",
		  "{\"cmd\":\"backend_add\",\"service\":\"web\",\"address\":\"2001:db8::11\",\"weight\":0}" },
		{ "backend del web 198.19.0.11",
		  "{\"cmd\":\"backend_del\",\"service\":\"web\",\"address\":\"198.19.0.11\"}" },
		{ "backend set web 198.19.0.11 --weight 65535",
		  "{\"cmd\":\"backend_set\",\"service\":\"web\",\"address\":\"198.19.0.11\",\"weight\":65535}" },
		{ "backend set web 198.19.0.11 --drain",
		  "{\"cmd\":\"backend_set\",\"service\":\"web\",\"address\":\"198.19.0.11\",\"drain\":true}" },
		{ "backend set web 198.19.0.11 --enable",
		  "{\"cmd\":\"backend_set\",\"service\":\"web\",\"address\":\"198.19.0.11\",\"enable\":true}" },
	};
	const struct xlbctl_cmd *cmd;
	struct json_object *req, *exp;
	char buf[256], err[256], *argv[XLB_TEST_MAX_ARGV];
	int argc;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		argc = xlb_test_split(cases[i].line, buf, sizeof(buf), argv);
		err[0] = '\0';
		if (!ASSERT_OK(xlbctl_build_request(argc, argv, &cmd, &req, err,
						    sizeof(err)),
			       cases[i].line)) {
			fprintf(stderr, "    error: %s\n", err);
			continue;
		}
		exp = json_tokener_parse(cases[i].json);
		if (!ASSERT_TRUE(json_object_equal(req, exp), cases[i].line))
			fprintf(stderr, "    got %s\n",
				json_object_to_json_string(req));
		json_object_put(exp);
		json_object_put(req);
	}
}

TEST(ctl_cli_invalid)
{
	static const struct {
		const char *line;
		const char *err; /* expected prefix of the message */
	} cases[] = {
		{ "", "argument \"COMMAND\" is wrong: missing" },
		{ "bogus", "argument \"bogus\" is wrong: unknown command" },
		{ "service", "argument \"service\" is wrong: missing" },
		{ "service rename web",
		  "argument \"rename\" is wrong: unknown service command" },
		{ "status extra",
		  "argument \"extra\" is wrong: unexpected argument" },
		{ "service add", "argument \"NAME\" is wrong: missing" },
		{ "service add web",
		  "argument \"VIP:PORT\" is wrong: missing" },
		{ "service add web 1.2.3.4",
		  "argument \"1.2.3.4\" is wrong: missing port" },
		{ "service add web 1.2.3.4:",
		  "argument \"1.2.3.4:\" is wrong: missing port" },
		{ "service add web 1.2.3.4:0",
		  "argument \"1.2.3.4:0\" is wrong: port must be 1..65535" },
		{ "service add web 1.2.3.4:65536",
		  "argument \"1.2.3.4:65536\" is wrong: port must be 1..65535" },
		{ "service add web 1.2.3.4:99999999999",
		  "argument \"1.2.3.4:99999999999\" is wrong: port must be 1..65535" },
		{ "service add web 1.2.3.4:8o",
		  "argument \"1.2.3.4:8o\" is wrong: port '8o' is not a number" },
		{ "service add web 1.2.3.4:-1",
		  "argument \"1.2.3.4:-1\" is wrong: port '-1' is not a number" },
		{ "service add web 1.2.3.256:80",
		  "argument \"1.2.3.256:80\" is wrong: '1.2.3.256' is not a numeric IP address" },
		{ "service add web example.com:80",
		  "argument \"example.com:80\" is wrong: 'example.com' is not a numeric IP address" },
		{ "service add web 2001:2::100:80",
		  "argument \"2001:2::100:80\" is wrong: an IPv6 VIP needs brackets" },
		{ "service add web 2001:2::100",
		  "argument \"2001:2::100\" is wrong: an IPv6 VIP needs brackets" },
		{ "service add web [2001:2::100]",
		  "argument \"[2001:2::100]\" is wrong: missing port" },
		{ "service add web [2001:2::100:80",
		  "argument \"[2001:2::100:80\" is wrong: missing ']'" },
		{ "service add web [1.2.3.4]:80",
		  "argument \"[1.2.3.4]:80\" is wrong: '1.2.3.4' is not an IPv6 address" },
		{ "service add web [2001:2::100]80",
		  "argument \"[2001:2::100]80\" is wrong: expected ':'" },
		{ "service add web 0.0.0.0:80",
		  "argument \"0.0.0.0:80\" is wrong: the address cannot be used" },
		{ "service add web 239.1.1.1:80",
		  "argument \"239.1.1.1:80\" is wrong: the address cannot be used" },
		{ "service add web [ff02::1]:80",
		  "argument \"[ff02::1]:80\" is wrong: the address cannot be used" },
		{ "service add we/b 1.2.3.4:80",
		  "argument \"we/b\" is wrong: a service name is 1..63" },
		{ "service add 0123456789012345678901234567890123456789012345678901234567890123 1.2.3.4:80",
		  "argument \"0123456789012345678901234567890123456789012345678901234567890123\" is wrong: a service name" },
		{ "service add web 1.2.3.4:80 --proto sctp",
		  "argument \"sctp\" is wrong: protocol must be tcp or udp" },
		{ "service add web 1.2.3.4:80 --scheduler wrr",
		  "argument \"wrr\" is wrong: unknown scheduler (one of: maglev, source-hash," },
		{ "service add web 1.2.3.4:80 --table-size 65536",
		  "argument \"65536\" is wrong: table size must be a prime (next prime: 65537)" },
		{ "service add web 1.2.3.4:80 --table-size 1",
		  "argument \"1\" is wrong: table size must be a prime in 2..1048573" },
		{ "service add web 1.2.3.4:80 --table-size 1048576",
		  "argument \"1048576\" is wrong: table size must be a prime in 2..1048573" },
		{ "service add web 1.2.3.4:80 --table-size big",
		  "argument \"big\" is wrong: table size is not a number" },
		{ "service add web 1.2.3.4:80 --proto",
		  "argument \"--proto\" is wrong: missing value" },
		{ "service add web 1.2.3.4:80 --proto tcp --proto udp",
		  "argument \"--proto\" is wrong: given twice" },
		{ "service add web 1.2.3.4:80 --weight 1",
		  "argument \"--weight\" is wrong: unknown option" },
		{ "service add web 1.2.3.4:80 -p",
		  "argument \"-p\" is wrong: unknown option" },
		{ "status --json",
		  "argument \"--json\" is wrong: global options go before the command" },
		{ "service del", "argument \"NAME\" is wrong: missing" },
		{ "service del web extra",
		  "argument \"extra\" is wrong: unexpected argument" },
		{ "backend add web", "argument \"ADDRESS\" is wrong: missing" },
		{ "backend add web 10.0.0.1:80",
		  "argument \"10.0.0.1:80\" is wrong: a backend address takes no port" },
		{ "backend add web [2001:db8::1]",
		  "argument \"[2001:db8::1]\" is wrong: write a backend's IPv6 address without brackets" },
		{ "backend add web backend1",
		  "argument \"backend1\" is wrong: not a numeric IP address" },
		{ "backend add web 255.255.255.255",
		  "argument \"255.255.255.255\" is wrong: the address cannot be used" },
		{ "backend add web 10.0.0.1 --weight heavy",
		  "argument \"heavy\" is wrong: weight is not a number" },
		{ "backend add web 10.0.0.1 --weight 65536",
		  "argument \"65536\" is wrong: weight must be 0..65535" },
		{ "backend add web 10.0.0.1 --weight -1",
		  "argument \"-1\" is wrong: weight is not a number" },
		{ "backend del web 10.0.0.1 --weight 1",
		  "argument \"--weight\" is wrong: unknown option" },
		{ "backend set web 10.0.0.1",
		  "argument \"--weight|--drain|--enable\" is wrong: missing" },
		{ "backend set web 10.0.0.1 --weight 5 --drain",
		  "argument \"--drain\" is wrong: only one of --weight, --drain and --enable" },
		{ "backend set web 10.0.0.1 --enable --drain",
		  "argument \"--drain\" is wrong: only one of" },
		{ "backend set web 10.0.0.1 --drain --weight=5",
		  "argument \"--weight=5\" is wrong: only one of" },
		{ "backend set web 10.0.0.1 --drain=yes",
		  "argument \"--drain=yes\" is wrong: takes no value" },
		{ "backend set web 10.0.0.1 --weight 70000",
		  "argument \"70000\" is wrong: weight must be 0..65535" },
		{ "stats web extra",
		  "argument \"extra\" is wrong: unexpected argument" },
		{ "stats we/b", "argument \"we/b\" is wrong: a service name" },
	};
	const struct xlbctl_cmd *cmd;
	char buf[256], err[256], *argv[XLB_TEST_MAX_ARGV];
	struct json_object *req;
	int argc, ret;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		argc = xlb_test_split(cases[i].line, buf, sizeof(buf), argv);
		req = (struct json_object *)1;
		err[0] = '\0';
		ret = xlbctl_build_request(argc, argv, &cmd, &req, err,
					   sizeof(err));
		ASSERT_EQ(ret, -EINVAL, cases[i].line);
		ASSERT_TRUE(!req, "no request");
		if (!ASSERT_TRUE(
			    !strncmp(err, cases[i].err, strlen(cases[i].err)),
			    cases[i].line))
			fprintf(stderr, "    got \"%s\"\n    want \"%s...\"\n",
				err, cases[i].err);
		if (ret == 0)
			json_object_put(req);
	}
}

TEST(ctl_cli_help)
{
	static const char *const lines[] = {
		"help",		  "-h",
		"--help",	  "help backend set",
		"service --help", "backend set web 1.2.3.4 --help",
		"status -h",
	};
	const struct xlbctl_cmd *cmd;
	char buf[256], err[256], *argv[XLB_TEST_MAX_ARGV], *out = NULL;
	struct json_object *req;
	size_t len = 0;
	FILE *f;
	int argc;

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		argc = xlb_test_split(lines[i], buf, sizeof(buf), argv);
		ASSERT_EQ(xlbctl_build_request(argc, argv, &cmd, &req, err,
					       sizeof(err)),
			  1, lines[i]);
		ASSERT_TRUE(!req, "no request");
	}
	/* "help backend set" names its command. */
	argc = xlb_test_split("help backend set", buf, sizeof(buf), argv);
	xlbctl_build_request(argc, argv, &cmd, &req, err, sizeof(err));
	f = open_memstream(&out, &len);
	if (!ASSERT_TRUE(f && cmd, "memstream, cmd"))
		goto out;
	xlbctl_usage(cmd, NULL, f);
	fclose(f);
	f = NULL;
	ASSERT_CONTAINS(
		out,
		"Usage: xlbctl [OPTIONS] backend set SERVICE ADDRESS (--weight N | --drain | --enable)",
		"usage");
out:
	if (f)
		fclose(f);
	free(out);
}

/* xlbctl: response -> text */

/* Print data for the command line's command into a string. */
static char *render(const char *line, const char *data_json, bool json)
{
	struct json_object *data = json_tokener_parse(data_json), *req;
	const struct xlbctl_cmd *cmd;
	char buf[256], err[256], *argv[XLB_TEST_MAX_ARGV], *out = NULL;
	size_t len = 0;
	FILE *f = NULL;
	int argc;

	argc = xlb_test_split(line, buf, sizeof(buf), argv);
	if (xlbctl_build_request(argc, argv, &cmd, &req, err, sizeof(err)))
		goto out;
	json_object_put(req);
	f = open_memstream(&out, &len);
	if (!f || xlbctl_print(cmd, data, json, f)) {
		if (f)
			fclose(f);
		free(out);
		out = NULL;
		goto out;
	}
	fclose(f);
out:
	json_object_put(data);
	return out;
}

static const char status_json[] =
	"{\"services\": ["
	"{\"name\": \"web\", \"vip\": \"198.19.0.100\", \"port\": 80,"
	" \"protocol\": \"tcp\", \"scheduler\": \"maglev\","
	" \"table_size\": 65537, \"ring_digest\": \"00c0ffee12345678\","
	" \"backends\": ["
	"  {\"address\": \"198.19.0.11\", \"weight\": 100,"
	"   \"config_weight\": 100, \"state\": \"up\","
	"   \"mac\": \"02:78:6c:62:00:0b\"},"
	"  {\"address\": \"198.19.0.120\", \"weight\": 0,"
	"   \"config_weight\": 50, \"state\": \"drained\", \"mac\": null}]},"
	"{\"name\": \"dns6\", \"vip\": \"2001:2::100\", \"port\": 53,"
	" \"protocol\": \"udp\", \"scheduler\": \"maglev\","
	" \"table_size\": 251, \"backends\": []}]}";

TEST(ctl_cli_print_status)
{
	char *out = render("status", status_json, false);
	struct json_object *back = NULL, *exp = NULL;

	if (!ASSERT_TRUE(out, "render"))
		goto out;
	ASSERT_STREQ(
		out,
		"web   198.19.0.100:80/tcp   maglev  table 65537  ring 00c0ffee12345678\n"
		"  ADDRESS       WEIGHT  STATE    MAC\n"
		"  198.19.0.11      100  up       02:78:6c:62:00:0b\n"
		"  198.19.0.120    0/50  drained  -\n"
		"\n"
		"dns6  [2001:2::100]:53/udp  maglev  table 251\n"
		"  no backends\n",
		"status text");
	free(out);
	/* --json is the data itself. */
	out = render("status", status_json, true);
	back = out ? json_tokener_parse(out) : NULL;
	exp = json_tokener_parse(status_json);
	ASSERT_TRUE(back && json_object_equal(back, exp), "status json");
	free(out);
	out = render("status", "{\"services\": []}", false);
	ASSERT_STREQ(out, "no services\n", "no services");
out:
	json_object_put(back);
	json_object_put(exp);
	free(out);
}

TEST(ctl_cli_print_stats)
{
	char *out =
		render("stats",
		       "{\"global\": {\"tx\": 1234567, \"drop_fragment\": 0},"
		       " \"services\": [{\"name\": \"web\", \"packets\": 1000,"
		       " \"bytes\": 123456789, \"new_flows\": 12, \"backends\":"
		       " [{\"address\": \"198.19.0.11\", \"packets\": 999,"
		       " \"bytes\": 1000, \"new_flows\": 12}]}]}",
		       false);

	ASSERT_STREQ(out,
		     "COUNTER            VALUE\n"
		     "tx             1,234,567\n"
		     "drop_fragment          0\n"
		     "\n"
		     "SERVICE        PACKETS        BYTES  NEW_FLOWS\n"
		     "web              1,000  123,456,789         12\n"
		     "  198.19.0.11      999        1,000         12\n",
		     "stats text");
	free(out);
	out = render("config", "{\"yaml\": \"interface: eth0\"}", false);
	ASSERT_STREQ(out, "interface: eth0\n", "config text");
	free(out);
	/* Commands that return nothing print nothing, or {} with --json. */
	out = render("service del web", "{}", false);
	ASSERT_STREQ(out, "", "service del text");
	free(out);
	out = render("service del web", "{}", true);
	ASSERT_STREQ(out, "{}\n", "service del json");
	free(out);
}
