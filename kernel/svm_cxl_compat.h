/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * svm_cxl: one source for every kernel it builds on (6.12 ... 7.x). The module is
 * written against the newest interfaces; older kernels get them here, keyed on
 * LINUX_VERSION_CODE, so call sites carry no #ifdefs and this file shrinks as the
 * oldest supported kernel moves. Each entry names the change that made it necessary.
 */
#ifndef _SVM_CXL_COMPAT_H
#define _SVM_CXL_COMPAT_H

#include <linux/gfp.h>
#include <linux/memremap.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/version.h>

/*
 * 6.13, cdd30ebb1b9f "module: Convert symbol namespace to string literal": the
 * namespace is a string. Before, MODULE_IMPORT_NS() stringified its argument.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0)
#undef MODULE_IMPORT_NS
#define MODULE_IMPORT_NS(ns)	MODULE_INFO(import_ns, ns)
#endif

/* 6.14: the bulk allocator lost "_array" (alloc_pages_bulk_array_node() before). */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 14, 0)
#define alloc_pages_bulk_node(gfp, nid, nr_pages, page_array) \
	alloc_pages_bulk_array_node(gfp, nid, nr_pages, page_array)
#endif

/*
 * 6.15, "mm: allow compound zone device pages": pgmap moved from struct page to
 * struct folio; page_pgmap() reads it from either.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 15, 0)
static inline struct dev_pagemap *page_pgmap(const struct page *page)
{
	return page->pgmap;
}
#endif

/*
 * 6.19, device THP ("mm/zone_device: support large zone device private folios" and
 * "mm/zone_device: reinitialize large zone device private folios"):
 * zone_device_page_init() takes the pgmap (a compound head may have overwritten the
 * page's) and the folio order, and dev_pagemap_ops.page_free(page) became
 * folio_free(folio). svm_cxl hands out order-0 pages, and order-9 folios with
 * device THP (svm_cxl_alloc_folio_locked()).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 19, 0)
#define SVM_CXL_HAVE_FOLIO_FREE	1
static inline void svm_cxl_zone_device_page_init(struct page *page, struct dev_pagemap *pgmap,
						 unsigned int order)
{
	zone_device_page_init(page, pgmap, order);
}
#else
static inline void svm_cxl_zone_device_page_init(struct page *page, struct dev_pagemap *pgmap,
						 unsigned int order)
{
	WARN_ON_ONCE(order);
	zone_device_page_init(page);
}
#endif

/*
 * 6.15 added migrate_device_pfns(): eviction can hand the core the
 * pages that are out (non-contiguous) instead of every pfn of a window. Before, only
 * migrate_device_range() exists, and evict.c walks windows of the pool.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 15, 0)
#define SVM_CXL_HAVE_MIGRATE_DEVICE_PFNS	1
#endif

/*
 * 6.19, device THP: migrate_vma_setup() with MIGRATE_VMA_SELECT_COMPOUND collects a
 * PMD-mapped THP (or an empty aligned 2 MiB) as one MIGRATE_PFN_COMPOUND entry, and a
 * destination marked MIGRATE_PFN_COMPOUND is an order-9 folio mapped by one PMD. Before,
 * both are 0: every test of them folds away and every THP is split by the core.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 19, 0) && defined(CONFIG_TRANSPARENT_HUGEPAGE)
#define SVM_CXL_HAVE_DEVICE_THP		1
#define SVM_CXL_SELECT_COMPOUND		MIGRATE_VMA_SELECT_COMPOUND
/* A THP for @addr of @vma, under its memory policy (6.12's took a "hugepage" bool). */
static inline struct folio *svm_cxl_vma_alloc_thp(gfp_t gfp, struct vm_area_struct *vma,
						  unsigned long addr)
{
	return vma_alloc_folio(gfp, HPAGE_PMD_ORDER, vma, addr);
}
#else
static inline struct folio *svm_cxl_vma_alloc_thp(gfp_t gfp, struct vm_area_struct *vma,
						  unsigned long addr)
{
	return NULL;
}
#define SVM_CXL_SELECT_COMPOUND		0
#ifndef MIGRATE_PFN_COMPOUND
#define MIGRATE_PFN_COMPOUND		0
#endif
#endif

/*
 * 6.16, "mm: rename PAGE_MAPPING_* to FOLIO_MAPPING_*" (page->mapping flags are a folio
 * matter since struct page lost ->mapping and ->index for non-head use).
 */
#ifndef FOLIO_MAPPING_ANON
#define FOLIO_MAPPING_ANON	PAGE_MAPPING_ANON
#define FOLIO_MAPPING_FLAGS	PAGE_MAPPING_FLAGS
#endif

#endif /* _SVM_CXL_COMPAT_H */
