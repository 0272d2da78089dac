// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm-test-holder MIB DIR: a process for the tests of 'svm-cxlctl migrate --pid'. It
 * fills MIB with a pattern, prints "range: START-END" (its buffer, as --range takes
 * it), creates DIR/ready, then answers each DIR/askN (N = 1, 2, ...) with a line
 *   "N where: pool<ID>=COUNT... system=COUNT none=COUNT pattern: intact|CORRUPT"
 * read with its own SVM_CXL_IOC_QUERY (independent of the CLI) and DIR/doneN, until
 * DIR/exit. Exit 0 only if the pattern was intact every time.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/svm_cxl.h>

#define PAGE 4096UL

static int exists(const char *dir, const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return !stat(path, &st);
}

static void touch(const char *dir, const char *name)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	if (fd >= 0)
		close(fd);
}

static uint64_t word(size_t i)
{
	return (i * 0x9E3779B97F4A7C15ULL) ^ 0x5eed;
}

int main(int argc, char **argv)
{
	struct svm_cxl_page_loc *locs;
	size_t len, n, i;
	uint64_t *buf;
	int fd, round = 1, bad_any = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: svm-test-holder MIB DIR\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	len = strtoul(argv[1], NULL, 0) << 20;
	n = len / PAGE;
	fd = open("/dev/" SVM_CXL_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("/dev/" SVM_CXL_DEVICE_NAME);
		return 2;
	}
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	locs = calloc(n, sizeof(*locs));
	if (buf == MAP_FAILED || !locs)
		return 2;
	madvise(buf, len, MADV_NOHUGEPAGE);	/* page-granular placement */
	for (i = 0; i < len / 8; i++)
		buf[i] = word(i);
	printf("range: %#lx-%#lx\n", (unsigned long)buf, (unsigned long)buf + len);
	touch(argv[2], "ready");

	while (!exists(argv[2], "exit")) {
		struct svm_cxl_query q = { .size = sizeof(q), .addr = (uintptr_t)buf,
					   .length = len, .locs = (uintptr_t)locs };
		unsigned long pools[65] = { 0 }, sys = 0, none = 0, bad = 0;
		char ask[32], done[32];

		snprintf(ask, sizeof(ask), "ask%d", round);
		snprintf(done, sizeof(done), "done%d", round);
		if (!exists(argv[2], ask)) {
			usleep(20000);
			continue;
		}
		if (ioctl(fd, SVM_CXL_IOC_QUERY, &q)) {
			perror("SVM_CXL_IOC_QUERY");
			return 2;
		}
		for (i = 0; i < n; i++) {
			if (locs[i].where == SVM_CXL_WHERE_POOL && locs[i].id <= 64)
				pools[locs[i].id]++;
			else if (locs[i].where == SVM_CXL_WHERE_SYSTEM ||
				 locs[i].where == SVM_CXL_WHERE_ZERO)
				sys++;
			else
				none++;
		}
		for (i = 0; i < len / 8; i++)
			bad += buf[i] != word(i);
		printf("%d where:", round);
		for (i = 1; i <= 64; i++)
			if (pools[i])
				printf(" pool%zu=%lu", i, pools[i]);
		printf(" system=%lu none=%lu pattern: %s\n", sys, none, bad ? "CORRUPT" : "intact");
		bad_any |= !!bad;
		touch(argv[2], done);
		round++;
	}
	return bad_any;
}
