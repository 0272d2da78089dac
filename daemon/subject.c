// SPDX-License-Identifier: GPL-2.0-only
/* What the policy sees of memdevs. See subject.h. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "subject.h"

enum svm_policy_class svmd_memdev_class(struct svm_ctx *ctx, struct svm_memdev *m)
{
	char p[PATH_MAX], buf[32];
	unsigned long code;
	char *end;

	/* the memdev's parent is its PCI device */
	snprintf(p, sizeof(p), "%s/sys/bus/cxl/devices/%s/../class", svm_get_root(ctx),
		 svm_memdev_get_name(m));
	if (svmd_read_value(p, buf, sizeof(buf)))
		return SVM_POLICY_CLASS_EXPANDER;
	code = strtoul(buf, &end, 16);
	if (end == buf)
		return SVM_POLICY_CLASS_EXPANDER;
	return code == SVMD_PCI_CLASS_CXL_MEMDEV ? SVM_POLICY_CLASS_EXPANDER :
						   SVM_POLICY_CLASS_ACCELERATOR;
}

void svmd_subject(struct svm_ctx *ctx, struct svm_memdev **mds, int nr, struct svm_region *r,
		  struct svm_policy_subject *s)
{
	memset(s, 0, sizeof(*s));
	s->class = SVM_POLICY_CLASS_EXPANDER;
	for (int i = 0; i < nr && i < SVM_POLICY_MAX_DEVICES; i++) {
		struct svm_policy_device *d = &s->devices[s->nr_devices++];

		d->has_serial = true;
		d->serial = svm_memdev_get_serial(mds[i]);
		d->pci = svm_memdev_get_host(mds[i]);
		d->host_bridge = svm_memdev_get_host_bridge(mds[i]);
		d->class = svmd_memdev_class(ctx, mds[i]);
		if (d->class == SVM_POLICY_CLASS_ACCELERATOR)
			s->class = SVM_POLICY_CLASS_ACCELERATOR;
		s->size += svm_memdev_get_ram_size(mds[i]);
	}
	if (r) {
		s->region = svm_region_get_name(r);
		if (svm_region_get_size(r))
			s->size = svm_region_get_size(r);
	}
}
