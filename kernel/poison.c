// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm_cxl: memory failure of pool pages (dev_pagemap_ops.memory_failure).
 *
 * For MEMORY_DEVICE_COHERENT pages without this op the core gives up (-ENXIO in 6.12
 * mf_generic_kill_procs()): the page stays mapped and goes back to the pool when
 * freed. memory_failure() reaches the op for any pool pfn because ZONE_DEVICE pages
 * are never "online" (pfn_to_online_page() is NULL, so memory_failure_dev_pagemap()
 * runs); the callers are the machine-check handler, copy_mc_highpage() through
 * memory_failure_queue() (copy.c), APEI/GHES and CXL event records, and the software
 * injectors (/sys/devices/system/memory/hard_offline_page, hwpoison_inject).
 *
 * What the op does for one page, as memory_failure() does for RAM:
 * - mark it PageHWPoison;
 * - a free page leaves the allocator for good (retired) right away;
 * - a page in use is unmapped from every process: migrate_device_range() on it makes
 *   try_to_migrate() replace each PTE by a hwpoison entry (6.12 mm/rmap.c,
 *   try_to_migrate_one(), the PageHWPoison branch), so the next access of any mapper
 *   is a SIGBUS (BUS_MCEERR_AR) instead of a read of bad data; no destination page is
 *   given, so finalize puts nothing back. When the last reference goes, page_free
 *   retires the page (alloc.c). A page that is locked by a migration in flight cannot
 *   be unmapped now; that migration skips it (copy.c) and the page is retired when
 *   freed all the same.
 * Drains find retired pages with no reference and skip them; they do not count as
 * used. The retirement lasts as long as the pool: a pool added again over the range
 * starts with a fresh memmap (the device's poison list is the lasting record).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/migrate.h>
#include <linux/mm.h>
#include <linux/page-flags.h>

#include "svm_cxl_internal.h"
#include "svm_cxl_trace.h"

static int svm_cxl_poison_page(struct svm_cxl_pool *pool, unsigned long pfn)
{
	struct page *page = pfn_to_page(pfn);
	unsigned long src = 0, dst = 0;
	phys_addr_t phys = PFN_PHYS(pfn);

	if (!svm_cxl_alloc_has_pfn(pool, pfn))
		return -ENXIO;
	if (TestSetPageHWPoison(page)) {
		pr_info("pool%u: %pa is poisoned already\n", pool->id, &phys);
		return -EHWPOISON;
	}
	atomic64_inc(&pool->stats.poisoned);
	if (svm_cxl_alloc_retire_free(pool, pfn)) {
		pr_warn("pool%u: memory failure at %pa: free page retired\n", pool->id, &phys);
		return 0;
	}
	migrate_device_range(&src, pfn, 1);
	migrate_device_pages(&src, &dst, 1);
	migrate_device_finalize(&src, &dst, 1);
	if (!(src & MIGRATE_PFN_MIGRATE) && folio_mapped(page_folio(page))) {
		pr_warn("pool%u: memory failure at %pa: page busy, still mapped; retired when freed\n",
			pool->id, &phys);
		return -EBUSY;
	}
	pr_warn("pool%u: memory failure at %pa: page unmapped (its users get SIGBUS on access), retired when freed\n",
		pool->id, &phys);
	return 0;
}

int svm_cxl_memory_failure(struct dev_pagemap *pgmap, unsigned long pfn,
			   unsigned long nr_pages, int mf_flags)
{
	struct svm_cxl_pool *pool = svm_cxl_pgmap_pool(pgmap);
	unsigned long i;
	int rc = 0, r;

	for (i = 0; i < nr_pages; i++) {
		r = svm_cxl_poison_page(pool, pfn + i);
		trace_svm_cxl_poison(pool->id, pfn + i, r);
		if (r && !rc)
			rc = r;
	}
	return rc;
}
