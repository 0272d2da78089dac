// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm_cxl: the hot-unplug safety nets. Whatever is mapped in a CXL region, the CXL
 * core tears the region down when it is told to or when a device under it goes. The
 * pages must leave while the memory is still decoded, and the only hooks a module has
 * are the bus notifiers' BUS_NOTIFY_UNBIND_DRIVER, sent before a driver's remove and
 * before any of its devres is released (drivers/base/dd.c, __device_release_driver()):
 *
 *  - a CXL memory device (PCI class 0x050210) loses cxl_pci (device_del or the
 *    attention button, a manual unbind, rmmod cxl_pci);
 *  - on the CXL bus, a memdev loses cxl_mem ("memN": cxl disable-memdev, unbind), or
 *    a port loses cxl_port ("endpointN", "portN"). Their HDM decoders are devres of
 *    that driver, and the endpoint decoders' release, cxld_unregister() ->
 *    cxl_decoder_kill_region() -> cxl_region_detach(), resets the region's decoders
 *    *before* it releases the region's driver (6.12 drivers/cxl/core/region.c:2080
 *    and :2113). The region notifier below would run on memory no longer decoded.
 *    Which regions such a device decodes is not visible outside cxl_core, so these
 *    events, like the PCI one, drain every pool inside a CXL window.
 *  - a region loses cxl_region ("regionN": cxl disable-region, unbind, commit=0,
 *    delete_region): commit_store() and region deletion release the driver before
 *    they reset the decoders, so only the pools inside that region are drained.
 *
 * Between UNBIND_DRIVER and UNBOUND_DRIVER of any of these, a teardown is in progress
 * (svm_cxl_teardown_begin()) and no pool is added inside a CXL window, so nothing is
 * re-added on the memory about to go. Surprise removal (the link goes down first)
 * cannot be made lossless: the memory is gone before any notifier runs.
 *
 * Module exit would be too late; an orderly pool remove is still the normal path.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/pci.h>

#include "svm_cxl_internal.h"

/*
 * Declared in drivers/cxl/cxl.h, which the kernel headers package does not ship. We only
 * pass it where a const bus_type is taken.
 */
extern const struct bus_type cxl_bus_type;
MODULE_IMPORT_NS("CXL");

#define SVM_CXL_PCI_CLASS_CXL_MEM	((PCI_CLASS_MEMORY_CXL << 8) | 0x10)

/* Drain for an UNBIND_DRIVER, close the teardown window at UNBOUND_DRIVER. */
static int svm_cxl_unbind_event(unsigned long action, struct device *dev,
				struct device *region_dev, const char *why)
{
	switch (action) {
	case BUS_NOTIFY_UNBIND_DRIVER:
		svm_cxl_teardown_begin();
		svm_cxl_pool_unplug(region_dev, why);
		/* numa-mode memory: userspace offlines it (numa_unplug.c) */
		svm_cxl_numa_unplug(dev);
		return NOTIFY_OK;
	case BUS_NOTIFY_UNBOUND_DRIVER:
		svm_cxl_teardown_end();
		return NOTIFY_OK;
	default:
		return NOTIFY_DONE;
	}
}

static int svm_cxl_pci_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	struct device *dev = data;
	struct pci_dev *pdev = to_pci_dev(dev);
	char why[64];

	if (pdev->class != SVM_CXL_PCI_CLASS_CXL_MEM)
		return NOTIFY_DONE;
	snprintf(why, sizeof(why), "CXL device %s is being unbound", pci_name(pdev));
	return svm_cxl_unbind_event(action, dev, NULL, why);
}

static struct notifier_block svm_cxl_pci_nb = {
	.notifier_call = svm_cxl_pci_notify,
};

static bool svm_cxl_name_is(struct device *dev, const char *prefix)
{
	return !strncmp(dev_name(dev), prefix, strlen(prefix));
}

static int svm_cxl_cxl_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	struct device *dev = data;
	char why[64];

	if (svm_cxl_name_is(dev, "region")) {
		snprintf(why, sizeof(why), "CXL %s is being unbound", dev_name(dev));
		return svm_cxl_unbind_event(action, dev, dev, why);
	}
	if (svm_cxl_name_is(dev, "mem") || svm_cxl_name_is(dev, "endpoint") ||
	    svm_cxl_name_is(dev, "port")) {
		snprintf(why, sizeof(why), "CXL %s is being unbound", dev_name(dev));
		return svm_cxl_unbind_event(action, dev, NULL, why);
	}
	return NOTIFY_DONE;
}

static struct notifier_block svm_cxl_cxl_nb = {
	.notifier_call = svm_cxl_cxl_notify,
};

int svm_cxl_unplug_init(void)
{
	int rc;

	rc = bus_register_notifier(&pci_bus_type, &svm_cxl_pci_nb);
	if (rc)
		return rc;
	rc = bus_register_notifier(&cxl_bus_type, &svm_cxl_cxl_nb);
	if (rc)
		goto err_unregister_pci;
	return 0;

err_unregister_pci:
	bus_unregister_notifier(&pci_bus_type, &svm_cxl_pci_nb);
	return rc;
}

void svm_cxl_unplug_exit(void)
{
	bus_unregister_notifier(&cxl_bus_type, &svm_cxl_cxl_nb);
	bus_unregister_notifier(&pci_bus_type, &svm_cxl_pci_nb);
}
