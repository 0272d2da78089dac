// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm_cxl: naming who holds the pages of a pool that an unplug drain could not move,
 * or the pages of departing numa-mode memory that could not be offlined, so that the
 * operator learns what the unplug cost and whom to stop.
 *
 * A page does not know who maps it (a pool page knows only the process that migrated
 * it, owner.c), and the rmap walkers (rmap_walk(), page_vma_mapped_walk()) are not
 * exported. What a module can do is what rmap does for an anonymous page by
 * hand: every VMA that may map it shares the page's anon_vma root and covers the
 * address its index gives; get_user_pages_remote(FOLL_NOFAULT) on that address says
 * whether the page is really mapped there (a COW copy in a child is another page).
 * Pages nobody maps are held by a pipe, an O_DIRECT request or a driver; the log says
 * so. This runs only after a drain or an offline failed, in a kworker, and is bounded:
 * the first SVM_CXL_REPORT_PAGES busy pages, each process's mmap_lock tried, never
 * waited for.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/pfn.h>
#include <linux/pid.h>
#include <linux/rmap.h>
#include <linux/sched/mm.h>
#include <linux/sched/task.h>
#include <linux/workqueue.h>

#include "svm_cxl_internal.h"

#define SVM_CXL_REPORT_PAGES	16

struct svm_cxl_busy_page {
	struct page *page;	/* referenced while we look */
	struct anon_vma *root;	/* its anon_vma's root, or NULL */
	pgoff_t index;
	unsigned int mappers;	/* mappings found */
};

static u64 svm_cxl_page_phys(struct page *page)
{
	return PFN_PHYS(page_to_pfn(page));
}

/* The root of @page's anon_vma, or NULL; @page is referenced by the caller. */
static struct anon_vma *svm_cxl_page_anon_root(struct page *page)
{
	unsigned long mapping = (unsigned long)READ_ONCE(page_folio(page)->mapping);

	if ((mapping & FOLIO_MAPPING_FLAGS) != FOLIO_MAPPING_ANON)
		return NULL;
	return ((struct anon_vma *)(mapping - FOLIO_MAPPING_ANON))->root;
}

/* @page is referenced by the caller; the reference passes to @bp. */
static void svm_cxl_busy_page_init(struct svm_cxl_busy_page *bp, struct page *page)
{
	struct folio *folio = page_folio(page);

	bp->page = page;
	bp->root = svm_cxl_page_anon_root(page);
	/* an anonymous folio's index is its head's linear page index */
	bp->index = folio->index + folio_page_idx(folio, page);
	bp->mappers = 0;
}

/* Up to @max allocated pages of @pool, referenced; returns how many. */
static unsigned int svm_cxl_collect_busy(struct svm_cxl_pool *pool,
					 struct svm_cxl_busy_page *bp, unsigned int max)
{
	struct svm_cxl_alloc *a = &pool->alloc;
	unsigned long end = a->base_pfn + a->npages, pfn = a->base_pfn;
	unsigned int n = 0;

	while (n < max) {
		unsigned long chunk_end;

		/* Skip chunks with nothing out (the allocator's hint, read unlocked). */
		pfn = svm_cxl_pool_next_in_use(pool, pfn);
		if (pfn >= end)
			break;
		chunk_end = min(round_down(pfn - a->base_pfn, SVM_CXL_CHUNK_PAGES) +
				SVM_CXL_CHUNK_PAGES + a->base_pfn, end);
		for (; pfn < chunk_end && n < max; pfn++) {
			struct page *page = pfn_to_page(pfn);

			if (!data_race(test_bit(pfn - a->base_pfn, a->out)) ||
			    PageHWPoison(page) || !get_page_unless_zero(page))
				continue;
			svm_cxl_busy_page_init(&bp[n++], page);
		}
		cond_resched();
	}
	return n;
}

/* Log each busy page of @bp that @mm maps; the caller holds @mm's mmap_lock. */
static void svm_cxl_scan_mm(const char *who, struct mm_struct *mm,
			    struct task_struct *task, struct svm_cxl_busy_page *bp,
			    unsigned int n)
{
	struct vm_area_struct *vma;
	unsigned int i;
	VMA_ITERATOR(vmi, mm, 0);

	for_each_vma(vmi, vma) {
		if (!vma->anon_vma)
			continue;
		for (i = 0; i < n; i++) {
			unsigned long addr;
			struct page *got;

			if (!bp[i].root || vma->anon_vma->root != bp[i].root ||
			    bp[i].index < vma->vm_pgoff)
				continue;
			addr = vma->vm_start + ((bp[i].index - vma->vm_pgoff) << PAGE_SHIFT);
			if (addr < vma->vm_start || addr >= vma->vm_end)
				continue;
			if (get_user_pages_remote(mm, addr, 1, FOLL_NOFAULT, &got, NULL) != 1)
				continue;
			if (got == bp[i].page) {
				bp[i].mappers++;
				pr_warn("%s: busy page %#llx is mapped by %s[%d] at %#lx\n",
					who, svm_cxl_page_phys(got), task->comm,
					task_tgid_nr(task), addr);
			}
			put_page(got);
		}
	}
}

/* Walk every process once; a process whose mmap_lock is taken is reported unscanned. */
static void svm_cxl_scan_processes(const char *who, struct svm_cxl_busy_page *bp,
				   unsigned int n)
{
	unsigned int skipped = 0;
	int nr = 1;

	for (;;) {
		struct task_struct *task = NULL;
		struct mm_struct *mm;
		struct pid *pid;

		rcu_read_lock();
		pid = find_ge_pid(nr, &init_pid_ns);
		if (pid) {
			nr = pid_nr(pid) + 1;
			task = pid_task(pid, PIDTYPE_TGID);
			if (task)
				get_task_struct(task);
		}
		rcu_read_unlock();
		if (!pid)
			break;
		if (!task)
			continue;
		mm = get_task_mm(task);
		if (mm) {
			if (mmap_read_trylock(mm)) {
				svm_cxl_scan_mm(who, mm, task, bp, n);
				mmap_read_unlock(mm);
			} else {
				skipped++;
			}
			mmput(mm);
		}
		put_task_struct(task);
		cond_resched();
	}
	if (skipped)
		pr_warn("%s: %u processes were busy and not searched for busy pages\n",
			who, skipped);
}

/* Search the processes for @bp's pages, log the ones nobody maps, drop the references. */
static void svm_cxl_name_and_put(const char *who, struct svm_cxl_busy_page *bp, unsigned int n)
{
	unsigned int i;

	svm_cxl_scan_processes(who, bp, n);
	for (i = 0; i < n; i++) {
		if (bp[i].root && !bp[i].mappers)
			pr_warn("%s: busy page %#llx is mapped by no process: a pipe, an I/O or a driver holds it\n",
				who, svm_cxl_page_phys(bp[i].page));
		put_page(bp[i].page);
	}
}

static void svm_cxl_report_busy_now(struct svm_cxl_pool *pool, const char *why)
{
	struct svm_cxl_busy_page *bp;
	unsigned long used = svm_cxl_pool_used(pool);
	char who[16];
	unsigned int n, i;

	bp = kcalloc(SVM_CXL_REPORT_PAGES, sizeof(*bp), GFP_KERNEL);
	if (!bp)
		return;
	snprintf(who, sizeof(who), "pool%u", pool->id);
	n = svm_cxl_collect_busy(pool, bp, SVM_CXL_REPORT_PAGES);
	for (i = 0; i < n; i++)
		pr_warn("pool%u: %s: page %#llx (pfn %#lx) still busy: %d references, %s\n",
			pool->id, why, svm_cxl_page_phys(bp[i].page), page_to_pfn(bp[i].page),
			page_ref_count(bp[i].page) - 1,
			bp[i].root ? "anonymous" : "not anonymous (held by a driver)");
	if (used > n)
		pr_warn("pool%u: %lu more busy pages not listed\n", pool->id, used - n);
	svm_cxl_name_and_put(who, bp, n);
	kfree(bp);
}

struct svm_cxl_report_work {
	struct work_struct work;
	struct svm_cxl_pool *pool;
	const char *why;
};

static void svm_cxl_report_fn(struct work_struct *work)
{
	struct svm_cxl_report_work *rw = container_of(work, struct svm_cxl_report_work, work);

	svm_cxl_report_busy_now(rw->pool, rw->why);
}

/*
 * The unplug path ignores signals, but get_user_pages_remote() does not: in a task
 * with a fatal signal pending (the unbinding shell was killed) it fails -EINTR. So the
 * search runs in a kworker, which has no signals, and we wait for it.
 */
void svm_cxl_report_busy(struct svm_cxl_pool *pool, const char *why)
{
	struct svm_cxl_report_work rw = { .pool = pool, .why = why };

	INIT_WORK_ONSTACK(&rw.work, svm_cxl_report_fn);
	queue_work(system_unbound_wq, &rw.work);
	flush_work(&rw.work);
	destroy_work_on_stack(&rw.work);
}

struct svm_cxl_name_work {
	struct work_struct work;
	const char *who;
	struct page **pages;
	unsigned int n;
};

static void svm_cxl_name_fn(struct work_struct *work)
{
	struct svm_cxl_name_work *nw = container_of(work, struct svm_cxl_name_work, work);
	struct svm_cxl_busy_page *bp;
	unsigned int i, n = 0;

	bp = kcalloc(nw->n, sizeof(*bp), GFP_KERNEL);
	if (!bp)
		return;
	for (i = 0; i < nw->n; i++)
		if (get_page_unless_zero(nw->pages[i]))
			svm_cxl_busy_page_init(&bp[n++], nw->pages[i]);
	svm_cxl_name_and_put(nw->who, bp, n);
	kfree(bp);
}

/**
 * svm_cxl_name_holders() - log the processes that map some pages
 * @who: prefix of the log lines (what the pages are, e.g. "region0: memory147")
 * @pages: online pages, not necessarily referenced (a page freed meanwhile is skipped)
 * @n: how many, at most SVM_CXL_REPORT_PAGES are looked at
 *
 * For each anonymous page, a line per process mapping it ("mapped by comm[pid] at
 * addr"), or one saying nobody maps it. Runs in a kworker for the reason
 * svm_cxl_report_busy() gives, and waits for it. May sleep.
 */
void svm_cxl_name_holders(const char *who, struct page **pages, unsigned int n)
{
	struct svm_cxl_name_work nw = {
		.who = who, .pages = pages, .n = min_t(unsigned int, n, SVM_CXL_REPORT_PAGES),
	};

	INIT_WORK_ONSTACK(&nw.work, svm_cxl_name_fn);
	queue_work(system_unbound_wq, &nw.work);
	flush_work(&nw.work);
	destroy_work_on_stack(&nw.work);
}
