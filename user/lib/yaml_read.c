// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Typed, line-tracking readers over a libyaml document; see yaml_read.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "value.h"
#include "yaml_read.h"

static int errs_insert(struct yr_ctx *x, int line, char *msg)
{
	struct xlb_config_errors *e = x->errs;
	size_t i;

	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		void *v = realloc(e->v, cap * sizeof(*e->v));

		if (!v)
			return -ENOMEM;
		e->v = v;
		e->cap = cap;
	}
	/*
	 * Keep this load's messages sorted by line, stable. They arrive
	 * nearly sorted (cross-checks come after the walk), so search from
	 * the end.
	 */
	for (i = e->n; i > x->errs_from && e->v[i - 1].line > line; i--)
		;
	memmove(&e->v[i + 1], &e->v[i], (e->n - i) * sizeof(*e->v));
	e->v[i].line = line;
	e->v[i].msg = msg;
	e->n++;
	return 0;
}

/*
 * Copy @s to @dst with what could break a log line or a terminal escaped:
 * C0 controls and DEL as \n, \t, \r or \xNN, and the C1 controls and
 * Unicode line separators (U+0080..U+009F, U+2028, U+2029) as \uNNNN.
 * Anything else, UTF-8 included, is kept. @dst holds 6 * strlen(@s) + 1.
 */
static void escape(char *dst, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if (*p == '\n' || *p == '\t' || *p == '\r') {
			*dst++ = '\\';
			*dst++ = *p == '\n' ? 'n' : *p == '\t' ? 't' : 'r';
		} else if (*p < 0x20 || *p == 0x7f) {
			dst += sprintf(dst, "\\x%02x", *p);
		} else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			dst += sprintf(dst, "\\u%04x", p[1]);
			p++;
		} else if (p[0] == 0xe2 && p[1] == 0x80 &&
			   (p[2] == 0xa8 || p[2] == 0xa9)) {
			dst += sprintf(dst, "\\u%04x", 0x2000 | (p[2] - 0x80));
			p += 2;
		} else {
			*dst++ = *p;
		}
	}
	*dst = '\0';
}

/* Cut @s, truncated by vsnprintf(), at a character boundary and mark it. */
static void mark_cut(char *s, size_t size)
{
	size_t n = size - 4;

	while (n && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	strcpy(s + n, "...");
}

__attribute__((format(printf, 3, 4))) void yr_err(struct yr_ctx *x, int line,
						  const char *fmt, ...)
{
	char reason[512], *msg, *name, *why;
	va_list ap;
	int n;

	x->n_err++;
	if (!x->errs)
		return;
	va_start(ap, fmt);
	n = vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(reason))
		mark_cut(reason, sizeof(reason));
	/* Values are quoted in the reasons; so is the file's name. */
	name = malloc(6 * strlen(x->name) + 1);
	why = malloc(6 * strlen(reason) + 1);
	if (name && why) {
		escape(name, x->name);
		escape(why, reason);
		if (line > 0)
			n = asprintf(&msg, "%s:%d: %s", name, line, why);
		else
			n = asprintf(&msg, "%s: %s", name, why);
	} else {
		n = -1;
	}
	free(name);
	free(why);
	if (n < 0) {
		x->nomem = true;
		return;
	}
	if (errs_insert(x, line, msg)) {
		free(msg);
		x->nomem = true;
	}
}

/*
 * The line and column (1-based, in characters) of byte @off of @buf, as
 * libyaml counts them: CR LF, CR, LF, NEL, LS and PS end a line; a UTF-8
 * byte order mark at the start takes no column.
 */
void yr_offset_pos(const char *buf, size_t len, size_t off, int *line, int *col)
{
	const unsigned char *p = (const unsigned char *)buf;
	size_t i = 0, start;

	*line = 1;
	if (off > len)
		off = len;
	if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		i = 3;
	start = i;
	while (i < off) {
		size_t brk = 0;

		if (p[i] == '\r')
			brk = i + 1 < len && p[i + 1] == '\n' ? 2 : 1;
		else if (p[i] == '\n')
			brk = 1;
		else if (i + 1 < len && p[i] == 0xc2 && p[i + 1] == 0x85)
			brk = 2;
		else if (i + 2 < len && p[i] == 0xe2 && p[i + 1] == 0x80 &&
			 (p[i + 2] == 0xa8 || p[i + 2] == 0xa9))
			brk = 3;
		if (brk && i + brk <= off) {
			i += brk;
			start = i;
			(*line)++;
		} else {
			i++;
		}
	}
	*col = 1;
	for (i = start; i < off; i++)
		if ((p[i] & 0xc0) != 0x80)
			(*col)++;
}

int yr_node_line(const yaml_node_t *n)
{
	return n->start_mark.line + 1;
}

yaml_node_t *yr_node(struct yr_ctx *x, int i)
{
	return yaml_document_get_node(x->doc, i);
}

void *yr_calloc(struct yr_ctx *x, size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (!p)
		x->nomem = true;
	return p;
}

long yr_list_len(struct yr_ctx *x, const yaml_node_t *n, const char *key)
{
	if (n->type != YAML_SEQUENCE_NODE) {
		yr_err(x, yr_node_line(n), "'%s' must be a list, not %s", key,
		       yr_kind(n));
		return -1;
	}
	return n->data.sequence.items.top - n->data.sequence.items.start;
}

yaml_node_t *yr_list_item(struct yr_ctx *x, const yaml_node_t *n, size_t i)
{
	return yr_node(x, n->data.sequence.items.start[i]);
}

const char *yr_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_MAPPING_NODE:
		return "a mapping";
	default:
		return "a scalar";
	}
}

bool yr_is_null(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE &&
	       n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	       xlb_value_is_null((const char *)n->data.scalar.value);
}

/*
 * Sort the pairs of mapping @map into f[] by key name (keys[i] -> f[i]),
 * reporting unknown and duplicate keys. False if @map is not a mapping.
 */
bool yr_collect(struct yr_ctx *x, yaml_node_t *map, const char *what,
		const char *const *keys, size_t n, struct yr_field *f)
{
	yaml_node_pair_t *p;

	memset(f, 0, n * sizeof(*f));
	if (map->type != YAML_MAPPING_NODE) {
		yr_err(x, yr_node_line(map), "%s must be a mapping, not %s",
		       what, yr_kind(map));
		return false;
	}
	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = yr_node(x, p->key), *v = yr_node(x, p->value);
		const char *ks;
		int i;

		if (k->type != YAML_SCALAR_NODE) {
			yr_err(x, yr_node_line(k),
			       "%s: a key must be a scalar, not %s", what,
			       yr_kind(k));
			continue;
		}
		ks = (const char *)k->data.scalar.value;
		i = xlb_value_lookup(ks, keys, n);
		if (i < 0) {
			yr_err(x, yr_node_line(k), "unknown key '%s' in %s", ks,
			       what);
			continue;
		}
		if (f[i].line) {
			yr_err(x, yr_node_line(k),
			       "duplicate key '%s' in %s (first at line %d)",
			       ks, what, f[i].line);
			continue;
		}
		f[i].line = yr_node_line(k);
		f[i].val = yr_is_null(v) ? NULL : v;
	}
	return true;
}

void yr_missing(struct yr_ctx *x, const yaml_node_t *map,
		const struct yr_field *f, const char *key, const char *what)
{
	if (f->line)
		yr_err(x, f->line, "'%s' needs a value", key);
	else
		yr_err(x, yr_node_line(map), "%s is missing required key '%s'",
		       what, key);
}

bool yr_get_required_str(struct yr_ctx *x, const yaml_node_t *map,
			 const struct yr_field *f, const char *key,
			 const char *what, char *buf, size_t size)
{
	if (!f->val) {
		yr_missing(x, map, f, key, what);
		return false;
	}
	return yr_get_str(x, f, key, buf, size);
}

/* The text of scalar @f->val, or NULL after reporting why not. */
const char *yr_scalar(struct yr_ctx *x, const struct yr_field *f,
		      const char *key)
{
	const yaml_node_t *n = f->val;
	const char *s;

	if (n->type != YAML_SCALAR_NODE) {
		yr_err(x, yr_node_line(n), "'%s' must be a scalar, not %s", key,
		       yr_kind(n));
		return NULL;
	}
	s = (const char *)n->data.scalar.value;
	if (strlen(s) != n->data.scalar.length) {
		yr_err(x, yr_node_line(n), "'%s' contains a NUL byte", key);
		return NULL;
	}
	return s;
}

bool yr_get_str(struct yr_ctx *x, const struct yr_field *f, const char *key,
		char *buf, size_t size)
{
	const char *s = yr_scalar(x, f, key);
	size_t len;

	if (!s)
		return false;
	len = strlen(s);
	if (len >= size) {
		yr_err(x, yr_node_line(f->val),
		       "'%s' is too long (%zu bytes, at most %zu)", key, len,
		       size - 1);
		return false;
	}
	memcpy(buf, s, len + 1);
	return true;
}

bool yr_get_u32(struct yr_ctx *x, const struct yr_field *f, const char *key,
		__u32 min, __u32 max, __u32 *out)
{
	const char *s = yr_scalar(x, f, key);
	int err;

	if (!s)
		return false;
	err = xlb_parse_u32(s, min, max, out);
	if (err == -ERANGE)
		yr_err(x, yr_node_line(f->val),
		       "'%s' %s is out of range %u..%u", key, s, min, max);
	else if (err)
		yr_err(x, yr_node_line(f->val),
		       "'%s' must be a decimal integer, not '%s'", key, s);
	return !err;
}

bool yr_get_duration(struct yr_ctx *x, const struct yr_field *f,
		     const char *key, bool nonzero, __u32 *ms)
{
	const char *s = yr_scalar(x, f, key);
	__u32 v;
	int err;

	if (!s)
		return false;
	err = xlb_parse_duration_ms(s, &v);
	if (err == -ERANGE) {
		yr_err(x, yr_node_line(f->val),
		       "'%s' duration '%s' is out of range (whole milliseconds, at most %ums)",
		       key, s, UINT32_MAX);
		return false;
	}
	if (err) {
		yr_err(x, yr_node_line(f->val),
		       "'%s' is not a valid duration: '%s' (e.g. 500ms, 2s, 1.5s, 1m)",
		       key, s);
		return false;
	}
	if (nonzero && !v) {
		yr_err(x, yr_node_line(f->val), "'%s' must be greater than 0",
		       key);
		return false;
	}
	*ms = v;
	return true;
}

/* Index of the value in names[], or -1 after listing the choices. */
int yr_get_enum(struct yr_ctx *x, const struct yr_field *f, const char *key,
		const char *const *names, size_t n)
{
	const char *s = yr_scalar(x, f, key);
	char list[256] = "";
	size_t len = 0;
	int i;

	if (!s)
		return -1;
	i = xlb_value_lookup(s, names, n);
	if (i >= 0)
		return i;
	for (size_t j = 0; j < n && len < sizeof(list); j++)
		len += snprintf(list + len, sizeof(list) - len, "%s%s",
				j ? ", " : "", names[j]);
	yr_err(x, yr_node_line(f->val),
	       "'%s': unknown value '%s' (expected one of: %s)", key, s, list);
	return -1;
}

bool yr_get_addr(struct yr_ctx *x, const struct yr_field *f, const char *key,
		 union xlb_addr *a, __u8 *family)
{
	const char *s = yr_scalar(x, f, key);

	if (!s)
		return false;
	if (xlb_parse_addr(s, a, family)) {
		yr_err(x, yr_node_line(f->val),
		       "'%s': '%s' is not a numeric IPv4 or IPv6 address", key,
		       s);
		return false;
	}
	if (!xlb_addr_usable(a, *family)) {
		yr_err(x, yr_node_line(f->val),
		       "'%s': %s cannot be used (unspecified, multicast, broadcast or IPv4-mapped)",
		       key, s);
		*family = 0;
		return false;
	}
	return true;
}
