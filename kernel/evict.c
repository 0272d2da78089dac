// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm_cxl: draining a pool. New allocations fail at once (state draining); every
 * allocated page is moved to system RAM in batches, whoever maps it (6.15+:
 * migrate_device_pfns() on the pages the allocator has out; before,
 * migrate_device_range() over windows of the pool); pages that cannot move yet
 * (locked, pinned, in flight) are retried until the caller's limit (svm_cxl_pool_drain() says which). An admin drain that gives
 * up puts the pool back to active, intact; an unplug drain that gives up revokes it
 * (a revoked pool is never drained: pool.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/jiffies.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "svm_cxl_internal.h"
#include "svm_cxl_trace.h"

struct svm_cxl_evict_batch {
	unsigned long src[SVM_CXL_BATCH];
	unsigned long dst[SVM_CXL_BATCH];
	unsigned long idx[SVM_CXL_BATCH];
	struct page *spages[SVM_CXL_BATCH];
	struct page *dpages[SVM_CXL_BATCH];
};

/*
 * System pages for eviction. A drain may run in a device-unbind notifier: the OOM
 * killer must not fire from there, so the allocator may reclaim and retry hard but
 * fail (__GFP_RETRY_MAYFAIL); a page it cannot get stays on the device, counts busy and
 * is retried until the drain's deadline. They come from the drainer's node: the
 * owner of a page is not known here.
 */
#define SVM_CXL_EVICT_GFP	(GFP_HIGHUSER_MOVABLE | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

/* @n system pages into b->dpages[], locked; returns how many (a prefix). */
static unsigned long svm_cxl_evict_alloc(struct svm_cxl_evict_batch *b, unsigned long n)
{
	unsigned long k, got = 0;

	if (!current->mempolicy && (svm_cxl_tune_get() & SVM_CXL_TUNE_BULK_ALLOC)) {
		memset(b->dpages, 0, n * sizeof(b->dpages[0]));
		got = alloc_pages_bulk_node(SVM_CXL_EVICT_GFP, numa_mem_id(), n,
					    b->dpages);
	}
	for (k = got; k < n; k++) {
		b->dpages[k] = alloc_page(SVM_CXL_EVICT_GFP);
		if (!b->dpages[k])
			break;
	}
	for (got = 0; got < k; got++)
		lock_page(b->dpages[got]);
	return got;
}

/*
 * Whether a collected device page can move: migrate_device_range() holds the only
 * reference once the mappings are gone. Any other reference (a short-term pin, a
 * pipe, a driver) makes migrate_device_pages() refuse it later
 * (folio_migrate_mapping() wants exactly one), so it gets no system page and no
 * copy: a drain retrying every 20 ms would otherwise copy every pinned page on every
 * pass. A poisoned page has nothing to save (its mappings became hwpoison entries in
 * the unmap); page_free retires it.
 */
static bool svm_cxl_evict_candidate(struct page *spage)
{
	struct folio *folio = page_folio(spage);

	return folio_ref_count(folio) == 1 && !PageHWPoison(spage) &&
	       !(folio_test_large(folio) && folio_test_has_hwpoisoned(folio));
}

/*
 * A 2 MiB pool folio (device THP) collected whole at @i: into a system THP, folio to
 * folio. migrate_device_pages() moves a compound source only to a compound
 * destination (without a VMA it cannot split one), so without a THP the folio stays,
 * busy, retried at the next pass like any page without a system page. The copy is
 * split over the CPUs as the base pages' below (svm_cxl_copy_pages(), same context:
 * process context that may sleep, no spinlock held), and machine-check safe.
 */
static void svm_cxl_evict_huge(struct svm_cxl_evict_batch *b, unsigned long i)
{
	struct folio *src = page_folio(migrate_pfn_to_page(b->src[i]));
	struct folio *dst = folio_alloc(GFP_TRANSHUGE | __GFP_RETRY_MAYFAIL | __GFP_NOWARN,
					folio_order(src));

	if (!dst)
		return;
	folio_lock(dst);
	if (svm_cxl_copy_folio(dst, src)) {
		folio_unlock(dst);
		folio_put(dst);
		return;
	}
	b->dst[i] = migrate_pfn(folio_pfn(dst)) | MIGRATE_PFN_COMPOUND;
}

/*
 * Move the pages of a batch whose b->src[0..n) the core has collected (locked,
 * unmapped) that can move now; returns how many moved. @t: when the batch started.
 */
static unsigned long svm_cxl_evict_collected(struct svm_cxl_pool *pool,
					     struct svm_cxl_evict_batch *b, unsigned long n,
					     u64 t)
{
	unsigned long i, k, nmove = 0, got, moved = 0, huge = 0;

	svm_cxl_prof_lap(SVM_CXL_PROF_EVICT, SVM_CXL_PH_SETUP, &t);
	memset(b->dst, 0, n * sizeof(b->dst[0]));
	for (i = 0; i < n; i++) {
		struct page *spage = migrate_pfn_to_page(b->src[i]);

		if (!spage || !(b->src[i] & MIGRATE_PFN_MIGRATE) ||
		    !svm_cxl_evict_candidate(spage))
			continue;
		if (b->src[i] & MIGRATE_PFN_COMPOUND) {
			svm_cxl_evict_huge(b, i);
			continue;
		}
		b->spages[nmove] = spage;
		b->idx[nmove++] = i;
	}
	/* Pages without a system page stay on the device; counted busy, retried. */
	got = svm_cxl_evict_alloc(b, nmove);
	svm_cxl_prof_lap(SVM_CXL_PROF_EVICT, SVM_CXL_PH_ALLOC, &t);
	svm_cxl_copy_pages(b->dpages, b->spages, got);
	svm_cxl_prof_lap(SVM_CXL_PROF_EVICT, SVM_CXL_PH_COPY, &t);
	/* A page that could not be read (poison) keeps dst 0: finalize leaves it. */
	for (k = 0; k < got; k++)
		if (b->dpages[k])
			b->dst[b->idx[k]] = migrate_pfn(page_to_pfn(b->dpages[k]));
	migrate_device_pages(b->src, b->dst, n);
	svm_cxl_prof_lap(SVM_CXL_PROF_EVICT, SVM_CXL_PH_PAGES, &t);
	for (i = 0; i < n; i++) {
		if (!b->dst[i] || !(b->src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		if (b->dst[i] & MIGRATE_PFN_COMPOUND) {
			huge += SVM_CXL_CHUNK_PAGES;
			moved += SVM_CXL_CHUNK_PAGES;
		} else {
			moved++;
		}
	}
	svm_cxl_prof_add(SVM_CXL_PROF_EVICT, 0, moved);
	atomic64_add(huge, &pool->stats.huge_out);
	svm_cxl_prof_lap(SVM_CXL_PROF_EVICT, SVM_CXL_PH_ACCOUNT, &t);
	migrate_device_finalize(b->src, b->dst, n);
	svm_cxl_prof_lap(SVM_CXL_PROF_EVICT, SVM_CXL_PH_FINALIZE, &t);
	return moved;
}

#ifdef SVM_CXL_HAVE_MIGRATE_DEVICE_PFNS
/*
 * One pass over the pool (6.15+): only the pages that are out go to the core, listed
 * from the allocator's bitmap a 2 MiB chunk at a time (chunks with nothing out are
 * skipped through the chunk bitmap), whole chunks per batch: a folio never straddles
 * two batches. An almost empty pool costs what its allocated pages cost, not a
 * migrate_device_range() over every pfn of each window that has one page out.
 * Signals are the caller's business, between passes.
 */
static unsigned long svm_cxl_evict_pass(struct svm_cxl_pool *pool,
					struct svm_cxl_evict_batch *b)
{
	unsigned long batch = max_t(unsigned long, svm_cxl_batch_pages(), SVM_CXL_CHUNK_PAGES);
	unsigned long base = pool->alloc.base_pfn, end = base + pool->alloc.npages;
	unsigned long pfn = svm_cxl_pool_next_in_use(pool, 0), n = 0, moved = 0;
	u64 t;

	for (;;) {
		/* Flush before a chunk that may not fit, and at the end. */
		if (n && (pfn >= end || n + SVM_CXL_CHUNK_PAGES > batch)) {
			t = ktime_get_ns();
			svm_cxl_prof_add(SVM_CXL_PROF_EVICT, 1, 0);
			migrate_device_pfns(b->src, n);
			moved += svm_cxl_evict_collected(pool, b, n, t);
			n = 0;
			cond_resched();
		}
		if (pfn >= end)
			break;
		n += svm_cxl_pool_chunk_out(pool, (pfn - base) >> SVM_CXL_CHUNK_SHIFT, b->src + n);
		pfn = svm_cxl_pool_next_in_use(pool, ALIGN(pfn + 1, SVM_CXL_CHUNK_PAGES));
	}
	return moved;
}
#else
/*
 * One pass over the pool (before 6.15, migrate_device_range() only): batches aligned
 * to their size, starting only where a 2 MiB chunk has pages out, so a pass over an
 * almost empty 1 TiB pool looks at the chunk bitmap (64 KiB) rather than at 2^28
 * pages. Signals are the caller's business, between passes.
 */
static unsigned long svm_cxl_evict_pass(struct svm_cxl_pool *pool,
					struct svm_cxl_evict_batch *b)
{
	unsigned long batch = svm_cxl_batch_pages();
	unsigned long end = pool->alloc.base_pfn + pool->alloc.npages;
	unsigned long pfn, n, moved = 0;
	u64 t;

	for (pfn = svm_cxl_pool_next_in_use(pool, 0); pfn < end;
	     pfn = svm_cxl_pool_next_in_use(pool, pfn + n)) {
		pfn = max(ALIGN_DOWN(pfn, batch), pool->alloc.base_pfn);
		n = min(ALIGN(pfn + 1, batch), end) - pfn;
		t = ktime_get_ns();
		svm_cxl_prof_add(SVM_CXL_PROF_EVICT, 1, 0);
		migrate_device_range(b->src, pfn, n);
		moved += svm_cxl_evict_collected(pool, b, n, t);
		cond_resched();
	}
	return moved;
}
#endif

/*
 * Drain @pool: refuse new allocations, then evict pass after pass until no page is
 * left. What happens when pages stay busy depends on who asks:
 *  - SVM_CXL_DRAIN_ADMIN (POOL_REMOVE): retry for @timeout_ms, stop early on a fatal
 *    signal; then the pool goes back to active with -EBUSY. A notifier waiting for the pool stops it at the next pass with -ENODEV
 *    and drains it itself; the state is then left to that notifier.
 *  - SVM_CXL_DRAIN_UNPLUG (a notifier; the memory is about to go): signals are
 *    ignored, since killing the unbinding task must not cut the only net short; it
 *    goes on as long as pages keep moving, says every few seconds how much is left,
 *    and once no page moved for SVM_CXL_UNPLUG_STALL_MS it revokes the pool for good
 *    (-EBUSY). A revoked pool never takes pages again.
 * Called with pool->drain_lock held and svm_cxl_pools_mutex not held, so neither an
 * admin timeout nor a long unplug drain blocks the registry.
 */
int svm_cxl_pool_drain(struct svm_cxl_pool *pool, enum svm_cxl_drain_mode mode,
		       unsigned int timeout_ms, u64 *evicted, u64 *busy)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(timeout_ms);
	unsigned long progress = jiffies, reported = jiffies;
	struct svm_cxl_evict_batch *b;
	unsigned long used, moved;
	u64 start_ns = ktime_get_ns(), total = 0;
	int rc = 0;

	lockdep_assert_held(&pool->drain_lock);
	*evicted = 0;
	*busy = 0;
	b = kvmalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;

	svm_cxl_pool_set_state(pool, SVM_CXL_POOL_DRAINING);
	for (;;) {
		moved = svm_cxl_evict_pass(pool, b);
		total += moved;
		atomic64_add(moved, &pool->stats.evicted);
		used = svm_cxl_pool_used(pool);
		trace_svm_cxl_evict(pool->id, mode == SVM_CXL_DRAIN_UNPLUG, moved, used);
		if (!used)
			break;
		if (moved)
			progress = jiffies;
		if (mode == SVM_CXL_DRAIN_ADMIN) {
			if (atomic_read(&pool->unplug_waiting)) {
				pr_warn("pool%u: remove stopped: its device is going away, the unplug drain takes over (%lu pages left)\n",
					pool->id, used);
				rc = -ENODEV;
				break;
			}
			if (time_after(jiffies, deadline) || fatal_signal_pending(current)) {
				svm_cxl_pool_set_state(pool, SVM_CXL_POOL_ACTIVE);
				pr_warn("pool%u: drain gave up after %u ms: %lu pages still busy, %llu evicted; pool stays active\n",
					pool->id, timeout_ms, used, total);
				svm_cxl_owners_log(pool);
				rc = -EBUSY;
				break;
			}
		} else {
			if (time_after(jiffies, progress +
				       msecs_to_jiffies(SVM_CXL_UNPLUG_STALL_MS))) {
				svm_cxl_pool_set_state(pool, SVM_CXL_POOL_REVOKED);
				pr_crit("pool%u: no page moved for %u ms: %lu pages still busy, %llu evicted; pool revoked\n",
					pool->id, SVM_CXL_UNPLUG_STALL_MS, used, total);
				rc = -EBUSY;
				break;
			}
			if (time_after(jiffies, reported +
				       msecs_to_jiffies(SVM_CXL_UNPLUG_REPORT_MS))) {
				pr_info("pool%u: unplug drain: %lu pages left, %llu evicted so far\n",
					pool->id, used, total);
				reported = jiffies;
			}
		}
		atomic64_inc(&pool->stats.busy_retries);
		msleep(20);
	}
	kvfree(b);
	*evicted = total;
	if (rc) {
		*busy = used;
		return rc;
	}
	svm_cxl_prof_call(SVM_CXL_PROF_EVICT, ktime_get_ns() - start_ns);
	if (total)
		pr_info("pool%u: drained %llu pages in %llu ms\n", pool->id, total,
			div_u64(ktime_get_ns() - start_ns, NSEC_PER_MSEC));
	return 0;
}
