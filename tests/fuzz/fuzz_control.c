// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Fuzz target: xlbd's control socket, a client's bytes -> request framing
 * (xlb_ctl_conn_read) -> the dispatcher and every command it runs
 * (control.c, inspect.c, state.c). The data plane and netlink are fakes
 * (fake_dataplane.c, fake_neigh.c): the daemon's state machine is real.
 * Each input starts from a daemon serving two services (base_yaml) and is
 * one client session: all its lines are requests, in order.
 *
 * Properties: one reply line per request, each a JSON object with a
 * boolean "ok" (an error carries a string "error"; a trace that started
 * is ended at once, which answers it); after the session the daemon's
 * state still dumps as a config xlbd would load.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <json-c/json.h>

#include "ctl.h"
#include "../../user/xlbd/inspect.h"
#include "../../user/xlbd/xlbd.h"
#include "fuzz.h"

static const char base_yaml[] =
	"interface: lo\n"
	"control_socket: /nonexistent/xlb.sock\n"
	"services:\n"
	"  - name: web\n"
	"    vip: 198.18.0.100\n"
	"    port: 80\n"
	"    table_size: 251\n"
	"    health_check: { type: http, path: /healthz }\n"
	"    backends:\n"
	"      - { address: 198.18.0.11, weight: 100 }\n"
	"      - { address: 198.18.0.12, weight: 200 }\n"
	"  - name: dns6\n"
	"    vip: 2001:db8::53\n"
	"    port: 53\n"
	"    protocol: udp\n"
	"    scheduler: round-robin\n"
	"    table_size: 13\n"
	"    backends:\n"
	"      - { address: 2001:db8::1 }\n";

static void daemon_up(struct xlbd *d)
{
	struct xlb_config file;
	int err;

	memset(d, 0, sizeof(*d));
	err = xlb_config_load_str("base", base_yaml, &d->cfg, NULL);
	fuzz_assert(!err, "base config refused");
	d->loop = xlb_loop_new();
	d->neigh = xlb_neigh_open();
	d->ifindex = 1;
	fuzz_assert(d->loop && !xlbd_state_init(d) &&
			    !xlb_dp_open(&d->dp, NULL),
		    "daemon setup");
	file = d->cfg;
	d->cfg.services = NULL;
	d->cfg.n_services = 0;
	fuzz_assert(!xlbd_state_apply(d, &file), "base config not applied");
	d->file = file;
}

static void daemon_down(struct xlbd *d)
{
	xlbd_inspect_trace_stop(d);
	xlbd_state_free(d);
	xlb_dp_close(&d->dp);
	xlb_loop_free(d->loop);
	xlb_config_free(&d->cfg);
	xlb_config_free(&d->file);
}

/* The replies so far, read from the daemon's side of the socket. */
struct replies {
	char *buf;
	size_t len, cap;
};

static void drain(int fd, struct replies *r)
{
	ssize_t n;

	for (;;) {
		if (r->cap - r->len < 65536) {
			r->cap = r->cap * 2 + 65536;
			r->buf = realloc(r->buf, r->cap);
			fuzz_assert(r->buf, "out of memory");
		}
		n = recv(fd, r->buf + r->len, r->cap - r->len - 1,
			 MSG_DONTWAIT);
		if (n <= 0)
			break;
		r->len += n;
	}
	r->buf[r->len] = 0;
}

/* Every reply line is a JSON object {"ok": bool, ...}; returns how many. */
static size_t check_replies(struct replies *r)
{
	size_t n = 0;
	char *line, *nl;

	if (!r->len)
		return 0;
	fuzz_assert(r->buf[r->len - 1] == '\n', "last reply not a whole line");
	for (line = r->buf; (nl = strchr(line, '\n')); line = nl + 1) {
		json_object *o, *ok, *e;

		*nl = 0;
		o = json_tokener_parse(line);
		fuzz_assert(o && json_object_is_type(o, json_type_object),
			    "reply not a JSON object: %s", line);
		fuzz_assert(json_object_object_get_ex(o, "ok", &ok) &&
				    json_object_is_type(ok, json_type_boolean),
			    "reply without a boolean ok: %s", line);
		if (!json_object_get_boolean(ok))
			fuzz_assert(json_object_object_get_ex(o, "error", &e) &&
					    json_object_is_type(
						    e, json_type_string),
				    "error reply without a message: %s", line);
		json_object_put(o);
		n++;
	}
	return n;
}

static void check_state(struct xlbd *d)
{
	struct xlb_config c, back;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;
	int err;

	fuzz_assert(!xlbd_state_effective(d, &c), "no effective config");
	f = open_memstream(&buf, &len);
	fuzz_assert(f && !xlb_config_dump(&c, f), "state cannot be dumped");
	fclose(f);
	err = xlb_config_load_str("state", buf, &back, NULL);
	fuzz_assert(!err, "the daemon's state is not a loadable config:\n%s",
		    buf);
	fuzz_assert(back.n_services == d->n_svcs, "%zu services, %zu dumped",
		    d->n_svcs, back.n_services);
	xlb_config_free(&back);
	xlb_config_free(&c);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xlb_ctl_conn *conn;
	struct xlbd_client *cl;
	struct json_object *req;
	struct xlbd d;
	size_t requests = 0;
	struct replies rep = {};
	int sv[2], rv[2], big = 8 << 20, r;

	if (size > 65536)
		return 0;
	daemon_up(&d);
	fuzz_assert(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv),
		    "socketpair");
	fuzz_assert(write(sv[1], data, size) == (ssize_t)size, "write");
	shutdown(sv[1], SHUT_WR);
	conn = xlb_ctl_conn_new(sv[0]);
	/* replies: a socket as in the daemon, room for the largest one */
	fuzz_assert(!socketpair(AF_UNIX, SOCK_STREAM, 0, rv), "socketpair");
	setsockopt(rv[0], SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
	setsockopt(rv[1], SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	cl = xlbd_control_client(&d, rv[0]);
	fuzz_assert(conn && cl, "connection setup");
	for (;;) {
		r = xlb_ctl_conn_read(conn, &req);
		if (r == -EBADMSG) {
			xlb_ctl_reply_err(rv[0], "malformed request");
			requests++;
			drain(rv[1], &rep);
			continue;
		}
		if (r <= 0)
			break;
		xlbd_control_handle(cl, req);
		json_object_put(req);
		/* nothing else answers later here (no etcd) */
		if (xlbd_control_waiting(cl))
			xlbd_inspect_trace_cancel(&d, cl);
		fuzz_assert(!xlbd_control_waiting(cl),
			    "an answer left waiting");
		requests++;
		drain(rv[1], &rep);
	}
	/* end of input: closed, or a last line cut short */
	fuzz_assert(r < 0, "session did not end: %d", r);
	r = check_replies(&rep);
	free(rep.buf);
	fuzz_assert((size_t)r == requests, "%d replies to %zu requests", r,
		    requests);
	xlb_ctl_conn_free(conn); /* closes sv[0] */
	close(sv[1]);
	xlbd_control_client_free(cl);
	close(rv[0]);
	close(rv[1]);
	check_state(&d);
	daemon_down(&d);
	return 0;
}
