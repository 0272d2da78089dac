// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm_cxl: the hot-unplug safety net. When a CXL memory device (PCI class 0x050210)
 * is about to lose its driver (device_del, surprise removal, a manual unbind, rmmod
 * cxl_pci), the CXL core tears its regions down right after, whatever is mapped
 * there. BUS_NOTIFY_UNBIND_DRIVER comes before that teardown: evict the pools then.
 * Module exit would be too late, and an orderly pool remove is still the normal path.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/notifier.h>
#include <linux/pci.h>

#include "svm_cxl_internal.h"

#define SVM_CXL_PCI_CLASS_CXL_MEM	((PCI_CLASS_MEMORY_CXL << 8) | 0x10)

static int svm_cxl_pci_notify(struct notifier_block *nb, unsigned long action, void *data)
{
	struct device *dev = data;
	struct pci_dev *pdev = to_pci_dev(dev);
	char why[64];

	if (action != BUS_NOTIFY_UNBIND_DRIVER || pdev->class != SVM_CXL_PCI_CLASS_CXL_MEM)
		return NOTIFY_DONE;
	snprintf(why, sizeof(why), "CXL device %s is being unbound", pci_name(pdev));
	svm_cxl_pool_unplug_all(why);
	return NOTIFY_OK;
}

static struct notifier_block svm_cxl_pci_nb = {
	.notifier_call = svm_cxl_pci_notify,
};

int svm_cxl_unplug_init(void)
{
	return bus_register_notifier(&pci_bus_type, &svm_cxl_pci_nb);
}

void svm_cxl_unplug_exit(void)
{
	bus_unregister_notifier(&pci_bus_type, &svm_cxl_pci_nb);
}
