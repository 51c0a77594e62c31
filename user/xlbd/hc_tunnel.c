// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Part: health checks through the tunnel (health_check via_tunnel: true,
 * ipip and gue services). Each such checker gets an id; its probes carry
 * SO_MARK XLB_HCT_MARK | id, and xlb_hct_probes[id] tells the tc program
 * (bpf/xlb_hc_tunnel.bpf.c, attached to xlbd's interface egress and
 * ingress on the first such check) the VIP, the backend and the
 * encapsulation. include/xlb_hc_tunnel.h has the design. The check types
 * themselves (user/lib/hc_*.c) are unchanged: only the socket's mark is.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "tc_hook.h"
#include "xlb_hc_tunnel.h"
#include "xlb_hc_tunnel.skel.h"
#include "xlbd.h"

#define HCT_TC_HANDLE 0x786c /* ours among the interface's tc filters */
#define HCT_TC_PRIO 1

struct xlbd_hct {
	struct xlb_hc_tunnel_bpf *skel;
	int ifindex; /* attached to */
	bool used[XLB_HCT_MAX_PROBES];
};

/* Our filter at where on ifindex. */
static struct xlb_tc_filter hct_filter(int ifindex,
				       enum bpf_tc_attach_point where)
{
	return (struct xlb_tc_filter){ .ifindex = ifindex,
				       .where = where,
				       .handle = HCT_TC_HANDLE,
				       .prio = HCT_TC_PRIO };
}

static int tc_attach(int ifindex, enum bpf_tc_attach_point where, int fd)
{
	struct xlb_tc_filter f = hct_filter(ifindex, where);

	return xlb_tc_attach(&f, fd, true);
}

static void tc_detach(int ifindex, enum bpf_tc_attach_point where)
{
	struct xlb_tc_filter f = hct_filter(ifindex, where);

	xlb_tc_detach(&f);
}

static struct xlbd_hct *hct_open(struct xlbd *d)
{
	struct xlbd_hct *t = calloc(1, sizeof(*t));
	int err = -ENOMEM;

	if (!t)
		goto fail;
	t->skel = xlb_hc_tunnel_bpf__open_and_load();
	if (!t->skel) {
		err = -errno;
		goto fail;
	}
	t->ifindex = d->ifindex;
	err = tc_attach(t->ifindex, BPF_TC_EGRESS,
			bpf_program__fd(t->skel->progs.xlb_hct_egress));
	if (!err)
		err = tc_attach(
			t->ifindex, BPF_TC_INGRESS,
			bpf_program__fd(t->skel->progs.xlb_hct_ingress));
	if (!err)
		return t;
	tc_detach(t->ifindex, BPF_TC_EGRESS);
fail:
	pr_warn("health checks via_tunnel: cannot attach the tc program: %s",
		strerror(-err));
	if (t)
		xlb_hc_tunnel_bpf__destroy(t->skel);
	free(t);
	return NULL;
}

static __be16 gue_port(const struct xlbd *d)
{
	return htons(d->cfg.encap.gue_port ? d->cfg.encap.gue_port
					   : XLB_GUE_PORT_DEFAULT);
}

__u32 xlbd_hct_add(struct xlbd *d, const struct svc_rt *s, struct be_rt *b)
{
	struct xlb_hct_probe p = {
		.vip = s->conf.vip,
		.backend = b->conf.addr,
		.family = s->conf.family,
		.fwd = s->conf.fwd,
		.gue_port = gue_port(d),
	};
	__u32 id;

	xlbd_hct_del(d, b);
	if (b->conf.family != s->conf.family || !xlb_fwd_is_encap(s->conf.fwd))
		return 0;
	if (!d->hct && !(d->hct = hct_open(d)))
		return 0;
	for (id = 1; id < XLB_HCT_MAX_PROBES && d->hct->used[id]; id++)
		;
	if (id == XLB_HCT_MAX_PROBES) {
		pr_warn("health checks via_tunnel: more than %d", id - 1);
		return 0;
	}
	if (bpf_map__update_elem(d->hct->skel->maps.xlb_hct_probes, &id,
				 sizeof(id), &p, sizeof(p), BPF_ANY)) {
		pr_warn("health checks via_tunnel: %s", strerror(errno));
		return 0;
	}
	d->hct->used[id] = true;
	b->hct_id = id;
	return XLB_HCT_MARK | id;
}

void xlbd_hct_del(struct xlbd *d, struct be_rt *b)
{
	struct xlb_hct_probe none = {};
	__u32 id = b->hct_id;

	if (!id || !d->hct)
		return;
	/* probes still in flight are dropped (counted unknown), never
	 * sent plainly to the backend's own address */
	bpf_map__update_elem(d->hct->skel->maps.xlb_hct_probes, &id, sizeof(id),
			     &none, sizeof(none), BPF_ANY);
	d->hct->used[id] = false;
	b->hct_id = 0;
}

void xlbd_hct_gue_port(struct xlbd *d)
{
	struct bpf_map *m = d->hct ? d->hct->skel->maps.xlb_hct_probes : NULL;
	struct xlb_hct_probe p;

	for (__u32 id = 1; m && id < XLB_HCT_MAX_PROBES; id++) {
		if (!d->hct->used[id] ||
		    bpf_map__lookup_elem(m, &id, sizeof(id), &p, sizeof(p), 0))
			continue;
		p.gue_port = gue_port(d);
		bpf_map__update_elem(m, &id, sizeof(id), &p, sizeof(p),
				     BPF_ANY);
	}
}

void xlbd_hct_close(struct xlbd *d)
{
	if (!d->hct)
		return;
	tc_detach(d->hct->ifindex, BPF_TC_EGRESS);
	tc_detach(d->hct->ifindex, BPF_TC_INGRESS);
	xlb_hc_tunnel_bpf__destroy(d->hct->skel);
	free(d->hct);
	d->hct = NULL;
}
