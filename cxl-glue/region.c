// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Ram region assembly and teardown through libcxl, the steps cxl create-region and cxl
 * destroy-region take: create (cxl_decoder_create_ram_region() on v77+, sysfs-gaps.c on
 * v76), granularity, ways, endpoint decoder mode and DPA, size, targets in interleave
 * position order (position.c), commit, enable; and back. Each operation works in a
 * libcxl context of its own, looked up by name (see libcxl.c).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libudev.h>

#include "private.h"


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

/* The endpoint port of memdev @name in @cctx, or NULL. */
static struct cxl_port *endpoint_port(struct cxl_ctx *cctx, const char *name)
{
	struct cxl_memdev *cm = svm_cxl_memdev(cctx, name);
	struct cxl_endpoint *ep = cm ? svm_cxl_endpoint(cm) : NULL;

	return ep ? cxl_endpoint_get_port(ep) : NULL;
}

/* The first endpoint decoder of @m with no region and no DPA, into @out. */
static int free_endpoint_decoder(struct cxl_ctx *cctx, struct svm_memdev *m, char *out,
				 size_t len)
{
	struct cxl_port *port = endpoint_port(cctx, m->name);
	struct cxl_decoder *d;

	if (!port)
		return -ENODEV;
	cxl_decoder_foreach(port, d) {
		unsigned long long dpa = cxl_decoder_get_dpa_size(d);

		if (cxl_decoder_get_region(d) || (dpa && dpa != ULLONG_MAX))
			continue;
		snprintf(out, len, "%s", cxl_decoder_get_devname(d));
		return 0;
	}
	return -ENOSPC;
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
	uint64_t end = now_ms() + 1000, start, size, bs = svm_get_memblock_size(ctx);
	int node, rc;

	snprintf(dax, sizeof(dax), "dax%s.0", region + 6);
	sysfs_path(ctx, p, sizeof(p), DAX_BUS "/devices/%s/driver", dax);
	/* kmem binds while the device registers; give that a moment */
	while (sysfs_readlink_base(ctx, p, drv, sizeof(drv)) && now_ms() < end)
		usleep(20000);
	if (strcmp(drv, "kmem"))
		return 0;
	if (svm_dax_read_attrs(ctx, dax, &start, &size, &node))
		start = size = 0;
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
	rc = svm_dax_disable(ctx, dax);
	if (rc)
		return svm_fail(ctx, rc, "%s: kmem took %s as it appeared; unbinding it failed: %s",
				region, dax, strerror(-rc));
	svm_note(ctx, "%s: kmem took %s as it appeared; handed back, the region is offline",
		 region, dax);
	return 0;
}

/*
 * With udev running, the new dax device's uevent makes a udev worker load kmem for its
 * modalias, and kmem binds the device, possibly well after wait_dax() saw it in sysfs (a
 * module load under TCG takes seconds). Seen on every first region after boot in the
 * systemd guest: kmem was not loaded when the hold below was decided, nothing held
 * auto_online_blocks, and kmem onlined the region into ZONE_NORMAL while create-region
 * reported it offline. So, when udev runs, the assembly listens for udev's own events of
 * the dax bus from before the region is enabled, and waits, inside the hold, for the new
 * device's "add": udevd sends it to listeners once the worker is done with the device,
 * its RUN (the kmod load) included. Bounded by @ms: release_from_kmem() then sees what
 * it sees.
 */
static struct udev_monitor *watch_udev_dax(void)
{
	struct udev *udev = udev_new();
	struct udev_queue *q = udev ? udev_queue_new(udev) : NULL;
	struct udev_monitor *mon = NULL;

	if (q && udev_queue_get_udev_is_active(q))
		mon = udev_monitor_new_from_netlink(udev, "udev");
	if (mon && (udev_monitor_filter_add_match_subsystem_devtype(mon, "dax", NULL) < 0 ||
		    udev_monitor_enable_receiving(mon) < 0))
		mon = udev_monitor_unref(mon);
	udev_queue_unref(q);
	if (!mon)
		udev_unref(udev);
	return mon;
}

/* The monitor does not reference its udev context: both go here. */
static void unwatch_udev_dax(struct udev_monitor *mon)
{
	struct udev *udev = mon ? udev_monitor_get_udev(mon) : NULL;

	udev_monitor_unref(mon);
	udev_unref(udev);
}

static void wait_udev_done(struct svm_ctx *ctx, struct udev_monitor *mon, const char *region,
			   unsigned int ms)
{
	uint64_t end = now_ms() + ms;
	struct pollfd pfd = { .fd = udev_monitor_get_fd(mon), .events = POLLIN };
	char dax[32];

	snprintf(dax, sizeof(dax), "dax%s.0", region + 6);
	for (uint64_t now = now_ms(); now < end; now = now_ms()) {
		struct udev_device *d;
		bool done;

		if (poll(&pfd, 1, (int)(end - now)) <= 0)
			continue;
		d = udev_monitor_receive_device(mon);
		if (!d)
			continue;
		done = !strcmp(udev_device_get_sysname(d), dax) &&
		       !strcmp(udev_device_get_action(d) ?: "", "add");
		udev_device_unref(d);
		if (done)
			return;
	}
	dbg(ctx, "%s: udev had not finished with %s after %u ms", region, dax, ms);
}

/*
 * auto_online_blocks held at "offline" while the region binds (see release_from_kmem):
 * when kmem is loaded, or udev runs (@udev) and may load it for the new device.
 */
static int hold_auto_online(struct svm_ctx *ctx, bool udev, char *prev, size_t len)
{
	const char *aob = svm_get_auto_online_blocks(ctx);
	char p[PATH_MAX];
	int rc;

	prev[0] = '\0';
	if (!aob || !strcmp(aob, "offline") || (!svm_module_is_loaded(ctx, "kmem") && !udev))
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
	struct cxl_ctx *cctx;
	struct cxl_region *region;
	struct cxl_decoder *decoders[SVM_MAX_TARGETS];
	char name[32];
	int nr_decoders;	/* DPA reserved on these */
	int nr_targets;		/* target0..N-1 set */
	bool committed, enabled;
};

/* Undo a failed assembly in reverse; what cannot be undone is added to the error. */
static void undo_assembly(struct svm_ctx *ctx, struct assembly *a)
{
	int rc, failed = 0;

#define UNDO(call, fmt, ...) do { \
		rc = (call); \
		if (rc) { \
			svm_fail_append(ctx, "; rollback: " fmt " failed: %s", ##__VA_ARGS__, \
					strerror(-rc)); \
			failed++; \
		} \
	} while (0)
	if (!a->region)
		return;
	if (a->enabled)
		UNDO(cxl_region_disable(a->region), "disabling %s", a->name);
	if (a->committed)
		UNDO(cxl_region_decode_reset(a->region), "resetting %s's decoders", a->name);
	for (int i = a->nr_targets - 1; i >= 0; i--)
		UNDO(cxl_region_clear_target(a->region, i), "clearing %s/target%d", a->name, i);
	for (int i = a->nr_decoders - 1; i >= 0; i--)
		UNDO(cxl_decoder_set_dpa_size(a->decoders[i], 0), "releasing the DPA of %s",
		     cxl_decoder_get_devname(a->decoders[i]));
	UNDO(cxl_region_delete(a->region), "deleting %s", a->name);
#undef UNDO
	if (!failed)
		svm_fail_append(ctx, "; nothing was kept");
}

/*
 * A new ram region under window @root, found in @a->cctx. libcxl v77+ creates it; on
 * v76 sysfs-gaps.c does, and a fresh libcxl context is opened to see it (libcxl caches
 * a window's regions).
 */
static int create_region(struct svm_ctx *ctx, struct svm_root_decoder *root,
			 struct assembly *a)
{
	struct cxl_decoder *dec = cxl_decoder_get_by_name(a->cctx, root->name);
#ifndef HAVE_CXL_DECODER_CREATE_RAM_REGION
	int rc;
#endif

	if (!dec)
		return -ENXIO;
#ifdef HAVE_CXL_DECODER_CREATE_RAM_REGION
	a->region = cxl_decoder_create_ram_region(dec);
#else
	rc = svm_gap_create_ram_region(ctx, root->name, a->name, sizeof(a->name));
	if (rc)
		return rc;
	cxl_unref(a->cctx);
	a->cctx = NULL;
	rc = svm_cxl_open(ctx, &a->cctx);
	if (rc)
		return rc;
	a->region = svm_cxl_region(a->cctx, a->name);
#endif
	if (!a->region)
		return -ENXIO;
	snprintf(a->name, sizeof(a->name), "%s", cxl_region_get_devname(a->region));
	return 0;
}

SVM_EXPORT int svm_region_create(struct svm_ctx *ctx, struct svm_memdev **mds, int nr,
				 const struct svm_region_opts *user_opts, struct svm_region **out)
{
	struct svm_region_opts o;
	const struct svm_region_opts *opts = &o;
	struct svm_root_decoder *root;
	struct svm_memdev *ordered[SVM_MAX_TARGETS];
	struct assembly a = { 0 };
	char aob[32] = "", decs[SVM_MAX_TARGETS][32];
	struct udev_monitor *udev_mon = NULL;
	uint64_t per = UINT64_MAX, total;
	unsigned int gran;
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
	rc = svm_cxl_open(ctx, &a.cctx);
	if (rc)
		return rc;
	for (int i = 0; i < nr; i++)
		if (free_endpoint_decoder(a.cctx, ordered[i], decs[i], sizeof(decs[i]))) {
			cxl_unref(a.cctx);
			return svm_fail(ctx, -ENOSPC,
					"%s: every endpoint decoder is in use; destroy stale regions (svm-cxlctl doctor)",
					ordered[i]->name);
		}

	rc = create_region(ctx, root, &a);
	if (rc) {
		cxl_unref(a.cctx);
		svm_invalidate(ctx);
		return svm_fail(ctx, rc, "%s: cannot create a ram region: %s", root->name,
				strerror(-rc));
	}

#define STEP(call, fmt, ...) do { \
		rc = (call); \
		if (rc) { \
			svm_fail(ctx, rc, "%s: " fmt ": %s", a.name, \
				 ##__VA_ARGS__, strerror(-rc)); \
			goto undo; \
		} \
	} while (0)

	STEP(cxl_region_set_interleave_granularity(a.region, gran),
	     "setting interleave granularity %u", gran);
	STEP(cxl_region_set_interleave_ways(a.region, nr), "setting %d interleave ways", nr);
	for (int i = 0; i < nr; i++) {
		struct cxl_decoder *d = cxl_decoder_get_by_name(a.cctx, decs[i]);

		STEP(d ? 0 : -ENODEV, "%s (%s) went away", decs[i], ordered[i]->name);
		STEP(cxl_decoder_set_mode(d, CXL_DECODER_MODE_RAM), "%s mode ram", decs[i]);
		STEP(cxl_decoder_set_dpa_size(d, per), "%s (%s) reserving %llu bytes of DPA",
		     decs[i], ordered[i]->name, (unsigned long long)per);
		a.decoders[i] = d;
		a.nr_decoders = i + 1;
	}
	STEP(cxl_region_set_size(a.region, total), "setting size %llu (window %s: %llu bytes free)",
	     (unsigned long long)total, root->name, (unsigned long long)
	     cxl_decoder_get_max_available_extent(cxl_region_get_decoder(a.region)));
	for (int i = 0; i < nr; i++) {
		STEP(cxl_region_set_target(a.region, i, a.decoders[i]), "target%d = %s (%s)", i,
		     decs[i], ordered[i]->name);
		a.nr_targets = i + 1;
	}
	STEP(cxl_region_decode_commit(a.region), "commit");
	a.committed = true;
	udev_mon = watch_udev_dax();
	rc = hold_auto_online(ctx, udev_mon != NULL, aob, sizeof(aob));
	if (rc)
		goto undo;
	STEP(cxl_region_enable(a.region), "enabling (binding to cxl_region)");
	a.enabled = true;
	rc = wait_dax(ctx, a.name, 5000);
	if (rc) {
		svm_fail(ctx, rc, "%s: no dax device appeared (is dax_cxl loaded?)", a.name);
		goto undo;
	}
	if (udev_mon)
		wait_udev_done(ctx, udev_mon, a.name, 10000);
#undef STEP
	rc = release_from_kmem(ctx, a.name);
	restore_auto_online(ctx, aob);
	unwatch_udev_dax(udev_mon);
	cxl_unref(a.cctx);
	if (rc) {
		/* the region stays (see release_from_kmem) */
		svm_invalidate(ctx);
		return rc;
	}
	svm_note(ctx, "%s: created over %d memdev(s), %llu MiB, in %llu ms", a.name, nr,
		 (unsigned long long)(total >> 20), (unsigned long long)(now_ms() - t0));
	svm_invalidate(ctx);
	if (out)
		*out = svm_region_get_by_name(ctx, a.name);
	return 0;

undo:
	undo_assembly(ctx, &a);
	restore_auto_online(ctx, aob);
	unwatch_udev_dax(udev_mon);
	cxl_unref(a.cctx);
	svm_invalidate(ctx);
	return rc;
}

/*
 * Tear down in reverse, what cxl destroy-region does; keeps going past errors on stale
 * parts (a target whose device went away).
 */
int region_destroy(struct svm_region *r)
{
	struct svm_ctx *ctx = r->ctx;
	struct cxl_memdev_mapping *map;
	struct cxl_region *cr;
	struct cxl_ctx *cctx;
	char name[32];
	int rc, first = 0;

	snprintf(name, sizeof(name), "%s", r->name);
	rc = svm_cxl_open(ctx, &cctx);
	if (rc)
		return rc;
	cr = svm_cxl_region(cctx, name);
	if (!cr) {
		cxl_unref(cctx);
		return svm_fail(ctx, -ENXIO, "%s: libcxl does not find it under any window", name);
	}
	rc = cxl_region_disable(cr);
	if (rc) {
		cxl_unref(cctx);
		return svm_fail(ctx, rc, "%s: cannot disable it: %s", name, strerror(-rc));
	}
	if (cxl_region_decode_is_committed(cr) == 1) {
		rc = cxl_region_decode_reset(cr);
		if (rc) {
			cxl_unref(cctx);
			return svm_fail(ctx, rc, "%s: cannot reset its decoders: %s", name,
					strerror(-rc));
		}
	}
	cxl_mapping_foreach(cr, map) {
		struct cxl_decoder *d = cxl_mapping_get_decoder(map);

		cxl_region_clear_target(cr, cxl_mapping_get_position(map));
		rc = cxl_decoder_set_dpa_size(d, 0);
		if (rc && !first)
			first = rc;
	}
	rc = cxl_region_delete(cr);
	cxl_unref(cctx);
	if (rc)
		return svm_fail(ctx, rc, "%s: deleting it failed: %s", name, strerror(-rc));
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
		rc = svm_dax_disable(ctx, dax->name);
		if (rc)
			return svm_fail(ctx, rc, "%s: cannot unbind %s from %s: %s", name,
					dax->name, dax->driver, strerror(-rc));
	}
	rc = region_destroy(r);
	svm_invalidate(ctx);
	if (!rc)
		svm_note(ctx, "%s: destroyed in %llu ms", name,
			 (unsigned long long)(now_ms() - t0));
	return rc;
}

/*
 * Endpoint decoders of @m with DPA and no region, highest id first (the kernel frees
 * DPA in reverse allocation order), into @names; their bytes in @bytes.
 */
static int orphan_decoders(struct cxl_ctx *cctx, struct svm_memdev *m, char names[][32],
			   int max, uint64_t *bytes)
{
	struct cxl_port *port = m->endpoint[0] ? endpoint_port(cctx, m->name) : NULL;
	struct cxl_decoder *d;
	int n = 0;

	*bytes = 0;
	if (!port)
		return 0;
	cxl_decoder_foreach_reverse(port, d) {
		unsigned long long dpa = cxl_decoder_get_dpa_size(d);

		if (n == max || !dpa || dpa == ULLONG_MAX || cxl_decoder_get_region(d))
			continue;
		snprintf(names[n++], 32, "%s", cxl_decoder_get_devname(d));
		*bytes += dpa;
	}
	return n;
}

SVM_EXPORT uint64_t svm_memdev_get_orphan_dpa(struct svm_memdev *m)
{
	struct cxl_ctx *cctx = svm_cxl(m->ctx);
	char names[64][32];
	uint64_t bytes = 0;

	if (cctx && !m->gone)
		orphan_decoders(cctx, m, names, 64, &bytes);
	return bytes;
}

SVM_EXPORT int svm_memdev_release_orphan_dpa(struct svm_memdev *m)
{
	struct svm_ctx *ctx = m->ctx;
	char names[64][32], name[32];
	struct cxl_ctx *cctx;
	uint64_t bytes;
	int n, rc;

	svm_clear_status(ctx);
	snprintf(name, sizeof(name), "%s", m->name);
	rc = svm_cxl_open(ctx, &cctx);
	if (rc)
		return rc;
	n = orphan_decoders(cctx, m, names, 64, &bytes);
	for (int i = 0; i < n; i++) {
		struct cxl_decoder *d = cxl_decoder_get_by_name(cctx, names[i]);

		rc = d ? cxl_decoder_set_dpa_size(d, 0) : -ENODEV;
		if (rc) {
			cxl_unref(cctx);
			svm_invalidate(ctx);
			return svm_fail(ctx, rc, "%s: releasing the DPA of %s failed: %s", name,
					names[i], strerror(-rc));
		}
		svm_note(ctx, "%s: released the DPA that %s held without a region", name, names[i]);
	}
	cxl_unref(cctx);
	svm_invalidate(ctx);
	return 0;
}
