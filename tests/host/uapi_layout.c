// SPDX-License-Identifier: GPL-2.0-only
/*
 * The uapi structs must have one layout for every caller (32/64-bit, any compiler):
 * fixed-width fields, no implicit padding, sizes that are multiples of 8.
 * Layout is checked at compile time; the program also prints every field's offset and
 * size, which uapi-layout-i386 compares between an -m32 and the native build (the
 * module serves 32-bit callers through compat_ptr_ioctl, with no translation).
 */
#include <stddef.h>
#include <stdio.h>

#include <linux/svm_cxl.h>

#define ASSERT_LAYOUT(type, sz)                                                   \
	_Static_assert(sizeof(struct type) == (sz), #type " size changed: ABI break"); \
	_Static_assert(sizeof(struct type) % 8 == 0, #type " not padded to 8 bytes")

ASSERT_LAYOUT(svm_cxl_version, 32);
_Static_assert(offsetof(struct svm_cxl_version, size) == 0, "size must come first");
_Static_assert(offsetof(struct svm_cxl_version, flags) == 4, "flags must come second");
_Static_assert(offsetof(struct svm_cxl_version, reserved) == 16, "version layout");
ASSERT_LAYOUT(svm_cxl_pool_add, 48);
ASSERT_LAYOUT(svm_cxl_pool_remove, 48);
ASSERT_LAYOUT(svm_cxl_migrate, 128);
ASSERT_LAYOUT(svm_cxl_page_loc, 8);
ASSERT_LAYOUT(svm_cxl_query, 72);
_Static_assert(offsetof(struct svm_cxl_pool_add, start) == 8, "pool_add layout");
_Static_assert(offsetof(struct svm_cxl_pool_remove, evicted) == 16, "pool_remove layout");
_Static_assert(offsetof(struct svm_cxl_migrate, moved) == 32, "migrate layout");
_Static_assert(offsetof(struct svm_cxl_migrate, huge) == 96, "migrate layout (ABI 1.2: huge took reserved[0])");
_Static_assert(offsetof(struct svm_cxl_migrate, reserved) == 104, "migrate layout");
_Static_assert(offsetof(struct svm_cxl_query, locs) == 24, "query layout");
/* ABI 1.3 */
ASSERT_LAYOUT(svm_cxl_range, 16);
ASSERT_LAYOUT(svm_cxl_migrate_pid, 128);
_Static_assert(offsetof(struct svm_cxl_migrate_pid, ranges) == 24, "migrate_pid layout");
_Static_assert(offsetof(struct svm_cxl_migrate_pid, pages) == 32, "migrate_pid layout");
_Static_assert(offsetof(struct svm_cxl_migrate_pid, moved) == 40, "migrate_pid layout");
_Static_assert(offsetof(struct svm_cxl_migrate_pid, reserved) == 112, "migrate_pid layout");
/* ABI 1.4 */
ASSERT_LAYOUT(svm_cxl_usage, 72);
ASSERT_LAYOUT(svm_cxl_usage_entry, 24);
_Static_assert(offsetof(struct svm_cxl_usage, entries) == 16, "usage layout");
_Static_assert(offsetof(struct svm_cxl_usage, nr_found) == 24, "usage layout");
_Static_assert(offsetof(struct svm_cxl_usage, reserved) == 56, "usage layout");
_Static_assert(offsetof(struct svm_cxl_usage_entry, pages) == 16, "usage_entry layout");

/* offset and size of every field: the i386 and x86-64 builds must print the same */
#define FIELD(type, f)                                                                  \
	printf("%s.%s %zu %zu\n", #type, #f, offsetof(struct type, f),                  \
	       sizeof(((struct type *)0)->f))
#define SIZE(type) printf("%s %zu\n", #type, sizeof(struct type))

int main(void)
{
	printf("pointer %zu (not part of the ABI)\n", sizeof(void *));
	SIZE(svm_cxl_version);
	FIELD(svm_cxl_version, size);
	FIELD(svm_cxl_version, flags);
	FIELD(svm_cxl_version, abi_major);
	FIELD(svm_cxl_version, abi_minor);
	FIELD(svm_cxl_version, reserved);
	SIZE(svm_cxl_pool_add);
	FIELD(svm_cxl_pool_add, size);
	FIELD(svm_cxl_pool_add, flags);
	FIELD(svm_cxl_pool_add, start);
	FIELD(svm_cxl_pool_add, length);
	FIELD(svm_cxl_pool_add, pool_id);
	FIELD(svm_cxl_pool_add, node);
	FIELD(svm_cxl_pool_add, reserved);
	SIZE(svm_cxl_pool_remove);
	FIELD(svm_cxl_pool_remove, size);
	FIELD(svm_cxl_pool_remove, flags);
	FIELD(svm_cxl_pool_remove, pool_id);
	FIELD(svm_cxl_pool_remove, timeout_ms);
	FIELD(svm_cxl_pool_remove, evicted);
	FIELD(svm_cxl_pool_remove, busy);
	FIELD(svm_cxl_pool_remove, reserved);
	SIZE(svm_cxl_migrate);
	FIELD(svm_cxl_migrate, size);
	FIELD(svm_cxl_migrate, flags);
	FIELD(svm_cxl_migrate, addr);
	FIELD(svm_cxl_migrate, length);
	FIELD(svm_cxl_migrate, direction);
	FIELD(svm_cxl_migrate, pool_id);
	FIELD(svm_cxl_migrate, moved);
	FIELD(svm_cxl_migrate, zero_filled);
	FIELD(svm_cxl_migrate, already);
	FIELD(svm_cxl_migrate, absent);
	FIELD(svm_cxl_migrate, busy);
	FIELD(svm_cxl_migrate, no_memory);
	FIELD(svm_cxl_migrate, other_pool);
	FIELD(svm_cxl_migrate, unsupported);
	FIELD(svm_cxl_migrate, huge);
	FIELD(svm_cxl_migrate, reserved);
	SIZE(svm_cxl_page_loc);
	FIELD(svm_cxl_page_loc, where);
	FIELD(svm_cxl_page_loc, id);
	SIZE(svm_cxl_query);
	FIELD(svm_cxl_query, size);
	FIELD(svm_cxl_query, flags);
	FIELD(svm_cxl_query, addr);
	FIELD(svm_cxl_query, length);
	FIELD(svm_cxl_query, locs);
	FIELD(svm_cxl_query, n_none);
	FIELD(svm_cxl_query, n_system);
	FIELD(svm_cxl_query, n_pool);
	FIELD(svm_cxl_query, reserved);
	SIZE(svm_cxl_range);
	FIELD(svm_cxl_range, addr);
	FIELD(svm_cxl_range, length);
	SIZE(svm_cxl_migrate_pid);
	FIELD(svm_cxl_migrate_pid, size);
	FIELD(svm_cxl_migrate_pid, flags);
	FIELD(svm_cxl_migrate_pid, pidfd);
	FIELD(svm_cxl_migrate_pid, direction);
	FIELD(svm_cxl_migrate_pid, pool_id);
	FIELD(svm_cxl_migrate_pid, nr_ranges);
	FIELD(svm_cxl_migrate_pid, ranges);
	FIELD(svm_cxl_migrate_pid, pages);
	FIELD(svm_cxl_migrate_pid, moved);
	FIELD(svm_cxl_migrate_pid, zero_filled);
	FIELD(svm_cxl_migrate_pid, already);
	FIELD(svm_cxl_migrate_pid, absent);
	FIELD(svm_cxl_migrate_pid, busy);
	FIELD(svm_cxl_migrate_pid, no_memory);
	FIELD(svm_cxl_migrate_pid, other_pool);
	FIELD(svm_cxl_migrate_pid, unsupported);
	FIELD(svm_cxl_migrate_pid, huge);
	FIELD(svm_cxl_migrate_pid, reserved);
	SIZE(svm_cxl_usage);
	FIELD(svm_cxl_usage, size);
	FIELD(svm_cxl_usage, flags);
	FIELD(svm_cxl_usage, pool_id);
	FIELD(svm_cxl_usage, nr_entries);
	FIELD(svm_cxl_usage, entries);
	FIELD(svm_cxl_usage, nr_found);
	FIELD(svm_cxl_usage, pages);
	FIELD(svm_cxl_usage, user_pages);
	FIELD(svm_cxl_usage, user_limit);
	FIELD(svm_cxl_usage, reserved);
	SIZE(svm_cxl_usage_entry);
	FIELD(svm_cxl_usage_entry, pid);
	FIELD(svm_cxl_usage_entry, uid);
	FIELD(svm_cxl_usage_entry, pool_id);
	FIELD(svm_cxl_usage_entry, flags);
	FIELD(svm_cxl_usage_entry, pages);
	/* the ioctl numbers encode the struct size: one number for both callers */
	printf("SVM_CXL_IOC_VERSION %#lx\n", (unsigned long)SVM_CXL_IOC_VERSION);
	printf("SVM_CXL_IOC_POOL_ADD %#lx\n", (unsigned long)SVM_CXL_IOC_POOL_ADD);
	printf("SVM_CXL_IOC_POOL_REMOVE %#lx\n", (unsigned long)SVM_CXL_IOC_POOL_REMOVE);
	printf("SVM_CXL_IOC_MIGRATE %#lx\n", (unsigned long)SVM_CXL_IOC_MIGRATE);
	printf("SVM_CXL_IOC_QUERY %#lx\n", (unsigned long)SVM_CXL_IOC_QUERY);
	printf("SVM_CXL_IOC_MIGRATE_PID %#lx\n", (unsigned long)SVM_CXL_IOC_MIGRATE_PID);
	printf("SVM_CXL_IOC_USAGE %#lx\n", (unsigned long)SVM_CXL_IOC_USAGE);
	return 0;
}
