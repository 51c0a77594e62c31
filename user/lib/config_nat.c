// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The snat mapping of the config file: full NAT's source addresses, the
 * port range flows take their source port from, and the NAT timeouts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "config_parse.h"
#include "value.h"

/* X(INDEX, "key"): f[INDEX] in xlb_config_parse_snat() */
#define NAT_KEYS(X)                             \
	X(N_ADDRESSES, "addresses")             \
	X(N_PORTS, "ports")                     \
	X(N_TCP_SYN, "tcp_syn_timeout")         \
	X(N_TCP_EST, "tcp_established_timeout") \
	X(N_TCP_CLOSE, "tcp_closing_timeout")   \
	X(N_UDP, "udp_timeout")

YR_KEYS_EXPORT(NAT_KEYS, N_N, nat_keys, xlb_config_nat_keys);

#define MAX_TIMEOUT_MS (24u * 3600 * 1000)

size_t xlb_snat_count(const struct xlb_snat_conf *c, __u8 family)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n_addrs; i++)
		n += c->families[i] == family;
	return n;
}

static void get_addrs(struct yr_ctx *x, const struct yr_field *f,
		      struct xlb_snat_conf *c)
{
	long n = yr_list_len(x, f->val, "addresses");

	if (!n)
		yr_err(x, yr_node_line(f->val),
		       "'addresses' must not be empty");
	for (long i = 0; i < n; i++) {
		struct yr_field item = { .val = yr_list_item(x, f->val, i) };
		union xlb_addr a;
		__u8 fam;
		bool dup = false;

		item.line = yr_node_line(item.val);
		if (!yr_get_addr(x, &item, "addresses", &a, &fam))
			continue;
		for (size_t i = 0; i < c->n_addrs; i++)
			dup |= c->families[i] == fam &&
			       !memcmp(&c->addrs[i], &a, sizeof(a));
		if (dup) {
			char s[XLB_ADDR_STRLEN];

			xlb_format_addr(&a, fam, s, sizeof(s));
			yr_err(x, item.line, "'addresses': %s is listed twice",
			       s);
			continue;
		}
		if (xlb_snat_count(c, fam) == XLB_NAT_MAX_ADDRS) {
			yr_err(x, item.line,
			       "'addresses': too many IPv%d addresses (at most %d)",
			       fam, XLB_NAT_MAX_ADDRS);
			continue;
		}
		c->addrs[c->n_addrs] = a;
		c->families[c->n_addrs++] = fam;
	}
}

/* "LOW-HIGH" or "PORT", 1..65535, LOW <= HIGH. */
static void get_ports(struct yr_ctx *x, const struct yr_field *f,
		      struct xlb_snat_conf *c)
{
	const char *s = yr_scalar(x, f, "ports");
	unsigned long lo, hi;
	char *end;

	if (!s)
		return;
	lo = strtoul(s, &end, 10);
	hi = lo;
	if (end != s && *end == '-' && end[1] >= '0' && end[1] <= '9')
		hi = strtoul(end + 1, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end || !lo || lo > hi || hi > 65535) {
		yr_err(x, yr_node_line(f->val),
		       "'ports': '%s' is not LOW-HIGH with 1 <= LOW <= HIGH <= 65535 (e.g. 1024-65535)",
		       s);
		return;
	}
	c->port_min = lo;
	c->port_max = hi;
}

void xlb_config_parse_snat(struct yr_ctx *x, yaml_node_t *n,
			   struct xlb_snat_conf *c)
{
	struct yr_field f[N_N];
	__u32 *ms[N_N] = {
		[N_TCP_SYN] = &c->tcp_syn_ms,
		[N_TCP_EST] = &c->tcp_est_ms,
		[N_TCP_CLOSE] = &c->tcp_close_ms,
		[N_UDP] = &c->udp_ms,
	};

	if (!yr_collect(x, n, "snat", nat_keys, N_N, f))
		return;
	if (!f[N_ADDRESSES].val)
		yr_missing(x, n, &f[N_ADDRESSES], "addresses", "snat");
	else
		get_addrs(x, &f[N_ADDRESSES], c);
	if (f[N_PORTS].val)
		get_ports(x, &f[N_PORTS], c);
	for (int i = N_TCP_SYN; i <= N_UDP; i++) {
		if (!f[i].val ||
		    !yr_get_duration(x, &f[i], nat_keys[i], true, ms[i]))
			continue;
		if (*ms[i] > MAX_TIMEOUT_MS)
			yr_err(x, yr_node_line(f[i].val),
			       "'%s' must be at most 24h", nat_keys[i]);
	}
}
