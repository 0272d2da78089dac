// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm_cxl: the page allocator of a pool, page_free and memory placement of the memmap.
 *
 * The pool is cut in 2 MiB chunks. A bitmap says which pages are out (handed out, or
 * retired after a memory failure); two bitmaps over the chunks say which chunks have
 * any page out and which are partly used. Single pages come from the chunk the last one
 * came from, else from a partly used chunk, else from an empty one, so empty chunks
 * stay whole for aligned 512-page runs; a batch of 512 pages or more takes whole empty
 * chunks. Every search is a find_*_bit() over at most one chunk of pages (8 words) or
 * over the chunk bitmaps (64 KiB for 1 TiB). Everything sits under pool->alloc.lock,
 * a leaf spinlock taken with interrupts off.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/pagemap.h>
#include <linux/slab.h>

#include "svm_cxl_internal.h"

static bool memmap_on_device;
module_param(memmap_on_device, bool, 0644);
MODULE_PARM_DESC(memmap_on_device,
		 "Put the struct pages of new pools in the pool itself (vmem_altmap) instead of system RAM (default: off)");

/* Words of the page bitmap per chunk. */
#define SVM_CXL_CHUNK_WORDS	BITS_TO_LONGS(SVM_CXL_CHUNK_PAGES)

/*
 * Pages of memmap at the start of a pool of @npages for vmem_altmap: x86 maps the
 * memmap of every whole section with 2 MiB blocks taken from the altmap (a partial
 * section's memmap comes from system RAM). One block more covers a start that is not
 * section aligned. Rounded to whole chunks so that the allocatable part starts on one.
 */
static unsigned long svm_cxl_memmap_pages(unsigned long npages)
{
	unsigned long per_section = DIV_ROUND_UP(PAGES_PER_SECTION * sizeof(struct page),
						 PAGE_SIZE);

	return round_up((DIV_ROUND_UP(npages, PAGES_PER_SECTION) + 1) * per_section,
			SVM_CXL_CHUNK_PAGES);
}

/*
 * With memmap_on_device, give the pgmap an altmap over the start of the range: the
 * memmap (64 bytes per 4 KiB page, 1.6%) then costs no system RAM. memremap_pages()
 * supports an altmap for MEMORY_DEVICE_COHERENT as for any type other than
 * DEVICE_PRIVATE (6.12 mm/memremap.c, pagemap_range(): one range only). Pools smaller
 * than twice the memmap they would need (a section or less) keep it in RAM.
 */
static void svm_cxl_alloc_place_memmap(struct svm_cxl_pool *pool)
{
	unsigned long pages = svm_cxl_memmap_pages(pool->npages);
	/* Its end_pfn and reserve are const: set as a whole, as nvdimm's pfn devices do. */
	struct vmem_altmap altmap = {
		.base_pfn = pool->pfn_first,
		.end_pfn = pool->pfn_first + pool->npages - 1,
		.free = pages,
	};

	pool->memmap_pages = 0;
	if (!READ_ONCE(memmap_on_device) || pool->npages < 2 * pages)
		return;
	memcpy(&pool->pgmap.altmap, &altmap, sizeof(altmap));
	pool->pgmap.flags |= PGMAP_ALTMAP_VALID;
	pool->memmap_pages = pages;
}

/*
 * Set up the allocator of a pool whose pfn_first and npages are set, before
 * memremap_pages(): it also decides where the memmap goes (pool->pgmap.altmap).
 */
int svm_cxl_alloc_init(struct svm_cxl_pool *pool)
{
	struct svm_cxl_alloc *a = &pool->alloc;

	spin_lock_init(&a->lock);
	svm_cxl_owners_init(pool);
	/*
	 * Pools are 2 MiB aligned (SUBSECTION_SIZE). The bitmaps are indexed by unsigned
	 * long, but kvmalloc() refuses more than INT_MAX bytes: 2^34 pages (64 TiB)
	 * would need a 2 GiB bitmap and 1 TiB of memmap, more than any host has.
	 */
	if (!IS_ALIGNED(pool->pfn_first | pool->npages, SVM_CXL_CHUNK_PAGES) || !pool->npages)
		return -EINVAL;
	if (BITS_TO_LONGS(pool->npages) > INT_MAX / sizeof(long)) {
		pr_info("pool of %lu pages refused: more than the allocator can index\n",
			pool->npages);
		return -E2BIG;
	}
	svm_cxl_alloc_place_memmap(pool);
	a->base_pfn = pool->pfn_first + pool->memmap_pages;
	a->npages = pool->npages - pool->memmap_pages;
	a->nchunks = a->npages >> SVM_CXL_CHUNK_SHIFT;
	a->out = kvcalloc(BITS_TO_LONGS(a->npages), sizeof(long), GFP_KERNEL);
	a->chunk_used = kvcalloc(BITS_TO_LONGS(a->nchunks), sizeof(long), GFP_KERNEL);
	a->chunk_partial = kvcalloc(BITS_TO_LONGS(a->nchunks), sizeof(long), GFP_KERNEL);
	if (!a->out || !a->chunk_used || !a->chunk_partial) {
		svm_cxl_alloc_fini(pool);
		return -ENOMEM;
	}
	a->nfree = a->npages;
	a->nretired = 0;
	a->cursor = 0;
	return 0;
}

void svm_cxl_alloc_fini(struct svm_cxl_pool *pool)
{
	struct svm_cxl_alloc *a = &pool->alloc;

	WARN_ON_ONCE(a->out && a->nfree + a->nretired != a->npages);
	kvfree(a->out);
	kvfree(a->chunk_used);
	kvfree(a->chunk_partial);
	a->out = NULL;
	a->chunk_used = NULL;
	a->chunk_partial = NULL;
}

static unsigned long *svm_cxl_chunk_words(struct svm_cxl_alloc *a, unsigned long chunk)
{
	return a->out + chunk * SVM_CXL_CHUNK_WORDS;
}

/* Recompute the two chunk bits of @chunk from its pages (8 popcounts). */
static void svm_cxl_chunk_update(struct svm_cxl_alloc *a, unsigned long chunk)
{
	unsigned int w = bitmap_weight(svm_cxl_chunk_words(a, chunk), SVM_CXL_CHUNK_PAGES);

	if (w)
		__set_bit(chunk, a->chunk_used);
	else
		__clear_bit(chunk, a->chunk_used);
	if (w && w < SVM_CXL_CHUNK_PAGES)
		__set_bit(chunk, a->chunk_partial);
	else
		__clear_bit(chunk, a->chunk_partial);
}

static bool svm_cxl_can_alloc(struct svm_cxl_pool *pool)
{
	lockdep_assert_held(&pool->alloc.lock);
	return pool->state == SVM_CXL_POOL_ACTIVE && pool->alloc.nfree;
}

/* Offset (in allocatable pages) of a free page, now out. The caller checked nfree. */
static unsigned long svm_cxl_take_one(struct svm_cxl_alloc *a)
{
	unsigned long chunk = a->cursor, bit;

	/* Stay in the current chunk while it is partly used; else a partly used one. */
	if (chunk >= a->nchunks || !test_bit(chunk, a->chunk_partial)) {
		chunk = find_first_bit(a->chunk_partial, a->nchunks);
		if (chunk >= a->nchunks)
			chunk = find_first_zero_bit(a->chunk_used, a->nchunks);
		a->cursor = chunk;
	}
	bit = find_first_zero_bit(svm_cxl_chunk_words(a, chunk), SVM_CXL_CHUNK_PAGES);
	__set_bit(bit, svm_cxl_chunk_words(a, chunk));
	svm_cxl_chunk_update(a, chunk);
	a->nfree--;
	return (chunk << SVM_CXL_CHUNK_SHIFT) + bit;
}

/*
 * An aligned run of SVM_CXL_CHUNK_PAGES free pages, now out: the offset of its first
 * page, or ULONG_MAX if no chunk is wholly free.
 */
static unsigned long svm_cxl_take_run(struct svm_cxl_alloc *a)
{
	unsigned long chunk = find_first_zero_bit(a->chunk_used, a->nchunks);

	if (chunk >= a->nchunks)
		return ULONG_MAX;
	memset(svm_cxl_chunk_words(a, chunk), 0xff, SVM_CXL_CHUNK_WORDS * sizeof(long));
	__set_bit(chunk, a->chunk_used);
	a->nfree -= SVM_CXL_CHUNK_PAGES;
	return chunk << SVM_CXL_CHUNK_SHIFT;
}

static void svm_cxl_put_one(struct svm_cxl_alloc *a, unsigned long off)
{
	lockdep_assert_held(&a->lock);
	/* A page freed twice is a kernel bug, not a user error: warn, keep counts sane. */
	if (WARN_ON_ONCE(!__test_and_clear_bit(off, a->out)))
		return;
	a->nfree++;
	svm_cxl_chunk_update(a, off >> SVM_CXL_CHUNK_SHIFT);
}

/*
 * Initialise the pages handed out (zone_device_page_init() locks each one and takes
 * the pgmap reference, so it runs outside the lock). A page poisoned between leaving
 * the free bitmap and here is dropped again (page_free retires it). Returns how many
 * good pages are left at the front of @pages.
 */
static unsigned long svm_cxl_init_pages(struct svm_cxl_pool *pool, struct page **pages,
					unsigned long n)
{
	unsigned long i, good = 0;

	for (i = 0; i < n; i++) {
		svm_cxl_zone_device_page_init(pages[i], &pool->pgmap, 0);
		if (unlikely(PageHWPoison(pages[i]))) {
			unlock_page(pages[i]);
			put_page(pages[i]);
			continue;
		}
		pages[good++] = pages[i];
	}
	return good;
}

/*
 * A device page of @pool, locked, with one reference (zone_device_page_init()), or
 * NULL if the pool is full or not active. Contents are whatever was there.
 */
struct page *svm_cxl_alloc_page_locked(struct svm_cxl_pool *pool)
{
	struct page *page;

	if (svm_cxl_alloc_pages_locked(pool, &page, 1) != 1)
		return NULL;
	return page;
}

/*
 * Up to @n device pages of @pool into @pages, each locked with one reference, taking
 * the allocator lock once. Returns how many; fewer than @n when the pool runs out or
 * is not active (each missing page counts as an allocation failure). While at least
 * a chunk is wanted, whole free chunks are taken: physically contiguous, aligned.
 */
unsigned long svm_cxl_alloc_pages_locked(struct svm_cxl_pool *pool, struct page **pages,
					 unsigned long n)
{
	struct svm_cxl_alloc *a = &pool->alloc;
	bool bulk = READ_ONCE(svm_cxl_tune) & SVM_CXL_TUNE_BULK_ALLOC;
	unsigned long flags, off, i, got = 0;

	spin_lock_irqsave(&a->lock, flags);
	while (got < n && svm_cxl_can_alloc(pool)) {
		if (bulk && n - got >= SVM_CXL_CHUNK_PAGES) {
			off = svm_cxl_take_run(a);
			if (off != ULONG_MAX) {
				for (i = 0; i < SVM_CXL_CHUNK_PAGES; i++)
					pages[got++] = pfn_to_page(a->base_pfn + off + i);
				continue;
			}
		}
		off = svm_cxl_take_one(a);
		pages[got++] = pfn_to_page(a->base_pfn + off);
		if (!bulk) {
			/* One lock round trip per page: the benchmark's baseline (tune bit 0). */
			spin_unlock_irqrestore(&a->lock, flags);
			spin_lock_irqsave(&a->lock, flags);
		}
	}
	spin_unlock_irqrestore(&a->lock, flags);
	got = svm_cxl_init_pages(pool, pages, got);
	if (got < n)
		atomic64_add(n - got, &pool->stats.alloc_failures);
	return got;
}

#ifdef SVM_CXL_HAVE_DEVICE_THP
/*
 * An order-9 device folio of @pool from a wholly free, aligned chunk: locked, one
 * reference, its contents whatever was there. NULL when no chunk is wholly free (the
 * caller falls back to single pages), the pool is not active, or a page of the run
 * is poisoned (the run goes back through folio_free, which retires that page).
 */
struct folio *svm_cxl_alloc_folio_locked(struct svm_cxl_pool *pool)
{
	struct svm_cxl_alloc *a = &pool->alloc;
	unsigned long flags, off = ULONG_MAX, i;
	struct folio *folio;

	spin_lock_irqsave(&a->lock, flags);
	if (svm_cxl_can_alloc(pool))
		off = svm_cxl_take_run(a);
	spin_unlock_irqrestore(&a->lock, flags);
	if (off == ULONG_MAX)
		return NULL;
	folio = page_folio(pfn_to_page(a->base_pfn + off));
	zone_device_folio_init(folio, &pool->pgmap, SVM_CXL_CHUNK_SHIFT);
	for (i = 0; i < SVM_CXL_CHUNK_PAGES; i++) {
		if (unlikely(PageHWPoison(folio_page(folio, i)))) {
			folio_unlock(folio);
			folio_put(folio);
			return NULL;
		}
	}
	return folio;
}
#endif

/*
 * dev_pagemap_ops.page_free/folio_free: the last reference of a device folio (a page,
 * or an order-9 folio with device THP) went away. A poisoned page stays out for good
 * (retired): it is never handed out again.
 */
static void svm_cxl_free_pages_cb(struct page *page, unsigned long nr)
{
	struct svm_cxl_pool *pool = svm_cxl_pgmap_pool(page_pgmap(page));
	struct svm_cxl_alloc *a = &pool->alloc;
	unsigned long flags, i, off = page_to_pfn(page) - a->base_pfn;

	svm_cxl_owner_uncharge(page, nr);
	spin_lock_irqsave(&a->lock, flags);
	for (i = 0; i < nr; i++) {
		if (unlikely(PageHWPoison(page + i)))
			a->nretired++;
		else
			svm_cxl_put_one(a, off + i);
	}
	spin_unlock_irqrestore(&a->lock, flags);
}

#ifdef SVM_CXL_HAVE_FOLIO_FREE
static void svm_cxl_folio_free_cb(struct folio *folio)
{
	svm_cxl_free_pages_cb(&folio->page, folio_nr_pages(folio));
}
#else
static void svm_cxl_page_free_cb(struct page *page)
{
	svm_cxl_free_pages_cb(page, 1);
}
#endif

const struct dev_pagemap_ops svm_cxl_pgmap_ops = {
#ifdef SVM_CXL_HAVE_FOLIO_FREE
	.folio_free = svm_cxl_folio_free_cb,
#else
	.page_free = svm_cxl_page_free_cb,
#endif
	.memory_failure = svm_cxl_memory_failure,
};

/* Whether @pfn is an allocatable page of @pool (not its memmap, not outside it). */
bool svm_cxl_alloc_has_pfn(struct svm_cxl_pool *pool, unsigned long pfn)
{
	return pfn >= pool->alloc.base_pfn && pfn < pool->alloc.base_pfn + pool->alloc.npages;
}

/*
 * Retire @pfn (poisoned, PageHWPoison already set) if it is free: it leaves the free
 * bitmap for good. Returns false if it is out (in use, or being handed out): then
 * page_free retires it when its last reference goes.
 */
bool svm_cxl_alloc_retire_free(struct svm_cxl_pool *pool, unsigned long pfn)
{
	struct svm_cxl_alloc *a = &pool->alloc;
	unsigned long flags, off = pfn - a->base_pfn;
	bool retired = false;

	spin_lock_irqsave(&a->lock, flags);
	if (!test_bit(off, a->out)) {
		__set_bit(off, a->out);
		svm_cxl_chunk_update(a, off >> SVM_CXL_CHUNK_SHIFT);
		a->nfree--;
		a->nretired++;
		retired = true;
	}
	spin_unlock_irqrestore(&a->lock, flags);
	return retired;
}

unsigned long svm_cxl_pool_free_pages(struct svm_cxl_pool *pool)
{
	return READ_ONCE(pool->alloc.nfree);
}

unsigned long svm_cxl_pool_retired(struct svm_cxl_pool *pool)
{
	return READ_ONCE(pool->alloc.nretired);
}

/* Pages that hold data: out and not retired. A drain is done when this is 0. */
unsigned long svm_cxl_pool_used(struct svm_cxl_pool *pool)
{
	struct svm_cxl_alloc *a = &pool->alloc;
	unsigned long flags, used;

	spin_lock_irqsave(&a->lock, flags);
	used = a->npages - a->nfree - a->nretired;
	spin_unlock_irqrestore(&a->lock, flags);
	return used;
}

enum svm_cxl_pool_state svm_cxl_pool_state(struct svm_cxl_pool *pool)
{
	return READ_ONCE(pool->state);
}

void svm_cxl_pool_set_state(struct svm_cxl_pool *pool, enum svm_cxl_pool_state state)
{
	unsigned long flags;

	spin_lock_irqsave(&pool->alloc.lock, flags);
	WRITE_ONCE(pool->state, state);
	spin_unlock_irqrestore(&pool->alloc.lock, flags);
}

/*
 * The first pfn at or after @pfn in a chunk with pages out, or the end of the
 * allocatable range. A hint for drains, read without the lock: a page handed out
 * after the look is one a draining pool refuses to hand out anyway.
 */
unsigned long svm_cxl_pool_next_in_use(struct svm_cxl_pool *pool, unsigned long pfn)
{
	struct svm_cxl_alloc *a = &pool->alloc;
	unsigned long end = a->base_pfn + a->npages, chunk;

	if (pfn < a->base_pfn)
		pfn = a->base_pfn;
	if (pfn >= end)
		return end;
	chunk = (pfn - a->base_pfn) >> SVM_CXL_CHUNK_SHIFT;
	/* Unlocked on purpose (a hint, see above): KCSAN must not report it. */
	if (data_race(test_bit(chunk, a->chunk_used)))
		return pfn;
	/* Same hint, for the next chunk with pages out. */
	chunk = data_race(find_next_bit(a->chunk_used, a->nchunks, chunk + 1));
	if (chunk >= a->nchunks)
		return end;
	return a->base_pfn + (chunk << SVM_CXL_CHUNK_SHIFT);
}

/*
 * The pfns of the pages of @chunk that are out (handed out or retired), in ascending
 * order, into @pfns (room for SVM_CXL_CHUNK_PAGES); returns how many. Taken under the
 * lock, so a whole folio of the chunk is either listed whole or not at all (its pages
 * leave the bitmap together, in page_free). A page freed right after the look is one
 * the migration core finds with no reference and skips; a retired one likewise.
 */
unsigned long svm_cxl_pool_chunk_out(struct svm_cxl_pool *pool, unsigned long chunk,
				     unsigned long *pfns)
{
	struct svm_cxl_alloc *a = &pool->alloc;
	unsigned long flags, bit, n = 0;

	spin_lock_irqsave(&a->lock, flags);
	for_each_set_bit(bit, svm_cxl_chunk_words(a, chunk), SVM_CXL_CHUNK_PAGES)
		pfns[n++] = a->base_pfn + (chunk << SVM_CXL_CHUNK_SHIFT) + bit;
	spin_unlock_irqrestore(&a->lock, flags);
	return n;
}

/* In-kernel API */

struct page *svm_cxl_page_alloc(struct svm_cxl_pool *pool)
{
	struct page *page = svm_cxl_alloc_page_locked(pool);

	might_sleep();
	if (!page)
		return NULL;
	/* A driver may map it to a user: never hand out the previous tenant's data. */
	clear_highpage(page);
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
	struct dev_pagemap *pgmap;

	if (!is_zone_device_page(page))
		return NULL;
	pgmap = page_pgmap(page);
	if (pgmap->ops != &svm_cxl_pgmap_ops)
		return NULL;
	return svm_cxl_pgmap_pool(pgmap);
}
EXPORT_SYMBOL_GPL(svm_cxl_page_pool);
