// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm-k32 POOL: the ioctls from a 32-bit (i386) process. Built -m32 -static, so it runs
 * in the guest with no i386 libraries; the module serves it through compat_ptr_ioctl,
 * with no translation of the structs (tests/host/uapi_layout.c proves their layout is
 * the same for both callers). Checks, with the kernel writing every result field:
 *  - VERSION: the header's ABI, reserved words zero, size kept;
 *  - MIGRATE to POOL of 17 pages (an odd size) with a pattern: moved 17, every other
 *    counter 0; QUERY: all 17 in POOL (per-page locs through a 32-bit pointer);
 *    the data byte for byte; a CPU write while the pages are in the pool;
 *  - MIGRATE back to system RAM: moved 17; QUERY: all in system RAM; data again;
 *  - a QUERY whose locs pointer is above 4 GiB (beyond any 32-bit address): EFAULT.
 */
#include <sys/ioctl.h>
#include <unistd.h>

#include "ktest.h"

_Static_assert(sizeof(void *) == 4, "svm-k32 must be built with -m32");

#define NPAGES 17

static int check_only(const struct svm_cxl_migrate *m, uint64_t moved)
{
	return m->moved == moved && !m->zero_filled && !m->already && !m->absent && !m->busy &&
	       !m->no_memory && !m->other_pool && !m->unsupported && !m->huge &&
	       !m->reserved[0] && !m->reserved[1] && !m->reserved[2] &&
	       m->size == sizeof(*m);
}

static void where(char *buf, uint32_t want_where, uint32_t want_id, const char *what)
{
	struct svm_cxl_page_loc locs[NPAGES];
	struct svm_cxl_query q;
	int rc, bad = 0;

	memset(locs, 0xff, sizeof(locs));
	rc = kt_query(buf, NPAGES * KT_PAGE, locs, &q);
	KT_CHECK(!rc, "QUERY %s: %s", what, rc ? strerror(rc) : "0");
	for (int i = 0; i < NPAGES; i++)
		bad += locs[i].where != want_where || locs[i].id != want_id;
	KT_CHECK(!bad, "QUERY %s: every page's loc is where %u id %u (%d wrong)", what, want_where,
		 want_id, bad);
	KT_CHECK(want_where == SVM_CXL_WHERE_POOL ?
			 q.n_pool == NPAGES && !q.n_system && !q.n_none :
			 q.n_system == NPAGES && !q.n_pool && !q.n_none,
		 "QUERY %s: n_pool %llu n_system %llu n_none %llu", what,
		 (unsigned long long)q.n_pool, (unsigned long long)q.n_system,
		 (unsigned long long)q.n_none);
}

int main(int argc, char **argv)
{
	struct svm_cxl_version v = { .size = sizeof(v) };
	struct svm_cxl_migrate m;
	struct svm_cxl_query q = { .size = sizeof(q) };
	size_t len = NPAGES * KT_PAGE, bad;
	uint32_t pool;
	char *buf;
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: svm-k32 POOL\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	pool = strtoul(argv[1], NULL, 0);
	kt_open();

	rc = ioctl(kt_fd, SVM_CXL_IOC_VERSION, &v) ? errno : 0;
	KT_CHECK(!rc && v.abi_major == SVM_CXL_ABI_MAJOR && v.abi_minor == SVM_CXL_ABI_MINOR &&
			 !v.reserved[0] && !v.reserved[1] && v.size == sizeof(v),
		 "VERSION from i386: rc %d, ABI %u.%u (header %u.%u)", rc, v.abi_major,
		 v.abi_minor, SVM_CXL_ABI_MAJOR, SVM_CXL_ABI_MINOR);

	buf = kt_map(len);
	kt_fill(buf, len, 32);
	rc = kt_migrate(buf, len, SVM_CXL_TO_POOL, pool, &m);
	kt_print_mig("to the pool", &m);
	KT_CHECK(!rc && check_only(&m, NPAGES), "MIGRATE %d pages to pool %u from i386: moved %llu",
		 NPAGES, pool, (unsigned long long)m.moved);
	where(buf, SVM_CXL_WHERE_POOL, pool, "after TO_POOL");
	bad = kt_verify(buf, len, 32);
	KT_CHECK(bad == (size_t)-1, "data intact in the pool (first bad byte at %zd, -1: none)", (ssize_t)bad);
	kt_fill(buf, len, 33);
	bad = kt_verify(buf, len, 33);
	KT_CHECK(bad == (size_t)-1, "a CPU write in the pool reads back (first bad byte at %zd, -1: none)",
		 (ssize_t)bad);

	rc = kt_migrate(buf, len, SVM_CXL_TO_SYSTEM, 0, &m);
	kt_print_mig("back to system RAM", &m);
	KT_CHECK(!rc && check_only(&m, NPAGES), "MIGRATE %d pages to system RAM from i386: moved %llu",
		 NPAGES, (unsigned long long)m.moved);
	where(buf, SVM_CXL_WHERE_SYSTEM, 0, "after TO_SYSTEM");
	bad = kt_verify(buf, len, 33);
	KT_CHECK(bad == (size_t)-1, "data intact in system RAM (first bad byte at %zd, -1: none)", (ssize_t)bad);

	/* a 64-bit field can hold what no i386 pointer can: the kernel must refuse it */
	q.addr = (uintptr_t)buf;
	q.length = KT_PAGE;
	q.locs = 1ULL << 32;
	rc = ioctl(kt_fd, SVM_CXL_IOC_QUERY, &q) ? errno : 0;
	KT_CHECK(rc == EFAULT, "QUERY with locs above 4 GiB from i386: %s (want EFAULT)",
		 rc ? strerror(rc) : "0");

	printf("# %d failure(s)\n", kt_failures);
	return kt_failures ? 1 : 0;
}
