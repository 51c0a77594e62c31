// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The config's value vocabulary: numbers, durations, addresses and the names
 * of protocols, schedulers and check types, parsed and formatted the same way
 * for the config file, the control socket and xlbctl's arguments.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "value.h"
#include "xlb_util.h"

const char *const xlb_bool_names[2] = { "false", "true" };

const char *const xlb_hc_type_names[XLB_HC_MAX] = {
	[XLB_HC_NONE] = "none",
	[XLB_HC_TCP] = "tcp",
	[XLB_HC_HTTP] = "http",
	[XLB_HC_UDP] = "udp",
};

const char *const xlb_proto_names[XLB_N_PROTOS] = { "tcp", "udp" };
const __u8 xlb_proto_nums[XLB_N_PROTOS] = { IPPROTO_TCP, IPPROTO_UDP };

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

int xlb_parse_u32(const char *s, __u32 min, __u32 max, __u32 *out)
{
	bool overflow = false;
	__u64 v = 0;
	const char *p;

	if (!s || !is_digit(*s))
		return -EINVAL;
	for (p = s; is_digit(*p); p++) {
		v = v * 10 + (*p - '0');
		/* Keep scanning: junk after a huge number is still junk. */
		if (v > UINT32_MAX) {
			overflow = true;
			v = UINT32_MAX + 1ULL;
		}
	}
	if (*p)
		return -EINVAL;
	if (overflow || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

int xlb_parse_duration_ms(const char *s, __u32 *ms)
{
	__u64 mant = 0, scale = 1, unit, v;
	const char *p = s;
	int nint = 0, nfrac = 0;

	if (!s)
		return -EINVAL;
	for (; is_digit(*p); p++, nint++) {
		if (mant > (UINT64_MAX - 9) / 10)
			return -ERANGE;
		mant = mant * 10 + (*p - '0');
	}
	if (*p == '.') {
		for (p++; is_digit(*p); p++, nfrac++) {
			if (mant > (UINT64_MAX - 9) / 10 ||
			    scale > UINT64_MAX / 10)
				return -ERANGE;
			mant = mant * 10 + (*p - '0');
			scale *= 10;
		}
		if (!nfrac)
			return -EINVAL;
	}
	if (!nint)
		return -EINVAL;
	if (!*p || !strcmp(p, "s"))
		unit = 1000;
	else if (!strcmp(p, "ms"))
		unit = 1;
	else if (!strcmp(p, "m"))
		unit = 60 * 1000;
	else if (!strcmp(p, "h"))
		unit = 60 * 60 * 1000;
	else
		return -EINVAL;
	if (__builtin_mul_overflow(mant, unit, &v))
		return -ERANGE;
	/* Sub-millisecond precision would be silently lost. */
	if (v % scale)
		return -ERANGE;
	v /= scale;
	if (v > UINT32_MAX)
		return -ERANGE;
	*ms = v;
	return 0;
}

int xlb_format_duration_ms(__u32 ms, char *buf, size_t len)
{
	int n;

	if (ms && ms % 3600000 == 0)
		n = snprintf(buf, len, "%uh", ms / 3600000);
	else if (ms && ms % 60000 == 0)
		n = snprintf(buf, len, "%um", ms / 60000);
	else if (ms % 1000 == 0)
		n = snprintf(buf, len, "%us", ms / 1000);
	else
		n = snprintf(buf, len, "%ums", ms);
	return n < 0 || (size_t)n >= len ? -ENOSPC : 0;
}

int xlb_parse_addr(const char *s, union xlb_addr *a, __u8 *family)
{
	union xlb_addr tmp;

	if (!s)
		return -EINVAL;
	memset(&tmp, 0, sizeof(tmp));
	if (inet_pton(AF_INET, s, &tmp.v4) == 1) {
		*a = tmp;
		*family = XLB_FAMILY_V4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, tmp.bytes) == 1) {
		*a = tmp;
		*family = XLB_FAMILY_V6;
		return 0;
	}
	return -EINVAL;
}

socklen_t xlb_sockaddr(const union xlb_addr *a, __u8 family, __u16 port,
		       struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == XLB_FAMILY_V6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, a->bytes, 16);
		return sizeof(*s6);
	}
	if (family == XLB_FAMILY_V4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		s4->sin_addr.s_addr = a->v4;
		return sizeof(*s4);
	}
	return 0;
}

int xlb_sockaddr_addr(const struct sockaddr_storage *ss, union xlb_addr *a,
		      __u8 *family, __u16 *port)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)ss;

		memcpy(a->bytes, &s6->sin6_addr, 16);
		*family = XLB_FAMILY_V6;
		*port = ntohs(s6->sin6_port);
		return 0;
	}
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)ss;

		a->v4 = s4->sin_addr.s_addr;
		*family = XLB_FAMILY_V4;
		*port = ntohs(s4->sin_port);
		return 0;
	}
	return -EAFNOSUPPORT;
}

int xlb_parse_addr_port(const char *s, union xlb_addr *a, __u8 *family,
			__u16 *port)
{
	char host[XLB_ADDR_STRLEN];
	const char *end, *pstr;
	union xlb_addr addr;
	bool bracket;
	__u8 fam;
	__u32 p;
	int err;

	if (!s)
		return -EINVAL;
	bracket = *s == '[';
	if (bracket) {
		end = strchr(s, ']');
		if (!end || end[1] != ':')
			return -EINVAL;
		s++;
		pstr = end + 2;
	} else {
		end = strrchr(s, ':');
		/* An IPv6 address without brackets is ambiguous. */
		if (!end || memchr(s, ':', end - s))
			return -EINVAL;
		pstr = end + 1;
	}
	if ((size_t)(end - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, end - s);
	host[end - s] = '\0';
	if (xlb_parse_addr(host, &addr, &fam))
		return -EINVAL;
	if ((fam == XLB_FAMILY_V6) != bracket)
		return -EINVAL;
	err = xlb_parse_u32(pstr, 1, 65535, &p);
	if (err)
		return err;
	*a = addr;
	*family = fam;
	*port = p;
	return 0;
}

int xlb_format_addr(const union xlb_addr *a, __u8 family, char *buf, size_t len)
{
	int af;

	if (family == XLB_FAMILY_V4)
		af = AF_INET;
	else if (family == XLB_FAMILY_V6)
		af = AF_INET6;
	else
		return -EINVAL;
	if (!inet_ntop(af, a->bytes, buf, len))
		return -ENOSPC;
	return 0;
}

int xlb_value_lookup(const char *s, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && !strcmp(s, names[i]))
			return i;
	return -1;
}

int xlb_parse_sched(const char *s)
{
	return s ? xlb_value_lookup(s, xlb_sched_names, XLB_SCHED_MAX) : -1;
}

int xlb_parse_proto(const char *s)
{
	int i = s ? xlb_value_lookup(s, xlb_proto_names,
				     ARRAY_SIZE(xlb_proto_names))
		  : -1;

	return i < 0 ? -1 : xlb_proto_nums[i];
}

int xlb_parse_hc_type(const char *s)
{
	return s ? xlb_value_lookup(s, xlb_hc_type_names, XLB_HC_MAX) : -1;
}

const char *xlb_proto_name(__u8 proto)
{
	for (size_t i = 0; i < ARRAY_SIZE(xlb_proto_nums); i++)
		if (xlb_proto_nums[i] == proto)
			return xlb_proto_names[i];
	return "?";
}

/* Defaults, merge, copy, equality */

bool xlb_addr_usable(const union xlb_addr *a, __u8 family)
{
	static const __u8 v4mapped[12] = { 0, 0, 0, 0, 0,    0,
					   0, 0, 0, 0, 0xff, 0xff };
	static const union xlb_addr zero;

	if (!memcmp(a, &zero, sizeof(*a)))
		return false;
	if (family == XLB_FAMILY_V4)
		return (a->bytes[0] & 0xf0) != 0xe0 && a->v4 != 0xffffffff;
	return a->bytes[0] != 0xff && memcmp(a->bytes, v4mapped, 12);
}

bool xlb_name_ok(const char *s)
{
	size_t len = strlen(s);

	if (!len || len > 63)
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789_.-") == len;
}

bool xlb_value_is_null(const char *s)
{
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") ||
	       !strcmp(s, "Null") || !strcmp(s, "NULL");
}
