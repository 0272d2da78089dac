/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * svm_cxl in-kernel API: an accelerator driver looks up a pool of MEMORY_DEVICE_COHERENT
 * CXL pages, allocates and frees device pages from it, and migrates ranges of an mm to
 * and from it. The /dev/svm_cxl ioctls are built on the same functions.
 */
#ifndef _LINUX_SVM_CXL_H
#define _LINUX_SVM_CXL_H

#include <linux/types.h>

struct mm_struct;
struct page;
struct svm_cxl_pool;

/**
 * struct svm_cxl_migrate_result - what happened to each page of a migrated range
 *
 * Every page of the range is counted in exactly one of @moved, @already, @absent,
 * @busy, @no_memory, @other_pool, @unsupported; @zero_filled and @huge are parts of @moved. The
 * fields mean what the same fields of the uapi struct svm_cxl_migrate mean.
 */
struct svm_cxl_migrate_result {
	u64 moved;
	u64 zero_filled;
	u64 already;
	u64 absent;
	u64 busy;
	u64 no_memory;
	u64 other_pool;
	u64 unsupported;
	u64 huge;		/* of @moved: pages that moved as whole 2 MiB folios */
};

/* Pools: a reference keeps the struct alive, not the pool active (it may drain). */
struct svm_cxl_pool *svm_cxl_pool_get(u32 id);
struct svm_cxl_pool *svm_cxl_pool_get_by_phys(phys_addr_t addr);
void svm_cxl_pool_put(struct svm_cxl_pool *pool);
u32 svm_cxl_pool_id(const struct svm_cxl_pool *pool);
int svm_cxl_pool_node(const struct svm_cxl_pool *pool);
/*
 * The pool of a device page, or NULL if it is not one of ours. No reference is taken:
 * the pool is valid only while the caller holds a reference on @page.
 */
struct svm_cxl_pool *svm_cxl_page_pool(struct page *page);

/*
 * Device pages: svm_cxl_page_alloc() returns an unlocked, zeroed page with one
 * reference, or NULL when the pool is full or not active (draining). It may sleep
 * (zone_device_page_init() locks the page). Give it back with svm_cxl_page_free()
 * (put_page(): the pool gets the page back when its last reference goes). Such
 * pages are charged to no process (sysfs holders) and count toward no user limit. A
 * page a driver holds cannot be evicted (drains skip it without copying it): pool
 * removal fails with -EBUSY until it is freed.
 */
struct page *svm_cxl_page_alloc(struct svm_cxl_pool *pool);
void svm_cxl_page_free(struct page *page);

/*
 * Migration of [start, end) of @mm, which the caller holds a reference on (mmget) and
 * does not hold mmap_lock of. To @pool; or back to system RAM, only pages of @pool or,
 * with @pool NULL, of any pool. Returns 0 with @res filled, or -EINVAL (bad range,
 * PROT_NONE or unmovable mapping), -EFAULT (a hole in the range), -EINTR (a fatal
 * signal; @res counts what happened so far).
 */
int svm_cxl_migrate_to_pool(struct mm_struct *mm, unsigned long start, unsigned long end,
			    struct svm_cxl_pool *pool, struct svm_cxl_migrate_result *res);
int svm_cxl_migrate_to_system(struct mm_struct *mm, unsigned long start, unsigned long end,
			      struct svm_cxl_pool *pool, struct svm_cxl_migrate_result *res);

#endif /* _LINUX_SVM_CXL_H */
