// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm_cxl: the page allocator of a pool. Free pages are a stack of page offsets
 * (alloc pops, page_free pushes: O(1) each) plus a bitmap of allocated pages that a
 * drain uses to find and count pages still out. Everything sits under
 * pool->alloc_lock, a leaf spinlock taken with interrupts off.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/slab.h>

#include "svm_cxl_internal.h"

int svm_cxl_alloc_init(struct svm_cxl_pool *pool)
{
	unsigned long i;

	spin_lock_init(&pool->alloc_lock);
	pool->free_stack = kvmalloc_array(pool->npages, sizeof(*pool->free_stack), GFP_KERNEL);
	if (!pool->free_stack)
		return -ENOMEM;
	pool->allocated = bitmap_zalloc(pool->npages, GFP_KERNEL);
	if (!pool->allocated) {
		kvfree(pool->free_stack);
		pool->free_stack = NULL;
		return -ENOMEM;
	}
	/* Lowest offsets on top: allocation starts at the beginning of the range. */
	for (i = 0; i < pool->npages; i++)
		pool->free_stack[i] = pool->npages - 1 - i;
	pool->nfree = pool->npages;
	return 0;
}

void svm_cxl_alloc_fini(struct svm_cxl_pool *pool)
{
	WARN_ON_ONCE(pool->nfree != pool->npages);
	bitmap_free(pool->allocated);
	kvfree(pool->free_stack);
	pool->allocated = NULL;
	pool->free_stack = NULL;
}

static bool svm_cxl_pop_locked(struct svm_cxl_pool *pool, unsigned long *off)
{
	lockdep_assert_held(&pool->alloc_lock);
	if (pool->state != SVM_CXL_POOL_ACTIVE || !pool->nfree)
		return false;
	*off = pool->free_stack[--pool->nfree];
	__set_bit(*off, pool->allocated);
	return true;
}

static void svm_cxl_push_locked(struct svm_cxl_pool *pool, unsigned long off)
{
	lockdep_assert_held(&pool->alloc_lock);
	/* A page freed twice is a kernel bug, not a user error: warn, keep the stack sane. */
	if (WARN_ON_ONCE(!__test_and_clear_bit(off, pool->allocated)))
		return;
	pool->free_stack[pool->nfree++] = off;
}

/*
 * A device page of @pool, locked, with one reference (zone_device_page_init()), or
 * NULL if the pool is full or not active. Contents are whatever was there.
 */
struct page *svm_cxl_alloc_page_locked(struct svm_cxl_pool *pool)
{
	unsigned long flags, off;
	struct page *page;
	bool ok;

	spin_lock_irqsave(&pool->alloc_lock, flags);
	ok = svm_cxl_pop_locked(pool, &off);
	spin_unlock_irqrestore(&pool->alloc_lock, flags);
	if (!ok) {
		atomic64_inc(&pool->stats.alloc_failures);
		return NULL;
	}
	page = pfn_to_page(pool->pfn_first + off);
	svm_cxl_zone_device_page_init(page, &pool->pgmap, 0);
	return page;
}

/*
 * Up to @n device pages of @pool into @pages, each locked with one reference, taking
 * the allocator lock once. Returns how many; fewer than @n when the pool runs out or
 * is not active (each missing page counts as an allocation failure).
 */
unsigned long svm_cxl_alloc_pages_locked(struct svm_cxl_pool *pool, struct page **pages,
					 unsigned long n)
{
	unsigned long flags, off, i, got = 0;

	if (!(READ_ONCE(svm_cxl_tune) & SVM_CXL_TUNE_BULK_ALLOC)) {
		/* One lock round trip per page (the benchmark's baseline). */
		for (got = 0; got < n; got++) {
			pages[got] = svm_cxl_alloc_page_locked(pool);
			if (!pages[got])
				break;
		}
		if (got < n)
			atomic64_add(n - got - 1, &pool->stats.alloc_failures);
		return got;
	}
	spin_lock_irqsave(&pool->alloc_lock, flags);
	while (got < n && svm_cxl_pop_locked(pool, &off))
		pages[got++] = pfn_to_page(pool->pfn_first + off);
	spin_unlock_irqrestore(&pool->alloc_lock, flags);
	if (got < n)
		atomic64_add(n - got, &pool->stats.alloc_failures);
	for (i = 0; i < got; i++)
		svm_cxl_zone_device_page_init(pages[i], &pool->pgmap, 0);
	return got;
}

/* dev_pagemap_ops.page_free: the last reference of a device page went away. */
static void svm_cxl_page_free_cb(struct page *page)
{
	struct svm_cxl_pool *pool = svm_cxl_pgmap_pool(page_pgmap(page));
	unsigned long flags;

	spin_lock_irqsave(&pool->alloc_lock, flags);
	svm_cxl_push_locked(pool, page_to_pfn(page) - pool->pfn_first);
	spin_unlock_irqrestore(&pool->alloc_lock, flags);
}

#ifdef SVM_CXL_HAVE_FOLIO_FREE
/* dev_pagemap_ops.folio_free (6.19+): pools hand out order-0 folios. */
static void svm_cxl_folio_free_cb(struct folio *folio)
{
	svm_cxl_page_free_cb(&folio->page);
}
#endif

const struct dev_pagemap_ops svm_cxl_pgmap_ops = {
#ifdef SVM_CXL_HAVE_FOLIO_FREE
	.folio_free = svm_cxl_folio_free_cb,
#else
	.page_free = svm_cxl_page_free_cb,
#endif
};

unsigned long svm_cxl_pool_free_pages(struct svm_cxl_pool *pool)
{
	return READ_ONCE(pool->nfree);
}

unsigned long svm_cxl_pool_used(struct svm_cxl_pool *pool)
{
	return pool->npages - READ_ONCE(pool->nfree);
}

enum svm_cxl_pool_state svm_cxl_pool_state(struct svm_cxl_pool *pool)
{
	return READ_ONCE(pool->state);
}

void svm_cxl_pool_set_state(struct svm_cxl_pool *pool, enum svm_cxl_pool_state state)
{
	unsigned long flags;

	spin_lock_irqsave(&pool->alloc_lock, flags);
	WRITE_ONCE(pool->state, state);
	spin_unlock_irqrestore(&pool->alloc_lock, flags);
}

/* Whether any page in [first, first + n) (offsets) is allocated; a hint, unlocked. */
bool svm_cxl_pool_batch_in_use(struct svm_cxl_pool *pool, unsigned long first,
			       unsigned long n)
{
	return find_next_bit(pool->allocated, first + n, first) < first + n;
}

/* In-kernel API */

struct page *svm_cxl_page_alloc(struct svm_cxl_pool *pool)
{
	struct page *page = svm_cxl_alloc_page_locked(pool);

	if (page)
		unlock_page(page);
	return page;
}
EXPORT_SYMBOL_GPL(svm_cxl_page_alloc);

void svm_cxl_page_free(struct page *page)
{
	put_page(page);
}
EXPORT_SYMBOL_GPL(svm_cxl_page_free);

struct svm_cxl_pool *svm_cxl_page_pool(struct page *page)
{
	if (!is_zone_device_page(page) || page_pgmap(page)->ops != &svm_cxl_pgmap_ops)
		return NULL;
	return svm_cxl_pgmap_pool(page_pgmap(page));
}
EXPORT_SYMBOL_GPL(svm_cxl_page_pool);
