// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Self-tests of the packet builder: the packet tests are only as good as
 * the frames they send. Checksums are verified here with a separate,
 * deliberately naive summation, not with the builder's own helpers.
 */
#include <arpa/inet.h>

#include "../lib/pkt.h"
#include "../lib/test.h"

static const __u8 mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a };
static const __u8 mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };

/* One's complement sum of big-endian 16-bit words, folded. */
static unsigned int naive_sum(unsigned int sum, const __u8 *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		sum += i % 2 ? b[i] : b[i] << 8;
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static unsigned int be16_at(const struct pkt *p, size_t off)
{
	return p->data[off] << 8 | p->data[off + 1];
}

/* Does the L4 checksum of the segment at l4 verify (sums to 0xffff)? */
static bool l4_verifies(const struct pkt *p, int l3, int l4, __u8 proto)
{
	size_t len = p->len - l4;
	__u8 ph[40] = {};
	size_t phlen;

	if ((p->data[l3] >> 4) == 4) {
		memcpy(ph, p->data + l3 + 12, 8);
		ph[9] = proto;
		ph[10] = len >> 8;
		ph[11] = len;
		phlen = 12;
	} else {
		memcpy(ph, p->data + l3 + 8, 32);
		ph[34] = len >> 8;
		ph[35] = len;
		ph[39] = proto;
		phlen = 40;
	}
	return naive_sum(naive_sum(0, ph, phlen), p->data + l4, len) == 0xffff;
}

/*
 * The classic worked example of the IPv4 header checksum: 192.168.0.1 ->
 * 192.168.0.199, UDP, total length 115, DF, TTL 64, id 0, checksum 0xb861.
 */
TEST(pkt_ipv4_header_checksum_known_answer)
{
	static const __u8 ref[20] = {
		0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
		0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
	};
	struct pkt p;

	pkt_init(&p);
	pkt_ipv4(&p, "192.168.0.1", "192.168.0.199");
	pkt_ipv4_id(&p, 0);
	pkt_udp(&p, 1000, 53);
	pkt_payload_fill(&p, 115 - 20 - 8, 0);
	if (!ASSERT_OK(pkt_finish(&p), "pkt_finish"))
		return;
	ASSERT_MEMEQ(p.data, (size_t)20, ref, sizeof(ref), "IPv4 header");
	ASSERT_EQ(naive_sum(0, p.data, 20), 0xffff, "header re-sums to ~0");
	/* and a corrupted byte no longer verifies */
	p.data[8]--;
	ASSERT_NE(naive_sum(0, p.data, 20), 0xffff, "corrupt header");
}

TEST(pkt_tcp4_checksum_and_lengths)
{
	struct pkt p;
	int l3, l4;

	pkt_init(&p);
	pkt_eth(&p, mac_a, mac_b);
	pkt_ipv4(&p, "198.18.0.2", "198.19.0.100");
	pkt_tcp(&p, 40000, 80, PKT_SYN);
	pkt_payload(&p, "hello", 5); /* odd length: padded sum */
	if (!ASSERT_OK(pkt_finish(&p), "pkt_finish"))
		return;
	l3 = pkt_l3_off(&p);
	l4 = pkt_l4_off(&p, NULL);
	ASSERT_EQ(p.len, 14 + 20 + 20 + 5, "frame length");
	ASSERT_EQ(l3, 14, "IPv4 offset");
	ASSERT_EQ(l4, 34, "TCP offset");
	ASSERT_EQ(be16_at(&p, 12), 0x0800, "EtherType");
	ASSERT_EQ(p.data[l3 + 9], 6, "IPv4 protocol");
	ASSERT_EQ(be16_at(&p, l3 + 2), 45, "IPv4 total length");
	ASSERT_EQ(naive_sum(0, p.data + l3, 20), 0xffff, "IPv4 checksum");
	ASSERT_EQ(be16_at(&p, l4), 40000, "sport");
	ASSERT_EQ(be16_at(&p, l4 + 2), 80, "dport");
	ASSERT_EQ(p.data[l4 + 12] >> 4, 5, "data offset");
	ASSERT_EQ(p.data[l4 + 13], PKT_SYN, "flags");
	ASSERT_TRUE(l4_verifies(&p, l3, l4, 6), "TCP checksum verifies");
	p.data[p.len - 1] ^= 1;
	ASSERT_TRUE(!l4_verifies(&p, l3, l4, 6), "corrupt TCP fails");
}

TEST(pkt_udp6_icmp6_checksums_with_ext_headers)
{
	struct pkt p, q;
	int l3, l4;

	pkt_init(&p);
	pkt_eth(&p, mac_a, mac_b);
	pkt_ipv6(&p, "2001:db8:c::2", "2001:db8:f::100");
	pkt_ipv6_hopopts(&p, 8);
	pkt_ipv6_dstopts(&p, 16);
	pkt_udp(&p, 5353, 53);
	pkt_payload_fill(&p, 33, 7);
	if (!ASSERT_OK(pkt_finish(&p), "pkt_finish"))
		return;
	l3 = pkt_l3_off(&p);
	l4 = pkt_l4_off(&p, NULL);
	ASSERT_EQ(be16_at(&p, 12), 0x86dd, "EtherType");
	ASSERT_EQ(p.data[l3 + 6], 0, "IPv6 next: hop-by-hop");
	ASSERT_EQ(p.data[l3 + 40], 60, "hop-by-hop next: dest opts");
	ASSERT_EQ(p.data[l3 + 41], 0, "hop-by-hop length");
	ASSERT_EQ(p.data[l3 + 48], 17, "dest opts next: UDP");
	ASSERT_EQ(p.data[l3 + 49], 1, "dest opts length");
	ASSERT_EQ(l4, 14 + 40 + 8 + 16, "UDP offset");
	ASSERT_EQ(be16_at(&p, l3 + 4), 8 + 16 + 8 + 33, "payload length");
	ASSERT_EQ(be16_at(&p, l4 + 4), 8 + 33, "UDP length");
	ASSERT_TRUE(l4_verifies(&p, l3, l4, 17), "UDP/IPv6 checksum");

	/* ICMPv6 packet too big quoting it (minus Ethernet) */
	pkt_init(&q);
	pkt_ipv6(&q, "2001:db8:f::100", "2001:db8:c::2");
	pkt_tcp(&q, 80, 40000, PKT_SYN | PKT_ACK);
	pkt_finish(&q);
	pkt_init(&p);
	pkt_eth(&p, mac_a, mac_b);
	pkt_ipv6(&p, "2001:db8:c::1", "2001:db8:f::100");
	pkt_icmp6_too_big(&p, 1280, &q);
	if (!ASSERT_OK(pkt_finish(&p), "pkt_finish"))
		return;
	l3 = pkt_l3_off(&p);
	l4 = pkt_l4_off(&p, NULL);
	ASSERT_EQ(p.data[l3 + 6], 58, "IPv6 next: ICMPv6");
	ASSERT_EQ(p.data[l4], 2, "type: packet too big");
	ASSERT_EQ(be16_at(&p, l4 + 6), 1280, "MTU");
	ASSERT_MEMEQ(p.data + l4 + 8, p.len - l4 - 8, q.data, q.len, "quote");
	ASSERT_TRUE(l4_verifies(&p, l3, l4, 58), "ICMPv6 checksum");
}

TEST(pkt_icmp4_quote_vlan_and_options)
{
	static const __u8 opts[] = { 1, 1, 148, 4, 0, 0 };
	struct pkt p, q;
	int l3, l4;

	pkt_init(&q);
	pkt_ipv4(&q, "198.19.0.100", "198.18.0.2");
	pkt_tcp(&q, 80, 40000, PKT_ACK);
	pkt_payload_fill(&q, 100, 0);
	pkt_finish(&q);

	pkt_init(&p);
	pkt_eth(&p, mac_a, mac_b);
	pkt_vlan_tpid(&p, 0x88a8, 10);
	pkt_vlan(&p, 20);
	pkt_ipv4(&p, "198.18.0.1", "198.19.0.100");
	pkt_ipv4_options(&p, opts, sizeof(opts));
	pkt_icmp_frag_needed(&p, 1400, &q);
	if (!ASSERT_OK(pkt_finish(&p), "pkt_finish"))
		return;
	l3 = pkt_l3_off(&p);
	l4 = pkt_l4_off(&p, NULL);
	ASSERT_EQ(be16_at(&p, 12), 0x88a8, "outer TPID");
	ASSERT_EQ(be16_at(&p, 14), 10, "outer VID");
	ASSERT_EQ(be16_at(&p, 16), 0x8100, "inner TPID");
	ASSERT_EQ(be16_at(&p, 18), 20, "inner VID");
	ASSERT_EQ(be16_at(&p, 20), 0x0800, "EtherType");
	ASSERT_EQ(l3, 22, "IPv4 offset");
	ASSERT_EQ(p.data[l3], 0x47, "IHL 7: options padded to 8 bytes");
	ASSERT_EQ(p.data[l3 + 20 + 6], 0, "padding is EOL");
	ASSERT_EQ(l4, 22 + 28, "ICMP offset");
	ASSERT_EQ(be16_at(&p, l3 + 2), 28 + 8 + q.len, "IPv4 total length");
	ASSERT_EQ(naive_sum(0, p.data + l3, 28), 0xffff, "IPv4 checksum");
	ASSERT_EQ(p.data[l4], 3, "ICMP type");
	ASSERT_EQ(p.data[l4 + 1], 4, "ICMP code");
	ASSERT_EQ(be16_at(&p, l4 + 6), 1400, "next-hop MTU");
	ASSERT_MEMEQ(p.data + l4 + 8, p.len - l4 - 8, q.data, q.len, "quote");
	ASSERT_EQ(naive_sum(0, p.data + l4, p.len - l4), 0xffff,
		  "ICMP checksum");
}

TEST(pkt_truncate_before_and_after_finish)
{
	struct pkt p;

	/* before: the lengths describe the short frame */
	pkt_init(&p);
	pkt_eth(&p, mac_a, mac_b);
	pkt_ipv4(&p, "198.18.0.2", "198.19.0.100");
	pkt_tcp(&p, 40000, 80, PKT_SYN);
	pkt_truncate(&p, 14 + 20 + 10);
	if (!ASSERT_OK(pkt_finish(&p), "pkt_finish"))
		return;
	ASSERT_EQ(p.len, 44, "length");
	ASSERT_EQ(be16_at(&p, 16), 30, "total length covers the stub");
	ASSERT_EQ(naive_sum(0, p.data + 14, 20), 0xffff, "IPv4 checksum");

	/* after: the headers claim more than the frame has */
	pkt_init(&p);
	pkt_eth(&p, mac_a, mac_b);
	pkt_ipv4(&p, "198.18.0.2", "198.19.0.100");
	pkt_udp(&p, 1, 2);
	pkt_finish(&p);
	pkt_truncate(&p, 14 + 20 + 4);
	ASSERT_EQ(p.len, 38, "length");
	ASSERT_EQ(be16_at(&p, 16), 28, "total length unchanged");

	/* overrides are raw */
	pkt_ipv4_set_ihl(&p, 4);
	ASSERT_EQ(p.data[14], 0x44, "IHL override");
	ASSERT_EQ(p.err, 0, "no builder error");
	pkt_set8(&p, 100, 0);
	ASSERT_NE(p.err, 0, "write beyond the frame is an error");
}

TEST(pkt_misuse_is_reported)
{
	struct pkt p;

	pkt_init(&p);
	pkt_eth(&p, mac_a, mac_b);
	pkt_tcp(&p, 1, 2, 0); /* TCP right after Ethernet */
	ASSERT_NE(pkt_finish(&p), 0, "TCP after Ethernet");

	pkt_init(&p);
	pkt_ipv4(&p, "198.18.0.256", "198.19.0.100");
	ASSERT_NE(pkt_finish(&p), 0, "bad address");
}
