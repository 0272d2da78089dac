// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Pools by name. The module's sysfs says nothing about which CXL region a pool sits
 * in except through the pool's start address, which is root only (0400, like the
 * addresses of /proc/iomem). The nesting of /proc/iomem is readable by everyone,
 * addresses zeroed or not: the module claims each pool as "svm_cxl poolN" and that
 * claim nests under the "regionN" resource of its CXL region (the module refuses a
 * pool whose claim does not). So the region of a pool is its nearest "regionN"
 * ancestor there, for any caller.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <svmcxl/mem.h>
#include "private.h"

#define POOLS_DIR "sys/devices/virtual/misc/svm_cxl/pools"
#define MAX_DEPTH 16

/* "PREFIXdigits" exactly; the number, or -1 */
static long name_number(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);
	char *end;
	long v;

	if (strncmp(s, prefix, n) || s[n] < '0' || s[n] > '9')
		return -1;
	v = strtol(s + n, &end, 10);
	return *end || v > INT_MAX ? -1 : v;
}

static int pool_exists(int id)
{
	char rel[64], p[PATH_MAX];
	struct stat st;

	snprintf(rel, sizeof(rel), POOLS_DIR "/pool%d", id);
	svm_mem_path(p, sizeof(p), rel);
	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

/* the first "svm_cxl poolN" nested below the resource named @region in /proc/iomem */
static int pool_of_region(const char *region)
{
	char line[256], p[PATH_MAX];
	int region_depth = -1, rc = -ENOENT;
	FILE *f;

	svm_mem_path(p, sizeof(p), "proc/iomem");
	f = fopen(p, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		/* "  START-END : NAME": two spaces of indent per level */
		char *name = strstr(line, " : ");
		int depth = (int)(strspn(line, " ") / 2);
		long id;

		if (!name)
			continue;
		name += 3;
		name[strcspn(name, "\n")] = '\0';
		if (region_depth >= 0 && depth <= region_depth)
			region_depth = -1;	/* left the region's subtree */
		if (region_depth < 0) {
			if (!strcmp(name, region) && depth < MAX_DEPTH)
				region_depth = depth;
			continue;
		}
		id = name_number(name, "svm_cxl pool");
		if (id > 0) {
			rc = (int)id;
			break;
		}
	}
	fclose(f);
	return rc;
}

SVM_MEM_EXPORT int svm_mem_pool_lookup(const char *name)
{
	long id;

	if (!name)
		return -EINVAL;
	id = name_number(name, "pool");
	if (id > 0)
		return pool_exists((int)id) ? (int)id : -ENOENT;
	if (name_number(name, "region") >= 0)
		return pool_of_region(name);
	return -EINVAL;
}

SVM_MEM_EXPORT int svm_mem_pool_node(int pool)
{
	char rel[64], p[PATH_MAX];
	int node, rc;
	FILE *f;

	if (pool < 1)
		return -EINVAL;
	snprintf(rel, sizeof(rel), POOLS_DIR "/pool%d/node", pool);
	svm_mem_path(p, sizeof(p), rel);
	f = fopen(p, "re");
	if (!f)
		return errno == ENOENT ? -ENOENT : -errno;
	rc = fscanf(f, "%d", &node) == 1 && node >= 0 ? node : -EIO;
	fclose(f);
	return rc;
}
