// SPDX-License-Identifier: GPL-2.0-only
/* dax device driver switches through libdaxctl. See dax.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <daxctl/libdaxctl.h>

#include "dax.h"

static struct daxctl_dev *find(struct daxctl_ctx *ctx, const char *devname)
{
	struct daxctl_region *region;
	struct daxctl_dev *dev;

	daxctl_region_foreach(ctx, region)
		daxctl_dev_foreach(region, dev)
			if (!strcmp(daxctl_dev_get_devname(dev), devname))
				return dev;
	return NULL;
}

static int with_dev(const char *devname, bool devdax, char *err, size_t errlen)
{
	struct daxctl_ctx *ctx;
	struct daxctl_dev *dev;
	int rc;

	rc = daxctl_new(&ctx);
	if (rc) {
		snprintf(err, errlen, "libdaxctl: %s", strerror(-rc));
		return rc;
	}
	dev = find(ctx, devname);
	if (!dev) {
		snprintf(err, errlen, "%s: libdaxctl does not see it", devname);
		rc = -ENODEV;
		goto out;
	}
	if (daxctl_dev_is_enabled(dev)) {
		/* only kmem with nothing online may be let go: online memory is in use */
		if (daxctl_dev_has_online_memory(dev) > 0) {
			snprintf(err, errlen, "%s has memory online; offline it first", devname);
			rc = -EBUSY;
			goto out;
		}
		rc = daxctl_dev_disable(dev);
		if (rc) {
			snprintf(err, errlen, "%s: cannot release it from its driver: %s", devname,
				 strerror(-rc));
			goto out;
		}
	}
	if (devdax) {
		rc = daxctl_dev_enable_devdax(dev);
		if (rc)
			snprintf(err, errlen, "%s: binding device_dax failed: %s", devname,
				 strerror(-rc));
	}
out:
	daxctl_unref(ctx);
	return rc;
}

int svmd_dax_enable_devdax(const char *devname, char *err, size_t errlen)
{
	return with_dev(devname, true, err, errlen);
}

int svmd_dax_disable(const char *devname, char *err, size_t errlen)
{
	return with_dev(devname, false, err, errlen);
}
