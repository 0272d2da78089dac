// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm-cxl-bench: measures, in the guest, what it costs to place process memory on a
 * memory range, both ways svm-cxl can use it, and what the hardware limit is.
 *
 *   svm-cxl-bench pool --range START:LENGTH --memory NAME [options]
 *       coherent mode: a pool of svm_cxl.ko on the range. Migration to the pool and
 *       back (and the copy phase, from the module's debugfs profile), memcpy between
 *       local RAM and the range (through pool pages mapped in this process), eviction
 *       (pool removal with the buffer on the pool), pool add/remove time per GiB, CPU
 *       access after placement, single-page migration vs an anonymous minor fault,
 *       and, with --ablation, the module's speed-ups switched off one by one.
 *   svm-cxl-bench numa --node N --memory NAME [options]
 *       NUMA mode: the same buffer with move_pages(2) to node N and back, memcpy, CPU
 *       access, memory block online/offline time per GiB and offline throughput with
 *       the buffer on the blocks. The node's blocks are those given by --blocks
 *       (offline ones are onlined movable first) or, with --free-blocks K, the last K
 *       blocks of the node, offlined then onlined movable.
 *
 *   svm-cxl-bench hmm --device /dev/hmm_dmirror2 --memory NAME [options]
 *       the yardstick: lib/test_hmm.c in coherent mode (bench/yardstick.sh), migration
 *       to its device and back, paired with the same memcpy.
 *   svm-cxl-bench ab --range START:LENGTH --memory NAME [--device DEV] [--node N] [--thp]
 *       the ratios of the targets: each repetition measures, one after the other, ours
 *       (a pool on the range), the yardstick (--device) and move_pages(2) to --node,
 *       each migration followed at once by the memcpy of the same bytes in the same
 *       direction; with --thp also ours and the yardstick on a 2 MiB aligned THP
 *       buffer (device_thp=1 where the module has it). See ab_mode().
 *
 * Options: --sizes MiB,MiB,...  --runs N  --out FILE (JSON: every raw sample)
 * Every sample is a time in seconds; the host side computes medians and ratios.
 * Exit status: 0, 1 on a failure (a wrong result is a failure, not a number).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/svm_cxl.h>

#define PAGE 4096UL
#define MIB (1UL << 20)
#define MAX_SIZES 16
#define PROFILE "/sys/kernel/debug/svm_cxl/profile"
#define TUNE "/sys/module/svm_cxl/parameters/tune"
#define BATCH "/sys/module/svm_cxl/parameters/batch_pages"
#define TUNE_DEFAULT 5	/* bulk allocation, aligned batches (kernel/svm_cxl_internal.h) */
#define MEMSYS "/sys/devices/system/memory"

static struct {
	const char *mode, *memory, *out;
	uint64_t start, length;
	int node;
	size_t sizes[MAX_SIZES];
	int nsizes, runs;
	bool ablation;
	char blocks[512];
	int free_blocks;
	const char *device;
	bool thp;
} opt = { .runs = 5, .node = -1 };

static int fd = -1;
static bool first_record = true;

static FILE *json;

/* A failure ends the program; the samples so far stay valid JSON. */
static void die(const char *fmt, ...)
{
	va_list ap;

	if (json) {
		fprintf(json, "\n]\n");
		fclose(json);
		json = NULL;
	}
	va_start(ap, fmt);
	fprintf(stderr, "svm-cxl-bench: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
	double s[64];

	if (n <= 0)
		return 0;
	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/*
 * One JSON record: {"memory", "mode", "metric", "size", "samples": [...], extra}.
 * Also one human line on stdout with the median.
 */
static void record(const char *metric, size_t size, const double *samples, int n,
		   const char *extra_fmt, ...)
{
	static char extra[16384];
	int i;

	extra[0] = 0;
	if (extra_fmt) {
		va_list ap;

		va_start(ap, extra_fmt);
		vsnprintf(extra, sizeof(extra), extra_fmt, ap);
		va_end(ap);
	}
	if (json) {
		fprintf(json, "%s\n  {\"memory\": \"%s\", \"mode\": \"%s\", \"metric\": \"%s\", \"size\": %zu, \"samples\": [",
			first_record ? "" : ",", opt.memory, opt.mode, metric, size);
		for (i = 0; i < n; i++)
			fprintf(json, "%s%.9f", i ? ", " : "", samples[i]);
		fprintf(json, "]%s%s}", *extra ? ", " : "", extra);
		fflush(json);
		first_record = false;
	}
	printf("%-5s %-5s %-22s %7.2f MiB  median %.6f s", opt.memory, opt.mode, metric,
	       (double)size / MIB, median(samples, n));
	if (size && n)
		printf("  %8.1f MiB/s", size / MIB / median(samples, n));
	printf("\n");
	fflush(stdout);
}

/* Buffers: anonymous, 4 KiB pages (THP off, as in the yardstick), filled. */
static char *map_buf(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap %zu: %s", len, strerror(errno));
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

/* A THP-backed buffer: 2 MiB aligned, MADV_HUGEPAGE, filled (faulted in as THPs). */
static char *map_buf_thp(size_t len)
{
	size_t align = 2 * MIB;
	char *raw = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *p;

	if (raw == MAP_FAILED)
		die("mmap %zu: %s", len + align, strerror(errno));
	p = (char *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
	if (p > raw)
		munmap(raw, p - raw);
	munmap(p + len, raw + align - p);
	if (madvise(p, len, MADV_HUGEPAGE))
		die("MADV_HUGEPAGE: %s", strerror(errno));
	return p;
}

/* kB of AnonHugePages in this process's mapping that contains @p (smaps). */
static long anon_huge_kb(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[256];
	long kb = -1;
	bool in = false;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		unsigned long a, b;

		if (sscanf(line, "%lx-%lx ", &a, &b) == 2 && strchr(line, '-') < strchr(line, ' '))
			in = (uintptr_t)p >= a && (uintptr_t)p < b;
		else if (in && sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	}
	fclose(f);
	return kb;
}

static void fill(char *p, size_t len, uint64_t seed)
{
	uint64_t *w = (uint64_t *)p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = seed * 0x9E3779B97F4A7C15ULL + i;
}

static bool check(const char *p, size_t len, uint64_t seed)
{
	const uint64_t *w = (const uint64_t *)p;
	size_t i;

	for (i = 0; i < len / 8; i++)
		if (w[i] != seed * 0x9E3779B97F4A7C15ULL + i)
			return false;
	return true;
}

static long minflt(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt + ru.ru_majflt;
}

/* sysfs */

static int write_file(const char *path, const char *val)
{
	int f = open(path, O_WRONLY | O_CLOEXEC), rc = 0;

	if (f < 0)
		return -errno;
	if (write(f, val, strlen(val)) < 0)
		rc = -errno;
	close(f);
	return rc;
}

static int read_file(const char *path, char *buf, size_t len)
{
	int f = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (f < 0)
		return -errno;
	n = read(f, buf, len - 1);
	close(f);
	if (n < 0)
		return -errno;
	buf[n] = 0;
	return 0;
}

/* svm_cxl ioctls and debug profile */

static void svm_open(void)
{
	struct svm_cxl_version v = { .size = sizeof(v) };

	fd = open("/dev/" SVM_CXL_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0 || ioctl(fd, SVM_CXL_IOC_VERSION, &v))
		die("/dev/%s: %s (is svm_cxl loaded?)", SVM_CXL_DEVICE_NAME, strerror(errno));
	if (v.abi_major != SVM_CXL_ABI_MAJOR)
		die("module ABI %u.%u, built for %u", v.abi_major, v.abi_minor, SVM_CXL_ABI_MAJOR);
}

static uint32_t pool_add(double *secs)
{
	struct svm_cxl_pool_add a = { .size = sizeof(a), .start = opt.start,
				      .length = opt.length };
	double t = now();

	if (ioctl(fd, SVM_CXL_IOC_POOL_ADD, &a))
		die("pool add %#llx+%#llx: %s", (unsigned long long)opt.start,
		    (unsigned long long)opt.length, strerror(errno));
	*secs = now() - t;
	return a.pool_id;
}

static uint64_t pool_remove(uint32_t id, double *secs)
{
	struct svm_cxl_pool_remove r = { .size = sizeof(r), .pool_id = id };
	double t = now();

	if (ioctl(fd, SVM_CXL_IOC_POOL_REMOVE, &r))
		die("pool remove %u: %s (busy %llu)", id, strerror(errno),
		    (unsigned long long)r.busy);
	*secs = now() - t;
	return r.evicted;
}

static uint64_t last_huge;	/* pages of the last migrate() inside whole 2 MiB folios */

static double migrate(void *p, size_t len, uint32_t dir, uint32_t pool)
{
	struct svm_cxl_migrate m = { .size = sizeof(m), .addr = (uintptr_t)p, .length = len,
				     .direction = dir, .pool_id = pool };
	double t = now();

	if (ioctl(fd, SVM_CXL_IOC_MIGRATE, &m))
		die("migrate %s: %s", dir == SVM_CXL_TO_POOL ? "to pool" : "back", strerror(errno));
	t = now() - t;
	last_huge = m.huge;
	if (m.moved + m.already != len / PAGE)
		die("migrate %s: %llu of %zu pages moved (busy %llu no_memory %llu)",
		    dir == SVM_CXL_TO_POOL ? "to pool" : "back", (unsigned long long)m.moved,
		    len / PAGE, (unsigned long long)m.busy, (unsigned long long)m.no_memory);
	return t;
}

#define NPHASES 6
static const char *const phase_names[NPHASES] = {
	"setup", "alloc", "copy", "pages", "finalize", "account"
};

struct prof {
	double total, ph[NPHASES];
	long long batches, pages;
};

static bool have_profile;

static void prof_reset(void)
{
	have_profile = write_file(PROFILE, "0") == 0;
}

/* The counters of one direction ("to_pool", "to_system", "evict"), in seconds. */
static void prof_read(const char *dir, struct prof *p)
{
	char buf[2048], *line, *tok, *save;

	memset(p, 0, sizeof(*p));
	if (!have_profile || read_file(PROFILE, buf, sizeof(buf)))
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *s2;
		int i;

		tok = strtok_r(line, " ", &s2);
		if (!tok || strcmp(tok, dir))
			continue;
		while ((tok = strtok_r(NULL, " ", &s2))) {
			char *val = strtok_r(NULL, " ", &s2);

			if (!val)
				break;
			if (!strcmp(tok, "total_ns"))
				p->total = atoll(val) / 1e9;
			else if (!strcmp(tok, "batches"))
				p->batches = atoll(val);
			else if (!strcmp(tok, "pages"))
				p->pages = atoll(val);
			for (i = 0; i < NPHASES; i++) {
				char name[32];

				snprintf(name, sizeof(name), "%s_ns", phase_names[i]);
				if (!strcmp(tok, name))
					p->ph[i] = atoll(val) / 1e9;
			}
		}
	}
}

/* {"setup": s, ...} of the per-run profiles: arrays of samples per phase. */
static void prof_json(char *out, size_t len, const struct prof *p, int n)
{
	size_t o = 0;
	int i, r;

	o += snprintf(out + o, len - o, "\"profile\": {");
	for (i = 0; i <= NPHASES; i++) {
		o += snprintf(out + o, len - o, "%s\"%s\": [", i ? ", " : "",
			      i < NPHASES ? phase_names[i] : "total");
		for (r = 0; r < n; r++)
			o += snprintf(out + o, len - o, "%s%.6f", r ? ", " : "",
				      i < NPHASES ? p[r].ph[i] : p[r].total);
		o += snprintf(out + o, len - o, "]");
	}
	snprintf(out + o, len - o, "}");
}

/* The median ms of each phase, to the log (read while the run goes on). */
static void prof_print(const char *metric, const struct prof *p, int n)
{
	double v[64];
	int i, r;

	if (!have_profile || !n)
		return;
	printf("      profile %-22s", metric);
	for (i = 0; i <= NPHASES; i++) {
		for (r = 0; r < n; r++)
			v[r] = i < NPHASES ? p[r].ph[i] : p[r].total;
		printf(" %s %.1f", i < NPHASES ? phase_names[i] : "total", median(v, n) * 1e3);
	}
	printf(" ms\n");
}

static void set_tune(unsigned int v)
{
	char s[16];

	snprintf(s, sizeof(s), "%u", v);
	write_file(TUNE, s);
}

static void set_batch(unsigned int v)
{
	char s[16];

	snprintf(s, sizeof(s), "%u", v);
	write_file(BATCH, s);
}

/* NUMA */

static long move_pages_sys(size_t count, void **pages, const int *nodes, int *status)
{
	return syscall(SYS_move_pages, 0, count, pages, nodes, status, 0);
}

/* move_pages(2) of the whole buffer to @node; every page must land there. */
static double move_to_node(char *p, size_t len, int node)
{
	size_t n = len / PAGE, i;
	void **pages = malloc(n * sizeof(*pages));
	int *nodes = malloc(n * sizeof(*nodes)), *status = malloc(n * sizeof(*status));
	double t;

	if (!pages || !nodes || !status)
		die("out of memory");
	for (i = 0; i < n; i++) {
		pages[i] = p + i * PAGE;
		nodes[i] = node;
	}
	t = now();
	if (move_pages_sys(n, pages, nodes, status) < 0)
		die("move_pages to node %d: %s", node, strerror(errno));
	t = now() - t;
	for (i = 0; i < n; i++)
		if (status[i] != node)
			die("move_pages: page %zu on %d, not node %d", i, status[i], node);
	free(pages);
	free(nodes);
	free(status);
	return t;
}

/* Common measurements */

/* memcpy into and out of @dev (placed on the measured memory) from local @loc. */
static void measure_memcpy(char *dev, char *loc, size_t len, double *to, double *back)
{
	long f = minflt();
	double t = now();

	memcpy(dev, loc, len);
	*to = now() - t;
	t = now();
	memcpy(loc, dev, len);
	*back = now() - t;
	/* A stray fault (stack, allocator) is noise; one per page means not placed. */
	if (minflt() - f > (long)(len / PAGE / 16))
		die("memcpy took %ld page faults: buffers not placed", minflt() - f);
}

/*
 * A chain through the pages of @p in random order (the next page's offset at the
 * start of each page, at a varying cache line): built before placement, it moves with
 * the data. Following it measures dependent-load latency.
 */
static void chain_build(char *p, size_t len)
{
	size_t n = len / PAGE, i, *perm = malloc(n * sizeof(*perm));

	if (!perm)
		die("out of memory");
	for (i = 0; i < n; i++)
		perm[i] = i;
	srand(42);
	for (i = n - 1; i > 0; i--) {
		size_t j = (size_t)rand() % (i + 1), x = perm[i];

		perm[i] = perm[j];
		perm[j] = x;
	}
	for (i = 0; i < n; i++) {
		size_t from = perm[i] * PAGE + (perm[i] % 64) * 64;
		size_t to = perm[(i + 1) % n] * PAGE + (perm[(i + 1) % n] % 64) * 64;

		*(size_t *)(p + from) = to;
	}
	free(perm);
}

/*
 * CPU access after placement: page faults taken while reading and writing every page,
 * read bandwidth, and the latency of one dependent load (ns), as samples.
 */
static void measure_access(const char *label, char *p, size_t len, size_t first)
{
	volatile uint64_t sink = 0;
	double lat[8], bw[8], faults[8];
	int r, runs = opt.runs < 8 ? opt.runs : 8;
	char metric[64];

	for (r = 0; r < runs; r++) {
		const uint64_t *w = (const uint64_t *)p;
		size_t i, off = first, steps = len / PAGE * 4;
		uint64_t s = 0;
		long f = minflt();
		double t = now();

		for (i = 0; i < len / 8; i += 8)
			s += w[i];
		bw[r] = now() - t;
		t = now();
		for (i = 0; i < steps; i++)
			off = *(volatile size_t *)(p + off);
		lat[r] = (now() - t) / steps;
		for (i = 0; i < len; i += PAGE)
			((volatile char *)p)[i + PAGE - 1] ^= 0;
		faults[r] = minflt() - f;
		sink += s + off;
	}
	snprintf(metric, sizeof(metric), "read_%s", label);
	record(metric, len, bw, runs, NULL);
	snprintf(metric, sizeof(metric), "latency_%s", label);
	record(metric, 0, lat, runs, NULL);
	snprintf(metric, sizeof(metric), "faults_%s", label);
	record(metric, len, faults, runs, NULL);
	(void)sink;
}

/* Anonymous minor fault: first write to each page of a fresh mapping (includes zeroing). */
static void measure_minor_fault(void)
{
	double s[16];
	size_t len = 16 * MIB, i;
	int r, runs = opt.runs < 16 ? opt.runs : 16;

	for (r = 0; r < runs; r++) {
		char *p = map_buf(len);
		double t = now();

		for (i = 0; i < len; i += PAGE)
			p[i] = 1;
		s[r] = (now() - t) / (len / PAGE);
		munmap(p, len);
	}
	record("minor_fault", PAGE, s, runs, NULL);
}

/* Buffer for the access measurements: the largest size asked for, at most 64 MiB. */
static size_t access_size(void)
{
	size_t len = 0;
	int i;

	for (i = 0; i < opt.nsizes; i++)
		if (opt.sizes[i] > len && opt.sizes[i] <= 64 * MIB)
			len = opt.sizes[i];
	return len ? len : opt.sizes[0];
}

/* Pool mode */

static void pool_mode(void)
{
	double add[64], rm[64], t;
	struct prof pp[64], ps[64];
	uint32_t pool;
	int si, r, runs = opt.runs > 64 ? 64 : opt.runs;
	char extra[4096];

	svm_open();
	prof_reset();
	set_tune(TUNE_DEFAULT);
	/* Pool add and removal of an empty pool: memremap_pages/memunmap_pages. */
	for (r = 0; r < runs; r++) {
		pool = pool_add(&add[r]);
		pool_remove(pool, &rm[r]);
	}
	record("pool_add", opt.length, add, runs, NULL);
	record("pool_remove_empty", opt.length, rm, runs, NULL);
	pool = pool_add(&t);

	for (si = 0; si < opt.nsizes; si++) {
		size_t len = opt.sizes[si];
		double to[64], back[64], mto[64], mback[64];
		char *buf = map_buf(len), *loc = map_buf(len);

		if (len > opt.length)
			break;
		fill(loc, len, 1);
		for (r = 0; r < runs; r++) {
			fill(buf, len, 100 + r);
			prof_reset();
			to[r] = migrate(buf, len, SVM_CXL_TO_POOL, pool);
			prof_read("to_pool", &pp[r]);
			if (r == 0 && !check(buf, len, 100 + r))
				die("data wrong on the pool");
			measure_memcpy(buf, loc, len, &mto[r], &mback[r]);
			if (r == 0)
				fill(buf, len, 100 + r);
			prof_reset();
			back[r] = migrate(buf, len, SVM_CXL_TO_SYSTEM, 0);
			prof_read("to_system", &ps[r]);
			if (r == 0 && !check(buf, len, 100 + r))
				die("data wrong after the way back");
		}
		prof_json(extra, sizeof(extra), pp, runs);
		record("migrate_to", len, to, runs, "%s", extra);
		prof_json(extra, sizeof(extra), ps, runs);
		record("migrate_back", len, back, runs, "%s", extra);
		record("memcpy_to", len, mto, runs, NULL);
		record("memcpy_back", len, mback, runs, NULL);
		munmap(buf, len);
		munmap(loc, len);
	}

	/* Access after placement: on the pool, and in local RAM for comparison. */
	{
		size_t len = access_size();
		char *buf = map_buf(len);

		fill(buf, len, 5);
		chain_build(buf, len);
		measure_access("local", buf, len, 0);
		migrate(buf, len, SVM_CXL_TO_POOL, pool);
		measure_access("pool", buf, len, 0);
		munmap(buf, len);
	}

	/* Single page: migration latency to the pool and back. */
	{
		double s1[64], s2[64];
		char *p = map_buf(PAGE);
		int i, n = 16;

		for (r = 0; r < runs; r++) {
			double a = 0, b = 0;

			for (i = 0; i < n; i++) {
				p[0] = i;
				a += migrate(p, PAGE, SVM_CXL_TO_POOL, pool);
				b += migrate(p, PAGE, SVM_CXL_TO_SYSTEM, 0);
			}
			s1[r] = a / n;
			s2[r] = b / n;
		}
		record("page_migrate_to", PAGE, s1, runs, NULL);
		record("page_migrate_back", PAGE, s2, runs, NULL);
		measure_minor_fault();
		munmap(p, PAGE);
	}

	/* Eviction: pool removal with a buffer on the pool. */
	for (si = 0; si < opt.nsizes; si++) {
		size_t len = opt.sizes[si];
		double ev[64];
		char *buf = map_buf(len);

		if (len > opt.length)
			break;
		for (r = 0; r < runs; r++) {
			fill(buf, len, 7 + r);
			migrate(buf, len, SVM_CXL_TO_POOL, pool);
			prof_reset();
			if (pool_remove(pool, &ev[r]) != len / PAGE)
				die("eviction moved the wrong number of pages");
			prof_read("evict", &pp[r]);
			if (r == 0 && !check(buf, len, 7 + r))
				die("data wrong after eviction");
			pool = pool_add(&t);
		}
		prof_json(extra, sizeof(extra), pp, runs);
		record("evict", len, ev, runs, "%s", extra);
		munmap(buf, len);
	}

	/*
	 * Ablation: the module's speed-ups off (baseline), then each on alone, the
	 * default, and the default with 2048-page batches.
	 */
	if (opt.ablation) {
		static const unsigned int cfg[][2] = {
			{ 0, 512 }, { 1, 512 }, { 2, 512 }, { 4, 512 }, { TUNE_DEFAULT, 512 },
			{ TUNE_DEFAULT, 2048 },
		};
		size_t len = opt.length < 64 * MIB ? opt.length / 4 : 64 * MIB;
		char *buf = map_buf(len), *loc = map_buf(len);
		unsigned int k;

		fill(loc, len, 3);
		for (k = 0; k < sizeof(cfg) / sizeof(cfg[0]); k++) {
			double to[64], back[64], mto[64], mback[64];
			char name[48], tag[48];

			set_tune(cfg[k][0]);
			set_batch(cfg[k][1]);
			for (r = 0; r < runs; r++) {
				fill(buf, len, r);
				prof_reset();
				to[r] = migrate(buf, len, SVM_CXL_TO_POOL, pool);
				prof_read("to_pool", &pp[r]);
				measure_memcpy(buf, loc, len, &mto[r], &mback[r]);
				prof_reset();
				back[r] = migrate(buf, len, SVM_CXL_TO_SYSTEM, 0);
				prof_read("to_system", &ps[r]);
			}
			snprintf(tag, sizeof(tag), "\"tune\": %u, \"batch\": %u", cfg[k][0], cfg[k][1]);
			snprintf(name, sizeof(name), "abl%u_%u_migrate_to", cfg[k][0], cfg[k][1]);
			prof_json(extra, sizeof(extra), pp, runs);
			record(name, len, to, runs, "%s, %s", tag, extra);
			snprintf(name, sizeof(name), "abl%u_%u_migrate_back", cfg[k][0], cfg[k][1]);
			prof_json(extra, sizeof(extra), ps, runs);
			record(name, len, back, runs, "%s, %s", tag, extra);
			snprintf(name, sizeof(name), "abl%u_%u_memcpy_to", cfg[k][0], cfg[k][1]);
			record(name, len, mto, runs, "%s", tag);
			snprintf(name, sizeof(name), "abl%u_%u_memcpy_back", cfg[k][0], cfg[k][1]);
			record(name, len, mback, runs, "%s", tag);
		}
		set_tune(TUNE_DEFAULT);
		set_batch(512);
		munmap(buf, len);
		munmap(loc, len);
	}
	pool_remove(pool, &t);
}

/* NUMA mode: memory blocks */

static int nblocks;
static int blocks[64];
static uint64_t block_size;

static bool block_online(int b);

/*
 * Put every chosen block in @state ("offline" or "online_movable") and time it; each
 * block must end up there (a block that cannot be movable is onlined normal).
 */
static void blocks_state(const char *state, double *secs)
{
	bool online = strcmp(state, "offline");
	char path[128];
	double t = now();
	int i, rc;

	for (i = 0; i < nblocks; i++) {
		snprintf(path, sizeof(path), MEMSYS "/memory%d/state", blocks[i]);
		rc = write_file(path, state);
		if (rc == -EINVAL && online)
			rc = write_file(path, "online");
		if (rc && block_online(blocks[i]) != online)
			die("memory%d: %s: %s", blocks[i], state, strerror(-rc));
		if (block_online(blocks[i]) != online)
			die("memory%d: not %s after the write", blocks[i], state);
	}
	*secs = now() - t;
}

static bool block_online(int b)
{
	char path[128], buf[32];

	snprintf(path, sizeof(path), MEMSYS "/memory%d/state", b);
	return !read_file(path, buf, sizeof(buf)) && !strncmp(buf, "online", 6);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* The memory blocks of a node, sorted. */
static int node_blocks(int node, int *out, int max)
{
	char cmd[128], line[64];
	FILE *ls;
	int n = 0;

	snprintf(cmd, sizeof(cmd), "ls -d /sys/devices/system/node/node%d/memory[0-9]* 2>/dev/null", node);
	ls = popen(cmd, "r");
	if (!ls)
		die("popen");
	while (n < max && fgets(line, sizeof(line), ls)) {
		char *m = strrchr(line, 'y');

		if (m)
			out[n++] = atoi(m + 1);
	}
	pclose(ls);
	qsort(out, n, sizeof(*out), cmp_int);
	return n;
}

/* Fraction of the pages of @p (resident) that sit in the chosen blocks (pagemap). */
static double fraction_in_blocks(char *p, size_t len)
{
	int pm = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	size_t i, in = 0, n = len / PAGE;

	if (pm < 0)
		return -1;
	for (i = 0; i < n; i++) {
		uint64_t e;
		int b, k;

		if (pread(pm, &e, 8, ((uintptr_t)p / PAGE + i) * 8) != 8 || !(e & (1ULL << 63)))
			continue;
		b = (int)(((e & ((1ULL << 55) - 1)) * PAGE) / block_size);
		for (k = 0; k < nblocks; k++)
			in += blocks[k] == b;
	}
	close(pm);
	return (double)in / n;
}

static void numa_mode(void)
{
	double on[64], off[64], t;
	int si, r, runs = opt.runs > 64 ? 64 : opt.runs;
	char buf[64];

	if (read_file(MEMSYS "/block_size_bytes", buf, sizeof(buf)))
		die("no memory block sysfs");
	block_size = strtoull(buf, NULL, 16);

	if (opt.blocks[0]) {
		char *s = opt.blocks, *tok;

		while ((tok = strtok(s, ",")) && nblocks < 64) {
			blocks[nblocks++] = atoi(tok);
			s = NULL;
		}
	} else if (opt.free_blocks) {
		int all[256], n = node_blocks(opt.node, all, 256), i;

		/* From the top of the node down, the first blocks that go offline. */
		for (i = n - 1; i >= 0 && nblocks < opt.free_blocks; i--) {
			char path[128];

			snprintf(path, sizeof(path), MEMSYS "/memory%d/state", all[i]);
			if (block_online(all[i]) && !write_file(path, "offline"))
				blocks[nblocks++] = all[i];
		}
		if (nblocks < opt.free_blocks)
			die("node %d: only %d blocks could go offline", opt.node, nblocks);
	}
	/* Online/offline time of the blocks, empty: offline ones are onlined first. */
	if (nblocks) {
		int i, offline = 0;

		for (i = 0; i < nblocks; i++)
			offline += !block_online(blocks[i]);
		if (offline == nblocks) {
			blocks_state("online_movable", &t);
		} else if (offline) {
			die("some of the blocks are online, some not");
		}
		for (r = 0; r < runs; r++) {
			blocks_state("offline", &off[r]);
			blocks_state("online_movable", &on[r]);
		}
		record("numa_online", nblocks * block_size, on, runs, NULL);
		record("numa_offline_empty", nblocks * block_size, off, runs, NULL);
	}

	for (si = 0; si < opt.nsizes; si++) {
		size_t len = opt.sizes[si];
		double to[64], back[64], mto[64], mback[64];
		char *b = map_buf(len), *loc = map_buf(len);

		if (nblocks && len > nblocks * block_size / 2)
			break;
		fill(loc, len, 1);
		for (r = 0; r < runs; r++) {
			fill(b, len, 100 + r);
			to[r] = move_to_node(b, len, opt.node);
			measure_memcpy(b, loc, len, &mto[r], &mback[r]);
			back[r] = move_to_node(b, len, 0);
		}
		record("move_pages_to", len, to, runs, NULL);
		record("move_pages_back", len, back, runs, NULL);
		record("memcpy_to", len, mto, runs, NULL);
		record("memcpy_back", len, mback, runs, NULL);
		munmap(b, len);
		munmap(loc, len);
	}

	/* Access after placement on the node. */
	{
		size_t len = access_size();
		char *b = map_buf(len);

		fill(b, len, 5);
		chain_build(b, len);
		move_to_node(b, len, opt.node);
		measure_access("node", b, len, 0);
		munmap(b, len);
	}

	/* Single page move_pages latency. */
	{
		double s1[64], s2[64];
		char *p = map_buf(PAGE);
		int i, n = 16;

		for (r = 0; r < runs; r++) {
			double a = 0, c = 0;

			for (i = 0; i < n; i++) {
				p[0] = i;
				a += move_to_node(p, PAGE, opt.node);
				c += move_to_node(p, PAGE, 0);
			}
			s1[r] = a / n;
			s2[r] = c / n;
		}
		record("page_move_pages_to", PAGE, s1, runs, NULL);
		record("page_move_pages_back", PAGE, s2, runs, NULL);
		munmap(p, PAGE);
	}

	/* Offline with data: the buffer on the blocks, offlining migrates it away. */
	if (nblocks) {
		size_t len = nblocks * block_size / 2;
		double offd[64], frac = 0;
		char *b;

		if (len > access_size())
			len = access_size();
		b = map_buf(len);
		for (r = 0; r < runs && r < 3; r++) {
			fill(b, len, 9 + r);
			move_to_node(b, len, opt.node);
			frac = fraction_in_blocks(b, len);
			blocks_state("offline", &offd[r]);
			if (!check(b, len, 9 + r))
				die("data wrong after offlining");
			blocks_state("online_movable", &t);
		}
		record("numa_offline_data", len, offd, r, "\"in_blocks\": %.3f, \"blocks_bytes\": %llu",
		       frac, (unsigned long long)(nblocks * block_size));
		munmap(b, len);
	}
}

/*
 * Yardstick mode: lib/test_hmm.c in coherent mode (bench/yardstick.sh builds it; its
 * device nodes /dev/hmm_dmirror2 and 3 are the coherent ones). Its uapi, from
 * lib/test_hmm_uapi.h: one command struct and two migration ioctls.
 */
struct hmm_dmirror_cmd {
	uint64_t addr, ptr, npages, cpages, faults;
};

#define HMM_DMIRROR_MIGRATE_TO_DEV _IOWR('H', 0x02, struct hmm_dmirror_cmd)
#define HMM_DMIRROR_MIGRATE_TO_SYS _IOWR('H', 0x03, struct hmm_dmirror_cmd)

static bool hmm_compound;	/* the buffer is THP-backed: test_hmm moves 2 MiB folios */

static double hmm_migrate(int dev, char *p, size_t len, unsigned long cmd)
{
	struct hmm_dmirror_cmd c = { .addr = (uintptr_t)p, .npages = len / PAGE };
	double t = now();

	if (ioctl(dev, cmd, &c))
		die("test_hmm %s: %s", cmd == HMM_DMIRROR_MIGRATE_TO_DEV ? "to device" : "to system",
		    strerror(errno));
	t = now() - t;
	/*
	 * A way back that moved nothing returns 0 too: the yardstick must really move.
	 * cpages counts migrated entries: a page, or (6.19+) a whole 2 MiB folio.
	 */
	if (cmd == HMM_DMIRROR_MIGRATE_TO_SYS &&
	    c.cpages != (hmm_compound ? len / (2 * MIB) : len / PAGE))
		die("test_hmm to system: %llu entries moved for %zu pages",
		    (unsigned long long)c.cpages, len / PAGE);
	return t;
}

static void hmm_mode(void)
{
	int si, r, runs = opt.runs > 64 ? 64 : opt.runs;
	int dev = open(opt.device, O_RDWR | O_CLOEXEC);

	if (dev < 0)
		die("%s: %s", opt.device, strerror(errno));
	for (si = 0; si < opt.nsizes; si++) {
		size_t len = opt.sizes[si];
		double to[64], back[64], mto[64], mback[64];
		char *buf = map_buf(len), *loc = map_buf(len);

		fill(loc, len, 1);
		/* A first round trip allocates the device memory (memremap_pages): not timed. */
		fill(buf, len, 99);
		hmm_migrate(dev, buf, len, HMM_DMIRROR_MIGRATE_TO_DEV);
		hmm_migrate(dev, buf, len, HMM_DMIRROR_MIGRATE_TO_SYS);
		for (r = 0; r < runs; r++) {
			fill(buf, len, 100 + r);
			to[r] = hmm_migrate(dev, buf, len, HMM_DMIRROR_MIGRATE_TO_DEV);
			if (r == 0 && !check(buf, len, 100 + r))
				die("test_hmm: data wrong on the device");
			measure_memcpy(buf, loc, len, &mto[r], &mback[r]);
			back[r] = hmm_migrate(dev, buf, len, HMM_DMIRROR_MIGRATE_TO_SYS);
		}
		record("hmm_migrate_to", len, to, runs, NULL);
		record("hmm_migrate_back", len, back, runs, NULL);
		record("hmm_memcpy_to", len, mto, runs, NULL);
		record("hmm_memcpy_back", len, mback, runs, NULL);
		munmap(buf, len);
		munmap(loc, len);
	}
	close(dev);
}

/*
 * A/B mode: the ratios of the targets, each formed inside one repetition. The guest's
 * memcpy speed drifts by a factor of several over a run (TCG, a shared host), so a
 * ratio of two medians measured minutes apart says more about the drift than about
 * either side. Here every repetition runs each peer in turn (A B C, A B C, ...): ours
 * (SVM_CXL_IOC_MIGRATE to a pool on --range and back), the yardstick (test_hmm,
 * --device), move_pages(2) to --node and back, and with --thp ours and the yardstick
 * again on a THP-backed buffer; each migration is followed at once by memcpy of the
 * same bytes in the same direction (local RAM into the placed buffer after "to", the
 * placed buffer into local RAM before "back"). The samples of one repetition share an
 * index in every metric, so the host divides pairs and prints min/median/max.
 */
enum ab_peer { AB_OURS, AB_HMM, AB_MP, AB_OURS_THP, AB_HMM_THP, AB_NPEERS };
static const char *const ab_names[AB_NPEERS] = { "ours", "hmm", "move_pages", "ours_thp",
						 "hmm_thp" };

struct ab_peer_state {
	bool on;
	char *buf, *loc;
	double to[64], mto[64], back[64], mback[64];
	struct prof pto[64], pback[64];	/* ours: the module's per-phase profile */
	uint64_t huge_to, huge_back;
	long thp_kb_before, thp_kb_after;
};

static void ab_to(int peer, char *buf, size_t len, uint32_t pool, int dev, double *t,
		  struct prof *prof)
{
	hmm_compound = peer == AB_HMM_THP;
	switch (peer) {
	case AB_OURS:
	case AB_OURS_THP:
		prof_reset();
		*t = migrate(buf, len, SVM_CXL_TO_POOL, pool);
		if (prof)
			prof_read("to_pool", prof);
		break;
	case AB_HMM:
	case AB_HMM_THP:
		*t = hmm_migrate(dev, buf, len, HMM_DMIRROR_MIGRATE_TO_DEV);
		break;
	default:
		*t = move_to_node(buf, len, opt.node);
	}
}

static void ab_back(int peer, char *buf, size_t len, int dev, double *t, struct prof *prof)
{
	hmm_compound = peer == AB_HMM_THP;
	switch (peer) {
	case AB_OURS:
	case AB_OURS_THP:
		prof_reset();
		*t = migrate(buf, len, SVM_CXL_TO_SYSTEM, 0);
		if (prof)
			prof_read("to_system", prof);
		break;
	case AB_HMM:
	case AB_HMM_THP:
		*t = hmm_migrate(dev, buf, len, HMM_DMIRROR_MIGRATE_TO_SYS);
		break;
	default:
		*t = move_to_node(buf, len, 0);
	}
}

static void ab_mode(void)
{
	struct ab_peer_state st[AB_NPEERS] = {};
	int si, r, k, runs = opt.runs > 64 ? 64 : opt.runs, dev = -1;
	uint32_t pool;
	double t;
	char was_thp[8] = "";

	svm_open();
	set_tune(TUNE_DEFAULT);
	pool = pool_add(&t);
	if (opt.device) {
		dev = open(opt.device, O_RDWR | O_CLOEXEC);
		if (dev < 0)
			die("%s: %s", opt.device, strerror(errno));
	}
	st[AB_OURS].on = true;
	st[AB_HMM].on = dev >= 0;
	st[AB_MP].on = opt.node >= 0;
	st[AB_OURS_THP].on = opt.thp;
	st[AB_HMM_THP].on = opt.thp && dev >= 0;
	/* 2 MiB folios for ours where the module can (6.19+); restored at the end */
	if (opt.thp && !read_file("/sys/module/svm_cxl/parameters/device_thp", was_thp,
				  sizeof(was_thp)))
		write_file("/sys/module/svm_cxl/parameters/device_thp", "1");

	for (si = 0; si < opt.nsizes; si++) {
		size_t len = opt.sizes[si];

		if (len > opt.length)
			break;
		for (k = 0; k < AB_NPEERS; k++) {
			bool thp = k == AB_OURS_THP || k == AB_HMM_THP;

			if (!st[k].on)
				continue;
			st[k].buf = thp ? map_buf_thp(len) : map_buf(len);
			st[k].loc = thp ? map_buf_thp(len) : map_buf(len);
			fill(st[k].loc, len, 1);
			fill(st[k].buf, len, 1);
			st[k].thp_kb_before = thp ? anon_huge_kb(st[k].buf) : 0;
			/* one untimed round trip: first-touch costs of the peer stay out */
			ab_to(k, st[k].buf, len, pool, dev, &t, NULL);
			ab_back(k, st[k].buf, len, dev, &t, NULL);
		}
		for (r = 0; r < runs; r++) {
			for (k = 0; k < AB_NPEERS; k++) {
				struct ab_peer_state *p = &st[k];

				if (!p->on)
					continue;
				/* loc and buf hold the same bytes: the memcpys change nothing */
				ab_to(k, p->buf, len, pool, dev, &p->to[r], &p->pto[r]);
				if (k == AB_OURS || k == AB_OURS_THP)
					p->huge_to = last_huge;
				if (r == 0 && !check(p->buf, len, 1))
					die("%s: data wrong after the migration", ab_names[k]);
				measure_memcpy(p->buf, p->loc, len, &p->mto[r], &p->mback[r]);
				ab_back(k, p->buf, len, dev, &p->back[r], &p->pback[r]);
				if (k == AB_OURS || k == AB_OURS_THP)
					p->huge_back = last_huge;
				if (r == 0 && !check(p->buf, len, 1))
					die("%s: data wrong after the way back", ab_names[k]);
			}
		}
		for (k = 0; k < AB_NPEERS; k++) {
			struct ab_peer_state *p = &st[k];
			static char extra[16384];
			char name[64], prof[8192] = "";
			bool ours = k == AB_OURS || k == AB_OURS_THP;

			if (!p->on)
				continue;
			p->thp_kb_after = (k == AB_OURS_THP || k == AB_HMM_THP) ? anon_huge_kb(p->buf) : 0;
			snprintf(extra, sizeof(extra),
				 "\"huge_to\": %llu, \"huge_back\": %llu, \"thp_kb_before\": %ld, \"thp_kb_after\": %ld",
				 (unsigned long long)p->huge_to, (unsigned long long)p->huge_back,
				 p->thp_kb_before, p->thp_kb_after);
			snprintf(name, sizeof(name), "%s_migrate_to", ab_names[k]);
			if (ours)
				prof_json(prof, sizeof(prof), p->pto, runs);
			record(name, len, p->to, runs, "%s%s%s", extra, *prof ? ", " : "", prof);
			if (ours)
				prof_print(name, p->pto, runs);
			snprintf(name, sizeof(name), "%s_memcpy_to", ab_names[k]);
			record(name, len, p->mto, runs, NULL);
			snprintf(name, sizeof(name), "%s_migrate_back", ab_names[k]);
			if (ours)
				prof_json(prof, sizeof(prof), p->pback, runs);
			record(name, len, p->back, runs, "%s%s%s", extra, *prof ? ", " : "", prof);
			if (ours)
				prof_print(name, p->pback, runs);
			snprintf(name, sizeof(name), "%s_memcpy_back", ab_names[k]);
			record(name, len, p->mback, runs, NULL);
			munmap(p->buf, len);
			munmap(p->loc, len);
		}
	}
	if (*was_thp)
		write_file("/sys/module/svm_cxl/parameters/device_thp", was_thp[0] == 'Y' ? "1" : "0");
	if (dev >= 0)
		close(dev);
	pool_remove(pool, &t);
}

static void parse_sizes(char *s)
{
	char *tok;

	opt.nsizes = 0;
	while ((tok = strtok(s, ",")) && opt.nsizes < MAX_SIZES) {
		double mib = atof(tok);

		opt.sizes[opt.nsizes++] = (size_t)(mib * MIB) / PAGE * PAGE;
		s = NULL;
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: svm-cxl-bench pool --range START:LENGTH --memory NAME [--ablation]\n"
		"       svm-cxl-bench numa --node N --memory NAME [--blocks B,B,.. | --free-blocks K]\n"
		"       svm-cxl-bench hmm --device /dev/hmm_dmirrorN --memory NAME\n"
		"       svm-cxl-bench ab --range START:LENGTH --memory NAME [--device DEV] [--node N] [--thp]\n"
		"       common: [--sizes MIB,MIB,...] [--runs N] [--out FILE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "range", required_argument, NULL, 'r' },
		{ "memory", required_argument, NULL, 'm' },
		{ "node", required_argument, NULL, 'n' },
		{ "sizes", required_argument, NULL, 's' },
		{ "runs", required_argument, NULL, 'R' },
		{ "out", required_argument, NULL, 'o' },
		{ "ablation", no_argument, NULL, 'a' },
		{ "blocks", required_argument, NULL, 'b' },
		{ "free-blocks", required_argument, NULL, 'f' },
		{ "device", required_argument, NULL, 'd' },
		{ "thp", no_argument, NULL, 't' },
		{}
	};
	char def_sizes[] = "4,8,16,32,64,128";
	int c;

	if (argc < 2)
		usage();
	opt.mode = argv[1];
	parse_sizes(def_sizes);
	optind = 2;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 'r': {
			char *colon = strchr(optarg, ':');

			if (!colon)
				usage();
			opt.start = strtoull(optarg, NULL, 0);
			opt.length = strtoull(colon + 1, NULL, 0);
			break;
		}
		case 'm':
			opt.memory = optarg;
			break;
		case 'n':
			opt.node = atoi(optarg);
			break;
		case 's':
			parse_sizes(optarg);
			break;
		case 'R':
			opt.runs = atoi(optarg);
			break;
		case 'o':
			opt.out = optarg;
			break;
		case 'a':
			opt.ablation = true;
			break;
		case 'b':
			snprintf(opt.blocks, sizeof(opt.blocks), "%s", optarg);
			break;
		case 'f':
			opt.free_blocks = atoi(optarg);
			break;
		case 'd':
			opt.device = optarg;
			break;
		case 't':
			opt.thp = true;
			break;
		default:
			usage();
		}
	}
	if (!opt.memory || opt.runs < 1)
		usage();
	/* One vCPU for the whole run: no cross-CPU LRU drains, steadier numbers. */
	{
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(0, &set);
		sched_setaffinity(0, sizeof(set), &set);
	}
	if (opt.out) {
		json = fopen(opt.out, "w");
		if (!json)
			die("%s: %s", opt.out, strerror(errno));
		fprintf(json, "[");
	}
	if (!strcmp(opt.mode, "pool")) {
		if (!opt.length)
			usage();
		pool_mode();
	} else if (!strcmp(opt.mode, "numa")) {
		if (opt.node < 0)
			usage();
		numa_mode();
	} else if (!strcmp(opt.mode, "ab")) {
		if (!opt.length)
			usage();
		ab_mode();
	} else if (!strcmp(opt.mode, "hmm")) {
		if (!opt.device)
			usage();
		hmm_mode();
	} else {
		usage();
	}
	if (json) {
		fprintf(json, "\n]\n");
		fclose(json);
	}
	return 0;
}
