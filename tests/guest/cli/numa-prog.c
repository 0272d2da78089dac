// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm-test-numa: placement probes for the guest tests. Where pages live is read back
 * with move_pages(2) in query mode (nodes == NULL), independently of svm-cxlctl.
 *
 *   svm-test-numa place MIB            touch MIB under the inherited policy, print nodes
 *   svm-test-numa mbind MIB NODE       mbind(MPOL_BIND) to NODE, touch, check, move_pages
 *                                      to node 0 and back, check each step
 *   svm-test-numa hugetlb N NODE       mmap N 2 MiB huge pages, touch a few, check they
 *                                      are on NODE; exit 3 if mmap fails with ENOMEM
 *   svm-test-numa hold MIB DIR         fill MIB with a pattern, print nodes, create
 *                                      DIR/ready, wait for DIR/go, verify the pattern,
 *                                      print nodes again, exit 0 only if intact
 *   svm-test-numa pinhold MIB NPIN DIR as hold, and the first NPIN (<= 16) pages are also
 *                                      spliced into a pipe (vmsplice: a reference that
 *                                      no migration or offline can move); prints
 *                                      "pinned: memoryB=COUNT ..." (their memory blocks,
 *                                      from /proc/self/pagemap); at DIR/go it checks the
 *                                      pattern, then reads the pipe and checks the copy
 *   svm-test-numa nobody CMD...        run CMD as uid/gid 65534
 *   svm-test-numa spin MIB SECS [NODE] fill MIB, print nodes, read it for SECS seconds
 *                                      (NUMA balancing scans running tasks only) with a
 *                                      second, idle thread (a single-threaded task's
 *                                      pages on its own node are never made
 *                                      NUMA-hinting), print nodes again,
 *                                      "numa_faults: N" (its own NUMA-hinting faults,
 *                                      /proc/self/sched; -1 if not shown) and
 *                                      "vmstat_hint_faults: N" (the system's while it
 *                                      ran), verify the pattern. With NODE: MPOL_BIND
 *                                      to NODE with MPOL_F_NUMA_BALANCING (scanned; a
 *                                      plain bind is not)
 *   svm-test-numa collapse MIB         fill MIB (2 MiB aligned) in base pages, then
 *                                      MADV_HUGEPAGE + MADV_COLLAPSE; prints
 *                                      "collapse: ok|ERROR", nodes, "thp_kb: KB"
 *   svm-test-numa cache MIB FILE       write MIB to FILE with write(2) (page cache
 *                                      allocated in this task), mmap it, print nodes;
 *                                      FILE is unlinked once open: its pages go with
 *                                      this process, however it ends
 *   svm-test-numa migrate MIB POOL DIR (coherent) fill MIB on system RAM, migrate it to
 *                                      svm_cxl POOL, then as hold
 * Output lines: "nodes: N=COUNT ..." and "pool: COUNT" as seen by the probes.
 */
#include <errno.h>
#include <fcntl.h>
#include <numaif.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <linux/svm_cxl.h>

#define PAGE 4096UL

static void *map(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(2);
	}
	/* no THP: page-granular placement and migration */
	madvise(p, len, MADV_NOHUGEPAGE);
	return p;
}

static void fill(char *p, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i += sizeof(uint64_t))
		*(uint64_t *)(p + i) = (i * 0x9E3779B97F4A7C15ULL) ^ seed;
}

static size_t check(const char *p, size_t len, unsigned int seed)
{
	size_t bad = 0;

	for (size_t i = 0; i < len; i += sizeof(uint64_t))
		bad += *(const uint64_t *)(p + i) != ((i * 0x9E3779B97F4A7C15ULL) ^ seed);
	return bad;
}

/* counts[node] of the pages of [p, p+len); returns the number of pages whose status is
 * not a node (negative errno) */
static long nodes(char *p, size_t len, long counts[64], int print)
{
	unsigned long n = len / PAGE;
	void **pages = malloc(n * sizeof(*pages));
	int *status = malloc(n * sizeof(*status));
	long other = 0;

	memset(counts, 0, 64 * sizeof(long));
	for (unsigned long i = 0; i < n; i++)
		pages[i] = p + i * PAGE;
	if (move_pages(0, n, pages, NULL, status, 0)) {
		perror("move_pages(query)");
		exit(2);
	}
	for (unsigned long i = 0; i < n; i++) {
		if (status[i] >= 0 && status[i] < 64)
			counts[status[i]]++;
		else
			other++;
	}
	if (print) {
		printf("nodes:");
		for (int i = 0; i < 64; i++)
			if (counts[i])
				printf(" %d=%ld", i, counts[i]);
		if (other)
			printf(" other=%ld", other);
		printf("\n");
		fflush(stdout);
	}
	free(pages);
	free(status);
	return other;
}

static int move_all(char *p, size_t len, int node, long *ok, long *nomem, long *err)
{
	unsigned long n = len / PAGE;
	void **pages = malloc(n * sizeof(*pages));
	int *status = calloc(n, sizeof(*status)), *dst = calloc(n, sizeof(int));
	long rc;

	if (!pages || !status || !dst) {
		perror("malloc");
		exit(2);
	}

	for (unsigned long i = 0; i < n; i++) {
		pages[i] = p + i * PAGE;
		dst[i] = node;
	}
	rc = move_pages(0, n, pages, dst, status, MPOL_MF_MOVE);
	*ok = *nomem = *err = 0;
	for (unsigned long i = 0; i < n; i++) {
		if (status[i] == node)
			(*ok)++;
		else if (status[i] == -ENOMEM)
			(*nomem)++;
		else
			(*err)++;
	}
	printf("move_pages to node %d: rc=%ld ok=%ld enomem=%ld other=%ld\n", node, rc, *ok,
	       *nomem, *err);
	fflush(stdout);
	free(pages);
	free(status);
	free(dst);
	return rc < 0 ? -errno : 0;
}

static void wait_file(const char *dir, const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	while (stat(path, &st))
		usleep(20000);
}

static void touch_file(const char *dir, const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	if (fd >= 0)
		close(fd);
}

static int hold(char *buf, size_t len, const char *dir, unsigned int seed)
{
	long c[64];
	size_t bad;

	nodes(buf, len, c, 1);
	touch_file(dir, "ready");
	wait_file(dir, "go");
	bad = check(buf, len, seed);
	nodes(buf, len, c, 1);
	printf("pattern: %s (%zu bad words)\n", bad ? "CORRUPT" : "intact", bad);
	return bad ? 1 : 0;
}

/* "pinned: memoryB=COUNT ...": the memory blocks of the first npin pages of buf */
static int print_blocks(char *buf, size_t npin)
{
	unsigned long bs, blocks[16], counts[16];
	size_t nb = 0;
	FILE *f = fopen("/sys/devices/system/memory/block_size_bytes", "r");
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (!f || fscanf(f, "%lx", &bs) != 1 || fd < 0) {
		perror("block_size_bytes or pagemap");
		return -1;
	}
	fclose(f);
	for (size_t i = 0; i < npin; i++) {
		uint64_t e;
		unsigned long b;
		size_t j;

		if (pread(fd, &e, sizeof(e), ((uintptr_t)buf / PAGE + i) * sizeof(e)) != sizeof(e) ||
		    !(e & (1ULL << 63)) || !(e & ((1ULL << 55) - 1))) {
			fprintf(stderr, "pagemap: page %zu not present or no PFN (not root?)\n", i);
			close(fd);
			return -1;
		}
		b = (e & ((1ULL << 55) - 1)) * PAGE / bs;
		for (j = 0; j < nb && blocks[j] != b; j++)
			;
		if (j == nb) {
			blocks[nb] = b;
			counts[nb++] = 0;
		}
		counts[j]++;
	}
	close(fd);
	printf("pinned:");
	for (size_t j = 0; j < nb; j++)
		printf(" memory%lu=%lu", blocks[j], counts[j]);
	printf("\n");
	return 0;
}

static int pinhold(char *buf, size_t len, size_t npin, const char *dir, unsigned int seed)
{
	struct iovec iov = { .iov_base = buf, .iov_len = npin * PAGE };
	char *copy = malloc(npin * PAGE);
	long c[64];
	size_t bad, bad_copy, got = 0;
	int p[2];

	if (!copy || pipe(p)) {
		perror("pipe");
		return 2;
	}
	/* a default pipe holds 16 pages: no F_SETPIPE_SZ needed up to there */
	if (vmsplice(p[1], &iov, 1, 0) != (ssize_t)(npin * PAGE)) {
		perror("vmsplice");
		return 2;
	}
	nodes(buf, len, c, 1);
	if (print_blocks(buf, npin))
		return 2;
	touch_file(dir, "ready");
	wait_file(dir, "go");
	bad = check(buf, len, seed);
	nodes(buf, len, c, 1);
	while (got < npin * PAGE) {
		ssize_t n = read(p[0], copy + got, npin * PAGE - got);

		if (n <= 0) {
			perror("read of the pipe");
			return 2;
		}
		got += n;
	}
	printf("pattern: %s (%zu bad words)\n", bad ? "CORRUPT" : "intact", bad);
	/* the pipe holds the bytes the pages had when they were spliced: the pattern */
	bad_copy = check(copy, npin * PAGE, seed);
	printf("spliced copy: %s (%zu bad words)\n", bad_copy ? "CORRUPT" : "intact", bad_copy);
	return bad || bad_copy ? 1 : 0;
}

/* AnonHugePages of this process, kB */
static long thp_kb(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/smaps_rollup", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "AnonHugePages: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/* base pages first (the fault path would take a THP itself), then a synchronous
 * collapse: the huge page is allocated in this task's context */
static int collapse(size_t len)
{
	size_t huge = 2UL << 20;
	char *raw = mmap(NULL, len + huge, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *p;
	long c[64];
	size_t bad;

	if (raw == MAP_FAILED) {
		perror("mmap");
		return 2;
	}
	p = (char *)(((uintptr_t)raw + huge - 1) & ~(huge - 1));
	madvise(p, len, MADV_NOHUGEPAGE);
	fill(p, len, 7);
	madvise(p, len, MADV_HUGEPAGE);
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
	if (madvise(p, len, MADV_COLLAPSE))
		printf("collapse: %s\n", strerror(errno));
	else
		printf("collapse: ok\n");
	nodes(p, len, c, 1);
	printf("thp_kb: %ld\n", thp_kb());
	bad = check(p, len, 7);
	printf("pattern: %s (%zu bad words)\n", bad ? "CORRUPT" : "intact", bad);
	return bad ? 1 : 0;
}

/* page cache allocated by write(2) in this task (1 MiB at a time: the hog's pressure
 * is the file alone), then located through a mapping */
static int cache(size_t len, const char *path)
{
	size_t chunk = 1UL << 20;
	uint64_t *buf = malloc(chunk);
	char *p;
	long c[64];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || !buf) {
		perror(path);
		return 2;
	}
	/* on tmpfs (the guest has no other writable fs) nothing reclaims these pages
	 * without swap: none may outlive the probe and keep node 0 short */
	unlink(path);
	for (size_t off = 0; off < len; off += chunk) {
		for (size_t i = 0; i < chunk; i += sizeof(uint64_t))
			buf[i / sizeof(uint64_t)] = ((off + i) * 0x9E3779B97F4A7C15ULL) ^ 8;
		if (write(fd, buf, chunk) != (ssize_t)chunk) {
			perror("write");
			return 2;
		}
	}
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap file");
		return 2;
	}
	if (check(p, len, 8)) {
		printf("pattern: CORRUPT\n");
		return 1;
	}
	return nodes(p, len, c, 1) ? 1 : 0;
}

/* the first number on the line of @path that starts with @key (-1 if none): sep is
 * ':' in /proc/self/sched, ' ' in /proc/vmstat */
static long proc_field(const char *path, const char *key, char sep)
{
	char line[256];
	size_t n = strlen(key);
	long v = -1;
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && (line[n] == ' ' || line[n] == sep) && strchr(line, sep))
			v = strtol(strchr(line, sep) + 1, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

static void *idle_thread(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

#ifndef MPOL_F_NUMA_BALANCING
#define MPOL_F_NUMA_BALANCING (1 << 13)
#endif

/* read a buffer for secs seconds, as a two-threaded task (see the comment at the top) */
static int spin(size_t len, int secs, int node)
{
	time_t end = time(NULL) + secs;
	unsigned long mask = node >= 0 ? 1UL << node : 0;
	size_t bad = 0;
	pthread_t t;
	long c[64], hint0;
	char *buf;

	if (node >= 0 && set_mempolicy(MPOL_BIND | MPOL_F_NUMA_BALANCING, &mask, 64)) {
		perror("set_mempolicy(MPOL_BIND | MPOL_F_NUMA_BALANCING)");
		return 2;
	}
	if (pthread_create(&t, NULL, idle_thread, NULL)) {
		perror("pthread_create");
		return 2;
	}
	hint0 = proc_field("/proc/vmstat", "numa_hint_faults", ' ');
	buf = map(len);
	fill(buf, len, 9);
	nodes(buf, len, c, 1);
	while (time(NULL) < end)
		bad += check(buf, len, 9);
	nodes(buf, len, c, 1);
	/* the task's own count is folded in one scan sequence late (task_numa_placement());
	 * the system's count while it ran is the one to go by when it runs alone */
	printf("numa_faults: %ld\n", proc_field("/proc/self/sched", "total_numa_faults", ':'));
	printf("vmstat_hint_faults: %ld\n", proc_field("/proc/vmstat", "numa_hint_faults", ' ') - hint0);
	printf("pattern: %s (%zu bad words)\n", bad ? "CORRUPT" : "intact", bad);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	size_t len;
	char *buf;
	long c[64];

	if (argc >= 3 && !strcmp(argv[1], "nobody")) {
		/* run a command without privileges */
		if (setgid(65534) || setuid(65534)) {
			perror("setuid");
			return 2;
		}
		execvp(argv[2], argv + 2);
		perror(argv[2]);
		return 127;
	}
	if (argc < 3) {
		fprintf(stderr, "usage: see the comment at the top of numa-prog.c\n");
		return 2;
	}
	len = strtoul(argv[2], NULL, 0) << 20;
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(argv[1], "place")) {
		buf = map(len);
		fill(buf, len, 1);
		return nodes(buf, len, c, 1) ? 1 : 0;
	}
	if (!strcmp(argv[1], "mbind") && argc == 4) {
		int node = atoi(argv[3]);
		unsigned long mask = 1UL << node;
		long ok, nomem, err;

		buf = map(len);
		if (mbind(buf, len, MPOL_BIND, &mask, 64, 0)) {
			perror("mbind");
			return 1;
		}
		fill(buf, len, 2);
		nodes(buf, len, c, 1);
		if (c[node] != (long)(len / PAGE)) {
			printf("FAIL: mbind to %d: only %ld of %lu pages there\n", node, c[node],
			       len / PAGE);
			return 1;
		}
		/* the policy still binds the range: reset it before moving to node 0 */
		mbind(buf, len, MPOL_DEFAULT, NULL, 0, 0);
		move_all(buf, len, 0, &ok, &nomem, &err);
		nodes(buf, len, c, 1);
		if (c[0] != (long)(len / PAGE) || check(buf, len, 2)) {
			printf("FAIL: move_pages to node 0\n");
			return 1;
		}
		move_all(buf, len, node, &ok, &nomem, &err);
		nodes(buf, len, c, 1);
		if (c[node] != (long)(len / PAGE) || check(buf, len, 2)) {
			printf("FAIL: move_pages back to node %d\n", node);
			return 1;
		}
		printf("mbind/move_pages: ok\n");
		return 0;
	}
	if (!strcmp(argv[1], "hugetlb") && argc == 4) {
		/* argv[2]: number of 2 MiB huge pages; argv[3]: the node they must land on */
		size_t n = strtoul(argv[2], NULL, 0), hlen = n << 21;
		int node = atoi(argv[3]);

		buf = mmap(NULL, hlen, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB, -1, 0);
		if (buf == MAP_FAILED) {
			printf("hugetlb mmap of %zu pages: %s\n", n, strerror(errno));
			return errno == ENOMEM ? 3 : 1;
		}
		printf("hugetlb mmap of %zu pages: ok\n", n);
		/* touch a few (each fault zeroes 2 MiB of slow CXL memory) */
		for (size_t i = 0; i < n && i < 4; i++)
			buf[i << 21] = 1;
		nodes(buf, (n < 4 ? n : 4) << 21, c, 1);
		if (c[node] != (long)((n < 4 ? n : 4) * 512)) {
			printf("FAIL: huge pages not on node %d\n", node);
			return 1;
		}
		return 0;
	}
	if (!strcmp(argv[1], "pinhold") && argc == 5) {
		size_t npin = strtoul(argv[3], NULL, 0);

		if (!npin || npin > 16 || npin * PAGE > len) {
			fprintf(stderr, "pinhold: NPIN must be 1-16 pages inside MIB\n");
			return 2;
		}
		buf = map(len);
		fill(buf, len, 6);
		return pinhold(buf, len, npin, argv[4], 6);
	}
	if (!strcmp(argv[1], "spin") && (argc == 4 || argc == 5))
		return spin(len, atoi(argv[3]), argc == 5 ? atoi(argv[4]) : -1);
	if (!strcmp(argv[1], "collapse"))
		return collapse(len);
	if (!strcmp(argv[1], "cache") && argc == 4)
		return cache(len, argv[3]);
	if (!strcmp(argv[1], "hold") && argc == 4) {
		buf = map(len);
		fill(buf, len, 4);
		return hold(buf, len, argv[3], 4);
	}
#ifdef SVM_CXL_IOC_MIGRATE
	if (!strcmp(argv[1], "migrate") && argc == 5) {
		struct svm_cxl_migrate m = { .size = sizeof(m) };
		struct svm_cxl_query q = { .size = sizeof(q) };
		struct svm_cxl_page_loc *locs;
		int fd = open("/dev/" SVM_CXL_DEVICE_NAME, O_RDWR);

		if (fd < 0) {
			perror("/dev/" SVM_CXL_DEVICE_NAME);
			return 2;
		}
		buf = map(len);
		fill(buf, len, 5);
		m.addr = (uintptr_t)buf;
		m.length = len;
		m.direction = SVM_CXL_TO_POOL;
		m.pool_id = atoi(argv[3]);
		if (ioctl(fd, SVM_CXL_IOC_MIGRATE, &m)) {
			perror("SVM_CXL_IOC_MIGRATE");
			return 1;
		}
		printf("migrate: moved=%llu busy=%llu no_memory=%llu\n",
		       (unsigned long long)m.moved, (unsigned long long)m.busy,
		       (unsigned long long)m.no_memory);
		locs = calloc(len / PAGE, sizeof(*locs));
		q.addr = (uintptr_t)buf;
		q.length = len;
		q.locs = (uintptr_t)locs;
		if (ioctl(fd, SVM_CXL_IOC_QUERY, &q)) {
			perror("SVM_CXL_IOC_QUERY");
			return 1;
		}
		printf("pool: %llu\n", (unsigned long long)q.n_pool);
		close(fd);
		return hold(buf, len, argv[4], 5);
	}
#endif
	fprintf(stderr, "svm-test-numa: unknown or unsupported mode '%s'\n", argv[1]);
	return 77;
}
