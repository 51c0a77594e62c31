/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Minimal test framework shared by the unit and BPF packet tests.
 *
 * TEST(name) { ... } registers a test at load time, so a test file needs no
 * list anywhere else. ASSERT_* print the failing expression with both values
 * and return a bool, so a test reads `if (!ASSERT_EQ(a, b, "what")) goto out;`.
 * The runner prints PASS/FAIL/SKIP per test and ends with the line
 * `N passed, N failed` that CI reads. `test_x FILTER` runs tests whose name
 * contains FILTER.
 */
#ifndef XLB_TEST_H
#define XLB_TEST_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct xlb_test {
	const char *name;
	void (*fn)(void);
	struct xlb_test *next;
};

void xlb_test_register(struct xlb_test *t);
void xlb_test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void xlb_test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Hex dump of expected vs actual, marking differing bytes. */
void xlb_test_hexdiff(const void *exp, size_t exp_len, const void *act,
		      size_t act_len);

#define TEST(name)                                                       \
	static void test_##name(void);                                   \
	__attribute__((constructor)) static void register_##name(void)   \
	{                                                                \
		static struct xlb_test t = { #name, test_##name, NULL }; \
		xlb_test_register(&t);                                   \
	}                                                                \
	static void test_##name(void)

#define ASSERT_TRUE(cond, what)                                              \
	({                                                                   \
		bool ok_ = !!(cond);                                         \
		if (!ok_)                                                    \
			xlb_test_fail(__FILE__, __LINE__, "%s: %s is false", \
				      what, #cond);                          \
		ok_;                                                         \
	})

#define ASSERT_EQ(actual, expected, what)                                   \
	({                                                                  \
		long long a_ = (long long)(actual);                         \
		long long e_ = (long long)(expected);                       \
		bool ok_ = a_ == e_;                                        \
		if (!ok_)                                                   \
			xlb_test_fail(__FILE__, __LINE__,                   \
				      "%s: %s = %lld, expected %lld", what, \
				      #actual, a_, e_);                     \
		ok_;                                                        \
	})

#define ASSERT_NE(actual, unexpected, what)                                    \
	({                                                                     \
		long long a_ = (long long)(actual);                            \
		long long e_ = (long long)(unexpected);                        \
		bool ok_ = a_ != e_;                                           \
		if (!ok_)                                                      \
			xlb_test_fail(__FILE__, __LINE__,                      \
				      "%s: %s = %lld, expected anything else", \
				      what, #actual, a_);                      \
		ok_;                                                           \
	})

/* lo <= actual <= hi */
#define ASSERT_RANGE(actual, lo, hi, what)                                 \
	({                                                                 \
		double a_ = (double)(actual);                              \
		bool ok_ = a_ >= (double)(lo) && a_ <= (double)(hi);       \
		if (!ok_)                                                  \
			xlb_test_fail(__FILE__, __LINE__,                  \
				      "%s: %s = %g, expected in [%g, %g]", \
				      what, #actual, a_, (double)(lo),     \
				      (double)(hi));                       \
		ok_;                                                       \
	})

#define ASSERT_OK(err, what) ASSERT_EQ((err), 0, what)

#define ASSERT_STREQ(actual, expected, what)                              \
	({                                                                \
		const char *a_ = (actual), *e_ = (expected);              \
		bool ok_ = a_ && e_ && strcmp(a_, e_) == 0;               \
		if (!ok_)                                                 \
			xlb_test_fail(__FILE__, __LINE__,                 \
				      "%s: %s = \"%s\", expected \"%s\"", \
				      what, #actual, a_ ? a_ : "(null)",  \
				      e_ ? e_ : "(null)");                \
		ok_;                                                      \
	})

/* Substring match, for error messages. */
#define ASSERT_CONTAINS(haystack, needle, what)                             \
	({                                                                  \
		const char *h_ = (haystack), *n_ = (needle);                \
		bool ok_ = h_ && n_ && strstr(h_, n_);                      \
		if (!ok_)                                                   \
			xlb_test_fail(__FILE__, __LINE__,                   \
				      "%s: \"%s\" does not contain \"%s\"", \
				      what, h_ ? h_ : "(null)", n_);        \
		ok_;                                                        \
	})

#define ASSERT_MEMEQ(actual, act_len, expected, exp_len, what)               \
	({                                                                   \
		bool ok_ = (act_len) == (exp_len) &&                         \
			   memcmp((actual), (expected), (exp_len)) == 0;     \
		if (!ok_) {                                                  \
			xlb_test_fail(                                       \
				__FILE__, __LINE__,                          \
				"%s: bytes differ (%zu vs %zu expected)",    \
				what, (size_t)(act_len), (size_t)(exp_len)); \
			xlb_test_hexdiff((expected), (exp_len), (actual),    \
					 (act_len));                         \
		}                                                            \
		ok_;                                                         \
	})

/*
 * Split a command line on blanks into argv (at most XLB_TEST_MAX_ARGV
 * words; test lines have no quoted arguments). buf holds the words.
 */
#define XLB_TEST_MAX_ARGV 16
int xlb_test_split(const char *line, char *buf, size_t len, char **argv);

#endif /* XLB_TEST_H */
