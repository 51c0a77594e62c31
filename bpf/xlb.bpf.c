// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xlb: XDP L4 load balancer, L2 direct server return.
 *
 * parse -> service lookup -> flow table -> (scheduler) -> rewrite MACs ->
 * XDP_TX / XDP_REDIRECT (l2), or encapsulate towards the backend's route
 * (ipip, gue: lib/encap.h). Anything that is not VIP traffic leaves with
 * XDP_PASS untouched. Every verdict is counted with a reason.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "lib/maps.h"
#include "lib/svc.h"
#include "lib/stats.h"
#include "lib/parse.h"
#include "lib/icmp.h"
#include "lib/l2.h"
#include "lib/sched.h"
#include "lib/nat.h"
#include "lib/nat_icmp.h"
#include "lib/encap.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * The switches every packet reads (trace, if_mac), in the program's .bss
 * rather than a map slot: a load from a fixed address, no lookup. xlbd
 * writes them through the .bss map (xlb_dp_switches_set(), also when it
 * adopts the running program). new_flow_limit stays in XLB_MAP_RUNTIME,
 * read only by packets that would create a flow. The only .bss variable:
 * user space writes the section's one value whole.
 */
struct xlb_runtime xlb_switches;

/* What happened to a packet: counted always, traced when asked. */
struct verdict {
	__u32 reason; /* enum xlb_stat */
	__u32 be_id;  /* backend it went to, 0: none */
	bool new_flow;
};

static __always_inline int drop(struct verdict *v, __u32 reason)
{
	v->reason = reason;
	stat_inc(reason);
	return XDP_DROP;
}

static __always_inline int pass(struct verdict *v, __u32 reason)
{
	v->reason = reason;
	stat_inc(reason);
	return XDP_PASS;
}

#define TCP_FLAG_FIN 0x01
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_RST 0x04
#define TCP_FLAG_ACK 0x10

static __always_inline bool is_syn(const struct xlb_pkt *p)
{
	return p->key.svc.proto == IPPROTO_TCP &&
	       (p->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN;
}

/*
 * A flow stops counting as active once: on its first FIN or RST, or when
 * it leaves its backend (rescheduled, or replaced by a new SYN).
 */
static __always_inline void flow_close(const struct xlb_svc *svc,
				       struct xlb_flow *f)
{
	if (f->flags & XLB_FLOW_F_CLOSED)
		return;
	f->flags |= XLB_FLOW_F_CLOSED;
	if (svc->sched == XLB_SCHED_LEAST_CONN)
		sched_conns_add(f->backend_id, -1);
}

/*
 * The per-CPU new-flow rate limit (xlb_runtime.new_flow_limit per second,
 * in fixed one-second windows). Only reached by packets that would create
 * a flow-table entry, so the clock read is not on the established path.
 */
static __always_inline bool flow_rate_ok(void)
{
	struct xlb_flow_rate *r;
	struct xlb_runtime *rt;
	__u32 zero = 0;
	__u64 t;

	rt = bpf_map_lookup_elem(&XLB_MAP_RUNTIME, &zero);
	if (!rt || !rt->new_flow_limit)
		return true;
	r = bpf_map_lookup_elem(&XLB_MAP_FLOW_RATE, &zero);
	if (!r)
		return true;
	t = bpf_ktime_get_ns();
	if (t - r->start >= 1000000000ULL) {
		r->start = t;
		r->count = 0;
	}
	if (r->count >= rt->new_flow_limit)
		return false;
	r->count++;
	return true;
}

/*
 * Flow sync: tell xlbd about a flow just pinned (XLB_SVC_F_SYNC). Out of
 * line, like trace(): only new flows of synced services reach it. A full
 * ring buffer loses the record (counted), the packet goes on. Submitted
 * without a wakeup: xlbd reads the ring on a timer (XLB_MAP_FLOW_SYNC).
 */
static __attribute__((noinline)) void sync_emit(const struct xlb_pkt *p,
						const struct xlb_backend *be,
						__u32 be_id, bool unconfirmed)
{
	struct xlb_sync_rec *r;

	r = bpf_ringbuf_reserve(&XLB_MAP_FLOW_SYNC, sizeof(*r), 0);
	if (!r) {
		stat_inc(XLB_STAT_SYNC_LOST);
		return;
	}
	__builtin_memcpy(&r->key, &p->key, sizeof(r->key));
	__builtin_memcpy(&r->be_addr, &be->addr, sizeof(r->be_addr));
	__builtin_memset(&r->snat_addr, 0, sizeof(r->snat_addr));
	r->snat_port = 0;
	r->be_family = be->family;
	r->flags = unconfirmed ? XLB_SYNC_F_SYN : 0;
	r->backend_id = be_id;
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
}

/* A followed entry saw a packet: refresh it, note a close. */
static __always_inline void flow_touch(const struct xlb_svc *svc,
				       const struct xlb_pkt *p,
				       struct xlb_flow *f, __u64 now)
{
	if ((__u32)now != f->seen)
		f->seen = now;
	if (p->tcp_flags & (TCP_FLAG_FIN | TCP_FLAG_RST))
		flow_close(svc, f);
}

/*
 * A packet of an ipip or gue service leaves encapsulated (lib/encap.h),
 * counted like the l2 path's: service and backend bytes are the frame as
 * received, in every mode.
 */
static __always_inline int encap_out(struct xdp_md *ctx, struct xlb_pkt *p,
				     const struct xlb_svc *svc,
				     const struct xlb_backend *be, __u32 be_id,
				     struct verdict *v)
{
	__u32 len = ctx->data_end - ctx->data; /* as received, like l2 */
	int r = encap_push(ctx, &p->key, svc, be, be_id);
	__u32 reason = XLB_ENCAP_REASON(r);

	v->reason = reason;
	if (reason == XLB_STAT_TX || reason == XLB_STAT_REDIRECT) {
		stat_sent(be_id, len, v->new_flow, reason == XLB_STAT_REDIRECT);
		v->be_id = be_id;
	} else {
		stat_inc(reason);
	}
	return XLB_ENCAP_ACT(r);
}

/*
 * Send the packet to the flow's backend. A flow-table hit whose backend is
 * still up and still the same assignment (gen) is the fast path: one
 * lookup, no ring, no hash, and the clock is one inlined load (jiffies).
 * A TCP packet that misses may belong to a connection whose SYN is waiting
 * in the unconfirmed table: its first non-SYN packet moves the entry to
 * the main table (promotion). Otherwise the scheduler picks, and when @pin
 * the choice is stored so later packets take the fast path. ICMP errors
 * are not pinned: they must not create flows.
 */
static __always_inline int forward(struct xdp_md *ctx, struct xlb_pkt *p,
				   const struct xlb_svc *svc, bool pin,
				   struct verdict *v)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	bool lc = svc->sched == XLB_SCHED_LEAST_CONN;
	bool syn = is_syn(p), resched = false;
	bool tcp = p->key.svc.proto == IPPROTO_TCP;
	struct ethhdr *eth = data;
	struct xlb_backend *be;
	struct xlb_flow *f, *sf = NULL;
	__u32 be_id, reason = XLB_STAT_TX;
	__u64 now;
	int act = XDP_TX;

	if ((void *)(eth + 1) > end)
		return drop(v, XLB_STAT_DROP_MALFORMED);
	reason = l2_not_ours(ctx, data);
	if (reason != XLB_STAT_MAX)
		return pass(v, reason);
	reason = XLB_STAT_TX;
	now = bpf_jiffies64();

	/*
	 * A SYN opens a new connection: it is scheduled afresh rather than
	 * following an entry a previous connection on the same 5-tuple (a
	 * recycled client port) left behind, which may point at a backend
	 * the current ring no longer favours. That entry is still looked up:
	 * the new choice replaces it in place (least-connections also takes
	 * the old one off its backend's count), or the connection's next
	 * packet would follow the stale entry.
	 */
	f = bpf_map_lookup_elem(&XLB_MAP_FLOWS, &p->key);
	if (f && !syn) {
		be_id = f->backend_id;
		be = bpf_map_lookup_elem(&XLB_MAP_BACKENDS, &be_id);
		if (xlb_flow_check(f, be) == XLB_FLOW_FOLLOW) {
			flow_touch(svc, p, f, now);
			goto out;
		}
		resched = pin;
	} else if (!f && tcp && (!syn || lc)) {
		sf = bpf_map_lookup_elem(&XLB_MAP_SYN_FLOWS, &p->key);
		if (sf && !syn) {
			be_id = sf->backend_id;
			be = bpf_map_lookup_elem(&XLB_MAP_BACKENDS, &be_id);
			if (xlb_flow_check(sf, be) == XLB_FLOW_FOLLOW) {
				struct xlb_flow nf = *sf;

				/* an ICMP error follows, confirms nothing */
				if (!pin)
					goto out;

				/* handshake done: confirm the flow */
				flow_touch(svc, p, &nf, now);
				if (bpf_map_update_elem(&XLB_MAP_FLOWS, &p->key,
							&nf, BPF_ANY))
					stat_inc(XLB_STAT_FLOW_TABLE_FULL);
				else
					bpf_map_delete_elem(&XLB_MAP_SYN_FLOWS,
							    &p->key);
				stat_inc(XLB_STAT_FLOW_PROMOTED);
				goto out;
			}
			resched = pin;
		}
	}
	/* the old assignment stops counting (the new entry replaces it) */
	if (pin && lc) {
		if (f)
			flow_close(svc, f);
		else if (sf)
			flow_close(svc, sf);
	}

	/*
	 * An ICMP error about a flow we no longer (or never) pinned: only a
	 * hashing scheduler can tell where the flow went; the others would
	 * pick at random, so leave it to the kernel.
	 */
	if (!pin && !xlb_sched_is_hash(svc))
		return pass(v, XLB_STAT_PASS_ICMP);
	/*
	 * Over the new-flow rate limit: a hashing scheduler finds the same
	 * backend for the flow's next packet without an entry, so forward
	 * unpinned; the others could not, so the excess is dropped.
	 */
	if (pin && !f && !flow_rate_ok()) {
		if (!xlb_sched_is_hash(svc))
			return drop(v, XLB_STAT_DROP_FLOW_RATE);
		stat_inc(XLB_STAT_FLOW_RATE_UNPINNED);
		pin = false;
	}
	be_id = sched_pick(svc, &p->key);
	be = bpf_map_lookup_elem(&XLB_MAP_BACKENDS, &be_id);
	if (!be_id || !be || !(be->flags & XLB_BE_F_UP))
		return drop(v, XLB_STAT_DROP_NO_BACKEND);
	if (pin) {
		struct xlb_flow nf = {
			.backend_id = be_id,
			.backend_gen = be->gen,
			.created = now,
			.seen = now,
		};
		long err;

		/* an unconfirmed SYN waits in the small table */
		if (syn && !f)
			err = bpf_map_update_elem(&XLB_MAP_SYN_FLOWS, &p->key,
						  &nf, BPF_ANY);
		else
			err = bpf_map_update_elem(&XLB_MAP_FLOWS, &p->key, &nf,
						  BPF_ANY);
		if (err)
			stat_inc(XLB_STAT_FLOW_TABLE_FULL);
		else if (lc)
			sched_conns_add(be_id, 1);
		if (!err && (svc->flags & XLB_SVC_F_SYNC))
			sync_emit(p, be, be_id, syn && !f);
		/* rescheduled off an unconfirmed entry: the new one replaces it */
		if (!err && sf && !syn)
			bpf_map_delete_elem(&XLB_MAP_SYN_FLOWS, &p->key);
		/* only now has the flow moved: a drop above does not count */
		if (resched)
			stat_inc(XLB_STAT_RESCHEDULED);
		stat_inc(XLB_STAT_NEW_FLOW);
		v->new_flow = true;
	}
out:
	if (fwd_is_encap(svc->fwd))
		return encap_out(ctx, p, svc, be, be_id, v);
	if ((void *)(eth + 1) > end)
		return drop(v, XLB_STAT_DROP_MALFORMED);
	__builtin_memcpy(eth->h_dest, be->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, be->smac, ETH_ALEN);

	if (be->ifindex && be->ifindex != ctx->ingress_ifindex) {
		if (bpf_redirect_map(&XLB_MAP_TX_PORTS, be->ifindex, 0) !=
		    XDP_REDIRECT)
			return drop(v, XLB_STAT_DROP_REDIRECT);
		act = XDP_REDIRECT;
		reason = XLB_STAT_REDIRECT;
	}
	/* what actually left: the one counter line (also tx / redirect) */
	stat_sent(be_id, end - data, v->new_flow, act == XDP_REDIRECT);
	v->be_id = be_id;
	v->reason = reason;
	return act;
}

/*
 * May @vip be a VIP address? False only when no service key holds it:
 * then the packet is not ours without a services lookup (an array load,
 * inlined by the verifier, against a hash of 20 bytes and a bucket walk).
 */
static __always_inline bool vip_maybe(const union xlb_addr *vip)
{
	__u32 bit = xlb_vip_filter_bit(vip), word = bit / 64;
	__u64 *w = bpf_map_lookup_elem(&XLB_MAP_VIP_FILTER, &word);

	return !w || (*w >> (bit % 64)) & 1;
}

/*
 * Full NAT, out of line (lib/nat.h, lib/nat_icmp.h): the parsed packet by
 * value to the global function of its direction, its verdict counted
 * here. No @svc: a packet to an address that may be ours but no service,
 * maybe a backend's reply (or an ICMP error about a NAT flow) to an SNAT
 * address; when it is not, it passes as non-VIP traffic (as other ICMP).
 * @icmp: an ICMP error, p->key the flow its quote is about.
 */
static __always_inline int nat(struct xdp_md *ctx, const struct xlb_pkt *p,
			       const void *l3, const struct xlb_svc *svc,
			       bool icmp, struct verdict *v)
{
	struct nat_scratch *s = nat_scratch();
	struct nat_arg *a;
	int act;

	if (!s)
		return drop(v, XLB_STAT_DROP_MALFORMED);
	a = &s->a;
	__builtin_memcpy(&a->key, &p->key, sizeof(a->key));
	a->l4_off = p->l4 - (void *)(long)ctx->data;
	a->l3_off = l3 - (void *)(long)ctx->data;
	a->tcp_flags = p->tcp_flags;
	a->new_flow = 0;
	a->reason = 0;
	a->be_id = 0;
	a->sent = 0;
	if (svc)
		__builtin_memcpy(&a->svc, svc, sizeof(a->svc));
	if (icmp)
		act = xlb_nat_icmp(ctx, !!svc);
	else if (svc)
		act = xlb_nat_forward(ctx);
	else
		act = xlb_nat_reply(ctx);
	if (act < 0)
		return pass(v,
			    icmp ? XLB_STAT_PASS_ICMP : XLB_STAT_PASS_NON_VIP);
	/* the callee's writes are behind the call: look the slot up anew */
	s = nat_scratch();
	if (!s)
		return drop(v, XLB_STAT_DROP_MALFORMED);
	v->be_id = s->a.be_id;
	v->new_flow = s->a.new_flow;
	v->reason = s->a.reason;
	/* counted on the backend's line, tx / redirect included */
	if (!s->a.sent)
		stat_inc(s->a.reason);
	return act;
}

/* To a nat service's VIP: translated when the frame is ours. */
static __always_inline int nat_vip(struct xdp_md *ctx, const struct xlb_pkt *p,
				   const void *l3, const struct xlb_svc *svc,
				   bool icmp, struct verdict *v)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u32 l2;

	if (data + ETH_HLEN > end)
		return drop(v, XLB_STAT_DROP_MALFORMED);
	l2 = l2_not_ours(ctx, data);
	if (l2 != XLB_STAT_MAX)
		return pass(v, l2);
	return nat(ctx, p, l3, svc, icmp, v);
}

/*
 * An ICMP error about a VIP flow goes where the flow goes; one about a
 * full-NAT flow (to its VIP, or to an SNAT address: not a service) is
 * translated (lib/nat_icmp.h). As for the flow's own packets, a VIP
 * frame must be ours (the SNAT side's replies are not asked).
 */
static __always_inline int handle_icmp(struct xdp_md *ctx, struct xlb_pkt *p,
				       const void *l3, struct verdict *v)
{
	void *end = (void *)(long)ctx->data_end;
	struct xlb_svc svc_copy, *svc = &svc_copy;
	int ret;

	if (icmp_to_flow_key(p, end) != XLB_P_OK)
		return pass(v, XLB_STAT_PASS_ICMP);
	if (xlb_svc_find(&p->key.svc, svc)) {
		if (!vip_maybe(&p->key.svc.vip))
			return pass(v, XLB_STAT_PASS_ICMP);
		return nat(ctx, p, l3, NULL, true, v);
	}
	if (svc->fwd == XLB_FWD_NAT)
		return nat_vip(ctx, p, l3, svc, true, v);
	ret = forward(ctx, p, svc, false, v);
	if (ret == XDP_TX || ret == XDP_REDIRECT)
		stat_inc(XLB_STAT_ICMP_FORWARDED);
	return ret;
}

static __always_inline int process(struct xdp_md *ctx, struct xlb_pkt *p,
				   struct verdict *v)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct xlb_svc svc_copy, *svc = &svc_copy;
	__u32 proto, l2;
	void *l3;
	int ret;

	proto = parse_eth(data, end, &l3);
	if (proto == bpf_htons(ETH_P_IP))
		ret = parse_ipv4(ctx, p, l3, end);
	else if (proto == bpf_htons(ETH_P_IPV6))
		ret = parse_ipv6(p, l3, end);
	else if (proto != XLB_ETH_TRUNCATED)
		return pass(v, XLB_STAT_PASS_NON_IP);
	else
		return drop(v, XLB_STAT_DROP_MALFORMED);

	switch (ret) {
	case XLB_P_OK:
		if (!vip_maybe(&p->key.svc.vip))
			return pass(v, XLB_STAT_PASS_NON_VIP);
		break;
	case XLB_P_ICMP:
		return handle_icmp(ctx, p, l3, v);
	case XLB_P_OTHER:
		return pass(v, XLB_STAT_PASS_NON_VIP);
	case XLB_P_EXT_LIMIT:
		return pass(v, XLB_STAT_PASS_EXT_LIMIT);
	case XLB_P_FRAGMENT:
		/*
		 * No ports to match and no reassembly: port 0 / proto 0 in
		 * the key is exactly the VIP address marker xlbd installs,
		 * so fragments to a VIP are dropped, others go to the kernel.
		 */
		if (!vip_maybe(&p->key.svc.vip) ||
		    !bpf_map_lookup_elem(&XLB_MAP_SERVICES, &p->key.svc))
			return pass(v, XLB_STAT_PASS_NON_VIP);
		l2 = l2_not_ours(ctx, data);
		if (l2 != XLB_STAT_MAX)
			return pass(v, l2);
		return drop(v, XLB_STAT_DROP_FRAGMENT);
	default:
		return drop(v, XLB_STAT_DROP_MALFORMED);
	}

	if (xlb_svc_find(&p->key.svc, svc))
		return nat(ctx, p, l3, NULL, false, v);
	if (svc->flags & XLB_SVC_F_ADDR_MARK)
		return pass(v, XLB_STAT_PASS_NON_VIP);
	if (svc->fwd == XLB_FWD_NAT)
		return nat_vip(ctx, p, l3, svc, false, v);
	return forward(ctx, p, svc, true, v);
}

/* Kept out of line: the untraced path should not carry its code. */
static __attribute__((noinline)) void trace(struct xdp_md *ctx,
					    const struct xlb_pkt *p,
					    const struct verdict *v, int act,
					    __u32 rate)
{
	struct xlb_trace_event *e;

	if (rate > 1 && bpf_get_prandom_u32() % rate)
		return;
	e = bpf_ringbuf_reserve(&XLB_MAP_TRACE, sizeof(*e), 0);
	if (!e)
		return;
	e->ts_ns = bpf_ktime_get_ns();
	__builtin_memcpy(&e->key, &p->key, sizeof(e->key));
	e->backend_id = v->be_id;
	e->ifindex = ctx->ingress_ifindex;
	e->len = ctx->data_end - ctx->data;
	e->action = act;
	e->reason = v->reason;
	e->tcp_flags = p->tcp_flags;
	e->new_flow = v->new_flow;
	bpf_ringbuf_submit(e, 0);
}

SEC("xdp")
int xlb_xdp(struct xdp_md *ctx)
{
	struct xlb_pkt p = {};
	struct verdict v = {};
	__u32 rate;
	int act;

	act = process(ctx, &p, &v);
	rate = *(volatile __u32 *)&xlb_switches.trace;
	if (rate)
		trace(ctx, &p, &v, act, rate);
	return act;
}
