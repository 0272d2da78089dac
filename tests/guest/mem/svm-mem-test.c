// SPDX-License-Identifier: GPL-2.0-only
/*
 * Guest test of libsvmcxl-mem on a real pool. Checks what the library says against
 * sources it does not use: the pool's sysfs "used" counter, /proc/self/numa_maps, the
 * node's meminfo, and the data itself (a RAM shadow compared byte for byte).
 *
 *   svm-mem-test basic REGION POOL_ID   allocation, placement, data, migration, errors
 *   svm-mem-test threads REGION         threads allocating and migrating at once
 *   svm-mem-test unprivileged REGION POOL_ID   (as a user without /dev/svm_cxl access)
 *                                       lookup works, allocation fails EACCES
 *   svm-mem-test pagemap PID ADDR BYTES START SIZE
 *                                       where another process's pages are, from its
 *                                       /proc/PID/pagemap (root): prints "pool N ram M
 *                                       absent K", pool = frames in [START, START+SIZE)
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include <svmcxl/mem.h>

#include "../lib/tap-check.h"

#define PAGE	4096UL
#define MIB	(1UL << 20)
#define POOLS	"/sys/devices/virtual/misc/svm_cxl/pools"
#define LIMIT	"/sys/module/svm_cxl/parameters/user_page_limit"

static int failures;

#define CHECK(cond, ...) TAP_CHECK(failures, cond, __VA_ARGS__)
#define DIE(...) TAP_DIE(__VA_ARGS__)

static long read_long(const char *path)
{
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f || fscanf(f, "%ld", &v) != 1)
		DIE("cannot read %s", path);
	fclose(f);
	return v;
}

static void write_long(const char *path, long v)
{
	FILE *f = fopen(path, "w");

	if (!f || fprintf(f, "%ld\n", v) < 0 || fclose(f))
		DIE("cannot write %s", path);
}

static long pool_used(int pool)
{
	char p[128];

	snprintf(p, sizeof(p), POOLS "/pool%d/used", pool);
	return read_long(p);
}

/* KiB of node @node in use, from its meminfo (MemUsed) */
static long node_used_kib(int node)
{
	char p[128], line[256];
	long v = -1;
	FILE *f;

	snprintf(p, sizeof(p), "/sys/devices/system/node/node%d/meminfo", node);
	f = fopen(p, "r");
	if (!f)
		DIE("cannot read %s", p);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Node %*d MemUsed: %ld kB", &v) == 1)
			break;
	fclose(f);
	return v;
}

/*
 * The N<node>=<pages> counts of the mapping at @addr in /proc/self/numa_maps, summed
 * over every node other than @except. numa_maps is walked by the core mm (it does not
 * count device pages), so a page of system RAM in the mapping shows here, whatever the
 * library or the module say.
 */
static long numa_maps_pages(void *addr, int except, char *line, size_t len)
{
	char key[32];
	long n = 0;
	FILE *f = fopen("/proc/self/numa_maps", "r");

	if (!f)
		DIE("numa_maps");
	snprintf(key, sizeof(key), "%lx ", (unsigned long)addr);
	line[0] = '\0';
	while (fgets(line, (int)len, f)) {
		char *t;

		if (strncmp(line, key, strlen(key)))
			continue;
		line[strcspn(line, "\n")] = '\0';
		for (t = strstr(line, " N"); t; t = strstr(t + 1, " N")) {
			int node;
			long pages;

			if (sscanf(t, " N%d=%ld", &node, &pages) == 2 && node != except)
				n += pages;
		}
		fclose(f);
		return n;
	}
	fclose(f);
	line[0] = '\0';
	return -1;
}

static void fill(unsigned char *p, size_t len, unsigned int seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = (unsigned char)((i * 131 + seed * 7 + (i >> 12)) ^ (i >> 9));
}

/* every page of [p, p+len) is on @pool (pool >= 1) or in RAM (SVM_MEM_SYSTEM) */
static int all_where(void *p, size_t len, int pool, int node, char *why, size_t wlen)
{
	size_t n = len / PAGE, i;
	struct svm_mem_loc *l = calloc(n, sizeof(*l));
	struct svm_mem_where_sum s;
	int rc = svm_mem_where(p, len, l, &s), ok = 1;

	if (!l)
		DIE("calloc");
	if (rc) {
		snprintf(why, wlen, "where: %s", svm_mem_strerror(rc));
		free(l);
		return 0;
	}
	for (i = 0; i < n && ok; i++)
		if (l[i].pool != pool || (node >= 0 && l[i].node != node)) {
			snprintf(why, wlen, "page %zu: pool %d node %d", i, l[i].pool, l[i].node);
			ok = 0;
		}
	if (ok && (s.pages != n || (pool > 0 ? s.pool : s.system) != n)) {
		snprintf(why, wlen, "totals: pages %llu pool %llu system %llu absent %llu",
			 (unsigned long long)s.pages, (unsigned long long)s.pool,
			 (unsigned long long)s.system, (unsigned long long)s.absent);
		ok = 0;
	}
	free(l);
	return ok;
}

static int basic(const char *region, int want_pool)
{
	size_t len = 2 * MIB, pages = len / PAGE;
	char why[160], line[512];
	unsigned char *buf, *shadow;
	struct svm_mem_result r;
	long used0, ram0, ram1, left, n, aod0, in0;
	char stat_aod[128], stat_in[128];
	int pool, node;

	pool = svm_mem_pool_lookup(region);
	CHECK(pool == want_pool, "svm_mem_pool_lookup(%s) = %d (sysfs says pool%d)", region,
	      pool, want_pool);
	if (pool < 1)
		return 1;
	node = svm_mem_pool_node(pool);
	{
		char p[128];

		snprintf(p, sizeof(p), POOLS "/pool%d/node", pool);
		CHECK(node == read_long(p), "svm_mem_pool_node = %d", node);
	}
	used0 = pool_used(pool);

	/* allocate on device: the pages exist on the pool, RAM does not grow */
	snprintf(stat_aod, sizeof(stat_aod), POOLS "/pool%d/stats/allocated_on_device", pool);
	snprintf(stat_in, sizeof(stat_in), POOLS "/pool%d/stats/migrated_in", pool);
	aod0 = read_long(stat_aod);
	in0 = read_long(stat_in);
	ram0 = node_used_kib(0);
	buf = svm_mem_alloc(pool, len);
	ram1 = node_used_kib(0);
	if (!buf)
		DIE("svm_mem_alloc(pool%d, 2 MiB): %s", pool, svm_mem_strerror(errno));
	CHECK(all_where(buf, len, pool, node, why, sizeof(why)),
	      "after alloc every page is on pool%d, node %d (svm_mem_where) %s", pool, node,
	      why);
	CHECK(pool_used(pool) - used0 == (long)pages, "pool%d used grew by %zu pages (sysfs: %ld)",
	      pool, pages, pool_used(pool) - used0);
	/* the module's own count: zeroed device pages given with no system page ever */
	CHECK(read_long(stat_aod) - aod0 == (long)pages && read_long(stat_in) == in0,
	      "stats: allocated_on_device +%ld (%zu), migrated_in +%ld (0)",
	      read_long(stat_aod) - aod0, pages, read_long(stat_in) - in0);
	n = numa_maps_pages(buf, node, line, sizeof(line));
	CHECK(n == 0, "numa_maps: no page of the mapping on a RAM node (%ld): %s", n, line);
	/* node 0 is all the guest's RAM; a 2 MiB allocation in RAM would show as >= 2048 */
	CHECK(ram1 - ram0 < 1024, "node0 MemUsed grew by %ld KiB (< 1024) across the alloc",
	      ram1 - ram0);

	/* the zero-filled pages read as zero, then hold a pattern byte for byte */
	/* MAP_NORESERVE: the shadow's VMA never merges with the buffer's, whose
	 * numa_maps line is read below */
	shadow = mmap(NULL, len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (shadow == MAP_FAILED)
		DIE("mmap");
	CHECK(!memcmp(buf, shadow, len), "fresh pool pages read as zeroes");
	fill(shadow, len, 1);
	memcpy(buf, shadow, len);
	CHECK(!memcmp(buf, shadow, len), "pattern written to the pool reads back byte for byte");
	CHECK(all_where(buf, len, pool, node, why, sizeof(why)),
	      "writing did not move the pages off the pool %s", why);

	/* to system RAM and back */
	left = svm_mem_migrate(buf, len, SVM_MEM_SYSTEM, &r);
	CHECK(left == 0 && r.moved == pages && r.pages == pages,
	      "migrate to system: %ld left, moved %llu of %llu", left,
	      (unsigned long long)r.moved, (unsigned long long)r.pages);
	CHECK(all_where(buf, len, SVM_MEM_SYSTEM, -1, why, sizeof(why)),
	      "svm_mem_where agrees: every page in system RAM %s", why);
	n = numa_maps_pages(buf, -1, line, sizeof(line));
	CHECK(n == (long)pages, "numa_maps counts %ld RAM pages (%zu): %s", n, pages, line);
	CHECK(pool_used(pool) == used0, "pool%d used back to %ld", pool, used0);
	CHECK(!memcmp(buf, shadow, len), "data intact in system RAM");
	left = svm_mem_migrate(buf, len, SVM_MEM_SYSTEM, &r);
	CHECK(left == 0 && r.already == pages, "again to system: all %llu already there",
	      (unsigned long long)r.already);
	left = svm_mem_migrate(buf, len, pool, &r);
	CHECK(left == 0 && r.moved == pages && !r.zero_filled,
	      "back to pool%d: moved %llu, zero_filled %llu", pool,
	      (unsigned long long)r.moved, (unsigned long long)r.zero_filled);
	CHECK(!memcmp(buf, shadow, len), "data intact on the pool again");
	CHECK(all_where(buf, len, pool, node, why, sizeof(why)), "where: on pool%d again %s",
	      pool, why);

	/* errors change nothing */
	CHECK(svm_mem_migrate(buf + 1, PAGE, pool, NULL) == -EINVAL, "migrate unaligned: EINVAL");
	CHECK(svm_mem_migrate(buf, len, pool + 1000, NULL) == -ENOENT, "migrate to pool%d: ENOENT",
	      pool + 1000);
	CHECK(svm_mem_where(buf + 100, PAGE, NULL, NULL) == -EINVAL, "where unaligned: EINVAL");
	errno = 0;
	CHECK(!svm_mem_alloc(pool + 1000, len) && errno == ENOENT, "alloc on pool%d: ENOENT (%s)",
	      pool + 1000, strerror(errno));
	errno = 0;
	CHECK(!svm_mem_alloc(0, len) && errno == EINVAL, "alloc on pool 0: EINVAL");
	errno = 0;
	CHECK(!svm_mem_alloc(pool, 0) && errno == EINVAL, "alloc of 0 bytes: EINVAL");
	{
		/* a hole in the range: EFAULT, and the mapped part did not move */
		unsigned char *h = mmap(NULL, 3 * PAGE, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (h == MAP_FAILED)
			DIE("mmap");
		memset(h, 5, 3 * PAGE);
		munmap(h + PAGE, PAGE);
		CHECK(svm_mem_migrate(h, 3 * PAGE, pool, NULL) == -EFAULT,
		      "migrate over a hole: EFAULT");
		CHECK(all_where(h, PAGE, SVM_MEM_SYSTEM, -1, why, sizeof(why)),
		      "the page before the hole stayed in RAM %s", why);
		struct svm_mem_where_sum s;
		CHECK(!svm_mem_where(h, 3 * PAGE, NULL, &s) && s.absent == 1 && s.system == 2,
		      "where over the hole: 1 absent, 2 system");
		munmap(h, 3 * PAGE);
	}
	CHECK(pool_used(pool) - used0 == (long)pages, "refusals left pool%d used unchanged", pool);

	/* the per-user budget: an allocation that does not fit keeps nothing */
	write_long(LIMIT, (long)pages + 256);
	errno = 0;
	{
		void *p = svm_mem_alloc(pool, 512 * PAGE);

		CHECK(!p && errno == ENOSPC, "alloc past user_page_limit: ENOSPC (%s)",
		      strerror(errno));
		CHECK(pool_used(pool) - used0 == (long)pages, "the refused alloc kept no page");
		p = svm_mem_alloc(pool, 5000);
		CHECK(p != NULL, "alloc of 5000 bytes within the limit");
		if (p) {
			CHECK(pool_used(pool) - used0 == (long)pages + 2,
			      "5000 bytes took 2 pages");
			CHECK(svm_mem_free(p, 5000) == 0, "svm_mem_free");
		}
	}
	write_long(LIMIT, 0);

	CHECK(svm_mem_free(buf, len) == 0, "svm_mem_free of the 2 MiB");
	CHECK(pool_used(pool) == used0, "pool%d used back to %ld after free", pool, used0);
	munmap(shadow, len);
	printf("%d failure(s)\n", failures);
	return failures ? 1 : 0;
}

/* threads: each allocates, fills, moves to RAM and back, checks, frees, a few rounds */
#define THREADS	4
#define ROUNDS	4

struct worker {
	int pool, node, idx, errors;
	char why[200];
};

static void *work(void *arg)
{
	struct worker *w = arg;
	int round;

	for (round = 0; round < ROUNDS && !w->errors; round++) {
		size_t len = (size_t)(8 + 8 * ((w->idx + round) % 4)) * PAGE;
		unsigned char *shadow = malloc(len), *p;
		struct svm_mem_result r;
		char why[160];
		long left;

		if (!shadow)
			DIE("malloc");
		fill(shadow, len, (unsigned int)(w->idx * 100 + round));
		p = svm_mem_alloc(w->pool, len);
		if (!p) {
			snprintf(w->why, sizeof(w->why), "round %d: alloc: %s", round,
				 svm_mem_strerror(errno));
			w->errors++;
			free(shadow);
			break;
		}
		memcpy(p, shadow, len);
		if (!all_where(p, len, w->pool, w->node, why, sizeof(why)))
			snprintf(w->why, sizeof(w->why), "round %d: not on pool: %s", round, why),
				w->errors++;
		left = svm_mem_migrate(p, len, SVM_MEM_SYSTEM, &r);
		if (left || r.moved != len / PAGE)
			snprintf(w->why, sizeof(w->why), "round %d: to system: %ld left", round,
				 left), w->errors++;
		if (memcmp(p, shadow, len))
			snprintf(w->why, sizeof(w->why), "round %d: data differ in RAM", round),
				w->errors++;
		left = svm_mem_migrate(p, len, w->pool, &r);
		if (left || r.moved != len / PAGE)
			snprintf(w->why, sizeof(w->why), "round %d: to pool: %ld left", round, left),
				w->errors++;
		if (memcmp(p, shadow, len))
			snprintf(w->why, sizeof(w->why), "round %d: data differ on the pool", round),
				w->errors++;
		svm_mem_free(p, len);
		free(shadow);
	}
	return NULL;
}

static int threads(const char *region)
{
	struct worker w[THREADS];
	pthread_t t[THREADS];
	int pool, node, i;
	long used0;

	/* the workers open /dev/svm_cxl themselves, all at once: nothing was called yet
	 * that opens it (lookup and node read only sysfs and /proc) */
	pool = svm_mem_pool_lookup(region);
	if (pool < 1)
		DIE("lookup %s: %s", region, svm_mem_strerror(pool));
	node = svm_mem_pool_node(pool);
	used0 = pool_used(pool);
	for (i = 0; i < THREADS; i++) {
		w[i] = (struct worker){ .pool = pool, .node = node, .idx = i };
		if (pthread_create(&t[i], NULL, work, &w[i]))
			DIE("pthread_create");
	}
	for (i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		CHECK(!w[i].errors, "thread %d: %d rounds of alloc/fill/migrate/check/free %s", i,
		      ROUNDS, w[i].why);
	}
	CHECK(pool_used(pool) == used0, "pool%d used back to %ld after the threads", pool, used0);
	{
		/* every thread opened or reused one descriptor: exactly one is open */
		char p[64], tgt[256];
		int fd, n = 0;
		ssize_t l;

		for (fd = 0; fd < 1024; fd++) {
			snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
			l = readlink(p, tgt, sizeof(tgt) - 1);
			if (l > 0) {
				tgt[l] = '\0';
				n += !strcmp(tgt, "/dev/svm_cxl");
			}
		}
		CHECK(n == 1, "one /dev/svm_cxl descriptor for %d threads (%d)", THREADS, n);
	}
	printf("%d failure(s)\n", failures);
	return failures ? 1 : 0;
}

/* a user who cannot open /dev/svm_cxl (0600) still finds the pool; using it fails */
static int unprivileged(const char *region, int want_pool)
{
	int pool = svm_mem_pool_lookup(region);

	CHECK(getuid() != 0, "running as uid %d", (int)getuid());
	CHECK(pool == want_pool, "as uid %d: svm_mem_pool_lookup(%s) = %d (pool%d)",
	      (int)getuid(), region, pool, want_pool);
	CHECK(svm_mem_pool_node(want_pool) >= 0, "as uid %d: pool node %d", (int)getuid(),
	      svm_mem_pool_node(want_pool));
	errno = 0;
	CHECK(!svm_mem_alloc(want_pool, PAGE) && errno == EACCES, "as uid %d: alloc: EACCES (%s)",
	      (int)getuid(), svm_mem_strerror(errno));
	printf("%d failure(s)\n", failures);
	return failures ? 1 : 0;
}

/* the kernel's page tables of @pid, read through pagemap: independent of the module */
static int pagemap(int pid, unsigned long addr, unsigned long len, unsigned long long start,
		   unsigned long long size)
{
	unsigned long long in = 0, out = 0, absent = 0;
	char p[64];
	FILE *f;

	snprintf(p, sizeof(p), "/proc/%d/pagemap", pid);
	f = fopen(p, "r");
	if (!f || fseek(f, (long)(addr / PAGE * 8), SEEK_SET))
		DIE("%s", p);
	for (unsigned long i = 0; i < len / PAGE; i++) {
		uint64_t e, pfn;

		if (fread(&e, 8, 1, f) != 1)
			DIE("short read of %s", p);
		/* bit 63 present; bits 0-54 the frame (0 without CAP_SYS_ADMIN) */
		if (!(e >> 63)) {
			absent++;
			continue;
		}
		pfn = e & ((1ULL << 55) - 1);
		if (!pfn)
			DIE("%s shows no frame numbers (not root?)", p);
		if (pfn * PAGE >= start && pfn * PAGE < start + size)
			in++;
		else
			out++;
	}
	fclose(f);
	printf("pool %llu ram %llu absent %llu\n", in, out, absent);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 4 && !strcmp(argv[1], "basic"))
		return basic(argv[2], atoi(argv[3]));
	if (argc == 3 && !strcmp(argv[1], "threads"))
		return threads(argv[2]);
	if (argc == 7 && !strcmp(argv[1], "pagemap"))
		return pagemap(atoi(argv[2]), strtoul(argv[3], NULL, 16), strtoul(argv[4], NULL, 0),
			       strtoull(argv[5], NULL, 0), strtoull(argv[6], NULL, 0));
	if (argc == 4 && !strcmp(argv[1], "unprivileged"))
		return unprivileged(argv[2], atoi(argv[3]));
	fprintf(stderr, "usage: %s basic REGION POOL_ID | threads REGION | unprivileged REGION POOL_ID\n",
		argv[0]);
	return 2;
}
