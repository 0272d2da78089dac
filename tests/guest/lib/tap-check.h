/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The check lines of the C guest tests (svm-ktest and its siblings, svm-mem-test):
 * "ok - WHAT" or "FAIL: FILE:LINE: WHAT", one a line, flushed at once so that a test
 * the guest kills still shows how far it got.
 */
#ifndef SVM_TAP_CHECK_H
#define SVM_TAP_CHECK_H

#include <stdio.h>
#include <stdlib.h>

/* print the check of @cond; a failed one counts in @failures */
#define TAP_CHECK(failures, cond, ...)                          \
	do {                                                    \
		if (cond) {                                     \
			printf("ok - " __VA_ARGS__);            \
		} else {                                        \
			printf("FAIL: %s:%d: ", __FILE__, __LINE__); \
			printf(__VA_ARGS__);                    \
			(failures)++;                           \
		}                                               \
		putchar('\n');                                  \
		fflush(stdout);                                 \
	} while (0)

/* Abort the test program: a precondition failed and nothing after it means anything. */
#define TAP_DIE(...)                                            \
	do {                                                    \
		printf("FAIL: %s:%d: ", __FILE__, __LINE__);    \
		printf(__VA_ARGS__);                            \
		putchar('\n');                                  \
		exit(1);                                        \
	} while (0)

#endif
