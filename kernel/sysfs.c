// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm_cxl: sysfs. Each pool is a kobject /sys/devices/virtual/misc/svm_cxl/pools/poolN
 * with its range, node, size, free, used and state, and a stats/ group of counters.
 * Documented in docs/ABI/testing/sysfs-devices-virtual-misc-svm_cxl.
 */
#include <linux/kobject.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "svm_cxl_internal.h"

static struct svm_cxl_pool *to_pool(struct kobject *kobj)
{
	return container_of(kobj, struct svm_cxl_pool, kobj);
}

static ssize_t start_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%#llx\n", (u64)to_pool(kobj)->pgmap.range.start);
}

/* A physical address: root only, as /proc/iomem shows addresses only to root. */
static struct kobj_attribute start_attr = __ATTR_RO_MODE(start, 0400);

/*
 * The CXL region holding the pool ("regionN", /sys/bus/cxl/devices/regionN): readable
 * by everyone, as the region's own sysfs directory is, so that any user can find a
 * region's pool without the root-only start. A name, not a symlink: the region device
 * may be deleted while a revoked pool still waits for its holders. Hidden on pools
 * outside every CXL region (allow_any_range test beds).
 */
static ssize_t region_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", to_pool(kobj)->region);
}

static struct kobj_attribute region_attr = __ATTR_RO(region);

static ssize_t size_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n", (u64)to_pool(kobj)->npages << PAGE_SHIFT);
}

static struct kobj_attribute size_attr = __ATTR_RO(size);

static ssize_t node_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", to_pool(kobj)->node);
}

static struct kobj_attribute node_attr = __ATTR_RO(node);

static ssize_t pages_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", to_pool(kobj)->npages);
}

static struct kobj_attribute pages_attr = __ATTR_RO(pages);

static ssize_t free_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", svm_cxl_pool_free_pages(to_pool(kobj)));
}

static struct kobj_attribute free_attr = __ATTR_RO(free);

static ssize_t used_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", svm_cxl_pool_used(to_pool(kobj)));
}

static struct kobj_attribute used_attr = __ATTR_RO(used);

static ssize_t retired_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%lu\n", svm_cxl_pool_retired(to_pool(kobj)));
}

static struct kobj_attribute retired_attr = __ATTR_RO(retired);

static ssize_t holders_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return svm_cxl_owners_show(to_pool(kobj), buf);
}

/* Pids and comms of other users: root only, as /proc/PID/maps of others is. */
static struct kobj_attribute holders_attr = __ATTR_RO_MODE(holders, 0400);

static ssize_t memmap_pages_show(struct kobject *kobj, struct kobj_attribute *attr,
				 char *buf)
{
	return sysfs_emit(buf, "%lu\n", to_pool(kobj)->memmap_pages);
}

static struct kobj_attribute memmap_pages_attr = __ATTR_RO(memmap_pages);

static ssize_t state_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	static const char * const names[] = {
		[SVM_CXL_POOL_ACTIVE] = "active",
		[SVM_CXL_POOL_DRAINING] = "draining",
		[SVM_CXL_POOL_GONE] = "gone",
		[SVM_CXL_POOL_REVOKED] = "revoked",
	};
	enum svm_cxl_pool_state state = svm_cxl_pool_state(to_pool(kobj));

	if (state < SVM_CXL_POOL_ACTIVE || state >= ARRAY_SIZE(names))
		return sysfs_emit(buf, "unknown\n");
	return sysfs_emit(buf, "%s\n", names[state]);
}

static struct kobj_attribute state_attr = __ATTR_RO(state);

static struct attribute *svm_cxl_pool_attrs[] = {
	&start_attr.attr,
	&region_attr.attr,
	&size_attr.attr,
	&node_attr.attr,
	&pages_attr.attr,
	&free_attr.attr,
	&used_attr.attr,
	&retired_attr.attr,
	&holders_attr.attr,
	&memmap_pages_attr.attr,
	&state_attr.attr,
	NULL,
};

static umode_t svm_cxl_pool_attr_visible(struct kobject *kobj, struct attribute *attr, int n)
{
	if (attr == &region_attr.attr && !to_pool(kobj)->region[0])
		return 0;
	return attr->mode;
}

static const struct attribute_group svm_cxl_pool_group = {
	.attrs = svm_cxl_pool_attrs,
	.is_visible = svm_cxl_pool_attr_visible,
};

#define SVM_CXL_STAT_ATTR(_name)						\
static ssize_t _name##_show(struct kobject *kobj, struct kobj_attribute *attr,	\
			    char *buf)						\
{										\
	return sysfs_emit(buf, "%lld\n",					\
			  atomic64_read(&to_pool(kobj)->stats._name));		\
}										\
static struct kobj_attribute _name##_attr = __ATTR_RO(_name)

SVM_CXL_STAT_ATTR(migrated_in);
SVM_CXL_STAT_ATTR(migrated_out);
SVM_CXL_STAT_ATTR(allocated_on_device);
SVM_CXL_STAT_ATTR(evicted);
SVM_CXL_STAT_ATTR(alloc_failures);
SVM_CXL_STAT_ATTR(busy_retries);
SVM_CXL_STAT_ATTR(poisoned);
SVM_CXL_STAT_ATTR(huge_in);
SVM_CXL_STAT_ATTR(huge_out);
SVM_CXL_STAT_ATTR(huge_fallback);
SVM_CXL_STAT_ATTR(peer_in);
SVM_CXL_STAT_ATTR(peer_out);

static struct attribute *svm_cxl_stats_attrs[] = {
	&migrated_in_attr.attr,
	&migrated_out_attr.attr,
	&allocated_on_device_attr.attr,
	&evicted_attr.attr,
	&alloc_failures_attr.attr,
	&busy_retries_attr.attr,
	&poisoned_attr.attr,
	&huge_in_attr.attr,
	&huge_out_attr.attr,
	&huge_fallback_attr.attr,
	&peer_in_attr.attr,
	&peer_out_attr.attr,
	NULL,
};

static const struct attribute_group svm_cxl_stats_group = {
	.name = "stats",
	.attrs = svm_cxl_stats_attrs,
};

static const struct attribute_group *svm_cxl_pool_groups[] = {
	&svm_cxl_pool_group,
	&svm_cxl_stats_group,
	NULL,
};

/* The last reference is gone; lookups may still be reading under RCU. */
static void svm_cxl_pool_release(struct kobject *kobj)
{
	struct svm_cxl_pool *pool = to_pool(kobj);

	kfree_rcu(pool, rcu);
}

const struct kobj_type svm_cxl_pool_ktype = {
	.release = svm_cxl_pool_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = svm_cxl_pool_groups,
};
