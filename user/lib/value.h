/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The value vocabulary shared by the config file, the control socket and
 * xlbctl: how addresses, durations, numbers and the names of protocols,
 * schedulers and check types are written.
 */
#ifndef XLB_VALUE_H
#define XLB_VALUE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "xlb_abi.h"

#define XLB_ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */

enum xlb_hc_type {
	XLB_HC_NONE = 0,
	XLB_HC_TCP,
	XLB_HC_HTTP,
	XLB_HC_UDP,
	XLB_HC_MAX,
};

extern const char *const xlb_hc_type_names[XLB_HC_MAX];
/* A yes/no key's values, index 0 false, 1 true. */
extern const char *const xlb_bool_names[2];

/* Protocol names and their IPPROTO_* numbers, index for index. */
#define XLB_N_PROTOS 2
extern const char *const xlb_proto_names[XLB_N_PROTOS];
extern const __u8 xlb_proto_nums[XLB_N_PROTOS];

/*
 * Shared parsers. All take the whole string (no surrounding blanks), return
 * 0, -EINVAL for malformed input or -ERANGE for a well-formed value out of
 * range, and leave the output alone on error.
 */
/* Numeric IPv4 or IPv6 address; unused bytes of *a are zeroed. */
int xlb_parse_addr(const char *s, union xlb_addr *a, __u8 *family);
/* "ADDR:PORT" or "[V6ADDR]:PORT", numeric, port 1..65535. */
int xlb_parse_addr_port(const char *s, union xlb_addr *a, __u8 *family,
			__u16 *port);
/* Decimal, no sign, no blanks; min <= value <= max. */
int xlb_parse_u32(const char *s, __u32 min, __u32 max, __u32 *out);
/* See "Durations" above; 0 is accepted, callers needing > 0 check. */
int xlb_parse_duration_ms(const char *s, __u32 *ms);
/* Index in xlb_sched_names[], or -1. */
int xlb_parse_sched(const char *s);
/* "tcp" / "udp" -> IPPROTO_*, or -1. */
int xlb_parse_proto(const char *s);
/* enum xlb_hc_type, or -1. */
int xlb_parse_hc_type(const char *s);

/* Service names: 1..63 of [A-Za-z0-9_.-]. */
bool xlb_name_ok(const char *s);
/* Could be a unicast endpoint: not unspecified, multicast, broadcast or
 * IPv4-mapped. Used for VIPs and backends everywhere they are given. */
bool xlb_addr_usable(const union xlb_addr *a, __u8 family);

/*
 * Socket address of (@a, @family, @port host order) into *ss: its length,
 * or 0 for a family that is neither. And back: 0, or -EAFNOSUPPORT.
 */
socklen_t xlb_sockaddr(const union xlb_addr *a, __u8 family, __u16 port,
		       struct sockaddr_storage *ss);
int xlb_sockaddr_addr(const struct sockaddr_storage *ss, union xlb_addr *a,
		      __u8 *family, __u16 *port);

/* Formatters: 0, -EINVAL (bad family) or -ENOSPC (buffer too small). */
int xlb_format_addr(const union xlb_addr *a, __u8 family, char *buf,
		    size_t len);
/* Shortest exact form: "2m", "1500ms", "0s". */
int xlb_format_duration_ms(__u32 ms, char *buf, size_t len);
/* "tcp", "udp" or "?". */
const char *xlb_proto_name(__u8 proto);

/* Index of s in names[0..n) (NULL entries skipped), or -1. */
int xlb_value_lookup(const char *s, const char *const *names, size_t n);
/* An empty or null word as YAML reads it: "", "~", "null", "Null", "NULL". */
bool xlb_value_is_null(const char *s);

#endif /* XLB_VALUE_H */
