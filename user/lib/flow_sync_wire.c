// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Flow sync datagrams: encode, decode with the MAC checked first, and the
 * per-peer replay window. The format is in flow_sync_wire.h. The MAC is
 * OpenSSL's HMAC-SHA256, compared in constant time.
 */
#include <string.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "flow_sync_wire.h"

#define XLB_SYNC_REASON_NAME(name, str) str,
const char *const xlb_sync_reason_names[XLB_SYNC_R_N] = { XLB_SYNC_REASONS(
	XLB_SYNC_REASON_NAME) };

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put64(__u8 *p, __u64 v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = v;
}

static __u16 get16(const __u8 *p)
{
	return (__u16)p[0] << 8 | p[1];
}

static __u64 get64(const __u8 *p)
{
	__u64 v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static size_t addr_len(__u8 family)
{
	return family == XLB_FAMILY_V4 ? 4 : family == XLB_FAMILY_V6 ? 16 : 0;
}

void xlb_sync_enc_reset(struct xlb_sync_enc *e)
{
	e->len = XLB_SYNC_HDR_LEN;
	e->count = 0;
}

size_t xlb_sync_rec_len(const struct xlb_sync_rec *r)
{
	size_t a = addr_len(r->key.svc.family);

	return a ? 10 + 4 * a : 0;
}

bool xlb_sync_enc_add(struct xlb_sync_enc *e, const struct xlb_sync_rec *r)
{
	size_t n = xlb_sync_rec_len(r), a = addr_len(r->key.svc.family);
	__u8 *p = e->buf + e->len;

	if (!n || e->len + n + XLB_SYNC_MAC_LEN > XLB_SYNC_MAX_DGRAM)
		return false;
	p[0] = r->key.svc.family;
	p[1] = r->key.svc.proto;
	p[2] = r->flags & XLB_SYNC_F_SYN;
	p[3] = 0;
	/* ports are big-endian in the record already: copy the bytes */
	memcpy(p + 4, &r->key.svc.port, 2);
	memcpy(p + 6, &r->key.sport, 2);
	memcpy(p + 8, &r->snat_port, 2);
	memcpy(p + 10, &r->key.svc.vip, a);
	memcpy(p + 10 + a, &r->key.src, a);
	memcpy(p + 10 + 2 * a, &r->be_addr, a);
	memcpy(p + 10 + 3 * a, &r->snat_addr, a);
	e->len += n;
	e->count++;
	return true;
}

static bool mac(const __u8 *key, size_t key_len, const __u8 *data, size_t n,
		__u8 out[XLB_SYNC_MAC_LEN])
{
	unsigned int len = 0;

	return HMAC(EVP_sha256(), key, key_len, data, n, out, &len) &&
	       len == XLB_SYNC_MAC_LEN;
}

size_t xlb_sync_enc_finish(struct xlb_sync_enc *e, const struct xlb_sync_hdr *h,
			   const __u8 *key, size_t key_len)
{
	__u8 *p = e->buf;

	put16(p, XLB_SYNC_MAGIC >> 16);
	put16(p + 2, XLB_SYNC_MAGIC & 0xffff);
	p[4] = XLB_SYNC_VERSION;
	p[5] = h->family;
	put16(p + 6, e->count);
	put16(p + 8, h->port);
	put16(p + 10, 0);
	memset(p + 12, 0, 16);
	memcpy(p + 12, &h->sender, addr_len(h->family));
	put64(p + 28, h->epoch);
	put64(p + 36, h->seq);
	put64(p + 44, h->time_ms);
	if (!mac(key, key_len, p, e->len, p + e->len))
		return 0;
	return e->len + XLB_SYNC_MAC_LEN;
}

static bool zero(const __u8 *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* One record at @p (@left bytes remain before the MAC); its length or 0. */
static size_t dec_rec(const __u8 *p, size_t left, struct xlb_sync_rec *r)
{
	size_t a = addr_len(p[0]), n = 10 + 4 * a;

	if (left < 10 || !a || left < n ||
	    (p[1] != IPPROTO_TCP && p[1] != IPPROTO_UDP) ||
	    (p[2] & ~XLB_SYNC_F_SYN) || p[3])
		return 0;
	memset(r, 0, sizeof(*r));
	r->key.svc.family = p[0];
	r->key.svc.proto = p[1];
	r->flags = p[2];
	memcpy(&r->key.svc.port, p + 4, 2);
	memcpy(&r->key.sport, p + 6, 2);
	memcpy(&r->snat_port, p + 8, 2);
	memcpy(&r->key.svc.vip, p + 10, a);
	memcpy(&r->key.src, p + 10 + a, a);
	memcpy(&r->be_addr, p + 10 + 2 * a, a);
	memcpy(&r->snat_addr, p + 10 + 3 * a, a);
	r->be_family = p[0];
	/* a VIP port 0 is the address-marker key, never a flow's */
	if (!r->key.svc.port)
		return 0;
	/* an SNAT tuple is whole (full NAT) or absent */
	return !r->snat_port == zero(p + 10 + 3 * a, a) ? n : 0;
}

enum xlb_sync_reason xlb_sync_decode(const void *buf, size_t len,
				     const __u8 *key, size_t key_len,
				     struct xlb_sync_hdr *h,
				     struct xlb_sync_rec *recs)
{
	__u8 want[XLB_SYNC_MAC_LEN];
	const __u8 *p = buf;
	size_t off, end;

	if (len > XLB_SYNC_MAX_DGRAM)
		return XLB_SYNC_R_OVERSIZE;
	if (len < XLB_SYNC_HDR_LEN + XLB_SYNC_MAC_LEN)
		return XLB_SYNC_R_SHORT;
	end = len - XLB_SYNC_MAC_LEN;
	if (!mac(key, key_len, p, end, want) ||
	    CRYPTO_memcmp(want, p + end, XLB_SYNC_MAC_LEN))
		return XLB_SYNC_R_MAC;
	if (get16(p) != XLB_SYNC_MAGIC >> 16 ||
	    get16(p + 2) != (XLB_SYNC_MAGIC & 0xffff) ||
	    p[4] != XLB_SYNC_VERSION)
		return XLB_SYNC_R_VERSION;
	memset(h, 0, sizeof(*h));
	h->family = p[5];
	h->count = get16(p + 6);
	h->port = get16(p + 8);
	if (!addr_len(h->family) || get16(p + 10) || !h->port ||
	    h->count > XLB_SYNC_MAX_RECS ||
	    !zero(p + 12 + addr_len(h->family), 16 - addr_len(h->family)))
		return XLB_SYNC_R_MALFORMED;
	memcpy(&h->sender, p + 12, addr_len(h->family));
	h->epoch = get64(p + 28);
	h->seq = get64(p + 36);
	h->time_ms = get64(p + 44);
	off = XLB_SYNC_HDR_LEN;
	for (__u16 i = 0; i < h->count; i++) {
		size_t n = dec_rec(p + off, end - off, &recs[i]);

		if (!n)
			return XLB_SYNC_R_MALFORMED;
		off += n;
	}
	return off == end ? XLB_SYNC_R_OK : XLB_SYNC_R_MALFORMED;
}

enum xlb_sync_reason xlb_sync_accept(struct xlb_sync_window *w,
				     const struct xlb_sync_hdr *h, __u64 now_ms)
{
	__u64 d;

	if (h->time_ms > now_ms + XLB_SYNC_MAX_SKEW_MS ||
	    h->time_ms + XLB_SYNC_MAX_SKEW_MS < now_ms)
		return XLB_SYNC_R_STALE;
	if (!h->seq || h->epoch < w->epoch)
		return XLB_SYNC_R_REPLAY;
	if (h->epoch > w->epoch) {
		/* the peer restarted (or this is its first datagram) */
		w->epoch = h->epoch;
		w->top = h->seq;
		w->seen = 1;
		return XLB_SYNC_R_OK;
	}
	if (h->seq > w->top) {
		d = h->seq - w->top;
		w->seen = d >= XLB_SYNC_WINDOW ? 1 : w->seen << d | 1;
		w->top = h->seq;
		return XLB_SYNC_R_OK;
	}
	d = w->top - h->seq;
	if (d >= XLB_SYNC_WINDOW || (w->seen >> d & 1))
		return XLB_SYNC_R_REPLAY;
	w->seen |= 1ULL << d;
	return XLB_SYNC_R_OK;
}
