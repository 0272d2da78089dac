// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Pools by name. Each pool's sysfs directory names the CXL region holding it in
 * poolN/region (ABI 1.4), readable by every user (the pool's start address is root
 * only); a region's pool is the pool that names it, the lowest id if an administrator
 * made several.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <svmcxl/mem.h>
#include "private.h"

#define POOLS_DIR "/sys/devices/virtual/misc/svm_cxl/pools"

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
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof(p), POOLS_DIR "/pool%d", id);
	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

/* the first line of POOLS_DIR/@entry/@attr, without its newline */
static int read_attr(const char *entry, const char *attr, char *buf, size_t len)
{
	char p[PATH_MAX];
	FILE *f;
	int rc = 0;

	snprintf(p, sizeof(p), POOLS_DIR "/%s/%s", entry, attr);
	f = fopen(p, "re");
	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		rc = -EIO;
	else
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
	return rc;
}

/* the lowest pool id whose region attribute is @region */
static int pool_of_region(const char *region)
{
	struct dirent *d;
	int rc = -ENOENT;
	DIR *dir;

	dir = opendir(POOLS_DIR);
	if (!dir)
		return -ENOENT;		/* svm_cxl not loaded: no pool anywhere */
	while ((d = readdir(dir))) {
		long id = name_number(d->d_name, "pool");
		char name[64];

		if (id <= 0 || (rc > 0 && id >= rc))
			continue;
		/* absent on a pool outside every region; gone if removed meanwhile */
		if (!read_attr(d->d_name, "region", name, sizeof(name)) && !strcmp(name, region))
			rc = (int)id;
	}
	closedir(dir);
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
	char p[PATH_MAX];
	int node, rc;
	FILE *f;

	if (pool < 1)
		return -EINVAL;
	snprintf(p, sizeof(p), POOLS_DIR "/pool%d/node", pool);
	f = fopen(p, "re");
	if (!f)
		return errno == ENOENT ? -ENOENT : -errno;
	rc = fscanf(f, "%d", &node) == 1 && node >= 0 ? node : -EIO;
	fclose(f);
	return rc;
}
