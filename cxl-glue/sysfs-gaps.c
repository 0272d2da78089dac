// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Every sysfs access the userspace still makes itself, and why. CXL objects go through
 * libcxl (libcxl.c, model.c, position.c, region.c), dax driver changes through
 * libdaxctl (dax.c); the four CXL gaps are the functions of this file. The rest are
 * not CXL objects and are read and written where they are used (file in brackets),
 * each with what libdaxctl (v76 and v81 have the same calls here) offers for it.
 *
 * CXL (this file)
 *  decoderX.Y/create_ram_region r,w   libcxl v76 has no call; v77+ has
 *                                     cxl_decoder_create_ram_region() (used there)
 *  regionN/mode r                     libcxl v76 has no call; v77+ has
 *                                     cxl_region_get_mode() (used there)
 *  realpath(bus/cxl/devices/memN)     the host bridge of a memdev cxl_mem has not bound:
 *                                     without an endpoint libcxl has no port path for it
 *  stat(bus/cxl/devices/regionN)      which instance of regionN this is (its kernfs node
 *    .st_ino                          id, never reused during a boot): ram regions have
 *                                     no uuid, and libcxl no other identity
 *
 * dax devices, memory blocks, knobs
 *  regionN/dax_regionN/daxN.M ls  [model.c, region.c]   region -> dax device. libcxl v77+
 *    cxl_region_get_daxctl_region(); v76 none (libdaxctl regions by resource would do)
 *  bus/dax/devices/D/driver readlink  [model.c, mode.c, region.c]   the driver's name
 *    (kmem, device_dax, none): libdaxctl (v76, v81) has no getter for it, only
 *    daxctl_dev_is_enabled(). A device's resource, size and target_node are libdaxctl's
 *    (svm_dax_read_attrs, dax.c)
 *  devices/system/memory/memoryN/{state,valid_zones} r  [model.c, mode.c]   per block
 *    (svm_memblock, and the zone check of every block): libdaxctl has only whole-device
 *    calls (daxctl_memory_is_online, _is_movable)
 *  devices/system/memory/memoryN/state w  [mode.c, region.c]   onlining block by block
 *    with a rollback of exactly the blocks onlined here, and offlining with a deadline
 *    (the kernel retries migration until a signal): daxctl_memory_online/_offline do a
 *    whole device and have neither
 *  devices/system/memory/{auto_online_blocks r,w, block_size_bytes r}  [model.c,
 *    mode.c, region.c]   the value is saved and restored: libdaxctl only answers
 *    daxctl_dev_will_auto_online_memory(); the block size without a device
 *  devices/virtual/memory_tiering/memory_tierN/nodelist r  [model.c]   no library
 *    (libnuma 2.0.16 and 2.0.19 know no memory tiers). A node's MemTotal/MemFree are
 *    libnuma's numa_node_size64(), a module's state libkmod's kmod_module_get_initstate()
 *  devices/virtual/misc/svm_cxl/pools/poolN/... and stat(poolN).st_ino  [coherent.c]
 *    svm_cxl.ko's own ABI (the inode tells a re-added pool of the same id apart)
 *
 * Outside cxl-glue (svm-cxld, svm-cxlctl), each with no library call on either lane:
 *  decoderX.Y/create_ram_region r  [daemon/sysfs-steps.c]   the name the next region
 *    will get, journaled before it is created: libcxl (v76, v81) creates, never peeks
 *  devices/system/memory/auto_online_blocks r,w  [daemon/knob.c]   journaled and
 *    restored, as above
 *  bus/cxl/devices/memN/../class, bus/pci/devices/BDF  [daemon/subject.c,
 *    daemon/engine-requests.c]   a memdev's PCI class code and PCI parentage: libcxl
 *    has no PCI getters (libudev would need a udev database the host tests lack)
 *  class/misc/svm_cxl  [daemon/offline-request.c]   svm_cxl.ko's own ABI; and
 *    realpath(bus/cxl/devices/endpointN): whether the port the kernel's request names
 *    is above a memdev (libcxl's cxl_port_get_parent() walk would do: not ported)
 *  kernel/mm/numa/demotion_enabled r  [cli/isolate.c, cli/doctor.c]   libnuma has none
 *  devices/virtual/misc/svm_cxl/pools  [cli/top.c]   svm_cxl.ko's own ABI
 *  fs/cgroup/...  [daemon/cgroupfs.c, daemon/cpuset.c]   cgroup v2's files
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "private.h"

int svm_gap_region_type(struct cxl_region *r, char *buf, size_t len)
{
#ifdef HAVE_CXL_REGION_GET_MODE
	enum cxl_decoder_mode mode = cxl_region_get_mode(r);

	snprintf(buf, len, "%s", mode == CXL_DECODER_MODE_RAM ? "ram" :
		 mode == CXL_DECODER_MODE_PMEM ? "pmem" : "unknown");
	return 0;
#else
	struct svm_ctx *ctx = cxl_get_userdata(cxl_region_get_ctx(r));
	char p[PATH_MAX];

	sysfs_path(ctx, p, sizeof(p), CXL_BUS "/devices/%s/mode", cxl_region_get_devname(r));
	return sysfs_read(ctx, p, buf, len);
#endif
}

#ifndef HAVE_CXL_DECODER_CREATE_RAM_REGION
/* The kernel offers the next name on read and creates the region when it is written. */
int svm_gap_create_ram_region(struct svm_ctx *ctx, const char *root, char *name, size_t len)
{
	char p[PATH_MAX];
	int rc;

	sysfs_path(ctx, p, sizeof(p), CXL_BUS "/devices/%s/create_ram_region", root);
	rc = sysfs_read(ctx, p, name, len);
	if (rc)
		return rc;
	return sysfs_write(ctx, p, name);
}
#endif

void svm_gap_host_bridge(struct svm_ctx *ctx, const char *memdev, char *buf, size_t len)
{
	char p[PATH_MAX], real[PATH_MAX], *s, *save;

	buf[0] = '\0';
	sysfs_path(ctx, p, sizeof(p), CXL_BUS "/devices/%s", memdev);
	if (!realpath(p, real))
		return;
	/* the first "pciDDDD:BB" component is the host bridge */
	for (s = strtok_r(real, "/", &save); s; s = strtok_r(NULL, "/", &save))
		if (!strncmp(s, "pci", 3) && strchr(s, ':')) {
			snprintf(buf, len, "%s", s);
			return;
		}
}

/*
 * kernfs numbers its nodes cyclically and on 64-bit folds a generation into the inode
 * number: a node created after another never gets its number during the same boot. So
 * a region destroyed and created again under its old name reads differently here.
 */
uint64_t svm_gap_region_instance(struct svm_ctx *ctx, const char *region)
{
	char p[PATH_MAX];
	struct stat st;

	sysfs_path(ctx, p, sizeof(p), CXL_BUS "/devices/%s", region);
	return stat(p, &st) ? 0 : (uint64_t)st.st_ino;
}
