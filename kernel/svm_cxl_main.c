// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm_cxl: CXL memory as MEMORY_DEVICE_COHERENT pools.
 *
 * This file owns module init/exit and the /dev/svm_cxl misc device: each ioctl handler
 * copies its argument in, validates it, calls the function of the file named after
 * the job (pool.c, migrate.c), and copies the result out once.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>

#include <uapi/linux/svm_cxl.h>

#include "svm_cxl_internal.h"

struct kobject *svm_cxl_pools_kobj;

static bool svm_cxl_reserved_zero(const __u64 *reserved, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (reserved[i])
			return false;
	return true;
}

/* Copy an argument struct in and check the common header: size, flags, reserved. */
#define SVM_CXL_COPY_IN(arg, uarg)						\
	({									\
		int __rc = 0;							\
		if (copy_from_user(&(arg), (uarg), sizeof(arg)))		\
			__rc = -EFAULT;						\
		else if ((arg).size != sizeof(arg) || (arg).flags ||		\
			 !svm_cxl_reserved_zero((arg).reserved,			\
						ARRAY_SIZE((arg).reserved)))	\
			__rc = -EINVAL;						\
		__rc;								\
	})

/* A user range: page aligned, non-empty, no overflow, below TASK_SIZE. */
static bool svm_cxl_user_range_ok(u64 addr, u64 length)
{
	u64 end;

	return length && PAGE_ALIGNED(addr) && PAGE_ALIGNED(length) &&
	       !check_add_overflow(addr, length, &end) && end <= TASK_SIZE;
}

static long svm_cxl_ioctl_version(void __user *uarg)
{
	struct svm_cxl_version ver;
	int rc;

	rc = SVM_CXL_COPY_IN(ver, uarg);
	if (rc)
		return rc;

	ver.abi_major = SVM_CXL_ABI_MAJOR;
	ver.abi_minor = SVM_CXL_ABI_MINOR;

	if (copy_to_user(uarg, &ver, sizeof(ver)))
		return -EFAULT;
	return 0;
}

static long svm_cxl_ioctl_pool_add(void __user *uarg)
{
	struct svm_cxl_pool_add add;
	int rc, node;

	if (!capable(CAP_SYS_ADMIN)) {
		pr_info_ratelimited("pool add refused: %s[%d] lacks CAP_SYS_ADMIN\n",
				    current->comm, task_pid_nr(current));
		return -EPERM;
	}
	rc = SVM_CXL_COPY_IN(add, uarg);
	if (rc)
		return rc;

	rc = svm_cxl_pool_add(add.start, add.length, &add.pool_id, &node);
	if (rc)
		return rc;
	add.node = node;

	if (copy_to_user(uarg, &add, sizeof(add)))
		return -EFAULT;	/* the pool exists; its id is in sysfs */
	return 0;
}

static long svm_cxl_ioctl_pool_remove(void __user *uarg)
{
	struct svm_cxl_pool_remove rm;
	int rc;

	if (!capable(CAP_SYS_ADMIN)) {
		pr_info_ratelimited("pool remove refused: %s[%d] lacks CAP_SYS_ADMIN\n",
				    current->comm, task_pid_nr(current));
		return -EPERM;
	}
	rc = SVM_CXL_COPY_IN(rm, uarg);
	if (rc)
		return rc;
	if (!rm.pool_id) {
		pr_info_ratelimited("pool remove refused: pool id 0 is never a pool\n");
		return -EINVAL;
	}

	rc = svm_cxl_pool_remove(rm.pool_id, rm.timeout_ms, &rm.evicted, &rm.busy);
	if (rc && rc != -EBUSY)
		return rc;

	/* -EBUSY reports how many pages stayed busy: copy out for it too. */
	if (copy_to_user(uarg, &rm, sizeof(rm)))
		return -EFAULT;
	return rc;
}

static long svm_cxl_ioctl_migrate(void __user *uarg)
{
	struct svm_cxl_migrate_result res;
	struct svm_cxl_pool *pool = NULL;
	struct svm_cxl_migrate mig;
	struct mm_struct *mm = current->mm;
	int rc;

	rc = SVM_CXL_COPY_IN(mig, uarg);
	if (rc)
		return rc;
	if (!svm_cxl_user_range_ok(mig.addr, mig.length))
		return -EINVAL;

	rc = svm_cxl_migrate_args_ok(mig.direction, mig.pool_id);
	if (rc)
		return rc;
	rc = svm_cxl_migrate_pool_get(mig.direction, mig.pool_id, &pool);
	if (rc)
		return rc;
	if (!mm || !mmget_not_zero(mm)) {
		rc = -EINVAL;
		goto out_put_pool;
	}

	if (mig.direction == SVM_CXL_TO_POOL)
		rc = svm_cxl_migrate_to_pool(mm, mig.addr, mig.addr + mig.length, pool, &res);
	else
		rc = svm_cxl_migrate_to_system(mm, mig.addr, mig.addr + mig.length, pool, &res);
	mmput(mm);
	if (rc && rc != -EINTR)
		goto out_put_pool;

	mig.moved = res.moved;
	mig.zero_filled = res.zero_filled;
	mig.already = res.already;
	mig.absent = res.absent;
	mig.busy = res.busy;
	mig.no_memory = res.no_memory;
	mig.other_pool = res.other_pool;
	mig.unsupported = res.unsupported;
	mig.huge = res.huge;
	if (copy_to_user(uarg, &mig, sizeof(mig)))
		rc = -EFAULT;
out_put_pool:
	if (pool)
		svm_cxl_pool_put(pool);
	return rc;
}

static long svm_cxl_ioctl_query(void __user *uarg)
{
	struct mm_struct *mm = current->mm;
	struct svm_cxl_query q;
	u64 counts[3];
	int rc;

	rc = SVM_CXL_COPY_IN(q, uarg);
	if (rc)
		return rc;
	if (!svm_cxl_user_range_ok(q.addr, q.length))
		return -EINVAL;
	if (!mm || !mmget_not_zero(mm))
		return -EINVAL;

	rc = svm_cxl_query_range(mm, q.addr, q.addr + q.length, u64_to_user_ptr(q.locs), counts);
	mmput(mm);
	if (rc)
		return rc;

	q.n_none = counts[0];
	q.n_system = counts[1];
	q.n_pool = counts[2];
	if (copy_to_user(uarg, &q, sizeof(q)))
		return -EFAULT;
	return 0;
}

static long svm_cxl_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case SVM_CXL_IOC_VERSION:
		return svm_cxl_ioctl_version(uarg);
	case SVM_CXL_IOC_POOL_ADD:
		return svm_cxl_ioctl_pool_add(uarg);
	case SVM_CXL_IOC_POOL_REMOVE:
		return svm_cxl_ioctl_pool_remove(uarg);
	case SVM_CXL_IOC_MIGRATE:
		return svm_cxl_ioctl_migrate(uarg);
	case SVM_CXL_IOC_QUERY:
		return svm_cxl_ioctl_query(uarg);
	case SVM_CXL_IOC_MIGRATE_PID:
		return svm_cxl_ioctl_migrate_pid(uarg);
	case SVM_CXL_IOC_USAGE:
		return svm_cxl_ioctl_usage(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations svm_cxl_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = svm_cxl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice svm_cxl_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = SVM_CXL_DEVICE_NAME,
	.fops = &svm_cxl_fops,
	.groups = svm_cxl_misc_groups,	/* offline_agent, offline_request */
	/* Privileged ioctls check CAP_SYS_ADMIN themselves; udev may widen this. */
	.mode = 0600,
};

/*
 * The user interface comes last and goes first: by the time /dev/svm_cxl can be opened
 * (udev opens new misc devices at once), the hot-unplug nets are in place, and the
 * pools directory exists before any POOL_ADD can run (svm_cxl_pools_mutex is held
 * from misc_register() until it does; pool add takes that mutex first).
 */
static int __init svm_cxl_init(void)
{
	int rc;

	rc = svm_cxl_pools_init();
	if (rc)
		return rc;
	rc = svm_cxl_unplug_init();
	if (rc) {
		pr_err("cannot watch the PCI and CXL buses for device removal: %d\n", rc);
		goto err_pools_exit;
	}
	svm_cxl_prof_init();

	mutex_lock(&svm_cxl_pools_mutex);
	rc = misc_register(&svm_cxl_misc);
	if (rc) {
		mutex_unlock(&svm_cxl_pools_mutex);
		pr_err("cannot register /dev/%s: %d\n", SVM_CXL_DEVICE_NAME, rc);
		goto err_prof_exit;
	}
	svm_cxl_pools_kobj = kobject_create_and_add("pools", &svm_cxl_misc.this_device->kobj);
	if (!svm_cxl_pools_kobj) {
		misc_deregister(&svm_cxl_misc);
		mutex_unlock(&svm_cxl_pools_mutex);
		rc = -ENOMEM;
		goto err_prof_exit;
	}
	/* Under the mutex: no pool add can log before this line (kernel-region). */
	pr_info("ABI %d.%d ready\n", SVM_CXL_ABI_MAJOR, SVM_CXL_ABI_MINOR);
	mutex_unlock(&svm_cxl_pools_mutex);
	return 0;

err_prof_exit:
	svm_cxl_prof_exit();
	svm_cxl_unplug_exit();
err_pools_exit:
	svm_cxl_pools_exit();
	return rc;
}

/* Every pool holds a module reference: rmmod with pools present fails (-EBUSY). */
static void __exit svm_cxl_exit(void)
{
	svm_cxl_numa_exit();
	misc_deregister(&svm_cxl_misc);
	kobject_put(svm_cxl_pools_kobj);
	svm_cxl_prof_exit();
	svm_cxl_unplug_exit();
	svm_cxl_pools_exit();
}

module_init(svm_cxl_init);
module_exit(svm_cxl_exit);

MODULE_DESCRIPTION("CXL memory as MEMORY_DEVICE_COHERENT pools with page migration");
MODULE_LICENSE("GPL");
