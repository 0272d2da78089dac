// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm-run-prog: an ordinary program for the tests of 'svm-cxlctl run'; it knows
 * nothing of svm-cxl. It allocates MIB MiB with malloc(), 1 MiB with calloc() and grows
 * a 256 KiB block to 2 MiB with realloc() (with --mmap, also maps 2 MiB itself), fills
 * everything with a pattern, and prints one checksum, which must not depend on where
 * the memory is. With DIR it writes its pid and the start of each block to DIR/pid and
 * DIR/addrs, creates DIR/ready, waits for DIR/go, and checks the data again before it
 * exits (status 1 if anything changed).
 *
 *   svm-run-prog MIB [--mmap] [DIR]
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

struct block {
	uint64_t *p;
	size_t words;
};

static void fill(struct block *b, uint64_t seed)
{
	for (size_t i = 0; i < b->words; i++)
		b->p[i] = (seed + i) * 0x9e3779b97f4a7c15ULL ^ (i << 17);
}

static uint64_t sum(const struct block *b, int n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (int k = 0; k < n; k++)
		for (size_t i = 0; i < b[k].words; i++)
			h = (h ^ b[k].p[i]) * 0x100000001b3ULL;
	return h;
}

static int calloc_zero(const uint64_t *p, size_t words)
{
	for (size_t i = 0; i < words; i++)
		if (p[i])
			return 0;
	return 1;
}

int main(int argc, char **argv)
{
	size_t big = argc > 1 ? strtoul(argv[1], NULL, 0) << 20 : 0;
	const char *dir = NULL;
	struct block b[4];
	int n = 0, use_mmap = 0;
	uint64_t h, *small;
	char path[256];

	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--mmap"))
			use_mmap = 1;
		else
			dir = argv[i];
	}
	if (!big) {
		fprintf(stderr, "usage: svm-run-prog MIB [--mmap] [DIR]\n");
		return 2;
	}
	b[n++] = (struct block){ malloc(big), big / 8 };
	b[n++] = (struct block){ calloc(1, 1 << 20), (1 << 20) / 8 };
	if (!b[0].p || !b[1].p)
		return 3;
	if (!calloc_zero(b[1].p, b[1].words)) {
		fprintf(stderr, "calloc memory is not zero\n");
		return 1;
	}
	/* realloc keeps the first 256 KiB */
	small = malloc(256 << 10);
	if (!small)
		return 3;
	for (size_t i = 0; i < (256 << 10) / 8; i++)
		small[i] = i * 3 + 1;
	b[n] = (struct block){ realloc(small, 2 << 20), (2 << 20) / 8 };
	if (!b[n].p)
		return 3;
	for (size_t i = 0; i < (256 << 10) / 8; i++)
		if (b[n].p[i] != i * 3 + 1) {
			fprintf(stderr, "realloc lost word %zu\n", i);
			return 1;
		}
	n++;
	if (use_mmap) {
		void *m = mmap(NULL, 2 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);

		if (m == MAP_FAILED)
			return 3;
		b[n++] = (struct block){ m, (2 << 20) / 8 };
	}
	for (int k = 0; k < n; k++)
		fill(&b[k], (uint64_t)k << 32);
	h = sum(b, n);
	printf("sum: %016llx\n", (unsigned long long)h);
	fflush(stdout);
	if (!dir)
		return 0;

	snprintf(path, sizeof(path), "%s/addrs", dir);
	{
		FILE *f = fopen(path, "w");

		if (!f)
			return 3;
		for (int k = 0; k < n; k++)
			fprintf(f, "%lx\n", (unsigned long)b[k].p);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/pid", dir);
	{
		FILE *f = fopen(path, "w");

		if (!f)
			return 3;
		fprintf(f, "%d\n", (int)getpid());
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/ready", dir);
	{
		FILE *f = fopen(path, "w");

		if (!f)
			return 3;
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/go", dir);
	while (access(path, F_OK))
		usleep(20000);
	if (sum(b, n) != h) {
		fprintf(stderr, "data changed while waiting\n");
		return 1;
	}
	for (int k = 0; k < n - use_mmap; k++)
		free(b[k].p);
	return 0;
}
