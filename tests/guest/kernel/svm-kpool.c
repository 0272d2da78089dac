// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm-kpool: pool add/remove for the shell drivers of the kernel guest tests.
 *   svm-kpool add START LENGTH        prints "POOL_ID NODE"
 *   svm-kpool remove POOL_ID [TIMEOUT_MS]   prints "evicted N busy M"
 * Exit status: 0, or the errno of the ioctl (EINVAL 22, EEXIST 17, EBUSY 16, ...).
 */
#include <unistd.h>

#include "ktest.h"

int main(int argc, char **argv)
{
	uint64_t evicted = 0, busy = 0;
	uint32_t id, node;
	int rc;

	if (argc < 3) {
		fprintf(stderr, "usage: svm-kpool add START LENGTH | remove ID [TIMEOUT_MS]\n");
		return 2;
	}
	kt_open();
	if (!strcmp(argv[1], "add") && argc == 4) {
		rc = kt_pool_add(strtoull(argv[2], NULL, 0), strtoull(argv[3], NULL, 0), &id, &node);
		if (!rc)
			printf("%u %u\n", id, node);
	} else if (!strcmp(argv[1], "remove")) {
		rc = kt_pool_remove(strtoul(argv[2], NULL, 0),
				    argc > 3 ? strtoul(argv[3], NULL, 0) : 0, &evicted, &busy);
		printf("evicted %llu busy %llu\n", (unsigned long long)evicted,
		       (unsigned long long)busy);
	} else {
		fprintf(stderr, "svm-kpool: unknown command '%s'\n", argv[1]);
		return 2;
	}
	if (rc)
		fprintf(stderr, "svm-kpool %s: %s\n", argv[1], strerror(rc));
	return rc;
}
