// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Flow sync, the daemon's side (cfg.sync; the datagram is
 * flow_sync_wire.h). The program writes each flow it pins for a service
 * with flow_sync to the XLB_MAP_FLOW_SYNC ring buffer; here, on the event
 * loop:
 *
 *  - sending: the ring buffer is read on a timer (the program wakes
 *    nobody: flow_sync_ring.h), its records batched into one datagram
 *    (full, or at most batch_delay after its first record's packet),
 *    sealed and sent to every peer from the sync socket. Records past max_rate per second
 *    are dropped and counted; the memory is one datagram, whatever the
 *    rate (the ring buffer itself is the queue, and the program counts
 *    what does not fit in it: flow_sync_lost).
 *  - receiving: a datagram must come from a peer's address, carry the
 *    right MAC and a sequence number not seen (xlb_sync_accept); each
 *    flow's backend is looked up by address in this node's service, and
 *    the flow inserted pointing at this node's id and gen of it, unless
 *    the flow table already has the flow (this node's own choice stays;
 *    a copy it never forwarded is refreshed, and follows the sender).
 *    Records past max_rate are dropped and counted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "flow_sync_resend.h"
#include "flow_sync_ring.h"
#include "jclock.h"
#include "log.h"
#include "nat_peer.h"
#include "xlbd.h"

/* datagrams read per wakeup: the loop has other work */
#define RECV_BURST 64
/* token buckets hold this many milliseconds of max_rate */
#define BURST_MS 100

static __u64 unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static __u64 unix_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (__u64)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Take up to @want tokens at @now_ms; how many were granted. */
static __u64 bucket_take(double *tokens, __u64 *last_ms, __u32 rate,
			 __u64 now_ms, __u64 want)
{
	double cap = (double)rate * BURST_MS / 1000;

	if (cap < XLB_SYNC_MAX_RECS)
		cap = XLB_SYNC_MAX_RECS;
	if (now_ms > *last_ms) {
		*tokens += (double)rate * (now_ms - *last_ms) / 1000;
		*last_ms = now_ms;
	}
	if (*tokens > cap)
		*tokens = cap;
	if (*tokens < want)
		want = *tokens;
	*tokens -= want;
	return want;
}

static void flush(struct xlbd *d)
{
	struct xlbd_sync *y = &d->sync;
	struct sockaddr_storage ss;
	size_t len;

	xlb_timer_cancel(d->loop, y->flush);
	y->flush = NULL;
	if (!y->enc->count)
		return;
	y->hdr.seq++;
	y->hdr.time_ms = unix_ms();
	len = xlb_sync_enc_finish(y->enc, &y->hdr, d->cfg.sync.key,
				  d->cfg.sync.key_len);
	y->sent += y->enc->count;
	for (size_t i = 0; len && i < y->n_peers; i++) {
		const struct xlbd_sync_peer *p = &y->peers[i];
		socklen_t sl = xlb_sockaddr(&p->addr, p->family, p->port, &ss);

		if (sendto(y->fd, y->enc->buf, len, MSG_DONTWAIT,
			   (struct sockaddr *)&ss, sl) == (ssize_t)len) {
			y->datagrams_sent++;
			y->bytes_sent += len;
		} else {
			y->send_errors++;
		}
	}
	xlb_sync_enc_reset(y->enc);
}

static void on_flush(struct xlb_loop *l, void *ctx)
{
	struct xlbd *d = ctx;

	d->sync.flush = NULL; /* fired: not to be cancelled */
	flush(d);
}

/* Batch @rp; its datagram leaves at the latest @wait_ms from now. */
static void queue_record(struct xlbd *d, const struct xlb_sync_rec *rp,
			 __u32 wait_ms)
{
	struct xlbd_sync *y = &d->sync;
	struct xlb_sync_rec r = *rp;
	__u64 now = xlb_now_ms();

	if (!bucket_take(&y->send_tokens, &y->send_ms, d->cfg.sync.max_rate,
			 now, 1)) {
		y->send_dropped++;
		return;
	}
	if (!xlb_sync_enc_add(y->enc, &r)) {
		flush(d);
		if (!xlb_sync_enc_add(y->enc, &r)) {
			y->send_dropped++; /* a family the wire has not */
			return;
		}
	}
	if (y->flush && now + wait_ms < y->flush_at) {
		xlb_timer_cancel(d->loop, y->flush);
		y->flush = NULL;
	}
	if (!y->flush) {
		y->flush = xlb_timer_add(d->loop, wait_ms, on_flush, d);
		y->flush_at = now + wait_ms;
	}
	if (!y->flush)
		flush(d);
}

static void send_record(struct xlbd *d, const struct xlb_sync_rec *rp)
{
	queue_record(d, rp, d->cfg.sync.batch_ms);
}

/*
 * A record of the ring. It may have waited there up to a poll period
 * already, so its datagram leaves that much sooner: batch_delay bounds
 * its whole wait.
 */
static int on_record(void *ctx, void *data, size_t size)
{
	struct xlbd *d = ctx;
	__u32 batch = d->cfg.sync.batch_ms, poll = d->sync.poll_ms;
	struct xlb_sync_rec r;

	if (size >= sizeof(r)) {
		memcpy(&r, data, sizeof(r));
		queue_record(d, &r, batch > poll ? batch - poll : 0);
	}
	return 0;
}

void xlbd_sync_resend(struct xlbd *d, struct xlb_sync_rec *r, __u32 gen,
		      __u64 age_ms, __u64 gap_ms, __u32 timeout_ms)
{
	struct svc_rt *s;

	if (d->sync.fd < 0 || !timeout_ms ||
	    !xlb_sync_resend_due(
		    age_ms, gap_ms,
		    xlb_sync_resend_period(timeout_ms,
					   d->cfg.flows.scan_interval_ms,
					   d->cfg.sync.batch_ms)))
		return;
	s = xlbd_svc_by_key(d, &r->key.svc);
	if (!s || !s->conf.flow_sync)
		return;
	for (size_t i = 0; i < s->n_bes; i++) {
		const struct be_rt *b = s->bes[i];

		if (b->id != r->backend_id || b->gen != gen)
			continue;
		r->be_addr = b->conf.addr;
		r->be_family = b->conf.family;
		d->sync.resent++;
		send_record(d, r);
		return;
	}
}

static void on_poll(struct xlb_loop *l, void *ctx)
{
	struct xlbd *d = ctx;
	struct xlbd_sync *y = &d->sync;

	ring_buffer__consume(y->rb);
	y->poll = xlb_timer_add(l, y->poll_ms, on_poll, d);
	if (!y->poll)
		pr_err("flow_sync: out of memory: the program's flows are no longer read (flow_sync_lost counts them) until a reload changes flow_sync");
}

static struct xlbd_sync_peer *
peer_of(struct xlbd_sync *y, const union xlb_addr *a, __u8 family, __u16 port)
{
	for (size_t i = 0; i < y->n_peers; i++)
		if (y->peers[i].family == family && y->peers[i].port == port &&
		    !memcmp(&y->peers[i].addr, a, sizeof(*a)))
			return &y->peers[i];
	return NULL;
}

/* A peer's full-NAT flow, with its SNAT tuple (nat_peer.h). */
static void insert_nat(struct xlbd *d, const struct xlb_sync_rec *r,
		       const struct be_rt *b, __u64 now)
{
	struct xlbd_sync *y = &d->sync;
	struct xlb_backend be;
	int v;

	v = xlb_dp_backend_get(&d->dp, b->id, &be);
	if (!v)
		v = xlb_dp_nat_peer_insert(&d->dp, r, &be, b->id, now);
	if (v == XLB_NAT_PEER_INSERTED)
		y->inserted++;
	else if (v == XLB_NAT_PEER_REFRESHED)
		y->refreshed++;
	else if (v == XLB_NAT_PEER_KEPT)
		y->kept_local++;
	else if (v == -EADDRINUSE)
		y->nat_own_snat++;
	else
		y->insert_failed++;
	if (v >= 0 && v != XLB_NAT_PEER_KEPT)
		xlbd_nat_peer_seen(d, &r->snat_addr, r->key.svc.family);
}

/* One received flow into the table, as this node's backend. */
static void insert(struct xlbd *d, const struct xlb_sync_rec *r, __u64 now)
{
	struct xlbd_sync *y = &d->sync;
	struct svc_rt *s = xlbd_svc_by_key(d, &r->key.svc);
	struct be_rt *b = s ? xlbd_be_find(s, &r->be_addr, r->be_family) : NULL;
	struct xlb_flow f = {}, cur;

	/* a NAT flow carries its SNAT tuple, and only a NAT flow does */
	if (!b || !b->id || (s->conf.fwd == XLB_FWD_NAT) != !!r->snat_port) {
		y->unknown++;
		return;
	}
	if (r->snat_port) {
		insert_nat(d, r, b, now);
		return;
	}
	f.backend_id = b->id;
	f.backend_gen = b->gen;
	f.created = now;
	f.seen = now;
	/*
	 * The main table, even for a flow its node still holds unconfirmed:
	 * a peer's flows are never looked up here until a takeover, and the
	 * small SYN table would evict them within a minute of new flows.
	 */
	if (!bpf_map_update_elem(d->dp.flow_fd, &r->key, &f, BPF_NOEXIST)) {
		y->inserted++;
		return;
	}
	if (errno != EEXIST) {
		y->insert_failed++;
		return;
	}
	/*
	 * A flow sent again: a copy this node never forwarded (seen still
	 * its insertion time) restarts its idle clock, and takes the
	 * sender's backend if that changed (a retransmitted SYN the sender
	 * scheduled again, a recycled client port: keeping the old one would
	 * send the flow elsewhere than its node does, and no later record
	 * would refresh it); anything else is this node's own and stays.
	 */
	if (!bpf_map_lookup_elem(d->dp.flow_fd, &r->key, &cur) &&
	    cur.seen == (__u32)cur.created &&
	    (cur.seen != f.seen || cur.backend_id != f.backend_id ||
	     cur.backend_gen != f.backend_gen) &&
	    !bpf_map_update_elem(d->dp.flow_fd, &r->key, &f, BPF_EXIST))
		y->refreshed++;
	else
		y->kept_local++;
}

void xlbd_sync_receive(struct xlbd *d, const void *buf, size_t len,
		       const struct sockaddr_storage *from, __u64 now_ms)
{
	static struct xlb_sync_rec recs[XLB_SYNC_MAX_RECS];
	struct xlbd_sync *y = &d->sync;
	struct xlbd_sync_peer *p;
	enum xlb_sync_reason why;
	struct xlb_sync_hdr h;
	union xlb_addr src;
	__u64 n, jiffies;
	__u16 sport;
	__u8 sfam;

	why = xlb_sync_decode(buf, len, d->cfg.sync.key, d->cfg.sync.key_len,
			      &h, recs);
	if (why == XLB_SYNC_R_OK) {
		/* the sender it names (under the MAC) and the one it came from */
		p = peer_of(y, &h.sender, h.family, h.port);
		if (!p || xlb_sockaddr_addr(from, &src, &sfam, &sport) ||
		    sfam != p->family || sport != p->port ||
		    memcmp(&src, &p->addr, sizeof(src)))
			why = XLB_SYNC_R_NOT_PEER;
		else
			why = xlb_sync_accept(&p->win, &h, now_ms);
	}
	if (why != XLB_SYNC_R_OK) {
		y->rejected[why]++;
		return;
	}
	y->datagrams_received++;
	y->received += h.count;
	n = bucket_take(&y->recv_tokens, &y->recv_ms, d->cfg.sync.max_rate,
			xlb_now_ms(), h.count);
	y->recv_dropped += h.count - n;
	if (!n)
		return;
	if (xlb_jiffies(&jiffies)) {
		y->insert_failed += n;
		return;
	}
	for (__u64 i = 0; i < n; i++)
		insert(d, &recs[i], jiffies);
}

static void on_datagram(struct xlb_loop *l, int fd, uint32_t events, void *ctx)
{
	__u8 buf[XLB_SYNC_MAX_DGRAM + 1];
	struct xlbd *d = ctx;

	for (int i = 0; i < RECV_BURST; i++) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		ssize_t n;

		/* MSG_TRUNC: the datagram's real length, to refuse it */
		n = recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC,
			     (struct sockaddr *)&from, &fl);
		if (n < 0)
			return;
		xlbd_sync_receive(d, buf, n, &from, unix_ms());
	}
}

static int open_socket(struct xlbd *d)
{
	struct xlbd_sync *y = &d->sync;
	struct sockaddr_storage ss;
	int one = 1;
	socklen_t sl;

	sl = xlb_sockaddr(&y->hdr.sender, y->hdr.family, y->hdr.port, &ss);
	y->fd = socket(ss.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0);
	if (y->fd < 0)
		return -errno;
	if (ss.ss_family == AF_INET6)
		setsockopt(y->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(y->fd, (struct sockaddr *)&ss, sl))
		return -errno;
	return xlb_loop_add_fd(d->loop, y->fd, EPOLLIN, on_datagram, d);
}

int xlbd_sync_start(struct xlbd *d)
{
	const struct xlb_sync_conf *c = &d->cfg.sync;
	struct xlbd_sync *y = &d->sync;
	__u64 epoch = unix_us();
	int err;

	y->fd = -1;
	if (!c->on)
		return 0;
	/* strictly after the last run's, so peers restart their windows */
	if (epoch <= y->hdr.epoch)
		epoch = y->hdr.epoch + 1;
	memset(&y->hdr, 0, sizeof(y->hdr));
	y->hdr.epoch = epoch;
	if (xlb_parse_addr_port(c->address, &y->hdr.sender, &y->hdr.family,
				&y->hdr.port))
		return -EINVAL;
	y->n_peers = 0;
	for (size_t i = 0; i < c->n_peers; i++) {
		struct xlbd_sync_peer *p = &y->peers[y->n_peers];

		memset(p, 0, sizeof(*p));
		if (!xlb_parse_addr_port(c->peers[i], &p->addr, &p->family,
					 &p->port))
			y->n_peers++;
	}
	if (!y->enc)
		y->enc = malloc(sizeof(*y->enc));
	if (!y->enc)
		return -ENOMEM;
	xlb_sync_enc_reset(y->enc);
	y->send_ms = y->recv_ms = xlb_now_ms();
	y->send_tokens = y->recv_tokens = 0;
	err = open_socket(d);
	if (err) {
		pr_err("flow_sync: cannot receive on %s: %s", c->address,
		       strerror(-err));
		xlbd_sync_stop(d);
		return err;
	}
	y->poll_ms = xlb_sync_ring_poll_ms(c->batch_ms, c->max_rate);
	if (d->dp.flow_sync_fd < 0) {
		pr_warn("flow_sync: the running XDP program predates it and sends no flows; receiving only until xlbd --teardown and a fresh start");
	} else {
		y->rb = ring_buffer__new(d->dp.flow_sync_fd, on_record, d,
					 NULL);
		err = y->rb ? 0 : -errno;
		if (!err) {
			y->poll =
				xlb_timer_add(d->loop, y->poll_ms, on_poll, d);
			err = y->poll ? 0 : -ENOMEM;
		}
		if (err) {
			pr_err("flow_sync: cannot read the program's flows: %s",
			       strerror(-err));
			xlbd_sync_stop(d);
			return err;
		}
		/* what waited while no daemon ran */
		ring_buffer__consume(y->rb);
	}
	pr_info("flow_sync: on %s, %zu peers, at most %u records/s, the program's flows read every %u ms",
		c->address, y->n_peers, c->max_rate, y->poll_ms);
	return 0;
}

void xlbd_sync_stop(struct xlbd *d)
{
	struct xlbd_sync *y = &d->sync;

	xlb_timer_cancel(d->loop, y->poll);
	y->poll = NULL;
	if (y->rb) {
		/* up to a poll period of records: batched, then sent below */
		if (y->fd >= 0 && y->enc)
			ring_buffer__consume(y->rb);
		ring_buffer__free(y->rb);
		y->rb = NULL;
	}
	if (y->fd >= 0) {
		if (y->enc)
			flush(d);
		xlb_loop_del_fd(d->loop, y->fd);
		close(y->fd);
		y->fd = -1;
	}
	xlb_timer_cancel(d->loop, y->flush);
	y->flush = NULL;
	free(y->enc);
	y->enc = NULL;
}

int xlbd_sync_reload(struct xlbd *d, const struct xlb_sync_conf *c)
{
	if (xlb_sync_conf_equal(&d->cfg.sync, c))
		return 0;
	pr_info("reload: flow_sync changed; restarting it");
	xlbd_sync_stop(d);
	d->cfg.sync = *c;
	return xlbd_sync_start(d);
}
