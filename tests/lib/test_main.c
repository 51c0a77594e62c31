// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Test runner: runs every TEST() linked in, prints `N passed, N failed`. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

static struct xlb_test *tests, **tail = &tests;
static int cur_failed, cur_skipped;

void xlb_test_register(struct xlb_test *t)
{
	/* Constructors run in link order; keep it, it is file order. */
	*tail = t;
	tail = &t->next;
}

void xlb_test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "    %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cur_failed++;
}

void xlb_test_skip(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "    skip: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cur_skipped = 1;
}

void xlb_test_hexdiff(const void *exp, size_t exp_len, const void *act,
		      size_t act_len)
{
	const unsigned char *e = exp, *a = act;
	size_t n = exp_len > act_len ? exp_len : act_len;

	fprintf(stderr,
		"    off   expected                                         actual\n");
	for (size_t off = 0; off < n; off += 16) {
		char le[64] = "", la[64] = "";
		int diff = 0;

		for (size_t i = off; i < off + 16 && i < n; i++) {
			bool he = i < exp_len, ha = i < act_len;
			bool d = !he || !ha || e[i] != a[i];

			diff |= d;
			snprintf(le + strlen(le), sizeof(le) - strlen(le),
				 he ? "%02x%c" : "  %c", he ? e[i] : ' ',
				 d ? '*' : ' ');
			snprintf(la + strlen(la), sizeof(la) - strlen(la),
				 ha ? "%02x%c" : "  %c", ha ? a[i] : ' ',
				 d ? '*' : ' ');
		}
		fprintf(stderr, "  %c %04zx  %-48s %s\n", diff ? '>' : ' ', off,
			le, la);
	}
}

int main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	int passed = 0, failed = 0, skipped = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (struct xlb_test *t = tests; t; t = t->next) {
		if (filter && !strstr(t->name, filter))
			continue;
		cur_failed = cur_skipped = 0;
		t->fn();
		if (cur_failed) {
			printf("FAIL %s\n", t->name);
			failed++;
		} else if (cur_skipped) {
			printf("SKIP %s\n", t->name);
			skipped++;
		} else {
			printf("PASS %s\n", t->name);
			passed++;
		}
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}

int xlb_test_split(const char *line, char *buf, size_t len, char **argv)
{
	int argc = 0;

	snprintf(buf, len, "%s", line);
	for (char *tok = strtok(buf, " "); tok && argc < XLB_TEST_MAX_ARGV;
	     tok = strtok(NULL, " "))
		argv[argc++] = tok;
	return argc;
}
