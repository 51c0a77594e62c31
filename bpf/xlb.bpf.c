// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xlb: XDP L4 load balancer, L2 direct server return.
 *
 * parse -> service lookup -> flow table -> (scheduler) -> rewrite MACs ->
 * XDP_TX / XDP_REDIRECT. Anything that is not VIP traffic leaves with
 * XDP_PASS untouched. Every verdict is counted with a reason.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "lib/maps.h"
#include "lib/stats.h"
#include "lib/parse.h"
#include "lib/icmp.h"
#include "lib/sched.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

static __always_inline int drop(__u32 reason)
{
	stat_inc(reason);
	return XDP_DROP;
}

static __always_inline int pass(__u32 reason)
{
	stat_inc(reason);
	return XDP_PASS;
}

#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_ACK 0x10

static __always_inline bool is_syn(const struct xlb_pkt *p)
{
	return p->key.svc.proto == IPPROTO_TCP &&
	       (p->tcp_flags & (TCP_FLAG_SYN | TCP_FLAG_ACK)) == TCP_FLAG_SYN;
}

/*
 * Send the packet to the flow's backend. A flow-table hit whose backend is
 * still up and still the same assignment (gen) is the fast path: no ring,
 * no hash, no clock. Otherwise the scheduler picks, and when @pin the
 * choice is stored so later packets take the fast path. ICMP errors are
 * not pinned: they must not create flows.
 */
static __always_inline int forward(struct xdp_md *ctx, struct xlb_pkt *p,
				   const struct xlb_svc *svc, bool pin)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct xlb_backend *be;
	struct xlb_flow *f;
	bool new_flow = false, resched = false;
	__u32 be_id, reason = XLB_STAT_TX;
	int act = XDP_TX;

	/*
	 * A SYN opens a new connection: schedule it afresh rather than
	 * follow an entry a previous connection on the same 5-tuple (a
	 * recycled client port) left behind, which may point at a backend
	 * the current ring no longer favours.
	 */
	f = is_syn(p) ? NULL : bpf_map_lookup_elem(&XLB_MAP_FLOWS, &p->key);
	if (f) {
		be_id = f->backend_id;
		be = bpf_map_lookup_elem(&XLB_MAP_BACKENDS, &be_id);
		if (be && be->gen == f->backend_gen &&
		    (be->flags & XLB_BE_F_UP))
			goto out;
		resched = pin;
	}

	/*
	 * An ICMP error about a flow we no longer (or never) pinned: only a
	 * hashing scheduler can tell where the flow went; the others would
	 * pick at random, so leave it to the kernel.
	 */
	if (!pin && !sched_is_hash(svc))
		return pass(XLB_STAT_PASS_ICMP);
	be_id = sched_pick(svc, &p->key);
	be = bpf_map_lookup_elem(&XLB_MAP_BACKENDS, &be_id);
	if (!be_id || !be || !(be->flags & XLB_BE_F_UP))
		return drop(XLB_STAT_DROP_NO_BACKEND);
	if (pin) {
		struct xlb_flow nf = {
			.backend_id = be_id,
			.backend_gen = be->gen,
			/* coarse: a jiffy of precision for a fraction of
			 * bpf_ktime_get_ns()'s cost, and only on new flows */
			.created_ns = bpf_ktime_get_coarse_ns(),
		};

		if (bpf_map_update_elem(&XLB_MAP_FLOWS, &p->key, &nf, BPF_ANY))
			stat_inc(XLB_STAT_FLOW_TABLE_FULL);
		/* only now has the flow moved: a drop above does not count */
		if (resched)
			stat_inc(XLB_STAT_RESCHEDULED);
		stat_inc(XLB_STAT_NEW_FLOW);
		new_flow = true;
	}
out:
	if ((void *)(eth + 1) > end)
		return drop(XLB_STAT_DROP_MALFORMED);
	__builtin_memcpy(eth->h_dest, be->dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, be->smac, ETH_ALEN);

	if (be->ifindex && be->ifindex != ctx->ingress_ifindex) {
		if (bpf_redirect_map(&XLB_MAP_TX_PORTS, be->ifindex, 0) !=
		    XDP_REDIRECT)
			return drop(XLB_STAT_DROP_REDIRECT);
		act = XDP_REDIRECT;
		reason = XLB_STAT_REDIRECT;
	}
	/* service and backend counters count what actually left */
	stat_fwd(svc->id, be_id, end - data, new_flow);
	stat_inc(reason);
	return act;
}

static __always_inline int handle_icmp(struct xdp_md *ctx, struct xlb_pkt *p)
{
	void *end = (void *)(long)ctx->data_end;
	struct xlb_svc *svc;
	int ret;

	if (icmp_to_flow_key(p, end) != XLB_P_OK)
		return pass(XLB_STAT_PASS_ICMP);
	svc = bpf_map_lookup_elem(&XLB_MAP_SERVICES, &p->key.svc);
	if (!svc)
		return pass(XLB_STAT_PASS_ICMP);
	ret = forward(ctx, p, svc, false);
	if (ret == XDP_TX || ret == XDP_REDIRECT)
		stat_inc(XLB_STAT_ICMP_FORWARDED);
	return ret;
}

SEC("xdp")
int xlb_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct xlb_pkt p = {};
	struct xlb_svc *svc;
	__be16 proto;
	void *l3;
	int ret;

	proto = parse_eth(data, end, &l3);
	if (proto == bpf_htons(ETH_P_IP))
		ret = parse_ipv4(ctx, &p, l3, end);
	else if (proto == bpf_htons(ETH_P_IPV6))
		ret = parse_ipv6(&p, l3, end);
	else if (proto)
		return pass(XLB_STAT_PASS_NON_IP);
	else
		return drop(XLB_STAT_DROP_MALFORMED);

	switch (ret) {
	case XLB_P_OK:
		break;
	case XLB_P_ICMP:
		return handle_icmp(ctx, &p);
	case XLB_P_OTHER:
		return pass(XLB_STAT_PASS_NON_VIP);
	case XLB_P_EXT_LIMIT:
		return pass(XLB_STAT_PASS_EXT_LIMIT);
	case XLB_P_FRAGMENT:
		/*
		 * No ports to match and no reassembly: port 0 / proto 0 in
		 * the key is exactly the VIP address marker xlbd installs,
		 * so fragments to a VIP are dropped, others go to the kernel.
		 */
		if (bpf_map_lookup_elem(&XLB_MAP_SERVICES, &p.key.svc))
			return drop(XLB_STAT_DROP_FRAGMENT);
		return pass(XLB_STAT_PASS_NON_VIP);
	default:
		return drop(XLB_STAT_DROP_MALFORMED);
	}

	svc = bpf_map_lookup_elem(&XLB_MAP_SERVICES, &p.key.svc);
	if (!svc || (svc->flags & XLB_SVC_F_ADDR_MARK))
		return pass(XLB_STAT_PASS_NON_VIP);
	return forward(ctx, &p, svc, true);
}
