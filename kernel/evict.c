// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm_cxl: draining a pool. New allocations fail at once (state draining); every
 * allocated page is moved to system RAM with migrate_device_range() in batches,
 * whoever maps it; pages that cannot move yet (locked, pinned, in flight) are retried
 * until the caller's limit (svm_cxl_pool_drain() says which). An admin drain that gives
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

struct svm_cxl_evict_batch {
	unsigned long src[SVM_CXL_BATCH];
	unsigned long dst[SVM_CXL_BATCH];
	unsigned long idx[SVM_CXL_BATCH];
	struct page *spages[SVM_CXL_BATCH];
	struct page *dpages[SVM_CXL_BATCH];
};

/* @n system pages into b->dpages[], locked; returns how many (a prefix). */
static unsigned long svm_cxl_evict_alloc(struct svm_cxl_evict_batch *b, unsigned long n)
{
	unsigned long k, got = 0;

	if (!current->mempolicy && (READ_ONCE(svm_cxl_tune) & SVM_CXL_TUNE_BULK_ALLOC)) {
		memset(b->dpages, 0, n * sizeof(b->dpages[0]));
		got = alloc_pages_bulk_node(GFP_HIGHUSER_MOVABLE, numa_mem_id(), n,
					    b->dpages);
	}
	for (k = got; k < n; k++) {
		b->dpages[k] = alloc_page(GFP_HIGHUSER_MOVABLE);
		if (!b->dpages[k])
			break;
	}
	for (got = 0; got < k; got++)
		lock_page(b->dpages[got]);
	return got;
}

/* Move the pages of [pfn, pfn + n) that can move now; returns how many moved. */
static unsigned long svm_cxl_evict_range(struct svm_cxl_evict_batch *b, unsigned long pfn,
					 unsigned long n)
{
	struct svm_cxl_prof_dir *pd = &svm_cxl_prof.dir[SVM_CXL_PROF_EVICT];
	unsigned long i, k, nmove = 0, got, moved = 0;
	u64 t = ktime_get_ns();

	atomic64_inc(&pd->batches);
	migrate_device_range(b->src, pfn, n);
	svm_cxl_prof_lap(SVM_CXL_PROF_EVICT, SVM_CXL_PH_SETUP, &t);
	for (i = 0; i < n; i++) {
		struct page *spage = migrate_pfn_to_page(b->src[i]);

		b->dst[i] = 0;
		if (!spage || !(b->src[i] & MIGRATE_PFN_MIGRATE))
			continue;
		b->spages[nmove] = spage;
		b->idx[nmove++] = i;
	}
	/* Pages without a system page stay on the device; counted busy, retried. */
	got = svm_cxl_evict_alloc(b, nmove);
	for (k = 0; k < got; k++) {
		i = b->idx[k];
		b->dst[i] = migrate_pfn(page_to_pfn(b->dpages[k]));
		if (b->src[i] & MIGRATE_PFN_WRITE)
			b->dst[i] |= MIGRATE_PFN_WRITE;
	}
	svm_cxl_prof_lap(SVM_CXL_PROF_EVICT, SVM_CXL_PH_ALLOC, &t);
	svm_cxl_copy_pages(b->dpages, b->spages, got);
	svm_cxl_prof_lap(SVM_CXL_PROF_EVICT, SVM_CXL_PH_COPY, &t);
	migrate_device_pages(b->src, b->dst, n);
	svm_cxl_prof_lap(SVM_CXL_PROF_EVICT, SVM_CXL_PH_PAGES, &t);
	for (i = 0; i < n; i++)
		if (b->dst[i] && (b->src[i] & MIGRATE_PFN_MIGRATE))
			moved++;
	atomic64_add(moved, &pd->pages);
	svm_cxl_prof_lap(SVM_CXL_PROF_EVICT, SVM_CXL_PH_ACCOUNT, &t);
	migrate_device_finalize(b->src, b->dst, n);
	svm_cxl_prof_lap(SVM_CXL_PROF_EVICT, SVM_CXL_PH_FINALIZE, &t);
	return moved;
}

/* One pass over the pool, skipping batches without allocated pages. */
static unsigned long svm_cxl_evict_pass(struct svm_cxl_pool *pool,
					struct svm_cxl_evict_batch *b)
{
	unsigned long off, n, moved = 0, batch = svm_cxl_batch_pages();

	for (off = 0; off < pool->npages; off += n) {
		n = min_t(unsigned long, batch, pool->npages - off);
		if (!svm_cxl_pool_batch_in_use(pool, off, n))
			continue;
		moved += svm_cxl_evict_range(b, pool->pfn_first + off, n);
		cond_resched();
	}
	return moved;
}

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
	atomic64_inc(&svm_cxl_prof.dir[SVM_CXL_PROF_EVICT].calls);
	atomic64_add(ktime_get_ns() - start_ns,
		     &svm_cxl_prof.dir[SVM_CXL_PROF_EVICT].total_ns);
	if (total)
		pr_info("pool%u: drained %llu pages in %llu ms\n", pool->id, total,
			div_u64(ktime_get_ns() - start_ns, NSEC_PER_MSEC));
	return 0;
}
