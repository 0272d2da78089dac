// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm-kit-bench: the benchmark rows of the user kit (issue 12), on one memory, in
 * one guest run (harness/bench.sh --kit):
 *   self     SVM_CXL_IOC_MIGRATE of the caller's own buffer, RAM -> pool A
 *   pid      SVM_CXL_IOC_MIGRATE_PID of a child's buffer of the same size, by range
 *   pid_all  the same over the child's whole address space (flags 0)
 *   numa     migrate_pages(2) of the child (what migratepages(8) calls), node 0 ->
 *            NODE, the NUMA node the pools' memory is cut from
 *   p2p      pool A -> pool B in one TO_POOL call (device to device)
 *   via_ram  pool A -> RAM -> pool B (TO_SYSTEM, then TO_POOL)
 * Each repetition times every row once on freshly placed pages, so each ratio is
 * formed within one repetition; the summary gives min/median/max of each.
 *   svm-kit-bench START LENGTH NODE MIB REPS
 * START/LENGTH: a range for two pools (halves; needs allow_any_range=1 off a CXL
 * window). Every call must account for every page as moved, or the run fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/svm_cxl.h>

#define PAGE 4096UL
#define NREPS_MAX 64

static int fd;
static size_t len, npages;

#define DIE(...) do { printf("FAIL: " __VA_ARGS__); putchar('\n'); exit(1); } while (0)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint32_t pool_add(uint64_t start, uint64_t length)
{
	struct svm_cxl_pool_add a = { .size = sizeof(a), .start = start, .length = length };

	if (ioctl(fd, SVM_CXL_IOC_POOL_ADD, &a))
		DIE("pool add %#llx+%#llx: %s", (unsigned long long)start,
		    (unsigned long long)length, strerror(errno));
	return a.pool_id;
}

static void pool_remove(uint32_t id)
{
	struct svm_cxl_pool_remove r = { .size = sizeof(r), .pool_id = id };

	if (ioctl(fd, SVM_CXL_IOC_POOL_REMOVE, &r))
		printf("pool%u remove: %s\n", id, strerror(errno));
}

/* Move [buf, buf + len) of this process; every page must move. Seconds. */
static double self_move(char *buf, uint32_t dir, uint32_t pool, const char *what)
{
	struct svm_cxl_migrate m = { .size = sizeof(m), .addr = (uintptr_t)buf,
				     .length = len, .direction = dir, .pool_id = pool };
	double t = now();

	if (ioctl(fd, SVM_CXL_IOC_MIGRATE, &m))
		DIE("%s: %s", what, strerror(errno));
	t = now() - t;
	if (m.moved != npages)
		DIE("%s: moved %llu of %zu (busy %llu no_memory %llu other_pool %llu)", what,
		    (unsigned long long)m.moved, npages, (unsigned long long)m.busy,
		    (unsigned long long)m.no_memory, (unsigned long long)m.other_pool);
	return t;
}

/* Move the child's buffer (or, @whole, its address space); @want pages must move. */
static double pid_move(int pidfd, uint64_t addr, uint32_t dir, uint32_t pool, int whole,
		       const char *what)
{
	struct svm_cxl_range r = { .addr = addr, .length = len };
	struct svm_cxl_migrate_pid m = { .size = sizeof(m), .pidfd = (uint32_t)pidfd,
					 .direction = dir, .pool_id = pool };
	double t;

	if (!whole) {
		m.flags = SVM_CXL_MIGRATE_PID_RANGES;
		m.nr_ranges = 1;
		m.ranges = (uintptr_t)&r;
	}
	t = now();
	if (ioctl(fd, SVM_CXL_IOC_MIGRATE_PID, &m))
		DIE("%s: %s", what, strerror(errno));
	t = now() - t;
	/* whole: the buffer, plus whatever small anonymous memory the child has */
	if (whole ? m.moved < npages : m.moved != npages)
		DIE("%s: moved %llu of %zu", what, (unsigned long long)m.moved, npages);
	return t;
}

/*
 * migrate_pages(2) of @pid from node @from to @to, as migratepages(8); then every page
 * of its buffer at @addr must be on @to (move_pages(2) in query mode, not timed).
 */
static double numa_move(pid_t pid, uint64_t addr, int from, int to)
{
	unsigned long old = 1UL << from, new = 1UL << to;
	static void *pages[1 << 18];
	static int status[1 << 18];
	double t = now();
	long left = syscall(SYS_migrate_pages, pid, sizeof(old) * 8, &old, &new);
	size_t on = 0;

	t = now() - t;
	if (left < 0)
		DIE("migrate_pages %d -> %d: %s", from, to, strerror(errno));
	if (npages > sizeof(pages) / sizeof(pages[0]))
		DIE("buffer too large for the placement check");
	for (size_t i = 0; i < npages; i++)
		pages[i] = (void *)(uintptr_t)(addr + i * PAGE);
	if (syscall(SYS_move_pages, pid, npages, pages, NULL, status, 0))
		DIE("move_pages query: %s", strerror(errno));
	for (size_t i = 0; i < npages; i++)
		on += status[i] == to;
	if (on != npages)
		DIE("migrate_pages %d -> %d: %zu of %zu buffer pages on node %d (%ld not moved)",
		    from, to, on, npages, to, left);
	return t;
}

static void fill(char *buf, unsigned char seed)
{
	for (size_t i = 0; i < len; i += 64)
		buf[i] = (char)(seed + i / PAGE);
}

static int intact(const char *buf, unsigned char seed)
{
	for (size_t i = 0; i < len; i += 64)
		if (buf[i] != (char)(seed + i / PAGE))
			return 0;
	return 1;
}

static char *map(void)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		DIE("mmap: %s", strerror(errno));
	madvise(p, len, MADV_NOHUGEPAGE);	/* base pages on both paths */
	return p;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void summary(const char *name, const char *target, double *r, int n)
{
	qsort(r, n, sizeof(*r), cmp);
	printf("{\"ratio\":\"%s\",\"target\":\"%s\",\"min\":%.3f,\"median\":%.3f,\"max\":%.3f,\"n\":%d}\n",
	       name, target, r[0], n % 2 ? r[n / 2] : (r[n / 2 - 1] + r[n / 2]) / 2, r[n - 1], n);
}

int main(int argc, char **argv)
{
	double r_pid[NREPS_MAX], r_pidall[NREPS_MAX], r_numa[NREPS_MAX], r_p2p[NREPS_MAX];
	uint64_t start, length, child_addr;
	int node, reps, cmd[2], resp[2], pidfd;
	uint32_t a, b;
	char *buf;
	pid_t child;
	char c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 6)
		DIE("usage: svm-kit-bench START LENGTH NODE MIB REPS");
	start = strtoull(argv[1], NULL, 0);
	length = strtoull(argv[2], NULL, 0);
	node = atoi(argv[3]);
	len = strtoul(argv[4], NULL, 0) << 20;
	reps = atoi(argv[5]);
	npages = len / PAGE;
	if (!len || reps < 1 || reps > NREPS_MAX || node < 1 || node > 63)
		DIE("bad arguments");
	fd = open("/dev/" SVM_CXL_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		DIE("open /dev/svm_cxl: %s", strerror(errno));
	a = pool_add(start, length / 2);
	b = pool_add(start + length / 2, length / 2);

	/* the child: a buffer of the same size, filled, moved on command by its parent */
	if (pipe(cmd) || pipe(resp))
		DIE("pipe");
	child = fork();
	if (child < 0)
		DIE("fork");
	if (!child) {
		char *cb = map();

		fill(cb, 7);
		child_addr = (uintptr_t)cb;
		if (write(resp[1], &child_addr, sizeof(child_addr)) != sizeof(child_addr))
			_exit(2);
		while (read(cmd[0], &c, 1) == 1 && c != 'x')
			;
		_exit(intact(cb, 7) ? 0 : 1);
	}
	if (read(resp[0], &child_addr, sizeof(child_addr)) != sizeof(child_addr))
		DIE("child never answered");
	pidfd = (int)syscall(SYS_pidfd_open, child, 0);
	if (pidfd < 0)
		DIE("pidfd_open: %s", strerror(errno));

	buf = map();
	fill(buf, 3);
	for (int i = 0; i < reps; i++) {
		double self, pid, pid_all, numa, p2p, via;

		/* RAM -> pool A: this process's own buffer, then the child's */
		self = self_move(buf, SVM_CXL_TO_POOL, a, "self to pool");
		self_move(buf, SVM_CXL_TO_SYSTEM, 0, "self back");
		pid = pid_move(pidfd, child_addr, SVM_CXL_TO_POOL, a, 0, "pid to pool");
		pid_move(pidfd, child_addr, SVM_CXL_TO_SYSTEM, 0, 0, "pid back");
		pid_all = pid_move(pidfd, child_addr, SVM_CXL_TO_POOL, a, 1, "pid (whole) to pool");
		pid_move(pidfd, child_addr, SVM_CXL_TO_SYSTEM, 0, 1, "pid (whole) back");
		/* migratepages(8) of the child to the node the pools' memory is part of */
		numa = numa_move(child, child_addr, 0, node);
		numa_move(child, child_addr, node, 0);
		/* pool to pool, and the same trip through RAM */
		self_move(buf, SVM_CXL_TO_POOL, a, "to pool A");
		p2p = self_move(buf, SVM_CXL_TO_POOL, b, "A to B");
		self_move(buf, SVM_CXL_TO_POOL, a, "B to A");
		via = self_move(buf, SVM_CXL_TO_SYSTEM, 0, "A to RAM");
		via += self_move(buf, SVM_CXL_TO_POOL, b, "RAM to B");
		self_move(buf, SVM_CXL_TO_SYSTEM, 0, "B to RAM");
		printf("{\"rep\":%d,\"mib\":%zu,\"self_s\":%.6f,\"pid_s\":%.6f,\"pid_all_s\":%.6f,\"migratepages_s\":%.6f,\"p2p_s\":%.6f,\"via_ram_s\":%.6f}\n",
		       i, len >> 20, self, pid, pid_all, numa, p2p, via);
		r_pid[i] = pid / self;
		r_pidall[i] = pid_all / self;
		r_numa[i] = pid_all / numa;
		r_p2p[i] = via / p2p;
	}
	if (!intact(buf, 3))
		DIE("own buffer corrupted");
	if (write(cmd[1], "x", 1) != 1)
		DIE("child");
	{
		int st;

		if (waitpid(child, &st, 0) != child || !WIFEXITED(st) || WEXITSTATUS(st))
			DIE("child's buffer corrupted or child failed");
	}
	summary("pid_over_self", "<= 1.10", r_pid, reps);
	summary("pid_whole_over_self", "-", r_pidall, reps);
	summary("pid_whole_over_migratepages", "-", r_numa, reps);
	summary("via_ram_over_p2p", ">= 1.8", r_p2p, reps);
	munmap(buf, len);
	pool_remove(a);
	pool_remove(b);
	return 0;
}
