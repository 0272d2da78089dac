// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm_cxl: time spent per phase of the migration paths, for benchmarks. Cumulative
 * nanoseconds per direction (to a pool, to system RAM, drain eviction) and phase
 * (setup, allocation, copy, pages, finalize, accounting), read and reset through
 * debugfs: /sys/kernel/debug/svm_cxl/profile, and the tune and batch_pages switches.
 * Benchmark scaffolding, built only with SVM_CXL_DEBUG=y (Kbuild): a debug interface,
 * not ABI. Without it, the tracepoints (svm_cxl_trace.h) measure the same paths.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>
#include <linux/seq_file.h>

#include "svm_cxl_internal.h"

struct svm_cxl_prof svm_cxl_prof;

unsigned int svm_cxl_tune = SVM_CXL_TUNE_DEFAULT;
module_param_named(tune, svm_cxl_tune, uint, 0644);
MODULE_PARM_DESC(tune,
		 "debug: migration speed-ups, bit 0 bulk allocation, 1 parallel copy, 2 aligned batches (default 5)");
static struct dentry *svm_cxl_debugfs;

static unsigned int svm_cxl_batch = SVM_CXL_BATCH_DEFAULT;
module_param_named(batch_pages, svm_cxl_batch, uint, 0644);
MODULE_PARM_DESC(batch_pages,
		 "debug: pages per migration batch, a power of two up to 2048 (default 512)");

unsigned long svm_cxl_batch_pages(void)
{
	unsigned int n = clamp_t(unsigned int, READ_ONCE(svm_cxl_batch), 1, SVM_CXL_BATCH);

	return rounddown_pow_of_two(n);
}

static const char *const svm_cxl_prof_dir_names[SVM_CXL_PROF_NR_DIRS] = {
	[SVM_CXL_PROF_TO_POOL] = "to_pool",
	[SVM_CXL_PROF_TO_SYSTEM] = "to_system",
	[SVM_CXL_PROF_EVICT] = "evict",
};

static const char *const svm_cxl_prof_phase_names[SVM_CXL_PROF_NR_PHASES] = {
	[SVM_CXL_PH_SETUP] = "setup",
	[SVM_CXL_PH_ALLOC] = "alloc",
	[SVM_CXL_PH_COPY] = "copy",
	[SVM_CXL_PH_PAGES] = "pages",
	[SVM_CXL_PH_FINALIZE] = "finalize",
	[SVM_CXL_PH_ACCOUNT] = "account",
};

/* One line per direction: "DIR calls N batches N pages N total_ns N PHASE_ns N ..." */
static int svm_cxl_prof_show(struct seq_file *s, void *unused)
{
	int d, p;

	for (d = 0; d < SVM_CXL_PROF_NR_DIRS; d++) {
		struct svm_cxl_prof_dir *pd = &svm_cxl_prof.dir[d];

		seq_printf(s, "%s calls %lld batches %lld pages %lld total_ns %lld",
			   svm_cxl_prof_dir_names[d], atomic64_read(&pd->calls),
			   atomic64_read(&pd->batches), atomic64_read(&pd->pages),
			   atomic64_read(&pd->total_ns));
		for (p = 0; p < SVM_CXL_PROF_NR_PHASES; p++)
			seq_printf(s, " %s_ns %lld", svm_cxl_prof_phase_names[p],
				   atomic64_read(&pd->ns[p]));
		seq_putc(s, '\n');
	}
	return 0;
}

static int svm_cxl_prof_open(struct inode *inode, struct file *file)
{
	return single_open(file, svm_cxl_prof_show, NULL);
}

/* Any write resets every counter. */
static ssize_t svm_cxl_prof_write(struct file *file, const char __user *buf, size_t len,
				  loff_t *ppos)
{
	int d, p;

	for (d = 0; d < SVM_CXL_PROF_NR_DIRS; d++) {
		struct svm_cxl_prof_dir *pd = &svm_cxl_prof.dir[d];

		atomic64_set(&pd->calls, 0);
		atomic64_set(&pd->batches, 0);
		atomic64_set(&pd->pages, 0);
		atomic64_set(&pd->total_ns, 0);
		for (p = 0; p < SVM_CXL_PROF_NR_PHASES; p++)
			atomic64_set(&pd->ns[p], 0);
	}
	return len;
}

static const struct file_operations svm_cxl_prof_fops = {
	.owner = THIS_MODULE,
	.open = svm_cxl_prof_open,
	.read = seq_read,
	.llseek = seq_lseek,
	.release = single_release,
	.write = svm_cxl_prof_write,
};

/* debugfs is optional: without it the counters still run, nobody reads them. */
void svm_cxl_prof_init(void)
{
	svm_cxl_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("profile", 0600, svm_cxl_debugfs, NULL, &svm_cxl_prof_fops);
}

void svm_cxl_prof_exit(void)
{
	debugfs_remove_recursive(svm_cxl_debugfs);
}
