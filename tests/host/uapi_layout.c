// SPDX-License-Identifier: GPL-2.0-only
/*
 * The uapi structs must have one layout for every caller (32/64-bit, any compiler):
 * fixed-width fields, no implicit padding, sizes that are multiples of 8.
 * Layout is checked at compile time; the program also prints it for the log.
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

int main(void)
{
	printf("svm_cxl_version: %zu bytes\n", sizeof(struct svm_cxl_version));
	printf("svm_cxl_pool_add: %zu bytes\n", sizeof(struct svm_cxl_pool_add));
	printf("svm_cxl_pool_remove: %zu bytes\n", sizeof(struct svm_cxl_pool_remove));
	printf("svm_cxl_migrate: %zu bytes\n", sizeof(struct svm_cxl_migrate));
	printf("svm_cxl_query: %zu bytes\n", sizeof(struct svm_cxl_query));
	return 0;
}
