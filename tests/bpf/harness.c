// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Packet test harness: see harness.h. */
#include <arpa/inet.h>
#include <sched.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "maglev.h"
#include "sched_ring.h"

const __u8 H_ROUTER_MAC[6] = { 0x02, 0x00, 0x5e, 0x00, 0x00, 0x01 };
const __u8 H_LB_MAC[6] = { 0x02, 0x78, 0x6c, 0x62, 0x00, 0x01 };
const __u8 H_EGRESS_MAC[6] = { 0x02, 0x78, 0x6c, 0x62, 0x00, 0x02 };

void h_be_mac(__u32 id, __u8 mac[6])
{
	mac[0] = 0x02;
	mac[1] = 0xbe;
	mac[2] = 0;
	mac[3] = 0;
	mac[4] = id >> 8;
	mac[5] = id;
}

bool h_check_pass(struct h *h, const char *desc, const struct pkt *in,
		  enum xlb_stat why)
{
	struct h_case c = {
		.desc = desc,
		.in = in,
		.action = XDP_PASS,
	};

	c.stat[why] = 1;
	return h_check(h, &c, NULL);
}

const char *h_action_name(__u32 action)
{
	static const char *const names[] = {
		[XDP_ABORTED] = "XDP_ABORTED",	 [XDP_DROP] = "XDP_DROP",
		[XDP_PASS] = "XDP_PASS",	 [XDP_TX] = "XDP_TX",
		[XDP_REDIRECT] = "XDP_REDIRECT",
	};

	return action < sizeof(names) / sizeof(names[0]) ? names[action]
							 : "XDP_(unknown)";
}

bool h_open(struct h *h)
{
	int err;

	memset(h, 0, sizeof(*h));
	err = xlb_dp_open(&h->dp, NULL);
	if (!ASSERT_OK(err, "xlb_dp_open"))
		return false;
	err = xlb_dp_load(&h->dp);
	if (!ASSERT_OK(err, "xlb_dp_load (does the program still verify?)")) {
		xlb_dp_close(&h->dp);
		return false;
	}
	h->loaded = true;
	/* as xlbd does: client frames come to H_LB_MAC */
	return ASSERT_OK(xlb_dp_if_mac_set(&h->dp, H_LB_MAC), "if_mac");
}

void h_close(struct h *h)
{
	if (h->loaded)
		xlb_dp_close(&h->dp);
	h->loaded = false;
}

bool h_addr(union xlb_addr *a, __u8 *family, const char *s)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->v4) == 1) {
		*family = XLB_FAMILY_V4;
		return true;
	}
	if (inet_pton(AF_INET6, s, a->bytes) == 1) {
		*family = XLB_FAMILY_V6;
		return true;
	}
	xlb_test_fail(__FILE__, __LINE__, "bad address \"%s\"", s);
	return false;
}

bool h_svc_key(struct xlb_svc_key *k, const char *vip, __u16 port, __u8 proto)
{
	memset(k, 0, sizeof(*k));
	if (!h_addr(&k->vip, &k->family, vip))
		return false;
	k->port = htons(port);
	k->proto = proto;
	return true;
}

static void remember(__u32 *ids, int *n, __u32 id)
{
	for (int i = 0; i < *n; i++)
		if (ids[i] == id)
			return;
	if (*n < H_MAX_IDS)
		ids[(*n)++] = id;
}

static bool ring_owner(struct h *h, __u32 id, const __u32 *ring, __u32 size);

bool h_service_sched(struct h *h, const char *vip, __u16 port, __u8 proto,
		     __u32 id, __u8 sched, const __u32 *ring, __u32 size)
{
	return h_service_fwd(h, vip, port, proto, id, sched, XLB_FWD_L2, ring,
			     size);
}

bool h_service_fwd(struct h *h, const char *vip, __u16 port, __u8 proto,
		   __u32 id, __u8 sched, __u8 fwd, const __u32 *ring,
		   __u32 size)
{
	struct xlb_svc_key k;
	struct xlb_svc v = {
		.id = id,
		.table_size = ring ? size : 0,
		.sched = sched,
		.fwd = fwd,
	};

	if (!h_svc_key(&k, vip, port, proto))
		return false;
	remember(h->svc_ids, &h->nsvc, id);
	return ASSERT_OK(xlb_dp_service_publish(&h->dp, &k, &v, ring, size),
			 "xlb_dp_service_publish") &&
	       ring_owner(h, id, ring, size);
}

bool h_service(struct h *h, const char *vip, __u16 port, __u8 proto, __u32 id,
	       const __u32 *ring, __u32 size)
{
	return h_service_sched(h, vip, port, proto, id, XLB_SCHED_MAGLEV, ring,
			       size);
}

bool h_vip_mark(struct h *h, const char *vip, bool on)
{
	union xlb_addr a;
	__u8 family;

	if (!h_addr(&a, &family, vip))
		return false;
	return ASSERT_OK(xlb_dp_vip_mark(&h->dp, &a, family, on),
			 "xlb_dp_vip_mark");
}

bool h_backend_set(struct h *h, __u32 id, const struct xlb_backend *in)
{
	struct xlb_backend be = *in;
	int i;

	if (!be.svc_id && id < XLB_MAX_BACKENDS &&
	    memcmp(&be, &(struct xlb_backend){ 0 }, sizeof(be)))
		be.svc_id = h->be_svc[id];
	remember(h->be_ids, &h->nbe, id);
	for (i = 0; i < h->nbe; i++)
		if (h->be_ids[i] == id)
			h->be[i] = be;
	return ASSERT_OK(xlb_dp_backend_set(&h->dp, id, &be),
			 "xlb_dp_backend_set");
}

/* Service @id's ring holds these backends: theirs unless already another's. */
static bool ring_owner(struct h *h, __u32 id, const __u32 *ring, __u32 size)
{
	for (__u32 s = 0; ring && s < size; s++) {
		__u32 be = ring[s];

		if (!be || be >= XLB_MAX_BACKENDS || h->be_svc[be])
			continue;
		h->be_svc[be] = id;
		for (int i = 0; i < h->nbe; i++)
			if (h->be_ids[i] == be && !h->be[i].svc_id &&
			    !h_backend_set(h, be, &h->be[i]))
				return false;
	}
	return true;
}

bool h_backend(struct h *h, __u32 id, __u32 flags, __u32 gen)
{
	struct xlb_backend be = {
		.flags = flags,
		.gen = gen,
		.family = XLB_FAMILY_V4,
	};

	h_be_mac(id, be.dmac);
	memcpy(be.smac, H_EGRESS_MAC, 6);
	be.addr.v4 = htonl(0x0a000000U + id); /* 10.0.x.y, for tools */
	return h_backend_set(h, id, &be);
}

bool h_backends_up(struct h *h, __u32 n)
{
	for (__u32 id = 1; id <= n; id++)
		if (!h_backend(h, id, XLB_BE_F_UP, 1))
			return false;
	return true;
}

bool h_run_if(struct h *h, const struct pkt *in, __u32 ingress_ifindex,
	      struct h_result *r)
{
	struct xdp_md ctx = {
		.data_end = in->len,
		.ingress_ifindex = ingress_ifindex,
	};
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in->data,
		    .data_size_in = in->len, .data_out = r->out,
		    .data_size_out = sizeof(r->out), .repeat = 1, );
	int err;

	memset(r, 0, sizeof(*r));
	if (!ASSERT_TRUE(in->finished && !in->err, "input frame built"))
		return false;
	if (ingress_ifindex) {
		opts.ctx_in = &ctx;
		opts.ctx_size_in = sizeof(ctx);
	}
	err = bpf_prog_test_run_opts(h->dp.prog_fd, &opts);
	if (!ASSERT_OK(err, "bpf_prog_test_run_opts"))
		return false;
	r->action = opts.retval;
	r->out_len = opts.data_size_out;
	return true;
}

bool h_run(struct h *h, const struct pkt *in, struct h_result *r)
{
	return h_run_if(h, in, 0, r);
}

__u32 h_out_backend(const struct h *h, const struct h_result *r)
{
	if (r->out_len < 6)
		return 0;
	for (int i = 0; i < h->nbe; i++)
		if (!memcmp(r->out, h->be[i].dmac, 6))
			return h->be_ids[i];
	return 0;
}

bool h_syn(struct h *h, const char *dst, __u16 dport, __u32 *action, __u32 *be)
{
	const struct h_frame f = {
		.src = strchr(dst, ':') ? H_CLIENT6 : H_CLIENT4,
		.dst = dst,
		.sport = 40000,
		.dport = dport,
		.flags = PKT_SYN,
	};
	struct h_result r;
	struct pkt in;

	h_build_in(&in, &f);
	if (!h_run(h, &in, &r))
		return false;
	*action = r.action;
	*be = h_out_backend(h, &r);
	return true;
}

static long map_count(int fd)
{
	struct xlb_flow_key k, next;
	long n = 0;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		n++;
	}
	return n;
}

/* Flows pinned anywhere: confirmed ones and SYNs awaiting their ACK. */
long h_flow_count(struct h *h)
{
	return map_count(h->dp.flow_fd) + map_count(h->dp.syn_flow_fd);
}

long h_flow_count_main(struct h *h)
{
	return map_count(h->dp.flow_fd);
}

bool h_counters_svc(struct h *h, __u32 id, struct xlb_counters *c)
{
	return ASSERT_OK(xlb_dp_stats_svc(&h->dp, id, c), "xlb_dp_stats_svc");
}

bool h_counters_be(struct h *h, __u32 id, struct xlb_counters *c)
{
	return ASSERT_OK(xlb_dp_stats_be(&h->dp, id, c), "xlb_dp_stats_be");
}

__u64 h_stat(struct h *h, enum xlb_stat stat)
{
	__u64 s[XLB_STAT_MAX];

	if (!ASSERT_OK(xlb_dp_stats_global(&h->dp, s), "xlb_dp_stats_global"))
		return ~0ULL;
	return s[stat];
}

bool h_snap(struct h *h, struct h_snap *s)
{
	memset(s, 0, sizeof(*s));
	if (!ASSERT_OK(xlb_dp_stats_global(&h->dp, s->stat),
		       "xlb_dp_stats_global"))
		return false;
	for (int i = 0; i < h->nsvc; i++)
		if (!h_counters_svc(h, h->svc_ids[i], &s->svc[i]))
			return false;
	for (int i = 0; i < h->nbe; i++)
		if (!h_counters_be(h, h->be_ids[i], &s->be[i]))
			return false;
	s->flows = h_flow_count(h);
	return true;
}

static __u16 get16(const __u8 *b)
{
	return (__u16)(b[0] << 8 | b[1]);
}

bool h_pkt_key(const struct pkt *p, struct xlb_flow_key *k)
{
	enum pkt_layer_type l4t;
	int l3 = pkt_l3_off(p), l4 = pkt_l4_off(p, &l4t);
	const __u8 *h;

	memset(k, 0, sizeof(*k));
	if (!ASSERT_TRUE(l3 >= 0 && l4 >= 0 &&
				 (l4t == PKT_L_TCP || l4t == PKT_L_UDP),
			 "frame has IP and TCP/UDP headers"))
		return false;
	h = p->data + l3;
	if ((h[0] >> 4) == 4) {
		k->svc.family = XLB_FAMILY_V4;
		memcpy(&k->src.v4, h + 12, 4);
		memcpy(&k->svc.vip.v4, h + 16, 4);
	} else {
		k->svc.family = XLB_FAMILY_V6;
		memcpy(k->src.bytes, h + 8, 16);
		memcpy(k->svc.vip.bytes, h + 24, 16);
	}
	k->svc.proto = l4t == PKT_L_TCP ? IPPROTO_TCP : IPPROTO_UDP;
	k->sport = htons(get16(p->data + l4));
	k->svc.port = htons(get16(p->data + l4 + 2));
	return true;
}

bool h_flow_unconfirmed(struct h *h, const struct pkt *p)
{
	struct xlb_flow_key k;
	struct xlb_flow f;

	return h_pkt_key(p, &k) &&
	       !bpf_map_lookup_elem(h->dp.syn_flow_fd, &k, &f) &&
	       bpf_map_lookup_elem(h->dp.flow_fd, &k, &f);
}

static int on_sync_rec(void *ctx, void *data, size_t len)
{
	struct h_sync_recs *r = ctx;

	if (len != sizeof(struct xlb_sync_rec))
		r->bad++;
	else if (r->n < H_SYNC_MAX)
		memcpy(&r->v[r->n], data, len);
	r->n++;
	return 0;
}

struct ring_buffer *h_sync_open(struct h *h, struct h_sync_recs *r)
{
	struct ring_buffer *rb;

	memset(r, 0, sizeof(*r));
	rb = ring_buffer__new(h->dp.flow_sync_fd, on_sync_rec, r, NULL);
	ASSERT_TRUE(rb != NULL, "flow sync ring buffer opens");
	return rb;
}

bool h_flow_lookup(struct h *h, const struct pkt *p, struct xlb_flow *f)
{
	struct xlb_flow_key k;

	if (!h_pkt_key(p, &k))
		return false;
	return !bpf_map_lookup_elem(h->dp.flow_fd, &k, f) ||
	       !bpf_map_lookup_elem(h->dp.syn_flow_fd, &k, f);
}

__u32 h_ring_pick(const struct xlb_flow_key *k, const __u32 *ring, __u32 size)
{
	return ring[xlb_ring_slot(xlb_hash_flow(k, 0), size)];
}

static bool counters_eq(const struct xlb_counters *before,
			const struct xlb_counters *after, __u64 packets,
			__u64 bytes, __u64 new_flows, const char *what,
			__u32 id)
{
	__u64 dp = after->packets - before->packets;
	__u64 db = after->bytes - before->bytes;
	__u64 dn = after->new_flows - before->new_flows;

	if (dp == packets && db == bytes && dn == new_flows)
		return true;
	xlb_test_fail(
		__FILE__, __LINE__,
		"%s %u counters moved by packets %llu bytes %llu new_flows %llu, expected %llu/%llu/%llu",
		what, id, (unsigned long long)dp, (unsigned long long)db,
		(unsigned long long)dn, (unsigned long long)packets,
		(unsigned long long)bytes, (unsigned long long)new_flows);
	return false;
}

bool h_check(struct h *h, const struct h_case *c, struct h_result *res)
{
	const struct pkt *exp = c->out ? c->out : c->in;
	struct h_snap before, after;
	struct h_result local, *r = res ? res : &local;
	bool ok = true;

	if (!h_snap(h, &before))
		return false;
	if (!h_run_if(h, c->in, c->ingress_ifindex, r)) {
		fprintf(stderr, "    in case: %s\n", c->desc);
		return false;
	}
	if (!h_snap(h, &after))
		return false;

	if (r->action != c->action) {
		xlb_test_fail(__FILE__, __LINE__,
			      "%s: action %s (%u), expected %s (%u)", c->desc,
			      h_action_name(r->action), r->action,
			      h_action_name(c->action), c->action);
		ok = false;
	}
	if (!ASSERT_TRUE(exp->finished && !exp->err, "expected frame built"))
		ok = false;
	else if (!ASSERT_MEMEQ(r->out, r->out_len, exp->data, exp->len,
			       c->desc))
		ok = false;

	for (int i = 0; i < XLB_STAT_MAX; i++) {
		__u64 d = after.stat[i] - before.stat[i];

		if (d != c->stat[i]) {
			xlb_test_fail(
				__FILE__, __LINE__,
				"%s: counter %s moved by %llu, expected %llu",
				c->desc, xlb_stat_names[i],
				(unsigned long long)d,
				(unsigned long long)c->stat[i]);
			ok = false;
		}
	}

	for (int i = 0; i < h->nsvc; i++) {
		bool mine = c->svc_id && h->svc_ids[i] == c->svc_id;

		if (!counters_eq(&before.svc[i], &after.svc[i], mine,
				 mine ? c->in->len : 0, mine && c->new_flow,
				 "service", h->svc_ids[i]))
			ok = false;
	}
	for (int i = 0; i < h->nbe; i++) {
		bool mine = c->svc_id && h->be_ids[i] == c->be_id;

		if (!counters_eq(&before.be[i], &after.be[i], mine,
				 mine ? c->in->len : 0, mine && c->new_flow,
				 "backend", h->be_ids[i]))
			ok = false;
	}
	if (after.flows - before.flows != c->flows) {
		xlb_test_fail(
			__FILE__, __LINE__,
			"%s: flow table grew by %ld entries, expected %ld",
			c->desc, after.flows - before.flows, c->flows);
		ok = false;
	}
	if (!ok)
		fprintf(stderr, "    in case: %s\n", c->desc);
	return ok;
}

void h_build(struct pkt *p, const struct h_frame *f, const __u8 smac[6],
	     const __u8 dmac[6])
{
	pkt_init(p);
	pkt_eth(p, smac, dmac);
	if (f->vlans >= 2)
		pkt_vlan_tpid(p, 0x88a8, f->vid[0]);
	if (f->vlans >= 1)
		pkt_vlan(p, f->vid[f->vlans >= 2 ? 1 : 0]);
	if (strchr(f->src, ':')) {
		pkt_ipv6(p, f->src, f->dst);
		if (f->ttl)
			pkt_ipv6_hlim(p, f->ttl);
	} else {
		pkt_ipv4(p, f->src, f->dst);
		if (f->ttl)
			pkt_ipv4_ttl(p, f->ttl);
	}
	if (f->proto == IPPROTO_UDP) {
		pkt_udp(p, f->sport, f->dport);
	} else {
		pkt_tcp(p, f->sport, f->dport, f->flags);
		pkt_tcp_seq(p, f->seq, f->flags & PKT_ACK ? 1 : 0);
	}
	pkt_payload_fill(p, f->payload, f->sport);
	pkt_finish(p);
}

void h_build_in(struct pkt *p, const struct h_frame *f)
{
	h_build(p, f, H_ROUTER_MAC, H_LB_MAC);
}

void h_build_to(struct pkt *p, const struct h_frame *f, __u32 be_id)
{
	__u8 mac[6];

	h_be_mac(be_id, mac);
	h_build(p, f, H_EGRESS_MAC, mac);
}

void h_pin_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

void h_maglev_backend(struct xlb_maglev_backend *b, __u32 id, __u32 weight)
{
	memset(b, 0, sizeof(*b));
	b->id = id;
	b->family = XLB_FAMILY_V4;
	b->addr.bytes[0] = 198;
	b->addr.bytes[1] = 18;
	b->addr.bytes[3] = 10 + id;
	b->weight = weight;
}

bool h_publish(struct h *h, __u8 sched, const __u32 *w, int n)
{
	return h_publish_on(h, 80, 1, sched, w, n);
}

bool h_publish_on(struct h *h, __u16 port, __u32 id, __u8 sched, const __u32 *w,
		  int n)
{
	struct xlb_maglev_backend be[64];
	__u32 *ring = NULL, size = XLB_DEFAULT_TABLE_SIZE;
	int err;
	bool ok;

	if (!ASSERT_TRUE(n <= 64, "at most 64 backends"))
		return false;
	for (int i = 0; i < n; i++)
		h_maglev_backend(&be[i], i + 1, w[i]);
	if (sched == XLB_SCHED_ROUND_ROBIN || sched == XLB_SCHED_WEIGHTED_RR) {
		err = xlb_ring_rr_build(sched, be, n, &ring, &size);
	} else if (sched == XLB_SCHED_LEAST_CONN) {
		err = xlb_ring_lc_build(be, n, &ring, &size);
	} else {
		ring = malloc(sizeof(*ring) * size);
		err = ring ? xlb_maglev_build(be, n, ring, size) : -ENOMEM;
	}
	if (!ASSERT_OK(err, "ring for the scheduler")) {
		free(ring);
		return false;
	}
	ok = h_service_sched(h, H_VIP4, port, IPPROTO_TCP, id, sched, ring,
			     size);
	free(ring);
	return ok;
}
