// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm_cxl: SVM_CXL_IOC_MIGRATE_PID, migration of another process's pages named by a
 * pidfd, over a list of ranges or every mapping of the process.
 *
 * Permission follows move_pages(2) and process_madvise(2) as far as a module can:
 * those call mm_access(task, PTRACE_MODE_*) under the target's exec_update_lock, and
 * neither mm_access(), ptrace_may_access() nor the LSM hook behind them is exported.
 * svm_cxl_may_attach() therefore does the credential part of __ptrace_may_access()
 * for PTRACE_MODE_ATTACH_REALCREDS itself, stays on the safe side of what it cannot
 * ask (see there), and is called under exec_update_lock as mm_access() does, so a
 * setuid execve cannot slip between the check and get_task_mm().
 *
 * Counting: each range goes through svm_cxl_migrate_task(), which counts every page
 * once; whole-process mode walks the VMAs one at a time (mmap_lock dropped between
 * them) and adds the pages of each to @pages as it takes them, so @pages is the sum
 * of the counters however the address space changes meanwhile.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>

#include "svm_cxl_internal.h"

/*
 * The task a pidfd names (any thread of the process, PIDFD_THREAD pidfds too), with a
 * reference. pidfd_get_task() is not exported: a pidfd is a pidfs file (6.9+), whose
 * inode holds its struct pid (fs/pidfs.c pidfd_pid()). -EBADF for anything else,
 * -ESRCH once the process is gone.
 */
static struct task_struct *svm_cxl_pidfd_task(int fd)
{
	struct task_struct *task;
	struct file *file;

	file = fget(fd);
	if (!file)
		return ERR_PTR(-EBADF);
	if (file_inode(file)->i_sb->s_magic != PID_FS_MAGIC) {
		fput(file);
		return ERR_PTR(-EBADF);
	}
	task = get_pid_task(file_inode(file)->i_private, PIDTYPE_PID);
	fput(file);
	return task ?: ERR_PTR(-ESRCH);
}

/* Yama's relational rule (security/yama task_is_descendant()): @child below current. */
static bool svm_cxl_is_descendant(struct task_struct *child)
{
	struct task_struct *parent = current->group_leader, *walker = child;
	bool found = false;

	rcu_read_lock();
	while (walker->pid > 0) {
		walker = READ_ONCE(walker->group_leader);
		if (walker == parent) {
			found = true;
			break;
		}
		walker = rcu_dereference(walker->real_parent);
	}
	rcu_read_unlock();
	return found;
}

/*
 * May current move @task's pages? Called with @task's exec_update_lock held for read.
 *
 * A process may always move its own. Otherwise, as PTRACE_MODE_ATTACH_REALCREDS:
 * the caller's real uid and gid equal every uid and gid of the target, or it has
 * CAP_SYS_PTRACE in the target's user namespace; and, as move_pages(2) and
 * process_madvise(2) want for influencing another user's process, CAP_SYS_NICE when
 * the target runs as another user.
 *
 * What the module cannot see it treats as "no": the LSM hook
 * (security_ptrace_access_check()) is not exported, so without CAP_SYS_PTRACE the
 * target must also be the caller's descendant (Yama's default relational rule); and
 * the target must be dumpable, which only kernels that keep dumpability in the mm
 * let a module read (svm_cxl_task_dumpable(), svm_cxl_compat.h): elsewhere an
 * unprivileged caller can move only its own pages.
 */
static int svm_cxl_may_attach(struct task_struct *task, struct mm_struct *mm)
{
	const struct cred *cred = current_cred(), *tcred;
	bool same_ids, ptrace_cap;

	if (same_thread_group(task, current))
		return 0;

	rcu_read_lock();
	tcred = __task_cred(task);
	same_ids = uid_eq(cred->uid, tcred->euid) && uid_eq(cred->uid, tcred->suid) &&
		   uid_eq(cred->uid, tcred->uid) && gid_eq(cred->gid, tcred->egid) &&
		   gid_eq(cred->gid, tcred->sgid) && gid_eq(cred->gid, tcred->gid);
	ptrace_cap = ns_capable(tcred->user_ns, CAP_SYS_PTRACE);
	rcu_read_unlock();

	if (ptrace_cap)
		return same_ids || capable(CAP_SYS_NICE) ? 0 : -EPERM;
	if (!same_ids || !svm_cxl_is_descendant(task))
		return -EPERM;
	/* Pairs with commit_creds()'s barrier: dumpability read after the creds. */
	smp_rmb();
	return svm_cxl_task_dumpable(task, mm) ? 0 : -EPERM;
}

/* The target's mm, referenced, if current may move its pages: mm_access() for us. */
static struct mm_struct *svm_cxl_target_mm(struct task_struct *task)
{
	struct mm_struct *mm;
	int rc;

	rc = down_read_killable(&task->signal->exec_update_lock);
	if (rc)
		return ERR_PTR(rc);
	mm = get_task_mm(task);		/* NULL for a kernel thread or an exited task */
	if (!mm) {
		mm = ERR_PTR(-ESRCH);
	} else {
		rc = svm_cxl_may_attach(task, mm);
		if (rc) {
			mmput(mm);
			mm = ERR_PTR(rc);
		}
	}
	up_read(&task->signal->exec_update_lock);
	return mm;
}

static int svm_cxl_range_cmp(const void *a, const void *b)
{
	const struct svm_cxl_range *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * The ranges of @mp, copied in, sorted, checked: aligned, non-empty, inside @mm's
 * address space, not overlapping; then, under mmap_lock, mapped (-EFAULT) by
 * mappings that can migrate (-EINVAL), as SVM_CXL_IOC_MIGRATE checks its one range,
 * so that a bad list moves nothing.
 */
static struct svm_cxl_range *svm_cxl_ranges_get(const struct svm_cxl_migrate_pid *mp,
						struct mm_struct *mm)
{
	struct svm_cxl_range *r;
	struct vm_area_struct *vma;
	u32 i, n = mp->nr_ranges;
	u64 end, addr;
	int rc = 0;

	r = memdup_array_user(u64_to_user_ptr(mp->ranges), n, sizeof(*r));
	if (IS_ERR(r))
		return r;
	sort(r, n, sizeof(*r), svm_cxl_range_cmp, NULL);
	for (i = 0; i < n; i++) {
		if (!r[i].length || !PAGE_ALIGNED(r[i].addr) || !PAGE_ALIGNED(r[i].length) ||
		    check_add_overflow(r[i].addr, r[i].length, &end) || end > mm->task_size ||
		    (i && r[i - 1].addr + r[i - 1].length > r[i].addr)) {
			rc = -EINVAL;
			goto out_free;
		}
	}
	if (mmap_read_lock_killable(mm)) {
		rc = -EINTR;
		goto out_free;
	}
	for (i = 0; i < n && !rc; i++) {
		end = r[i].addr + r[i].length;
		for (addr = r[i].addr; addr < end; addr = vma->vm_end) {
			vma = vma_lookup(mm, addr);
			if (!vma) {
				rc = -EFAULT;
				break;
			}
			if (!svm_cxl_vma_movable(vma)) {
				rc = -EINVAL;
				break;
			}
		}
	}
	mmap_read_unlock(mm);
out_free:
	if (rc) {
		kfree(r);
		return ERR_PTR(rc);
	}
	return r;
}

static void svm_cxl_res_add(struct svm_cxl_migrate_pid *mp,
			    const struct svm_cxl_migrate_result *res)
{
	mp->moved += res->moved;
	mp->zero_filled += res->zero_filled;
	mp->already += res->already;
	mp->absent += res->absent;
	mp->busy += res->busy;
	mp->no_memory += res->no_memory;
	mp->other_pool += res->other_pool;
	mp->unsupported += res->unsupported;
	mp->huge += res->huge;
}

/*
 * One range: its pages into @pages, whatever the outcome but a failed check. Holes
 * are filled (@fill) only in ranges the caller named, as SVM_CXL_IOC_MIGRATE does.
 */
static int svm_cxl_migrate_one(struct svm_cxl_migrate_pid *mp, struct task_struct *task,
			       struct mm_struct *mm, u64 start, u64 end,
			       struct svm_cxl_pool *pool, bool fill)
{
	struct svm_cxl_migrate_result res;
	int rc;

	rc = svm_cxl_migrate_task(task, mm, start, end, pool,
				  mp->direction == SVM_CXL_TO_POOL, fill, &res);
	if (rc && rc != -EINTR)
		return rc;
	mp->pages += (end - start) >> PAGE_SHIFT;
	svm_cxl_res_add(mp, &res);
	if (rc == -EINTR) {
		/* The pages the call did not reach: not looked at, nothing done. */
		u64 seen = res.moved + res.already + res.absent + res.busy + res.no_memory +
			   res.other_pool + res.unsupported;

		mp->absent += ((end - start) >> PAGE_SHIFT) - seen;
	}
	return rc;
}

/*
 * Every mapping of @mm, one VMA at a time, as migratepages(8) would: only pages that
 * exist move, holes stay holes. A VMA that cannot migrate is counted unsupported
 * without being touched; so, going to a pool, is one that never had a private
 * anonymous page (no anon_vma: page cache, the zero page or nothing, none of which
 * can go to a pool; an anonymous one counts absent). One that changed between the
 * look and the migration (munmap, mprotect by the process meanwhile: the migration's
 * own check fails before anything moves) is looked at again from its start.
 */
static int svm_cxl_migrate_all(struct svm_cxl_migrate_pid *mp, struct task_struct *task,
			       struct mm_struct *mm, struct svm_cxl_pool *pool)
{
	struct vm_area_struct *vma;
	unsigned long addr = 0, start, end;
	bool movable, anon, no_anon_pages;
	int rc;

	for (;;) {
		if (fatal_signal_pending(current))
			return -EINTR;
		if (mmap_read_lock_killable(mm))
			return -EINTR;
		vma = find_vma(mm, addr);
		if (vma) {
			start = max(addr, vma->vm_start);
			end = vma->vm_end;
			movable = svm_cxl_vma_movable(vma);
			anon = vma_is_anonymous(vma);
			no_anon_pages = !vma->anon_vma;
		}
		mmap_read_unlock(mm);
		if (!vma)
			return 0;
		if (movable && no_anon_pages && mp->direction == SVM_CXL_TO_POOL) {
			mp->pages += (end - start) >> PAGE_SHIFT;
			if (anon)
				mp->absent += (end - start) >> PAGE_SHIFT;
			else
				mp->unsupported += (end - start) >> PAGE_SHIFT;
			addr = end;
			continue;
		}
		if (!movable) {
			mp->pages += (end - start) >> PAGE_SHIFT;
			mp->unsupported += (end - start) >> PAGE_SHIFT;
			addr = end;
			continue;
		}
		rc = svm_cxl_migrate_one(mp, task, mm, start, end, pool, false);
		if (rc == -EFAULT || rc == -EINVAL) {
			/* The layout changed under us: look again from where this VMA was. */
			addr = start;
			cond_resched();
			continue;
		}
		if (rc)
			return rc;
		addr = end;
	}
}

long svm_cxl_ioctl_migrate_pid(void __user *uarg)
{
	struct svm_cxl_migrate_pid mp;
	struct svm_cxl_range *ranges = NULL;
	struct svm_cxl_pool *pool = NULL;
	struct task_struct *task;
	struct mm_struct *mm;
	u32 i;
	int rc;

	if (copy_from_user(&mp, uarg, sizeof(mp)))
		return -EFAULT;
	if (mp.size != sizeof(mp) || mp.flags & ~SVM_CXL_MIGRATE_PID_RANGES ||
	    memchr_inv(mp.reserved, 0, sizeof(mp.reserved)))
		return -EINVAL;
	if (mp.flags & SVM_CXL_MIGRATE_PID_RANGES) {
		if (!mp.nr_ranges || mp.nr_ranges > SVM_CXL_MIGRATE_PID_MAX_RANGES || !mp.ranges)
			return -EINVAL;
	} else if (mp.nr_ranges || mp.ranges) {
		return -EINVAL;
	}
	rc = svm_cxl_migrate_args_ok(mp.direction, mp.pool_id);
	if (rc)
		return rc;

	task = svm_cxl_pidfd_task(mp.pidfd);
	if (IS_ERR(task))
		return PTR_ERR(task);
	mm = svm_cxl_target_mm(task);
	if (IS_ERR(mm)) {
		rc = PTR_ERR(mm);
		if (rc == -EPERM)
			pr_info_ratelimited("pidfd migration refused: %s[%d] may not move the pages of %s[%d]\n",
					    current->comm, task_pid_nr(current), task->comm,
					    task_pid_nr(task));
		goto out_put_task;
	}
	rc = svm_cxl_migrate_pool_get(mp.direction, mp.pool_id, &pool);
	if (rc)
		goto out_put_mm;
	if (mp.flags & SVM_CXL_MIGRATE_PID_RANGES) {
		ranges = svm_cxl_ranges_get(&mp, mm);
		if (IS_ERR(ranges)) {
			rc = PTR_ERR(ranges);
			ranges = NULL;
			goto out_put_pool;
		}
	}

	mp.pages = 0;
	mp.moved = 0;
	mp.zero_filled = 0;
	mp.already = 0;
	mp.absent = 0;
	mp.busy = 0;
	mp.no_memory = 0;
	mp.other_pool = 0;
	mp.unsupported = 0;
	mp.huge = 0;
	for (i = 0, rc = 0; ranges && i < mp.nr_ranges; i++) {
		u64 n = ranges[i].length >> PAGE_SHIFT;

		rc = svm_cxl_migrate_one(&mp, task, mm, ranges[i].addr,
					 ranges[i].addr + ranges[i].length, pool, true);
		/*
		 * The process unmapped (-EFAULT) or changed (-EINVAL) the range since the
		 * check above: nothing of it moved, as when a racing munmap takes pages.
		 */
		if (rc == -EFAULT || rc == -EINVAL) {
			mp.pages += n;
			if (rc == -EFAULT)
				mp.absent += n;
			else
				mp.unsupported += n;
			rc = 0;
		}
		if (rc)
			break;
	}
	if (!ranges)
		rc = svm_cxl_migrate_all(&mp, task, mm, pool);
	if (rc && rc != -EINTR)
		goto out_free;
	if (copy_to_user(uarg, &mp, sizeof(mp)))
		rc = -EFAULT;
out_free:
	kfree(ranges);
out_put_pool:
	if (pool)
		svm_cxl_pool_put(pool);
out_put_mm:
	mmput(mm);
out_put_task:
	put_task_struct(task);
	return rc;
}
