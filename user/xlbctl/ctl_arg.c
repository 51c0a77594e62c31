// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * One command-line argument checked and parsed, or refused in xlbctl's one
 * wording for a wrong argument (iproute2's).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "ctl_arg.h"
#include "maglev.h"
#include "xlb_abi.h"

int xlbctl_arg_err(char *err, size_t errlen, const char *arg, const char *fmt,
		   ...)
{
	size_t n;
	va_list ap;

	if (!err || !errlen)
		return -EINVAL;
	snprintf(err, errlen, "argument \"%s\" is wrong: ", arg);
	n = strlen(err);
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int xlbctl_arg_name(const char *s, char *err, size_t errlen)
{
	if (xlb_name_ok(s))
		return 0;
	return xlbctl_arg_err(err, errlen, s,
			      "a service name is 1..63 of A-Z a-z 0-9 _ . -");
}

static int arg_usable(const char *s, const union xlb_addr *a, __u8 family,
		      char *err, size_t errlen)
{
	if (xlb_addr_usable(a, family))
		return 0;
	return xlbctl_arg_err(
		err, errlen, s,
		"the address cannot be used (unspecified, multicast, broadcast or IPv4-mapped)");
}

/*
 * VIP:PORT or [V6]:PORT. Done by hand rather than with
 * xlb_parse_addr_port() to tell the user which part is wrong.
 */
int xlbctl_arg_vip_port(const char *s, union xlb_addr *a, __u8 *family,
			__u16 *port, char *err, size_t errlen)
{
	char host[XLB_ADDR_STRLEN];
	const char *end, *pstr;
	size_t hlen;
	__u32 p;
	int ret;

	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end)
			return xlbctl_arg_err(err, errlen, s, "missing ']'");
		hlen = end - s - 1;
		if (hlen >= sizeof(host))
			return xlbctl_arg_err(
				err, errlen, s,
				"not an IPv6 address in brackets");
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		if (xlb_parse_addr(host, a, family) || *family != XLB_FAMILY_V6)
			return xlbctl_arg_err(
				err, errlen, s,
				"'%s' is not an IPv6 address (brackets are for IPv6 only)",
				host);
		if (!end[1])
			return xlbctl_arg_err(err, errlen, s,
					      "missing port: write [VIP]:PORT");
		if (end[1] != ':')
			return xlbctl_arg_err(
				err, errlen, s,
				"expected ':' and a port after ']'");
		pstr = end + 2;
	} else {
		end = strrchr(s, ':');
		if (!end) {
			if (!xlb_parse_addr(s, a, family))
				return xlbctl_arg_err(
					err, errlen, s,
					"missing port: write VIP:PORT");
			return xlbctl_arg_err(
				err, errlen, s,
				"not VIP:PORT with a numeric VIP");
		}
		/* More than one ':' can only be meant as IPv6. */
		if (memchr(s, ':', end - s))
			return xlbctl_arg_err(
				err, errlen, s,
				"an IPv6 VIP needs brackets: [VIP]:PORT");
		hlen = end - s;
		if (hlen >= sizeof(host))
			return xlbctl_arg_err(
				err, errlen, s,
				"not VIP:PORT with a numeric VIP");
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		if (xlb_parse_addr(host, a, family))
			return xlbctl_arg_err(
				err, errlen, s,
				"'%s' is not a numeric IP address", host);
		pstr = end + 1;
	}
	if (!*pstr)
		return xlbctl_arg_err(err, errlen, s, "missing port after ':'");
	ret = xlb_parse_u32(pstr, 1, 65535, &p);
	if (ret == -ERANGE)
		return xlbctl_arg_err(err, errlen, s, "port must be 1..65535");
	if (ret)
		return xlbctl_arg_err(err, errlen, s,
				      "port '%s' is not a number", pstr);
	*port = p;
	return arg_usable(s, a, *family, err, errlen);
}

int xlbctl_arg_backend_addr(const char *s, union xlb_addr *a, __u8 *family,
			    char *err, size_t errlen)
{
	__u16 port = 0;

	if (!xlb_parse_addr(s, a, family))
		return arg_usable(s, a, *family, err, errlen);
	if (!xlb_parse_addr_port(s, a, family, &port))
		return xlbctl_arg_err(
			err, errlen, s,
			"a backend address takes no port (backends receive on the service's port)");
	if (s[0] == '[')
		return xlbctl_arg_err(
			err, errlen, s,
			"write a backend's IPv6 address without brackets");
	return xlbctl_arg_err(err, errlen, s, "not a numeric IP address");
}

int xlbctl_arg_weight(const char *s, __u32 *w, char *err, size_t errlen)
{
	int ret = xlb_parse_u32(s, 0, XLB_MAX_WEIGHT, w);

	if (ret == -ERANGE)
		return xlbctl_arg_err(err, errlen, s,
				      "weight must be 0..65535");
	if (ret)
		return xlbctl_arg_err(err, errlen, s,
				      "weight is not a number (0..65535)");
	return 0;
}

int xlbctl_arg_sched(const char *s, char *err, size_t errlen)
{
	char list[256] = "";
	int i = xlb_parse_sched(s);

	if (i >= 0)
		return i;
	for (i = 0; i < XLB_SCHED_MAX; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s%s", i ? ", " : "", xlb_sched_names[i]);
	return xlbctl_arg_err(err, errlen, s, "unknown scheduler (one of: %s)",
			      list);
}

int xlbctl_arg_table_size(const char *s, __u32 *size, char *err, size_t errlen)
{
	int ret = xlb_parse_u32(s, 2, XLB_MAX_TABLE_SIZE, size);
	__u32 next;

	if (ret == -ERANGE)
		return xlbctl_arg_err(err, errlen, s,
				      "table size must be a prime in 2..%u",
				      XLB_MAX_TABLE_SIZE);
	if (ret)
		return xlbctl_arg_err(err, errlen, s,
				      "table size is not a number");
	if (xlb_is_prime(*size))
		return 0;
	/* XLB_MAX_TABLE_SIZE is prime, so this stops in range. */
	for (next = *size + 1; !xlb_is_prime(next); next++)
		;
	return xlbctl_arg_err(err, errlen, s,
			      "table size must be a prime (next prime: %u)",
			      next);
}
