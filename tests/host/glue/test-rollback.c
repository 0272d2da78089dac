// SPDX-License-Identifier: GPL-2.0-only
/*
 * Rollback of numa online and offline at scale (review F9: the undo once covered the
 * first 256 memory blocks only). A region of 300 blocks of 128 MiB (37.5 GiB, more than
 * a guest can be given) over a fake sysfs tree; one block fails midway, past the 256th,
 * and every block must be back in the state and zone it had before the call.
 *
 * A plain file keeps what was written to it, the kernel does not: writing
 * "online_movable" to memoryN/state makes it read "online" with valid_zones "Movable".
 * The test is linked with -Wl,--wrap=sysfs_write, so the library's writes reach
 * __wrap_sysfs_write() below, which makes the state transitions of memory blocks as
 * drivers/base/memory.c does (state_store) and fails the blocks the case names, as a
 * block with pinned pages does (-EBUSY). Every other write goes to the tree unchanged.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsvmcxl.h>
#include "../check.h"
#include "fake-sysfs.h"

#define MEM "sys/devices/system/memory/"
#define FIRST_BLOCK 146			/* 0x490000000 / 128 MiB */
#define NR_BLOCKS 300			/* 37.5 GiB */
#define REGION_SIZE "0x960000000"	/* NR_BLOCKS * 128 MiB */
#define DAX_SIZE "40265318400"

/* the fake kernel's faults: a write of @value ("online" = any online_*) to @block fails */
struct fault {
	int block;
	const char *value;
	int err;
};

static struct fault faults[4];
static int nr_faults, writes_to_failing;

int __real_sysfs_write(void *ctx, const char *path, const char *val);

static int block_of(const char *path)
{
	int id;
	char tail[16];

	if (sscanf(path, "/sys/devices/system/memory/memory%d/%15s", &id, tail) != 2 ||
	    strcmp(tail, "state"))
		return -1;
	return id;
}

/* @rel, which exists, now holds @val (put() without its mkdir of every parent) */
static void set(const char *rel, const char *val)
{
	FILE *f = fopen(FS_ROOT_PATH(rel), "w");

	if (!f)
		fake_die(rel);
	fprintf(f, "%s\n", val);
	fclose(f);
}

/* drivers/base/memory.c state_store(), for the values the library writes */
int __wrap_sysfs_write(void *ctx, const char *path, const char *val)
{
	int id = block_of(path);
	char rel[128];
	const char *zone;

	if (id < 0)
		return __real_sysfs_write(ctx, path, val);
	for (int i = 0; i < nr_faults; i++)
		if (faults[i].block == id && !strncmp(val, faults[i].value, strlen(faults[i].value))) {
			writes_to_failing++;
			return -faults[i].err;
		}
	if (!strcmp(val, "offline")) {
		zone = "Normal Movable";	/* what an offline block could go to */
	} else if (!strcmp(val, "online_movable") || !strcmp(val, "online")) {
		zone = "Movable";
		val = "online";
	} else if (!strcmp(val, "online_kernel")) {
		zone = "Normal";
		val = "online";
	} else {
		return -EINVAL;
	}
	snprintf(rel, sizeof(rel), MEM "memory%d/state", id);
	set(rel, val);
	snprintf(rel, sizeof(rel), MEM "memory%d/valid_zones", id);
	set(rel, zone);
	return 0;
}

static void fail(int block, const char *value, int err)
{
	faults[nr_faults++] = (struct fault){ block, value, err };
}

static void block_put(int id, const char *state, const char *zone)
{
	char rel[128];

	snprintf(rel, sizeof(rel), MEM "memory%d/state", id);
	put(rel, state);
	snprintf(rel, sizeof(rel), MEM "memory%d/valid_zones", id);
	put(rel, zone);
}

/* "online Movable", "offline" */
static const char *block_get(int id, char *buf, size_t len)
{
	char rel[128], st[32];

	snprintf(rel, sizeof(rel), MEM "memory%d/state", id);
	snprintf(st, sizeof(st), "%s", get(rel));
	snprintf(rel, sizeof(rel), MEM "memory%d/valid_zones", id);
	if (strcmp(st, "online"))
		snprintf(buf, len, "%s", st);
	else
		snprintf(buf, len, "%s %s", st, get(rel));
	return buf;
}

/* one host bridge, one memdev, region0 of NR_BLOCKS blocks, dax0.0 bound to kmem */
static void build_tree(void)
{
	fs_cxl_root();
	fs_dport(FS_ROOT0, 12, "pci0000:0c");
	fs_window(0, "0x490000000", "0x1000000000", 1, "12");
	fs_memdev(0, "pci0000:0c/0000:0c:00.0/0000:0d:00.0", "0x1", NULL);
	fs_port(FS_ROOT0 "/port1", "pci0000:0c");
	fs_dport(FS_ROOT0 "/port1", 0, "pci0000:0c/0000:0c:00.0");
	fs_endpoint(FS_ROOT0 "/port1", 2, 0, "pci0000:0c/0000:0c:00.0/0000:0d:00.0", 2);
	fs_region0(REGION_SIZE, 1, (const char *const[]){ "decoder2.0" }, true);
	fs_driver(FS_REGION0, "cxl_region");
	fs_dax(FS_REGION0, 0, "0x490000000", DAX_SIZE, "1", "kmem");
	fs_dax_driver("device_dax");
	put(MEM "block_size_bytes", "8000000");
	put(MEM "auto_online_blocks", "online");
	nr_faults = 0;
	writes_to_failing = 0;
}

/* the state of every block, to compare after the call */
static void snapshot(char before[][32])
{
	for (int i = 0; i < NR_BLOCKS; i++)
		block_get(FIRST_BLOCK + i, before[i], 32);
}

/* how many blocks differ from @before; the first one named in @first */
static int changed(char before[][32], char *first, size_t len)
{
	char now[32];
	int n = 0;

	first[0] = '\0';
	for (int i = 0; i < NR_BLOCKS; i++)
		if (strcmp(block_get(FIRST_BLOCK + i, now, sizeof(now)), before[i]) && !n++)
			snprintf(first, len, "memory%d was '%s', is '%s'", FIRST_BLOCK + i,
				 before[i], now);
	return n;
}

static struct svm_region *region(struct svm_ctx **ctx)
{
	if (svm_new(ctx))
		return NULL;
	return svm_region_get_by_name(*ctx, "region0");
}

/*
 * numa online, kmem bound, every block offline but two that someone else onlined
 * (Movable, as asked: kept); the 281st block fails. The 280 blocks onlined before it
 * are offlined again, the two that were online before stay online.
 */
static void test_online(void)
{
	struct svm_online_opts movable = { .struct_size = sizeof(movable), .mode = SVM_MODE_NUMA };
	static char before[NR_BLOCKS][32];
	const int bad = FIRST_BLOCK + 280;
	struct svm_region *r;
	struct svm_ctx *ctx;
	char first[128];
	int rc, n;

	build_tree();
	for (int i = 0; i < NR_BLOCKS; i++)
		block_put(FIRST_BLOCK + i, "offline", "Normal Movable");
	block_put(FIRST_BLOCK + 4, "online", "Movable");
	block_put(FIRST_BLOCK + 270, "online", "Movable");
	fail(bad, "online", EBUSY);
	snapshot(before);
	r = region(&ctx);
	CHECK(r && svm_dax_get_nr_memblocks(svm_region_get_dax(r)) == NR_BLOCKS,
	      "online: region0 has %d blocks", r ? svm_dax_get_nr_memblocks(svm_region_get_dax(r)) : -1);
	rc = r ? svm_region_online(r, &movable) : 0;
	CHECK(rc == -EBUSY && strstr(svm_get_error(ctx), "memory426"),
	      "online: fails at memory426: %d %s", rc, svm_get_error(ctx));
	CHECK(writes_to_failing == 1, "online: memory426 asked once (%d)", writes_to_failing);
	n = changed(before, first, sizeof(first));
	CHECK(n == 0, "online: every block back as it was: %d changed, %s", n, first);
	CHECK(!strcmp(get(MEM "auto_online_blocks"), "online"), "online: auto_online_blocks back: %s",
	      get(MEM "auto_online_blocks"));
	CHECK(!strcmp(get("sys/bus/dax/drivers/kmem/unbind"), ""),
	      "online: kmem was bound before, so it is not unbound: '%s'",
	      get("sys/bus/dax/drivers/kmem/unbind"));
	svm_unref(ctx);
}

/* the same, and the rollback itself fails on one block: said in the error, not dropped */
static void test_online_rollback_fails(void)
{
	struct svm_online_opts movable = { .struct_size = sizeof(movable), .mode = SVM_MODE_NUMA };
	static char before[NR_BLOCKS][32];
	char first[128], now[32];
	struct svm_region *r;
	struct svm_ctx *ctx;
	int rc, n;

	build_tree();
	for (int i = 0; i < NR_BLOCKS; i++)
		block_put(FIRST_BLOCK + i, "offline", "Normal Movable");
	fail(FIRST_BLOCK + 290, "online", EBUSY);
	fail(FIRST_BLOCK + 260, "offline", EBUSY);
	snapshot(before);
	r = region(&ctx);
	rc = r ? svm_region_online(r, &movable) : 0;
	CHECK(rc == -EBUSY && strstr(svm_get_error(ctx), "memory436") &&
	      strstr(svm_get_error(ctx), "rollback: 1 block(s) (memory406, ...) could not be offlined again and stay online"),
	      "online, rollback fails: %d %s", rc, svm_get_error(ctx));
	n = changed(before, first, sizeof(first));
	CHECK(n == 1 && !strcmp(block_get(FIRST_BLOCK + 260, now, sizeof(now)), "online Movable"),
	      "online, rollback fails: only memory406 stays online: %d changed, %s", n, first);
	svm_unref(ctx);
}

/*
 * numa offline of 300 online blocks, the first ten in ZONE_NORMAL; the 291st stays busy
 * past the deadline. Every block offlined (before and after it) is onlined again in
 * the zone it was in, and kmem keeps the device.
 */
static void test_offline(void)
{
	static char before[NR_BLOCKS][32];
	const int bad = FIRST_BLOCK + 290;
	struct svm_region *r;
	struct svm_ctx *ctx;
	char first[128];
	int rc, n;

	build_tree();
	for (int i = 0; i < NR_BLOCKS; i++)
		block_put(FIRST_BLOCK + i, "online", i < 10 ? "Normal" : "Movable");
	fail(bad, "offline", EBUSY);
	snapshot(before);
	r = region(&ctx);
	CHECK(r && svm_region_get_mode(r) == SVM_MODE_NUMA, "offline: region0 is numa");
	rc = r ? svm_region_offline(r, 300) : 0;
	CHECK(rc == -EBUSY && strstr(svm_get_error(ctx), "memory436") &&
	      strstr(svm_get_error(ctx), "nothing was changed"),
	      "offline: fails at memory436: %d %s", rc, svm_get_error(ctx));
	n = changed(before, first, sizeof(first));
	CHECK(n == 0, "offline: every block back in its zone: %d changed, %s", n, first);
	CHECK(!strcmp(get("sys/bus/dax/drivers/kmem/unbind"), ""),
	      "offline: dax0.0 stays with kmem: '%s'", get("sys/bus/dax/drivers/kmem/unbind"));
	svm_unref(ctx);
	r = region(&ctx);
	CHECK(r && svm_region_get_mode(r) == SVM_MODE_NUMA && !strcmp(svm_region_get_mode_name(r), "numa-normal"),
	      "offline: region0 still numa-normal: %s", r ? svm_region_get_mode_name(r) : "gone");
	svm_unref(ctx);
}

/* libsvmcxl's internal error setter (private.h), linked from the static library */
int svm_fail(struct svm_ctx *ctx, int rc, const char *fmt, ...);

/*
 * An error that wraps the one already set (svm_region_convert: "offline done ..., but
 * onlining as coherent failed: %s" with svm_get_error(ctx)) keeps it readable: the
 * setter used to format ctx->error into itself, which a debug-kernel run showed as
 * "...failed: region0: offline done ..., but onlining as coherent failed: or address".
 */
static void test_error_wraps_error(void)
{
	struct svm_ctx *ctx;
	int rc;

	CHECK(svm_new(&ctx) == 0, "a context");
	svm_fail(ctx, -ENXIO, "pool add refused: 65536 pages are not in the direct map");
	rc = svm_fail(ctx, -ENXIO, "region0: offline done, but onlining as coherent failed: %s",
		      svm_get_error(ctx));
	CHECK(rc == -ENXIO && !strcmp(svm_get_error(ctx),
	      "region0: offline done, but onlining as coherent failed: pool add refused: 65536 pages are not in the direct map"),
	      "an error wrapping the error set before: '%s'", svm_get_error(ctx));
	svm_unref(ctx);
}

int main(void)
{
	setenv("SVM_CXL_LOG", "none", 1);
	fake_sysfs_enter();
	test_online();
	fake_sysfs_reset();
	test_online_rollback_fails();
	fake_sysfs_reset();
	test_offline();
	fake_sysfs_remove();
	test_error_wraps_error();
	return check_summary();
}
