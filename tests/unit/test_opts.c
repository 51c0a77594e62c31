// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Command-line options from one table (user/lib/opts.c). */
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "test.h"
#include "xlb_util.h"

static const char *name_v;
static bool flag_v;
static unsigned long long num_v;
static double real_v;

static const struct xlb_opt table[] = {
	{ "name", 'n', true, "NAME", "a string", .str = &name_v },
	{ "flag", 'f', false, NULL, "a flag", .flag = &flag_v },
	{ "num", 'u', false, "N", "a whole number\nin 2..9", .num = &num_v,
	  .min = 2, .max = 9 },
	{ "real", 'r', false, "S", "a number", .real = &real_v, .fmin = 0.5,
	  .fmax = 2 },
	{ "other", 'o', true, "X", "comes back" },
	{ NULL, 'x', true, NULL, "short only" },
};

/* Parses line (words split on blanks) afresh; the last key returned. */
static int parse(struct xlb_opts *o, const char *line, int *next)
{
	static char buf[256], *argv[16];
	int argc = 0, c, last = -1;

	snprintf(buf, sizeof(buf), "prog %s", line);
	for (char *t = strtok(buf, " "); t && argc < 15; t = strtok(NULL, " "))
		argv[argc++] = t;
	argv[argc] = NULL;
	memset(o, 0, sizeof(*o));
	o->prog = "prog";
	o->v = table;
	o->n = ARRAY_SIZE(table);
	name_v = NULL;
	flag_v = false;
	num_v = 0;
	real_v = 0;
	optind = 0; /* getopt starts over */
	while ((c = xlb_opts_next(o, argc, argv)) != -1) {
		last = c;
		if (c == XLB_OPTS_BAD)
			break;
	}
	*next = optind;
	return last;
}

TEST(opts_table_stores_values_returns_the_rest)
{
	struct xlb_opts o;
	int next;

	ASSERT_EQ(parse(&o, "-n a --flag --num 9 --real=1.5 word", &next), -1,
		  "all stored");
	ASSERT_STREQ(name_v, "a", "str");
	ASSERT_TRUE(flag_v, "flag");
	ASSERT_EQ(num_v, 9, "num");
	ASSERT_TRUE(real_v == 1.5, "real");
	ASSERT_EQ(next, 7, "the first word after the options");
	ASSERT_TRUE(xlb_opts_given(&o, 'u') && !xlb_opts_given(&o, 'o'),
		    "given");
	ASSERT_EQ(parse(&o, "--other v", &next), 'o', "no place: returned");
	ASSERT_EQ(parse(&o, "-x", &next), 'x', "short only");
}

TEST(opts_wrong_option_named_with_why)
{
	static const struct {
		const char *line, *bad, *why;
	} cases[] = {
		{ "--bogus", "--bogus", "unknown option" },
		{ "-q", "-q", "unknown option" },
		{ "-fq", "-f", "unknown option" }, /* -f has no letter */
		{ "--name", "--name", "missing value" },
		{ "-n", "-n", "missing value" },
		{ "--flag=1", "--flag=1", "takes no value" },
		{ "--num 1", "--num", "1 is out of range 2..9" },
		{ "--num 10", "--num", "10 is out of range 2..9" },
		{ "--num=-3", "--num", "'-3' is not a whole number" },
		{ "--num 3x", "--num", "'3x' is not a whole number" },
		{ "--real 3", "--real", "3 is out of range 0.5..2" },
		{ "--real nan", "--real", "'nan' is not a number" },
	};
	struct xlb_opts o;
	int next;

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		if (!ASSERT_EQ(parse(&o, cases[i].line, &next), XLB_OPTS_BAD,
			       cases[i].line))
			continue;
		ASSERT_STREQ(o.bad, cases[i].bad, cases[i].line);
		ASSERT_STREQ(o.why, cases[i].why, cases[i].line);
	}
}

TEST(opts_help_lists_every_option_aligned)
{
	struct xlb_opts o = { "prog", table, ARRAY_SIZE(table) };
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	if (!ASSERT_TRUE(f, "memstream"))
		return;
	xlb_opts_help(&o, f);
	fclose(f);
	ASSERT_STREQ(out,
		     "  -n, --name NAME  a string\n"
		     "      --flag       a flag\n"
		     "      --num N      a whole number\n"
		     "                   in 2..9\n"
		     "      --real S     a number\n"
		     "  -o, --other X    comes back\n"
		     "  -x               short only\n",
		     "help");
	free(out);
}
