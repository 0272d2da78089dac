// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Ram region assembly and teardown. libcxl v77+ has cxl_decoder_create_ram_region() and
 * is used when the build found it; otherwise (v76) the kernel's sysfs ABI is driven
 * directly: create_ram_region, granularity, ways, endpoint decoder mode and DPA, size,
 * targets in interleave position order (position.c), commit, bind to cxl_region.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

#ifdef HAVE_CXL_DECODER_CREATE_RAM_REGION
#include <cxl/libcxl.h>
#endif

#define SZ_256M (256ULL << 20)

/* The window position of each memdev's host bridge; -1 if the window does not reach it. */
static int window_position(struct svm_root_decoder *d, struct svm_memdev *m)
{
	for (int i = 0; i < d->nr_targets; i++)
		if (!strcmp(d->targets[i], m->host_bridge))
			return i;
	return -1;
}

static bool window_fits(struct svm_root_decoder *d, struct svm_memdev **mds, int nr)
{
	if (!d->cap_ram)
		return false;
	for (int i = 0; i < nr; i++)
		if (window_position(d, mds[i]) < 0)
			return false;
	/* each host bridge of the window must get the same number of memdevs */
	if (d->ways > 1) {
		if (nr % d->ways)
			return false;
		for (int t = 0; t < d->nr_targets; t++) {
			int n = 0;

			for (int i = 0; i < nr; i++)
				n += window_position(d, mds[i]) == t;
			if (n != nr / (int)d->ways)
				return false;
		}
	}
	return true;
}

/* The first endpoint decoder of @m with no region and, if @reserved, DPA allocated. */
static int free_endpoint_decoder(struct svm_memdev *m, bool reserved, char *out, size_t len)
{
	struct svm_ctx *ctx = m->ctx;
	char p[PATH_MAX], buf[64];
	int port = atoi(m->endpoint + 8);

	for (int i = 0; i < 64; i++) {
		uint64_t dpa = 0;

		sysfs_path(ctx, p, sizeof(p), CXL_BUS "/devices/decoder%d.%d/region", port, i);
		if (sysfs_read(ctx, p, buf, sizeof(buf)))
			break;
		if (buf[0])
			continue;
		sysfs_path(ctx, p, sizeof(p), CXL_BUS "/devices/decoder%d.%d/dpa_size", port, i);
		sysfs_read_u64(ctx, p, &dpa);
		if (reserved != (dpa != 0))
			continue;
		snprintf(out, len, "decoder%d.%d", port, i);
		return 0;
	}
	return -ENOSPC;
}

static int wsys(struct svm_ctx *ctx, const char *obj, const char *attr, const char *val)
{
	char p[PATH_MAX];

	sysfs_path(ctx, p, sizeof(p), CXL_BUS "/devices/%s/%s", obj, attr);
	return sysfs_write(ctx, p, val);
}

static int wsys_u64(struct svm_ctx *ctx, const char *obj, const char *attr, uint64_t v)
{
	char val[32];

	snprintf(val, sizeof(val), "%llu", (unsigned long long)v);
	return wsys(ctx, obj, attr, val);
}

static int wait_dax(struct svm_ctx *ctx, const char *region, unsigned int ms)
{
	char p[PATH_MAX];
	uint64_t end = now_ms() + ms;

	do {
		sysfs_path(ctx, p, sizeof(p), CXL_BUS "/devices/%s/dax_region%s/", region,
			   region + 6);
		if (sysfs_exists(ctx, p)) {
			char dax[PATH_MAX];

			sysfs_path(ctx, dax, sizeof(dax),
				   CXL_BUS "/devices/%s/dax_region%s/dax%s.0", region, region + 6,
				   region + 6);
			if (sysfs_exists(ctx, dax))
				return 0;
		}
		usleep(20000);
	} while (now_ms() < end);
	return -ETIMEDOUT;
}

/*
 * With kmem loaded, a new CXL dax device is bound to kmem as it appears, and the kernel
 * onlines its memory per auto_online_blocks: ZONE_NORMAL with the default "online",
 * where it may never go offline again. create-region makes an offline region: the
 * caller holds auto_online_blocks at "offline" across the bind, and this hands the
 * device back from kmem, offlining first any block a udev rule onlined meanwhile. If
 * such a block cannot go offline the region stays (tearing it down under online memory
 * would leak that memory) and the error says so.
 */
static int release_from_kmem(struct svm_ctx *ctx, const char *region)
{
	char dax[32], p[PATH_MAX], drv[32] = "", st[32];
	uint64_t end = now_ms() + 1000, start = 0, size = 0, bs = svm_get_memblock_size(ctx);
	int rc;

	snprintf(dax, sizeof(dax), "dax%s.0", region + 6);
	sysfs_path(ctx, p, sizeof(p), DAX_BUS "/devices/%s/driver", dax);
	/* kmem binds while the device registers; give that a moment */
	while (sysfs_readlink_base(ctx, p, drv, sizeof(drv)) && now_ms() < end)
		usleep(20000);
	if (strcmp(drv, "kmem"))
		return 0;
	sysfs_path(ctx, p, sizeof(p), DAX_BUS "/devices/%s/resource", dax);
	sysfs_read_u64(ctx, p, &start);
	sysfs_path(ctx, p, sizeof(p), DAX_BUS "/devices/%s/size", dax);
	sysfs_read_u64(ctx, p, &size);
	for (uint64_t a = bs ? start / bs : 0; bs && a < (start + size) / bs; a++) {
		sysfs_path(ctx, p, sizeof(p), MEM_SYS "/memory%llu/state", (unsigned long long)a);
		if (sysfs_read(ctx, p, st, sizeof(st)) || strcmp(st, "online"))
			continue;
		rc = sysfs_write(ctx, p, "offline");
		if (rc)
			return svm_fail(ctx, -EBUSY,
					"%s: kmem took %s as it appeared and memory%llu was onlined by someone else (a udev rule?); it cannot be offlined (%s), so the region stays, online as numa: check 'svm-cxlctl list -r %s'",
					region, dax, (unsigned long long)a, strerror(-rc), region);
	}
	sysfs_path(ctx, p, sizeof(p), DAX_BUS "/drivers/kmem/unbind");
	rc = sysfs_write(ctx, p, dax);
	if (rc)
		return svm_fail(ctx, rc, "%s: kmem took %s as it appeared; unbinding it failed: %s",
				region, dax, strerror(-rc));
	svm_note(ctx, "%s: kmem took %s as it appeared; handed back, the region is offline",
		 region, dax);
	return 0;
}

/* auto_online_blocks held at "offline" while the region binds (see release_from_kmem) */
static int hold_auto_online(struct svm_ctx *ctx, char *prev, size_t len)
{
	const char *aob = svm_get_auto_online_blocks(ctx);
	char p[PATH_MAX];
	int rc;

	prev[0] = '\0';
	if (!aob || !strcmp(aob, "offline") || !svm_module_is_loaded(ctx, "kmem"))
		return 0;
	snprintf(prev, len, "%s", aob);
	sysfs_path(ctx, p, sizeof(p), MEM_SYS "/auto_online_blocks");
	rc = sysfs_write(ctx, p, "offline");
	if (rc) {
		prev[0] = '\0';
		return svm_fail(ctx, rc, "cannot set auto_online_blocks to offline: %s",
				strerror(-rc));
	}
	return 0;
}

static void restore_auto_online(struct svm_ctx *ctx, const char *prev)
{
	char p[PATH_MAX];

	if (!prev[0])
		return;
	sysfs_path(ctx, p, sizeof(p), MEM_SYS "/auto_online_blocks");
	if (sysfs_write(ctx, p, prev))
		svm_fail_append(ctx, "; auto_online_blocks could not be set back to %s", prev);
}

struct assembly {
	char region[32];
	char decoders[SVM_MAX_TARGETS][32];
	int nr_decoders;	/* DPA reserved on these */
	int nr_targets;		/* target0..N-1 set */
	bool created, committed, bound;
};

/* Undo a failed assembly in reverse; what cannot be undone is added to the error. */
static void undo_assembly(struct svm_ctx *ctx, struct svm_root_decoder *root,
			  struct assembly *a)
{
	char attr[32];
	int rc, failed = 0;

#define UNDO(call, fmt, ...) do { \
		rc = (call); \
		if (rc) { \
			svm_fail_append(ctx, "; rollback: " fmt " failed: %s", ##__VA_ARGS__, \
					strerror(-rc)); \
			failed++; \
		} \
	} while (0)
	if (a->bound)
		UNDO(wsys(ctx, "../drivers/cxl_region", "unbind", a->region), "unbinding %s",
		     a->region);
	if (a->committed)
		UNDO(wsys(ctx, a->region, "commit", "0"), "resetting %s's decoders", a->region);
	for (int i = a->nr_targets - 1; i >= 0; i--) {
		snprintf(attr, sizeof(attr), "target%d", i);
		UNDO(wsys(ctx, a->region, attr, ""), "clearing %s/%s", a->region, attr);
	}
	for (int i = a->nr_decoders - 1; i >= 0; i--)
		UNDO(wsys(ctx, a->decoders[i], "dpa_size", "0"), "releasing the DPA of %s",
		     a->decoders[i]);
	if (a->created)
		UNDO(wsys(ctx, root->name, "delete_region", a->region), "deleting %s", a->region);
#undef UNDO
	if (!failed)
		svm_fail_append(ctx, "; nothing was kept");
}

#ifdef HAVE_CXL_DECODER_CREATE_RAM_REGION
/* Ask libcxl for the new region (v77+); the remaining steps are the same ABI. */
static int libcxl_create_region(struct svm_ctx *ctx, struct svm_root_decoder *root,
				char *name, size_t len)
{
	struct cxl_ctx *cctx;
	struct cxl_decoder *dec;
	struct cxl_region *reg;
	int rc = 0;

	rc = cxl_new(&cctx);
	if (rc)
		return rc;
	dec = cxl_decoder_get_by_name(cctx, root->name);
	reg = dec ? cxl_decoder_create_ram_region(dec) : NULL;
	if (reg)
		snprintf(name, len, "%s", cxl_region_get_devname(reg));
	else
		rc = -ENXIO;
	cxl_unref(cctx);
	return rc;
}
#endif

static int sysfs_create_region(struct svm_ctx *ctx, struct svm_root_decoder *root,
			       char *name, size_t len)
{
	char p[PATH_MAX];
	int rc;

	sysfs_path(ctx, p, sizeof(p), CXL_BUS "/devices/%s/create_ram_region", root->name);
	rc = sysfs_read(ctx, p, name, len);
	if (rc)
		return rc;
	return sysfs_write(ctx, p, name);
}

SVM_EXPORT int svm_region_create(struct svm_ctx *ctx, struct svm_memdev **mds, int nr,
				 const struct svm_region_opts *user_opts, struct svm_region **out)
{
	struct svm_region_opts o;
	const struct svm_region_opts *opts = &o;
	struct svm_root_decoder *root;
	struct svm_memdev *ordered[SVM_MAX_TARGETS];
	struct assembly a = { 0 };
	char aob[32] = "";
	uint64_t per = UINT64_MAX, total;
	unsigned int gran;
	char attr[32];
	uint64_t t0 = now_ms();
	int rc;

	svm_clear_status(ctx);
	memset(&o, 0, sizeof(o));
	if (user_opts) {
		rc = svm_copy_opts(ctx, &o, sizeof(o), user_opts, SVM_REGION_OPTS_SIZE_V1,
				   "svm_region_opts");
		if (rc)
			return rc;
	}
	if (nr < 1 || nr > SVM_MAX_TARGETS)
		return svm_fail(ctx, -EINVAL, "a region needs 1 to %d memdevs, got %d",
				SVM_MAX_TARGETS, nr);
	for (int i = 0; i < nr; i++) {
		struct svm_region *used;

		for (int j = 0; j < i; j++)
			if (mds[j] == mds[i])
				return svm_fail(ctx, -EINVAL, "%s: named twice", mds[i]->name);
		if (!mds[i]->endpoint[0])
			return svm_fail(ctx, -ENODEV,
					"%s: no CXL endpoint port (is cxl_mem loaded and the link up?)",
					mds[i]->name);
		if (!mds[i]->ram_size)
			return svm_fail(ctx, -EINVAL, "%s: no volatile (ram) capacity",
					mds[i]->name);
		used = svm_memdev_get_region(mds[i]);
		if (used)
			return svm_fail(ctx, -EBUSY,
					"%s: already used by %s; destroy that region first (svm-cxlctl destroy-region %s)",
					mds[i]->name, used->name, used->name);
		if (mds[i]->ram_size < per)
			per = mds[i]->ram_size;
	}

	root = opts->root;
	if (root && !window_fits(root, mds, nr))
		return svm_fail(ctx, -EINVAL,
				"%s: this window (%u-way, ram %s) cannot map these %d memdev(s); check 'svm-cxlctl list -D'",
				root->name, root->ways, root->cap_ram ? "capable" : "incapable", nr);
	if (!root)
		svm_root_decoder_foreach(ctx, root)
			if (window_fits(root, mds, nr))
				break;
	if (!root)
		return svm_fail(ctx, -ENXIO,
				"no ram-capable CXL window maps the host bridge(s) of these %d memdev(s) with %d-way interleave; check the platform's CFMWS (svm-cxlctl doctor)",
				nr, nr);

	/* target order per the kernel's position rules (position.c) */
	rc = svm_order_targets(ctx, root, mds, nr, ordered);
	if (rc)
		return rc;
	if (opts->size) {
		if (opts->size % (SZ_256M * nr))
			return svm_fail(ctx, -EINVAL,
					"size %llu is not a multiple of 256 MiB x %d ways",
					(unsigned long long)opts->size, nr);
		if (opts->size / nr > per)
			return svm_fail(ctx, -ENOSPC,
					"size %llu exceeds the memdevs' capacity (%llu per device)",
					(unsigned long long)opts->size, (unsigned long long)per);
		per = opts->size / nr;
	}
	per -= per % SZ_256M;
	if (!per)
		return svm_fail(ctx, -ENOSPC, "the memdevs have less than 256 MiB of ram each");
	total = per * nr;
	gran = opts->granularity ? opts->granularity : root->granularity;
	if (!gran || (gran & (gran - 1)) || gran < 256 || gran > 16384)
		return svm_fail(ctx, -EINVAL, "granularity %u: must be a power of 2 in 256..16384",
				gran);
	if (nr > 1 && gran != root->granularity && root->ways > 1)
		return svm_fail(ctx, -EINVAL,
				"granularity %u: an interleaved region must use the window's granularity %u",
				gran, root->granularity);

	for (int i = 0; i < nr; i++)
		if (svm_memdev_get_orphan_dpa(ordered[i]))
			return svm_fail(ctx, -EBUSY,
					"%s: DPA is reserved by an endpoint decoder without a region (an interrupted assembly?); release it with 'svm-cxlctl destroy-region stale'",
					ordered[i]->name);
	for (int i = 0; i < nr; i++)
		if (free_endpoint_decoder(ordered[i], false, a.decoders[i], 32))
			return svm_fail(ctx, -ENOSPC,
					"%s: every endpoint decoder is in use; destroy stale regions (svm-cxlctl doctor)",
					ordered[i]->name);

#ifdef HAVE_CXL_DECODER_CREATE_RAM_REGION
	rc = libcxl_create_region(ctx, root, a.region, sizeof(a.region));
#else
	rc = sysfs_create_region(ctx, root, a.region, sizeof(a.region));
#endif
	if (rc) {
		svm_invalidate(ctx);
		return svm_fail(ctx, rc, "%s: cannot create a ram region: %s", root->name,
				strerror(-rc));
	}
	a.created = true;
	(void)sysfs_create_region;

#define STEP(call, fmt, ...) do { \
		rc = (call); \
		if (rc) { \
			svm_fail(ctx, rc, "%s: " fmt ": %s", a.region, \
				 ##__VA_ARGS__, strerror(-rc)); \
			goto undo; \
		} \
	} while (0)

	STEP(wsys_u64(ctx, a.region, "interleave_granularity", gran),
	     "setting interleave granularity %u", gran);
	STEP(wsys_u64(ctx, a.region, "interleave_ways", nr), "setting %d interleave ways", nr);
	for (int i = 0; i < nr; i++) {
		STEP(wsys(ctx, a.decoders[i], "mode", "ram"), "%s mode ram", a.decoders[i]);
		STEP(wsys_u64(ctx, a.decoders[i], "dpa_size", per), "%s (%s) reserving %llu bytes of DPA",
		     a.decoders[i], ordered[i]->name, (unsigned long long)per);
		a.nr_decoders = i + 1;
	}
	STEP(wsys_u64(ctx, a.region, "size", total), "setting size %llu (window %s full?)",
	     (unsigned long long)total, root->name);
	for (int i = 0; i < nr; i++) {
		snprintf(attr, sizeof(attr), "target%d", i);
		STEP(wsys(ctx, a.region, attr, a.decoders[i]), "target%d = %s (%s)", i,
		     a.decoders[i], ordered[i]->name);
		a.nr_targets = i + 1;
	}
	STEP(wsys(ctx, a.region, "commit", "1"), "commit");
	a.committed = true;
	rc = hold_auto_online(ctx, aob, sizeof(aob));
	if (rc)
		goto undo;
	STEP(wsys(ctx, "../drivers/cxl_region", "bind", a.region), "binding to cxl_region");
	a.bound = true;
	rc = wait_dax(ctx, a.region, 5000);
	if (rc) {
		svm_fail(ctx, rc, "%s: no dax device appeared (is dax_cxl loaded?)", a.region);
		goto undo;
	}
#undef STEP
	rc = release_from_kmem(ctx, a.region);
	restore_auto_online(ctx, aob);
	if (rc) {
		/* the region stays (see release_from_kmem) */
		svm_invalidate(ctx);
		return rc;
	}
	svm_note(ctx, "%s: created over %d memdev(s), %llu MiB, in %llu ms", a.region, nr,
		 (unsigned long long)(total >> 20), (unsigned long long)(now_ms() - t0));
	svm_invalidate(ctx);
	if (out)
		*out = svm_region_get_by_name(ctx, a.region);
	return 0;

undo:
	undo_assembly(ctx, root, &a);
	restore_auto_online(ctx, aob);
	svm_invalidate(ctx);
	return rc;
}

/* Tear down in reverse; keeps going past errors on stale parts. */
int region_sysfs_destroy(struct svm_region *r)
{
	struct svm_ctx *ctx = r->ctx;
	char attr[32], p[PATH_MAX], name[32], root[32];
	int rc, first = 0;
	int n = r->nr_targets;
	char decs[SVM_MAX_TARGETS][32];

	snprintf(name, sizeof(name), "%s", r->name);
	if (!r->root)
		return svm_fail(ctx, -ENXIO, "%s: no root decoder found above it", name);
	snprintf(root, sizeof(root), "%s", r->root->name);
	memcpy(decs, r->targets, sizeof(decs));
	if (r->enabled) {
		rc = wsys(ctx, "../drivers/cxl_region", "unbind", name);
		if (rc)
			return svm_fail(ctx, rc, "%s: cannot disable it: %s", name, strerror(-rc));
	}
	if (r->committed) {
		rc = wsys(ctx, name, "commit", "0");
		if (rc)
			return svm_fail(ctx, rc, "%s: cannot reset its decoders: %s", name,
					strerror(-rc));
	}
	for (int i = 0; i < n; i++) {
		if (!decs[i][0])
			continue;
		snprintf(attr, sizeof(attr), "target%d", i);
		wsys(ctx, name, attr, "");
		sysfs_path(ctx, p, sizeof(p), CXL_BUS "/devices/%s", decs[i]);
		if (sysfs_exists(ctx, p)) {
			rc = wsys(ctx, decs[i], "dpa_size", "0");
			if (rc && !first)
				first = rc;
		}
	}
	rc = wsys(ctx, root, "delete_region", name);
	if (rc)
		return svm_fail(ctx, rc, "%s: %s/delete_region failed: %s", name, root,
				strerror(-rc));
	if (first)
		svm_note(ctx, "%s: deleted, but releasing DPA failed: %s", name, strerror(-first));
	return 0;
}

SVM_EXPORT int svm_region_destroy(struct svm_region *r)
{
	struct svm_ctx *ctx = r->ctx;
	enum svm_mode mode;
	struct svm_dax *dax;
	char name[32];
	uint64_t t0 = now_ms();
	int rc;

	svm_clear_status(ctx);
	snprintf(name, sizeof(name), "%s", r->name);
	rc = svm_region_check_ram(r, "destroys");
	if (rc)
		return rc;
	mode = svm_region_get_mode(r);
	dax = svm_region_get_dax(r);
	if (mode == SVM_MODE_COHERENT || mode == SVM_MODE_NUMA ||
	    (mode == SVM_MODE_NUMA_PARTIAL && svm_dax_get_nr_online(dax)))
		return svm_fail(ctx, -EBUSY,
				"%s: online in %s mode; offline it first (svm-cxlctl offline %s)",
				name, svm_mode_name(mode), name);
	if (dax && dax->driver[0]) {
		char p[PATH_MAX];

		sysfs_path(ctx, p, sizeof(p), DAX_BUS "/drivers/%s/unbind", dax->driver);
		rc = sysfs_write(ctx, p, dax->name);
		if (rc)
			return svm_fail(ctx, rc, "%s: cannot unbind %s from %s: %s", name,
					dax->name, dax->driver, strerror(-rc));
	}
	rc = region_sysfs_destroy(r);
	svm_invalidate(ctx);
	if (!rc)
		svm_note(ctx, "%s: destroyed in %llu ms", name,
			 (unsigned long long)(now_ms() - t0));
	return rc;
}

/* endpoint decoders of @m with DPA and no region, highest id first */
static int orphan_decoders(struct svm_memdev *m, int ids[], int max, uint64_t *bytes)
{
	struct svm_ctx *ctx = m->ctx;
	char p[PATH_MAX], buf[64];
	int port, n = 0, last = -1;

	*bytes = 0;
	if (!m->endpoint[0])
		return 0;
	port = atoi(m->endpoint + 8);
	for (int i = 0; i < 64; i++) {
		sysfs_path(ctx, p, sizeof(p), CXL_BUS "/devices/decoder%d.%d/region", port, i);
		if (sysfs_read(ctx, p, buf, sizeof(buf)))
			break;
		last = i;
	}
	for (int i = last; i >= 0 && n < max; i--) {
		uint64_t dpa = 0;

		sysfs_path(ctx, p, sizeof(p), CXL_BUS "/devices/decoder%d.%d/region", port, i);
		if (sysfs_read(ctx, p, buf, sizeof(buf)) || buf[0])
			continue;
		sysfs_path(ctx, p, sizeof(p), CXL_BUS "/devices/decoder%d.%d/dpa_size", port, i);
		if (sysfs_read_u64(ctx, p, &dpa) || !dpa)
			continue;
		ids[n++] = i;
		*bytes += dpa;
	}
	return n;
}

SVM_EXPORT uint64_t svm_memdev_get_orphan_dpa(struct svm_memdev *m)
{
	uint64_t bytes;
	int ids[64];

	orphan_decoders(m, ids, 64, &bytes);
	return bytes;
}

SVM_EXPORT int svm_memdev_release_orphan_dpa(struct svm_memdev *m)
{
	struct svm_ctx *ctx = m->ctx;
	char dec[32], name[32];
	uint64_t bytes;
	int ids[64], n, rc, port;

	svm_clear_status(ctx);
	snprintf(name, sizeof(name), "%s", m->name);
	n = orphan_decoders(m, ids, 64, &bytes);
	if (!n)
		return 0;
	port = atoi(m->endpoint + 8);
	for (int i = 0; i < n; i++) {
		snprintf(dec, sizeof(dec), "decoder%d.%d", port, ids[i]);
		rc = wsys(ctx, dec, "dpa_size", "0");
		if (rc) {
			svm_invalidate(ctx);
			return svm_fail(ctx, rc, "%s: releasing the DPA of %s failed: %s", name, dec,
					strerror(-rc));
		}
		svm_note(ctx, "%s: released the DPA that %s held without a region", name, dec);
	}
	svm_invalidate(ctx);
	return 0;
}
