/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libsvmcxl-mem: allocate, place, move and locate process memory on svm_cxl coherent
 * pools (svm-cxlctl online REGION --mode coherent) without writing ioctls.
 *
 * Every call works on the calling process's own address space through /dev/svm_cxl
 * (root only by default: the module creates the node 0600). Calls are thread-safe;
 * none of them prints. Integer-returning calls return 0 (or a count, see each) on
 * success and a negative errno on failure; svm_mem_alloc() returns NULL and sets
 * errno. svm_mem_strerror() explains an errno in the terms of this library.
 */
#ifndef _SVMCXL_MEM_H
#define _SVMCXL_MEM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Pool argument of svm_mem_migrate() meaning system RAM, and the pool of a RAM page in
 * struct svm_mem_loc. Pool ids are >= 1. */
#define SVM_MEM_SYSTEM	(-1)

/*
 * The pool an object name designates: "regionN" (the svm_cxl pool inside that CXL
 * region, the first by address if an administrator made several) or "poolN" (that
 * pool, if it exists). Returns the pool id (>= 1); -ENOENT when there is no such pool
 * (the region is not in coherent mode), -EINVAL for a name of neither form.
 */
int svm_mem_pool_lookup(const char *name);

/* NUMA node of a pool's pages (>= 0), or -ENOENT for an unknown pool. */
int svm_mem_pool_node(int pool);

/*
 * A private anonymous mapping of @size bytes (rounded up to the page size) whose every
 * page is created on @pool: the pages are zero-filled device pages from the start, no
 * system RAM page is ever allocated for them. Free it with svm_mem_free(); munmap()
 * works too. The memory is ordinary process memory: it can be read, written, passed
 * to system calls, inherited copy-on-write by fork(), and moved with
 * svm_mem_migrate(); an administrator's offline of the pool moves it to system RAM.
 *
 * Returns the mapping, or NULL with errno: EINVAL (@pool < 1, @size 0 or too large),
 * ENOENT (no such pool), ENOSPC (the pool, or the caller's per-user budget, has not
 * @size free: nothing is kept), ENODEV (the pool's memory is gone), ENXIO (svm_cxl is
 * not loaded), EACCES/EPERM (no access to /dev/svm_cxl), EPROTO (module ABI too new),
 * ENOMEM (no address space).
 */
void *svm_mem_alloc(int pool, size_t size);

/* Unmap what svm_mem_alloc() returned (@size as passed to it). 0 or -EINVAL. */
int svm_mem_free(void *addr, size_t size);

/* What one svm_mem_migrate() did, in pages; every page of the range is counted once. */
struct svm_mem_result {
	uint64_t pages;		/* pages in the range */
	uint64_t moved;		/* moved where asked (including zero_filled) */
	uint64_t zero_filled;	/* of moved: never-touched pages given a zeroed pool page */
	uint64_t already;	/* already where asked */
	uint64_t absent;	/* nothing to move (to system RAM: never touched) */
	uint64_t busy;		/* in use right now (pinned, locked): a retry may move them */
	uint64_t no_memory;	/* no destination page: pool full or per-user limit */
	uint64_t other_pool;	/* in another pool than the one asked for */
	uint64_t unsupported;	/* in a mapping that cannot move (file-backed, shared) */
};

/*
 * Move the pages of [@addr, @addr + @len) to @pool, or to system RAM with
 * SVM_MEM_SYSTEM (pages of any pool then come back). @addr must be page aligned, @len
 * is rounded up to the page size, and the whole range must be mapped. Never-touched
 * pages going to a pool become zeroed pool pages without touching RAM.
 *
 * Returns, like migrate_pages(2), the number of pages that are not where asked
 * (0: all are, or had nothing to move), with the reasons in @res when it is not NULL;
 * or a negative errno when the call failed: -EINVAL (unaligned @addr, @len 0, @pool 0
 * or below SVM_MEM_SYSTEM, a PROT_NONE or unmovable mapping), -EFAULT (a hole in the
 * range), -ENOENT, -ENODEV, -ENXIO, -EACCES, -EPROTO as for svm_mem_alloc().
 */
long svm_mem_migrate(void *addr, size_t len, int pool, struct svm_mem_result *res);

/* Where one page lives. */
struct svm_mem_loc {
	int pool;	/* pool id (>= 1); SVM_MEM_SYSTEM: system RAM (the shared zero page
			 * included); 0: not present (never touched, unmapped, swapped out) */
	int node;	/* NUMA node of the page (a pool page's is its pool's); -1: not present */
};

/* Totals of one svm_mem_where(), in pages. */
struct svm_mem_where_sum {
	uint64_t pages;
	uint64_t absent;
	uint64_t system;
	uint64_t pool;
};

/*
 * Where each page of [@addr, @addr + @len) lives, without faulting anything in.
 * @addr page aligned, @len rounded up to the page size; unmapped addresses are reported
 * as not present. @locs (may be NULL) receives one entry per page; @sum (may be NULL)
 * the totals. Returns 0 or -EINVAL, -ENXIO, -EACCES, -EPROTO.
 */
int svm_mem_where(const void *addr, size_t len, struct svm_mem_loc *locs,
		  struct svm_mem_where_sum *sum);

/* A sentence for an errno returned by this library (either sign); never NULL. */
const char *svm_mem_strerror(int err);

#ifdef __cplusplus
}
#endif
#endif /* _SVMCXL_MEM_H */
