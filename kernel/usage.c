// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm_cxl: SVM_CXL_IOC_USAGE, the pool pages charged to each process (owner.c's
 * per-(process, pool) accounting) for users other than root.
 *
 * sysfs holders lists every user's processes and stays root only, as /proc/PID/maps
 * of others is. A user may see the lines of its own uid: the uid is the one
 * user_page_limit charges, so a user can tell what uses its budget, and per process it
 * is a page count of processes whose pid, comm and RSS /proc already shows it. The
 * caller's own process is one flag away; CAP_SYS_ADMIN gets every user's, as holders.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/uidgid.h>

#include "svm_cxl_internal.h"

struct svm_cxl_usage_walk {
	u32 flags;
	kuid_t uid;				/* the caller's real uid */
	struct pid_namespace *pid_ns;		/* the caller's */
	struct svm_cxl_usage_entry *out;	/* room for max entries */
	u32 max;
	u64 found, pages;
};

/*
 * The pid of @o's process as the caller sees it, or 0 when it cannot see it; *@exited
 * when the process is gone (or is another one now: a pid comes back). Under RCU.
 */
static pid_t svm_cxl_owner_pid(const struct svm_cxl_owner *o, struct pid_namespace *ns,
			       bool *exited)
{
	struct pid *pid = find_pid_ns(o->tgid, &init_pid_ns);
	struct task_struct *task = pid ? pid_task(pid, PIDTYPE_TGID) : NULL;

	*exited = !task || READ_ONCE(task->mm) != o->mm;
	if (ns == &init_pid_ns)
		return o->tgid;
	return pid && !*exited ? pid_nr_ns(pid, ns) : 0;
}

static void svm_cxl_usage_pool(struct svm_cxl_pool *pool, struct svm_cxl_usage_walk *w)
{
	struct svm_cxl_owner *o;
	unsigned long flags;

	spin_lock_irqsave(&pool->owners_lock, flags);
	rcu_read_lock();
	list_for_each_entry(o, &pool->owners, node) {
		long pages = atomic_long_read(&o->pages);
		bool exited;
		pid_t nr;

		if (pages <= 0)
			continue;
		if (w->flags & SVM_CXL_USAGE_SELF) {
			if (o->mm != current->mm || o->tgid != task_tgid_nr(current))
				continue;
		} else if (!(w->flags & SVM_CXL_USAGE_ALL_USERS) && !uid_eq(o->uid, w->uid)) {
			continue;
		}
		nr = svm_cxl_owner_pid(o, w->pid_ns, &exited);
		if (!nr)
			continue;
		if (w->found < w->max) {
			struct svm_cxl_usage_entry *e = &w->out[w->found];

			e->pid = nr;
			e->uid = from_kuid_munged(current_user_ns(), o->uid);
			e->pool_id = pool->id;
			e->flags = exited ? SVM_CXL_USAGE_EXITED : 0;
			e->pages = pages;
		}
		w->found++;
		w->pages += pages;
	}
	rcu_read_unlock();
	spin_unlock_irqrestore(&pool->owners_lock, flags);
}

long svm_cxl_ioctl_usage(void __user *uarg)
{
	struct svm_cxl_usage u;
	struct svm_cxl_usage_walk w = { 0 };
	u32 id, first = 1, last = SVM_CXL_MAX_POOLS;
	int rc = 0;

	if (copy_from_user(&u, uarg, sizeof(u)))
		return -EFAULT;
	if (u.size != sizeof(u) ||
	    u.flags & ~(SVM_CXL_USAGE_SELF | SVM_CXL_USAGE_ALL_USERS) ||
	    (u.flags & SVM_CXL_USAGE_SELF && u.flags & SVM_CXL_USAGE_ALL_USERS) ||
	    u.nr_entries > SVM_CXL_USAGE_MAX_ENTRIES || (u.nr_entries && !u.entries) ||
	    memchr_inv(u.reserved, 0, sizeof(u.reserved)))
		return -EINVAL;
	if (u.flags & SVM_CXL_USAGE_ALL_USERS && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (u.pool_id) {
		struct svm_cxl_pool *pool = svm_cxl_pool_get(u.pool_id);

		if (!pool)
			return -ENOENT;
		svm_cxl_pool_put(pool);
		first = last = u.pool_id;
	}

	w.flags = u.flags;
	w.uid = current_uid();
	w.pid_ns = task_active_pid_ns(current);
	w.max = u.nr_entries;
	if (w.max) {
		w.out = kvcalloc(w.max, sizeof(*w.out), GFP_KERNEL);
		if (!w.out)
			return -ENOMEM;
	}
	for (id = first; id <= last; id++) {
		struct svm_cxl_pool *pool = svm_cxl_pool_get(id);

		if (!pool)
			continue;
		svm_cxl_usage_pool(pool, &w);
		svm_cxl_pool_put(pool);
	}

	u.nr_found = w.found;
	u.pages = w.pages;
	u.user_pages = svm_cxl_user_pages(w.uid);
	u.user_limit = svm_cxl_user_page_limit();
	if (w.max && copy_to_user(u64_to_user_ptr(u.entries), w.out,
				  min_t(u64, w.found, w.max) * sizeof(*w.out)))
		rc = -EFAULT;
	else if (copy_to_user(uarg, &u, sizeof(u)))
		rc = -EFAULT;
	kvfree(w.out);
	return rc;
}
