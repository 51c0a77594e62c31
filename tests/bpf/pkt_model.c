// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The packet model: see pkt_model.h. */
#include <string.h>
#include <netinet/in.h>

#include "pkt_model.h"

#define ETH_VLAN_8021Q 0x8100
#define ETH_VLAN_8021AD 0x88a8
#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define MAX_VLANS 2  /* README: two tags (802.1ad outer, 802.1Q inner) */
#define MAX_V6_EXT 6 /* README: more than 6 extension headers pass */

struct model {
	const struct m_service *svcs;
	int n;
};

const char *m_verdict_name(enum m_verdict v)
{
	static const char *const n[M_N] = {
		[M_FWD] = "forward",
		[M_ICMP_FWD] = "icmp forward",
		[M_NO_BACKEND] = "drop_no_backend",
		[M_NON_IP] = "pass_non_ip",
		[M_NON_VIP] = "pass_non_vip",
		[M_PASS_ICMP] = "pass_icmp",
		[M_EXT_LIMIT] = "pass_ext_limit",
		[M_FRAGMENT] = "drop_fragment",
		[M_MALFORMED] = "drop_malformed",
		[M_MAC_GROUP] = "pass_mac_multicast",
		[M_MAC_OTHER] = "pass_mac_other_host",
	};

	return v < M_N ? n[v] : "?";
}

static __u16 be16(const __u8 *p)
{
	return (__u16)(p[0] << 8 | p[1]);
}

static bool same_addr(const struct m_service *s, __u8 family, const __u8 *a)
{
	return s->family == family &&
	       !memcmp(s->vip.bytes, a, family == XLB_FAMILY_V4 ? 4 : 16);
}

/* Any service on this address (a VIP address, whatever the port). */
static bool is_vip(const struct model *m, __u8 family, const __u8 *a)
{
	for (int i = 0; i < m->n; i++)
		if (same_addr(&m->svcs[i], family, a))
			return true;
	return false;
}

static const struct m_service *service(const struct model *m, __u8 family,
				       const __u8 *a, __u16 port, __u8 proto)
{
	for (int i = 0; i < m->n; i++)
		if (same_addr(&m->svcs[i], family, a) &&
		    m->svcs[i].port == port && m->svcs[i].proto == proto)
			return &m->svcs[i];
	return NULL;
}

static void set(struct m_expect *e, unsigned int allowed)
{
	e->allowed = allowed;
}

/*
 * TCP or UDP in l4[0..n) to dst: a served VIP:port:proto is forwarded (or
 * dropped, no backend); a header cut short is malformed (RFC 9293 3.1:
 * data offset >= 5; RFC 768: 8 bytes).
 */
static void transport(const struct model *m, __u8 family, const __u8 *dst,
		      __u8 proto, const __u8 *l4, size_t n, struct m_expect *e)
{
	const struct m_service *s;
	bool vip = is_vip(m, family, dst), bad;

	if (n < 4) {
		set(e, vip ? M_BIT(M_MALFORMED)
			   : M_BIT(M_MALFORMED) | M_BIT(M_NON_VIP));
		return;
	}
	/* a header cut short: data offset < 5 or past the segment */
	bad = proto == IPPROTO_TCP ? n < 20 || (l4[12] >> 4) < 5 ||
					     (size_t)(l4[12] >> 4) * 4 > n
				   : n < 8;
	s = service(m, family, dst, be16(l4 + 2), proto);
	if (!s) {
		/* README: malformed whatever the address; or not ours */
		set(e, M_BIT(M_NON_VIP) | (bad ? M_BIT(M_MALFORMED) : 0));
		return;
	}
	if (bad) {
		set(e, M_BIT(M_MALFORMED));
		return;
	}
	e->svc_id = s->id;
	set(e, s->has_backends ? M_BIT(M_FWD) : M_BIT(M_NO_BACKEND));
}

/*
 * The flow an ICMP error quotes (RFC 792, 4443: the offending packet's IP
 * header and at least 8 bytes of it): a reply of a served flow has the
 * VIP as source and the service port as source port.
 */
static const struct m_service *quoted(const struct model *m, __u8 family,
				      const __u8 *q, size_t n, bool *later)
{
	size_t hl;
	__u8 proto;

	/* the program does not check the quoted version either: *later
	 * covers that too */
	if (family == XLB_FAMILY_V4) {
		if (n < 20 || (q[0] & 15) < 5)
			return NULL;
		*later = (q[0] >> 4) != 4;
		hl = (q[0] & 15) * 4;
		proto = q[9];
		/* a later fragment carries no ports (RFC 791); the program
		 * reads them anyway: *later says so, the caller allows it */
		*later |= (be16(q + 6) & 0x1fff) != 0;
		if (n < hl + 4)
			return NULL;
		return service(m, family, q + 12, be16(q + hl), proto);
	}
	if (n < 44)
		return NULL;
	*later = (q[0] >> 4) != 6;
	return service(m, family, q + 8, be16(q + 40), q[6]);
}

static void icmp_strict(const struct model *m, __u8 family, const __u8 *dst,
			const __u8 *l4, size_t n, struct m_expect *e)
{
	const struct m_service *s;
	bool err, vip = is_vip(m, family, dst), later = false;

	if (n < 8) {
		set(e, M_BIT(M_MALFORMED) | M_BIT(M_PASS_ICMP) |
			       (vip ? 0 : M_BIT(M_NON_VIP)));
		return;
	}
	/* README: destination unreachable (fragmentation needed among
	 * them), packet too big */
	err = family == XLB_FAMILY_V4 ? l4[0] == 3 : l4[0] == 1 || l4[0] == 2;
	s = err ? quoted(m, family, l4 + 8, n - 8, &later) : NULL;
	if (!s) {
		set(e, M_BIT(M_PASS_ICMP) | (vip ? 0 : M_BIT(M_NON_VIP)) |
			       (err ? M_BIT(M_MALFORMED) : 0));
		return;
	}
	if (later && same_addr(s, family, dst)) { /* deviation, see quoted() */
		e->svc_id = s->id;
		set(e, M_BIT(M_PASS_ICMP) | M_BIT(M_MALFORMED) |
			       (vip ? 0 : M_BIT(M_NON_VIP)) |
			       (s->has_backends ? M_BIT(M_ICMP_FWD)
						: M_BIT(M_NO_BACKEND)));
		return;
	}
	/* README: an error sent to another address than the VIP it quotes
	 * is not about that VIP's flow (RFC 792, 4443: an error goes to the
	 * offending packet's source) */
	if (!same_addr(s, family, dst)) {
		set(e, M_BIT(M_PASS_ICMP) | (vip ? 0 : M_BIT(M_NON_VIP)));
		return;
	}
	e->svc_id = s->id;
	if (!s->has_backends)
		set(e, M_BIT(M_PASS_ICMP) | M_BIT(M_NO_BACKEND));
	else
		set(e, M_BIT(M_ICMP_FWD));
}

static void icmp(const struct model *m, __u8 family, const __u8 *dst,
		 const __u8 *l4, size_t n, size_t frame_n, struct m_expect *e)
{
	const struct m_service *s = NULL;
	bool later;

	icmp_strict(m, family, dst, l4, n, e);
	/*
	 * Known deviation: the program reads the ICMP header and the quote
	 * up to the frame's end, past the IP length, so an error cut by the
	 * length but whole in the frame is still treated as one.
	 */
	if (frame_n > n && frame_n >= 8 &&
	    (family == XLB_FAMILY_V4 ? l4[0] == 3 : l4[0] == 1 || l4[0] == 2))
		s = quoted(m, family, l4 + 8, frame_n - 8, &later);
	if (s && same_addr(s, family, dst)) {
		e->allowed |= s->has_backends ? M_BIT(M_ICMP_FWD)
					      : M_BIT(M_NO_BACKEND);
		e->svc_id = s->id;
	}
}

static void ipv4(const struct model *m, const __u8 *p, size_t n,
		 struct m_expect *e)
{
	size_t hl, tot, i;
	bool vip, broken = false;

	if (n < 20) {
		set(e, M_BIT(M_MALFORMED));
		return;
	}
	if ((p[0] >> 4) != 4) {
		set(e, M_BIT(M_MALFORMED) | M_BIT(M_NON_VIP));
		return;
	}
	hl = (p[0] & 15) * 4;
	tot = be16(p + 2);
	if (hl < 20 || hl > n || tot > n || tot < hl) {
		set(e, M_BIT(M_MALFORMED));
		return;
	}
	vip = is_vip(m, XLB_FAMILY_V4, p + 16);
	/* RFC 791 options: EOL ends, NOP is one byte, others carry a
	 * length >= 2 that stays within the header */
	for (i = 20; i < hl;) {
		if (p[i] == 0)
			break;
		if (p[i] == 1) {
			i++;
			continue;
		}
		if (i + 1 >= hl || p[i + 1] < 2 || i + p[i + 1] > hl) {
			broken = true;
			break;
		}
		i += p[i + 1];
	}
	if (be16(p + 6) & 0x3fff) { /* MF or an offset */
		set(e, (vip ? M_BIT(M_FRAGMENT) : M_BIT(M_NON_VIP)) |
			       (broken ? M_BIT(M_MALFORMED) : 0));
		return;
	}
	switch (p[9]) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		transport(m, XLB_FAMILY_V4, p + 16, p[9], p + hl, tot - hl, e);
		break;
	case IPPROTO_ICMP:
		icmp(m, XLB_FAMILY_V4, p + 16, p + hl, tot - hl, n - hl, e);
		break;
	default:
		set(e, M_BIT(M_NON_VIP));
	}
	if (broken) {
		if (vip)
			set(e, M_BIT(M_MALFORMED));
		else
			e->allowed |= M_BIT(M_MALFORMED);
	}
}

static void ipv6(const struct model *m, const __u8 *p, size_t n,
		 struct m_expect *e)
{
	size_t off = 40, end, hl;
	int exts = 0;
	__u8 nh;
	bool vip;

	if (n < 40) {
		set(e, M_BIT(M_MALFORMED));
		return;
	}
	if ((p[0] >> 4) != 6) {
		set(e, M_BIT(M_MALFORMED) | M_BIT(M_NON_VIP));
		return;
	}
	end = 40 + (size_t)be16(p + 4);
	if (end > n) {
		set(e, M_BIT(M_MALFORMED));
		return;
	}
	vip = is_vip(m, XLB_FAMILY_V6, p + 24);
	nh = p[6];
	/* RFC 8200 4: hop-by-hop, routing, fragment, destination options;
	 * RFC 4302: AH (length in 4-byte units) */
	while (nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60) {
		if (exts == MAX_V6_EXT) {
			set(e, M_BIT(M_EXT_LIMIT));
			return;
		}
		if (off + 8 > end) {
			/* cut short; a fragment header announced is a
			 * fragment to the VIP either way */
			set(e,
			    M_BIT(M_MALFORMED) | (vip ? 0 : M_BIT(M_NON_VIP)) |
				    (vip && nh == 44 ? M_BIT(M_FRAGMENT) : 0));
			return;
		}
		if (nh == 44) {
			/* an atomic fragment (offset 0, no M) is a whole
			 * packet (RFC 6946): any verdict, checked only by
			 * the general properties */
			if (!(be16(p + off + 2) & 0xfff9)) {
				set(e, ~0u & (M_BIT(M_N) - 1));
				return;
			}
			set(e, vip ? M_BIT(M_FRAGMENT) : M_BIT(M_NON_VIP));
			return;
		}
		hl = nh == 51 ? ((size_t)p[off + 1] + 2) * 4
			      : ((size_t)p[off + 1] + 1) * 8;
		if (off + hl > end) {
			set(e,
			    M_BIT(M_MALFORMED) | (vip ? 0 : M_BIT(M_NON_VIP)));
			return;
		}
		nh = p[off];
		off += hl;
		exts++;
	}
	switch (nh) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		transport(m, XLB_FAMILY_V6, p + 24, nh, p + off, end - off, e);
		break;
	case IPPROTO_ICMPV6:
		icmp(m, XLB_FAMILY_V6, p + 24, p + off, end - off, n - off, e);
		break;
	default:
		set(e, M_BIT(M_NON_VIP));
	}
}

/*
 * README: a VIP frame (one the table forwards, drops for want of a
 * backend, or drops as a fragment to a VIP) whose destination MAC is
 * broadcast or multicast (IEEE 802: the I/G bit, the first byte's lowest),
 * or another host's unicast MAC, is not ours: passed untouched. With the
 * interface's MAC not known, only group addresses are told apart.
 */
static void l2(const __u8 if_mac[6], const __u8 *dst, struct m_expect *e)
{
	static const __u8 zero[6];
	const unsigned int vip = M_BIT(M_FWD) | M_BIT(M_ICMP_FWD) |
				 M_BIT(M_NO_BACKEND) | M_BIT(M_FRAGMENT);
	unsigned int to;

	if (!memcmp(dst, if_mac, 6))
		return;
	if (dst[0] & 1)
		to = M_BIT(M_MAC_GROUP);
	else if (memcmp(if_mac, zero, 6))
		to = M_BIT(M_MAC_OTHER);
	else
		return;
	if (e->allowed & vip)
		e->allowed = (e->allowed & ~vip) | to;
}

void m_classify(const struct m_service *svcs, int n, const __u8 if_mac[6],
		const __u8 *f, size_t len, struct m_expect *e)
{
	struct model m = { svcs, n };
	size_t off = 14;
	__u16 type;
	int tags = 0;

	memset(e, 0, sizeof(*e));
	if (len < 14) {
		set(e, M_BIT(M_MALFORMED));
		return;
	}
	type = be16(f + 12);
	while (type == ETH_VLAN_8021Q || type == ETH_VLAN_8021AD) {
		if (tags == MAX_VLANS) {
			/* a third tag: not a frame xlb parses as IP */
			set(e, M_BIT(M_NON_IP));
			return;
		}
		if (off + 4 > len) {
			set(e, M_BIT(M_MALFORMED));
			return;
		}
		type = be16(f + off + 2);
		off += 4;
		tags++;
	}
	if (type == ETH_IPV4)
		ipv4(&m, f + off, len - off, e);
	else if (type == ETH_IPV6)
		ipv6(&m, f + off, len - off, e);
	else /* any other EtherType, or an 802.3 length (0 too): not ours */
		set(e, M_BIT(M_NON_IP));
	l2(if_mac, f, e);
}
