// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The health_check mapping of the config file: check type, timing and the
 * type-specific keys (HTTP path/host/status/body, UDP payload/expect), each
 * problem reported as FILE:LINE: reason through yaml_read.h.
 */
#include <string.h>
#include <yaml.h>

#include "config_parse.h"
#include "value.h"

/* No byte a header line or request line could be broken with. */
static bool http_token_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

static bool parse_status_item(const char *s, __u16 *lo, __u16 *hi)
{
	const char *dash = strchr(s, '-');
	char buf[16];
	__u32 a, b;

	if (!dash) {
		if (xlb_parse_u32(s, 100, 599, &a))
			return false;
		*lo = *hi = a;
		return true;
	}
	if ((size_t)(dash - s) >= sizeof(buf))
		return false;
	memcpy(buf, s, dash - s);
	buf[dash - s] = '\0';
	if (xlb_parse_u32(buf, 100, 599, &a) ||
	    xlb_parse_u32(dash + 1, 100, 599, &b) || a > b)
		return false;
	*lo = a;
	*hi = b;
	return true;
}

static bool get_status(struct yr_ctx *x, const struct yr_field *f,
		       struct xlb_hc_conf *h)
{
	yaml_node_t *n = f->val;
	struct yr_field item = {};
	yaml_node_item_t *it;
	int cnt = 0;
	bool ok = true;

	if (n->type == YAML_SCALAR_NODE) {
		const char *s = yr_scalar(x, f, "expect_status");

		if (!s)
			return false;
		if (!parse_status_item(s, &h->status_lo[0], &h->status_hi[0])) {
			yr_err(x, yr_node_line(n),
			       "'expect_status': '%s' is not a status code or range in 100..599 (e.g. 200, 200-399)",
			       s);
			return false;
		}
		h->n_status = 1;
		return true;
	}
	if (n->type != YAML_SEQUENCE_NODE) {
		yr_err(x, yr_node_line(n),
		       "'expect_status' must be a code, a range or a list, not %s",
		       yr_kind(n));
		return false;
	}
	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++, cnt++) {
		const char *s;

		item.val = yr_node(x, *it);
		item.line = yr_node_line(item.val);
		if (cnt == XLB_HC_MAX_STATUS) {
			yr_err(x, item.line,
			       "'expect_status' has more than %d entries",
			       XLB_HC_MAX_STATUS);
			return false;
		}
		s = yr_scalar(x, &item, "expect_status");
		if (!s) {
			ok = false;
			continue;
		}
		if (!parse_status_item(s, &h->status_lo[cnt],
				       &h->status_hi[cnt])) {
			yr_err(x, item.line,
			       "'expect_status': '%s' is not a status code or range in 100..599",
			       s);
			ok = false;
		}
	}
	if (!cnt) {
		yr_err(x, yr_node_line(n), "'expect_status' must not be empty");
		return false;
	}
	h->n_status = cnt;
	return ok;
}

/* f[H_NAME] is key NAME of XLB_HC_KEYS, which sets XLB_HC_SET_NAME. */
enum {
#define H_INDEX(k, ...) H_##k = XLB_HC_KEY_##k,
	XLB_HC_KEYS(H_INDEX)
#undef H_INDEX
	H_N = XLB_HC_N_KEYS
};

const char *const xlb_config_hc_keys[H_N] = {
#define H_NAME(k, key, ...) [H_##k] = key,
	XLB_HC_KEYS(H_NAME)
#undef H_NAME
};

/* Whether key @k of check type @want may appear when the type is @eff. */
static bool type_ok(struct yr_ctx *x, const struct yr_field *f, int k,
		    enum xlb_hc_type want, int eff)
{
	/* eff < 0: the type itself was bad and reported already. */
	if (eff < 0 || eff == (int)want)
		return true;
	yr_err(x, f->line, "'%s' applies only to %s health checks (type is %s)",
	       xlb_config_hc_keys[k], xlb_hc_type_names[want],
	       xlb_hc_type_names[eff]);
	return false;
}

void xlb_config_parse_hc(struct yr_ctx *x, yaml_node_t *n,
			 struct xlb_hc_conf *out,
			 const struct xlb_hc_conf *base, bool backend)
{
	struct yr_field f[H_N];
	struct xlb_hc_conf h;
	bool tbad = false;
	__u32 v;
	int eff, i;

	memset(&h, 0, sizeof(h));
	h.line = yr_node_line(n);
	if (!yr_collect(x, n, "health_check", xlb_config_hc_keys, H_N, f)) {
		xlb_hc_conf_merge(&h, base);
		*out = h;
		return;
	}

	eff = base->type;
	if (f[H_TYPE].val) {
		i = yr_get_enum(x, &f[H_TYPE], "type", xlb_hc_type_names,
				XLB_HC_MAX);
		if (i >= 0) {
			h.type = i;
			h.set_mask |= XLB_HC_SET_TYPE;
		}
		eff = i;
	}
	if (f[H_PORT].val && yr_get_u32(x, &f[H_PORT], "port", 1, 65535, &v)) {
		h.port = v;
		h.set_mask |= XLB_HC_SET_PORT;
	}
	if (f[H_INTERVAL].val && yr_get_duration(x, &f[H_INTERVAL], "interval",
						 true, &h.interval_ms))
		h.set_mask |= XLB_HC_SET_INTERVAL;
	else if (f[H_INTERVAL].val)
		tbad = true;
	if (f[H_TIMEOUT].val &&
	    yr_get_duration(x, &f[H_TIMEOUT], "timeout", true, &h.timeout_ms))
		h.set_mask |= XLB_HC_SET_TIMEOUT;
	else if (f[H_TIMEOUT].val)
		tbad = true;
	if (f[H_RISE].val && yr_get_u32(x, &f[H_RISE], "rise", 1, 100, &v)) {
		h.rise = v;
		h.set_mask |= XLB_HC_SET_RISE;
	}
	if (f[H_FALL].val && yr_get_u32(x, &f[H_FALL], "fall", 1, 100, &v)) {
		h.fall = v;
		h.set_mask |= XLB_HC_SET_FALL;
	}
	if (f[H_PATH].val && type_ok(x, &f[H_PATH], H_PATH, XLB_HC_HTTP, eff) &&
	    yr_get_str(x, &f[H_PATH], "path", h.path, sizeof(h.path))) {
		if (h.path[0] != '/' || !http_token_ok(h.path))
			yr_err(x, yr_node_line(f[H_PATH].val),
			       "'path' must start with '/' and contain no spaces or control characters");
		else
			h.set_mask |= XLB_HC_SET_PATH;
	}
	if (f[H_HOST].val && type_ok(x, &f[H_HOST], H_HOST, XLB_HC_HTTP, eff) &&
	    yr_get_str(x, &f[H_HOST], "host", h.host, sizeof(h.host))) {
		if (!http_token_ok(h.host))
			yr_err(x, yr_node_line(f[H_HOST].val),
			       "'host' must contain no spaces or control characters");
		else
			h.set_mask |= XLB_HC_SET_HOST;
	}
	if (f[H_STATUS].val &&
	    type_ok(x, &f[H_STATUS], H_STATUS, XLB_HC_HTTP, eff) &&
	    get_status(x, &f[H_STATUS], &h))
		h.set_mask |= XLB_HC_SET_STATUS;
	if (f[H_BODY].val && type_ok(x, &f[H_BODY], H_BODY, XLB_HC_HTTP, eff) &&
	    yr_get_str(x, &f[H_BODY], "expect_body", h.expect_body,
		       sizeof(h.expect_body)))
		h.set_mask |= XLB_HC_SET_BODY;
	if (f[H_PAYLOAD].val &&
	    type_ok(x, &f[H_PAYLOAD], H_PAYLOAD, XLB_HC_UDP, eff)) {
		/* Bytes, not a C string: "\x00" escapes are allowed. */
		yaml_node_t *p = f[H_PAYLOAD].val;

		if (p->type != YAML_SCALAR_NODE) {
			yr_err(x, yr_node_line(p),
			       "'payload' must be a scalar, not %s",
			       yr_kind(p));
		} else if (p->data.scalar.length >= sizeof(h.payload)) {
			yr_err(x, yr_node_line(p),
			       "'payload' is too long (%zu bytes, at most %zu)",
			       p->data.scalar.length, sizeof(h.payload) - 1);
		} else {
			h.payload_len = p->data.scalar.length;
			memcpy(h.payload, p->data.scalar.value, h.payload_len);
			h.set_mask |= XLB_HC_SET_PAYLOAD;
		}
	}
	if (f[H_EXPECT].val &&
	    type_ok(x, &f[H_EXPECT], H_EXPECT, XLB_HC_UDP, eff) &&
	    yr_get_str(x, &f[H_EXPECT], "expect", h.expect, sizeof(h.expect)))
		h.set_mask |= XLB_HC_SET_EXPECT;

	if (f[H_VIA_TUNNEL].val) {
		i = yr_get_enum(x, &f[H_VIA_TUNNEL], "via_tunnel",
				xlb_bool_names, 2);
		if (i >= 0) {
			h.via_tunnel = i;
			h.set_mask |= XLB_HC_SET_VIA_TUNNEL;
		}
	}

	xlb_hc_conf_merge(&h, base);
	/*
	 * A backend that only inherits both values shares the service's
	 * verdict; report it once, at the service.
	 */
	if (!tbad && h.timeout_ms > h.interval_ms &&
	    (!backend ||
	     h.set_mask & (XLB_HC_SET_INTERVAL | XLB_HC_SET_TIMEOUT))) {
		char t[32], iv[32];

		xlb_format_duration_ms(h.timeout_ms, t, sizeof(t));
		xlb_format_duration_ms(h.interval_ms, iv, sizeof(iv));
		yr_err(x,
		       f[H_TIMEOUT].line    ? f[H_TIMEOUT].line
		       : f[H_INTERVAL].line ? f[H_INTERVAL].line
					    : h.line,
		       "health_check timeout %s is longer than interval %s", t,
		       iv);
	}
	*out = h;
}
