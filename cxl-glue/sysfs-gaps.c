// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The CXL accesses libcxl does not offer on every supported version, done on sysfs.
 * Everything else about memdevs, ports, decoders and regions goes through libcxl
 * (libcxl.c, model.c, position.c, region.c).
 *
 *  access                                  why                        libcxl with a call
 *  --------------------------------------  -------------------------  ------------------
 *  decoderX.Y/create_ram_region (r, w)     no call in v76 (Debian 12)  v77+:
 *                                                                      cxl_decoder_create_ram_region()
 *  regionN/mode (r)                        no call in v76              v77+: cxl_region_get_mode()
 *  realpath(/sys/bus/cxl/devices/memN)     a memdev without an         none: libcxl knows a
 *    -> its pciDDDD:BB component           endpoint (cxl_mem unbound)  host bridge only as a port
 *                                          has no port in libcxl's
 *                                          tree
 *
 * The dax, memory-block, node and svm_cxl pool accesses (model.c read_dax/read_blocks,
 * mode.c, coherent.c) are not CXL objects; the table of those is in docs/architecture.md
 * ("sysfs the library reads and writes").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
