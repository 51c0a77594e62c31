/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A small packet builder for the tests: frames are built header by header,
 * outermost first, and pkt_finish() fills in every length and checksum, so
 * no test carries hand-typed hex.
 *
 *	struct pkt p;
 *
 *	pkt_init(&p);
 *	pkt_eth(&p, src_mac, dst_mac);
 *	pkt_vlan(&p, 100);
 *	pkt_ipv4(&p, "198.18.0.2", "198.19.0.100");
 *	pkt_tcp(&p, 40000, 80, PKT_SYN);
 *	pkt_payload(&p, "x", 1);
 *	pkt_finish(&p);
 *
 * Each header fills in the "next protocol" field of the one before it
 * (EtherType, IPv4 protocol, IPv6 next header). The pkt_ipv4_*(),
 * pkt_ipv6_*() and pkt_tcp_*() setters change the most recent header of
 * that kind. pkt_finish() sets, for the frame as it stands: IPv4 total
 * length and header checksum, IPv6 payload length, UDP length and the
 * TCP/UDP/ICMP/ICMPv6 checksums (with the IPv4 or IPv6 pseudo-header).
 *
 * Malformed frames: pkt_truncate() before pkt_finish() gives a short frame
 * whose lengths agree with it (a truncated header inside a consistent
 * packet); after pkt_finish() it gives a frame shorter than its headers
 * claim. The pkt_set_*() and pkt_*_set_*() overrides are raw: they write
 * exactly what they are told and fix up nothing, so call them after
 * pkt_finish().
 *
 * Misuse (overflow, a bad address string, a header that cannot follow the
 * previous one) is reported on stderr and latched in p->err; pkt_finish()
 * then returns -EINVAL and the harness refuses to send the frame.
 */
#ifndef XLB_TEST_PKT_H
#define XLB_TEST_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define PKT_MAX 2048
#define PKT_MAX_LAYERS 24

/* TCP flags */
#define PKT_FIN 0x01
#define PKT_SYN 0x02
#define PKT_RST 0x04
#define PKT_PSH 0x08
#define PKT_ACK 0x10

/* IPv4 options */
#define PKT_IPOPT_EOL 0
#define PKT_IPOPT_NOP 1
#define PKT_IPOPT_RA 148 /* router alert, 4 bytes */
#define PKT_IPOPT_TS 68	 /* timestamp */

enum pkt_layer_type {
	PKT_L_ETH,
	PKT_L_VLAN,
	PKT_L_ARP,
	PKT_L_IPV4,
	PKT_L_IPV6,
	PKT_L_IPV6_EXT, /* hop-by-hop, routing, fragment, dest opts */
	PKT_L_TCP,
	PKT_L_UDP,
	PKT_L_ICMP,
	PKT_L_ICMP6,
};

struct pkt_layer {
	enum pkt_layer_type type;
	__u16 off; /* offset of the header in the frame */
	__u16 len; /* header length (options included) */
};

struct pkt {
	__u8 data[PKT_MAX];
	size_t len;
	struct pkt_layer layer[PKT_MAX_LAYERS];
	int nlayers;
	int next_off;  /* pending next-protocol field, -1: none */
	int next_kind; /* what that field holds, see pkt.c */
	bool finished;
	int err;
};

void pkt_init(struct pkt *p);
int pkt_finish(struct pkt *p);

/* L2 */
void pkt_eth(struct pkt *p, const __u8 src[6], const __u8 dst[6]);
void pkt_vlan(struct pkt *p, __u16 vid);		  /* 802.1Q */
void pkt_vlan_tpid(struct pkt *p, __u16 tpid, __u16 vid); /* 802.1ad: 0x88a8 */
void pkt_arp(struct pkt *p, __u16 op, const __u8 sha[6], const char *spa,
	     const __u8 tha[6], const char *tpa);
/* Anything else: sets the previous EtherType, appends nothing. */
void pkt_ethertype(struct pkt *p, __u16 type);

/* IPv4: DF set, TTL 64, id 0x1234 unless changed */
void pkt_ipv4(struct pkt *p, const char *src, const char *dst);
void pkt_ipv4_ttl(struct pkt *p, __u8 ttl);
void pkt_ipv4_id(struct pkt *p, __u16 id);
void pkt_ipv4_tos(struct pkt *p, __u8 tos);
/* Flags and fragment offset: offset in bytes (multiple of 8). */
void pkt_ipv4_frag(struct pkt *p, bool df, bool mf, __u16 offset);
/* Options, right after pkt_ipv4(): zero-padded to 4 bytes, IHL follows. */
void pkt_ipv4_options(struct pkt *p, const void *opts, size_t len);
/* Set the IPv4 protocol by number (for a protocol without a builder). */
void pkt_ipv4_proto(struct pkt *p, __u8 proto);

/* IPv6: hop limit 64 */
void pkt_ipv6(struct pkt *p, const char *src, const char *dst);
void pkt_ipv6_hlim(struct pkt *p, __u8 hlim);
void pkt_ipv6_flow(struct pkt *p, __u8 tclass, __u32 flow_label);
/* Options headers of len bytes (multiple of 8, >= 8), padded with PadN. */
void pkt_ipv6_hopopts(struct pkt *p, size_t len);
void pkt_ipv6_dstopts(struct pkt *p, size_t len);
/* Routing header type 2 carrying one address. */
void pkt_ipv6_routing(struct pkt *p, const char *addr);
/* Fragment header; offset in bytes (multiple of 8). */
void pkt_ipv6_frag(struct pkt *p, __u16 offset, bool more, __u32 id);
/* Authentication header with icv_len bytes of (zero) ICV. */
void pkt_ipv6_ah(struct pkt *p, size_t icv_len);

/* L4: TCP seq 1, ack 1 when PKT_ACK, window 65535 */
void pkt_tcp(struct pkt *p, __u16 sport, __u16 dport, __u8 flags);
void pkt_tcp_seq(struct pkt *p, __u32 seq, __u32 ack);
/* Options, right after pkt_tcp(): zero-padded to 4 bytes, doff follows. */
void pkt_tcp_options(struct pkt *p, const void *opts, size_t len);
void pkt_udp(struct pkt *p, __u16 sport, __u16 dport);
void pkt_payload(struct pkt *p, const void *data, size_t len);
/* len bytes counting up from seed: payload whose content is not the point */
void pkt_payload_fill(struct pkt *p, size_t len, __u8 seed);

/* ICMP; rest is the 32-bit word after the checksum (host order). */
void pkt_icmp(struct pkt *p, __u8 type, __u8 code, __u32 rest);
void pkt_icmp_echo(struct pkt *p, __u16 id, __u16 seq);
/* Destination unreachable, fragmentation needed, quoting inner. */
void pkt_icmp_frag_needed(struct pkt *p, __u16 mtu, const struct pkt *inner);
void pkt_icmp6(struct pkt *p, __u8 type, __u8 code, __u32 rest);
void pkt_icmp6_too_big(struct pkt *p, __u32 mtu, const struct pkt *inner);
void pkt_icmp6_unreach(struct pkt *p, __u8 code, const struct pkt *inner);
void pkt_icmp6_echo(struct pkt *p, __u16 id, __u16 seq);
/* Append the first max bytes of a finished packet (an ICMP quote). */
void pkt_quote(struct pkt *p, const struct pkt *inner, size_t max);

/* Raw hooks, for malformed frames. */
void pkt_truncate(struct pkt *p, size_t len);
void pkt_set8(struct pkt *p, size_t off, __u8 v);
void pkt_set16(struct pkt *p, size_t off, __u16 v); /* big endian */
void pkt_ipv4_set_ihl(struct pkt *p, __u8 ihl);	    /* 32-bit words */
void pkt_ipv4_set_tot_len(struct pkt *p, __u16 len);
void pkt_ipv6_set_plen(struct pkt *p, __u16 len);
void pkt_tcp_set_doff(struct pkt *p, __u8 doff); /* 32-bit words */

/* Layout queries: offset of the nth (0-based) layer of a type, or -1. */
int pkt_off(const struct pkt *p, enum pkt_layer_type type, int nth);
/* The first IPv4/IPv6 header, or -1. */
int pkt_l3_off(const struct pkt *p);
/* The first TCP/UDP/ICMP/ICMPv6 header, or -1; *type tells which. */
int pkt_l4_off(const struct pkt *p, enum pkt_layer_type *type);

/* Internet checksum: add data to a running sum; fold and complement. */
__u32 pkt_csum_add(__u32 sum, const void *data, size_t len);
__u16 pkt_csum_fold(__u32 sum);

#endif /* XLB_TEST_PKT_H */
