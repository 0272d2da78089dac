// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm_cxl: pools. A pool is a 2 MiB aligned physical range inside a committed, bound,
 * ram-mode CXL region, claimed in iomem and mapped with memremap_pages() as
 * MEMORY_DEVICE_COHERENT on the region's NUMA node. Adding validates and claims;
 * removing drains every page to system RAM first and only then unmaps. The unplug
 * nets (unplug.c) drain the pools of departing memory and revoke what they cannot.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/device/bus.h>
#include <linux/ioport.h>
#include <linux/memory_hotplug.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/numa.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "svm_cxl_internal.h"

static bool allow_any_range;
module_param(allow_any_range, bool, 0444);
MODULE_PARM_DESC(allow_any_range,
		 "Test beds only: also allow pools on ranges the firmware marked as memory (legacy persistent memory from memmap=, soft reserved) outside CXL windows (default: off)");

/* The registry; see svm_cxl_internal.h for what it protects and the lock order. */
DEFINE_MUTEX(svm_cxl_pools_mutex);
/*
 * Serialises pool adds, and is outside the region's device lock: an add holds that
 * lock from the check that the region is bound until the pool is registered, so the
 * region's unbind (and its notifier) either comes before the check or sees the pool.
 */
static DEFINE_MUTEX(svm_cxl_add_mutex);
/*
 * Unbinds of CXL devices, ports or regions in progress (unplug.c): while any runs, no
 * pool is added inside a CXL window, so nothing lands on memory about to go between
 * the notifier's drain and the CXL core's teardown. Under svm_cxl_pools_mutex.
 */
static unsigned int svm_cxl_teardowns;
/* Pool id -> pool. Stores under svm_cxl_pools_mutex; loads under RCU. */
static DEFINE_XARRAY_ALLOC1(svm_cxl_pools);

/* The pgmap owner of every pool: migrate_vma_* selects our device pages by it. */
static int svm_cxl_owner_cookie;
void *svm_cxl_pgmap_owner = &svm_cxl_owner_cookie;

struct svm_cxl_pool *svm_cxl_pool_get(u32 id)
{
	struct svm_cxl_pool *pool;

	rcu_read_lock();
	pool = xa_load(&svm_cxl_pools, id);
	if (pool && !kobject_get_unless_zero(&pool->kobj))
		pool = NULL;
	rcu_read_unlock();
	return pool;
}
EXPORT_SYMBOL_GPL(svm_cxl_pool_get);

/**
 * svm_cxl_migrate_args_ok() - whether a migration's direction and pool id go together
 * @direction: SVM_CXL_TO_POOL or SVM_CXL_TO_SYSTEM
 * @pool_id: the pool; 0 (any pool) only towards system RAM
 *
 * Return: 0, or -EINVAL for an unknown direction or SVM_CXL_TO_POOL without a pool.
 */
int svm_cxl_migrate_args_ok(u32 direction, u32 pool_id)
{
	switch (direction) {
	case SVM_CXL_TO_POOL:
		return pool_id ? 0 : -EINVAL;
	case SVM_CXL_TO_SYSTEM:
		return 0;
	default:
		return -EINVAL;
	}
}

/**
 * svm_cxl_migrate_pool_get() - the pool a migration names, referenced
 * @direction: SVM_CXL_TO_POOL or SVM_CXL_TO_SYSTEM (checked by svm_cxl_migrate_args_ok())
 * @pool_id: the pool, or 0 for none
 * @pool: set to the pool (put it with svm_cxl_pool_put()), or NULL for @pool_id 0
 *
 * Return: 0, -ENOENT for no such pool, or -ENODEV for SVM_CXL_TO_POOL into a revoked pool
 * (its memory went with pages still busy: it never takes pages again).
 */
int svm_cxl_migrate_pool_get(u32 direction, u32 pool_id, struct svm_cxl_pool **pool)
{
	*pool = NULL;
	if (!pool_id)
		return 0;
	*pool = svm_cxl_pool_get(pool_id);
	if (!*pool)
		return -ENOENT;
	if (direction == SVM_CXL_TO_POOL &&
	    svm_cxl_pool_state(*pool) == SVM_CXL_POOL_REVOKED) {
		svm_cxl_pool_put(*pool);
		*pool = NULL;
		return -ENODEV;
	}
	return 0;
}

static bool svm_cxl_pool_has_pfn(struct svm_cxl_pool *pool, unsigned long pfn)
{
	return pfn >= pool->pfn_first && pfn < pool->pfn_first + pool->npages;
}

struct svm_cxl_pool *svm_cxl_pool_get_by_phys(phys_addr_t addr)
{
	struct svm_cxl_pool *pool, *found = NULL;
	unsigned long id;

	rcu_read_lock();
	xa_for_each(&svm_cxl_pools, id, pool) {
		if (svm_cxl_pool_has_pfn(pool, PHYS_PFN(addr))) {
			if (kobject_get_unless_zero(&pool->kobj))
				found = pool;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}
EXPORT_SYMBOL_GPL(svm_cxl_pool_get_by_phys);

/*
 * Whether a pool other than @pool is registered: only then can a migration to @pool
 * meet pages of another pool (and move them device to device).
 */
bool svm_cxl_pool_has_peers(struct svm_cxl_pool *pool)
{
	struct svm_cxl_pool *p;
	unsigned long id;
	bool found = false;

	rcu_read_lock();
	xa_for_each(&svm_cxl_pools, id, p) {
		if (p != pool) {
			found = true;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

/* The id of the pool that holds @pfn, or 0. No struct page is touched. */
u32 svm_cxl_pfn_pool_id(unsigned long pfn)
{
	struct svm_cxl_pool *pool;
	unsigned long id;
	u32 found = 0;

	rcu_read_lock();
	xa_for_each(&svm_cxl_pools, id, pool) {
		if (svm_cxl_pool_has_pfn(pool, pfn)) {
			found = pool->id;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

void svm_cxl_pool_put(struct svm_cxl_pool *pool)
{
	kobject_put(&pool->kobj);
}
EXPORT_SYMBOL_GPL(svm_cxl_pool_put);

u32 svm_cxl_pool_id(const struct svm_cxl_pool *pool)
{
	return pool->id;
}
EXPORT_SYMBOL_GPL(svm_cxl_pool_id);

int svm_cxl_pool_node(const struct svm_cxl_pool *pool)
{
	return pool->node;
}
EXPORT_SYMBOL_GPL(svm_cxl_pool_node);

static int svm_cxl_window_bytes(struct resource *res, void *arg)
{
	*(u64 *)arg += resource_size(res);
	return 0;
}

/* Whether [start, end] lies wholly inside CXL windows (the cxl_acpi resources). */
static bool svm_cxl_in_cxl_window(phys_addr_t start, phys_addr_t end)
{
	u64 covered = 0;

	walk_iomem_res_desc(IORES_DESC_CXL, IORESOURCE_MEM, start, end, &covered,
			    svm_cxl_window_bytes);
	return covered == end - start + 1;
}

/* Whether [start, end] lies wholly inside ranges the firmware marked as memory. */
static bool svm_cxl_in_marked_memory(phys_addr_t start, phys_addr_t end)
{
	static const unsigned long descs[] = {
		IORES_DESC_PERSISTENT_MEMORY_LEGACY,	/* e820 type 12, memmap=X!Y */
		IORES_DESC_SOFT_RESERVED,		/* EFI specific purpose memory */
	};
	u64 covered = 0;
	int i;

	for (i = 0; i < ARRAY_SIZE(descs); i++)
		walk_iomem_res_desc(descs[i], IORESOURCE_MEM, start, end, &covered,
				    svm_cxl_window_bytes);
	return covered == end - start + 1;
}

static bool svm_cxl_overlaps_pool(phys_addr_t start, u64 length)
{
	unsigned long first = PHYS_PFN(start), last = PHYS_PFN(start + length - 1);
	struct svm_cxl_pool *pool;
	unsigned long id;

	lockdep_assert_held(&svm_cxl_pools_mutex);
	xa_for_each(&svm_cxl_pools, id, pool)
		if (first < pool->pfn_first + pool->npages && last >= pool->pfn_first)
			return true;
	return false;
}

/* Checks that need no claim; each refusal has its own errno and log line. */
static int svm_cxl_pool_check_range(phys_addr_t start, u64 length)
{
	phys_addr_t end;

	lockdep_assert_held(&svm_cxl_pools_mutex);
	if (!length || !IS_ALIGNED(start, SUBSECTION_SIZE) ||
	    !IS_ALIGNED(length, SUBSECTION_SIZE) || check_add_overflow(start, length - 1, &end)) {
		pr_info("pool add %pa+%#llx refused: not 2 MiB aligned, empty or overflowing\n",
			&start, length);
		return -EINVAL;
	}
	if (region_intersects(start, length, IORESOURCE_SYSTEM_RAM, IORES_DESC_NONE) !=
	    REGION_DISJOINT) {
		pr_info("pool add %pa-%pa refused: intersects System RAM\n", &start, &end);
		return -EADDRINUSE;
	}
	if (svm_cxl_overlaps_pool(start, length)) {
		pr_info("pool add %pa-%pa refused: intersects another pool\n", &start, &end);
		return -EEXIST;
	}
	if (svm_cxl_in_cxl_window(start, end)) {
		if (svm_cxl_teardowns) {
			pr_info("pool add %pa-%pa refused: a CXL device or region is being removed; retry once it is gone\n",
				&start, &end);
			return -EAGAIN;
		}
		return 0;
	}
	if (allow_any_range && svm_cxl_in_marked_memory(start, end))
		return 0;
	if (allow_any_range)
		pr_info("pool add %pa-%pa refused: neither inside a CXL window nor in memory the firmware marked (legacy pmem, soft reserved)\n",
			&start, &end);
	else
		pr_info("pool add %pa-%pa refused: not inside a CXL window\n", &start, &end);
	return -ENXIO;
}

/*
 * After the claim: our resource nests under the deepest resource that contains the
 * range. Inside a CXL window that must be a region ("regionN"), else the range is not
 * decoded by any device. The name alone proves nothing (the resource exists as soon
 * as the region's size is set, long before it is committed): svm_cxl_pool_check_region()
 * looks at the region device itself. resource_lock is not exported; the parent is
 * read once, and our claim keeps it from being released under us.
 */
static int svm_cxl_pool_check_claim(struct svm_cxl_pool *pool)
{
	struct resource *parent = READ_ONCE(pool->res->parent);
	const char *name = parent ? parent->name : NULL;

	if (name && !strncmp(name, "region", 6)) {
		strscpy(pool->region, name, sizeof(pool->region));
		return 0;
	}
	if (!pool->in_cxl_window)
		return 0;	/* allow_any_range on firmware-marked memory */
	pr_info("pool add %pR refused: not inside a CXL region (parent %s)\n", pool->res,
		name ?: "none");
	return -ENXIO;
}

/* What cxl_region_probe() added: 1 a dax_regionN (ram mode), 2 a pmem_regionN. */
static int svm_cxl_region_kind(struct device *child, void *unused)
{
	if (!strncmp(dev_name(child), "dax_region", 10))
		return 1;
	if (!strncmp(dev_name(child), "pmem_region", 11))
		return 2;
	return 0;
}

/*
 * The region must be bound to cxl_region: cxl_region_probe() refuses any region that
 * is not committed, so bound means committed and decoded, and it is the state whose
 * end our region notifier hears about. Its mode shows in what the probe added: a ram
 * region gets a dax_regionN child (the only kind we can use; a ram region already
 * online as System RAM gets none, and was refused above), a pmem region a
 * pmem_regionN. Called with the region's device lock held.
 */
static int svm_cxl_pool_check_region(struct svm_cxl_pool *pool, struct device *dev)
{
	int kind;

	device_lock_assert(dev);
	if (!device_is_bound(dev)) {
		pr_info("pool add %pR refused: %s is not active (not committed, or not bound to cxl_region)\n",
			pool->res, pool->region);
		return -ENODEV;
	}
	kind = device_for_each_child(dev, NULL, svm_cxl_region_kind);
	if (kind != 1) {
		pr_info("pool add %pR refused: %s is not a ram region (%s)\n", pool->res,
			pool->region, kind == 2 ? "pmem" : "no dax region");
		return -EMEDIUMTYPE;
	}
	return 0;
}

/*
 * Claim [start, start + length) and check what it sits in. On success the claim is in
 * pool->res and, inside a CXL region, the region device is referenced in
 * pool->region_dev; on failure neither.
 */
static int svm_cxl_pool_claim(struct svm_cxl_pool *pool, phys_addr_t start, u64 length)
{
	int rc;

	pool->res = request_mem_region(start, length, pool->name);
	if (!pool->res) {
		pr_info("pool add %pa+%#llx refused: range busy (claimed by a driver; is its dax device still enabled?)\n",
			&start, length);
		return -EBUSY;
	}
	rc = svm_cxl_pool_check_claim(pool);
	if (rc)
		goto err_release;
	if (!pool->region[0])
		return 0;
	pool->region_dev = bus_find_device_by_name(&cxl_bus_type, NULL, pool->region);
	if (!pool->region_dev) {
		pr_info("pool add %pR refused: no CXL region device %s\n", pool->res,
			pool->region);
		rc = -ENXIO;
		goto err_release;
	}
	return 0;

err_release:
	release_mem_region(start, length);
	pool->res = NULL;
	return rc;
}

int svm_cxl_pool_add(phys_addr_t start, u64 length, u32 *idp, int *nodep)
{
	struct svm_cxl_pool *pool;
	void *addr;
	u32 id;
	int rc;

	mutex_lock(&svm_cxl_add_mutex);
	mutex_lock(&svm_cxl_pools_mutex);
	rc = svm_cxl_pool_check_range(start, length);
	if (rc)
		goto out_unlock;

	pool = kzalloc(sizeof(*pool), GFP_KERNEL);
	if (!pool) {
		rc = -ENOMEM;
		goto out_unlock;
	}
	pool->pfn_first = PHYS_PFN(start);
	pool->npages = length >> PAGE_SHIFT;
	pool->in_cxl_window = svm_cxl_in_cxl_window(start, start + length - 1);
	pool->state = SVM_CXL_POOL_ACTIVE;
	mutex_init(&pool->drain_lock);
	atomic_set(&pool->unplug_waiting, 0);
	kobject_init(&pool->kobj, &svm_cxl_pool_ktype);

	/* Reserve an id now (entry NULL until the pool is live), so the claim can name it. */
	rc = xa_alloc(&svm_cxl_pools, &id, NULL, XA_LIMIT(1, SVM_CXL_MAX_POOLS), GFP_KERNEL);
	if (rc) {
		pr_info("pool add %pa+%#llx refused: %d pools already\n", &start, length,
			SVM_CXL_MAX_POOLS);
		rc = rc == -EBUSY ? -ENOSPC : rc;
		goto err_put_pool;
	}
	pool->id = id;
	snprintf(pool->name, sizeof(pool->name), "svm_cxl pool%u", id);
	rc = svm_cxl_pool_claim(pool, start, length);
	if (rc)
		goto err_free_id;
	/*
	 * The region's device lock is outside svm_cxl_pools_mutex (its unbind notifier
	 * takes the mutex under it): drop the mutex to take it. svm_cxl_add_mutex keeps
	 * other adds out meanwhile, and our claim keeps the range ours.
	 */
	mutex_unlock(&svm_cxl_pools_mutex);
	if (pool->region_dev) {
		device_lock(pool->region_dev);
		rc = svm_cxl_pool_check_region(pool, pool->region_dev);
		if (rc)
			goto err_release_region;
	}

	pool->node = phys_to_target_node(start);
	if (pool->node == NUMA_NO_NODE)
		pool->node = memory_add_physaddr_to_nid(start);

	rc = svm_cxl_alloc_init(pool);
	if (rc)
		goto err_release_region;

	pool->pgmap.type = MEMORY_DEVICE_COHERENT;
	pool->pgmap.range.start = start;
	pool->pgmap.range.end = start + length - 1;
	pool->pgmap.nr_range = 1;
	pool->pgmap.ops = &svm_cxl_pgmap_ops;
	pool->pgmap.owner = svm_cxl_pgmap_owner;
	addr = memremap_pages(&pool->pgmap, pool->node);
	if (IS_ERR(addr)) {
		rc = PTR_ERR(addr);
		pr_err("pool add %pR: memremap_pages on node %d failed: %d\n", pool->res,
		       pool->node, rc);
		goto err_alloc_fini;
	}
	rc = svm_cxl_directmap_check(pool);
	if (rc)
		goto err_memunmap;

	mutex_lock(&svm_cxl_pools_mutex);
	/* An unbind that began while we set up would not see this pool: refuse it. */
	if (pool->in_cxl_window && svm_cxl_teardowns) {
		pr_info("pool add %pR refused: a CXL device or region is being removed; retry once it is gone\n",
			pool->res);
		rc = -EAGAIN;
		goto err_unlock_memunmap;
	}
	rc = kobject_add(&pool->kobj, svm_cxl_pools_kobj, "pool%u", id);
	if (rc)
		goto err_unlock_memunmap;

	/* Pages freed only come back through page_free, which needs this module. */
	__module_get(THIS_MODULE);
	xa_store(&svm_cxl_pools, id, pool, GFP_KERNEL);
	mutex_unlock(&svm_cxl_pools_mutex);
	if (pool->region_dev)
		device_unlock(pool->region_dev);
	mutex_unlock(&svm_cxl_add_mutex);

	pr_info("pool%u: %pR%s%s, %lu pages on node %d\n", id, pool->res,
		pool->region[0] ? " in " : "", pool->region, pool->npages, pool->node);
	*idp = id;
	*nodep = pool->node;
	return 0;

err_unlock_memunmap:
	mutex_unlock(&svm_cxl_pools_mutex);
err_memunmap:
	memunmap_pages(&pool->pgmap);
err_alloc_fini:
	svm_cxl_alloc_fini(pool);
err_release_region:
	if (pool->region_dev) {
		device_unlock(pool->region_dev);
		put_device(pool->region_dev);
		pool->region_dev = NULL;
	}
	release_mem_region(start, length);
	mutex_lock(&svm_cxl_pools_mutex);
err_free_id:
	xa_erase(&svm_cxl_pools, id);
err_put_pool:
	kobject_put(&pool->kobj);
out_unlock:
	mutex_unlock(&svm_cxl_pools_mutex);
	mutex_unlock(&svm_cxl_add_mutex);
	return rc;
}

/*
 * Unregister a drained pool: no page is out, so memunmap_pages() cannot wait. Called
 * with pool->drain_lock held (no other drain can start), takes svm_cxl_pools_mutex.
 */
static void svm_cxl_pool_unregister(struct svm_cxl_pool *pool)
{
	phys_addr_t start = pool->pgmap.range.start;
	u64 length = range_len(&pool->pgmap.range);

	lockdep_assert_held(&pool->drain_lock);
	mutex_lock(&svm_cxl_pools_mutex);
	svm_cxl_pool_set_state(pool, SVM_CXL_POOL_GONE);
	xa_erase(&svm_cxl_pools, pool->id);
	kobject_del(&pool->kobj);
	memunmap_pages(&pool->pgmap);
	svm_cxl_alloc_fini(pool);
	release_mem_region(start, length);
	mutex_unlock(&svm_cxl_pools_mutex);
	put_device(pool->region_dev);
	pool->region_dev = NULL;
	pr_info("pool%u removed\n", pool->id);
	kobject_put(&pool->kobj);
	module_put(THIS_MODULE);
}

/*
 * A revoked pool is never evicted from again: its memory may no longer be decoded,
 * and a copy would hand its holders whatever the bus returns as if it were their data.
 * It is unregistered once its holders have let go. Returns 0 when it was, else -EBUSY.
 */
static int svm_cxl_pool_remove_revoked(struct svm_cxl_pool *pool, const char *why,
				       u64 *busy)
{
	unsigned long used = svm_cxl_pool_used(pool);

	lockdep_assert_held(&pool->drain_lock);
	if (used) {
		pr_warn("pool%u: %s: revoked, %lu pages still held; nothing is copied out of a revoked pool\n",
			pool->id, why, used);
		*busy = used;
		return -EBUSY;
	}
	svm_cxl_pool_unregister(pool);
	return 0;
}

/*
 * POOL_REMOVE. The drain runs without svm_cxl_pools_mutex, so other pools can be added
 * and removed meanwhile and an unplug notifier never waits for our timeout: it stops
 * this drain at the next pass, and we return -ENODEV. A revoked pool is removed once
 * its holders let go (-EBUSY before).
 */
int svm_cxl_pool_remove(u32 id, unsigned int timeout_ms, u64 *evicted, u64 *busy)
{
	struct svm_cxl_pool *pool;
	int rc;

	pool = svm_cxl_pool_get(id);
	if (!pool) {
		pr_info("pool remove: no pool %u\n", id);
		return -ENOENT;
	}
	timeout_ms = min_t(unsigned int, timeout_ms ?: SVM_CXL_DRAIN_TIMEOUT_MS,
			   SVM_CXL_DRAIN_TIMEOUT_MAX_MS);
	if (mutex_lock_killable(&pool->drain_lock)) {
		rc = -EINTR;
		goto out_put;
	}
	if (svm_cxl_pool_state(pool) == SVM_CXL_POOL_GONE) {
		/* An unplug drained and removed it while we waited. */
		pr_info("pool%u remove: already removed by an unplug\n", id);
		rc = -ENODEV;
		goto out_unlock;
	}
	if (svm_cxl_pool_state(pool) == SVM_CXL_POOL_REVOKED) {
		*evicted = 0;
		*busy = 0;
		rc = svm_cxl_pool_remove_revoked(pool, "remove", busy);
		goto out_unlock;
	}
	rc = svm_cxl_pool_drain(pool, SVM_CXL_DRAIN_ADMIN, timeout_ms, evicted, busy);
	if (!rc)
		svm_cxl_pool_unregister(pool);
out_unlock:
	mutex_unlock(&pool->drain_lock);
out_put:
	svm_cxl_pool_put(pool);
	return rc;
}

/* svm_cxl_teardowns: see its definition. */
void svm_cxl_teardown_begin(void)
{
	mutex_lock(&svm_cxl_pools_mutex);
	svm_cxl_teardowns++;
	mutex_unlock(&svm_cxl_pools_mutex);
}

void svm_cxl_teardown_end(void)
{
	mutex_lock(&svm_cxl_pools_mutex);
	/* Unpaired if the module was loaded between the two events. */
	if (svm_cxl_teardowns)
		svm_cxl_teardowns--;
	mutex_unlock(&svm_cxl_pools_mutex);
}

/*
 * The safety net: the memory under pools is about to go. With @region_dev, only the
 * pools inside that CXL region (its driver is being unbound: disable, decommit,
 * destroy); without, every pool inside a CXL window (a CXL memory device, its
 * endpoint or a switch port is losing its driver, and we cannot tell without
 * cxl_core internals which regions it decodes). Each is drained as long as pages
 * keep moving and then unregistered; one whose pages stay busy is revoked for good,
 * and the log names the pages and whoever maps them; a pool revoked earlier goes once
 * it is empty. Returns how many stay revoked.
 * Called by the driver core with the departing device locked; takes no lock that an
 * admin call holds across a wait.
 */
int svm_cxl_pool_unplug(struct device *region_dev, const char *why)
{
	struct svm_cxl_pool *pool, *todo[SVM_CXL_MAX_POOLS];
	unsigned int n = 0, i;
	unsigned long id;
	u64 evicted, busy;
	int revoked = 0;

	mutex_lock(&svm_cxl_pools_mutex);
	xa_for_each(&svm_cxl_pools, id, pool) {
		if (!pool->in_cxl_window || (region_dev && region_dev != pool->region_dev))
			continue;
		if (!kobject_get_unless_zero(&pool->kobj))
			continue;
		/* A POOL_REMOVE drain of this pool stops at its next pass. */
		atomic_inc(&pool->unplug_waiting);
		todo[n++] = pool;
	}
	mutex_unlock(&svm_cxl_pools_mutex);

	for (i = 0; i < n; i++) {
		pool = todo[i];
		mutex_lock(&pool->drain_lock);
		atomic_dec(&pool->unplug_waiting);
		if (svm_cxl_pool_state(pool) == SVM_CXL_POOL_GONE)
			goto next;
		/* Revoked by an earlier event of this teardown (or another one). */
		if (svm_cxl_pool_state(pool) == SVM_CXL_POOL_REVOKED) {
			if (svm_cxl_pool_remove_revoked(pool, why, &busy))
				revoked++;
			goto next;
		}
		if (svm_cxl_pool_drain(pool, SVM_CXL_DRAIN_UNPLUG, 0, &evicted, &busy)) {
			pr_crit("pool%u: %s: %llu pages still busy after the drain (%llu evicted); the pool is revoked, and what they hold is lost with the device\n",
				pool->id, why, busy, evicted);
			svm_cxl_report_busy(pool, why);
			revoked++;
			goto next;
		}
		pr_warn("pool%u: %s: evicted %llu pages to system RAM, removing the pool\n",
			pool->id, why, evicted);
		svm_cxl_pool_unregister(pool);
next:
		mutex_unlock(&pool->drain_lock);
		svm_cxl_pool_put(pool);
	}
	return revoked;
}

int svm_cxl_pools_init(void)
{
	return 0;
}

/* Every pool holds a module reference, so none is left when the module goes. */
void svm_cxl_pools_exit(void)
{
	WARN_ON_ONCE(!xa_empty(&svm_cxl_pools));
	xa_destroy(&svm_cxl_pools);
}
