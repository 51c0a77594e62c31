/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Command-line options from one table (opts.c): each program lists its
 * options once, as struct xlb_opt, and getopt_long()'s table, the short
 * option string, the checks of number values, the error of a wrong option
 * and the options part of --help all come from that list. Used by xlbd,
 * xlbctl (its global options) and the tools.
 */
#ifndef XLB_OPTS_H
#define XLB_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define XLB_OPTS_MAX 24
/* xlb_opts_next(): a wrong option or value (xlb_opts.bad, .why say which) */
#define XLB_OPTS_BAD '?'

struct xlb_opt {
	const char *name; /* --NAME; NULL: the short option only */
	int key;	  /* what xlb_opts_next() returns for it */
	bool letter;	  /* key is a letter and -KEY is this option too */
	const char *arg;  /* the value's name in --help; NULL: takes none */
	const char *help; /* its meaning; a '\n' goes on with the next line */
	/*
	 * Where the value goes, if the table says: then the option is
	 * handled here and its key not returned. At most one of these.
	 */
	const char **str;	 /* the value as given */
	bool *flag;		 /* true when given */
	unsigned long long *num; /* a whole number in min..max */
	double *real;		 /* a number in fmin..fmax */
	unsigned long long min, max;
	double fmin, fmax;
};

struct xlb_opts {
	const char *prog;	 /* for messages: "xlbd" */
	const struct xlb_opt *v; /* the table */
	unsigned int n;		 /* its length, at most XLB_OPTS_MAX */
	const char *usage;	 /* xlb_opts_usage(): the lines before ... */
	const char *notes;	 /* ... and after the options (or NULL) */
	int bad_exit; /* a wrong option: reported, exit(bad_exit); 0: returned */
	bool stop_at_word; /* stop at the first word that is no option */
	/* after XLB_OPTS_BAD: the option as given ("--foo", "-x") and why */
	const char *bad;
	char why[128];
	/* built from v by the first xlb_opts_next() */
	struct option lo[XLB_OPTS_MAX + 1];
	char shorts[2 + 2 * XLB_OPTS_MAX + 1];
	char bad_name[64];
	unsigned int given; /* bit i: v[i] was given */
};

/*
 * The next option of argv (getopt_long: optind, optarg): its key, -1 at the
 * end of the options (optind: the first other word), or XLB_OPTS_BAD (with
 * bad_exit 0). Options whose entry has a place for the value are stored
 * and skipped; with a usage, the key 'h' is --help: xlb_opts_usage() on
 * stdout, exit 0.
 */
int xlb_opts_next(struct xlb_opts *o, int argc, char **argv);
/* s as a whole number in min..max: true, or false with why set (the form
 * of the tables' numbers, for a number inside a value). */
bool xlb_opts_num(const char *s, unsigned long long min, unsigned long long max,
		  unsigned long long *v, char *why, size_t len);
/* Whether the option of key was given (so far). */
bool xlb_opts_given(const struct xlb_opts *o, int key);
/* "PROG: BAD: WHY (see --help)" on stderr, the tools' and xlbd's form
 * (-h where that is the only way to ask for help). */
void xlb_opts_report(const struct xlb_opts *o);
/* One line per option, "  -c, --config FILE  meaning", aligned. */
void xlb_opts_help(const struct xlb_opts *o, FILE *f);
/* --help: usage, the options (xlb_opts_help()), notes. */
void xlb_opts_usage(const struct xlb_opts *o, FILE *f);

#endif /* XLB_OPTS_H */
