// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Flow sync datagrams (flow_sync_wire.h): what a sender writes is what a
 * receiver reads back, byte for byte where the format fixes the bytes; a
 * datagram altered anywhere, or sealed with another key, is refused; a
 * well-sealed one with a field out of range is refused whole; and the
 * replay window takes each sequence number once.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "flow_sync_wire.h"
#include "test.h"

static const __u8 key[] = "0123456789abcdef0123456789abcdef";
#define KEYLEN 32

static struct xlb_sync_rec rec4(__u32 client, __u16 sport, __u32 be)
{
	struct xlb_sync_rec r = {};

	r.key.svc.family = XLB_FAMILY_V4;
	r.key.svc.proto = IPPROTO_TCP;
	r.key.svc.port = htons(80);
	r.key.svc.vip.v4 = htonl(0xc6130064); /* 198.19.0.100 */
	r.key.src.v4 = htonl(client);
	r.key.sport = htons(sport);
	r.be_addr.v4 = htonl(be);
	r.be_family = XLB_FAMILY_V4;
	r.backend_id = 7;
	return r;
}

static struct xlb_sync_rec rec6(void)
{
	struct xlb_sync_rec r = {};

	r.key.svc.family = XLB_FAMILY_V6;
	r.key.svc.proto = IPPROTO_UDP;
	r.key.svc.port = htons(5353);
	inet_pton(AF_INET6, "2001:2:0:100::100", &r.key.svc.vip);
	inet_pton(AF_INET6, "2001:2::2", &r.key.src);
	r.key.sport = htons(40000);
	inet_pton(AF_INET6, "2001:2::11", &r.be_addr);
	inet_pton(AF_INET6, "2001:2::1", &r.snat_addr);
	r.snat_port = htons(61000);
	r.be_family = XLB_FAMILY_V6;
	r.flags = XLB_SYNC_F_SYN;
	return r;
}

static struct xlb_sync_hdr hdr(void)
{
	struct xlb_sync_hdr h = {
		.family = XLB_FAMILY_V4,
		.port = 7800,
		.epoch = 1765000000000000ULL,
		.seq = 42,
		.time_ms = 1765000001000ULL,
	};

	h.sender.v4 = htonl(0xc0000201); /* 192.0.2.1 */
	return h;
}

/* The MAC recomputed over an altered datagram: it passes authentication. */
static void reseal(__u8 *buf, size_t len)
{
	unsigned int n;

	HMAC(EVP_sha256(), key, KEYLEN, buf, len - XLB_SYNC_MAC_LEN,
	     buf + len - XLB_SYNC_MAC_LEN, &n);
}

static bool same_rec(const struct xlb_sync_rec *a, const struct xlb_sync_rec *b)
{
	return !memcmp(&a->key, &b->key, sizeof(a->key)) &&
	       !memcmp(&a->be_addr, &b->be_addr, sizeof(a->be_addr)) &&
	       !memcmp(&a->snat_addr, &b->snat_addr, sizeof(a->snat_addr)) &&
	       a->snat_port == b->snat_port && a->be_family == b->be_family &&
	       a->flags == b->flags;
}

/* three records, IPv4 and IPv6, sealed; its length */
static size_t sample(struct xlb_sync_enc *e, struct xlb_sync_rec *in)
{
	struct xlb_sync_hdr h = hdr();

	in[0] = rec4(0xc6120002, 40001, 0xc612000b);
	in[1] = rec6();
	in[2] = rec4(0xc6120003, 40002, 0xc612000c);
	xlb_sync_enc_reset(e);
	for (int i = 0; i < 3; i++)
		if (!xlb_sync_enc_add(e, &in[i]))
			return 0;
	return xlb_sync_enc_finish(e, &h, key, KEYLEN);
}

TEST(flow_sync_wire_roundtrip)
{
	struct xlb_sync_rec in[3], out[XLB_SYNC_MAX_RECS];
	struct xlb_sync_hdr h, want = hdr();
	struct xlb_sync_enc e;
	size_t len = sample(&e, in);
	static const __u8 rec0[XLB_SYNC_REC_V4] = {
		4,   6,	  0,  0, 0, 80,	 0x9c, 0x41, 0,	 0, 198, 19, 0,
		100, 198, 18, 0, 2, 198, 18,   0,    11, 0, 0,	 0,  0,
	};

	ASSERT_EQ(len,
		  XLB_SYNC_HDR_LEN + 2 * XLB_SYNC_REC_V4 + XLB_SYNC_REC_V6 +
			  XLB_SYNC_MAC_LEN,
		  "length");
	ASSERT_TRUE(
		!memcmp(e.buf,
			"XLBS\x01\x04\x00\x03\x1e\x78\x00\x00"
			"\xc0\x00\x02\x01",
			16),
		"header bytes: magic, version, family, count, port, sender");
	if (!ASSERT_TRUE(!memcmp(e.buf + XLB_SYNC_HDR_LEN, rec0, sizeof(rec0)),
			 "first record's bytes"))
		xlb_test_hexdiff(rec0, sizeof(rec0), e.buf + XLB_SYNC_HDR_LEN,
				 sizeof(rec0));
	if (!ASSERT_EQ(xlb_sync_decode(e.buf, len, key, KEYLEN, &h, out),
		       XLB_SYNC_R_OK, "decode"))
		return;
	ASSERT_EQ(h.count, 3, "count");
	ASSERT_EQ(h.family, XLB_FAMILY_V4, "sender family");
	ASSERT_EQ(h.sender.v4, want.sender.v4, "sender");
	ASSERT_EQ(h.port, 7800, "sender port");
	ASSERT_EQ(h.epoch, want.epoch, "epoch");
	ASSERT_EQ(h.seq, 42, "seq");
	ASSERT_EQ(h.time_ms, want.time_ms, "time");
	for (int i = 0; i < 3; i++)
		ASSERT_TRUE(same_rec(&in[i], &out[i]), "record read back");
	ASSERT_EQ(out[0].backend_id, 0, "the sender's backend id stays home");
	ASSERT_EQ(out[1].flags, XLB_SYNC_F_SYN, "SYN flag");
	ASSERT_EQ(ntohs(out[1].snat_port), 61000, "SNAT port");
}

TEST(flow_sync_wire_full_datagram)
{
	struct xlb_sync_rec r = rec4(1, 1, 2), out[XLB_SYNC_MAX_RECS];
	struct xlb_sync_hdr h = hdr(), got;
	struct xlb_sync_enc e;
	size_t n = 0, len;

	xlb_sync_enc_reset(&e);
	while (xlb_sync_enc_add(&e, &r)) {
		n++;
		r.key.sport = htons(n + 1);
	}
	ASSERT_EQ(n, XLB_SYNC_MAX_RECS, "IPv4 records in one datagram");
	ASSERT_EQ(n, 50, "fifty");
	len = xlb_sync_enc_finish(&e, &h, key, KEYLEN);
	ASSERT_TRUE(len <= XLB_SYNC_MAX_DGRAM, "fits");
	ASSERT_EQ(xlb_sync_decode(e.buf, len, key, KEYLEN, &got, out),
		  XLB_SYNC_R_OK, "full datagram decodes");
	ASSERT_EQ(ntohs(out[49].key.sport), 50, "last record");
	r.key.svc.family = 5;
	xlb_sync_enc_reset(&e);
	ASSERT_TRUE(!xlb_sync_enc_add(&e, &r), "unknown family not written");
}

TEST(flow_sync_wire_auth)
{
	struct xlb_sync_rec in[3], out[XLB_SYNC_MAX_RECS];
	static const __u8 other[] = "0123456789abcdef0123456789abcdeF";
	__u8 big[XLB_SYNC_MAX_DGRAM + 1] = {};
	struct xlb_sync_hdr h;
	struct xlb_sync_enc e;
	size_t len = sample(&e, in);
	int refused = 0;

	ASSERT_EQ(xlb_sync_decode(e.buf, len, other, KEYLEN, &h, out),
		  XLB_SYNC_R_MAC, "another key");
	ASSERT_EQ(xlb_sync_decode(e.buf, len, key, KEYLEN - 1, &h, out),
		  XLB_SYNC_R_MAC, "a shorter key");
	for (size_t i = 0; i < len; i++) {
		for (int bit = 0; bit < 8; bit++) {
			e.buf[i] ^= 1 << bit;
			refused += xlb_sync_decode(e.buf, len, key, KEYLEN, &h,
						   out) == XLB_SYNC_R_MAC;
			e.buf[i] ^= 1 << bit;
		}
	}
	ASSERT_EQ(refused, (int)len * 8, "every bit flipped: bad MAC");
	ASSERT_EQ(xlb_sync_decode(e.buf, len - 1, key, KEYLEN, &h, out),
		  XLB_SYNC_R_MAC, "cut short");
	ASSERT_EQ(xlb_sync_decode(e.buf,
				  XLB_SYNC_HDR_LEN + XLB_SYNC_MAC_LEN - 1, key,
				  KEYLEN, &h, out),
		  XLB_SYNC_R_SHORT, "shorter than header and MAC");
	ASSERT_EQ(xlb_sync_decode(big, sizeof(big), key, KEYLEN, &h, out),
		  XLB_SYNC_R_OVERSIZE, "larger than 1400 bytes");
	ASSERT_EQ(xlb_sync_decode(e.buf, len, key, KEYLEN, &h, out),
		  XLB_SYNC_R_OK, "the original still decodes");
}

TEST(flow_sync_wire_malformed)
{
	static const struct {
		size_t off;
		__u8 val;
		enum xlb_sync_reason want;
		const char *what;
	} cases[] = {
		{ 0, 'Y', XLB_SYNC_R_VERSION, "magic" },
		{ 4, 2, XLB_SYNC_R_VERSION, "version 2" },
		{ 5, 5, XLB_SYNC_R_MALFORMED, "sender family 5" },
		{ 7, 4, XLB_SYNC_R_MALFORMED, "count past the records" },
		{ 7, 2, XLB_SYNC_R_MALFORMED, "count short of them" },
		{ 6, 1, XLB_SYNC_R_MALFORMED, "count above the maximum" },
		{ 11, 1, XLB_SYNC_R_MALFORMED, "reserved header bytes" },
		{ 20, 1, XLB_SYNC_R_MALFORMED, "IPv4 sender, bytes past it" },
		{ 8, 0, XLB_SYNC_R_OK, "(port high byte 0 is fine)" },
		{ XLB_SYNC_HDR_LEN, 7, XLB_SYNC_R_MALFORMED, "record family" },
		{ XLB_SYNC_HDR_LEN + 1, 1, XLB_SYNC_R_MALFORMED, "protocol" },
		{ XLB_SYNC_HDR_LEN + 2, 2, XLB_SYNC_R_MALFORMED, "flags" },
		{ XLB_SYNC_HDR_LEN + 3, 1, XLB_SYNC_R_MALFORMED, "reserved" },
		{ XLB_SYNC_HDR_LEN + 5, 0, XLB_SYNC_R_MALFORMED, "VIP port 0" },
		{ XLB_SYNC_HDR_LEN + 9, 1, XLB_SYNC_R_MALFORMED,
		  "SNAT port without its address" },
		{ XLB_SYNC_HDR_LEN + 22, 1, XLB_SYNC_R_MALFORMED,
		  "SNAT address without its port" },
		{ XLB_SYNC_HDR_LEN + XLB_SYNC_REC_V4, 4, XLB_SYNC_R_MALFORMED,
		  "IPv6 record read as IPv4" },
	};
	struct xlb_sync_rec in[3], out[XLB_SYNC_MAX_RECS];
	struct xlb_sync_hdr h;
	struct xlb_sync_enc e;
	size_t len = sample(&e, in);
	__u8 buf[XLB_SYNC_MAX_DGRAM];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(buf, e.buf, len);
		buf[cases[i].off] = cases[i].val;
		reseal(buf, len);
		ASSERT_EQ(xlb_sync_decode(buf, len, key, KEYLEN, &h, out),
			  cases[i].want, cases[i].what);
	}
	/* a byte past the last record, sealed */
	memcpy(buf, e.buf, len - XLB_SYNC_MAC_LEN);
	buf[len - XLB_SYNC_MAC_LEN] = 0;
	reseal(buf, len + 1);
	ASSERT_EQ(xlb_sync_decode(buf, len + 1, key, KEYLEN, &h, out),
		  XLB_SYNC_R_MALFORMED, "trailing byte");
}

TEST(flow_sync_wire_replay)
{
	struct xlb_sync_window w = {};
	struct xlb_sync_hdr h = hdr();
	__u64 now = h.time_ms;

	ASSERT_EQ(xlb_sync_accept(&w, &h, now), XLB_SYNC_R_OK, "first");
	ASSERT_EQ(xlb_sync_accept(&w, &h, now), XLB_SYNC_R_REPLAY, "again");
	h.seq = 44;
	ASSERT_EQ(xlb_sync_accept(&w, &h, now), XLB_SYNC_R_OK, "44");
	h.seq = 43;
	ASSERT_EQ(xlb_sync_accept(&w, &h, now), XLB_SYNC_R_OK,
		  "43 after 44: reordered, not replayed");
	ASSERT_EQ(xlb_sync_accept(&w, &h, now), XLB_SYNC_R_REPLAY, "43 again");
	h.seq = 44 + XLB_SYNC_WINDOW - 1;
	ASSERT_EQ(xlb_sync_accept(&w, &h, now), XLB_SYNC_R_OK, "window ahead");
	h.seq = 44;
	ASSERT_EQ(xlb_sync_accept(&w, &h, now), XLB_SYNC_R_REPLAY,
		  "44, still in the window");
	h.seq = 43;
	ASSERT_EQ(xlb_sync_accept(&w, &h, now), XLB_SYNC_R_REPLAY,
		  "43, now behind the window");
	h.seq = 0;
	ASSERT_EQ(xlb_sync_accept(&w, &h, now), XLB_SYNC_R_REPLAY, "seq 0");
	h.seq = 1000;
	h.epoch--;
	ASSERT_EQ(xlb_sync_accept(&w, &h, now), XLB_SYNC_R_REPLAY,
		  "an older epoch (a previous run of the peer)");
	h.epoch += 2;
	h.seq = 1;
	ASSERT_EQ(xlb_sync_accept(&w, &h, now), XLB_SYNC_R_OK,
		  "a newer epoch: the peer restarted");
	h.seq = 2;
	ASSERT_EQ(xlb_sync_accept(&w, &h, now + XLB_SYNC_MAX_SKEW_MS + 1),
		  XLB_SYNC_R_STALE, "sent too long ago");
	ASSERT_EQ(xlb_sync_accept(&w, &h, now - XLB_SYNC_MAX_SKEW_MS - 1),
		  XLB_SYNC_R_STALE, "sent in the future");
	ASSERT_EQ(xlb_sync_accept(&w, &h, now + XLB_SYNC_MAX_SKEW_MS),
		  XLB_SYNC_R_OK, "at the skew limit; a stale one left no mark");
}
