/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Control socket: the protocol between xlbctl (or any script) and xlbd.
 *
 * Protocol
 * --------
 * Transport: a Unix stream socket, by default /run/xlb/xlb.sock, created
 * by xlbd with mode 0600 (so only root, or the daemon's user, may talk to
 * it). A client may send one request per connection or several in a row on
 * the same connection; requests on one connection are answered in order,
 * one response per request.
 *
 * Framing: every message, in both directions, is ONE JSON object on one
 * line, terminated by "\n" (newline-delimited JSON). A message is at most
 * 1 MiB (1048576 bytes) including the "\n". JSON strings escape newlines,
 * so a message never contains a raw newline before its end. The text must
 * be UTF-8 and strict JSON; blanks before the "\n" (a "\r" included) are
 * ignored. Anything else (an empty line, a non-object, trailing data, a
 * truncated or over-long message) is an error; xlbd answers a malformed
 * line with an error response and closes the connection after an
 * over-long or truncated one.
 *
 * Request:  {"cmd": "<name>", ...args}
 * Response: {"ok": true, "data": {...}}
 *       or  {"ok": false, "error": "human readable reason"}
 * "data" is always an object; it is {} for commands that return nothing.
 *
 * Addresses are numeric strings ("198.19.0.100", "2001:2::100", never with
 * brackets or a port); ports, weights and sizes are JSON integers. Names
 * (service names) are 1..63 of [A-Za-z0-9_.-].
 *
 * Commands:
 *
 *   status
 *	data: {"services": [{"name": "web", "vip": "198.19.0.100",
 *		"port": 80, "protocol": "tcp", "scheduler": "maglev",
 *		"table_size": 65537,
 *		"backends": [{"address": "198.19.0.11", "weight": 100,
 *			"config_weight": 100, "state": "up",
 *			"mac": "02:78:6c:62:00:0b", "health": {...}}]}]}
 *	weight is the weight in effect (slow start, drain), config_weight
 *	the configured one. state is one of "up", "down", "drained",
 *	"unresolved" (MAC not known yet). mac is null while unresolved.
 *	health is optional: an object of scalar fields describing the
 *	health check (absent when the backend has none).
 *
 *   service_add {"name", "vip", "port", "protocol": "tcp"|"udp",
 *		  "scheduler" (optional, default "maglev"),
 *		  "table_size" (optional, default 65537)}
 *   service_del {"name"}
 *   backend_add {"service", "address", "weight" (optional, default 100)}
 *   backend_del {"service", "address"}
 *   backend_set {"service", "address", and exactly one of
 *		  "weight": N | "drain": true | "enable": true}
 *	data: {}
 *	weight is 0..65535 (0: no new flows); drain sets the weight in
 *	effect to 0 keeping the configured one, enable undoes a drain.
 *	scheduler is one of maglev, source-hash, round-robin,
 *	weighted-round-robin, random, least-connections; table_size a
 *	prime in 2..1048573.
 *
 *   stats {"service" (optional: only that service)}
 *	data: {"global": {"<counter name>": N, ...},
 *	       "services": [{"name", "packets", "bytes", "new_flows",
 *		"backends": [{"address", "packets", "bytes", "new_flows"}]}]}
 *	Counter names are xlb_stat_names[] from xlb_abi.h. global is
 *	always all of them; with "service", services holds only that one.
 *
 *   config
 *	data: {"yaml": "<effective configuration as YAML>"}
 *
 *   flows {"service" (optional), "limit" (optional, default 100)}
 *	data: {"flows": [{"service", "client", "client_port", "vip", "port",
 *		"protocol", "backend", "backend_id", "age_s", "idle_s",
 *		"state": "open"|"closed"|"stale"}], "total": N, "shown": M}
 *	total counts every matching flow, flows holds at most limit.
 *
 *   explain {"src", "sport", "vip", "port", "protocol" (default tcp),
 *	      "syn" (bool, default false), "cpu" (default 0)}
 *	data: {"service", "scheduler", "decision": "not-vip" | "flow" |
 *	       "hash" | "cursor" | "random" | "least-connections" |
 *	       "no-backend", "backend" (null unless one backend is certain),
 *	       "why", "flow": {...} when in the table, "slot", "hash",
 *	       "table_size", "cpu", "candidates": [{"backend", "share" |
 *	       "active_flows", "weight"}]}
 *
 *   trace {"count" (1..10000, default 100), "timeout_ms" (1..60000,
 *	    default 1000), "sample" (1 in N, default 1)}
 *	data: {"events": [{"ts_ns", "ifindex", "len", "src", "dst",
 *	       "sport", "dport", "protocol", "tcp_flags", "action",
 *	       "reason", "backend", "service", "new_flow"}], "complete": B}
 *	Answered when count events are in (complete true) or at the
 *	timeout. One trace at a time; tracing is on only while one waits.
 *
 * An unknown command, a missing or extra argument or one of the wrong
 * type is answered with ok: false. xlbd validates every request itself;
 * xlbctl validates what it can before sending only to fail fast.
 *
 * API
 * ---
 * Functions return 0 (or an fd, or a count) on success and -errno on
 * failure. Receive errors: -ECONNRESET the peer closed the connection
 * between messages, -EPROTO it closed it in the middle of one, -EMSGSIZE
 * a message exceeds XLB_CTL_MAX_MSG, -EBADMSG a line is not a JSON
 * object, -ETIMEDOUT nothing complete arrived in time.
 */
#ifndef XLB_CTL_H
#define XLB_CTL_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#define XLB_CTL_SOCKET "/run/xlb/xlb.sock"
#define XLB_CTL_MAX_MSG (1 << 20) /* bytes, including the "\n" */
#define XLB_CTL_TIMEOUT_MS 10000  /* xlbctl's wait for a response */
/*
 * How long the daemon's replies may wait for a client that does not read:
 * xlb_ctl_reply_*() write synchronously, so this bounds the stall.
 */
#define XLB_CTL_SEND_TIMEOUT_MS 2000

/*
 * json_object_object_add() that takes v in every case (json-c leaves it
 * with the caller when the insert fails): builds a message in a chain of
 * calls with one check. v NULL (a failed json_object_new_*()) is -ENOMEM.
 */
int xlb_ctl_add(struct json_object *o, const char *key, struct json_object *v);

/* Client side */

/*
 * Connect to the daemon's socket. Returns a blocking, close-on-exec fd or
 * -errno (-ENOENT / -ECONNREFUSED: no daemon listening there).
 */
int xlb_ctl_connect(const char *path);

/*
 * Send msg as one line. Handles partial writes; never raises SIGPIPE
 * (-EPIPE instead). -EMSGSIZE if it would exceed XLB_CTL_MAX_MSG.
 * Works on blocking and non-blocking sockets: on a full socket buffer it
 * waits up to XLB_CTL_SEND_TIMEOUT_MS for room, then fails -ETIMEDOUT.
 */
int xlb_ctl_send(int fd, struct json_object *msg);

/*
 * Receive one message into *msg (caller puts it). Reads exactly up to the
 * message's "\n", so a following message stays queued for the next call.
 * timeout_ms < 0 waits forever. Errors as listed above.
 */
int xlb_ctl_recv(int fd, struct json_object **msg, int timeout_ms);

/*
 * Connect, send req, receive the response and close. On 0, *resp is a
 * well-formed response (see xlb_ctl_resp_ok()). On failure *resp is NULL
 * and, if err is not NULL, err holds a message naming the path and saying
 * what went wrong ("cannot connect to PATH: ...: is xlbd running?").
 */
int xlb_ctl_call(const char *path, struct json_object *req,
		 struct json_object **resp, int timeout_ms, char *err,
		 size_t errlen);

/*
 * Split a response: true with *data (borrowed, an object) if ok, false
 * with *error (borrowed) if not. Either out pointer may be NULL.
 */
bool xlb_ctl_resp_ok(struct json_object *resp, struct json_object **data,
		     const char **error);

/* Server side, for the daemon's event loop */

/*
 * Create the listening socket at path: make missing parent directories
 * (mode 0700), remove a stale socket left by a dead daemon, bind with mode
 * 0600, listen. Returns a non-blocking, close-on-exec fd or -errno:
 * -EADDRINUSE if a live daemon answers on path, -EEXIST if path is
 * something other than a socket (it is never removed), -ENAMETOOLONG.
 * It sets the process umask for the duration of bind(): call it before
 * starting threads that create files.
 */
int xlb_ctl_listen(const char *path);

/* accept4() a client as non-blocking, close-on-exec; -EAGAIN if none. */
int xlb_ctl_accept(int listen_fd);

/*
 * A client connection's receive buffer. xlb_ctl_conn_new() takes ownership
 * of fd (xlb_ctl_conn_free() closes it). NULL and errno on error.
 */
struct xlb_ctl_conn;

struct xlb_ctl_conn *xlb_ctl_conn_new(int fd);
int xlb_ctl_conn_fd(const struct xlb_ctl_conn *c);
void xlb_ctl_conn_free(struct xlb_ctl_conn *c);

/*
 * Read what the (non-blocking) socket has. Returns 1 with *req (caller
 * puts it) when a complete request is available, 0 when more data is
 * needed (the socket has been drained: wait for EPOLLIN), or -errno.
 * On -EBADMSG the bad line has been consumed and later requests may
 * already be buffered: reply with an error and call again. On any other
 * error close the connection (-ECONNRESET is a normal close by the
 * client). Several requests may arrive in one read and nothing will
 * wake the loop for those already buffered, so on EPOLLIN do:
 *
 *	for (;;) {
 *		ret = xlb_ctl_conn_read(c, &req);
 *		if (ret == -EBADMSG) {
 *			xlb_ctl_reply_err(fd, "malformed request");
 *			continue;
 *		}
 *		if (ret <= 0)
 *			break;
 *		handle(req);	(replies, puts req)
 *	}
 *	if (ret < 0)
 *		xlb_ctl_conn_free(c);	(closes fd)
 */
int xlb_ctl_conn_read(struct xlb_ctl_conn *c, struct json_object **req);

/*
 * Reply {"ok": true, "data": data}. Takes the caller's reference to data,
 * whether or not it succeeds; NULL sends {}.
 */
/*
 * Reading a response, tolerating a daemon that leaves fields out: the
 * member (NULL if absent), a member as text (NULL if absent or null; a
 * number comes back as its decimal text), an array's length (0 if not an
 * array).
 */
struct json_object *xlb_json_get(struct json_object *o, const char *key);
const char *xlb_json_str(struct json_object *o, const char *key);
size_t xlb_json_len(struct json_object *arr);

int xlb_ctl_reply_ok(int fd, struct json_object *data);
/* Reply {"ok": false, "error": "<formatted message>"}. */
int xlb_ctl_reply_err(int fd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif /* XLB_CTL_H */
