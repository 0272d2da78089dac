/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The few sysfs steps svm-cxld needs that libsvmcxl does not offer (yet): the name the
 * next region of a window will get, the release of DPA a crashed assembly left reserved
 * on an endpoint decoder, and binding a dax device back to device_dax. Paths are under
 * svm_get_root(), so a fake tree works as for the library.
 */
#ifndef SVMD_SYSFS_STEPS_H
#define SVMD_SYSFS_STEPS_H

#include <stddef.h>
#include <libsvmcxl.h>

/* "regionN" that writing create_ram_region of @root would create next. */
int svmd_next_region_name(struct svm_ctx *ctx, struct svm_root_decoder *root, char *buf,
			  size_t len);
/* Unbind dax device @dax from kmem (only sensible when none of its blocks is online). */
int svmd_dax_unbind_kmem(struct svm_ctx *ctx, const char *dax);
/* Bind dax device @dax to device_dax. */
int svmd_dax_bind_devdax(struct svm_ctx *ctx, const char *dax);

#endif
