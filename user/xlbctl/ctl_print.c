// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xlbctl's text output: one printer per command, the only place its text
 * is made (--json prints the daemon's data as it is), and the column
 * tables they print through.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "ctl_print.h"
#include "maglev.h"

#define MAX_COLS 8 /* columns of any text table */

/* Text tables: columns sized to their widest cell, two blanks apart. */

struct row {
	int group; /* rows of a group share column widths */
	int ncols; /* 0: blank line; 1: free text, not sized */
	char *cell[MAX_COLS];
};

struct table {
	struct row *rows;
	size_t n, cap;
	bool oom;
};

struct group_fmt {
	int indent;
	const char *align; /* 'l' or 'r' per column */
};

/* Add a row of ncols strings (copied); failures surface in table_print(). */
static void table_row(struct table *t, int group, int ncols, ...)
{
	struct row *r;
	va_list ap;

	if (t->oom)
		return;
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;

		r = realloc(t->rows, cap * sizeof(*r));
		if (!r) {
			t->oom = true;
			return;
		}
		t->rows = r;
		t->cap = cap;
	}
	r = &t->rows[t->n++];
	memset(r, 0, sizeof(*r));
	r->group = group;
	r->ncols = ncols;
	va_start(ap, ncols);
	for (int i = 0; i < ncols; i++) {
		const char *s = va_arg(ap, const char *);

		r->cell[i] = strdup(s ? s : "-");
		if (!r->cell[i])
			t->oom = true;
	}
	va_end(ap);
}

static void table_free(struct table *t)
{
	for (size_t i = 0; i < t->n; i++)
		for (int c = 0; c < t->rows[i].ncols; c++)
			free(t->rows[i].cell[c]);
	free(t->rows);
}

static int table_print(struct table *t, const struct group_fmt *groups,
		       int ngroups, FILE *f)
{
	size_t width[4][MAX_COLS] = {};
	const struct group_fmt *g;
	struct row *r;
	size_t w;
	int err = 0;

	if (t->oom || ngroups > 4) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < t->n; i++) {
		r = &t->rows[i];
		for (int c = 0; r->ncols > 1 && c < r->ncols; c++) {
			w = strlen(r->cell[c]);
			if (w > width[r->group][c])
				width[r->group][c] = w;
		}
	}
	for (size_t i = 0; i < t->n; i++) {
		r = &t->rows[i];
		g = &groups[r->group];
		if (r->ncols)
			fprintf(f, "%*s", g->indent, "");
		for (int c = 0; c < r->ncols; c++) {
			bool last = c == r->ncols - 1;
			int pad = r->ncols > 1 ? (int)width[r->group][c] : 0;

			if (g->align[c] == 'r')
				fprintf(f, "%*s", pad, r->cell[c]);
			else if (last) /* no trailing blanks */
				fputs(r->cell[c], f);
			else
				fprintf(f, "%-*s", pad, r->cell[c]);
			fputs(last ? "" : "  ", f);
		}
		fputc('\n', f);
	}
out:
	table_free(t);
	return err;
}

/* A counter with thousands grouping; other values as they are. */
static const char *jcount(struct json_object *v, char *buf, size_t len)
{
	char digits[24];
	size_t n, o = 0;

	if (!json_object_is_type(v, json_type_int))
		return v ? json_object_get_string(v) : NULL;
	n = snprintf(digits, sizeof(digits), "%" PRIu64,
		     json_object_get_uint64(v));
	for (size_t i = 0; i < n && o + 2 < len; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* Health: whatever scalar fields the daemon reports, as key=value. */
static void fmt_health(struct json_object *h, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	if (!json_object_is_type(h, json_type_object))
		return;
	json_object_object_foreach(h, key, v)
	{
		snprintf(buf + o, len - o, "%s%s=%s", o ? " " : "", key,
			 v ? json_object_get_string(v) : "null");
		o += strlen(buf + o);
	}
}

/* Printers: one per command, the only place its text output is made. */

int xlbctl_print_none(struct json_object *data, FILE *f)
{
	return 0;
}

int xlbctl_print_node(struct json_object *data, FILE *f)
{
	struct json_object *vips = xlb_json_get(data, "announced");
	const char *table = xlb_json_str(data, "announce_table") ?: "0";
	bool drained = json_object_get_boolean(xlb_json_get(data, "drained"));

	if (!strcmp(table, "0")) {
		fprintf(f, "node: %s, announcing off (no announce_table)\n",
			drained ? "drained" : "not drained");
		return 0;
	}
	fprintf(f, "node: %s, table %s, announced:",
		drained ? "drained" : "serving", table);
	if (!xlb_json_len(vips))
		fputs(" none", f);
	for (size_t i = 0; i < xlb_json_len(vips); i++)
		fprintf(f, " %s",
			json_object_get_string(
				json_object_array_get_idx(vips, i)));
	fputc('\n', f);
	return 0;
}

/* The node's names, as columns. */
static const char *node_name(struct json_object *nodes, size_t i)
{
	return xlb_json_str(json_object_array_get_idx(nodes, i), "name") ?: "?";
}

static struct json_object *named(struct json_object *arr, const char *key,
				 const char *name)
{
	for (size_t i = 0; i < xlb_json_len(arr); i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);
		const char *v = xlb_json_str(o, key);

		if (v && !strcmp(v, name))
			return o;
	}
	return NULL;
}

/* One row: label, then field of each node's service (and backend). */
static void cluster_row(struct json_object *nodes, const char *label,
			const char *svc, const char *be, const char *field,
			FILE *f)
{
	fprintf(f, "%-24s", label);
	for (size_t i = 0; i < xlb_json_len(nodes); i++) {
		struct json_object *s =
			named(xlb_json_get(json_object_array_get_idx(nodes, i),
					   "services"),
			      "name", svc);

		if (s && be)
			s = named(xlb_json_get(s, "backends"), "address", be);
		fprintf(f, " %-18s", s ? xlb_json_str(s, field) ?: "?" : "-");
	}
	fputc('\n', f);
}

int xlbctl_print_cluster(struct json_object *data, FILE *f)
{
	struct json_object *nodes = xlb_json_get(data, "nodes");
	struct json_object *dis = xlb_json_get(data, "disagreements");
	struct json_object *first;
	size_t n = xlb_json_len(nodes);

	if (!nodes || !json_object_is_type(nodes, json_type_array) || !dis)
		return -EPROTO;
	if (!n) {
		fputs("no live nodes\n", f);
		return 0;
	}
	fprintf(f, "%-24s", "NODE");
	for (size_t i = 0; i < n; i++)
		fprintf(f, " %-18s", node_name(nodes, i));
	fputc('\n', f);
	fprintf(f, "%-24s", "config revision");
	for (size_t i = 0; i < n; i++)
		fprintf(f, " %-18s",
			xlb_json_str(json_object_array_get_idx(nodes, i),
				     "config_revision")
				?: "?");
	fputc('\n', f);
	fprintf(f, "%-24s", "announced");
	for (size_t i = 0; i < n; i++) {
		struct json_object *a = xlb_json_get(
			json_object_array_get_idx(nodes, i), "announced");
		char buf[64] = "none";

		if (xlb_json_len(a))
			snprintf(buf, sizeof(buf), "%s%s",
				 json_object_get_string(
					 json_object_array_get_idx(a, 0)),
				 xlb_json_len(a) > 1 ? " ..." : "");
		fprintf(f, " %-18s", buf);
	}
	fputc('\n', f);
	/* the rows come from the first node; a service only elsewhere is in
	 * the disagreements */
	first = xlb_json_get(json_object_array_get_idx(nodes, 0), "services");
	for (size_t i = 0; i < xlb_json_len(first); i++) {
		struct json_object *s = json_object_array_get_idx(first, i);
		struct json_object *bes = xlb_json_get(s, "backends");
		const char *sn = xlb_json_str(s, "name") ?: "?";

		cluster_row(nodes, sn, sn, NULL, "ring_digest", f);
		for (size_t j = 0; j < xlb_json_len(bes); j++) {
			const char *a = xlb_json_str(
				json_object_array_get_idx(bes, j), "address");
			char label[64];

			if (!a)
				continue;
			snprintf(label, sizeof(label), "  %s", a);
			cluster_row(nodes, label, sn, a, "health", f);
		}
	}
	if (!xlb_json_len(dis)) {
		fputs("all nodes agree\n", f);
		return 0;
	}
	for (size_t i = 0; i < xlb_json_len(dis); i++)
		fprintf(f, "! %s\n",
			json_object_get_string(
				json_object_array_get_idx(dis, i)));
	return 0;
}

/* config_source: etcd: where the config comes from, and whether it can. */
static void print_etcd(struct json_object *node, FILE *f)
{
	struct json_object *e = xlb_json_get(node, "etcd");

	if (!e)
		return;
	if (json_object_get_boolean(xlb_json_get(e, "reachable")))
		fprintf(f, "config: etcd %s revision %s (%s)\n",
			xlb_json_str(e, "key") ?: "?",
			xlb_json_str(e, "revision") ?: "?",
			xlb_json_str(e, "endpoint") ?: "?");
	else
		fprintf(f,
			"config: etcd %s UNREACHABLE for %s ms (%s): serving revision %s, the last one applied\n",
			xlb_json_str(e, "key") ?: "?",
			xlb_json_str(e, "unreachable_for_ms") ?: "?",
			xlb_json_str(e, "why") ?: "?",
			xlb_json_str(e, "revision") ?: "?");
}

int xlbctl_print_status(struct json_object *data, FILE *f)
{
	static const struct group_fmt groups[] = {
		{ .indent = 0, .align = "lllll" },
		{ .indent = 2, .align = "lrlll" },
	};
	struct json_object *svcs = xlb_json_get(data, "services");
	struct json_object *node = xlb_json_get(data, "node"), *undone;
	bool health = false;
	struct table t = {};
	int err;

	/* a node that announces says so first: what the routers see */
	if (node && strcmp(xlb_json_str(node, "announce_table") ?: "0", "0"))
		xlbctl_print_node(node, f);
	if (node)
		print_etcd(node, f);

	if (!xlb_json_len(svcs)) {
		fputs("no services\n", f);
		return 0;
	}
	/* One HEALTH column for all or none, so the columns line up. */
	for (size_t i = 0; i < xlb_json_len(svcs); i++) {
		struct json_object *bes = xlb_json_get(
			json_object_array_get_idx(svcs, i), "backends");

		for (size_t j = 0; j < xlb_json_len(bes); j++)
			if (xlb_json_get(json_object_array_get_idx(bes, j),
					 "health"))
				health = true;
	}
	for (size_t i = 0; i < xlb_json_len(svcs); i++) {
		struct json_object *s = json_object_array_get_idx(svcs, i);
		struct json_object *bes = xlb_json_get(s, "backends");
		const char *vip = xlb_json_str(s, "vip") ?: "?";
		const char *digest = xlb_json_str(s, "ring_digest");
		char where[96], table[32], ring[32];

		snprintf(where, sizeof(where),
			 strchr(vip, ':') ? "[%s]:%s/%s" : "%s:%s/%s", vip,
			 xlb_json_str(s, "port") ?: "?",
			 xlb_json_str(s, "protocol") ?: "?");
		snprintf(table, sizeof(table), "table %s",
			 xlb_json_str(s, "table_size") ?: "?");
		if (i)
			table_row(&t, 0, 0);
		/* equal digests on two nodes: they pick the same backends */
		snprintf(ring, sizeof(ring), "ring %s", digest ?: "");
		table_row(&t, 0, digest ? 5 : 4, xlb_json_str(s, "name"), where,
			  xlb_json_str(s, "scheduler"), table, ring);
		if (!xlb_json_len(bes)) {
			table_row(&t, 1, 1, "no backends");
			continue;
		}
		table_row(&t, 1, health ? 5 : 4, "ADDRESS", "WEIGHT", "STATE",
			  "MAC", "HEALTH");
		for (size_t j = 0; j < xlb_json_len(bes); j++) {
			struct json_object *b =
				json_object_array_get_idx(bes, j);
			const char *w = xlb_json_str(b, "weight") ?: "?";
			const char *cw = xlb_json_str(b, "config_weight");
			char weight[48], hc[256];

			/* Effective/configured when they differ (slow start). */
			if (cw && strcmp(w, cw))
				snprintf(weight, sizeof(weight), "%s/%s", w,
					 cw);
			else
				snprintf(weight, sizeof(weight), "%s", w);
			fmt_health(xlb_json_get(b, "health"), hc, sizeof(hc));
			table_row(&t, 1, health ? 5 : 4,
				  xlb_json_str(b, "address"), weight,
				  xlb_json_str(b, "state"),
				  xlb_json_str(b, "mac"), hc[0] ? hc : "-");
		}
	}
	err = table_print(&t, groups, 2, f);
	undone = xlb_json_get(data, "reload_undoes");
	if (!err && xlb_json_len(undone)) {
		fputs("\nchanged at runtime; a reload (SIGHUP) puts the file back:\n",
		      f);
		for (size_t i = 0; i < xlb_json_len(undone); i++)
			fprintf(f, "  %s\n",
				json_object_get_string(
					json_object_array_get_idx(undone, i)));
	}
	return err;
}

/* service/backend add, del, set: what changed, as status shows it */
int xlbctl_print_change(struct json_object *data, FILE *f)
{
	const char *what = xlb_json_str(data, "change");

	if (!what) /* a daemon that answers {} */
		return 0;
	fprintf(f, "%s:\n", what);
	return xlbctl_print_status(data, f);
}

static void stats_row(struct table *t, struct json_object *o, const char *name)
{
	char p[32], b[32], n[32];

	table_row(t, 1, 4, name,
		  jcount(xlb_json_get(o, "packets"), p, sizeof(p)),
		  jcount(xlb_json_get(o, "bytes"), b, sizeof(b)),
		  jcount(xlb_json_get(o, "new_flows"), n, sizeof(n)));
}

int xlbctl_print_stats(struct json_object *data, FILE *f)
{
	static const struct group_fmt groups[] = {
		{ .indent = 0, .align = "lr" },
		{ .indent = 0, .align = "lrrr" },
	};
	struct json_object *global = xlb_json_get(data, "global");
	struct json_object *svcs = xlb_json_get(data, "services");
	struct table t = {};
	char buf[32];

	if (json_object_is_type(global, json_type_object)) {
		table_row(&t, 0, 2, "COUNTER", "VALUE");
		json_object_object_foreach(global, name, v)
			table_row(&t, 0, 2, name, jcount(v, buf, sizeof(buf)));
	}
	if (xlb_json_len(svcs)) {
		if (t.n)
			table_row(&t, 1, 0);
		table_row(&t, 1, 4, "SERVICE", "PACKETS", "BYTES", "NEW_FLOWS");
	}
	for (size_t i = 0; i < xlb_json_len(svcs); i++) {
		struct json_object *s = json_object_array_get_idx(svcs, i);
		struct json_object *bes = xlb_json_get(s, "backends");

		stats_row(&t, s, xlb_json_str(s, "name"));
		for (size_t j = 0; j < xlb_json_len(bes); j++) {
			struct json_object *b =
				json_object_array_get_idx(bes, j);
			char name[XLB_ADDR_STRLEN + 2];

			/* Indented under its service, in the same columns. */
			snprintf(name, sizeof(name), "  %s",
				 xlb_json_str(b, "address") ?: "?");
			stats_row(&t, b, name);
		}
	}
	return table_print(&t, groups, 2, f);
}

int xlbctl_print_config(struct json_object *data, FILE *f)
{
	const char *yaml = xlb_json_str(data, "yaml") ?: "";
	size_t len = strlen(yaml);

	fputs(yaml, f);
	if (len && yaml[len - 1] != '\n')
		fputc('\n', f);
	return 0;
}

int xlbctl_print_flows(struct json_object *data, FILE *f)
{
	static const struct group_fmt groups[] = { { 0, "lllllrrl" },
						   { 0, "l" } };
	struct json_object *flows = xlb_json_get(data, "flows");
	struct table t = {};

	table_row(&t, 0, 8, "SERVICE", "CLIENT", "VIP", "PROTO", "BACKEND",
		  "AGE_S", "IDLE_S", "STATE");
	for (size_t i = 0; i < xlb_json_len(flows); i++) {
		struct json_object *o = json_object_array_get_idx(flows, i);
		char cl[XLB_ADDR_STRLEN + 10], vip[XLB_ADDR_STRLEN + 10];
		char age[24], idle[24];
		bool v6 = strchr(xlb_json_str(o, "client") ?: "", ':');

		snprintf(cl, sizeof(cl), v6 ? "[%s]:%s" : "%s:%s",
			 xlb_json_str(o, "client") ?: "?",
			 xlb_json_str(o, "client_port") ?: "?");
		snprintf(vip, sizeof(vip), v6 ? "[%s]:%s" : "%s:%s",
			 xlb_json_str(o, "vip") ?: "?",
			 xlb_json_str(o, "port") ?: "?");
		snprintf(age, sizeof(age), "%.1f",
			 json_object_get_double(xlb_json_get(o, "age_s")));
		snprintf(idle, sizeof(idle), "%.1f",
			 json_object_get_double(xlb_json_get(o, "idle_s")));
		table_row(&t, 0, 8, xlb_json_str(o, "service"), cl, vip,
			  xlb_json_str(o, "protocol"),
			  xlb_json_str(o, "backend"), age, idle,
			  xlb_json_str(o, "state"));
	}
	{
		char line[96];

		snprintf(line, sizeof(line), "%s of %s flows shown",
			 xlb_json_str(data, "shown") ?: "?",
			 xlb_json_str(data, "total") ?: "?");
		table_row(&t, 1, 1, line);
	}
	return table_print(&t, groups, 2, f);
}

int xlbctl_print_explain(struct json_object *data, FILE *f)
{
	struct json_object *flow = xlb_json_get(data, "flow"),
			   *c = xlb_json_get(data, "candidates");
	const char *be = xlb_json_str(data, "backend");

	fprintf(f, "service:   %s (%s)\n",
		xlb_json_str(data, "service") ?: "none",
		xlb_json_str(data, "scheduler") ?: "-");
	if (flow)
		fprintf(f,
			"flow:      backend %s, age %.1fs, idle %.1fs%s%s%s\n",
			xlb_json_str(flow, "backend") ?: "?",
			json_object_get_double(xlb_json_get(flow, "age_s")),
			json_object_get_double(xlb_json_get(flow, "idle_s")),
			json_object_get_boolean(xlb_json_get(flow, "closed"))
				? ", closed"
				: "",
			json_object_get_boolean(xlb_json_get(flow, "followed"))
				? ""
				: "; not followed: ",
			xlb_json_str(flow, "not_followed_because") ?: "");
	else if (xlb_json_str(data, "service"))
		fprintf(f, "flow:      not in the flow table\n");
	fprintf(f, "decision:  %s\n", xlb_json_str(data, "why") ?: "?");
	for (size_t i = 0; i < xlb_json_len(c); i++) {
		struct json_object *o = json_object_array_get_idx(c, i);

		if (xlb_json_get(o, "share"))
			fprintf(f, "candidate: %s  share %.1f%%\n",
				xlb_json_str(o, "backend") ?: "?",
				100 * json_object_get_double(
					      xlb_json_get(o, "share")));
		else
			fprintf(f,
				"candidate: %s  active flows %s, weight %s\n",
				xlb_json_str(o, "backend") ?: "?",
				xlb_json_str(o, "active_flows") ?: "?",
				xlb_json_str(o, "weight") ?: "?");
	}
	if (be)
		fprintf(f, "backend:   %s\n", be);
	else if (!xlb_json_len(c))
		fprintf(f, "backend:   none\n");
	return ferror(f) ? -EIO : 0;
}
