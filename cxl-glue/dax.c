// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * dax device driver changes through libdaxctl, as daxctl reconfigure-device does them:
 * daxctl_dev_disable() takes the device's id out of its driver's id table (remove_id)
 * and unbinds it; daxctl_dev_enable_ram()/_devdax() load the driver honouring the
 * modprobe.d blacklist, add the id (new_id, which CXL dax devices need: they carry
 * IORESOURCE_DAX_KMEM and match no driver by default) and bind. Each checks the result.
 * A call opens its own libdaxctl context: it caches what it read (a device's driver
 * among it), and the model re-reads a region's dax device when it is refreshed. The
 * model's dax attributes (start, size, target node) come from here too.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <daxctl/libdaxctl.h>

#include "private.h"

static void log_daxctl(struct daxctl_ctx *dctx, int prio, const char *file, int line,
		       const char *fn, const char *fmt, va_list ap)
{
	svm_log_lib(daxctl_get_userdata(dctx), "libdaxctl", prio, file, line, fn, fmt, ap);
}

enum dax_op { DAX_DISABLE, DAX_ENABLE_RAM, DAX_ENABLE_DEVDAX, DAX_READ };

struct dax_attrs {
	uint64_t start, size;
	int node;
};

static int dax_do(struct svm_ctx *ctx, const char *name, enum dax_op op, struct dax_attrs *a)
{
	struct daxctl_region *region;
	struct daxctl_dev *dev, *found = NULL;
	struct daxctl_ctx *dctx;
	int rc = daxctl_new(&dctx);

	if (rc)
		return rc;
	daxctl_set_userdata(dctx, ctx);
	daxctl_set_log_fn(dctx, log_daxctl);
	daxctl_set_log_priority(dctx, svm_lib_log_priority(ctx, "DAXCTL_LOG",
							    daxctl_get_log_priority(dctx)));
	daxctl_region_foreach(dctx, region)
		daxctl_dev_foreach(region, dev)
			if (!strcmp(daxctl_dev_get_devname(dev), name))
				found = dev;
	if (!found) {
		rc = -ENODEV;
	} else if (op == DAX_READ) {
		/* 0: no resource attribute and no /proc/iomem line (the caller falls back) */
		a->start = daxctl_dev_get_resource(found);
		a->size = daxctl_dev_get_size(found);
		a->node = daxctl_dev_get_target_node(found);
		rc = 0;
	} else if (op == DAX_DISABLE) {
		rc = daxctl_dev_disable(found);
	} else if (op == DAX_ENABLE_RAM) {
		rc = daxctl_dev_enable_ram(found);
	} else {
		rc = daxctl_dev_enable_devdax(found);
	}
	if (op != DAX_READ)
		dbg(ctx, "%s: %s: %d\n", name, op == DAX_DISABLE ? "disable" :
		    op == DAX_ENABLE_RAM ? "enable ram" : "enable devdax", rc);
	daxctl_unref(dctx);
	return rc;
}

/*
 * @dax's physical start, size and target node (-1: none) as libdaxctl reads them.
 * -ENODEV when libdaxctl does not list it (gone, or not registered yet).
 */
int svm_dax_read_attrs(struct svm_ctx *ctx, const char *dax, uint64_t *start, uint64_t *size,
		       int *node)
{
	struct dax_attrs a;
	int rc = dax_do(ctx, dax, DAX_READ, &a);

	if (rc)
		return rc;
	*start = a.start;
	*size = a.size;
	*node = a.node;
	return 0;
}

int svm_dax_disable(struct svm_ctx *ctx, const char *dax)
{
	return dax_do(ctx, dax, DAX_DISABLE, NULL);
}

int svm_dax_enable_ram(struct svm_ctx *ctx, const char *dax)
{
	return dax_do(ctx, dax, DAX_ENABLE_RAM, NULL);
}

int svm_dax_enable_devdax(struct svm_ctx *ctx, const char *dax)
{
	return dax_do(ctx, dax, DAX_ENABLE_DEVDAX, NULL);
}

/* Give @dax back to the driver it had (@driver: kmem, device_dax or ""). */
int svm_dax_enable_as(struct svm_ctx *ctx, const char *dax, const char *driver)
{
	if (!strcmp(driver, "kmem"))
		return svm_dax_enable_ram(ctx, dax);
	if (!strcmp(driver, "device_dax"))
		return svm_dax_enable_devdax(ctx, dax);
	return 0;
}
