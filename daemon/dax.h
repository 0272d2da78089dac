/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * dax device driver switches the daemon makes itself, through libdaxctl. A CXL region's
 * dax device carries IORESOURCE_DAX_KMEM, so device_dax matches it only after its id is
 * written to new_id; daxctl_dev_enable_devdax() does that (a plain bind fails with
 * ENODEV). libdaxctl reads the real /sys: these are not used over a fake tree.
 */
#ifndef SVMD_DAX_H
#define SVMD_DAX_H

#include <stddef.h>

/* Bind dax device @devname to device_dax, first releasing it from kmem if kmem holds it
 * with no block online. 0, or -errno with a sentence in @err. */
int svmd_dax_enable_devdax(const char *devname, char *err, size_t errlen);
/* Release @devname from its driver (kmem with no block online). 0 or -errno (@err). */
int svmd_dax_disable(const char *devname, char *err, size_t errlen);

#endif
