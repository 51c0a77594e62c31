// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Command-line options from one table (opts.h). getopt_long() does the
 * reading; this file builds its tables, stores and checks values, names
 * what was wrong and prints the options part of --help.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"

static void build(struct xlb_opts *o)
{
	char *s = o->shorts;
	unsigned int n = 0;

	if (o->stop_at_word)
		*s++ = '+';
	*s++ = ':'; /* a missing value is told apart from an unknown option */
	for (unsigned int i = 0; i < o->n && i < XLB_OPTS_MAX; i++) {
		const struct xlb_opt *p = &o->v[i];

		if (p->letter) {
			*s++ = (char)p->key;
			if (p->arg)
				*s++ = ':';
		}
		if (p->name)
			o->lo[n++] = (struct option){ p->name,
						      p->arg ? required_argument
							     : no_argument,
						      NULL, p->key };
	}
	*s = '\0';
	o->lo[n] = (struct option){ 0 };
}

static const struct xlb_opt *find(const struct xlb_opts *o, int key)
{
	for (unsigned int i = 0; i < o->n; i++)
		if (o->v[i].key == key)
			return &o->v[i];
	return NULL;
}

static bool bad(struct xlb_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static bool bad(struct xlb_opts *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->why, sizeof(o->why), fmt, ap);
	va_end(ap);
	return false;
}

bool xlb_opts_num(const char *s, unsigned long long min, unsigned long long max,
		  unsigned long long *v, char *why, size_t len)
{
	char *end;

	errno = 0;
	if (*s >= '0' && *s <= '9')
		*v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || errno || *end)
		snprintf(why, len, "'%s' is not a whole number", s);
	else if (*v < min || *v > max)
		snprintf(why, len, "%s is out of range %llu..%llu", s, min,
			 max);
	else
		return true;
	return false;
}

static bool store_num(struct xlb_opts *o, const struct xlb_opt *p,
		      const char *s)
{
	unsigned long long v;

	if (!xlb_opts_num(s, p->min, p->max, &v, o->why, sizeof(o->why)))
		return false;
	*p->num = v;
	return true;
}

static bool store_real(struct xlb_opts *o, const struct xlb_opt *p,
		       const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !isfinite(v))
		return bad(o, "'%s' is not a number", s);
	if (v < p->fmin || v > p->fmax)
		return bad(o, "%s is out of range %g..%g", s, p->fmin, p->fmax);
	*p->real = v;
	return true;
}

/* true: stored (or nowhere to store); false: o->why says why not */
static bool store(struct xlb_opts *o, const struct xlb_opt *p)
{
	if (p->str)
		*p->str = optarg;
	else if (p->flag)
		*p->flag = true;
	else if (p->num)
		return store_num(o, p, optarg);
	else if (p->real)
		return store_real(o, p, optarg);
	return true;
}

/* After getopt_long() returned '?' or ':': the option as given, and why. */
static void wrong(struct xlb_opts *o, int c, char **argv)
{
	const char *word = argv[optind - 1];

	o->bad = word;
	/* in "-jx" the culprit is a letter, not the whole word */
	if (strncmp(word, "--", 2) && optopt) {
		snprintf(o->bad_name, sizeof(o->bad_name), "-%c", optopt);
		o->bad = o->bad_name;
	}
	if (c == ':')
		snprintf(o->why, sizeof(o->why), "missing value");
	else if (!strncmp(word, "--", 2) && optopt)
		snprintf(o->why, sizeof(o->why), "takes no value");
	else
		snprintf(o->why, sizeof(o->why), "unknown option");
}

int xlb_opts_next(struct xlb_opts *o, int argc, char **argv)
{
	const struct xlb_opt *p;
	int c;

	if (!o->shorts[0])
		build(o);
	opterr = 0; /* the caller reports, in its own form */
	for (;;) {
		c = getopt_long(argc, argv, o->shorts, o->lo, NULL);
		if (c == -1)
			return -1;
		if (c == '?' || c == ':') {
			wrong(o, c, argv);
			break;
		}
		p = find(o, c);
		o->given |= 1u << (p - o->v);
		if (c == 'h' && o->usage) {
			xlb_opts_usage(o, stdout);
			exit(0);
		}
		if (!p->str && !p->flag && !p->num && !p->real)
			return c;
		if (!store(o, p)) {
			if (p->name)
				snprintf(o->bad_name, sizeof(o->bad_name),
					 "--%s", p->name);
			else
				snprintf(o->bad_name, sizeof(o->bad_name),
					 "-%c", p->key);
			o->bad = o->bad_name;
			break;
		}
	}
	if (!o->bad_exit)
		return XLB_OPTS_BAD;
	xlb_opts_report(o);
	exit(o->bad_exit);
}

bool xlb_opts_given(const struct xlb_opts *o, int key)
{
	const struct xlb_opt *p = find(o, key);

	return p && (o->given & (1u << (p - o->v)));
}

void xlb_opts_report(const struct xlb_opts *o)
{
	const struct xlb_opt *h = find(o, 'h');

	fprintf(stderr, "%s: %s: %s (see %s)\n", o->prog, o->bad, o->why,
		h && !h->name ? "-h" : "--help");
}

/*
 * "-c, --config FILE", "    --teardown" or "-o DIR": the left column (no
 * room for a letter where no option has one).
 */
static int left(const struct xlb_opt *p, bool letters, char *buf, size_t len)
{
	char sh[8] = "";

	if (letters && !p->letter)
		snprintf(sh, sizeof(sh), "    ");
	if (p->letter)
		snprintf(sh, sizeof(sh), "-%c%s", p->key, p->name ? ", " : "");
	return snprintf(buf, len, "%s%s%s%s%s", sh, p->name ? "--" : "",
			p->name ? p->name : "", p->arg ? " " : "",
			p->arg ? p->arg : "");
}

void xlb_opts_help(const struct xlb_opts *o, FILE *f)
{
	bool letters = false;
	char buf[96];
	int w = 0;

	for (unsigned int i = 0; i < o->n; i++)
		letters |= o->v[i].letter;
	for (unsigned int i = 0; i < o->n; i++) {
		int n = left(&o->v[i], letters, buf, sizeof(buf));

		if (n > w)
			w = n;
	}
	for (unsigned int i = 0; i < o->n; i++) {
		const char *h = o->v[i].help, *nl;

		left(&o->v[i], letters, buf, sizeof(buf));
		fprintf(f, "  %-*s  ", w, buf);
		/* each further line of the meaning under the first */
		while ((nl = strchr(h, '\n'))) {
			fprintf(f, "%.*s\n%*s", (int)(nl - h), h, w + 4, "");
			h = nl + 1;
		}
		fprintf(f, "%s\n", h);
	}
}

void xlb_opts_usage(const struct xlb_opts *o, FILE *f)
{
	fputs(o->usage ? o->usage : "", f);
	xlb_opts_help(o, f);
	fputs(o->notes ? o->notes : "", f);
}
