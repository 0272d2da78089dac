// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm_cxl: who holds pool pages, and the per-user page limit.
 *
 * A pool page handed out by a migration to the pool is charged to an owner: one per
 * (process, pool), created the first time a process's pages migrate to that pool,
 * holding the pid, comm and uid of that process (the caller, or the target of a
 * pidfd migration: its pages count against its own uid). The page points at its owner
 * (page->zone_device_data, unused otherwise by MEMORY_DEVICE_COHERENT pages) and
 * page_free uncharges it, whatever freed it: munmap, exit, migration back, eviction, a
 * COW copy dropping the last mapping. Pages that fork shares stay charged to the
 * process that migrated them, as memcg charges the first toucher. An owner goes away
 * with its last page; so the owners of a pool name every process that holds its
 * pages, which a drain's refusal and `svm-cxlctl offline` report (sysfs holders).
 * Pages taken through the in-kernel API (svm_cxl_page_alloc()) have no owner.
 *
 * Each owner counts toward its user (uid). With the module parameter
 * user_page_limit set (root, 0644; 0 = no limit), a migration to a pool gets at most
 * limit - pages already charged to its user; the rest of the batch is no_memory.
 *
 * Locks: pool->owners_lock (irqsave: page_free runs in any context) protects the
 * pool's owner list; svm_cxl_users_lock the user list. Both are leaves; an owner's
 * last put takes the first and then, separately, the second.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cred.h>
#include <linux/moduleparam.h>
#include <linux/pid.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/uidgid.h>

#include "svm_cxl_internal.h"

static unsigned long user_page_limit;
module_param(user_page_limit, ulong, 0644);
MODULE_PARM_DESC(user_page_limit,
		 "Pool pages (all pools) one user may hold through migrations; 0: no limit (default)");

struct svm_cxl_user {
	struct list_head node;		/* in svm_cxl_users */
	refcount_t ref;			/* one per owner */
	kuid_t uid;
	atomic_long_t pages;		/* charged to this user's owners, all pools */
};

static DEFINE_SPINLOCK(svm_cxl_users_lock);
static LIST_HEAD(svm_cxl_users);

static struct svm_cxl_user *svm_cxl_user_get(kuid_t uid)
{
	struct svm_cxl_user *u, *fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
	unsigned long flags;

	spin_lock_irqsave(&svm_cxl_users_lock, flags);
	list_for_each_entry(u, &svm_cxl_users, node) {
		if (uid_eq(u->uid, uid)) {
			refcount_inc(&u->ref);
			spin_unlock_irqrestore(&svm_cxl_users_lock, flags);
			kfree(fresh);
			return u;
		}
	}
	if (fresh) {
		fresh->uid = uid;
		refcount_set(&fresh->ref, 1);
		atomic_long_set(&fresh->pages, 0);
		list_add(&fresh->node, &svm_cxl_users);
	}
	spin_unlock_irqrestore(&svm_cxl_users_lock, flags);
	return fresh;
}

static void svm_cxl_user_put(struct svm_cxl_user *u)
{
	unsigned long flags;

	if (!refcount_dec_and_lock_irqsave(&u->ref, &svm_cxl_users_lock, &flags))
		return;
	list_del(&u->node);
	spin_unlock_irqrestore(&svm_cxl_users_lock, flags);
	kfree(u);
}

void svm_cxl_owners_init(struct svm_cxl_pool *pool)
{
	spin_lock_init(&pool->owners_lock);
	INIT_LIST_HEAD(&pool->owners);
}

/*
 * The owner of @mm's pages in @pool, with a reference for the caller (a migration to
 * the pool in progress), created for @task (whose mm is @mm: the caller, or the
 * process a pidfd migration moves) if there is none. NULL if out of memory.
 */
struct svm_cxl_owner *svm_cxl_owner_get(struct svm_cxl_pool *pool, struct mm_struct *mm,
					struct task_struct *task)
{
	pid_t tgid = task_tgid_nr(task);
	kuid_t uid = task_uid(task);
	struct svm_cxl_owner *o, *fresh;
	unsigned long flags;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
	if (!fresh)
		return NULL;
	spin_lock_irqsave(&pool->owners_lock, flags);
	list_for_each_entry(o, &pool->owners, node) {
		/* The tgid too: a freed mm's address may come back for another process. */
		if (o->mm == mm && o->tgid == tgid && refcount_inc_not_zero(&o->ref)) {
			spin_unlock_irqrestore(&pool->owners_lock, flags);
			kfree(fresh);
			return o;
		}
	}
	spin_unlock_irqrestore(&pool->owners_lock, flags);

	fresh->user = svm_cxl_user_get(uid);
	if (!fresh->user) {
		kfree(fresh);
		return NULL;
	}
	fresh->mm = mm;
	fresh->tgid = tgid;
	fresh->uid = uid;
	get_task_comm(fresh->comm, task);
	fresh->pool = pool;
	atomic_long_set(&fresh->pages, 0);
	refcount_set(&fresh->ref, 1);
	/* Two migrations of one process may both create one: harmless, both are listed. */
	spin_lock_irqsave(&pool->owners_lock, flags);
	list_add_tail(&fresh->node, &pool->owners);
	spin_unlock_irqrestore(&pool->owners_lock, flags);
	return fresh;
}

void svm_cxl_owner_put(struct svm_cxl_owner *o)
{
	struct svm_cxl_pool *pool = o->pool;
	unsigned long flags;

	if (!refcount_dec_and_lock_irqsave(&o->ref, &pool->owners_lock, &flags))
		return;
	list_del(&o->node);
	spin_unlock_irqrestore(&pool->owners_lock, flags);
	svm_cxl_user_put(o->user);
	kfree(o);
}

/*
 * How many of @n pages @o's user may still take (user_page_limit), reserved for the
 * caller: it charges the pages it got (svm_cxl_owner_charge()) and gives the rest of
 * the reservation back (svm_cxl_owner_unreserve()). Concurrent reservations of one
 * user never pass the limit together; they may each get less for a moment.
 */
unsigned long svm_cxl_owner_reserve(struct svm_cxl_owner *o, unsigned long n)
{
	unsigned long limit = READ_ONCE(user_page_limit), over;
	long now;

	now = atomic_long_add_return(n, &o->user->pages);
	if (!limit || now <= (long)limit)
		return n;
	over = min_t(unsigned long, n, now - limit);
	atomic_long_sub(over, &o->user->pages);
	return n - over;
}

/* Whether @o's user has no page left under user_page_limit. */
bool svm_cxl_owner_at_limit(struct svm_cxl_owner *o)
{
	unsigned long limit = READ_ONCE(user_page_limit);

	return limit && atomic_long_read(&o->user->pages) >= (long)limit;
}

void svm_cxl_owner_unreserve(struct svm_cxl_owner *o, unsigned long n)
{
	atomic_long_sub(n, &o->user->pages);
}

/*
 * The folio of @nr pages at @page (reserved for, just handed out to) belongs to @o
 * until page_free: one reference per folio, @nr pages counted.
 */
void svm_cxl_owner_charge(struct svm_cxl_owner *o, struct page *page, unsigned long nr)
{
	refcount_inc(&o->ref);
	atomic_long_add(nr, &o->pages);
	page->zone_device_data = o;
}

/*
 * page_free of a pool folio of @nr pages (its first page): give its charge back, if
 * it has one. Any context.
 */
void svm_cxl_owner_uncharge(struct page *page, unsigned long nr)
{
	struct svm_cxl_owner *o = page->zone_device_data;

	if (!o)
		return;
	page->zone_device_data = NULL;
	atomic_long_sub(nr, &o->pages);
	atomic_long_sub(nr, &o->user->pages);
	svm_cxl_owner_put(o);
}

/* Pages charged to @uid's processes in every pool (what user_page_limit limits). */
unsigned long svm_cxl_user_pages(kuid_t uid)
{
	struct svm_cxl_user *u;
	unsigned long flags, pages = 0;

	spin_lock_irqsave(&svm_cxl_users_lock, flags);
	list_for_each_entry(u, &svm_cxl_users, node)
		if (uid_eq(u->uid, uid))
			pages = max_t(long, atomic_long_read(&u->pages), 0);
	spin_unlock_irqrestore(&svm_cxl_users_lock, flags);
	return pages;
}

unsigned long svm_cxl_user_page_limit(void)
{
	return READ_ONCE(user_page_limit);
}

/*
 * sysfs holders: one line per owner with pages in the pool, "PID UID PAGES COMM"
 * (comm last: it may hold spaces). A snapshot.
 */
ssize_t svm_cxl_owners_show(struct svm_cxl_pool *pool, char *buf)
{
	struct svm_cxl_owner *o;
	unsigned long flags;
	ssize_t len = 0;

	spin_lock_irqsave(&pool->owners_lock, flags);
	list_for_each_entry(o, &pool->owners, node) {
		long pages = atomic_long_read(&o->pages);

		if (pages > 0)
			len += sysfs_emit_at(buf, len, "%d %u %ld %s\n", o->tgid,
					     from_kuid_munged(&init_user_ns, o->uid), pages,
					     o->comm);
	}
	spin_unlock_irqrestore(&pool->owners_lock, flags);
	return len;
}

/* The kernel log line of a drain that gives up: who holds what is left. */
void svm_cxl_owners_log(struct svm_cxl_pool *pool)
{
	struct svm_cxl_owner *o;
	unsigned long flags;

	spin_lock_irqsave(&pool->owners_lock, flags);
	list_for_each_entry(o, &pool->owners, node) {
		long pages = atomic_long_read(&o->pages);

		if (pages > 0)
			pr_warn("pool%u: %ld pages held by pid %d (%s), uid %u\n", pool->id, pages,
				o->tgid, o->comm, from_kuid_munged(&init_user_ns, o->uid));
	}
	spin_unlock_irqrestore(&pool->owners_lock, flags);
}
