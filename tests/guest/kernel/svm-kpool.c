// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm-kpool: pool add/remove for the shell drivers of the kernel guest tests.
 *   svm-kpool add START LENGTH        prints "POOL_ID NODE"
 *   svm-kpool remove POOL_ID [TIMEOUT_MS]   prints "evicted N busy M"
 *   svm-kpool add-at-open START LENGTH  waits (30 s at most) for /dev/svm_cxl to open,
 *                                     adds the pool at once, prints "POOL_ID NODE"
 * Exit status: 0, or the errno of the ioctl (EINVAL 22, EEXIST 17, EBUSY 16, ...).
 */
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include "ktest.h"

/* Open the misc device the moment it appears (modprobe running beside us). */
static void open_when_there(void)
{
	double until = kt_now() + 30;

	while ((kt_fd = open("/dev/" SVM_CXL_DEVICE_NAME, O_RDWR | O_CLOEXEC)) < 0) {
		if (kt_now() > until)
			KT_DIE("/dev/%s did not open within 30 s: %s", SVM_CXL_DEVICE_NAME,
			       strerror(errno));
		sched_yield();
	}
}

int main(int argc, char **argv)
{
	uint64_t evicted = 0, busy = 0;
	uint32_t id, node;
	int rc;

	if (argc < 3) {
		fprintf(stderr, "usage: svm-kpool add|add-at-open START LENGTH | remove ID [TIMEOUT_MS]\n");
		return 2;
	}
	if (!strcmp(argv[1], "add-at-open"))
		open_when_there();
	else
		kt_open();
	if ((!strcmp(argv[1], "add") || !strcmp(argv[1], "add-at-open")) && argc == 4) {
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
