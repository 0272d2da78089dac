/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CHECK() for host unit tests: count, print the failing ones, and a closing summary. */
#ifndef SVM_CXL_TEST_CHECK_H
#define SVM_CXL_TEST_CHECK_H

#include <stdio.h>

static int check_passed, check_failed;

#define CHECK(cond, ...)                                            \
	do {                                                        \
		if (cond) {                                         \
			check_passed++;                             \
		} else {                                            \
			check_failed++;                             \
			printf("FAIL %s:%d: ", __FILE__, __LINE__); \
			printf(__VA_ARGS__);                        \
			putchar('\n');                              \
		}                                                   \
	} while (0)

/* Print "N passed, N failed" and return the exit status for main(). */
static inline int check_summary(void)
{
	printf("%d passed, %d failed\n", check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
