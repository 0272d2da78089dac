/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Attention-button removal requests. A PCIe hot-plug slot's attention button (QEMU's
 * device_del) gives 5 s before pciehp powers the slot off, and it sends no uevent for
 * the press: the only trace is the kernel log line
 *   "pcieport 0000:0c:01.0: pciehp: Slot(3): Button press: will power off in 5 sec".
 * svm-cxld reads /dev/kmsg for it and offlines the NUMA-mode memory of the memdevs
 * under that port inside the window (coherent pools are evicted by svm_cxl.ko's unbind
 * notifier). This file only parses; the daemon acts.
 */
#ifndef SVMD_BUTTON_H
#define SVMD_BUTTON_H

#include <stdbool.h>
#include <stddef.h>

/* Open /dev/kmsg positioned at its end (non-blocking). fd or -errno. */
int svmd_kmsg_open(void);
/* Parse one /dev/kmsg record; true and the port's BDF when it is a button press that
 * will power a slot off. */
bool svmd_parse_button_press(const char *record, char *port, size_t len);

#endif
