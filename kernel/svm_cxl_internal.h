/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * svm_cxl private declarations: the pool object and the interfaces between the files
 * of the module (pool.c, alloc.c, migrate.c, evict.c, sysfs.c, unplug.c).
 *
 * Lock order (outer first), as lockdep sees it:
 *   svm_cxl_add_mutex -> device_lock(CXL region) -> svm_cxl_pools_mutex
 *   device_lock(departing device, held by the driver core around our bus notifiers)
 *     -> pool->drain_lock -> svm_cxl_pools_mutex -> mem_hotplug_lock (memunmap_pages)
 *   pool->drain_lock -> mmap_lock (read, trylock only: naming the holders of busy pages)
 *   pool->drain_lock -> page locks (migrate_device_range) -> pool->alloc.lock
 *   mmap_lock (of a migrated mm) -> page locks -> pool->alloc.lock
 * No path takes mmap_lock under svm_cxl_pools_mutex, and svm_cxl_pools_mutex is never
 * held across a drain pass, so an unplug never waits behind a POOL_REMOVE's timeout.
 * pool->alloc.lock is a leaf spinlock, taken with interrupts off because page_free()
 * may run wherever the last reference of a device page is dropped.
 */
#ifndef _SVM_CXL_INTERNAL_H
#define _SVM_CXL_INTERNAL_H

#include <linux/atomic.h>
#include <linux/kobject.h>
#include <linux/memremap.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/sched.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/types.h>

#include <linux/svm_cxl.h>
#include <uapi/linux/svm_cxl.h>

#include "svm_cxl_compat.h"

/*
 * Pages handled per migrate_vma_setup()/migrate_device_range() call: at most
 * SVM_CXL_BATCH (array sizes): SVM_CXL_BATCH_DEFAULT (512: one page table), or with
 * SVM_CXL_DEBUG the module parameter batch_pages rounded down to a power of two.
 */
#define SVM_CXL_BATCH		2048
/* Batches with at least this many pages to copy split the copy across online CPUs. */
#define SVM_CXL_COPY_SPLIT_MIN	64
/* Default time a POOL_REMOVE drain keeps retrying busy pages, and its cap. */
#define SVM_CXL_DRAIN_TIMEOUT_MS	10000
#define SVM_CXL_DRAIN_TIMEOUT_MAX_MS	600000
/*
 * An unplug drain goes on while pages keep moving; it revokes the pool once no page
 * moved for this long, and says how much is left every SVM_CXL_UNPLUG_REPORT_MS.
 */
#define SVM_CXL_UNPLUG_STALL_MS		5000
#define SVM_CXL_UNPLUG_REPORT_MS	5000
/* Highest pool id (ids start at 1). */
#define SVM_CXL_MAX_POOLS	64

enum svm_cxl_pool_state {
	SVM_CXL_POOL_ACTIVE = 1,	/* allocations succeed while pages are free */
	SVM_CXL_POOL_DRAINING,		/* allocations fail; pages are being evicted */
	SVM_CXL_POOL_GONE,		/* unregistered; only references keep the struct */
	/*
	 * Terminal: its memory went (or is going) while pages stayed busy. Allocations
	 * and TO_POOL fail for good (-ENODEV); only POOL_REMOVE, once the holders let go,
	 * or a later unplug drain takes it away.
	 */
	SVM_CXL_POOL_REVOKED,
};

/* How a drain ends when pages stay busy (evict.c). */
enum svm_cxl_drain_mode {
	SVM_CXL_DRAIN_ADMIN,	/* POOL_REMOVE: give up at the timeout, pool as before */
	SVM_CXL_DRAIN_UNPLUG,	/* a notifier: no signals, until no progress; then revoke */
};

struct svm_cxl_pool_stats {
	atomic64_t migrated_in;		/* pages moved from system RAM to the pool */
	atomic64_t migrated_out;	/* pages moved back by migrate-to-system */
	atomic64_t allocated_on_device;	/* never-touched pages given a zeroed device page */
	atomic64_t evicted;		/* pages moved out by a drain */
	atomic64_t alloc_failures;	/* allocations refused (pool full or not active) */
	atomic64_t busy_retries;	/* drain passes that found pages still busy */
	atomic64_t poisoned;		/* pages reported bad (memory_failure): retired */
	/* Device THP (6.19+, module parameter device_thp): pages, in 2 MiB folios, */
	atomic64_t huge_in;		/* moved to the pool as whole order-9 folios */
	atomic64_t huge_out;		/* moved back or evicted as whole folios */
	atomic64_t huge_fallback;	/* of THPs sent as base pages: no chunk was free */
	/* Pool to pool (TO_POOL of pages in another pool, device to device), pages */
	atomic64_t peer_in;		/* copied in from another pool */
	atomic64_t peer_out;		/* moved out to another pool */
};

/* The unit of the allocator's bookkeeping and of aligned runs: 2 MiB, one PMD. */
#define SVM_CXL_CHUNK_SHIFT	(PMD_SHIFT - PAGE_SHIFT)
#define SVM_CXL_CHUNK_PAGES	BIT(SVM_CXL_CHUNK_SHIFT)

/*
 * The page allocator of a pool (alloc.c). Its cost is about one bit per page: a bitmap
 * of the pages that are out, plus two bits per 2 MiB chunk that let allocation find a
 * chunk with room without scanning pages, and a drain skip chunks with nothing out.
 * Every array comes from kvcalloc(), so a pool of any size the memmap allows fits;
 * nothing is initialised page by page.
 *
 * lock protects every field below it, the pool's state included. It is a leaf
 * spinlock, taken with interrupts off because page_free() may run wherever the last
 * reference of a device page is dropped. Readers that only want a hint (a drain's
 * "anything out in this chunk?") read the bitmaps without it, through data_race().
 */
struct svm_cxl_alloc {
	spinlock_t lock;		/* protects every field below, and the pool state */
	unsigned long base_pfn;		/* first allocatable pfn, chunk aligned */
	unsigned long npages;		/* allocatable pages, whole chunks */
	unsigned long nchunks;
	unsigned long nfree;		/* pages that can be handed out */
	unsigned long nretired;		/* poisoned pages taken out of service for good */
	unsigned long *out;		/* per page: handed out or retired */
	unsigned long *chunk_used;	/* per chunk: at least one page out */
	unsigned long *chunk_partial;	/* per chunk: some pages out, some free */
	unsigned long cursor;		/* chunk the last single page came from */
};

struct svm_cxl_pool {
	u32 id;
	int node;
	bool in_cxl_window;		/* false only for allow_any_range test beds */
	unsigned long pfn_first;	/* the whole range, memmap on the device included */
	unsigned long npages;
	unsigned long memmap_pages;	/* at the start of the range: the struct pages (altmap) */
	struct resource *res;		/* our claim of the range in iomem */
	char name[24];			/* the claim's name in /proc/iomem */
	char region[24];		/* the CXL region holding it ("regionN"), or "" */
	struct device *region_dev;	/* its device, referenced for the pool's life */
	struct dev_pagemap pgmap;	/* pgmap.owner is svm_cxl_pgmap_owner */

	struct svm_cxl_alloc alloc;
	enum svm_cxl_pool_state state;	/* under alloc.lock */

	/* Who holds pages (owner.c): struct svm_cxl_owner, under owners_lock (irqsave). */
	spinlock_t owners_lock;		/* protects owners */
	struct list_head owners;

	struct svm_cxl_pool_stats stats;

	/*
	 * drain_lock serialises the drains of this pool (POOL_REMOVE, unplug) and their
	 * unregistration. unplug_waiting counts notifiers waiting for it: a POOL_REMOVE
	 * drain that sees one stops at the next pass (-ENODEV) and leaves it the pool.
	 */
	struct mutex drain_lock;
	atomic_t unplug_waiting;

	/* Lifetime: one reference per holder; release frees the struct after RCU. */
	struct kobject kobj;
	struct rcu_head rcu;
};

/*
 * svm_cxl_pools_mutex protects the pool registry (ids, overlap checks, registering and
 * unregistering, the teardown count); it is held for short sections only, never across
 * a drain. Lookups use RCU and take a reference instead.
 */
extern struct mutex svm_cxl_pools_mutex;
extern const struct dev_pagemap_ops svm_cxl_pgmap_ops;
extern void *svm_cxl_pgmap_owner;
extern struct kobject *svm_cxl_pools_kobj;

static inline struct svm_cxl_pool *svm_cxl_pgmap_pool(struct dev_pagemap *pgmap)
{
	return container_of(pgmap, struct svm_cxl_pool, pgmap);
}

/*
 * Benchmark scaffolding (review Q3), built only with SVM_CXL_DEBUG=y (Kbuild; meson
 * -Dkernel_debug=true; harness/bench.sh turns it on): profile.c's cumulative time per
 * phase of each migration path in debugfs, and the module parameters "tune" and
 * "batch_pages" that switch the speed-ups so that one guest run can measure with and
 * without each. Without it the defaults are fixed and the helpers below fold away;
 * the tracepoints (svm_cxl_trace.h) are how a production kernel is measured.
 */
enum svm_cxl_prof_dirs {
	SVM_CXL_PROF_TO_POOL,
	SVM_CXL_PROF_TO_SYSTEM,
	SVM_CXL_PROF_EVICT,
	SVM_CXL_PROF_NR_DIRS
};

enum svm_cxl_prof_phases {
	SVM_CXL_PH_SETUP,	/* migrate_vma_setup / migrate_device_range: collect, unmap */
	SVM_CXL_PH_ALLOC,	/* destination pages */
	SVM_CXL_PH_COPY,	/* data copy (or clearing) */
	SVM_CXL_PH_PAGES,	/* migrate_vma_pages / migrate_device_pages */
	SVM_CXL_PH_FINALIZE,	/* migrate_*_finalize: page tables, unlock, release */
	SVM_CXL_PH_ACCOUNT,	/* our result accounting and classification */
	SVM_CXL_PROF_NR_PHASES
};

/*
 * The speed-ups "tune" switches. SVM_CXL_TUNE_DEFAULT leaves the parallel copy off:
 * under QEMU TCG on a loaded host, handing slices to another vCPU and waiting for
 * them cost 10-20x the copy itself (docs/benchmarks.md); on real hardware it is worth
 * measuring again.
 */
#define SVM_CXL_TUNE_BULK_ALLOC	BIT(0)	/* destination pages in one call per batch */
#define SVM_CXL_TUNE_COPY_SPLIT	BIT(1)	/* large copies spread over the online CPUs */
#define SVM_CXL_TUNE_ALIGN	BIT(2)	/* batches aligned to their size (one PMD) */
#define SVM_CXL_TUNE_DEFAULT	(SVM_CXL_TUNE_BULK_ALLOC | SVM_CXL_TUNE_ALIGN)
/* Pages per migration and eviction batch without SVM_CXL_DEBUG: one page table. */
#define SVM_CXL_BATCH_DEFAULT	512

#ifdef SVM_CXL_DEBUG
struct svm_cxl_prof_dir {
	atomic64_t calls, batches, pages, total_ns;
	atomic64_t ns[SVM_CXL_PROF_NR_PHASES];
};

struct svm_cxl_prof {
	struct svm_cxl_prof_dir dir[SVM_CXL_PROF_NR_DIRS];
};

extern struct svm_cxl_prof svm_cxl_prof;
extern unsigned int svm_cxl_tune;
unsigned long svm_cxl_batch_pages(void);
void svm_cxl_prof_init(void);
void svm_cxl_prof_exit(void);

static inline unsigned int svm_cxl_tune_get(void)
{
	return READ_ONCE(svm_cxl_tune);
}

/* Add the time since *@t to a phase and restart the clock. */
static inline void svm_cxl_prof_lap(int dir, int phase, u64 *t)
{
	u64 now = ktime_get_ns();

	atomic64_add(now - *t, &svm_cxl_prof.dir[dir].ns[phase]);
	*t = now;
}

static inline void svm_cxl_prof_add(int dir, unsigned long batches, unsigned long pages)
{
	atomic64_add(batches, &svm_cxl_prof.dir[dir].batches);
	atomic64_add(pages, &svm_cxl_prof.dir[dir].pages);
}

static inline void svm_cxl_prof_call(int dir, u64 ns)
{
	atomic64_inc(&svm_cxl_prof.dir[dir].calls);
	atomic64_add(ns, &svm_cxl_prof.dir[dir].total_ns);
}
#else
static inline unsigned int svm_cxl_tune_get(void)
{
	return SVM_CXL_TUNE_DEFAULT;
}

static inline unsigned long svm_cxl_batch_pages(void)
{
	return SVM_CXL_BATCH_DEFAULT;
}

static inline void svm_cxl_prof_init(void) {}
static inline void svm_cxl_prof_exit(void) {}
static inline void svm_cxl_prof_lap(int dir, int phase, u64 *t) {}
static inline void svm_cxl_prof_add(int dir, unsigned long batches, unsigned long pages) {}
static inline void svm_cxl_prof_call(int dir, u64 ns) {}
#endif

/* pool.c */
int svm_cxl_pool_add(phys_addr_t start, u64 length, u32 *id, int *node);
int svm_cxl_pool_remove(u32 id, unsigned int timeout_ms, u64 *evicted, u64 *busy);
int svm_cxl_pool_unplug(struct device *region_dev, const char *why);
void svm_cxl_teardown_begin(void);
void svm_cxl_teardown_end(void);
u32 svm_cxl_pfn_pool_id(unsigned long pfn);
bool svm_cxl_pool_has_peers(struct svm_cxl_pool *pool);
int svm_cxl_pools_init(void);
void svm_cxl_pools_exit(void);

/* alloc.c */
int svm_cxl_directmap_check(struct svm_cxl_pool *pool);
int svm_cxl_alloc_init(struct svm_cxl_pool *pool);
void svm_cxl_alloc_fini(struct svm_cxl_pool *pool);
struct page *svm_cxl_alloc_page_locked(struct svm_cxl_pool *pool);
unsigned long svm_cxl_alloc_pages_locked(struct svm_cxl_pool *pool, struct page **pages,
					 unsigned long n);
#ifdef SVM_CXL_HAVE_DEVICE_THP
struct folio *svm_cxl_alloc_folio_locked(struct svm_cxl_pool *pool);
#else
static inline struct folio *svm_cxl_alloc_folio_locked(struct svm_cxl_pool *pool)
{
	return NULL;
}
#endif
unsigned long svm_cxl_pool_used(struct svm_cxl_pool *pool);
unsigned long svm_cxl_pool_free_pages(struct svm_cxl_pool *pool);
unsigned long svm_cxl_pool_retired(struct svm_cxl_pool *pool);
enum svm_cxl_pool_state svm_cxl_pool_state(struct svm_cxl_pool *pool);
int svm_cxl_migrate_args_ok(u32 direction, u32 pool_id);
int svm_cxl_migrate_pool_get(u32 direction, u32 pool_id, struct svm_cxl_pool **pool);
void svm_cxl_pool_set_state(struct svm_cxl_pool *pool, enum svm_cxl_pool_state state);
unsigned long svm_cxl_pool_next_in_use(struct svm_cxl_pool *pool, unsigned long pfn);
unsigned long svm_cxl_pool_chunk_out(struct svm_cxl_pool *pool, unsigned long chunk,
				     unsigned long *pfns);
bool svm_cxl_alloc_retire_free(struct svm_cxl_pool *pool, unsigned long pfn);
bool svm_cxl_alloc_has_pfn(struct svm_cxl_pool *pool, unsigned long pfn);

/* owner.c */
struct svm_cxl_user;
struct svm_cxl_owner {
	struct list_head node;		/* in pool->owners */
	refcount_t ref;			/* one per charged folio, one per migration using it */
	const struct mm_struct *mm;	/* identity only, never dereferenced */
	pid_t tgid;
	kuid_t uid;
	char comm[TASK_COMM_LEN];
	atomic_long_t pages;		/* pool pages charged to it */
	struct svm_cxl_user *user;
	struct svm_cxl_pool *pool;
};

void svm_cxl_owners_init(struct svm_cxl_pool *pool);
struct svm_cxl_owner *svm_cxl_owner_get(struct svm_cxl_pool *pool, struct mm_struct *mm,
					struct task_struct *task);
void svm_cxl_owner_put(struct svm_cxl_owner *o);
unsigned long svm_cxl_owner_reserve(struct svm_cxl_owner *o, unsigned long n);
void svm_cxl_owner_unreserve(struct svm_cxl_owner *o, unsigned long n);
bool svm_cxl_owner_at_limit(struct svm_cxl_owner *o);
void svm_cxl_owner_charge(struct svm_cxl_owner *o, struct page *page, unsigned long nr);
void svm_cxl_owner_uncharge(struct page *page, unsigned long nr);
ssize_t svm_cxl_owners_show(struct svm_cxl_pool *pool, char *buf);
unsigned long svm_cxl_user_pages(kuid_t uid);
unsigned long svm_cxl_user_page_limit(void);
void svm_cxl_owners_log(struct svm_cxl_pool *pool);

/* poison.c */
int svm_cxl_memory_failure(struct dev_pagemap *pgmap, unsigned long pfn,
			   unsigned long nr_pages, int mf_flags);

/* copy.c */
struct page;
unsigned long svm_cxl_copy_pages(struct page **dst, struct page **src, unsigned long n);
int svm_cxl_copy_folio(struct folio *dst, struct folio *src);

/* evict.c */
int svm_cxl_pool_drain(struct svm_cxl_pool *pool, enum svm_cxl_drain_mode mode,
		       unsigned int timeout_ms, u64 *evicted, u64 *busy);

/* holders.c */
void svm_cxl_report_busy(struct svm_cxl_pool *pool, const char *why);
void svm_cxl_name_holders(const char *who, struct page **pages, unsigned int n);

/* migrate.c */
struct vm_area_struct;
bool svm_cxl_vma_movable(struct vm_area_struct *vma);
int svm_cxl_migrate_task(struct task_struct *task, struct mm_struct *mm, unsigned long start,
			 unsigned long end, struct svm_cxl_pool *pool, bool to_pool, bool fill,
			 struct svm_cxl_migrate_result *res);
int svm_cxl_query_range(struct mm_struct *mm, unsigned long start, unsigned long end,
			struct svm_cxl_page_loc __user *ulocs, u64 counts[3]);

/* migrate_pid.c */
long svm_cxl_ioctl_migrate_pid(void __user *uarg);

/* usage.c */
long svm_cxl_ioctl_usage(void __user *uarg);

/* sysfs.c */
extern const struct kobj_type svm_cxl_pool_ktype;

/* unplug.c; cxl_bus_type is cxl_core's (see unplug.c) */
extern const struct bus_type cxl_bus_type;
int svm_cxl_unplug_init(void);
void svm_cxl_unplug_exit(void);

/* numa_unplug.c: offline requests to userspace for numa-mode (kmem) memory */
void svm_cxl_numa_unplug(struct device *departing);
void svm_cxl_numa_exit(void);
extern const struct attribute_group *svm_cxl_misc_groups[];

#endif /* _SVM_CXL_INTERNAL_H */
