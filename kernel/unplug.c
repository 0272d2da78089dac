// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm_cxl: the hot-unplug safety nets. Whatever is mapped in a CXL region, the CXL
 * core tears the region down when it is told to or when a device under it goes:
 *
 *  - a CXL memory device (PCI class 0x050210) loses its driver (device_del, surprise
 *    removal, a manual unbind, rmmod cxl_pci): BUS_NOTIFY_UNBIND_DRIVER on the PCI bus
 *    comes before the CXL core's teardown. Which regions the device decodes is not
 *    visible outside cxl_core, so every pool inside a CXL window is evicted.
 *  - a region loses its driver (unbind, decommit, destroy, a target departing):
 *    BUS_NOTIFY_UNBIND_DRIVER on the CXL bus for "regionN" comes before the decoders
 *    are reset. Only the pools inside that region are evicted.
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

static int svm_cxl_pci_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	struct device *dev = data;
	struct pci_dev *pdev = to_pci_dev(dev);
	char why[64];

	if (action != BUS_NOTIFY_UNBIND_DRIVER || pdev->class != SVM_CXL_PCI_CLASS_CXL_MEM)
		return NOTIFY_DONE;
	snprintf(why, sizeof(why), "CXL device %s is being unbound", pci_name(pdev));
	svm_cxl_pool_unplug(NULL, why);
	return NOTIFY_OK;
}

static struct notifier_block svm_cxl_pci_nb = {
	.notifier_call = svm_cxl_pci_notify,
};

static int svm_cxl_region_notify(struct notifier_block *nb, unsigned long action,
				 void *data)
{
	struct device *dev = data;
	char why[64];

	if (action != BUS_NOTIFY_UNBIND_DRIVER || strncmp(dev_name(dev), "region", 6))
		return NOTIFY_DONE;
	snprintf(why, sizeof(why), "CXL %s is being unbound", dev_name(dev));
	svm_cxl_pool_unplug(dev_name(dev), why);
	return NOTIFY_OK;
}

static struct notifier_block svm_cxl_region_nb = {
	.notifier_call = svm_cxl_region_notify,
};

int svm_cxl_unplug_init(void)
{
	int rc;

	rc = bus_register_notifier(&pci_bus_type, &svm_cxl_pci_nb);
	if (rc)
		return rc;
	rc = bus_register_notifier(&cxl_bus_type, &svm_cxl_region_nb);
	if (rc)
		goto err_unregister_pci;
	return 0;

err_unregister_pci:
	bus_unregister_notifier(&pci_bus_type, &svm_cxl_pci_nb);
	return rc;
}

void svm_cxl_unplug_exit(void)
{
	bus_unregister_notifier(&cxl_bus_type, &svm_cxl_region_nb);
	bus_unregister_notifier(&pci_bus_type, &svm_cxl_pci_nb);
}
