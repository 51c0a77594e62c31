// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Packet builder for the tests: see pkt.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "pkt.h"

/* What the pending next-protocol field (p->next_off) holds. */
enum {
	NEXT_NONE,	/* nothing may follow but payload */
	NEXT_START,	/* empty frame: anything may start it */
	NEXT_ETHERTYPE, /* 16-bit EtherType */
	NEXT_IPPROTO,	/* 8-bit IP protocol / next header */
};

#define NO_ETHERTYPE -1 /* 0 is an EtherType (802.3 length 0) */
#define NO_IPPROTO -1

#define ETH_HLEN 14
#define VLAN_HLEN 4
#define ARP_LEN 28
#define IPV4_HLEN 20
#define IPV6_HLEN 40
#define TCP_HLEN 20
#define UDP_HLEN 8
#define ICMP_HLEN 8

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_IPV6 0x86dd

#define PROTO_HOPOPTS 0
#define PROTO_ICMP 1
#define PROTO_TCP 6
#define PROTO_UDP 17
#define PROTO_ROUTING 43
#define PROTO_FRAGMENT 44
#define PROTO_AH 51
#define PROTO_ICMPV6 58
#define PROTO_DSTOPTS 60

static void pkt_error(struct pkt *p, const char *fn, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void pkt_error(struct pkt *p, const char *fn, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "    pkt: %s: ", fn);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	p->err = -EINVAL;
}

static void put16(__u8 *b, __u16 v)
{
	b[0] = v >> 8;
	b[1] = v;
}

static void put32(__u8 *b, __u32 v)
{
	put16(b, v >> 16);
	put16(b + 2, v);
}

static __u16 get16(const __u8 *b)
{
	return (__u16)(b[0] << 8 | b[1]);
}

__u32 pkt_csum_add(__u32 sum, const void *data, size_t len)
{
	const __u8 *b = data;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(b + i);
	if (len & 1)
		sum += b[len - 1] << 8;
	/* fold early so long buffers cannot overflow */
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

__u16 pkt_csum_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)~sum;
}

void pkt_init(struct pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->next_off = -1;
	p->next_kind = NEXT_START;
}

/* Append a zeroed header of n bytes and record it as a layer. */
static __u8 *push(struct pkt *p, const char *fn, enum pkt_layer_type type,
		  size_t n)
{
	__u8 *h;

	if (p->err)
		return NULL;
	if (p->finished) {
		pkt_error(p, fn, "packet already finished");
		return NULL;
	}
	if (p->len + n > PKT_MAX || p->nlayers == PKT_MAX_LAYERS) {
		pkt_error(p, fn, "packet too big");
		return NULL;
	}
	h = p->data + p->len;
	memset(h, 0, n);
	p->layer[p->nlayers].type = type;
	p->layer[p->nlayers].off = p->len;
	p->layer[p->nlayers].len = n;
	p->nlayers++;
	p->len += n;
	return h;
}

/*
 * Check that a header can follow the previous one and fill in the previous
 * header's next-protocol field. ethertype/ipproto say what this header is
 * called at L2 and at L3 (NO_ETHERTYPE / NO_IPPROTO: cannot appear there).
 */
static bool link_prev(struct pkt *p, const char *fn, int ethertype, int ipproto)
{
	if (p->err)
		return false;
	switch (p->next_kind) {
	case NEXT_START:
		return true;
	case NEXT_ETHERTYPE:
		if (ethertype == NO_ETHERTYPE)
			break;
		put16(p->data + p->next_off, ethertype);
		return true;
	case NEXT_IPPROTO:
		if (ipproto == NO_IPPROTO)
			break;
		p->data[p->next_off] = ipproto;
		return true;
	}
	pkt_error(p, fn, "cannot follow the previous header");
	return false;
}

/* A new header: linked to the previous one (link_prev()), then push()ed. */
static __u8 *link_push(struct pkt *p, const char *fn, int ethertype,
		       int ipproto, enum pkt_layer_type type, size_t n)
{
	if (!link_prev(p, fn, ethertype, ipproto))
		return NULL;
	return push(p, fn, type, n);
}

static void set_next(struct pkt *p, int kind, size_t off)
{
	p->next_kind = kind;
	p->next_off = off;
}

static struct pkt_layer *last_layer(struct pkt *p, enum pkt_layer_type type)
{
	for (int i = p->nlayers - 1; i >= 0; i--)
		if (p->layer[i].type == type)
			return &p->layer[i];
	return NULL;
}

static bool parse_addr(struct pkt *p, const char *fn, int af, const char *s,
		       void *out)
{
	if (inet_pton(af, s, out) == 1)
		return true;
	pkt_error(p, fn, "bad %s address \"%s\"",
		  af == AF_INET ? "IPv4" : "IPv6", s);
	return false;
}

void pkt_eth(struct pkt *p, const __u8 src[6], const __u8 dst[6])
{
	__u8 *h;

	if (p->next_kind != NEXT_START) {
		pkt_error(p, __func__, "Ethernet must come first");
		return;
	}
	h = push(p, __func__, PKT_L_ETH, ETH_HLEN);
	if (!h)
		return;
	memcpy(h, dst, 6);
	memcpy(h + 6, src, 6);
	set_next(p, NEXT_ETHERTYPE, p->len - 2);
}

void pkt_vlan_tpid(struct pkt *p, __u16 tpid, __u16 vid)
{
	__u8 *h =
		link_push(p, __func__, tpid, NO_IPPROTO, PKT_L_VLAN, VLAN_HLEN);

	if (!h)
		return;
	put16(h, vid & 0x0fff);
	set_next(p, NEXT_ETHERTYPE, p->len - 2);
}

void pkt_vlan(struct pkt *p, __u16 vid)
{
	pkt_vlan_tpid(p, ETHERTYPE_VLAN, vid);
}

void pkt_ethertype(struct pkt *p, __u16 type)
{
	if (link_prev(p, __func__, type, NO_IPPROTO))
		set_next(p, NEXT_NONE, -1);
}

void pkt_arp(struct pkt *p, __u16 op, const __u8 sha[6], const char *spa,
	     const __u8 tha[6], const char *tpa)
{
	__u8 *h = link_push(p, __func__, ETHERTYPE_ARP, NO_IPPROTO, PKT_L_ARP,
			    ARP_LEN);

	if (!h)
		return;
	put16(h, 1); /* Ethernet */
	put16(h + 2, ETHERTYPE_IPV4);
	h[4] = 6;
	h[5] = 4;
	put16(h + 6, op);
	memcpy(h + 8, sha, 6);
	parse_addr(p, __func__, AF_INET, spa, h + 14);
	memcpy(h + 18, tha, 6);
	parse_addr(p, __func__, AF_INET, tpa, h + 24);
	set_next(p, NEXT_NONE, -1);
}

/*
 * The most recent header of type (what, for the error: "IPv4"), for the
 * setters; NULL after an earlier error or with none.
 */
static __u8 *layer_hdr(struct pkt *p, const char *fn, enum pkt_layer_type type,
		       const char *what)
{
	struct pkt_layer *l = last_layer(p, type);

	if (p->err)
		return NULL;
	if (!l) {
		pkt_error(p, fn, "no %s header", what);
		return NULL;
	}
	return p->data + l->off;
}

/* The setters of one field of the most recent header of type. */
static void layer_set8(struct pkt *p, const char *fn, enum pkt_layer_type type,
		       const char *what, size_t off, __u8 v)
{
	__u8 *h = layer_hdr(p, fn, type, what);

	if (h)
		h[off] = v;
}

static void layer_set16(struct pkt *p, const char *fn, enum pkt_layer_type type,
			const char *what, size_t off, __u16 v)
{
	__u8 *h = layer_hdr(p, fn, type, what);

	if (h)
		put16(h + off, v);
}

/* The fields pkt_ipv4() and pkt_ipv6() both write, where they are. */
struct ip_form {
	int ethertype, ipproto; /* its names at L2 and in an IP header */
	enum pkt_layer_type type;
	size_t hlen;
	int af;
	__u8 ver;	   /* byte 0: version (and IPv4's IHL) */
	size_t ttl, proto; /* TTL or hop limit; protocol or next header */
	size_t src, alen;  /* the source address, the destination follows */
};

static const struct ip_form ip4_form = {
	ETHERTYPE_IPV4, 4, PKT_L_IPV4, IPV4_HLEN, AF_INET, 0x45, 8, 9, 12, 4
};
static const struct ip_form ip6_form = {
	ETHERTYPE_IPV6, 41, PKT_L_IPV6, IPV6_HLEN, AF_INET6, 0x60, 7, 6, 8, 16
};

static __u8 *ip_push(struct pkt *p, const char *fn, const struct ip_form *f,
		     const char *src, const char *dst)
{
	__u8 *h = link_push(p, fn, f->ethertype, f->ipproto, f->type, f->hlen);

	if (!h)
		return NULL;
	h[0] = f->ver;
	h[f->ttl] = 64;
	parse_addr(p, fn, f->af, src, h + f->src);
	parse_addr(p, fn, f->af, dst, h + f->src + f->alen);
	set_next(p, NEXT_IPPROTO, (h + f->proto) - p->data);
	return h;
}

void pkt_ipv4(struct pkt *p, const char *src, const char *dst)
{
	__u8 *h = ip_push(p, __func__, &ip4_form, src, dst);

	if (!h)
		return;
	put16(h + 4, 0x1234); /* id */
	put16(h + 6, 0x4000); /* DF */
}

void pkt_ipv4_ttl(struct pkt *p, __u8 ttl)
{
	layer_set8(p, __func__, PKT_L_IPV4, "IPv4", 8, ttl);
}

void pkt_ipv4_id(struct pkt *p, __u16 id)
{
	layer_set16(p, __func__, PKT_L_IPV4, "IPv4", 4, id);
}

void pkt_ipv4_tos(struct pkt *p, __u8 tos)
{
	layer_set8(p, __func__, PKT_L_IPV4, "IPv4", 1, tos);
}

void pkt_ipv4_frag(struct pkt *p, bool df, bool mf, __u16 offset)
{
	__u8 *h = layer_hdr(p, __func__, PKT_L_IPV4, "IPv4");

	if (!h)
		return;
	if (offset & 7) {
		pkt_error(p, __func__, "offset %u not a multiple of 8", offset);
		return;
	}
	put16(h + 6, (df ? 0x4000 : 0) | (mf ? 0x2000 : 0) | offset >> 3);
}

void pkt_ipv4_proto(struct pkt *p, __u8 proto)
{
	layer_set8(p, __func__, PKT_L_IPV4, "IPv4", 9, proto);
}

void pkt_ipv4_options(struct pkt *p, const void *opts, size_t len)
{
	struct pkt_layer *l = last_layer(p, PKT_L_IPV4);
	size_t padded = (len + 3) & ~(size_t)3;
	__u8 *h;

	if (p->err)
		return;
	if (!l || p->nlayers == 0 || &p->layer[p->nlayers - 1] != l ||
	    l->off + l->len != p->len) {
		pkt_error(p, __func__, "must directly follow pkt_ipv4()");
		return;
	}
	if (l->len + padded > 60) {
		pkt_error(p, __func__, "%zu bytes of options do not fit", len);
		return;
	}
	if (p->len + padded > PKT_MAX) {
		pkt_error(p, __func__, "packet too big");
		return;
	}
	h = p->data + l->off;
	memset(p->data + p->len, 0, padded);
	memcpy(p->data + p->len, opts, len);
	p->len += padded;
	l->len += padded;
	h[0] = 0x40 | l->len / 4;
}

void pkt_ipv6(struct pkt *p, const char *src, const char *dst)
{
	ip_push(p, __func__, &ip6_form, src, dst);
}

void pkt_ipv6_hlim(struct pkt *p, __u8 hlim)
{
	layer_set8(p, __func__, PKT_L_IPV6, "IPv6", 7, hlim);
}

void pkt_ipv6_flow(struct pkt *p, __u8 tclass, __u32 flow_label)
{
	__u8 *h = layer_hdr(p, __func__, PKT_L_IPV6, "IPv6");

	if (h)
		put32(h,
		      6U << 28 | (__u32)tclass << 20 | (flow_label & 0xfffff));
}

/*
 * An extension header of len bytes; its next-header field is byte 0. Each
 * is a multiple of 8 bytes (RFC 8200 4, RFC 4302 2.2 for AH).
 */
static __u8 *ipv6_ext(struct pkt *p, const char *fn, __u8 proto, size_t len)
{
	__u8 *h;

	if (!last_layer(p, PKT_L_IPV6)) {
		pkt_error(p, fn, "no IPv6 header");
		return NULL;
	}
	if (len % 8) {
		pkt_error(p, fn, "length %zu: not a multiple of 8", len);
		return NULL;
	}
	h = link_push(p, fn, NO_ETHERTYPE, proto, PKT_L_IPV6_EXT, len);
	if (!h)
		return NULL;
	set_next(p, NEXT_IPPROTO, h - p->data);
	return h;
}

static void ipv6_opts(struct pkt *p, const char *fn, __u8 proto, size_t len)
{
	__u8 *h;

	/* one PadN option pads it all: at most 255 bytes of padding */
	if (len < 8 || len > 256) {
		pkt_error(p, fn, "length %zu: not in [8, 256]", len);
		return;
	}
	h = ipv6_ext(p, fn, proto, len);
	if (!h)
		return;
	h[1] = len / 8 - 1;
	h[2] = 1; /* PadN (RFC 8200 4.2) */
	h[3] = len - 4;
}

void pkt_ipv6_hopopts(struct pkt *p, size_t len)
{
	ipv6_opts(p, __func__, PROTO_HOPOPTS, len);
}

void pkt_ipv6_dstopts(struct pkt *p, size_t len)
{
	ipv6_opts(p, __func__, PROTO_DSTOPTS, len);
}

void pkt_ipv6_routing(struct pkt *p, const char *addr)
{
	__u8 *h = ipv6_ext(p, __func__, PROTO_ROUTING, 24);

	if (!h)
		return;
	h[1] = 2; /* (24 / 8) - 1 */
	h[2] = 2; /* routing type 2 */
	h[3] = 1; /* segments left */
	parse_addr(p, __func__, AF_INET6, addr, h + 8);
}

void pkt_ipv6_frag(struct pkt *p, __u16 offset, bool more, __u32 id)
{
	__u8 *h;

	if (offset & 7) {
		pkt_error(p, __func__, "offset %u not a multiple of 8", offset);
		return;
	}
	h = ipv6_ext(p, __func__, PROTO_FRAGMENT, 8);
	if (!h)
		return;
	put16(h + 2, offset | (more ? 1 : 0));
	put32(h + 4, id);
}

void pkt_ipv6_ah(struct pkt *p, size_t icv_len)
{
	size_t len = 12 + icv_len;
	__u8 *h = ipv6_ext(p, __func__, PROTO_AH, len);

	if (!h)
		return;
	h[1] = len / 4 - 2;
	put32(h + 4, 0x100); /* SPI */
	put32(h + 8, 1);     /* sequence number */
}

/* A TCP or UDP header: both begin with the ports and end the chain. */
static __u8 *ports_push(struct pkt *p, const char *fn, int proto,
			enum pkt_layer_type type, size_t hlen, __u16 sport,
			__u16 dport)
{
	__u8 *h = link_push(p, fn, NO_ETHERTYPE, proto, type, hlen);

	if (!h)
		return NULL;
	put16(h, sport);
	put16(h + 2, dport);
	set_next(p, NEXT_NONE, -1);
	return h;
}

void pkt_tcp(struct pkt *p, __u16 sport, __u16 dport, __u8 flags)
{
	__u8 *h = ports_push(p, __func__, PROTO_TCP, PKT_L_TCP, TCP_HLEN, sport,
			     dport);

	if (!h)
		return;
	put32(h + 4, 1);
	put32(h + 8, flags & PKT_ACK ? 1 : 0);
	h[12] = 5 << 4;
	h[13] = flags;
	put16(h + 14, 65535);
}

void pkt_tcp_seq(struct pkt *p, __u32 seq, __u32 ack)
{
	__u8 *h = layer_hdr(p, __func__, PKT_L_TCP, "TCP");

	if (!h)
		return;
	put32(h + 4, seq);
	put32(h + 8, ack);
}

void pkt_tcp_options(struct pkt *p, const void *opts, size_t len)
{
	struct pkt_layer *l = last_layer(p, PKT_L_TCP);
	size_t padded = (len + 3) & ~(size_t)3;

	if (p->err)
		return;
	if (!l || &p->layer[p->nlayers - 1] != l || l->off + l->len != p->len) {
		pkt_error(p, __func__, "must directly follow pkt_tcp()");
		return;
	}
	if (l->len + padded > 60 || p->len + padded > PKT_MAX) {
		pkt_error(p, __func__, "%zu bytes of options do not fit", len);
		return;
	}
	memset(p->data + p->len, 0, padded);
	memcpy(p->data + p->len, opts, len);
	p->len += padded;
	l->len += padded;
	p->data[l->off + 12] = (l->len / 4) << 4;
}

void pkt_udp(struct pkt *p, __u16 sport, __u16 dport)
{
	ports_push(p, __func__, PROTO_UDP, PKT_L_UDP, UDP_HLEN, sport, dport);
}

void pkt_payload(struct pkt *p, const void *data, size_t len)
{
	if (p->err)
		return;
	if (p->finished) {
		pkt_error(p, __func__, "packet already finished");
		return;
	}
	if (p->len + len > PKT_MAX) {
		pkt_error(p, __func__, "packet too big");
		return;
	}
	memcpy(p->data + p->len, data, len);
	p->len += len;
	/* what follows a payload is payload */
	set_next(p, NEXT_NONE, -1);
}

void pkt_payload_fill(struct pkt *p, size_t len, __u8 seed)
{
	__u8 buf[PKT_MAX];

	if (len > sizeof(buf)) {
		pkt_error(p, __func__, "packet too big");
		return;
	}
	for (size_t i = 0; i < len; i++)
		buf[i] = seed + i;
	pkt_payload(p, buf, len);
}

static void icmp_common(struct pkt *p, const char *fn, enum pkt_layer_type type,
			int proto, __u8 t, __u8 code, __u32 rest)
{
	__u8 *h = link_push(p, fn, NO_ETHERTYPE, proto, type, ICMP_HLEN);

	if (!h)
		return;
	h[0] = t;
	h[1] = code;
	put32(h + 4, rest);
	set_next(p, NEXT_NONE, -1);
}

void pkt_icmp(struct pkt *p, __u8 type, __u8 code, __u32 rest)
{
	icmp_common(p, __func__, PKT_L_ICMP, PROTO_ICMP, type, code, rest);
}

void pkt_icmp_echo(struct pkt *p, __u16 id, __u16 seq)
{
	pkt_icmp(p, 8, 0, (__u32)id << 16 | seq);
}

void pkt_quote(struct pkt *p, const struct pkt *inner, size_t max)
{
	if (p->err)
		return;
	if (!inner->finished || inner->err) {
		pkt_error(p, __func__, "quoted packet not finished");
		return;
	}
	pkt_payload(p, inner->data, inner->len < max ? inner->len : max);
}

void pkt_icmp_frag_needed(struct pkt *p, __u16 mtu, const struct pkt *inner)
{
	pkt_icmp(p, 3, 4, mtu);
	pkt_quote(p, inner, PKT_MAX);
}

void pkt_icmp6(struct pkt *p, __u8 type, __u8 code, __u32 rest)
{
	icmp_common(p, __func__, PKT_L_ICMP6, PROTO_ICMPV6, type, code, rest);
}

void pkt_icmp6_too_big(struct pkt *p, __u32 mtu, const struct pkt *inner)
{
	pkt_icmp6(p, 2, 0, mtu);
	pkt_quote(p, inner, PKT_MAX);
}

void pkt_icmp6_unreach(struct pkt *p, __u8 code, const struct pkt *inner)
{
	pkt_icmp6(p, 1, code, 0);
	pkt_quote(p, inner, PKT_MAX);
}

void pkt_icmp6_echo(struct pkt *p, __u16 id, __u16 seq)
{
	pkt_icmp6(p, 128, 0, (__u32)id << 16 | seq);
}

/* The innermost IP header before layer i, or NULL. */
static const struct pkt_layer *ip_before(const struct pkt *p, int i)
{
	while (--i >= 0)
		if (p->layer[i].type == PKT_L_IPV4 ||
		    p->layer[i].type == PKT_L_IPV6)
			return &p->layer[i];
	return NULL;
}

/* Sum of the pseudo-header for an upper-layer packet of len bytes. */
static __u32 pseudo_sum(const struct pkt *p, const struct pkt_layer *ip,
			__u8 proto, size_t len)
{
	const __u8 *h = p->data + ip->off;
	__u8 tail[8] = {};

	if (ip->type == PKT_L_IPV4) {
		tail[1] = proto;
		put16(tail + 2, len);
		return pkt_csum_add(pkt_csum_add(0, h + 12, 8), tail, 4);
	}
	put32(tail, len);
	tail[7] = proto;
	return pkt_csum_add(pkt_csum_add(0, h + 8, 32), tail, 8);
}

/* Write the checksum of [off, len) at off + at, if the frame holds it. */
static void l4_csum(struct pkt *p, int i, __u8 proto, size_t at, bool pseudo)
{
	const struct pkt_layer *l = &p->layer[i];
	const struct pkt_layer *ip = ip_before(p, i);
	size_t len = p->len - l->off;
	__u32 sum = 0;
	__u16 c;

	if (l->off + at + 2 > p->len)
		return;
	if (pseudo) {
		if (!ip) {
			/* a bare L4 header: nothing to sum against */
			return;
		}
		sum = pseudo_sum(p, ip, proto, len);
	}
	put16(p->data + l->off + at, 0);
	c = pkt_csum_fold(pkt_csum_add(sum, p->data + l->off, len));
	/* UDP: 0 means "no checksum", send all ones instead (RFC 768) */
	if (proto == PROTO_UDP && c == 0)
		c = 0xffff;
	put16(p->data + l->off + at, c);
}

int pkt_finish(struct pkt *p)
{
	if (p->err)
		return p->err;
	/* inner layers first: an outer length or checksum covers them */
	for (int i = p->nlayers - 1; i >= 0; i--) {
		struct pkt_layer *l = &p->layer[i];
		__u8 *h = p->data + l->off;
		size_t len;

		if (l->off >= p->len)
			continue; /* truncated away */
		len = p->len - l->off;
		switch (l->type) {
		case PKT_L_TCP:
			l4_csum(p, i, PROTO_TCP, 16, true);
			break;
		case PKT_L_UDP:
			if ((size_t)l->off + 6 <= p->len)
				put16(h + 4, len);
			l4_csum(p, i, PROTO_UDP, 6, true);
			break;
		case PKT_L_ICMP:
			l4_csum(p, i, PROTO_ICMP, 2, false);
			break;
		case PKT_L_ICMP6:
			l4_csum(p, i, PROTO_ICMPV6, 2, true);
			break;
		case PKT_L_IPV6:
			if ((size_t)l->off + 6 <= p->len)
				put16(h + 4,
				      len > IPV6_HLEN ? len - IPV6_HLEN : 0);
			break;
		case PKT_L_IPV4:
			if ((size_t)l->off + 4 <= p->len)
				put16(h + 2, len);
			if ((size_t)l->off + l->len <= p->len) {
				put16(h + 10, 0);
				put16(h + 10, pkt_csum_fold(pkt_csum_add(
						      0, h, l->len)));
			}
			break;
		default:
			break;
		}
	}
	p->finished = true;
	return 0;
}

void pkt_truncate(struct pkt *p, size_t len)
{
	if (len < p->len)
		p->len = len;
}

static bool in_frame(struct pkt *p, const char *fn, size_t off, size_t n)
{
	if (off + n <= p->len)
		return true;
	pkt_error(p, fn, "offset %zu beyond the %zu-byte frame", off, p->len);
	return false;
}

void pkt_set8(struct pkt *p, size_t off, __u8 v)
{
	if (in_frame(p, __func__, off, 1))
		p->data[off] = v;
}

void pkt_set16(struct pkt *p, size_t off, __u16 v)
{
	if (in_frame(p, __func__, off, 2))
		put16(p->data + off, v);
}

static int first_off(struct pkt *p, const char *fn, enum pkt_layer_type t)
{
	int off = pkt_off(p, t, 0);

	if (off < 0)
		pkt_error(p, fn, "no such header");
	return off;
}

void pkt_ipv4_set_ihl(struct pkt *p, __u8 ihl)
{
	int off = first_off(p, __func__, PKT_L_IPV4);

	if (off >= 0 && in_frame(p, __func__, off, 1))
		p->data[off] = (p->data[off] & 0xf0) | (ihl & 0x0f);
}

void pkt_ipv4_set_tot_len(struct pkt *p, __u16 len)
{
	int off = first_off(p, __func__, PKT_L_IPV4);

	if (off >= 0)
		pkt_set16(p, off + 2, len);
}

void pkt_ipv6_set_plen(struct pkt *p, __u16 len)
{
	int off = first_off(p, __func__, PKT_L_IPV6);

	if (off >= 0)
		pkt_set16(p, off + 4, len);
}

void pkt_tcp_set_doff(struct pkt *p, __u8 doff)
{
	int off = first_off(p, __func__, PKT_L_TCP);

	if (off >= 0 && in_frame(p, __func__, off + 12, 1))
		p->data[off + 12] = (doff << 4) | (p->data[off + 12] & 0x0f);
}

int pkt_off(const struct pkt *p, enum pkt_layer_type type, int nth)
{
	for (int i = 0; i < p->nlayers; i++)
		if (p->layer[i].type == type && nth-- == 0)
			return p->layer[i].off;
	return -1;
}

int pkt_l3_off(const struct pkt *p)
{
	for (int i = 0; i < p->nlayers; i++)
		if (p->layer[i].type == PKT_L_IPV4 ||
		    p->layer[i].type == PKT_L_IPV6)
			return p->layer[i].off;
	return -1;
}

int pkt_l4_off(const struct pkt *p, enum pkt_layer_type *type)
{
	for (int i = 0; i < p->nlayers; i++) {
		switch (p->layer[i].type) {
		case PKT_L_TCP:
		case PKT_L_UDP:
		case PKT_L_ICMP:
		case PKT_L_ICMP6:
			if (type)
				*type = p->layer[i].type;
			return p->layer[i].off;
		default:
			break;
		}
	}
	return -1;
}
