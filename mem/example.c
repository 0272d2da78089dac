// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * svm-mem-example: put a buffer on a coherent pool with libsvmcxl-mem, use it, bring
 * it back. The EXAMPLE of svm_mem(3).
 *
 *   svm-mem-example REGION|poolN [MiB]
 *
 * Build: cc example.c $(pkg-config --cflags --libs libsvmcxl-mem)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <svmcxl/mem.h>

static int report(const char *what, const void *buf, size_t len)
{
	struct svm_mem_where_sum sum;
	int rc = svm_mem_where(buf, len, NULL, &sum);

	if (rc) {
		fprintf(stderr, "where: %s\n", svm_mem_strerror(rc));
		return rc;
	}
	printf("%s: %llu pages: %llu on a pool, %llu in system RAM, %llu not present\n", what,
	       (unsigned long long)sum.pages, (unsigned long long)sum.pool,
	       (unsigned long long)sum.system, (unsigned long long)sum.absent);
	return 0;
}

int main(int argc, char **argv)
{
	size_t len = (argc > 2 ? strtoull(argv[2], NULL, 0) : 4) << 20, i;
	struct svm_mem_result res;
	unsigned char *buf;
	long left;
	int pool;

	if (argc < 2) {
		fprintf(stderr, "usage: %s REGION|poolN [MiB]\n", argv[0]);
		return 2;
	}
	pool = svm_mem_pool_lookup(argv[1]);
	if (pool < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], svm_mem_strerror(pool));
		return 1;
	}
	/* the pages are born on the pool: no system RAM page is allocated for them */
	buf = svm_mem_alloc(pool, len);
	if (!buf) {
		perror("svm_mem_alloc");
		return 1;
	}
	printf("pool%d (node %d): %zu bytes at %p\n", pool, svm_mem_pool_node(pool), len,
	       (void *)buf);
	if (report("allocated", buf, len))
		return 1;

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 7 + 1);

	/* to system RAM and back: the data moves with the pages */
	left = svm_mem_migrate(buf, len, SVM_MEM_SYSTEM, &res);
	if (left < 0) {
		fprintf(stderr, "migrate to RAM: %s\n", svm_mem_strerror((int)left));
		return 1;
	}
	printf("to system RAM: %llu moved, %ld left\n", (unsigned long long)res.moved, left);
	if (report("after migrate", buf, len))
		return 1;
	left = svm_mem_migrate(buf, len, pool, &res);
	if (left < 0) {
		fprintf(stderr, "migrate to pool%d: %s\n", pool, svm_mem_strerror((int)left));
		return 1;
	}
	printf("to pool%d: %llu moved, %ld left\n", pool, (unsigned long long)res.moved, left);

	for (i = 0; i < len; i++)
		if (buf[i] != (unsigned char)(i * 7 + 1)) {
			fprintf(stderr, "byte %zu differs\n", i);
			return 1;
		}
	printf("data intact\n");
	svm_mem_free(buf, len);
	return 0;
}
