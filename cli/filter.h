/* SPDX-License-Identifier: GPL-2.0-only */
/* list's object filters, as cxl/filter.c has them: each object type is filtered by its
 * own filter and by every other one that relates to it (-m mem0 -R: mem0's regions). */
#ifndef _SVM_CXLCTL_FILTER_H_
#define _SVM_CXLCTL_FILTER_H_

#include <stdbool.h>
#include <libsvmcxl.h>

/* A filter is NULL (none) or space/comma separated words; each kind takes "all", the
 * kernel name, or a number (see filter_check()). */
struct list_filter {
	struct svm_ctx *ctx;
	const char *memdev;	/* memN, N, PCI address (host) */
	const char *serial;	/* decimal or 0x hex */
	const char *region;	/* regionN, N */
	const char *decoder;	/* decoderX.Y, X.Y, root, switch, endpoint */
};

enum filter_kind { FILTER_MEMDEV, FILTER_SERIAL, FILTER_REGION, FILTER_DECODER };

/* NULL if every word of @value is valid for @kind, else the first bad word ("" when
 * @value has no word at all) */
const char *filter_check(enum filter_kind kind, const char *value, char *bad, size_t len);

bool filter_memdev(struct svm_memdev *m, const struct list_filter *f);
bool filter_region(struct svm_region *r, const struct list_filter *f);
bool filter_decoder(struct svm_root_decoder *d, const struct list_filter *f);
bool filter_dax(struct svm_dax *d, const struct list_filter *f);
bool filter_pool(struct svm_pool *p, const struct list_filter *f);

#endif
