// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libsvmcxl-mem without the module: argument checks fail with EINVAL before the
 * device is opened, a missing /dev/svm_cxl is ENXIO, pool lookup by region (each
 * pool's region attribute) and by pool name over a fake sysfs tree mounted over /sys
 * (tests/host/glue/fake-sysfs.h), and every errno has a sentence.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <svmcxl/mem.h>
#include "../check.h"
#include "../glue/fake-sysfs.h"

#define POOLS "sys/devices/virtual/misc/svm_cxl/pools/"

int main(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *buf;


	/* no pools directory at all: svm_cxl is not loaded */
	fake_sysfs_enter();
	CHECK(svm_mem_pool_lookup("region1") == -ENOENT, "region1 without the module -> %d",
	      svm_mem_pool_lookup("region1"));
	/* pool3 and pool12 in region1 (the lowest id wins), pool10 in region12, pool7
	 * outside every region (no region attribute), region0 without a pool */
	put(POOLS "pool12/region", "region1");
	put(POOLS "pool12/node", "1");
	put(POOLS "pool3/region", "region1");
	put(POOLS "pool3/node", "1");
	put(POOLS "pool10/region", "region12");
	put(POOLS "pool10/node", "1");
	put(POOLS "pool7/node", "2");
	mkpath(POOLS "pool8");		/* a pool being removed: its attributes gone */

	/* lookup */
	CHECK(svm_mem_pool_lookup("region1") == 3, "region1 -> %d", svm_mem_pool_lookup("region1"));
	CHECK(svm_mem_pool_lookup("region12") == 10, "region12 -> %d (not region1's)",
	      svm_mem_pool_lookup("region12"));
	CHECK(svm_mem_pool_lookup("region0") == -ENOENT, "region0 (no pool) -> %d",
	      svm_mem_pool_lookup("region0"));
	CHECK(svm_mem_pool_lookup("region9") == -ENOENT, "unknown region");
	CHECK(svm_mem_pool_lookup("pool3") == 3, "pool3");
	CHECK(svm_mem_pool_lookup("pool7") == 7, "pool7 (outside a region)");
	CHECK(svm_mem_pool_lookup("pool4") == -ENOENT, "pool4 does not exist");
	CHECK(svm_mem_pool_lookup("pool0") == -EINVAL, "pool0 is no pool name");
	CHECK(svm_mem_pool_lookup("region") == -EINVAL, "'region'");
	CHECK(svm_mem_pool_lookup("region1x") == -EINVAL, "'region1x'");
	CHECK(svm_mem_pool_lookup("dax0.0") == -EINVAL, "'dax0.0'");
	CHECK(svm_mem_pool_lookup("") == -EINVAL, "empty name");
	CHECK(svm_mem_pool_lookup(NULL) == -EINVAL, "NULL name");
	CHECK(svm_mem_pool_node(3) == 1, "pool3 node");
	CHECK(svm_mem_pool_node(7) == 2, "pool7 node");
	CHECK(svm_mem_pool_node(4) == -ENOENT, "pool4 node");
	CHECK(svm_mem_pool_node(0) == -EINVAL, "pool0 node");

	/* argument checks: EINVAL, whatever the module */
	errno = 0;
	CHECK(!svm_mem_alloc(0, 4096) && errno == EINVAL, "alloc pool 0: errno %d", errno);
	errno = 0;
	CHECK(!svm_mem_alloc(SVM_MEM_SYSTEM, 4096) && errno == EINVAL, "alloc SYSTEM: %d", errno);
	errno = 0;
	CHECK(!svm_mem_alloc(1, 0) && errno == EINVAL, "alloc size 0: %d", errno);
	errno = 0;
	CHECK(!svm_mem_alloc(1, (size_t)-1) && errno == EINVAL, "alloc SIZE_MAX: %d", errno);

	buf = mmap(NULL, 4 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		return 99;
	CHECK(svm_mem_migrate(buf + 1, pg, 1, NULL) == -EINVAL, "migrate unaligned");
	CHECK(svm_mem_migrate(buf, 0, 1, NULL) == -EINVAL, "migrate length 0");
	CHECK(svm_mem_migrate(buf, pg, 0, NULL) == -EINVAL, "migrate to pool 0");
	CHECK(svm_mem_migrate(buf, pg, -2, NULL) == -EINVAL, "migrate to pool -2");
	CHECK(svm_mem_where(buf + 8, pg, NULL, NULL) == -EINVAL, "where unaligned");
	CHECK(svm_mem_where(buf, 0, NULL, NULL) == -EINVAL, "where length 0");
	CHECK(svm_mem_where(buf, (size_t)-1, NULL, NULL) == -EINVAL, "where wraps");
	CHECK(svm_mem_free(buf + 1, pg) == -EINVAL, "free unaligned");
	CHECK(svm_mem_free(NULL, pg) == -EINVAL, "free NULL");
	CHECK(svm_mem_free(buf, 0) == -EINVAL, "free size 0");

	/* no /dev/svm_cxl under the root: the module is not loaded */
	errno = 0;
	CHECK(!svm_mem_alloc(3, 4096) && errno == ENXIO, "alloc without module: %d", errno);
	CHECK(svm_mem_migrate(buf, pg, 3, NULL) == -ENXIO, "migrate without module");
	CHECK(svm_mem_migrate(buf, pg, SVM_MEM_SYSTEM, NULL) == -ENXIO, "to system w/o module");
	CHECK(svm_mem_where(buf, pg, NULL, NULL) == -ENXIO, "where without module");
	/* a node that is no svm_cxl device: ioctl fails ENOTTY, reported as not loaded */
	put("dev/svm_cxl", "");
	CHECK(svm_mem_where(buf, pg, NULL, NULL) == -ENXIO, "where on a plain file: %d",
	      svm_mem_where(buf, pg, NULL, NULL));
	CHECK(svm_mem_free(buf, 4 * pg) == 0, "free a plain mapping");

	/* every errno the calls document has its own sentence; others fall back */
	{
		static const int errs[] = { EINVAL, ENOENT, ENOSPC, ENODEV, ENXIO, EACCES, EPERM,
					    EPROTO, EFAULT, EBUSY, ENOMEM };
		size_t i;

		for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
			const char *s = svm_mem_strerror(-errs[i]);

			CHECK(s && *s && strcmp(s, strerror(errs[i])), "errno %d: '%s'", errs[i], s);
			CHECK(s == svm_mem_strerror(errs[i]), "either sign, errno %d", errs[i]);
		}
		CHECK(!strcmp(svm_mem_strerror(-EXDEV), strerror(EXDEV)), "fallback");
		CHECK(svm_mem_strerror(-123456) != NULL, "unknown errno");
	}

	fake_sysfs_remove();
	return check_summary();
}
