// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm_cxl: migration of a range of an mm to a pool (migrate_vma_* with
 * MIGRATE_VMA_SELECT_SYSTEM, CPU copy, never-touched pages allocated zeroed on the
 * device; pages of another pool too, with MIGRATE_VMA_SELECT_DEVICE_COHERENT, copied
 * device to device) and back to system RAM (MIGRATE_VMA_SELECT_DEVICE_COHERENT with our pgmap
 * owner), and the query of where each page of a range lives (hmm_range_fault without
 * faulting). Every page of a range is accounted for in struct svm_cxl_migrate_result.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/highmem.h>
#include <linux/hmm.h>
#include <linux/hugetlb.h>
#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/pagemap.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "svm_cxl_internal.h"
#include "svm_cxl_trace.h"

#ifdef SVM_CXL_HAVE_DEVICE_THP
/*
 * Off by default: 7.3's core splits a device-coherent folio without giving the new
 * folios their pgmap (zone_device_private_split_cb() only knows DEVICE_PRIVATE), so a
 * partial munmap or mprotect of a 2 MiB pool folio followed by its split (the deferred
 * split shrinker, or migrating the piece back) would leak its pages. Whole folios
 * round-trip safely; docs/kernel.md, "Device THP", has the evidence.
 */
static bool device_thp;
module_param(device_thp, bool, 0644);
MODULE_PARM_DESC(device_thp,
		 "Move 2 MiB THPs as whole device folios (6.19+; default off: the core cannot split device-coherent folios yet)");

static bool svm_cxl_thp(void)
{
	return READ_ONCE(device_thp) && thp_migration_supported();
}
#else
static bool svm_cxl_thp(void)
{
	return false;
}
#endif

/* Why a page of a batch did not move, decided before migrate_vma_pages(). */
enum svm_cxl_why {
	SVM_CXL_WHY_UNKNOWN = 0,	/* not collected: find out with a query */
	SVM_CXL_WHY_NO_MEMORY,
	SVM_CXL_WHY_OTHER_POOL,
	SVM_CXL_WHY_ABSENT,
	SVM_CXL_WHY_BUSY,		/* pinned or otherwise referenced: would not move */
	SVM_CXL_WHY_UNSUPPORTED,	/* file/shmem to a pool, or a poisoned page */
};

struct svm_cxl_mig {
	struct mm_struct *mm;
	struct svm_cxl_pool *pool;	/* destination, or the filter for TO_SYSTEM */
	struct svm_cxl_owner *owner;	/* TO_POOL: whom the pool pages are charged to */
	bool to_pool;
	bool peers;			/* TO_POOL: other pools exist (svm_cxl_prescan()) */
	bool p2p;			/* TO_POOL: this batch has pages of another pool */
	bool no_fill;			/* TO_POOL: leave holes alone (absent), see below */
	struct svm_cxl_migrate_result *res;
	struct mmu_interval_notifier notifier;	/* for hmm_range_fault() only */
	/* Arrays of @cap entries, in the same allocation, after the struct. */
	unsigned long cap;
	unsigned long *src;
	unsigned long *dst;
	unsigned long *hmm;
	unsigned long *idx;		/* batch index of the k-th page to move */
	struct page **spages;		/* its source page (NULL: clear) */
	struct page **dpages;		/* its destination page */
	struct svm_cxl_page_loc *locs;	/* the look before setup */
	u8 *why;
};

/*
 * The per-call state with arrays for batches of @cap pages: sized to the call, so a
 * single page does not pay for the arrays of a full batch.
 */
static struct svm_cxl_mig *svm_cxl_mig_alloc(unsigned long cap)
{
	struct svm_cxl_mig *m;
	unsigned long *a;

	m = kvmalloc(sizeof(*m) + cap * (4 * sizeof(long) + 2 * sizeof(void *) +
					 sizeof(struct svm_cxl_page_loc) + 1), GFP_KERNEL);
	if (!m)
		return NULL;
	memset(m, 0, sizeof(*m));
	a = (unsigned long *)(m + 1);
	m->cap = cap;
	m->src = a;
	m->dst = a + cap;
	m->hmm = a + 2 * cap;
	m->idx = a + 3 * cap;
	m->spages = (struct page **)(a + 4 * cap);
	m->dpages = m->spages + cap;
	m->locs = (struct svm_cxl_page_loc *)(m->dpages + cap);
	m->why = (u8 *)(m->locs + cap);
	return m;
}

static bool svm_cxl_invalidate(struct mmu_interval_notifier *mni,
			       const struct mmu_notifier_range *range, unsigned long cur_seq)
{
	/* Nothing is mirrored: only make a concurrent hmm_range_fault() retry. */
	mmu_interval_set_seq(mni, cur_seq);
	return true;
}

static const struct mmu_interval_notifier_ops svm_cxl_mni_ops = {
	.invalidate = svm_cxl_invalidate,
};

static void svm_cxl_pfn_loc(unsigned long pfn, struct svm_cxl_page_loc *loc)
{
	u32 id = svm_cxl_pfn_pool_id(pfn);

	if (id) {
		loc->where = SVM_CXL_WHERE_POOL;
		loc->id = id;
	} else if (is_zero_pfn(pfn)) {
		loc->where = SVM_CXL_WHERE_ZERO;
		loc->id = page_to_nid(pfn_to_page(pfn));
	} else {
		loc->where = SVM_CXL_WHERE_SYSTEM;
		loc->id = page_to_nid(pfn_to_page(pfn));
	}
}

/*
 * Where the pages of [start, end) (at most one batch) live, into @locs. The caller
 * holds mmap_lock for read and an interval notifier covering the range. A snapshot:
 * pages may move right after. Nothing is faulted in, except the pages set in
 * @fault_mask (bit i for page i, ranges of at most 64 pages): for those, a migration
 * entry is waited for and a swapped page is read back, so that a page in transit is
 * seen where it lands instead of as not present. Returns 0, or -EBUSY if it kept
 * racing with changes, or -EFAULT if a page to fault could not be.
 */
static int svm_cxl_locate(struct mmu_interval_notifier *mni, unsigned long *hmm_pfns,
			  unsigned long start, unsigned long end,
			  struct svm_cxl_page_loc *locs, u64 fault_mask)
{
	struct hmm_range range = {
		.notifier = mni,
		.start = start,
		.end = end,
		.hmm_pfns = hmm_pfns,
		.pfn_flags_mask = fault_mask ? HMM_PFN_REQ_FAULT : 0,
	};
	unsigned long i, n = (end - start) >> PAGE_SHIFT;
	int tries, rc = -EBUSY;

	mmap_assert_locked(mni->mm);
	for (tries = 0; tries < 16 && rc == -EBUSY; tries++) {
		for (i = 0; fault_mask && i < n; i++)
			hmm_pfns[i] = fault_mask & BIT_ULL(i) ? HMM_PFN_REQ_FAULT : 0;
		range.notifier_seq = mmu_interval_read_begin(mni);
		rc = hmm_range_fault(&range);
	}
	if (rc)
		return rc;
	for (i = 0; i < n; i++) {
		if (!(hmm_pfns[i] & HMM_PFN_VALID) || (hmm_pfns[i] & HMM_PFN_ERROR)) {
			locs[i].where = SVM_CXL_WHERE_NONE;
			locs[i].id = 0;
			continue;
		}
		svm_cxl_pfn_loc(page_to_pfn(hmm_pfn_to_page(hmm_pfns[i])), &locs[i]);
	}
	return 0;
}

/*
 * dst[] of the k-th page to move from m->dpages[k], k < @got; a page whose source
 * could not be read (copy.c released its destination) stays put, unsupported.
 */
static void svm_cxl_fill_dst(struct svm_cxl_mig *m, struct migrate_vma *args,
			     unsigned long got)
{
	unsigned long i, k;

	for (k = 0; k < got; k++) {
		i = m->idx[k];
		if (!m->dpages[k]) {
			m->why[i] = SVM_CXL_WHY_UNSUPPORTED;
			continue;
		}
		args->dst[i] = migrate_pfn(page_to_pfn(m->dpages[k]));
	}
}

/*
 * A THP, or an empty aligned 2 MiB, collected whole (MIGRATE_PFN_COMPOUND, 6.19+) at
 * batch index @i, going to the pool: an order-9 device folio from a wholly free chunk,
 * the data copied (or cleared) folio to folio. Without a free chunk, 512 single pages,
 * all or none: the core then splits the source and wants a destination for each
 * page. Uses m->spages/dpages as scratch (before the single pages of the batch).
 */
static void svm_cxl_huge_to_pool(struct svm_cxl_mig *m, struct migrate_vma *args,
				 unsigned long i, u64 *t)
{
	struct page *spage = migrate_pfn_to_page(args->src[i]);
	unsigned long j, got, n = SVM_CXL_CHUNK_PAGES;
	u8 why = SVM_CXL_WHY_NO_MEMORY;
	struct folio *dst;

	if (spage && is_zone_device_page(spage))
		return;		/* one of ours (SELECT_SYSTEM takes every PMD): the look says */
	if (!spage && m->no_fill) {
		memset(m->why + i, SVM_CXL_WHY_ABSENT, n);
		return;
	}
	if (spage && !PageAnon(spage)) {
		memset(m->why + i, SVM_CXL_WHY_UNSUPPORTED, n);
		return;
	}
	got = svm_cxl_owner_reserve(m->owner, n);
	if (got < n) {
		svm_cxl_owner_unreserve(m->owner, got);
		goto refuse;
	}
	dst = svm_cxl_alloc_folio_locked(m->pool);
	svm_cxl_prof_lap(SVM_CXL_PROF_TO_POOL, SVM_CXL_PH_ALLOC, t);
	if (dst) {
		int rc = 0;

		if (spage)
			rc = svm_cxl_copy_folio(dst, page_folio(spage));
		else
			folio_zero_range(dst, 0, folio_size(dst));
		svm_cxl_prof_lap(SVM_CXL_PROF_TO_POOL, SVM_CXL_PH_COPY, t);
		if (rc) {
			folio_unlock(dst);
			folio_put(dst);
			svm_cxl_owner_unreserve(m->owner, n);
			why = SVM_CXL_WHY_UNSUPPORTED;
			goto refuse;
		}
		svm_cxl_owner_charge(m->owner, &dst->page, n);
		args->dst[i] = migrate_pfn(folio_pfn(dst)) | MIGRATE_PFN_COMPOUND;
		return;
	}
	got = svm_cxl_alloc_pages_locked(m->pool, m->dpages, n);
	for (j = 0; j < n; j++)
		m->spages[j] = spage ? folio_page(page_folio(spage), j) : NULL;
	if (got == n && !svm_cxl_copy_pages(m->dpages, m->spages, n)) {
		for (j = 0; j < n; j++) {
			svm_cxl_owner_charge(m->owner, m->dpages[j], 1);
			args->dst[i + j] = migrate_pfn(page_to_pfn(m->dpages[j]));
		}
		atomic64_add(n, &m->pool->stats.huge_fallback);
		return;
	}
	/* A copy that failed released its page already (NULL). */
	for (j = 0; j < got; j++) {
		if (m->dpages[j]) {
			unlock_page(m->dpages[j]);
			put_page(m->dpages[j]);
		}
	}
	svm_cxl_owner_unreserve(m->owner, n);
	if (got == n)
		why = SVM_CXL_WHY_UNSUPPORTED;
refuse:
	memset(m->why + i, why, n);
}

/*
 * Fill dst[] for the collected pages of a batch going to the pool: THPs collected
 * whole first (svm_cxl_huge_to_pool()), then every other destination page in one
 * allocator round trip, then one copy pass over the batch (split across
 * CPUs when large). Never-touched pages (no source page) are cleared instead.
 */
static void svm_cxl_alloc_copy_to_pool(struct svm_cxl_mig *m, struct migrate_vma *args,
				       u64 *t)
{
	unsigned long i, k, n = 0, got, granted;

	for (i = 0; i < args->npages; i++)
		if ((args->src[i] & MIGRATE_PFN_MIGRATE) && (args->src[i] & MIGRATE_PFN_COMPOUND))
			svm_cxl_huge_to_pool(m, args, i, t);
	for (i = 0; i < args->npages; i++) {
		struct page *spage = migrate_pfn_to_page(args->src[i]);

		if (!(args->src[i] & MIGRATE_PFN_MIGRATE) || (args->src[i] & MIGRATE_PFN_COMPOUND))
			continue;
		/*
		 * migrate_vma_pages() refuses file and shmem pages for a device
		 * destination (6.12 __migrate_device_pages()): classify them now,
		 * before a pool page is taken and a copy made for nothing.
		 */
		if (spage && !PageAnon(spage)) {
			m->why[i] = SVM_CXL_WHY_UNSUPPORTED;
			continue;
		}
		if (!spage && m->no_fill) {
			m->why[i] = SVM_CXL_WHY_ABSENT;
			continue;
		}
		if (spage && is_zone_device_page(spage)) {
			struct svm_cxl_pool *p = svm_cxl_page_pool(spage);

			/* Ours already (collected with the others): finalize maps it back. */
			if (p == m->pool)
				continue;
			/*
			 * Of another pool: moves device to device, unless it is pinned (the
			 * core wants the migration's reference only, see the way back) or
			 * poisoned; then it stays there, other_pool.
			 */
			if (folio_ref_count(page_folio(spage)) != 1 || PageHWPoison(spage)) {
				m->why[i] = SVM_CXL_WHY_OTHER_POOL;
				continue;
			}
		}
		m->spages[n] = spage;
		m->idx[n++] = i;
	}
	/* What the user's page limit leaves is all the pool is asked for. */
	granted = svm_cxl_owner_reserve(m->owner, n);
	if (granted < n)
		pr_info_ratelimited("%s[%d]: uid %u at its limit of pool pages: %lu of %lu refused\n",
				    current->comm, task_pid_nr(current),
				    from_kuid_munged(&init_user_ns, m->owner->uid), n - granted, n);
	got = svm_cxl_alloc_pages_locked(m->pool, m->dpages, granted);
	svm_cxl_owner_unreserve(m->owner, granted - got);
	for (k = 0; k < got; k++)
		svm_cxl_owner_charge(m->owner, m->dpages[k], 1);
	for (k = got; k < n; k++)
		m->why[m->idx[k]] = SVM_CXL_WHY_NO_MEMORY;
	svm_cxl_prof_lap(SVM_CXL_PROF_TO_POOL, SVM_CXL_PH_ALLOC, t);
	svm_cxl_copy_pages(m->dpages, m->spages, got);
	svm_cxl_prof_lap(SVM_CXL_PROF_TO_POOL, SVM_CXL_PH_COPY, t);
	svm_cxl_fill_dst(m, args, got);
}

/*
 * System pages for @n pages of @vma at m->idx[] into m->dpages[], locked. Under the
 * default memory policy (none on the VMA or the task) they come from the local node
 * in one bulk call; otherwise page by page, each where the policy puts its address.
 * Returns how many pages are in m->dpages[0..got).
 */
static unsigned long svm_cxl_alloc_system(struct svm_cxl_mig *m, struct vm_area_struct *vma,
					  unsigned long start, unsigned long n)
{
	unsigned long k, got = 0;

	if (!vma->vm_policy && !current->mempolicy &&
	    (svm_cxl_tune_get() & SVM_CXL_TUNE_BULK_ALLOC)) {
		memset(m->dpages, 0, n * sizeof(m->dpages[0]));
		got = alloc_pages_bulk_node(GFP_HIGHUSER_MOVABLE, numa_mem_id(), n,
					    m->dpages);
	}
	for (k = got; k < n; k++) {
		m->dpages[k] = alloc_page_vma(GFP_HIGHUSER_MOVABLE, vma,
					      start + (m->idx[k] << PAGE_SHIFT));
		if (!m->dpages[k])
			break;
	}
	for (got = 0; got < k; got++)
		lock_page(m->dpages[got]);
	return got;
}

/*
 * A 2 MiB pool folio collected whole at batch index @i, going to system RAM: into a
 * system THP, folio to folio. There is no fallback to single pages: the core would
 * split the device folio for them, and 7.3 loses the pgmap of split device-coherent
 * folios (see device_thp). Without a THP the folio stays, counted no_memory.
 */
static void svm_cxl_huge_to_system(struct svm_cxl_mig *m, struct migrate_vma *args,
				   unsigned long i, u64 *t)
{
	struct page *spage = migrate_pfn_to_page(args->src[i]);
	unsigned long n = SVM_CXL_CHUNK_PAGES;
	struct svm_cxl_pool *p;
	struct folio *src, *dst;
	int rc;
	u8 why;

	if (!spage) {
		why = SVM_CXL_WHY_ABSENT;
		goto refuse;
	}
	p = svm_cxl_page_pool(spage);
	if (!p)
		return;		/* a THP in RAM (SELECT_SYSTEM): the look says already */
	src = page_folio(spage);
	if (m->pool && p != m->pool)
		why = SVM_CXL_WHY_OTHER_POOL;
	else if (folio_ref_count(src) != 1)
		why = SVM_CXL_WHY_BUSY;		/* see svm_cxl_alloc_copy_to_system() */
	else if (folio_test_has_hwpoisoned(src))
		why = SVM_CXL_WHY_UNSUPPORTED;
	else
		why = SVM_CXL_WHY_NO_MEMORY;
	if (why != SVM_CXL_WHY_NO_MEMORY)
		goto refuse;
	dst = svm_cxl_vma_alloc_thp(GFP_TRANSHUGE | __GFP_NOWARN, args->vma,
				    args->start + (i << PAGE_SHIFT));
	svm_cxl_prof_lap(SVM_CXL_PROF_TO_SYSTEM, SVM_CXL_PH_ALLOC, t);
	if (!dst)
		goto refuse;
	folio_lock(dst);
	rc = svm_cxl_copy_folio(dst, src);
	svm_cxl_prof_lap(SVM_CXL_PROF_TO_SYSTEM, SVM_CXL_PH_COPY, t);
	if (rc) {
		folio_unlock(dst);
		folio_put(dst);
		why = SVM_CXL_WHY_UNSUPPORTED;
		goto refuse;
	}
	args->dst[i] = migrate_pfn(folio_pfn(dst)) | MIGRATE_PFN_COMPOUND;
	return;
refuse:
	memset(m->why + i, why, n);
}

/*
 * Fill dst[] for the collected device pages of a batch going to system RAM: pool
 * folios collected whole first (svm_cxl_huge_to_system()), then single pages.
 */
static void svm_cxl_alloc_copy_to_system(struct svm_cxl_mig *m, struct migrate_vma *args,
					 u64 *t)
{
	unsigned long i, k, n = 0, got;

	for (i = 0; i < args->npages; i++)
		if ((args->src[i] & MIGRATE_PFN_MIGRATE) && (args->src[i] & MIGRATE_PFN_COMPOUND))
			svm_cxl_huge_to_system(m, args, i, t);
	for (i = 0; i < args->npages; i++) {
		struct page *spage = migrate_pfn_to_page(args->src[i]);

		if (!(args->src[i] & MIGRATE_PFN_MIGRATE) || (args->src[i] & MIGRATE_PFN_COMPOUND))
			continue;
		if (!spage) {
			/* A hole (collected only when empty): nothing to bring back. */
			m->why[i] = SVM_CXL_WHY_ABSENT;
			continue;
		}
		/* A system page (collected by SELECT_SYSTEM for THPs): the look says. */
		if (!svm_cxl_page_pool(spage))
			continue;
		if (m->pool && svm_cxl_page_pool(spage) != m->pool) {
			m->why[i] = SVM_CXL_WHY_OTHER_POOL;
			continue;
		}
		/*
		 * Unmapped, a device page that can move has one reference, ours
		 * (folio_migrate_mapping() wants exactly that): a pinned one would be
		 * refused after its copy. A poisoned one has no data to save; the unmap
		 * turned its mappings into hwpoison entries (SIGBUS on access).
		 */
		if (folio_ref_count(page_folio(spage)) != 1) {
			m->why[i] = SVM_CXL_WHY_BUSY;
			continue;
		}
		if (PageHWPoison(spage)) {
			m->why[i] = SVM_CXL_WHY_UNSUPPORTED;
			continue;
		}
		m->spages[n] = spage;
		m->idx[n++] = i;
	}
	got = svm_cxl_alloc_system(m, args->vma, args->start, n);
	for (k = got; k < n; k++)
		m->why[m->idx[k]] = SVM_CXL_WHY_NO_MEMORY;
	svm_cxl_prof_lap(SVM_CXL_PROF_TO_SYSTEM, SVM_CXL_PH_ALLOC, t);
	svm_cxl_copy_pages(m->dpages, m->spages, got);
	svm_cxl_prof_lap(SVM_CXL_PROF_TO_SYSTEM, SVM_CXL_PH_COPY, t);
	svm_cxl_fill_dst(m, args, got);
}

static bool svm_cxl_moved(struct migrate_vma *args, unsigned long i)
{
	return args->dst[i] && (args->src[i] & MIGRATE_PFN_MIGRATE);
}

/* Pages of the entry at @i: 512 for a folio that moved whole (compound both ways). */
static unsigned long svm_cxl_entry_pages(struct migrate_vma *args, unsigned long i)
{
	return (args->dst[i] & MIGRATE_PFN_COMPOUND) ? SVM_CXL_CHUNK_PAGES : 1;
}

/*
 * Count the pages that moved, after migrate_vma_pages() and before finalize: the
 * source pages are still locked and referenced, so the pool of a device page cannot
 * go away while we look at it. A folio that moved whole is one entry (its head) for
 * 512 pages; the entries after it are empty.
 */
static void svm_cxl_account_moved(struct svm_cxl_mig *m, struct migrate_vma *args)
{
	struct svm_cxl_pool *pool = NULL, *p;
	unsigned long i, nr, run = 0, run_huge = 0;
	u64 moved = 0, zero = 0, huge = 0, peer = 0;

	for (i = 0; i < args->npages; i += nr) {
		struct page *spage = migrate_pfn_to_page(args->src[i]);

		nr = 1;
		if (!svm_cxl_moved(args, i))
			continue;
		nr = svm_cxl_entry_pages(args, i);
		moved += nr;
		if (nr > 1)
			huge += nr;
		if (m->to_pool) {
			zero += spage ? 0 : nr;
			if (!spage || !is_zone_device_page(spage))
				continue;
			peer += nr;	/* from another pool: counted out of it below */
		}
		p = svm_cxl_page_pool(spage);
		if (p != pool) {
			if (pool && m->to_pool) {
				atomic64_add(run, &pool->stats.peer_out);
			} else if (pool) {
				atomic64_add(run, &pool->stats.migrated_out);
				atomic64_add(run_huge, &pool->stats.huge_out);
			}
			pool = p;
			run = 0;
			run_huge = 0;
		}
		run += nr;
		if (nr > 1)
			run_huge += nr;
	}
	if (pool && m->to_pool) {
		atomic64_add(run, &pool->stats.peer_out);
	} else if (pool) {
		atomic64_add(run, &pool->stats.migrated_out);
		atomic64_add(run_huge, &pool->stats.huge_out);
	}
	m->res->moved += moved;
	m->res->huge += huge;
	if (m->to_pool) {
		m->res->zero_filled += zero;
		atomic64_add(moved - zero - peer, &m->pool->stats.migrated_in);
		atomic64_add(peer, &m->pool->stats.peer_in);
		atomic64_add(zero, &m->pool->stats.allocated_on_device);
		atomic64_add(huge, &m->pool->stats.huge_in);
	}
}

/* Sort the pages of a finished batch that did not move into the result counters. */
static void svm_cxl_account(struct svm_cxl_mig *m, struct migrate_vma *args, bool anon)
{
	struct svm_cxl_migrate_result *res = m->res;
	struct svm_cxl_page_loc locs[64];
	unsigned long i, n = args->npages, chunk = ULONG_MAX;
	bool located = false;

	for (i = 0; i < n; i++) {
		struct svm_cxl_page_loc *loc;

		if (svm_cxl_moved(args, i)) {
			i += svm_cxl_entry_pages(args, i) - 1;	/* counted in account_moved */
			continue;
		}
		if (args->dst[i]) {
			/* Refused after the copy: a file or shmem page, or a lost race. */
			if (anon)
				res->busy++;
			else
				res->unsupported++;
			continue;
		}
		switch (m->why[i]) {
		case SVM_CXL_WHY_NO_MEMORY:
			res->no_memory++;
			continue;
		case SVM_CXL_WHY_OTHER_POOL:
			res->other_pool++;
			continue;
		case SVM_CXL_WHY_ABSENT:
			res->absent++;
			continue;
		case SVM_CXL_WHY_BUSY:
			res->busy++;
			continue;
		case SVM_CXL_WHY_UNSUPPORTED:
			res->unsupported++;
			continue;
		default:
			break;
		}
		/* Not collected, or a hole going to system RAM: look at the page table. */
		if (i / ARRAY_SIZE(locs) != chunk) {
			unsigned long first = rounddown(i, ARRAY_SIZE(locs));
			unsigned long s = args->start + (first << PAGE_SHIFT);
			unsigned long e = min(args->end, s + (ARRAY_SIZE(locs) << PAGE_SHIFT));
			unsigned long j;
			u64 fault = 0;

			/*
			 * Pages of an anonymous mapping that were not collected had a
			 * non-empty entry: if it is not present now, it is a migration
			 * (another thread's) or swap entry: let hmm resolve it.
			 */
			for (j = first; anon && j < first + ((e - s) >> PAGE_SHIFT); j++)
				if (!args->src[j])
					fault |= BIT_ULL(j - first);
			chunk = i / ARRAY_SIZE(locs);
			located = !svm_cxl_locate(&m->notifier, m->hmm, s, e, locs, fault);
		}
		if (!located) {
			res->busy++;
			continue;
		}
		loc = &locs[i % ARRAY_SIZE(locs)];
		switch (loc->where) {
		case SVM_CXL_WHERE_POOL:
			if (m->to_pool && loc->id == m->pool->id)
				res->already++;
			else if (m->to_pool)
				res->other_pool++;
			else if (m->pool && loc->id != m->pool->id)
				res->other_pool++;
			else
				res->busy++;
			break;
		case SVM_CXL_WHERE_SYSTEM:
		case SVM_CXL_WHERE_ZERO:
			if (!m->to_pool)
				res->already++;
			else if (!anon)
				res->unsupported++;
			else
				res->busy++;
			break;
		default:
			res->absent++;
			break;
		}
	}
}

/* Account pages [from, to) of a batch from the look before setup (m->locs). */
static void svm_cxl_account_locs(struct svm_cxl_mig *m, unsigned long from, unsigned long to,
				 bool anon)
{
	struct svm_cxl_migrate_result *res = m->res;
	u64 no_memory = res->no_memory;
	unsigned long i;

	for (i = from; i < to; i++) {
		switch (m->locs[i].where) {
		case SVM_CXL_WHERE_POOL:
			if (m->pool && m->locs[i].id != m->pool->id)
				res->other_pool++;
			else if (m->to_pool)
				res->already++;
			else
				res->busy++;	/* not left out of setup: cannot happen */
			break;
		case SVM_CXL_WHERE_SYSTEM:
		case SVM_CXL_WHERE_ZERO:
			if (!m->to_pool)
				res->already++;
			else if (anon)
				res->no_memory++;
			else
				res->unsupported++;
			break;
		default:
			/*
			 * Not present in a file or shared mapping (anonymous ones go to
			 * setup, see svm_cxl_prescan_candidate()): nothing to move.
			 */
			res->absent++;
			break;
		}
	}
	/* Refused without asking the allocator: count them as it would have. */
	if (m->to_pool)
		atomic64_add(res->no_memory - no_memory, &m->pool->stats.alloc_failures);
}

/*
 * Whether setup must see a page the look found at @loc: to system RAM, a page of a
 * pool (of the filter pool, with one); both ways, a page of an anonymous mapping that
 * is not present, since it may be in transit (another thread's migration entry, which
 * the classification after setup waits for) or a hole to fill. A present system page
 * cannot be on its way anywhere we care about.
 */
static bool svm_cxl_prescan_candidate(struct svm_cxl_mig *m, struct svm_cxl_page_loc *loc,
				      bool anon)
{
	if (loc->where == SVM_CXL_WHERE_NONE)
		return anon;
	return !m->to_pool && loc->where == SVM_CXL_WHERE_POOL &&
	       (!m->pool || loc->id == m->pool->id);
}

/*
 * Look before migrate_vma_setup(), which in 6.12 splits every THP of the range
 * (migrate_vma_collect_pmd()) and unmaps, flushes and isolates every page it
 * collects, only for finalize to map them back when nothing can move. The look is
 * read-only (hmm_range_fault() without faulting: no split, no unmap). It matters
 * to system RAM, and to a pool that cannot hand out a page now (full, draining):
 * setup then gets only the part of the batch from the first to the last page it must
 * see (svm_cxl_prescan_candidate()), and the rest is accounted from the look. Returns
 * false if nothing is left.
 */
static bool svm_cxl_prescan(struct svm_cxl_mig *m, struct vm_area_struct *vma,
			    unsigned long *startp, unsigned long *endp)
{
	unsigned long start = *startp, n = (*endp - start) >> PAGE_SHIFT;
	unsigned long i, first = n, last = 0;
	bool anon = vma_is_anonymous(vma);

	m->p2p = false;
	if (m->to_pool && svm_cxl_pool_state(m->pool) == SVM_CXL_POOL_ACTIVE &&
	    svm_cxl_pool_free_pages(m->pool) && !svm_cxl_owner_at_limit(m->owner)) {
		/*
		 * With other pools, look whether the batch holds pages of one: only
		 * then does setup select device pages too, so that pages already in
		 * the target pool are not unmapped and mapped back for nothing.
		 */
		if (!m->peers)
			return true;
		if (svm_cxl_locate(&m->notifier, m->hmm, start, *endp, m->locs, 0)) {
			m->p2p = true;	/* kept racing: select everything */
			return true;
		}
		for (i = 0; i < n && !m->p2p; i++)
			m->p2p = m->locs[i].where == SVM_CXL_WHERE_POOL &&
				 m->locs[i].id != m->pool->id;
		return true;
	}
	/* If the look fails (it kept racing), setup decides as before. */
	if (svm_cxl_locate(&m->notifier, m->hmm, start, *endp, m->locs, 0))
		return true;
	for (i = 0; i < n; i++) {
		if (!svm_cxl_prescan_candidate(m, &m->locs[i], anon))
			continue;
		if (first == n)
			first = i;
		last = i;
	}
	svm_cxl_account_locs(m, 0, first, anon);
	if (first == n)
		return false;
	svm_cxl_account_locs(m, last + 1, n, anon);
	*startp = start + (first << PAGE_SHIFT);
	*endp = start + ((last + 1) << PAGE_SHIFT);
	return true;
}

static void svm_cxl_migrate_batch(struct svm_cxl_mig *m, struct vm_area_struct *vma,
				  unsigned long start, unsigned long end)
{
	struct migrate_vma args = {
		.vma = vma,
		.src = m->src,
		.dst = m->dst,
		.start = start,
		.end = end,
		.pgmap_owner = svm_cxl_pgmap_owner,
	};
	unsigned long n;
	int dir = m->to_pool ? SVM_CXL_PROF_TO_POOL : SVM_CXL_PROF_TO_SYSTEM;
	u64 t = ktime_get_ns(), t0 = t, moved0 = m->res->moved;

	if (!svm_cxl_prescan(m, vma, &start, &end))
		return;
	args.start = start;
	args.end = end;
	args.flags = m->to_pool ? MIGRATE_VMA_SELECT_SYSTEM : MIGRATE_VMA_SELECT_DEVICE_COHERENT;
	/* Pages of another pool go straight to this one: pool to pool, no RAM between. */
	if (m->p2p)
		args.flags |= MIGRATE_VMA_SELECT_DEVICE_COHERENT;
	/*
	 * Device THP: the core collects a PMD-mapped folio whole only for an aligned 2 MiB
	 * (else it splits it), and a present huge PMD only with SELECT_SYSTEM, ours too
	 * (7.3 migrate_vma_collect_huge_pmd()): back to system RAM an aligned batch also
	 * selects system pages, which get no destination and stay.
	 */
	if (svm_cxl_thp()) {
		args.flags |= SVM_CXL_SELECT_COMPOUND;
		if (!m->to_pool && IS_ALIGNED(start | end, PMD_SIZE))
			args.flags |= MIGRATE_VMA_SELECT_SYSTEM;
	}
	n = (end - start) >> PAGE_SHIFT;
	memset(m->why, 0, n);
	memset(m->dst, 0, n * sizeof(m->dst[0]));
	svm_cxl_prof_add(dir, 1, n);
	if (migrate_vma_setup(&args)) {
		m->res->unsupported += n;
		return;
	}
	svm_cxl_prof_lap(dir, SVM_CXL_PH_SETUP, &t);
	if (m->to_pool)
		svm_cxl_alloc_copy_to_pool(m, &args, &t);
	else
		svm_cxl_alloc_copy_to_system(m, &args, &t);
	migrate_vma_pages(&args);
	svm_cxl_prof_lap(dir, SVM_CXL_PH_PAGES, &t);
	svm_cxl_account_moved(m, &args);
	svm_cxl_prof_lap(dir, SVM_CXL_PH_ACCOUNT, &t);
	migrate_vma_finalize(&args);
	svm_cxl_prof_lap(dir, SVM_CXL_PH_FINALIZE, &t);
	svm_cxl_account(m, &args, vma_is_anonymous(vma));
	svm_cxl_prof_lap(dir, SVM_CXL_PH_ACCOUNT, &t);
	trace_svm_cxl_migrate_batch(start, n, m->to_pool, m->p2p, m->pool ? m->pool->id : 0,
				    m->res->moved - moved0, ktime_get_ns() - t0);
}

bool svm_cxl_vma_movable(struct vm_area_struct *vma)
{
	return (vma->vm_flags & VM_READ) && !(vma->vm_flags & VM_SPECIAL) &&
	       !is_vm_hugetlb_page(vma) && !vma_is_dax(vma);
}

/* Every page of [start, end) is mapped (-EFAULT) by a movable mapping (-EINVAL). */
static int svm_cxl_check_vmas(struct mm_struct *mm, unsigned long start, unsigned long end)
{
	struct vm_area_struct *vma;
	unsigned long addr;

	mmap_assert_locked(mm);
	for (addr = start; addr < end; addr = vma->vm_end) {
		vma = vma_lookup(mm, addr);
		if (!vma)
			return -EFAULT;
		if (!svm_cxl_vma_movable(vma))
			return -EINVAL;
	}
	return 0;
}

/*
 * Migrate [start, end) of @mm, the mm of @task (referenced by the caller): the
 * current task for SVM_CXL_IOC_MIGRATE and the in-kernel API, the target of a pidfd
 * migration otherwise. Pool pages are charged to @task's process. Going to a pool,
 * never-touched pages (holes, the zero page) get a zeroed device page when @fill (a
 * range the caller named), and are left alone, absent, otherwise (a walk over a whole
 * process, which must not populate its reservations).
 */
int svm_cxl_migrate_task(struct task_struct *task, struct mm_struct *mm, unsigned long start,
			 unsigned long end, struct svm_cxl_pool *pool, bool to_pool, bool fill,
			 struct svm_cxl_migrate_result *res)
{
	struct vm_area_struct *vma;
	struct svm_cxl_mig *m;
	unsigned long addr, next, batch = svm_cxl_batch_pages();
	int dir = to_pool ? SVM_CXL_PROF_TO_POOL : SVM_CXL_PROF_TO_SYSTEM;
	u64 t0 = ktime_get_ns();
	int rc;

	memset(res, 0, sizeof(*res));
	if (!PAGE_ALIGNED(start) || !PAGE_ALIGNED(end) || start >= end ||
	    end > mm->task_size)
		return -EINVAL;
	if (to_pool && !pool)
		return -EINVAL;

	m = svm_cxl_mig_alloc(min(batch, (end - start) >> PAGE_SHIFT));
	if (!m)
		return -ENOMEM;
	m->mm = mm;
	m->pool = pool;
	m->to_pool = to_pool;
	m->no_fill = !fill;
	m->res = res;
	if (to_pool) {
		m->peers = svm_cxl_pool_has_peers(pool);
		m->owner = svm_cxl_owner_get(pool, mm, task);
		if (!m->owner) {
			rc = -ENOMEM;
			goto out_free;
		}
	}
	/* Before mmap_lock: the first interval notifier of an mm takes it for write. */
	rc = mmu_interval_notifier_insert(&m->notifier, mm, start, end - start,
					  &svm_cxl_mni_ops);
	if (rc)
		goto out_free;

	if (mmap_read_lock_killable(mm)) {
		rc = -EINTR;
		goto out_remove;
	}
	rc = svm_cxl_check_vmas(mm, start, end);
	if (rc)
		goto out_unlock;

	for (addr = start; addr < end; addr = next) {
		if (fatal_signal_pending(current)) {
			rc = -EINTR;
			break;
		}
		vma = vma_lookup(mm, addr);
		if (!vma) {
			/* Unmapped by another thread since the check: nothing to move. */
			vma = find_vma(mm, addr);
			next = vma ? min(end, vma->vm_start) : end;
			res->absent += (next - addr) >> PAGE_SHIFT;
			continue;
		}
		/*
		 * Batches end on multiples of their size: with 512 pages, each batch is
		 * one page table, walked, unmapped and TLB-flushed once.
		 */
		next = min3(end, vma->vm_end,
			    (svm_cxl_tune_get() & SVM_CXL_TUNE_ALIGN) ?
			    ALIGN(addr + 1, batch << PAGE_SHIFT) : addr + (batch << PAGE_SHIFT));
		if (!svm_cxl_vma_movable(vma)) {
			res->unsupported += (next - addr) >> PAGE_SHIFT;
			continue;
		}
		svm_cxl_migrate_batch(m, vma, addr, next);
		/*
		 * A range may span up to TASK_SIZE: give the CPU up every batch (sleeping
		 * under mmap_lock for read is allowed), and the lock too when others wait
		 * for it (munmap, mprotect, faults of other threads).
		 */
		if (next < end && mmap_lock_is_contended(mm)) {
			mmap_read_unlock(mm);
			cond_resched();
			if (mmap_read_lock_killable(mm)) {
				rc = -EINTR;
				goto out_remove;
			}
		} else {
			cond_resched();
		}
	}
out_unlock:
	mmap_read_unlock(mm);
out_remove:
	mmu_interval_notifier_remove(&m->notifier);
out_free:
	if (m->owner)
		svm_cxl_owner_put(m->owner);
	kvfree(m);
	svm_cxl_prof_call(dir, ktime_get_ns() - t0);
	trace_svm_cxl_migrate(task_tgid_nr(task), start, end, to_pool, pool ? pool->id : 0, res,
			      rc, ktime_get_ns() - t0);
	return rc;
}

int svm_cxl_migrate_to_pool(struct mm_struct *mm, unsigned long start, unsigned long end,
			    struct svm_cxl_pool *pool, struct svm_cxl_migrate_result *res)
{
	return svm_cxl_migrate_task(current, mm, start, end, pool, true, true, res);
}
EXPORT_SYMBOL_GPL(svm_cxl_migrate_to_pool);

int svm_cxl_migrate_to_system(struct mm_struct *mm, unsigned long start, unsigned long end,
			      struct svm_cxl_pool *pool, struct svm_cxl_migrate_result *res)
{
	return svm_cxl_migrate_task(current, mm, start, end, pool, false, true, res);
}
EXPORT_SYMBOL_GPL(svm_cxl_migrate_to_system);

/*
 * Where each page of [start, end) of @mm lives, written to @ulocs; @counts gets the
 * number of pages none, system (zero page included) and pool.
 */
int svm_cxl_query_range(struct mm_struct *mm, unsigned long start, unsigned long end,
			struct svm_cxl_page_loc __user *ulocs, u64 counts[3])
{
	struct mmu_interval_notifier mni;
	struct svm_cxl_page_loc *locs;
	unsigned long *hmm_pfns;
	unsigned long addr, next, i, n;
	int rc;

	memset(counts, 0, 3 * sizeof(counts[0]));
	locs = kmalloc_array(SVM_CXL_BATCH, sizeof(*locs), GFP_KERNEL);
	hmm_pfns = kmalloc_array(SVM_CXL_BATCH, sizeof(*hmm_pfns), GFP_KERNEL);
	if (!locs || !hmm_pfns) {
		rc = -ENOMEM;
		goto out_free;
	}
	rc = mmu_interval_notifier_insert(&mni, mm, start, end - start, &svm_cxl_mni_ops);
	if (rc)
		goto out_free;

	for (addr = start; addr < end; addr = next) {
		next = min(end, addr + (SVM_CXL_BATCH << PAGE_SHIFT));
		n = (next - addr) >> PAGE_SHIFT;
		if (mmap_read_lock_killable(mm)) {
			rc = -EINTR;
			break;
		}
		rc = svm_cxl_locate(&mni, hmm_pfns, addr, next, locs, 0);
		mmap_read_unlock(mm);
		if (rc)
			break;
		for (i = 0; i < n; i++) {
			switch (locs[i].where) {
			case SVM_CXL_WHERE_POOL:
				counts[2]++;
				break;
			case SVM_CXL_WHERE_SYSTEM:
			case SVM_CXL_WHERE_ZERO:
				counts[1]++;
				break;
			default:
				counts[0]++;
			}
		}
		if (copy_to_user(ulocs, locs, n * sizeof(*locs))) {
			rc = -EFAULT;
			break;
		}
		ulocs += n;
		if (fatal_signal_pending(current)) {
			rc = -EINTR;
			break;
		}
		cond_resched();
	}
	mmu_interval_notifier_remove(&mni);
out_free:
	kfree(hmm_pfns);
	kfree(locs);
	return rc;
}
