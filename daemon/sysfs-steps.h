/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The sysfs step svm-cxld needs that neither libsvmcxl nor libcxl v76 offers: the name
 * the next region of a window will get (journaled before assembly). Paths are under
 * svm_get_root(), so a fake tree works as for the library.
 */
#ifndef SVMD_SYSFS_STEPS_H
#define SVMD_SYSFS_STEPS_H

#include <stddef.h>
#include <libsvmcxl.h>

/* "regionN" that writing create_ram_region of @root would create next. */
int svmd_next_region_name(struct svm_ctx *ctx, struct svm_root_decoder *root, char *buf,
			  size_t len);

#endif
