// SPDX-License-Identifier: GPL-2.0-only
/* sysfs steps the daemon needs beyond libsvmcxl. See sysfs-steps.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "sysfs-steps.h"

#define CXL_DEVS "sys/bus/cxl/devices"

static int read_attr(struct svm_ctx *ctx, const char *rel, char *buf, size_t len)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", svm_get_root(ctx), rel);
	return svmd_read_value(p, buf, len);
}

int svmd_next_region_name(struct svm_ctx *ctx, struct svm_root_decoder *root, char *buf,
			  size_t len)
{
	char rel[256];

	snprintf(rel, sizeof(rel), CXL_DEVS "/%s/create_ram_region",
		 svm_root_decoder_get_name(root));
	return read_attr(ctx, rel, buf, len);
}
