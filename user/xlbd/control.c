// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Part: the control socket. Requests (see ctl.h for the protocol) are
 * validated here in full, then applied through state.c; a request that
 * fails validation changes nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <json-c/json.h>

#include "inspect.h"
#include "ctl.h"
#include "log.h"
#include "request.h"
#include "maglev.h"
#include "ring_digest.h"
#include "xlbd.h"

struct xlbd_client {
	struct xlbd *d;
	struct xlb_ctl_conn *c;	  /* NULL: not a connection (fuzzing) */
	int fd;			  /* answers go here */
	bool waiting;		  /* an answer comes later: no next request */
	bool gone;		  /* hung up while waiting: that answer frees */
	struct xlb_timer *resume; /* serve() the requests read meanwhile */
};

static int listen_fd = -1;

static int get_addr(struct json_object *req, union xlb_addr *a, __u8 *family,
		    char *err)
{
	const char *s = xlbd_req_str(req, "address", true, err);

	if (!s)
		return -EINVAL;
	if (xlb_parse_addr(s, a, family) || !xlb_addr_usable(a, *family)) {
		snprintf(err, XLBD_ERR_LEN,
			 "\"%s\" is not a usable IPv4 or IPv6 address", s);
		return -EINVAL;
	}
	return 0;
}

static json_object *status_backend(const struct svc_rt *s,
				   const struct be_rt *b)
{
	json_object *o = json_object_new_object();
	enum be_state st = xlbd_be_state(b);
	char mac[18];

	json_object_object_add(
		o, "address",
		xlbd_req_json_addr(&b->conf.addr, b->conf.family));
	/* in effect: 0 when drained, ramping during slow start */
	json_object_object_add(
		o, "weight",
		json_object_new_int(xlbd_be_weight(s, b, xlb_now_ms())));
	json_object_object_add(o, "config_weight",
			       json_object_new_int(b->conf.weight));
	json_object_object_add(o, "state",
			       json_object_new_string(xlbd_be_state_name(st)));
	if (b->mac_ok) {
		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x",
			 b->mac[0], b->mac[1], b->mac[2], b->mac[3], b->mac[4],
			 b->mac[5]);
		json_object_object_add(o, "mac", json_object_new_string(mac));
	} else {
		json_object_object_add(o, "mac", NULL);
	}
	if (st == BE_UNRESOLVED && b->why[0])
		json_object_object_add(o, "reason",
				       json_object_new_string(b->why));
	if (b->hc)
		json_object_object_add(o, "health", xlbd_health_json(b));
	json_object_object_add(o, "id", json_object_new_int(b->id));
	/* from the last flow-table scan */
	json_object_object_add(o, "active_flows",
			       json_object_new_int64(b->active_flows));
	return o;
}

/* only: just that backend (a change's answer), NULL: all of them */
static json_object *status_service(const struct svc_rt *s,
				   const struct be_rt *only)
{
	json_object *o = json_object_new_object(), *bes;
	char digest[XLB_RING_DIGEST_STRLEN];

	json_object_object_add(o, "name", json_object_new_string(s->conf.name));
	json_object_object_add(
		o, "vip", xlbd_req_json_addr(&s->conf.vip, s->conf.family));
	json_object_object_add(o, "port", json_object_new_int(s->conf.port));
	json_object_object_add(
		o, "protocol",
		json_object_new_string(xlb_proto_name(s->conf.proto)));
	json_object_object_add(
		o, "scheduler",
		json_object_new_string(xlb_sched_names[s->conf.sched]));
	json_object_object_add(o, "table_size",
			       json_object_new_int64(s->conf.table_size));
	json_object_object_add(o, "id", json_object_new_int(s->id));
	xlb_ring_digest_format(s->ring_digest, digest);
	json_object_object_add(o, "ring_digest",
			       json_object_new_string(digest));
	bes = json_object_new_array();
	for (size_t i = 0; i < s->n_bes; i++)
		if (!only || s->bes[i] == only)
			json_object_array_add(bes,
					      status_backend(s, s->bes[i]));
	json_object_object_add(o, "backends", bes);
	return o;
}

/* This node's side of the cluster: what it announces, and why not. */
static json_object *status_node(const struct xlbd *d)
{
	json_object *o = json_object_new_object(), *vips;

	json_object_object_add(o, "announce_table",
			       json_object_new_int64(d->cfg.announce_table));
	json_object_object_add(o, "drained",
			       json_object_new_boolean(d->ann.drained));
	json_object_object_add(o, "hash_seed",
			       json_object_new_int64(d->cfg.hash_seed));
	json_object_object_add(
		o, "config_source",
		json_object_new_string(d->etcd ? "etcd" : "file"));
	if (d->etcd)
		json_object_object_add(o, "etcd", xlbd_etcd_status_json(d));
	vips = json_object_new_array();
	for (size_t i = 0; i < d->ann.n; i++) {
		const struct xlbd_vip *v = &d->ann.vips[i];

		json_object_array_add(vips,
				      xlbd_req_json_addr(&v->addr, v->family));
	}
	json_object_object_add(o, "announced", vips);
	return o;
}

/*
 * A change command's answer: what changed, as status shows it, in
 * status's shape ({"services": [...]}) plus "change": what happened.
 * For a removal it is built before the removal (reply_of then).
 */
static json_object *change_reply(const char *what, json_object *svc)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();

	json_object_object_add(o, "change", json_object_new_string(what));
	json_object_array_add(a, svc);
	json_object_object_add(o, "services", a);
	return o;
}

static void undone_add(void *ctx, bool runtime, const char *msg)
{
	json_object_array_add(ctx, json_object_new_string(msg));
}

static int cmd_status(struct xlbd *d, struct json_object *req,
		      json_object **data, char *err)
{
	static const char *const allowed[] = { NULL };
	json_object *svcs;

	if (!xlbd_req_keys_ok(req, allowed, err))
		return -EINVAL;
	*data = json_object_new_object();
	svcs = json_object_new_array();
	for (size_t i = 0; i < d->n_svcs; i++)
		json_object_array_add(svcs, status_service(d->svcs[i], NULL));
	json_object_object_add(*data, "services", svcs);
	json_object_object_add(*data, "node", status_node(d));
	/* the runtime model: a reload puts the file back (drift.c) */
	svcs = json_object_new_array();
	xlbd_drift(d, &d->file, undone_add, svcs);
	json_object_object_add(*data, "reload_undoes", svcs);
	return 0;
}

static int node_drain(struct xlbd *d, struct json_object *req,
		      json_object **data, char *err, bool drained)
{
	static const char *const allowed[] = { NULL };

	if (!xlbd_req_keys_ok(req, allowed, err))
		return -EINVAL;
	xlbd_announce_drain(d, drained);
	*data = status_node(d);
	return 0;
}

static int cmd_node_drain(struct xlbd *d, struct json_object *req,
			  json_object **data, char *err)
{
	return node_drain(d, req, data, err, true);
}

static int cmd_node_undrain(struct xlbd *d, struct json_object *req,
			    json_object **data, char *err)
{
	return node_drain(d, req, data, err, false);
}

static int cmd_service_add(struct xlbd *d, struct json_object *req,
			   json_object **data, char *err)
{
	static const char *const allowed[] = { "name",	    "vip",
					       "port",	    "protocol",
					       "scheduler", "table_size",
					       NULL };
	struct xlb_service_conf c;
	const char *name, *vip, *sched;
	long port, size;
	int r;

	if (!xlbd_req_keys_ok(req, allowed, err))
		return -EINVAL;
	xlb_service_conf_init(&c);
	name = xlbd_req_str(req, "name", true, err);
	if (!name)
		return -EINVAL;
	if (!xlb_name_ok(name)) {
		snprintf(err, XLBD_ERR_LEN,
			 "bad service name \"%s\": 1-63 of A-Z a-z 0-9 _ . -",
			 name);
		return -EINVAL;
	}
	snprintf(c.name, sizeof(c.name), "%s", name);
	vip = xlbd_req_str(req, "vip", true, err);
	if (!vip)
		return -EINVAL;
	if (xlb_parse_addr(vip, &c.vip, &c.family) ||
	    !xlb_addr_usable(&c.vip, c.family)) {
		snprintf(err, XLBD_ERR_LEN,
			 "\"%s\" is not a usable IPv4 or IPv6 address", vip);
		return -EINVAL;
	}
	r = xlbd_req_uint(req, "port", 1, 65535, &port, err);
	if (r <= 0) {
		if (!r)
			snprintf(err, XLBD_ERR_LEN,
				 "missing argument \"port\"");
		return -EINVAL;
	}
	c.port = port;
	r = xlbd_req_proto(req, &c.proto, err);
	if (r < 0)
		return r;
	sched = xlbd_req_str(req, "scheduler", false, err);
	if (err[0])
		return -EINVAL;
	if (sched) {
		r = xlb_parse_sched(sched);
		if (r < 0) {
			snprintf(err, XLBD_ERR_LEN, "unknown scheduler \"%s\"",
				 sched);
			return -EINVAL;
		}
		c.sched = r;
	}
	r = xlbd_req_uint(req, "table_size", 2, XLB_MAX_TABLE_SIZE, &size, err);
	if (r < 0)
		return -EINVAL;
	if (r) {
		if (!xlb_is_prime(size)) {
			snprintf(err, XLBD_ERR_LEN,
				 "table_size %ld is not prime", size);
			return -EINVAL;
		}
		c.table_size = size;
	}
	xlb_hc_conf_init(&c.hc, c.port);
	*data = NULL;
	r = xlbd_svc_add(d, &c, err, XLBD_ERR_LEN);
	if (!r)
		*data = change_reply(
			"added",
			status_service(xlbd_svc_find(d, c.name), NULL));
	return r;
}

static int cmd_service_del(struct xlbd *d, struct json_object *req,
			   json_object **data, char *err)
{
	static const char *const allowed[] = { "name", NULL };
	const char *name;
	struct svc_rt *s;
	int r;

	if (!xlbd_req_keys_ok(req, allowed, err))
		return -EINVAL;

	name = xlbd_req_str(req, "name", true, err);
	if (!name)
		return -EINVAL;
	s = xlbd_svc_find(d, name);
	*data = s ? change_reply("removed", status_service(s, NULL)) : NULL;
	r = xlbd_svc_del(d, name, err, XLBD_ERR_LEN);
	if (r) {
		json_object_put(*data);
		*data = NULL;
	}
	return r;
}

static int cmd_backend_add(struct xlbd *d, struct json_object *req,
			   json_object **data, char *err)
{
	static const char *const allowed[] = { "service", "address", "weight",
					       NULL };
	struct xlb_backend_conf c;
	struct svc_rt *s;
	long weight;
	int r;

	if (!xlbd_req_keys_ok(req, allowed, err))
		return -EINVAL;
	s = xlbd_req_svc(d, req, "service", err);
	if (!s)
		return -ENOENT;
	xlb_backend_conf_init(&c, &s->conf);
	if (get_addr(req, &c.addr, &c.family, err))
		return -EINVAL;
	r = xlbd_req_uint(req, "weight", 0, XLB_MAX_WEIGHT, &weight, err);
	if (r < 0)
		return -EINVAL;
	if (r)
		c.weight = weight;
	*data = NULL;
	r = xlbd_be_add(d, s, &c, err, XLBD_ERR_LEN);
	if (!r)
		*data = change_reply(
			"added",
			status_service(s, xlbd_be_find(s, &c.addr, c.family)));
	return r;
}

static struct be_rt *get_be(struct xlbd *d, struct json_object *req,
			    struct svc_rt **sp, char *err)
{
	union xlb_addr a;
	struct be_rt *b;
	__u8 family;

	*sp = xlbd_req_svc(d, req, "service", err);
	if (!*sp || get_addr(req, &a, &family, err))
		return NULL;
	b = xlbd_be_find(*sp, &a, family);
	if (!b)
		snprintf(err, XLBD_ERR_LEN, "service %s has no backend %s",
			 (*sp)->conf.name,
			 json_object_get_string(
				 json_object_object_get(req, "address")));
	return b;
}

static int cmd_backend_del(struct xlbd *d, struct json_object *req,
			   json_object **data, char *err)
{
	static const char *const allowed[] = { "service", "address", NULL };
	struct json_object *before;
	struct svc_rt *s;
	struct be_rt *b;
	int r;

	if (!xlbd_req_keys_ok(req, allowed, err))
		return -EINVAL;
	b = get_be(d, req, &s, err);
	if (!b)
		return -ENOENT;
	before = change_reply("removed", status_service(s, b));
	r = xlbd_be_del(d, s, b);

	if (r)
		json_object_put(before);
	else
		*data = before;
	return r;
}

static int cmd_backend_set(struct xlbd *d, struct json_object *req,
			   json_object **data, char *err)
{
	static const char *const allowed[] = { "service", "address", "weight",
					       "drain",	  "enable",  NULL };
	int nopts = 0, drain = 0, r;
	long weight = -1;
	struct svc_rt *s;
	struct be_rt *b;

	if (!xlbd_req_keys_ok(req, allowed, err))
		return -EINVAL;
	b = get_be(d, req, &s, err);
	if (!b)
		return -ENOENT;
	if (xlbd_req_uint(req, "weight", 0, XLB_MAX_WEIGHT, &weight, err) < 0)
		return -EINVAL;
	nopts += weight >= 0;
	r = xlbd_req_true(req, "drain", err);
	if (r < 0)
		return -EINVAL;
	if (r) {
		drain = 1;
		nopts++;
	}
	r = xlbd_req_true(req, "enable", err);
	if (r < 0)
		return -EINVAL;
	if (r) {
		drain = -1;
		nopts++;
	}
	if (nopts != 1) {
		snprintf(err, XLBD_ERR_LEN,
			 "give exactly one of weight, drain, enable");
		return -EINVAL;
	}
	*data = NULL;
	r = xlbd_be_set(d, s, b, weight, drain);
	if (!r)
		*data = change_reply("changed", status_service(s, b));
	return r;
}

static json_object *jcounters(const struct xlb_counters *c)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "packets", json_object_new_int64(c->packets));
	json_object_object_add(o, "bytes", json_object_new_int64(c->bytes));
	json_object_object_add(o, "new_flows",
			       json_object_new_int64(c->new_flows));
	return o;
}

/* flow_sync.c's counters beside the data plane's flow_sync_lost */
static void sync_counters(struct xlbd *d, json_object *g)
{
	char name[64];

#define SYNC_JSON(f, help)                         \
	json_object_object_add(g, "flow_sync_" #f, \
			       json_object_new_int64(d->sync.f));
	XLBD_SYNC_COUNTERS(SYNC_JSON)
#undef SYNC_JSON
	for (int i = XLB_SYNC_R_OK + 1; i < XLB_SYNC_R_N; i++) {
		snprintf(name, sizeof(name), "flow_sync_rejected_%s",
			 xlb_sync_reason_names[i]);
		json_object_object_add(
			g, name, json_object_new_int64(d->sync.rejected[i]));
	}
}

static int cmd_stats(struct xlbd *d, struct json_object *req,
		     json_object **data, char *err)
{
	static const char *const allowed[] = { "service", NULL };
	__u64 global[XLB_STAT_MAX];
	struct svc_rt *only = NULL;
	json_object *g, *svcs;

	if (!xlbd_req_keys_ok(req, allowed, err))
		return -EINVAL;
	if (json_object_object_get_ex(req, "service", NULL)) {
		only = xlbd_req_svc(d, req, "service", err);
		if (!only)
			return -ENOENT;
	}
	if (xlb_dp_stats_global(&d->dp, global)) {
		snprintf(err, XLBD_ERR_LEN, "cannot read counters");
		return -EIO;
	}
	*data = json_object_new_object();
	g = json_object_new_object();
	for (int i = 0; i < XLB_STAT_MAX; i++)
		json_object_object_add(g, xlb_stat_names[i],
				       json_object_new_int64(global[i]));
	if (d->cfg.sync.on)
		sync_counters(d, g);
	json_object_object_add(*data, "global", g);
	svcs = json_object_new_array();
	for (size_t i = 0; i < d->n_svcs; i++) {
		struct svc_rt *s = d->svcs[i];
		struct xlb_counters c;
		json_object *o, *bes;

		if (only && s != only)
			continue;
		xlb_dp_stats_svc(&d->dp, s->id, &c);
		o = jcounters(&c);
		json_object_object_add(o, "name",
				       json_object_new_string(s->conf.name));
		bes = json_object_new_array();
		for (size_t j = 0; j < s->n_bes; j++) {
			json_object *bo;

			xlb_dp_stats_be(&d->dp, s->bes[j]->id, &c);
			bo = jcounters(&c);
			json_object_object_add(
				bo, "health_transitions",
				json_object_new_int64(s->bes[j]->transitions));
			json_object_object_add(
				bo, "address",
				xlbd_req_json_addr(&s->bes[j]->conf.addr,
						   s->bes[j]->conf.family));
			json_object_array_add(bes, bo);
		}
		json_object_object_add(o, "backends", bes);
		json_object_array_add(svcs, o);
	}
	json_object_object_add(*data, "services", svcs);
	return 0;
}

static int cmd_config(struct xlbd *d, struct json_object *req,
		      json_object **data, char *err)
{
	static const char *const allowed[] = { NULL };
	char *buf;
	size_t len;
	int ret;

	if (!xlbd_req_keys_ok(req, allowed, err))
		return -EINVAL;
	ret = xlbd_state_effective_yaml(d, false, &buf, &len);
	if (ret) {
		snprintf(err, XLBD_ERR_LEN, "cannot write config: %s",
			 strerror(-ret));
		return ret;
	}
	*data = json_object_new_object();
	json_object_object_add(*data, "yaml", json_object_new_string(buf));
	free(buf);
	return 0;
}

/*
 * shared: the command changes the cluster's config, which with
 * config_source: etcd is written back there (etcd_source.c) so every
 * node applies it; a failed write is the command's failure, and the
 * answer waits for the write. later: a command answered later, from
 * the loop (xlbd_control_reply), when what it waits for is in.
 */
static const struct {
	const char *name;
	int (*fn)(struct xlbd *d, struct json_object *req, json_object **data,
		  char *err);
	bool shared;
	int (*later)(struct xlbd *d, struct xlbd_client *cl,
		     struct json_object *req, char *err);
} cmds[] = {
	{ "status", cmd_status },
	{ "service_add", cmd_service_add, true },
	{ "service_del", cmd_service_del, true },
	{ "backend_add", cmd_backend_add, true },
	{ "backend_del", cmd_backend_del, true },
	{ "backend_set", cmd_backend_set, true },
	{ "cluster_status", .later = xlbd_cluster_status },
	{ "trace", .later = xlbd_inspect_trace },
	{ "stats", cmd_stats },
	{ "config", cmd_config },
	{ "flows", xlbd_inspect_flows },
	{ "explain", xlbd_inspect_explain },
	{ "node_drain", cmd_node_drain },
	{ "node_undrain", cmd_node_undrain },
};

static void refused(const char *cmd, const char *err, int fd)
{
	xlb_ctl_reply_err(fd, "%s", err[0] ? err : "request failed");
	pr_debug("control: %s refused: %s", cmd, err);
}

void xlbd_control_handle(struct xlbd_client *cl, struct json_object *req)
{
	struct xlbd *d = cl->d;
	const char *cmd = NULL;
	json_object *data = NULL, *v;
	char err[XLBD_ERR_LEN] = "";
	int r;

	if (json_object_object_get_ex(req, "cmd", &v) &&
	    json_object_is_type(v, json_type_string))
		cmd = json_object_get_string(v);
	if (!cmd) {
		xlb_ctl_reply_err(cl->fd, "missing \"cmd\"");
		return;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(cmds[i].name, cmd))
			continue;
		if (cmds[i].later) {
			r = cmds[i].later(d, cl, req, err);
			if (r == XLBD_REPLY_LATER)
				cl->waiting = true;
			else
				refused(cmd, err, cl->fd);
			return;
		}
		r = cmds[i].fn(d, req, &data, err);
		if (!r && cmds[i].shared && d->etcd) {
			r = xlbd_etcd_write_back(d, cl, data, err,
						 XLBD_ERR_LEN);
			if (r == XLBD_REPLY_LATER) {
				cl->waiting = true; /* data goes with it */
				return;
			}
		}
		if (r) {
			json_object_put(data);
			refused(cmd, err, cl->fd);
		} else {
			xlb_ctl_reply_ok(cl->fd, data);
		}
		return;
	}
	xlb_ctl_reply_err(cl->fd, "unknown command \"%s\"", cmd);
}

struct xlbd_client *xlbd_control_client(struct xlbd *d, int fd)
{
	struct xlbd_client *cl = calloc(1, sizeof(*cl));

	if (cl) {
		cl->d = d;
		cl->fd = fd;
	}
	return cl;
}

bool xlbd_control_waiting(const struct xlbd_client *cl)
{
	return cl->waiting;
}

/* Hung up (or the fuzzer's session ended). */
void xlbd_control_client_free(struct xlbd_client *cl)
{
	xlb_timer_cancel(cl->d->loop, cl->resume);
	cl->resume = NULL;
	if (cl->c) {
		xlb_loop_del_fd(cl->d->loop, cl->fd);
		xlb_ctl_conn_free(cl->c);
		cl->c = NULL;
	}
	if (!cl->waiting) {
		free(cl);
		return;
	}
	cl->gone = true;
	/* a trace ends now, nobody reads it; its answer frees cl */
	xlbd_inspect_trace_cancel(cl->d, cl);
}

/* The requests read so far, in order, until one waits. */
static void serve(struct xlbd_client *cl)
{
	struct json_object *req;
	int r = 0;

	while (!cl->waiting && (r = xlb_ctl_conn_read(cl->c, &req)) > 0) {
		xlbd_control_handle(cl, req);
		json_object_put(req);
	}
	if (cl->waiting) {
		/* hang-ups are still reported; buffered requests stay */
		xlb_loop_mod_fd(cl->d->loop, cl->fd, 0);
		return;
	}
	if (r == -EBADMSG) {
		xlb_ctl_reply_err(cl->fd,
				  "malformed request: not a JSON object line");
		return;
	}
	if (r < 0)
		xlbd_control_client_free(cl);
}

static void on_resume(struct xlb_loop *l, void *ctx)
{
	struct xlbd_client *cl = ctx;

	cl->resume = NULL;
	if (!cl->waiting)
		serve(cl);
}

void xlbd_control_reply(struct xlbd_client *cl, json_object *data,
			const char *err)
{
	cl->waiting = false;
	if (cl->gone) {
		json_object_put(data);
		free(cl);
		return;
	}
	if (err)
		xlb_ctl_reply_err(cl->fd, "%s", err);
	else
		xlb_ctl_reply_ok(cl->fd, data);
	/*
	 * The connection's next requests: from the loop, not from here (the
	 * caller is in the middle of something; once the loop has ended,
	 * xlbd is exiting and starts nothing new).
	 */
	if (cl->c) {
		xlb_loop_mod_fd(cl->d->loop, cl->fd, EPOLLIN);
		if (!cl->resume)
			cl->resume =
				xlb_timer_add(cl->d->loop, 0, on_resume, cl);
	}
}

static void on_client(struct xlb_loop *l, int fd, uint32_t events, void *ctx)
{
	struct xlbd_client *cl = ctx;

	if (!cl->waiting)
		serve(cl);
	else if (events & (EPOLLHUP | EPOLLERR))
		xlbd_control_client_free(cl);
}

static void on_listen(struct xlb_loop *l, int fd, uint32_t events, void *ctx)
{
	int cfd;

	while ((cfd = xlb_ctl_accept(fd)) >= 0) {
		struct xlbd_client *cl = xlbd_control_client(ctx, cfd);

		if (!cl || !(cl->c = xlb_ctl_conn_new(cfd))) {
			free(cl);
			close(cfd);
			continue;
		}
		if (xlb_loop_add_fd(l, cfd, EPOLLIN, on_client, cl)) {
			xlb_ctl_conn_free(cl->c);
			free(cl);
		}
	}
}

int xlbd_control_start(struct xlbd *d)
{
	int err;

	listen_fd = xlb_ctl_listen(d->cfg.control_socket);
	if (listen_fd < 0) {
		pr_err("control socket %s: %s%s", d->cfg.control_socket,
		       strerror(-listen_fd),
		       listen_fd == -EADDRINUSE ? " (another xlbd is running)"
						: "");
		return listen_fd;
	}
	err = xlb_loop_add_fd(d->loop, listen_fd, EPOLLIN, on_listen, d);
	if (err)
		return err;
	pr_info("control socket %s", d->cfg.control_socket);
	return 0;
}

void xlbd_control_stop(struct xlbd *d)
{
	if (listen_fd < 0)
		return;
	xlb_loop_del_fd(d->loop, listen_fd);
	close(listen_fd);
	unlink(d->cfg.control_socket);
	listen_fd = -1;
}
