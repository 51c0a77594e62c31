// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Fuzz target: the flow sync datagram decoder (user/lib/flow_sync_wire.c),
 * what a node runs on every datagram that reaches its sync port.
 *
 * Input: byte 0 bit 0 set: the rest is sealed first (its last 32 bytes
 * replaced by the right MAC), so the fuzzer reaches the field checks
 * behind the MAC; clear: the rest as received. Then the datagram.
 *
 * Properties: a datagram accepted carries our MAC over its bytes, has at
 * most XLB_SYNC_MAX_RECS records, each of a known family and protocol
 * with a VIP port and an SNAT tuple whole or absent, and encoding its header and records again
 * gives back exactly its bytes (one encoding per datagram: nothing in it
 * goes unchecked). The replay window then takes the header without fault.
 */
#include <string.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "flow_sync_wire.h"
#include "fuzz.h"

static const __u8 key[] = "fuzz-key-fuzz-key-fuzz-key-0123";
#define KEYLEN (sizeof(key) - 1)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xlb_sync_window w;
	struct xlb_sync_rec recs[XLB_SYNC_MAX_RECS];
	__u8 buf[XLB_SYNC_MAX_DGRAM + 64];
	struct xlb_sync_enc e;
	struct xlb_sync_hdr h;
	enum xlb_sync_reason r;
	__u8 want[XLB_SYNC_MAC_LEN];
	unsigned int n;
	bool sealed;
	size_t len;

	if (size < 1 || size - 1 > sizeof(buf))
		return 0;
	sealed = data[0] & 1;
	len = size - 1;
	memcpy(buf, data + 1, len);
	if (sealed && len >= XLB_SYNC_MAC_LEN)
		HMAC(EVP_sha256(), key, KEYLEN, buf, len - XLB_SYNC_MAC_LEN,
		     buf + len - XLB_SYNC_MAC_LEN, &n);
	r = xlb_sync_decode(buf, len, key, KEYLEN, &h, recs);
	fuzz_assert(r < XLB_SYNC_R_N, "reason %d", r);
	if (r != XLB_SYNC_R_OK)
		return 0;
	HMAC(EVP_sha256(), key, KEYLEN, buf, len - XLB_SYNC_MAC_LEN, want, &n);
	fuzz_assert(!memcmp(want, buf + len - XLB_SYNC_MAC_LEN, sizeof(want)),
		    "accepted without our MAC");
	fuzz_assert(h.count <= XLB_SYNC_MAX_RECS, "count %u", h.count);
	xlb_sync_enc_reset(&e);
	for (__u16 i = 0; i < h.count; i++) {
		const struct xlb_sync_rec *x = &recs[i];

		fuzz_assert((x->key.svc.family == XLB_FAMILY_V4 ||
			     x->key.svc.family == XLB_FAMILY_V6) &&
				    x->be_family == x->key.svc.family,
			    "record %u family %u", i, x->key.svc.family);
		fuzz_assert(x->key.svc.proto == IPPROTO_TCP ||
				    x->key.svc.proto == IPPROTO_UDP,
			    "record %u protocol %u", i, x->key.svc.proto);
		fuzz_assert(x->key.svc.port, "record %u: VIP port 0", i);
		fuzz_assert(!x->snat_port ==
				    !(x->snat_addr.v6[0] | x->snat_addr.v6[1] |
				      x->snat_addr.v6[2] | x->snat_addr.v6[3]),
			    "record %u: SNAT port without address or back", i);
		fuzz_assert(xlb_sync_enc_add(&e, x), "record %u re-encodes", i);
	}
	fuzz_assert(xlb_sync_enc_finish(&e, &h, key, KEYLEN) == len,
		    "re-encoded length");
	fuzz_assert(!memcmp(e.buf, buf, len), "re-encoded bytes differ");
	xlb_sync_accept(&w, &h, h.time_ms);
	return 0;
}
