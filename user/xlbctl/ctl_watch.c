// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * xlbctl stats --watch: rates from two "stats" snapshots, their text and
 * JSON rendering, and the refresh loop. See ctl_watch.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "ctl.h"
#include "ctl_arg.h"
#include "ctl_watch.h"

/* Arguments */

bool xlb_watch_is_seconds(const char *s)
{
	return s && ((*s >= '0' && *s <= '9') || *s == '.' || *s == '-' ||
		     *s == '+');
}

int xlb_watch_parse_interval(const char *s, double *sec, char *err,
			     size_t errlen)
{
	const char *p = s;
	int digits = 0, dots = 0;
	double v;

	/* Plain decimal only: strtod() would also take "inf", "0x1p3", "1e3". */
	if (*p == '-' || *p == '+')
		p++;
	for (; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p == '.')
			dots++;
		else
			break;
	}
	if (*p || !digits || dots > 1)
		return xlbctl_arg_err(
			err, errlen, s,
			"not a number of seconds (for example 1 or 0.5)");
	v = strtod(s, NULL);
	if (!(v > 0))
		return xlbctl_arg_err(
			err, errlen, s,
			"the interval must be more than 0 seconds");
	if (v < XLB_WATCH_MIN_S || v > XLB_WATCH_MAX_S)
		return xlbctl_arg_err(err, errlen, s,
				      "the interval must be %g..%g seconds",
				      XLB_WATCH_MIN_S, XLB_WATCH_MAX_S);
	*sec = v;
	return 0;
}

int xlb_watch_parse_count(const char *s, unsigned *n, char *err, size_t errlen)
{
	__u32 v;
	int ret = xlb_parse_u32(s, 1, XLB_WATCH_MAX_COUNT, &v);

	if (ret == -ERANGE)
		return xlbctl_arg_err(err, errlen, s, "count must be 1..%u",
				      XLB_WATCH_MAX_COUNT);
	if (ret)
		return xlbctl_arg_err(err, errlen, s,
				      "count is not a number (1..%u)",
				      XLB_WATCH_MAX_COUNT);
	*n = v;
	return 0;
}

static void free_opts(struct json_object *o, void *opts)
{
	free(opts);
}

int xlb_watch_attach(struct json_object *req, const char *seconds,
		     const char *count, char *err, size_t errlen)
{
	struct xlb_watch_opts o = { .interval = XLB_WATCH_DEFAULT_S }, *p;
	int ret;

	if (seconds) {
		ret = xlb_watch_parse_interval(seconds, &o.interval, err,
					       errlen);
		if (ret)
			return ret;
	}
	if (count) {
		ret = xlb_watch_parse_count(count, &o.count, err, errlen);
		if (ret)
			return ret;
	}
	p = malloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	*p = o;
	/* Not serialized: the request the daemon gets stays the same. */
	json_object_set_userdata(req, p, free_opts);
	return 0;
}

const struct xlb_watch_opts *xlb_watch_opts_of(struct json_object *req)
{
	/* Only objects we marked: userdata is ours on a request object. */
	if (!json_object_is_type(req, json_type_object))
		return NULL;
	return json_object_get_userdata(req);
}

/* Rates */

static bool jcounter(struct json_object *o, const char *key, uint64_t *v)
{
	struct json_object *x = xlb_json_get(o, key);

	if (!json_object_is_type(x, json_type_int))
		return false;
	*v = json_object_get_uint64(x);
	return true;
}

/* The element of arr whose string member key is val. */
static struct json_object *find_by(struct json_object *arr, const char *key,
				   const char *val)
{
	for (size_t i = 0; val && i < xlb_json_len(arr); i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);
		const char *s = xlb_json_str(e, key);

		if (s && !strcmp(s, val))
			return e;
	}
	return NULL;
}

/* A double that prints as fmt (json-c would print 17 digits). */
static struct json_object *jdouble(double v, const char *fmt)
{
	char buf[64];

	snprintf(buf, sizeof(buf), fmt, v);
	return json_object_new_double_s(v, buf);
}

/* A rate rounded to 0.1, so the text and JSON outputs agree. */
static struct json_object *jrate(double v)
{
	v = round(v * 10) / 10;
	if (!(v > 0))
		v = 0; /* no -0.0, no NaN */
	return jdouble(v, "%.1f");
}

/* Per second; 0 for a counter absent before or that went backwards. */
static double rate(bool have_prev, uint64_t prev, uint64_t cur, double elapsed)
{
	if (!have_prev || cur < prev)
		return 0;
	return (double)(cur - prev) / elapsed;
}

static const char *const entry_fields[] = { "packets", "bytes", "new_flows" };

/*
 * packets, bytes, bits, new_flows per second of a service or backend: all
 * 0 if it is new (prev NULL) or any counter went backwards (its id was
 * reused or its counters were reset: the difference means nothing).
 */
static int add_entry_rates(struct json_object *dst, struct json_object *prev,
			   struct json_object *cur, double elapsed)
{
	uint64_t p[3] = {}, c[3] = {};
	bool valid = prev;
	double r[3];

	for (int i = 0; i < 3; i++) {
		jcounter(cur, entry_fields[i], &c[i]);
		if (prev &&
		    (!jcounter(prev, entry_fields[i], &p[i]) || c[i] < p[i]))
			valid = false;
	}
	for (int i = 0; i < 3; i++)
		r[i] = rate(valid, p[i], c[i], elapsed);
	if (xlb_ctl_add(dst, "packets", jrate(r[0])) ||
	    xlb_ctl_add(dst, "bytes", jrate(r[1])) ||
	    xlb_ctl_add(dst, "bits", jrate(r[1] * 8)) ||
	    xlb_ctl_add(dst, "new_flows", jrate(r[2])))
		return -ENOMEM;
	return 0;
}

static int add_global(struct json_object *dst, struct json_object *prev,
		      struct json_object *cur, double elapsed)
{
	struct json_object *g = json_object_new_object();

	if (xlb_ctl_add(dst, "global", g))
		return -ENOMEM;
	if (!json_object_is_type(cur, json_type_object))
		return 0;
	json_object_object_foreach(cur, name, v)
	{
		uint64_t p = 0, c = 0;
		bool have = jcounter(prev, name, &p);

		(void)v;
		jcounter(cur, name, &c);
		if (xlb_ctl_add(g, name, jrate(rate(have, p, c, elapsed))))
			return -ENOMEM;
	}
	return 0;
}

/*
 * One service or backend of the rates: { KEY: ID, packets, bytes, bits,
 * new_flows } appended to array @arr; the object, or NULL (no memory).
 */
static struct json_object *add_rates_item(struct json_object *arr,
					  const char *key, const char *id,
					  struct json_object *prev,
					  struct json_object *cur,
					  double elapsed)
{
	struct json_object *o = json_object_new_object();

	if (!o || json_object_array_add(arr, o)) {
		json_object_put(o);
		return NULL;
	}
	if (xlb_ctl_add(o, key, json_object_new_string(id ?: "?")) ||
	    add_entry_rates(o, prev, cur, elapsed))
		return NULL;
	return o;
}

static int add_services(struct json_object *dst, struct json_object *prev,
			struct json_object *cur, double elapsed)
{
	struct json_object *svcs = json_object_new_array();

	if (xlb_ctl_add(dst, "services", svcs))
		return -ENOMEM;
	for (size_t i = 0; i < xlb_json_len(cur); i++) {
		struct json_object *s = json_object_array_get_idx(cur, i);
		const char *name = xlb_json_str(s, "name");
		struct json_object *ps = find_by(prev, "name", name);
		struct json_object *bes = xlb_json_get(s, "backends");
		struct json_object *o, *ob;

		o = add_rates_item(svcs, "name", name, ps, s, elapsed);
		if (!o)
			return -ENOMEM;
		ob = json_object_new_array();
		if (xlb_ctl_add(o, "backends", ob))
			return -ENOMEM;
		for (size_t j = 0; j < xlb_json_len(bes); j++) {
			struct json_object *b =
				json_object_array_get_idx(bes, j);
			const char *addr = xlb_json_str(b, "address");
			struct json_object *pb;

			pb = ps ? find_by(xlb_json_get(ps, "backends"),
					  "address", addr)
				: NULL;
			if (!add_rates_item(ob, "address", addr, pb, b,
					    elapsed))
				return -ENOMEM;
		}
	}
	return 0;
}

struct json_object *xlb_watch_rates(struct json_object *prev,
				    struct json_object *cur, double elapsed,
				    const char *time, double interval)
{
	struct json_object *r;

	if (!(elapsed > 0) || !isfinite(elapsed))
		return NULL;
	r = json_object_new_object();
	if (!r)
		return NULL;
	if ((time && xlb_ctl_add(r, "time", json_object_new_string(time))) ||
	    xlb_ctl_add(r, "interval", jdouble(interval, "%g")) ||
	    xlb_ctl_add(r, "elapsed", jdouble(elapsed, "%.3f")) ||
	    add_global(r, xlb_json_get(prev, "global"),
		       xlb_json_get(cur, "global"), elapsed) ||
	    add_services(r, xlb_json_get(prev, "services"),
			 xlb_json_get(cur, "services"), elapsed)) {
		json_object_put(r);
		return NULL;
	}
	return r;
}

/* Rendering */

void xlb_watch_fmt_rate(double v, char *buf, size_t len)
{
	static const char units[] = "kMGTPE";
	int u = -1;

	if (!(v >= 0.05)) {
		snprintf(buf, len, "0");
		return;
	}
	while (v >= 999.95 && u < (int)sizeof(units) - 2) {
		v /= 1000;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.1f%c", v, units[u]);
}

static double jnum(struct json_object *o, const char *key)
{
	return json_object_get_double(xlb_json_get(o, key));
}

#define TCOLS 5

struct trow {
	char cell[TCOLS][64];
};

/*
 * Columns two blanks apart, aligned by align ('l' or 'r' per column),
 * without trailing blanks.
 */
static void print_rows(const struct trow *rows, size_t n, const char *align,
		       FILE *f)
{
	int ncols = strlen(align);
	size_t w[TCOLS] = {};
	char line[TCOLS * 70];
	size_t o;

	/* Rates take up to 6 ("999.9k"): frames keep their layout. */
	for (int c = 0; c < ncols; c++)
		w[c] = align[c] == 'r' ? 6 : 0;
	for (size_t i = 0; i < n; i++)
		for (int c = 0; c < ncols; c++)
			if (strlen(rows[i].cell[c]) > w[c])
				w[c] = strlen(rows[i].cell[c]);
	for (size_t i = 0; i < n; i++) {
		o = 0;
		for (int c = 0; c < ncols; c++)
			o += snprintf(line + o, sizeof(line) - o,
				      align[c] == 'l' ? "%s%-*s" : "%s%*s",
				      c ? "  " : "", (int)w[c],
				      rows[i].cell[c]);
		while (o && line[o - 1] == ' ')
			o--;
		fprintf(f, "%.*s\n", (int)o, line);
	}
}

static void entry_row(struct trow *r, const char *name, struct json_object *o)
{
	snprintf(r->cell[0], sizeof(r->cell[0]), "%s", name);
	xlb_watch_fmt_rate(jnum(o, "packets"), r->cell[1], sizeof(r->cell[1]));
	xlb_watch_fmt_rate(jnum(o, "bytes"), r->cell[2], sizeof(r->cell[2]));
	xlb_watch_fmt_rate(jnum(o, "bits"), r->cell[3], sizeof(r->cell[3]));
	xlb_watch_fmt_rate(jnum(o, "new_flows"), r->cell[4],
			   sizeof(r->cell[4]));
}

int xlb_watch_render_text(struct json_object *rates, FILE *f)
{
	struct json_object *global = xlb_json_get(rates, "global");
	struct json_object *svcs = xlb_json_get(rates, "services");
	size_t n, cap, nglobal = 0, nsvc = 0;
	struct trow *rows;

	if (json_object_is_type(global, json_type_object))
		nglobal = json_object_object_length(global);
	for (size_t i = 0; i < xlb_json_len(svcs); i++)
		nsvc += 1 + xlb_json_len(xlb_json_get(
				    json_object_array_get_idx(svcs, i),
				    "backends"));
	cap = 1 + (nglobal > nsvc ? nglobal : nsvc);
	rows = calloc(cap, sizeof(*rows));
	if (!rows)
		return -ENOMEM;
	fprintf(f, "xlb stats  %s  every %gs\n",
		xlb_json_str(rates, "time") ?: "-", jnum(rates, "interval"));
	if (nglobal) {
		/* Two columns, down then across: passes left, drops right. */
		size_t half = (nglobal + 1) / 2, k = 0;

		for (int c = 0; c < (nglobal > 1 ? 4 : 2); c += 2) {
			snprintf(rows[0].cell[c], sizeof(rows[0].cell[c]),
				 "COUNTER");
			snprintf(rows[0].cell[c + 1],
				 sizeof(rows[0].cell[c + 1]), "/s");
		}
		json_object_object_foreach(global, name, v)
		{
			struct trow *r = &rows[1 + k % half];
			int c = k++ < half ? 0 : 2;

			snprintf(r->cell[c], sizeof(r->cell[c]), "%s", name);
			xlb_watch_fmt_rate(json_object_get_double(v),
					   r->cell[c + 1],
					   sizeof(r->cell[c + 1]));
		}
		fputc('\n', f);
		print_rows(rows, 1 + half, nglobal > 1 ? "lrlr" : "lr", f);
	}
	fputc('\n', f);
	if (!nsvc) {
		fputs("no services\n", f);
		goto out;
	}
	memset(rows, 0, cap * sizeof(*rows));
	n = 1;
	snprintf(rows[0].cell[0], sizeof(rows[0].cell[0]), "SERVICE");
	snprintf(rows[0].cell[1], sizeof(rows[0].cell[1]), "PKT/s");
	snprintf(rows[0].cell[2], sizeof(rows[0].cell[2]), "BYTES/s");
	snprintf(rows[0].cell[3], sizeof(rows[0].cell[3]), "BIT/s");
	snprintf(rows[0].cell[4], sizeof(rows[0].cell[4]), "NEW_FLOWS/s");
	for (size_t i = 0; i < xlb_json_len(svcs); i++) {
		struct json_object *s = json_object_array_get_idx(svcs, i);
		struct json_object *bes = xlb_json_get(s, "backends");

		entry_row(&rows[n++], xlb_json_str(s, "name") ?: "?", s);
		for (size_t j = 0; j < xlb_json_len(bes); j++) {
			struct json_object *b =
				json_object_array_get_idx(bes, j);
			char name[64];

			/* Indented under its service, in the same columns. */
			snprintf(name, sizeof(name), "  %s",
				 xlb_json_str(b, "address") ?: "?");
			entry_row(&rows[n++], name, b);
		}
	}
	print_rows(rows, n, "lrrrr", f);
out:
	free(rows);
	return ferror(f) ? -EIO : 0;
}

int xlb_watch_render_json(struct json_object *rates, FILE *f)
{
	const char *s = json_object_to_json_string_ext(
		rates, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

	if (!s)
		return -ENOMEM;
	fprintf(f, "%s\n", s);
	return ferror(f) ? -EIO : 0;
}

/* The loop */

/*
 * Signal state. SIGINT and SIGTERM are blocked except while sleeping
 * (ppoll() takes them atomically, so none is lost between a check and
 * the sleep) and during a call to the daemon, where the handler restores
 * the terminal and exits at once rather than wait out a hung daemon.
 */
static volatile sig_atomic_t stop_sig, in_call, echo_applied;
static bool term_active, term_echo_off;
static int term_fd = STDOUT_FILENO; /* the terminal we draw on */
static struct termios term_saved;

/* Async-signal-safe, like everything the handlers call below. */
static bool foreground(void)
{
	return tcgetpgrp(STDIN_FILENO) == getpgrp();
}

static void term_restore(void)
{
	static const char show[] = "\033[?25h";
	ssize_t n;

	if (!term_active)
		return;
	n = write(term_fd, show, sizeof(show) - 1);
	(void)n;
	if (echo_applied) {
		/* Also drops the keys typed unseen. */
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &term_saved);
		echo_applied = 0;
	}
}

/*
 * Hide the cursor; no echo of keys typed over the display. Only from the
 * foreground: a background job changing the terminal would be stopped.
 */
static void term_enter(void)
{
	static const char hide[] = "\033[?25l";
	struct termios t;
	ssize_t n;

	if (!term_active)
		return;
	n = write(term_fd, hide, sizeof(hide) - 1);
	(void)n;
	if (term_echo_off && !echo_applied && foreground()) {
		t = term_saved;
		t.c_lflag &= ~(ECHO | ECHONL);
		if (!tcsetattr(STDIN_FILENO, TCSANOW, &t))
			echo_applied = 1;
	}
}

static void on_stop(int sig)
{
	stop_sig = sig;
	if (in_call) {
		term_restore();
		_exit(0);
	}
}

/* Ctrl-Z: give the shell its terminal back, take it again on fg. */
static void on_tstp(int sig)
{
	int e = errno;

	term_restore();
	signal(SIGTSTP, SIG_DFL);
	raise(SIGTSTP); /* delivered (stops us) when this returns */
	errno = e;
}

static void on_cont(int sig)
{
	int e = errno;

	signal(SIGTSTP, on_tstp);
	term_enter();
	errno = e;
}

struct sigs {
	sigset_t orig;
	struct sigaction old_int, old_term, old_tstp, old_cont;
	bool tstp;
};

static void sigs_setup(struct sigs *s, bool tty)
{
	struct sigaction sa = { .sa_handler = on_stop };
	sigset_t block;

	stop_sig = in_call = 0;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &s->orig);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, NULL, &s->old_int);
	/* A SIGINT ignored by our parent (a background job) stays ignored. */
	if (s->old_int.sa_handler != SIG_IGN)
		sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, &s->old_term);
	s->tstp = tty;
	if (tty) {
		sa.sa_handler = on_tstp;
		sigaction(SIGTSTP, &sa, &s->old_tstp);
		sa.sa_handler = on_cont;
		sigaction(SIGCONT, &sa, &s->old_cont);
	}
}

static void sigs_restore(struct sigs *s)
{
	sigaction(SIGINT, &s->old_int, NULL);
	sigaction(SIGTERM, &s->old_term, NULL);
	if (s->tstp) {
		sigaction(SIGTSTP, &s->old_tstp, NULL);
		sigaction(SIGCONT, &s->old_cont, NULL);
	}
	sigprocmask(SIG_SETMASK, &s->orig, NULL);
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* RFC 3339 local time with its offset: 2025-06-01T14:03:07+02:00 */
static void now_str(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;
	long off;

	if (!localtime_r(&t, &tm)) {
		snprintf(buf, len, "-");
		return;
	}
	strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(buf + strlen(buf), len - strlen(buf), "%c%02ld:%02ld",
		 off < 0 ? '-' : '+', labs(off) / 60, labs(off) % 60);
}

/*
 * Sleep until the monotonic time until, taking SIGINT/SIGTERM. Returns
 * false if one arrived.
 */
static bool sleep_until(double until, const sigset_t *orig)
{
	struct timespec ts;
	sigset_t mask = *orig;
	double left;

	sigdelset(&mask, SIGINT);
	sigdelset(&mask, SIGTERM);
	while (!stop_sig) {
		left = until - mono_now();
		if (left <= 0)
			return true;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
		ppoll(NULL, 0, &ts, &mask);
	}
	return false;
}

/* One "stats" call: *resp (caller puts it), *data borrowed from it. */
static int snapshot(const char *sock, struct json_object *req,
		    const sigset_t *orig, struct json_object **resp,
		    struct json_object **data, double *at, char *err,
		    size_t errlen)
{
	sigset_t mask = *orig;
	const char *msg;
	int ret;

	sigdelset(&mask, SIGINT);
	sigdelset(&mask, SIGTERM);
	in_call = 1;
	sigprocmask(SIG_SETMASK, &mask, NULL);
	ret = xlb_ctl_call(sock, req, resp, XLB_CTL_TIMEOUT_MS, err, errlen);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigprocmask(SIG_SETMASK, &mask, NULL);
	in_call = 0;
	*at = mono_now();
	if (ret)
		return ret;
	if (!xlb_ctl_resp_ok(*resp, data, &msg)) {
		snprintf(err, errlen, "%s", msg ?: "request refused");
		json_object_put(*resp);
		*resp = NULL;
		return -EREMOTEIO;
	}
	return 0;
}

/*
 * A frame for the terminal: home, clear, then at most rows - 1 lines of
 * at most cols characters, so the screen never scrolls.
 */
static int draw(const char *text, FILE *out)
{
	struct winsize ws = {};
	unsigned rows = 0, cols = 0, line = 0;
	const char *p = text, *nl;

	if (!ioctl(fileno(out), TIOCGWINSZ, &ws)) {
		rows = ws.ws_row;
		cols = ws.ws_col;
	}
	fputs("\033[H\033[J", out);
	for (; *p; p = nl + 1, line++) {
		size_t n;

		nl = strchrnul(p, '\n');
		if (rows && line + 1 >= rows)
			break;
		n = nl - p;
		if (cols && n > cols)
			n = cols;
		fprintf(out, "%.*s\n", (int)n, p);
		if (!*nl)
			break;
	}
	return fflush(out) || ferror(out) ? -EIO : 0;
}

int xlb_watch_run(const char *sock, struct json_object *req, bool json,
		  FILE *out, char *err, size_t errlen)
{
	const struct xlb_watch_opts *o = xlb_watch_opts_of(req);
	struct json_object *prev = NULL, *cur = NULL, *pdata, *cdata, *r;
	bool tty = !json && isatty(fileno(out));
	double t_prev, t_cur, next;
	char when[64], *buf = NULL;
	size_t len = 0;
	struct sigs sigs;
	unsigned n = 0;
	FILE *mem;
	int ret;

	if (!o) {
		snprintf(err, errlen, "not a watch request");
		return -EINVAL;
	}
	sigs_setup(&sigs, tty);
	fflush(out);
	term_fd = fileno(out);
	term_active = tty;
	term_echo_off = tty && isatty(STDIN_FILENO) &&
			!tcgetattr(STDIN_FILENO, &term_saved);
	term_enter();
	ret = snapshot(sock, req, &sigs.orig, &prev, &pdata, &t_prev, err,
		       errlen);
	if (ret)
		goto out;
	if (tty) {
		now_str(when, sizeof(when));
		fprintf(out,
			"\033[H\033[Jxlb stats  %s  every %gs\n\nmeasuring...\n",
			when, o->interval);
		fflush(out);
	}
	next = t_prev + o->interval;
	while (!o->count || n < o->count) {
		if (!sleep_until(next, &sigs.orig))
			break;
		ret = snapshot(sock, req, &sigs.orig, &cur, &cdata, &t_cur, err,
			       errlen);
		if (ret) {
			char why[512];

			/* Name the daemon's disappearance as such. */
			if (ret != -EREMOTEIO) {
				snprintf(why, sizeof(why), "%s", err);
				snprintf(err, errlen, "xlbd went away: %s",
					 why);
			}
			goto out;
		}
		now_str(when, sizeof(when));
		r = xlb_watch_rates(pdata, cdata, t_cur - t_prev, when,
				    o->interval);
		if (!r) {
			ret = -ENOMEM;
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		if (json) {
			ret = xlb_watch_render_json(r, out);
		} else if (tty) {
			mem = open_memstream(&buf, &len);
			ret = mem ? xlb_watch_render_text(r, mem) : -ENOMEM;
			if (mem && fclose(mem))
				ret = -ENOMEM;
			if (!ret)
				ret = draw(buf, out);
			free(buf);
			buf = NULL;
		} else {
			if (n)
				fputc('\n', out);
			ret = xlb_watch_render_text(r, out);
		}
		json_object_put(r);
		if (!ret && (fflush(out) || ferror(out)))
			ret = -EIO;
		if (ret) {
			snprintf(err, errlen, "writing the output: %s",
				 strerror(-ret));
			goto out;
		}
		n++;
		json_object_put(prev);
		prev = cur;
		pdata = cdata;
		cur = NULL;
		t_prev = t_cur;
		/* On schedule; after a slow call, a full interval from now. */
		next += o->interval;
		if (next < t_cur)
			next = t_cur + o->interval;
	}
	ret = 0;
out:
	term_restore();
	term_active = term_echo_off = false;
	echo_applied = 0;
	sigs_restore(&sigs);
	json_object_put(prev);
	json_object_put(cur);
	return ret;
}
