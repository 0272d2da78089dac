// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm_cxl: the data copy of a migration batch. A batch large enough is split into
 * slices copied in parallel by the online CPUs (work items on each other CPU, the
 * caller takes the first slice and then waits for the rest), since the copy is most of
 * a migration's cost once the page bookkeeping is batched.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/workqueue.h>

#include "svm_cxl_internal.h"

/* At most this many slices per batch (the caller's included). */
#define SVM_CXL_COPY_MAX_SLICES	8

struct svm_cxl_copy_slice {
	struct work_struct work;
	struct page **dst;
	struct page **src;
	unsigned long n;
};

/* Copy src[i] to dst[i]; a NULL src means a page never touched: clear dst[i]. */
static void svm_cxl_copy_run(struct page **dst, struct page **src, unsigned long n)
{
	unsigned long i;

	for (i = 0; i < n; i++) {
		if (src[i])
			copy_highpage(dst[i], src[i]);
		else
			clear_highpage(dst[i]);
	}
}

static void svm_cxl_copy_work(struct work_struct *work)
{
	struct svm_cxl_copy_slice *s = container_of(work, struct svm_cxl_copy_slice, work);

	svm_cxl_copy_run(s->dst, s->src, s->n);
}

void svm_cxl_copy_pages(struct page **dst, struct page **src, unsigned long n)
{
	struct svm_cxl_copy_slice slices[SVM_CXL_COPY_MAX_SLICES];
	unsigned long per, off;
	int cpu, self, nslices = 0, i;

	if (n < SVM_CXL_COPY_SPLIT_MIN || num_online_cpus() < 2 ||
	    !(READ_ONCE(svm_cxl_tune) & SVM_CXL_TUNE_COPY_SPLIT)) {
		svm_cxl_copy_run(dst, src, n);
		return;
	}
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
		INIT_WORK_ONSTACK(&s->work, svm_cxl_copy_work);
		s->dst = dst + off;
		s->src = src + off;
		s->n = min(per, n - off);
		off += s->n;
		queue_work_on(cpu, system_highpri_wq, &s->work);
	}
	put_cpu();
	/* Whatever no other CPU took (fewer CPUs than slices) stays with us. */
	svm_cxl_copy_run(dst, src, min(per, n));
	if (off < n)
		svm_cxl_copy_run(dst + off, src + off, n - off);
	for (i = 0; i < nslices; i++) {
		flush_work(&slices[i].work);
		destroy_work_on_stack(&slices[i].work);
	}
}
