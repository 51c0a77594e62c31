/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The Prometheus text exposition format (version 0.0.4), rendered into a
 * growing buffer: pure, no I/O, so xlbd's endpoint and the unit tests use
 * the same code.
 *
 *   # HELP xlb_backend_packets_total Packets sent to the backend.
 *   # TYPE xlb_backend_packets_total counter
 *   xlb_backend_packets_total{service="web",backend="198.18.0.11"} 1027
 *
 * Call xlb_prom_family() once per metric family, then write its samples
 * before the next family (the format wants a family's samples together).
 * Label values are escaped (\ " and newline), HELP text too (\ and
 * newline). Integers are printed exactly; doubles in the shortest form
 * that reads back to the same value, NaN and +Inf/-Inf by their names.
 * Names that are not valid metric or label names are a programming
 * error: the sample is skipped and xlb_prom.bad is set.
 *
 * Out of memory leaves xlb_prom.oom set and the buffer as it was; every
 * later call is a no-op, so callers check once at the end.
 */
#ifndef XLB_PROM_H
#define XLB_PROM_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

enum xlb_prom_type {
	XLB_PROM_COUNTER,
	XLB_PROM_GAUGE,
	XLB_PROM_HISTOGRAM,
};

struct xlb_prom {
	char *buf; /* NUL-terminated text, malloc'd */
	size_t len, cap;
	bool oom; /* memory ran out: output incomplete */
	bool bad; /* an invalid name was given */
};

struct xlb_prom_label {
	const char *name;
	const char *value;
};

/* Labels as an array and its count: XLB_PROM_L({ "service", name }, ...) */
#define XLB_PROM_L(...)                                                  \
	(const struct xlb_prom_label[]){ __VA_ARGS__ },                  \
		sizeof((const struct xlb_prom_label[]){ __VA_ARGS__ }) / \
			sizeof(struct xlb_prom_label)
#define XLB_PROM_NOLABELS NULL, 0

void xlb_prom_init(struct xlb_prom *p);
void xlb_prom_free(struct xlb_prom *p);
/* The text, owned by the caller (free()); NULL after out of memory. */
char *xlb_prom_take(struct xlb_prom *p, size_t *len);

void xlb_prom_family(struct xlb_prom *p, const char *name,
		     enum xlb_prom_type type, const char *help);
void xlb_prom_u64(struct xlb_prom *p, const char *name,
		  const struct xlb_prom_label *l, size_t nl, __u64 v);
void xlb_prom_double(struct xlb_prom *p, const char *name,
		     const struct xlb_prom_label *l, size_t nl, double v);
/* A family of one sample without labels: HELP, TYPE and the value. */
void xlb_prom_single_u64(struct xlb_prom *p, const char *name,
			 enum xlb_prom_type type, const char *help, __u64 v);
void xlb_prom_single_double(struct xlb_prom *p, const char *name,
			    enum xlb_prom_type type, const char *help,
			    double v);

/*
 * A histogram with fixed upper bounds (ascending, at most
 * XLB_PROM_HIST_MAX; +Inf is implied). counts[i] holds the observations
 * in bucket i alone (not cumulative), counts[nb] those above the last
 * bound; rendering makes them cumulative.
 */
#define XLB_PROM_HIST_MAX 16

struct xlb_prom_hist {
	__u64 counts[XLB_PROM_HIST_MAX + 1];
	__u64 count;
	double sum;
};

void xlb_prom_hist_observe(struct xlb_prom_hist *h, const double *bounds,
			   size_t nb, double v);
/* name_bucket{...,le="B"}, name_sum and name_count. */
void xlb_prom_hist(struct xlb_prom *p, const char *name,
		   const struct xlb_prom_label *l, size_t nl,
		   const double *bounds, size_t nb,
		   const struct xlb_prom_hist *h);

/* [a-zA-Z_:][a-zA-Z0-9_:]* and [a-zA-Z_][a-zA-Z0-9_]* (no "__" prefix). */
bool xlb_prom_metric_name_ok(const char *s);
bool xlb_prom_label_name_ok(const char *s);
/* Format v as the exposition format does (buf >= 32 bytes). */
const char *xlb_prom_fmt_double(double v, char *buf, size_t len);

#endif /* XLB_PROM_H */
