// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Prometheus text exposition format into a buffer. See prom.h.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

static const char *const type_names[] = {
	[XLB_PROM_COUNTER] = "counter",
	[XLB_PROM_GAUGE] = "gauge",
	[XLB_PROM_HISTOGRAM] = "histogram",
};

void xlb_prom_init(struct xlb_prom *p)
{
	memset(p, 0, sizeof(*p));
}

void xlb_prom_free(struct xlb_prom *p)
{
	free(p->buf);
	memset(p, 0, sizeof(*p));
}

char *xlb_prom_take(struct xlb_prom *p, size_t *len)
{
	char *b;

	if (p->oom) {
		xlb_prom_free(p);
		return NULL;
	}
	if (!p->buf) {
		p->buf = calloc(1, 1);
		if (!p->buf)
			return NULL;
	}
	b = p->buf;
	if (len)
		*len = p->len;
	memset(p, 0, sizeof(*p));
	return b;
}

/* Room for n more bytes plus the NUL. */
static bool reserve(struct xlb_prom *p, size_t n)
{
	size_t cap;
	char *nb;

	if (p->oom)
		return false;
	if (p->len + n + 1 <= p->cap)
		return true;
	cap = p->cap ? p->cap : 4096;
	while (cap < p->len + n + 1)
		cap *= 2;
	nb = realloc(p->buf, cap);
	if (!nb) {
		p->oom = true;
		return false;
	}
	p->buf = nb;
	p->cap = cap;
	return true;
}

static void put(struct xlb_prom *p, const char *s, size_t n)
{
	if (!reserve(p, n))
		return;
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	p->buf[p->len] = 0;
}

static void puts_(struct xlb_prom *p, const char *s)
{
	put(p, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
putf(struct xlb_prom *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !reserve(p, n))
		return;
	va_start(ap, fmt);
	vsnprintf(p->buf + p->len, n + 1, fmt, ap);
	va_end(ap);
	p->len += n;
}

/* Escape \ and newline; with quote also ". */
static void put_escaped(struct xlb_prom *p, const char *s, bool quote)
{
	const char *run = s;

	for (; *s; s++) {
		const char *rep = NULL;

		if (*s == '\\')
			rep = "\\\\";
		else if (*s == '\n')
			rep = "\\n";
		else if (*s == '"' && quote)
			rep = "\\\"";
		if (!rep)
			continue;
		put(p, run, s - run);
		puts_(p, rep);
		run = s + 1;
	}
	put(p, run, s - run);
}

static bool name_ok(const char *s, bool colon)
{
	if (!s || !*s)
		return false;
	for (const char *c = s; *c; c++) {
		bool alpha = (*c >= 'a' && *c <= 'z') ||
			     (*c >= 'A' && *c <= 'Z') || *c == '_' ||
			     (colon && *c == ':');

		if (!alpha && !(c > s && *c >= '0' && *c <= '9'))
			return false;
	}
	return true;
}

bool xlb_prom_metric_name_ok(const char *s)
{
	return name_ok(s, true);
}

bool xlb_prom_label_name_ok(const char *s)
{
	/* names starting with __ are reserved for Prometheus itself */
	return name_ok(s, false) && strncmp(s, "__", 2);
}

const char *xlb_prom_fmt_double(double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "NaN");
	else if (isinf(v))
		snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
	else if (v == 0)
		snprintf(buf, len, "0"); /* also -0 */
	else {
		/* shortest of %.15g.. %.17g that reads back exactly */
		for (int prec = 15; prec <= 17; prec++) {
			snprintf(buf, len, "%.*g", prec, v);
			if (strtod(buf, NULL) == v)
				break;
		}
	}
	return buf;
}

void xlb_prom_family(struct xlb_prom *p, const char *name,
		     enum xlb_prom_type type, const char *help)
{
	if (!xlb_prom_metric_name_ok(name) ||
	    (unsigned int)type > XLB_PROM_HISTOGRAM) {
		p->bad = true;
		return;
	}
	putf(p, "# HELP %s ", name);
	put_escaped(p, help ? help : "", false);
	putf(p, "\n# TYPE %s %s\n", name, type_names[type]);
}

/* name{labels[,extra="val"]} without the value; false: invalid names. */
static bool put_series(struct xlb_prom *p, const char *name, const char *suffix,
		       const struct xlb_prom_label *l, size_t nl,
		       const char *extra, const char *extra_val)
{
	size_t n = 0;

	if (!xlb_prom_metric_name_ok(name)) {
		p->bad = true;
		return false;
	}
	for (size_t i = 0; i < nl; i++) {
		if (!xlb_prom_label_name_ok(l[i].name)) {
			p->bad = true;
			return false;
		}
	}
	puts_(p, name);
	puts_(p, suffix);
	for (size_t i = 0; i <= nl; i++) {
		const char *k = i < nl ? l[i].name : extra;
		const char *v = i < nl ? l[i].value : extra_val;

		if (!k)
			continue;
		put(p, n++ ? "," : "{", 1);
		puts_(p, k);
		puts_(p, "=\"");
		put_escaped(p, v ? v : "", true);
		put(p, "\"", 1);
	}
	if (n)
		put(p, "}", 1);
	return true;
}

void xlb_prom_u64(struct xlb_prom *p, const char *name,
		  const struct xlb_prom_label *l, size_t nl, __u64 v)
{
	if (put_series(p, name, "", l, nl, NULL, NULL))
		putf(p, " %llu\n", (unsigned long long)v);
}

void xlb_prom_double(struct xlb_prom *p, const char *name,
		     const struct xlb_prom_label *l, size_t nl, double v)
{
	char b[40];

	if (put_series(p, name, "", l, nl, NULL, NULL))
		putf(p, " %s\n", xlb_prom_fmt_double(v, b, sizeof(b)));
}

void xlb_prom_single_u64(struct xlb_prom *p, const char *name,
			 enum xlb_prom_type type, const char *help, __u64 v)
{
	xlb_prom_family(p, name, type, help);
	xlb_prom_u64(p, name, XLB_PROM_NOLABELS, v);
}

void xlb_prom_single_double(struct xlb_prom *p, const char *name,
			    enum xlb_prom_type type, const char *help, double v)
{
	xlb_prom_family(p, name, type, help);
	xlb_prom_double(p, name, XLB_PROM_NOLABELS, v);
}

void xlb_prom_hist_observe(struct xlb_prom_hist *h, const double *bounds,
			   size_t nb, double v)
{
	size_t i;

	if (nb > XLB_PROM_HIST_MAX)
		nb = XLB_PROM_HIST_MAX;
	for (i = 0; i < nb && v > bounds[i]; i++)
		;
	h->counts[i]++;
	h->count++;
	h->sum += v;
}

void xlb_prom_hist(struct xlb_prom *p, const char *name,
		   const struct xlb_prom_label *l, size_t nl,
		   const double *bounds, size_t nb,
		   const struct xlb_prom_hist *h)
{
	__u64 cum = 0;
	char b[40];

	if (nb > XLB_PROM_HIST_MAX) {
		p->bad = true;
		return;
	}
	for (size_t i = 0; i <= nb; i++) {
		cum += h->counts[i];
		if (!put_series(p, name, "_bucket", l, nl, "le",
				i < nb ? xlb_prom_fmt_double(bounds[i], b,
							     sizeof(b))
				       : "+Inf"))
			return;
		putf(p, " %llu\n", (unsigned long long)cum);
	}
	put_series(p, name, "_sum", l, nl, NULL, NULL);
	putf(p, " %s\n", xlb_prom_fmt_double(h->sum, b, sizeof(b)));
	put_series(p, name, "_count", l, nl, NULL, NULL);
	/* the +Inf bucket and _count must agree */
	putf(p, " %llu\n", (unsigned long long)cum);
}
