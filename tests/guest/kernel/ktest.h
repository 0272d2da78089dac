/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small framework for the guest tests of svm_cxl.ko: TAP-like "ok"/"FAIL" lines,
 * wrappers of the /dev/svm_cxl ioctls that return 0 or an errno, data patterns checked
 * byte for byte, and timing.
 */
#ifndef SVM_KTEST_H
#define SVM_KTEST_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/svm_cxl.h>

#include "../lib/tap-check.h"

extern int kt_failures;
extern int kt_fd;

#define KT_CHECK(cond, ...) TAP_CHECK(kt_failures, cond, __VA_ARGS__)
#define KT_DIE(...) TAP_DIE(__VA_ARGS__)

#define KT_PAGE 4096UL
#define KT_MIB (1UL << 20)

int kt_open(void);

/* a test program's tests, run by name: PROG POOL_ID TEST... */
struct kt_test {
	const char *name;
	void (*fn)(void);
};

/* main() of a test program: sets *pool, runs the named tests in order, exits 1 on a failure */
int kt_main(int argc, char **argv, const char *prog, uint32_t *pool,
	    const struct kt_test *tests, size_t n);
double kt_now(void);

/* ioctls: 0 or errno */
int kt_pool_add(uint64_t start, uint64_t length, uint32_t *id, uint32_t *node);
int kt_pool_remove(uint32_t id, uint32_t timeout_ms, uint64_t *evicted, uint64_t *busy);
int kt_migrate(void *addr, size_t length, uint32_t direction, uint32_t pool,
	       struct svm_cxl_migrate *out);
int kt_query(void *addr, size_t length, struct svm_cxl_page_loc *locs,
	     struct svm_cxl_query *out);

/* Migrate and require every page to end up moved (or already there). */
void kt_to_pool(void *addr, size_t length, uint32_t pool, const char *what);
void kt_to_system(void *addr, size_t length, const char *what);
/* Count the pages of a range that live in @pool (0: in system RAM or the zero page). */
size_t kt_count_in(void *addr, size_t length, uint32_t pool);
/* sum of all per-page counters of a migrate result */
uint64_t kt_mig_total(const struct svm_cxl_migrate *m);
void kt_print_mig(const char *what, const struct svm_cxl_migrate *m);

/* Pattern: every 8-byte word is f(seed, offset): any misplaced or stale page shows. */
void kt_fill(void *addr, size_t length, uint64_t seed);
/* Returns the offset of the first wrong byte, or (size_t)-1 if all are right. */
size_t kt_verify(const void *addr, size_t length, uint64_t seed);

/* sysfs of a pool: an attribute as a number (stats/NAME for counters) */
long long kt_pool_attr(uint32_t pool, const char *name);

void *kt_map(size_t length);

#endif
