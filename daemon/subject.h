/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the policy sees of a set of memdevs (policy.h): each device's serial, PCI
 * address, host bridge and class, and the set's size and region.
 *
 * Class: a CXL memory device's PCI class code is 0x050210 (memory controller, CXL, CXL
 * memory device: a type-3 expander). Anything else that exposes CXL.mem through a memdev
 * is device-attached memory of an accelerator (type 2). The class code is read from the
 * memdev's PCI device (sysfs, under svm_get_root()); a memdev without a readable one
 * (no PCI parent, as in cxl_test) counts as an expander.
 */
#ifndef SVMD_SUBJECT_H
#define SVMD_SUBJECT_H

#include <libsvmcxl.h>

#include "policy.h"

#define SVMD_PCI_CLASS_CXL_MEMDEV 0x050210

enum svm_policy_class svmd_memdev_class(struct svm_ctx *ctx, struct svm_memdev *m);
/* fill @s from memdevs (and the region, when there is one) */
void svmd_subject(struct svm_ctx *ctx, struct svm_memdev **mds, int nr, struct svm_region *r,
		  struct svm_policy_subject *s);

#endif
