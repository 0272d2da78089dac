// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm_cxl: a new pool must be mapped, page for page, in the kernel's direct map.
 *
 * Every copy into a pool page and every clear of a fresh one goes through the direct
 * map. On x86 a memory hot-remove leaves a not-present direct-map PTE where it finds
 * one (remove_pte_table() skips them) and the next hot-add keeps any PTE that is not
 * none (phys_pte_init()): a range that was onlined as System RAM (numa mode, dax kmem)
 * and removed again comes back from memremap_pages() with a hole wherever a PTE had
 * been made not-present. debug_pagealloc does that to every free page, and the memory
 * failure code to a poisoned one (set_mce_nospec()). Seen in the 6.12.95 and 7.3.4
 * sources, found by the debug-kernel run. A copy into such a page faults inside
 * copy_mc_highpage(), which cannot tell a faulting destination from a poisoned source
 * and queues memory_failure() for the healthy source page: the process loses it. So a
 * pool with holes is refused, and the log says where they are.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/uaccess.h>

#include "svm_cxl_internal.h"

#ifdef CONFIG_X86
/* Pages from @pfn up to the end of its direct-map entry, 0 if that entry is absent. */
static unsigned long svm_cxl_directmap_span(unsigned long pfn)
{
	unsigned int level;
	unsigned long per;
	pte_t *pte;

	pte = lookup_address((unsigned long)pfn_to_kaddr(pfn), &level);
	if (!pte || !pte_present(*pte))
		return 0;
	per = page_level_size(level) >> PAGE_SHIFT;
	return per - (pfn & (per - 1));
}
#else
/* Without a page-table lookup, one probing read per page. */
static unsigned long svm_cxl_directmap_span(unsigned long pfn)
{
	char c;

	return copy_from_kernel_nofault(&c, pfn_to_kaddr(pfn), 1) ? 0 : 1;
}
#endif

/**
 * svm_cxl_directmap_check() - refuse a pool the direct map does not cover
 * @pool: a pool whose range memremap_pages() has just mapped
 *
 * Return: 0, or -ENXIO (logged with the number of pages missing and the first one).
 */
int svm_cxl_directmap_check(struct svm_cxl_pool *pool)
{
	unsigned long pfn = pool->pfn_first, end = pool->pfn_first + pool->npages;
	unsigned long holes = 0, first = 0, span;

	while (pfn < end) {
		span = svm_cxl_directmap_span(pfn);
		if (!span) {
			if (!holes++)
				first = pfn;
			span = 1;
		}
		pfn += span;
		cond_resched();
	}
	if (!holes)
		return 0;
	pr_err("pool add %pR refused: %lu of %lu pages are not in the kernel's direct map (first at pfn %#lx); the range was hot-removed with not-present entries (debug_pagealloc or poison) that the hot-add kept\n",
	       pool->res, holes, pool->npages, first);
	return -ENXIO;
}
