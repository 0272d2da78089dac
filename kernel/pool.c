// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm_cxl: pools. A pool is a 2 MiB aligned physical range inside a committed CXL
 * region, claimed in iomem and mapped with memremap_pages() as MEMORY_DEVICE_COHERENT
 * on the region's NUMA node. Adding validates and claims; removing drains every page
 * to system RAM first and only then unmaps.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

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
		 "Test beds only: allow pools on non-RAM ranges outside CXL windows (default: off)");

/* Serialises pool add and remove (drains included); see svm_cxl_internal.h. */
DEFINE_MUTEX(svm_cxl_pools_mutex);
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
	if (!allow_any_range && !svm_cxl_in_cxl_window(start, end)) {
		pr_info("pool add %pa-%pa refused: not inside a CXL window\n", &start, &end);
		return -ENXIO;
	}
	return 0;
}

/*
 * After the claim: our resource nests under the deepest resource that contains the
 * range. Inside a CXL window that must be a region ("regionN"), else the range is not
 * decoded by any device. The region cannot go while we hold a child resource claim and
 * svm_cxl_pools_mutex (region teardown first unbinds, which our notifier handles).
 */
static int svm_cxl_pool_check_claim(struct svm_cxl_pool *pool)
{
	struct resource *res = pool->res;
	bool in_region = res->parent && res->parent->name &&
			 !strncmp(res->parent->name, "region", 6);

	if (in_region)
		strscpy(pool->region, res->parent->name, sizeof(pool->region));
	if (allow_any_range || in_region)
		return 0;
	pr_info("pool add %pR refused: not inside a committed CXL region (parent %s)\n",
		res, res->parent && res->parent->name ? res->parent->name : "none");
	return -ENXIO;
}

int svm_cxl_pool_add(phys_addr_t start, u64 length, u32 *idp, int *nodep)
{
	struct svm_cxl_pool *pool;
	void *addr;
	u32 id;
	int rc;

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
	pool->res = request_mem_region(start, length, pool->name);
	if (!pool->res) {
		pr_info("pool add %pa+%#llx refused: range busy (claimed by a driver; is its dax device still enabled?)\n",
			&start, length);
		rc = -EBUSY;
		goto err_free_id;
	}
	rc = svm_cxl_pool_check_claim(pool);
	if (rc)
		goto err_release_region;

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

	rc = kobject_add(&pool->kobj, svm_cxl_pools_kobj, "pool%u", id);
	if (rc)
		goto err_memunmap;

	/* Pages freed only come back through page_free, which needs this module. */
	__module_get(THIS_MODULE);
	xa_store(&svm_cxl_pools, id, pool, GFP_KERNEL);
	mutex_unlock(&svm_cxl_pools_mutex);

	pr_info("pool%u: %pR, %lu pages on node %d\n", id, pool->res, pool->npages, pool->node);
	*idp = id;
	*nodep = pool->node;
	return 0;

err_memunmap:
	memunmap_pages(&pool->pgmap);
err_alloc_fini:
	svm_cxl_alloc_fini(pool);
err_release_region:
	release_mem_region(start, length);
err_free_id:
	xa_erase(&svm_cxl_pools, id);
err_put_pool:
	kobject_put(&pool->kobj);
out_unlock:
	mutex_unlock(&svm_cxl_pools_mutex);
	return rc;
}

/* Unregister a drained pool: no page is out, so memunmap_pages() cannot wait. */
static void svm_cxl_pool_unregister(struct svm_cxl_pool *pool)
{
	phys_addr_t start = pool->pgmap.range.start;
	u64 length = range_len(&pool->pgmap.range);

	lockdep_assert_held(&svm_cxl_pools_mutex);
	svm_cxl_pool_set_state(pool, SVM_CXL_POOL_GONE);
	xa_erase(&svm_cxl_pools, pool->id);
	kobject_del(&pool->kobj);
	memunmap_pages(&pool->pgmap);
	svm_cxl_alloc_fini(pool);
	release_mem_region(start, length);
	pr_info("pool%u removed\n", pool->id);
	kobject_put(&pool->kobj);
	module_put(THIS_MODULE);
}

int svm_cxl_pool_remove(u32 id, unsigned int timeout_ms, u64 *evicted, u64 *busy)
{
	struct svm_cxl_pool *pool;
	int rc;

	mutex_lock(&svm_cxl_pools_mutex);
	pool = xa_load(&svm_cxl_pools, id);
	if (!pool) {
		pr_info("pool remove: no pool %u\n", id);
		rc = -ENOENT;
		goto out_unlock;
	}
	rc = svm_cxl_pool_drain(pool, timeout_ms ?: SVM_CXL_DRAIN_TIMEOUT_MS, evicted, busy);
	if (rc)
		goto out_unlock;
	svm_cxl_pool_unregister(pool);
out_unlock:
	mutex_unlock(&svm_cxl_pools_mutex);
	return rc;
}

/*
 * The safety net: the memory under pools is about to go. With @region, only the pools
 * inside that CXL region (its driver is being unbound: decommit, destroy or a target
 * departing); without, every pool inside a CXL window (a CXL memory device is losing
 * its driver, and we cannot tell without cxl_core internals which regions it
 * decodes). Those pools are drained and unregistered. Returns how many could not be
 * drained (their data is then at risk, and the log says so).
 */
int svm_cxl_pool_unplug(const char *region, const char *why)
{
	struct svm_cxl_pool *pool;
	unsigned long id;
	u64 evicted, busy;
	int failed = 0;

	mutex_lock(&svm_cxl_pools_mutex);
	xa_for_each(&svm_cxl_pools, id, pool) {
		if (!pool->in_cxl_window || (region && strcmp(region, pool->region)))
			continue;
		evicted = 0;
		busy = 0;
		if (svm_cxl_pool_drain(pool, 3 * SVM_CXL_DRAIN_TIMEOUT_MS, &evicted, &busy)) {
			pr_crit("pool%u: %s: %llu pages still busy after the drain; their data will be lost with the device\n",
				pool->id, why, busy);
			failed++;
			continue;
		}
		pr_warn("pool%u: %s: evicted %llu pages to system RAM, removing the pool\n",
			pool->id, why, evicted);
		svm_cxl_pool_unregister(pool);
	}
	mutex_unlock(&svm_cxl_pools_mutex);
	return failed;
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
