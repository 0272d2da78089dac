// SPDX-License-Identifier: GPL-2.0-only
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ktest.h"

/* The uapi layout these tests were written against (same for 32- and 64-bit callers). */
_Static_assert(sizeof(struct svm_cxl_pool_add) == 48, "svm_cxl_pool_add layout");
_Static_assert(sizeof(struct svm_cxl_pool_remove) == 48, "svm_cxl_pool_remove layout");
_Static_assert(sizeof(struct svm_cxl_migrate) == 128, "svm_cxl_migrate layout");
_Static_assert(sizeof(struct svm_cxl_page_loc) == 8, "svm_cxl_page_loc layout");
_Static_assert(sizeof(struct svm_cxl_query) == 72, "svm_cxl_query layout");

int kt_failures;
int kt_fd = -1;

int kt_open(void)
{
	kt_fd = open("/dev/" SVM_CXL_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (kt_fd < 0)
		KT_DIE("open /dev/%s: %s", SVM_CXL_DEVICE_NAME, strerror(errno));
	return kt_fd;
}

double kt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int kt_pool_add(uint64_t start, uint64_t length, uint32_t *id, uint32_t *node)
{
	struct svm_cxl_pool_add a = { .size = sizeof(a), .start = start, .length = length };

	if (ioctl(kt_fd, SVM_CXL_IOC_POOL_ADD, &a))
		return errno;
	if (id)
		*id = a.pool_id;
	if (node)
		*node = a.node;
	return 0;
}

int kt_pool_remove(uint32_t id, uint32_t timeout_ms, uint64_t *evicted, uint64_t *busy)
{
	struct svm_cxl_pool_remove r = { .size = sizeof(r), .pool_id = id,
					 .timeout_ms = timeout_ms };
	int rc = ioctl(kt_fd, SVM_CXL_IOC_POOL_REMOVE, &r) ? errno : 0;

	if (evicted)
		*evicted = r.evicted;
	if (busy)
		*busy = r.busy;
	return rc;
}

int kt_migrate(void *addr, size_t length, uint32_t direction, uint32_t pool,
	       struct svm_cxl_migrate *out)
{
	struct svm_cxl_migrate m = { .size = sizeof(m), .addr = (uintptr_t)addr,
				     .length = length, .direction = direction,
				     .pool_id = pool };
	int rc = ioctl(kt_fd, SVM_CXL_IOC_MIGRATE, &m) ? errno : 0;

	if (out)
		*out = m;
	return rc;
}

int kt_query(void *addr, size_t length, struct svm_cxl_page_loc *locs,
	     struct svm_cxl_query *out)
{
	struct svm_cxl_query q = { .size = sizeof(q), .addr = (uintptr_t)addr,
				   .length = length, .locs = (uintptr_t)locs };
	int rc = ioctl(kt_fd, SVM_CXL_IOC_QUERY, &q) ? errno : 0;

	if (out)
		*out = q;
	return rc;
}

uint64_t kt_mig_total(const struct svm_cxl_migrate *m)
{
	return m->moved + m->already + m->absent + m->busy + m->no_memory + m->other_pool +
	       m->unsupported;
}

void kt_print_mig(const char *what, const struct svm_cxl_migrate *m)
{
	printf("# %s: moved %llu (zero-filled %llu) already %llu absent %llu busy %llu no_memory %llu other_pool %llu unsupported %llu\n",
	       what, (unsigned long long)m->moved, (unsigned long long)m->zero_filled,
	       (unsigned long long)m->already, (unsigned long long)m->absent,
	       (unsigned long long)m->busy, (unsigned long long)m->no_memory,
	       (unsigned long long)m->other_pool, (unsigned long long)m->unsupported);
}

static void kt_migrate_all(void *addr, size_t length, uint32_t dir, uint32_t pool,
			   const char *what)
{
	struct svm_cxl_migrate m;
	int rc, tries = 0;

	/*
	 * A page can be busy for a moment (another CPU's LRU batch still holds a reference
	 * to a page just faulted in): the uapi says a retry may move it, and these callers
	 * only need every page there, so the busy ones get a few more calls (the pages
	 * moved before count as already).
	 */
	do {
		rc = kt_migrate(addr, length, dir, pool, &m);
	} while (!rc && m.busy && m.moved + m.already + m.busy == length / KT_PAGE &&
		 ++tries < 5);
	if (rc)
		KT_DIE("%s: migrate failed: %s", what, strerror(rc));
	if (m.moved + m.already != length / KT_PAGE || kt_mig_total(&m) != length / KT_PAGE) {
		kt_print_mig(what, &m);
		KT_DIE("%s: not every page moved", what);
	}
}

void kt_to_pool(void *addr, size_t length, uint32_t pool, const char *what)
{
	kt_migrate_all(addr, length, SVM_CXL_TO_POOL, pool, what);
}

void kt_to_system(void *addr, size_t length, const char *what)
{
	kt_migrate_all(addr, length, SVM_CXL_TO_SYSTEM, 0, what);
}

size_t kt_count_in(void *addr, size_t length, uint32_t pool)
{
	size_t n = length / KT_PAGE, i, count = 0;
	struct svm_cxl_page_loc *locs = calloc(n, sizeof(*locs));
	int rc;

	if (!locs)
		KT_DIE("calloc");
	rc = kt_query(addr, length, locs, NULL);
	if (rc)
		KT_DIE("query: %s", strerror(rc));
	for (i = 0; i < n; i++) {
		if (pool ? (locs[i].where == SVM_CXL_WHERE_POOL && locs[i].id == pool)
			 : (locs[i].where == SVM_CXL_WHERE_SYSTEM ||
			    locs[i].where == SVM_CXL_WHERE_ZERO))
			count++;
	}
	free(locs);
	return count;
}

static inline uint64_t kt_word(uint64_t seed, uint64_t off)
{
	uint64_t x = seed * 0x9e3779b97f4a7c15ULL + off;

	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ULL;
	return x ^ (x >> 32);
}

void kt_fill(void *addr, size_t length, uint64_t seed)
{
	uint64_t *w = addr;
	size_t i;

	for (i = 0; i < length / 8; i++)
		w[i] = kt_word(seed, i);
}

size_t kt_verify(const void *addr, size_t length, uint64_t seed)
{
	const uint64_t *w = addr;
	size_t i;

	for (i = 0; i < length / 8; i++)
		if (w[i] != kt_word(seed, i))
			return i * 8;
	return (size_t)-1;
}

long long kt_pool_attr(uint32_t pool, const char *name)
{
	char path[256], buf[64];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/class/misc/svm_cxl/pools/pool%u/%s", pool, name);
	f = fopen(path, "r");
	if (!f)
		KT_DIE("open %s: %s", path, strerror(errno));
	if (!fgets(buf, sizeof(buf), f))
		KT_DIE("read %s", path);
	fclose(f);
	return strtoll(buf, NULL, 0);
}

void *kt_map(size_t length)
{
	void *p = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		KT_DIE("mmap %zu: %s", length, strerror(errno));
	/* Base pages: a THP would populate a whole 2 MiB at the first touch. */
	madvise(p, length, MADV_NOHUGEPAGE);
	return p;
}

int kt_main(int argc, char **argv, const char *prog, uint32_t *pool,
	    const struct kt_test *tests, size_t n)
{
	size_t j;
	int i;

	if (argc < 3) {
		fprintf(stderr, "usage: %s POOL_ID TEST...\n", prog);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	*pool = strtoul(argv[1], NULL, 0);
	kt_open();
	for (i = 2; i < argc; i++) {
		for (j = 0; j < n; j++)
			if (!strcmp(argv[i], tests[j].name))
				break;
		if (j == n)
			KT_DIE("unknown test '%s'", argv[i]);
		printf("# test %s\n", argv[i]);
		tests[j].fn();
	}
	printf("# %d failure(s)\n", kt_failures);
	return kt_failures ? 1 : 0;
}
