// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm_cxl: the data copy of a migration batch, and of a 2 MiB folio. A batch (or
 * folio) large enough is split into slices copied in parallel by the online CPUs (work
 * items on each other CPU, the caller takes the first slice and then waits for the
 * rest), since the copy is most of a migration's cost once the page bookkeeping is
 * batched, and all of it for a folio that moves whole.
 *
 * Every copy is machine-check safe (copy_mc_highpage()): CXL media report poison, and
 * a poisoned line read by a plain copy in kernel mode is a fatal machine check. A
 * page that cannot be read is not migrated: its destination page is released here,
 * and copy_mc_highpage() has queued a memory_failure() for the source, which retires
 * it (poison.c) or, for RAM, does what the kernel does for poisoned RAM.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/page-flags.h>
#include <linux/pagemap.h>
#include <linux/workqueue.h>

#include "svm_cxl_internal.h"

/* At most this many slices per batch (the caller's included). */
#define SVM_CXL_COPY_MAX_SLICES	8

/*
 * A share of one copy: pages [first, first + n) of a batch (dst/src arrays) or of a
 * folio (dfolio/sfolio), copied by @run.
 */
struct svm_cxl_copy_slice {
	struct work_struct work;
	unsigned long (*run)(struct svm_cxl_copy_slice *s);
	struct page **dst;
	struct page **src;
	struct folio *dfolio;
	struct folio *sfolio;
	unsigned long first;
	unsigned long n;
	unsigned long failed;
};

/*
 * Copy src[i] to dst[i]; a NULL src means a page never touched: clear dst[i]. A
 * source that cannot be read (poisoned, or flagged so by memory_failure() already)
 * leaves dst[i] NULL, its page unlocked and released. Returns how many.
 */
static unsigned long svm_cxl_copy_run(struct svm_cxl_copy_slice *s)
{
	struct page **dst = s->dst + s->first, **src = s->src + s->first;
	unsigned long i, failed = 0;

	for (i = 0; i < s->n; i++) {
		if (!src[i]) {
			clear_highpage(dst[i]);
			continue;
		}
		if (likely(!PageHWPoison(src[i]) && !copy_mc_highpage(dst[i], src[i])))
			continue;
		unlock_page(dst[i]);
		put_page(dst[i]);
		dst[i] = NULL;
		failed++;
	}
	return failed;
}

/* Pages [first, first + n) of sfolio into dfolio; stops at the first unreadable one. */
static unsigned long svm_cxl_copy_folio_run(struct svm_cxl_copy_slice *s)
{
	unsigned long i;

	for (i = s->first; i < s->first + s->n; i++)
		if (copy_mc_highpage(folio_page(s->dfolio, i), folio_page(s->sfolio, i)))
			return 1;
	return 0;
}

static void svm_cxl_copy_work(struct work_struct *work)
{
	struct svm_cxl_copy_slice *s = container_of(work, struct svm_cxl_copy_slice, work);

	s->failed = s->run(s);
}

/*
 * Run the copy @c describes over its n pages, split in slices over the online CPUs
 * when large enough (work items on each other CPU, the caller takes the first slice
 * and then waits for the rest). Returns the sum of the slices' failures.
 */
static unsigned long svm_cxl_copy_split(const struct svm_cxl_copy_slice *c)
{
	struct svm_cxl_copy_slice slices[SVM_CXL_COPY_MAX_SLICES], own = *c;
	unsigned long per, off, failed, n = c->n;
	int cpu, self, nslices = 0, i;

	if (n < SVM_CXL_COPY_SPLIT_MIN || num_online_cpus() < 2 ||
	    !(svm_cxl_tune_get() & SVM_CXL_TUNE_COPY_SPLIT))
		return c->run(&own);
	/*
	 * No cpus_read_lock(): a CPU going offline meanwhile only makes its work item
	 * run elsewhere (its worker pool is disassociated), which is still correct.
	 */
	self = get_cpu();
	per = DIV_ROUND_UP(n, min_t(unsigned int, num_online_cpus(), SVM_CXL_COPY_MAX_SLICES));
	/* Slices 1.. go to the other online CPUs; slice 0 is ours. */
	off = per;
	for_each_online_cpu(cpu) {
		struct svm_cxl_copy_slice *s;

		if (cpu == self)
			continue;
		if (off >= n || nslices + 1 >= SVM_CXL_COPY_MAX_SLICES)
			break;
		s = &slices[nslices++];
		*s = *c;
		INIT_WORK_ONSTACK(&s->work, svm_cxl_copy_work);
		s->first = c->first + off;
		s->n = min(per, n - off);
		off += s->n;
		queue_work_on(cpu, system_highpri_wq, &s->work);
	}
	put_cpu();
	own.n = min(per, n);
	failed = c->run(&own);
	/* Whatever no other CPU took (fewer CPUs than slices) stays with us. */
	if (off < n) {
		own.first = c->first + off;
		own.n = n - off;
		failed += c->run(&own);
	}
	for (i = 0; i < nslices; i++) {
		flush_work(&slices[i].work);
		destroy_work_on_stack(&slices[i].work);
		failed += slices[i].failed;
	}
	return failed;
}

/*
 * Copy a batch (see svm_cxl_copy_run()). Returns how many pages could not be copied;
 * their dst[] entries are NULL.
 */
unsigned long svm_cxl_copy_pages(struct page **dst, struct page **src, unsigned long n)
{
	struct svm_cxl_copy_slice c = {
		.run = svm_cxl_copy_run, .dst = dst, .src = src, .n = n,
	};

	return svm_cxl_copy_split(&c);
}

/**
 * svm_cxl_copy_folio() - machine-check safe copy of a large folio, split over CPUs
 * @dst: destination folio, at least as large as @src
 * @src: source folio
 *
 * folio_mc_copy() with the pages shared out as a batch's are: a 2 MiB folio is 512
 * pages copied by one CPU otherwise, while a migration of base pages uses them all.
 * Return: 0, or -EHWPOISON if a page of @src could not be read (copy_mc_highpage()
 * queued its memory_failure()); @dst then holds a partial copy.
 */
int svm_cxl_copy_folio(struct folio *dst, struct folio *src)
{
	struct svm_cxl_copy_slice c = {
		.run = svm_cxl_copy_folio_run, .dfolio = dst, .sfolio = src,
		.n = folio_nr_pages(src),
	};

	return svm_cxl_copy_split(&c) ? -EHWPOISON : 0;
}
