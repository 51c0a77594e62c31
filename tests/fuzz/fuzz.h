/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared by the libFuzzer targets (tests/fuzz/fuzz_*.c): the entry point
 * and the one way a target reports a broken property. A property that does
 * not hold aborts, which libFuzzer records as a crash like any sanitizer
 * report, with the input saved (see tests/fuzz/run.sh).
 */
#ifndef XLB_FUZZ_H
#define XLB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define fuzz_assert(cond, ...)                                            \
	do {                                                              \
		if (!(cond)) {                                            \
			fprintf(stderr,                                   \
				"%s:%d: property broken: %s: ", __FILE__, \
				__LINE__, #cond);                         \
			fprintf(stderr, __VA_ARGS__);                     \
			fputc('\n', stderr);                              \
			abort();                                          \
		}                                                         \
	} while (0)

#endif /* XLB_FUZZ_H */
