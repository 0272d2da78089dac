// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Coherent mode: the region's dax device is disabled (kmem kept off it), svm_cxl.ko is
 * loaded and the region's range becomes a MEMORY_DEVICE_COHERENT pool. Pools are read
 * from /sys/devices/virtual/misc/svm_cxl/pools/poolN.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include <linux/svm_cxl.h>
#include "private.h"

#define POOLS_DIR "sys/devices/virtual/misc/svm_cxl/pools"

int svm_pools_read(struct svm_ctx *ctx)
{
	struct svm_pool *old = ctx->pools, **tail;
	char dir[PATH_MAX], p[PATH_MAX], buf[64];
	struct dirent *de;
	struct stat st;
	DIR *d;

	/* the objects read before are kept (see private.h), those left on @old are gone */
	ctx->pools_read = true;
	ctx->pools = NULL;
	sysfs_path(ctx, dir, sizeof(dir), POOLS_DIR);
	d = opendir(dir);
	if (!d) {
		svm_retire(old, ctx->gone.pools);
		return 0;
	}
	while ((de = readdir(d))) {
		struct svm_pool *pool;
		uint64_t v;

		if (strncmp(de->d_name, "pool", 4) || de->d_name[4] < '0' || de->d_name[4] > '9')
			continue;
		pool = svm_take_id(&old, atoi(de->d_name + 4));
		if (!pool)
			pool = svm_take_id(&ctx->gone.pools, atoi(de->d_name + 4));
		if (pool)
			memset(pool, 0, sizeof(*pool));
		else
			pool = calloc(1, sizeof(*pool));
		if (!pool)
			break;
		pool->ctx = ctx;
		pool->id = atoi(de->d_name + 4);
#define RD(attr, field) do { \
		sysfs_path(ctx, p, sizeof(p), POOLS_DIR "/%s/" attr, de->d_name); \
		if (!sysfs_read_u64(ctx, p, &v)) \
			pool->field = v; \
	} while (0)
		RD("start", start);
		RD("size", size);
		RD("pages", pages_total);
		RD("used", pages_used);
#undef RD
		/* a pool removed and added again under the same id has a new directory */
		sysfs_path(ctx, p, sizeof(p), POOLS_DIR "/%s", de->d_name);
		if (!stat(p, &st))
			pool->instance = st.st_ino;
		sysfs_path(ctx, p, sizeof(p), POOLS_DIR "/%s/state", de->d_name);
		if (!sysfs_read(ctx, p, buf, sizeof(buf)))
			snprintf(pool->state, sizeof(pool->state), "%s", buf);
		/* keep the list sorted by id */
		for (tail = &ctx->pools; *tail && (*tail)->id < pool->id; tail = &(*tail)->next)
			;
		pool->next = *tail;
		*tail = pool;
	}
	closedir(d);
	svm_retire(old, ctx->gone.pools);
	return 0;
}

#ifdef SVM_CXL_IOC_POOL_ADD
static int open_dev(struct svm_ctx *ctx, int *fd)
{
	struct svm_cxl_version v = { .size = sizeof(v) };
	char p[PATH_MAX];

	sysfs_path(ctx, p, sizeof(p), "dev/" SVM_CXL_DEVICE_NAME);
	*fd = open(p, O_RDWR | O_CLOEXEC);
	if (*fd < 0)
		return -errno;
	if (ioctl(*fd, SVM_CXL_IOC_VERSION, &v)) {
		int rc = -errno;

		close(*fd);
		return rc;
	}
	if (v.abi_major != SVM_CXL_ABI_MAJOR) {
		close(*fd);
		return -EPROTO;
	}
	return 0;
}

int svm_pool_add(struct svm_ctx *ctx, struct svm_region *r)
{
	struct svm_cxl_pool_add add = { .size = sizeof(add) };
	struct svm_dax *d = svm_region_get_dax(r);
	char name[32], dax[32] = "", prev[32] = "";
	uint64_t t0 = now_ms();
	int fd, rc;

	snprintf(name, sizeof(name), "%s", r->name);
	if (r->start == UINT64_MAX || !r->size)
		return svm_fail(ctx, -ENXIO, "%s: has no address range", name);
	if (d) {
		snprintf(dax, sizeof(dax), "%s", d->name);
		snprintf(prev, sizeof(prev), "%s", d->driver);
		if (!strcmp(prev, "kmem") && svm_dax_get_nr_online(d))
			return svm_fail(ctx, -EBUSY, "%s: %s has online memory; offline it first",
					name, dax);
	}
	rc = svm_kmod_load(ctx, "svm_cxl");
	if (rc)
		return svm_fail(ctx, rc,
				"%s: cannot load the svm_cxl module: %s",
				name, rc == -EPERM ? "it is blacklisted in modprobe.d" :
				rc == -ENOENT ? "not found (is it installed? depmod run?)" :
				strerror(-rc));
	rc = open_dev(ctx, &fd);
	if (rc)
		return svm_fail(ctx, rc, "%s: /dev/%s: %s%s", name, SVM_CXL_DEVICE_NAME,
				strerror(-rc),
				rc == -EPROTO ? " (module ABI major differs from this library's)" : "");
	/* disable the dax device: its driver would own the range */
	if (prev[0]) {
		rc = svm_dax_disable(ctx, dax);
		if (rc) {
			close(fd);
			return svm_fail(ctx, rc, "%s: cannot disable %s (bound to %s): %s", name, dax,
					prev, strerror(-rc));
		}
	}
	add.start = r->start;
	add.length = r->size;
	if (ioctl(fd, SVM_CXL_IOC_POOL_ADD, &add)) {
		rc = -errno;
		close(fd);
		if (prev[0] && svm_dax_enable_as(ctx, dax, prev))
			svm_fail_append(ctx, "; %s could not be given back to %s", dax, prev);
		return svm_fail(ctx, rc, "%s: svm_cxl refused the range %#llx+%#llx as a pool: %s%s",
				name, (unsigned long long)add.start, (unsigned long long)add.length,
				strerror(-rc),
				rc == -EBUSY ? " (an enabled dax device claims it; dmesg says which)" :
				rc == -EADDRINUSE ? " (part of it is System RAM: offline numa mode first)" :
				"");
	}
	close(fd);
	svm_note(ctx, "%s: online as coherent (pool%u, node %u) in %llu ms", name, add.pool_id,
		 add.node, (unsigned long long)(now_ms() - t0));
	return 0;
}

int svm_pool_remove(struct svm_ctx *ctx, struct svm_pool *pool, unsigned int timeout_ms)
{
	struct svm_cxl_pool_remove rm = { .size = sizeof(rm) };
	uint64_t t0 = now_ms();
	int fd, rc, id = pool->id;

	rc = open_dev(ctx, &fd);
	if (rc)
		return svm_fail(ctx, rc, "pool%d: /dev/%s: %s", id, SVM_CXL_DEVICE_NAME,
				strerror(-rc));
	rm.pool_id = id;
	rm.timeout_ms = timeout_ms;
	rc = ioctl(fd, SVM_CXL_IOC_POOL_REMOVE, &rm) ? -errno : 0;
	close(fd);
	if (rc)
		return svm_fail(ctx, rc,
				"pool%d: drain failed: %s; %llu page(s) moved, %llu still in use (pinned or busy); the pool stays active: retry, or stop the processes using it",
				id, strerror(-rc), (unsigned long long)rm.evicted,
				(unsigned long long)rm.busy);
	svm_note(ctx, "pool%d: drained (%llu page(s) moved to system RAM) and removed in %llu ms",
		 id, (unsigned long long)rm.evicted, (unsigned long long)(now_ms() - t0));
	return 0;
}
#else
int svm_pool_add(struct svm_ctx *ctx, struct svm_region *r)
{
	return svm_fail(ctx, -EOPNOTSUPP,
			"%s: coherent mode is not built in (linux/svm_cxl.h has no pool ioctls)",
			r->name);
}

int svm_pool_remove(struct svm_ctx *ctx, struct svm_pool *pool, unsigned int timeout_ms)
{
	return svm_fail(ctx, -EOPNOTSUPP,
			"pool%d: coherent mode is not built in (linux/svm_cxl.h has no pool ioctls)",
			pool->id);
}
#endif
