// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Looking into the data plane: the flow table (`flows`), the decision for a
 * tuple (`explain`, see explain.h) and sampled packets (`trace`). XDP
 * traffic is invisible to tcpdump; these read what the program sees.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "inspect.h"
#include "ctl.h"
#include "explain.h"
#include "jclock.h"
#include "log.h"
#include "request.h"

/* Backend id -> its runtime entry, for naming backends in replies. */
static struct be_rt **be_index(struct xlbd *d, struct svc_rt ***svc_of)
{
	struct be_rt **idx = calloc(XLB_MAX_BACKENDS, sizeof(*idx));

	*svc_of = calloc(XLB_MAX_BACKENDS, sizeof(**svc_of));
	if (!idx || !*svc_of) {
		free(idx);
		free(*svc_of);
		return NULL;
	}
	for (size_t i = 0; i < d->n_svcs; i++)
		for (size_t j = 0; j < d->svcs[i]->n_bes; j++) {
			struct be_rt *b = d->svcs[i]->bes[j];

			if (b->id < XLB_MAX_BACKENDS) {
				idx[b->id] = b;
				(*svc_of)[b->id] = d->svcs[i];
			}
		}
	return idx;
}

static json_object *jbackend(struct be_rt *const *idx, __u32 id)
{
	if (id && id < XLB_MAX_BACKENDS && idx[id])
		return xlbd_req_json_addr(&idx[id]->conf.addr,
					  idx[id]->conf.family);
	return NULL;
}

static json_object *jseconds(__u32 jiffies, int hz)
{
	return json_object_new_double(xlb_jiffies_ms(jiffies, hz) / 1000.0);
}

/* Flow key from the request's src, sport, vip, port, protocol. */
static int req_key(struct json_object *req, struct xlb_flow_key *k, char *err)
{
	const char *src = xlbd_req_str(req, "src", true, err), *vip;
	long sport, port;
	__u8 fam;
	int r;

	memset(k, 0, sizeof(*k));
	if (!src)
		return -EINVAL;
	if (xlb_parse_addr(src, &k->src, &fam)) {
		snprintf(err, XLBD_ERR_LEN,
			 "\"%s\" is not an IPv4 or IPv6 address", src);
		return -EINVAL;
	}
	vip = xlbd_req_str(req, "vip", true, err);
	if (!vip)
		return -EINVAL;
	if (xlb_parse_addr(vip, &k->svc.vip, &k->svc.family)) {
		snprintf(err, XLBD_ERR_LEN,
			 "\"%s\" is not an IPv4 or IPv6 address", vip);
		return -EINVAL;
	}
	if (fam != k->svc.family) {
		snprintf(err, XLBD_ERR_LEN,
			 "src and vip must be of the same family");
		return -EINVAL;
	}
	if (xlbd_req_uint(req, "sport", 1, 65535, &sport, err) <= 0 ||
	    xlbd_req_uint(req, "port", 1, 65535, &port, err) <= 0) {
		if (!err[0])
			snprintf(err, XLBD_ERR_LEN,
				 "missing argument \"sport\" or \"port\"");
		return -EINVAL;
	}
	k->sport = htons(sport);
	k->svc.port = htons(port);
	k->svc.proto = IPPROTO_TCP;
	r = xlbd_req_proto(req, &k->svc.proto, err);
	if (r < 0)
		return r;
	return 0;
}

struct flow_list {
	struct xlbd *d;
	struct svc_rt *only, **svc_of;
	struct be_rt **idx;
	json_object *list;
	long limit, total, shown;
	__u64 now;
	int hz;
};

static int list_flow(const struct xlb_flow_key *k, const struct xlb_flow *f,
		     void *ctx)
{
	struct flow_list *l = ctx;
	struct svc_rt *s = xlbd_svc_by_key(l->d, &k->svc);
	struct be_rt *b =
		f->backend_id < XLB_MAX_BACKENDS ? l->idx[f->backend_id] : NULL;
	const char *state = "open";
	json_object *o;

	if (l->only && s != l->only)
		return 0;
	if (l->total++ >= l->limit)
		return 0;
	if (!b || b->gen != f->backend_gen)
		state = "stale";
	else if (f->flags & XLB_FLOW_F_CLOSED)
		state = "closed";
	o = json_object_new_object();
	json_object_object_add(o, "service",
			       s ? json_object_new_string(s->conf.name) : NULL);
	json_object_object_add(o, "client",
			       xlbd_req_json_addr(&k->src, k->svc.family));
	json_object_object_add(o, "client_port",
			       json_object_new_int(ntohs(k->sport)));
	json_object_object_add(o, "vip",
			       xlbd_req_json_addr(&k->svc.vip, k->svc.family));
	json_object_object_add(o, "port",
			       json_object_new_int(ntohs(k->svc.port)));
	json_object_object_add(
		o, "protocol",
		json_object_new_string(xlb_proto_name(k->svc.proto)));
	json_object_object_add(o, "backend", jbackend(l->idx, f->backend_id));
	json_object_object_add(o, "backend_id",
			       json_object_new_int(f->backend_id));
	json_object_object_add(o, "age_s",
			       jseconds(l->now - f->created, l->hz));
	json_object_object_add(o, "idle_s",
			       jseconds((__u32)l->now - f->seen, l->hz));
	json_object_object_add(o, "state", json_object_new_string(state));
	json_object_array_add(l->list, o);
	l->shown++;
	return 0;
}

int xlbd_inspect_flows(struct xlbd *d, struct json_object *req,
		       json_object **data, char *err)
{
	static const char *const allowed[] = { "service", "limit", NULL };
	struct flow_list l = { .d = d, .limit = 100 };
	int e;

	if (!xlbd_req_keys_ok(req, allowed, err) ||
	    xlbd_req_uint(req, "limit", 1, XLB_MAX_FLOWS, &l.limit, err) < 0)
		return -EINVAL;
	if (json_object_object_get_ex(req, "service", NULL)) {
		l.only = xlbd_req_svc(d, req, "service", err);
		if (!l.only)
			return -ENOENT;
	}
	l.hz = xlb_hz();
	if (l.hz < 0 || xlb_jiffies(&l.now)) {
		snprintf(err, XLBD_ERR_LEN, "cannot read the kernel clock");
		return -EIO;
	}
	l.idx = be_index(d, &l.svc_of);
	if (!l.idx) {
		snprintf(err, XLBD_ERR_LEN, "out of memory");
		return -ENOMEM;
	}
	l.list = json_object_new_array();
	e = xlb_dp_flows_foreach(&d->dp, list_flow, &l);
	free(l.idx);
	free(l.svc_of);
	if (e) {
		snprintf(err, XLBD_ERR_LEN, "reading the flow table: %s",
			 strerror(-e));
		json_object_put(l.list);
		return e;
	}
	*data = json_object_new_object();
	json_object_object_add(*data, "flows", l.list);
	json_object_object_add(*data, "total", json_object_new_int64(l.total));
	json_object_object_add(*data, "shown", json_object_new_int64(l.shown));
	return 0;
}

static const char *explain_summary(const struct xlb_explain *e, char *buf,
				   size_t len)
{
	switch (e->how) {
	case XLB_EXPLAIN_NOT_VIP:
		return "no service for this VIP:port/protocol: the kernel gets it (XDP_PASS)";
	case XLB_EXPLAIN_FLOW:
		return "flow-table hit: the flow stays on its backend";
	case XLB_EXPLAIN_HASH:
		snprintf(buf, len,
			 "flow-table miss: %s hash %#010x -> slot %u of %u",
			 e->svc.sched == XLB_SCHED_SOURCE_HASH
				 ? "source-address"
				 : "5-tuple",
			 e->hash, e->slot, e->ring_size);
		return buf;
	case XLB_EXPLAIN_CURSOR:
		snprintf(
			buf, len,
			"flow-table miss: CPU %d's round-robin cursor is at slot %u of %u",
			e->cpu, e->slot, e->ring_size);
		return buf;
	case XLB_EXPLAIN_RANDOM:
		return "flow-table miss: a random slot, so any candidate by its share of the ring";
	case XLB_EXPLAIN_LEAST_CONN:
		snprintf(
			buf, len,
			"flow-table miss: the lowest (active flows + 1) / weight%s",
			e->sampled ? " within a random window of 32 backends"
				   : "");
		return buf;
	case XLB_EXPLAIN_NO_BACKEND:
		return "the service has no backend available: dropped";
	}
	return "?";
}

int xlbd_inspect_explain(struct xlbd *d, struct json_object *req,
			 json_object **data, char *err)
{
	static const char *const allowed[] = { "src",  "sport",	   "vip",
					       "port", "protocol", "syn",
					       "cpu",  NULL };
	struct svc_rt **svc_of = NULL, *s;
	struct xlb_flow_key k;
	struct xlb_explain e;
	struct be_rt **idx;
	json_object *o, *v;
	char buf[160];
	bool syn = false;
	long cpu = 0;
	__u64 now = 0;
	int hz, r;

	if (!xlbd_req_keys_ok(req, allowed, err) || req_key(req, &k, err) ||
	    xlbd_req_uint(req, "cpu", 0, d->dp.ncpus - 1, &cpu, err) < 0)
		return -EINVAL;
	if (json_object_object_get_ex(req, "syn", &v)) {
		if (!json_object_is_type(v, json_type_boolean)) {
			snprintf(err, XLBD_ERR_LEN,
				 "argument \"syn\" must be true or false");
			return -EINVAL;
		}
		syn = json_object_get_boolean(v);
	}
	r = xlb_explain(&d->dp, &k, syn, cpu, &e);
	if (r) {
		snprintf(err, XLBD_ERR_LEN, "reading the maps: %s",
			 strerror(-r));
		return r;
	}
	idx = be_index(d, &svc_of);
	if (!idx) {
		snprintf(err, XLBD_ERR_LEN, "out of memory");
		return -ENOMEM;
	}
	hz = xlb_hz();
	xlb_jiffies(&now);
	s = xlbd_svc_by_key(d, &k.svc);
	*data = json_object_new_object();
	json_object_object_add(*data, "service",
			       s && e.how != XLB_EXPLAIN_NOT_VIP
				       ? json_object_new_string(s->conf.name)
				       : NULL);
	if (e.how != XLB_EXPLAIN_NOT_VIP)
		json_object_object_add(
			*data, "scheduler",
			json_object_new_string(
				xlb_sched_names[e.svc.sched < XLB_SCHED_MAX
							? e.svc.sched
							: 0]));
	json_object_object_add(
		*data, "decision",
		json_object_new_string(xlb_explain_how_name(e.how)));
	json_object_object_add(*data, "backend", jbackend(idx, e.backend_id));
	json_object_object_add(
		*data, "why",
		json_object_new_string(explain_summary(&e, buf, sizeof(buf))));
	if (e.flow_found) {
		o = json_object_new_object();
		json_object_object_add(o, "backend",
				       jbackend(idx, e.flow.backend_id));
		json_object_object_add(o, "age_s",
				       jseconds(now - e.flow.created, hz));
		json_object_object_add(o, "idle_s",
				       jseconds((__u32)now - e.flow.seen, hz));
		json_object_object_add(
			o, "closed",
			json_object_new_boolean(e.flow.flags &
						XLB_FLOW_F_CLOSED));
		json_object_object_add(
			o, "followed",
			json_object_new_boolean(!e.flow_skipped));
		json_object_object_add(
			o, "unconfirmed",
			json_object_new_boolean(e.flow_unconfirmed));
		if (e.flow_skipped)
			json_object_object_add(
				o, "not_followed_because",
				json_object_new_string(e.flow_skipped));
		json_object_object_add(*data, "flow", o);
	}
	if (e.how == XLB_EXPLAIN_HASH || e.how == XLB_EXPLAIN_CURSOR) {
		json_object_object_add(*data, "slot",
				       json_object_new_int64(e.slot));
		json_object_object_add(*data, "table_size",
				       json_object_new_int64(e.ring_size));
	}
	if (e.how == XLB_EXPLAIN_HASH)
		json_object_object_add(*data, "hash",
				       json_object_new_int64(e.hash));
	if (e.how == XLB_EXPLAIN_CURSOR)
		json_object_object_add(*data, "cpu",
				       json_object_new_int(e.cpu));
	if (e.how == XLB_EXPLAIN_RANDOM || e.how == XLB_EXPLAIN_LEAST_CONN) {
		json_object *list = json_object_new_array();

		for (__u32 i = 0; i < e.n_cand; i++) {
			o = json_object_new_object();
			json_object_object_add(o, "backend",
					       jbackend(idx, e.cand[i].id));
			if (e.how == XLB_EXPLAIN_RANDOM) {
				json_object_object_add(
					o, "share",
					json_object_new_double(
						(double)e.cand[i].slots /
						e.ring_size));
			} else {
				json_object_object_add(
					o, "active_flows",
					json_object_new_int64(e.cand[i].conns));
				json_object_object_add(
					o, "weight",
					json_object_new_int64(
						e.cand[i].weight));
			}
			json_object_array_add(list, o);
		}
		json_object_object_add(*data, "candidates", list);
	}
	free(idx);
	free(svc_of);
	return 0;
}

/*
 * trace: one request at a time holds the ring buffer. The program writes
 * events only while XLB_MAP_RUNTIME.trace is set, which is only while a
 * request is waiting, and never after xlbd stops.
 */
static struct {
	struct xlbd *d;
	struct ring_buffer *rb;
	struct xlbd_client *cl; /* waiting; NULL: none */
	long want;
	json_object *events;
	struct xlb_timer *timer;
	struct be_rt **idx;
	struct svc_rt **svc_of;
	int hz;
} tr;

static const char *action_name(__u8 a)
{
	static const char *const n[] = { "aborted", "drop", "pass", "tx",
					 "redirect" };

	return a < 5 ? n[a] : "?";
}

static json_object *event_json(const struct xlb_trace_event *ev)
{
	json_object *o = json_object_new_object();
	const struct xlb_flow_key *k = &ev->key;
	char flags[8] = "", *p = flags;

	json_object_object_add(o, "ts_ns", json_object_new_int64(ev->ts_ns));
	json_object_object_add(o, "ifindex", json_object_new_int(ev->ifindex));
	json_object_object_add(o, "len", json_object_new_int(ev->len));
	if (k->svc.family == XLB_FAMILY_V4 || k->svc.family == XLB_FAMILY_V6) {
		json_object_object_add(
			o, "src", xlbd_req_json_addr(&k->src, k->svc.family));
		json_object_object_add(
			o, "dst",
			xlbd_req_json_addr(&k->svc.vip, k->svc.family));
		json_object_object_add(o, "sport",
				       json_object_new_int(ntohs(k->sport)));
		json_object_object_add(o, "dport",
				       json_object_new_int(ntohs(k->svc.port)));
		json_object_object_add(
			o, "protocol",
			json_object_new_string(
				k->svc.proto == IPPROTO_TCP   ? "tcp"
				: k->svc.proto == IPPROTO_UDP ? "udp"
							      : "other"));
	}
	if (k->svc.proto == IPPROTO_TCP) {
		static const char f[] = "FSRPAU";

		for (int i = 0; i < 6; i++)
			if (ev->tcp_flags & (1 << i))
				*p++ = f[i];
		*p = 0;
		json_object_object_add(o, "tcp_flags",
				       json_object_new_string(flags));
	}
	json_object_object_add(o, "action",
			       json_object_new_string(action_name(ev->action)));
	json_object_object_add(
		o, "reason",
		json_object_new_string(ev->reason < XLB_STAT_MAX
					       ? xlb_stat_names[ev->reason]
					       : "?"));
	json_object_object_add(o, "backend",
			       ev->backend_id && tr.idx
				       ? jbackend(tr.idx, ev->backend_id)
				       : NULL);
	if (ev->backend_id && ev->backend_id < XLB_MAX_BACKENDS && tr.svc_of &&
	    tr.svc_of[ev->backend_id])
		json_object_object_add(
			o, "service",
			json_object_new_string(
				tr.svc_of[ev->backend_id]->conf.name));
	json_object_object_add(o, "new_flow",
			       json_object_new_boolean(ev->new_flow));
	return o;
}

static void trace_finish(bool complete)
{
	struct xlbd_client *cl;
	json_object *data;

	xlb_dp_trace_set(&tr.d->dp, 0);
	if (tr.timer)
		xlb_timer_cancel(tr.d->loop, tr.timer);
	tr.timer = NULL;
	cl = tr.cl;
	data = NULL;
	if (cl) {
		data = json_object_new_object();
		json_object_object_add(data, "events", tr.events);
		json_object_object_add(data, "complete",
				       json_object_new_boolean(complete));
	} else {
		json_object_put(tr.events);
	}
	tr.events = NULL;
	tr.cl = NULL;
	free(tr.idx);
	free(tr.svc_of);
	tr.idx = NULL;
	tr.svc_of = NULL;
	/* last: the client's next request may start another trace */
	if (cl)
		xlbd_control_reply(cl, data, NULL);
}

static int on_event(void *ctx, void *data, size_t len)
{
	if (!tr.cl || len < sizeof(struct xlb_trace_event))
		return 0;
	json_object_array_add(tr.events, event_json(data));
	if ((long)json_object_array_length(tr.events) >= tr.want) {
		trace_finish(true);
		return -EINTR; /* stop consuming: the rest is not asked for */
	}
	return 0;
}

static void on_rb(struct xlb_loop *l, int fd, uint32_t events, void *ctx)
{
	ring_buffer__consume(tr.rb);
}

static void on_timeout(struct xlb_loop *l, void *ctx)
{
	tr.timer = NULL;
	ring_buffer__consume(tr.rb);
	if (tr.cl)
		trace_finish(false);
}

int xlbd_inspect_trace(struct xlbd *d, struct xlbd_client *cl,
		       struct json_object *req, char *err)
{
	static const char *const allowed[] = { "count", "timeout_ms", "sample",
					       NULL };
	long count = 100, timeout = 1000, sample = 1;
	int e;

	if (!xlbd_req_keys_ok(req, allowed, err) ||
	    xlbd_req_uint(req, "count", 1, 10000, &count, err) < 0 ||
	    xlbd_req_uint(req, "timeout_ms", 1, 60000, &timeout, err) < 0 ||
	    xlbd_req_uint(req, "sample", 1, 1000000, &sample, err) < 0)
		return -EINVAL;
	if (tr.cl) {
		snprintf(err, XLBD_ERR_LEN, "another trace is running");
		return -EBUSY;
	}
	tr.d = d;
	if (!tr.rb) {
		tr.rb = ring_buffer__new(d->dp.trace_fd, on_event, NULL, NULL);
		if (!tr.rb ||
		    xlb_loop_add_fd(d->loop, ring_buffer__epoll_fd(tr.rb),
				    EPOLLIN, on_rb, NULL)) {
			snprintf(err, XLBD_ERR_LEN, "trace ring buffer: %s",
				 strerror(errno));
			ring_buffer__free(tr.rb);
			tr.rb = NULL;
			return -EIO;
		}
	}
	/* leftovers of an earlier trace are not this one's packets */
	ring_buffer__consume(tr.rb);
	tr.idx = be_index(d, &tr.svc_of);
	tr.events = json_object_new_array();
	tr.want = count;
	tr.cl = cl;
	tr.timer = xlb_timer_add(d->loop, timeout, on_timeout, NULL);
	e = xlb_dp_trace_set(&d->dp, sample);
	if (e || !tr.timer || !tr.idx) {
		tr.cl = NULL;
		trace_finish(false);
		snprintf(err, XLBD_ERR_LEN, "cannot start tracing: %s",
			 strerror(e ? -e : ENOMEM));
		return e ? e : -ENOMEM;
	}
	return XLBD_REPLY_LATER;
}

void xlbd_inspect_trace_cancel(struct xlbd *d, struct xlbd_client *cl)
{
	if (cl && tr.cl == cl)
		trace_finish(false); /* answers cl */
}

void xlbd_inspect_trace_stop(struct xlbd *d)
{
	/* also clears a switch a crashed daemon may have left on */
	xlb_dp_trace_set(&d->dp, 0);
	if (tr.cl)
		trace_finish(false);
	if (tr.rb) {
		xlb_loop_del_fd(d->loop, ring_buffer__epoll_fd(tr.rb));
		ring_buffer__free(tr.rb);
		tr.rb = NULL;
	}
}
