/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Flow sync on the wire: the UDP datagram nodes send each other with the
 * flows they pinned (struct xlb_sync_rec, include/xlb_abi.h), and when a
 * node accepts one. This header is the format's one definition.
 *
 * Version 1. All integers big-endian. A datagram is at most
 * XLB_SYNC_MAX_DGRAM bytes:
 *
 *   off len  header (XLB_SYNC_HDR_LEN)
 *     0   4  magic "XLBS"
 *     4   1  version (1)
 *     5   1  sender family (4 or 6)
 *     6   2  number of records
 *     8   2  sender port (its flow_sync address)
 *    10   2  zero
 *    12  16  sender address (IPv4: 4 bytes, then zeros)
 *    28   8  epoch: the sender's start, unix microseconds
 *    36   8  sequence number, from 1 within an epoch
 *    44   8  send time, unix milliseconds
 *    52      records, back to back
 *   end  32  HMAC-SHA256 with the shared key over every byte before it
 *
 *   record (A = 4 for IPv4, 16 for IPv6: 26 or 74 bytes)
 *     0   1  family (4 or 6), also the backend's and the SNAT address's
 *     1   1  protocol (6 tcp, 17 udp)
 *     2   1  flags (XLB_SYNC_F_*, others zero)
 *     3   1  zero
 *     4   2  VIP port
 *     6   2  client port
 *     8   2  SNAT port (0: none, and then the SNAT address is zeros)
 *    10   A  VIP
 *        A  client address
 *        A  backend address
 *        A  SNAT address (zeros: none; full NAT has both, others none)
 *
 * A receiver checks the length, the MAC, then every field, and takes a
 * datagram whole or not at all; then the sender (a configured peer), the
 * time (within XLB_SYNC_MAX_SKEW_MS of its own clock) and the sequence
 * number (xlb_sync_window: newer epoch, or not seen within the last 64).
 */
#ifndef XLB_FLOW_SYNC_WIRE_H
#define XLB_FLOW_SYNC_WIRE_H

#include <stdbool.h>
#include <stddef.h>

#include "xlb_abi.h"

#define XLB_SYNC_MAGIC 0x584c4253U /* "XLBS" */
#define XLB_SYNC_VERSION 1
#define XLB_SYNC_MAX_DGRAM 1400
#define XLB_SYNC_HDR_LEN 52
#define XLB_SYNC_MAC_LEN 32
#define XLB_SYNC_REC_V4 26
#define XLB_SYNC_REC_V6 74
/* records a datagram holds at most (all IPv4) */
#define XLB_SYNC_MAX_RECS                                             \
	((XLB_SYNC_MAX_DGRAM - XLB_SYNC_HDR_LEN - XLB_SYNC_MAC_LEN) / \
	 XLB_SYNC_REC_V4)
#define XLB_SYNC_MAX_SKEW_MS 30000
#define XLB_SYNC_WINDOW 64

/* The header's fields, host order. */
struct xlb_sync_hdr {
	union xlb_addr sender;
	__u8 family;
	__u16 port;
	__u16 count;
	__u64 epoch;
	__u64 seq;
	__u64 time_ms;
};

/* Why a datagram was refused (XLB_SYNC_R_OK: it was not). */
#define XLB_SYNC_REASONS(X)                                            \
	X(OK, "ok")                                                    \
	X(SHORT, "short")	  /* smaller than header + MAC */      \
	X(OVERSIZE, "oversize")	  /* larger than XLB_SYNC_MAX_DGRAM */ \
	X(MAC, "bad_mac")	  /* wrong key or altered */           \
	X(VERSION, "version")	  /* magic or version not ours */      \
	X(MALFORMED, "malformed") /* a field out of range */           \
	X(NOT_PEER, "not_peer")	  /* sender not among the peers */     \
	X(STALE, "stale")	  /* send time too far from ours */    \
	X(REPLAY, "replay")	  /* sequence number seen or too old */

#define XLB_SYNC_REASON_ENUM(name, str) XLB_SYNC_R_##name,
enum xlb_sync_reason {
	XLB_SYNC_REASONS(XLB_SYNC_REASON_ENUM) XLB_SYNC_R_N
};
extern const char *const xlb_sync_reason_names[XLB_SYNC_R_N];

/* A datagram being filled. */
struct xlb_sync_enc {
	__u8 buf[XLB_SYNC_MAX_DGRAM];
	size_t len;
	__u16 count;
};

void xlb_sync_enc_reset(struct xlb_sync_enc *e);
/* Bytes @r takes on the wire (0: a family the format has not). */
size_t xlb_sync_rec_len(const struct xlb_sync_rec *r);
/* Append @r; false when it does not fit (send, reset, add again). */
bool xlb_sync_enc_add(struct xlb_sync_enc *e, const struct xlb_sync_rec *r);
/*
 * Write the header (h->count is taken from @e) and the MAC; returns the
 * datagram's length (e->buf), or 0 if the MAC cannot be computed.
 */
size_t xlb_sync_enc_finish(struct xlb_sync_enc *e, const struct xlb_sync_hdr *h,
			   const __u8 *key, size_t key_len);

/*
 * Check a datagram's length, MAC and fields; on XLB_SYNC_R_OK *h and
 * recs[0..h->count) hold it (recs has room for XLB_SYNC_MAX_RECS; the
 * backend id of each is 0, the sender's being meaningless here).
 */
enum xlb_sync_reason xlb_sync_decode(const void *buf, size_t len,
				     const __u8 *key, size_t key_len,
				     struct xlb_sync_hdr *h,
				     struct xlb_sync_rec *recs);

/* The sequence numbers seen from one peer. Zero-initialise. */
struct xlb_sync_window {
	__u64 epoch, top;
	__u64 seen; /* bit i: top - i was accepted */
};

/*
 * Accept a decoded header from a peer at local unix time @now_ms (and then
 * remember it), or say why not: XLB_SYNC_R_STALE, XLB_SYNC_R_REPLAY.
 */
enum xlb_sync_reason xlb_sync_accept(struct xlb_sync_window *w,
				     const struct xlb_sync_hdr *h,
				     __u64 now_ms);

#endif /* XLB_FLOW_SYNC_WIRE_H */
