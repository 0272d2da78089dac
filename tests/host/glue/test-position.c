// SPDX-License-Identifier: GPL-2.0-only
/*
 * Region target order over fake sysfs trees of the topologies in qemu-configs/: two host
 * bridges with two root ports each (4-way, interleaved at the root and at each host
 * bridge), two switches on one host bridge (interleaved at the host bridge and at each
 * switch), and a split that no decoder can program. svm_region_create() must write
 * target0..N-1 in the kernel's position order (see cxl-glue/position.c), whatever order
 * the memdevs are given in, and refuse an uneven split before writing anything. A step
 * that fails half-way is undone in reverse, every step of it.
 */
#include <errno.h>
#include <stdlib.h>

#include <libsvmcxl.h>
#include "../check.h"
#include "fake-sysfs.h"

#define BUS "sys/bus/cxl/devices/"
#define ROOT0 "sys/devices/platform/ACPI0017:00/root0"

static void fresh_root(void)
{
	if (!root[0])
		fake_sysfs_enter();
	fake_sysfs_reset();
	fs_cxl_root();
	put("sys/devices/system/memory/block_size_bytes", "8000000");
	put("sys/devices/system/memory/auto_online_blocks", "offline");
}

/* window decoder0.0 over host bridges @hbs (root dport ids @ids), @ways-way */
static void window(int ways, int n, const char *const hbs[], const int ids[])
{
	char list[64] = "";

	for (int i = 0; i < n; i++) {
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%d", i ? "," : "",
			 ids[i]);
		fs_dport(ROOT0, ids[i], hbs[i]);
	}
	fs_window(0, "0x490000000", "0x100000000", ways, list);
}

/* CXL port @ports (e.g. "port1/port2") whose upstream port is PCI device @uport */
static void port(const char *ports, const char *uport)
{
	char rel[256];

	snprintf(rel, sizeof(rel), ROOT0 "/%s", ports);
	fs_port(rel, uport);
}

/* CXL port @ports with dport@id leading to PCI device @pci */
static void dport(const char *ports, int id, const char *pci)
{
	char rel[256];

	snprintf(rel, sizeof(rel), ROOT0 "/%s", ports);
	fs_dport(rel, id, pci);
}

/* memN at PCI path @pci, endpointE under CXL ports @ports, two free endpoint decoders */
static void memdev(int n, const char *pci, const char *ports, int e)
{
	char rel[256], v[32];

	snprintf(v, sizeof(v), "%d", n + 1);
	fs_memdev(n, pci, v, NULL);
	snprintf(rel, sizeof(rel), ROOT0 "/%s", ports);
	fs_endpoint(rel, e, n, pci, 2);
}

/* region0 as the kernel shows it right after create_ram_region (see test-model.c) */
static void new_region(int ways)
{
	static const char *const unset[] = { "" };

	/* ways 1 until the assembly writes it; target0..@ways-1 there and empty */
	fs_region0("0", 1, unset, false);
	for (int i = 1; i < ways; i++) {
		char rel[128];

		snprintf(rel, sizeof(rel), FS_REGION0 "/target%d", i);
		put(rel, "");
	}
	mkpath(FS_REGION0 "/dax_region0/dax0.0");
	/* the kernel's answer to the bind, which a plain file cannot give: libcxl then
	 * finds the region enabled */
	fs_driver(ROOT0 "/decoder0.0/region0", "cxl_region");
}

/* create over memN of @order; the targets must be the endpoint decoders @want */
static void check_create(const char *what, const int order[], int nr, const char *const want[])
{
	struct svm_memdev *mds[8];
	struct svm_ctx *ctx;
	char name[16], rel[128];
	int rc;

	CHECK(!svm_new(&ctx), "svm_new");
	for (int i = 0; i < nr; i++) {
		snprintf(name, sizeof(name), "mem%d", order[i]);
		mds[i] = svm_memdev_get_by_name(ctx, name);
		CHECK(mds[i] != NULL, "%s: %s in the fake tree", what, name);
		if (!mds[i])
			goto out;
	}
	rc = svm_region_create(ctx, mds, nr, NULL, NULL);
	CHECK(rc == 0, "%s: create: %d %s", what, rc, svm_get_error(ctx));
	for (int i = 0; i < nr; i++) {
		snprintf(rel, sizeof(rel), ROOT0 "/decoder0.0/region0/target%d", i);
		CHECK(!strcmp(get(rel), want[i]), "%s: target%d = %s, got '%s'", what, i, want[i],
		      get(rel));
	}
	snprintf(rel, sizeof(rel), "%d", nr);
	CHECK(!strcmp(get(ROOT0 "/decoder0.0/region0/interleave_ways"), rel), "%s: ways", what);
out:
	svm_unref(ctx);
}

/* qemu-configs/interleave4.conf: endpoint5..8 = mem0..3 at HB0/RP0, HB0/RP1, HB1/RP0,
 * HB1/RP1, and region0 just created */
static void build_hb2_rp2(void)
{
	static const char *const hbs[] = { "pci0000:0c", "pci0000:de" };
	static const int ids[] = { 12, 222 };

	fresh_root();
	window(2, 2, hbs, ids);
	port("port1", "pci0000:0c");
	port("port2", "pci0000:de");
	dport("port1", 0, "pci0000:0c/0000:0c:00.0");
	dport("port1", 1, "pci0000:0c/0000:0c:01.0");
	dport("port2", 0, "pci0000:de/0000:de:00.0");
	dport("port2", 1, "pci0000:de/0000:de:01.0");
	memdev(0, "pci0000:0c/0000:0c:00.0/0000:0d:00.0", "port1", 5);
	memdev(1, "pci0000:0c/0000:0c:01.0/0000:0e:00.0", "port1", 6);
	memdev(2, "pci0000:de/0000:de:00.0/0000:df:00.0", "port2", 7);
	memdev(3, "pci0000:de/0000:de:01.0/0000:e0:00.0", "port2", 8);
	new_region(4);
}

static void test_hb2_rp2(void)
{
	static const int rev[] = { 3, 2, 1, 0 };
	/* P % 2 picks the host bridge, P / 2 the root port below it */
	static const char *const want[] = { "decoder5.0", "decoder7.0", "decoder6.0",
					    "decoder8.0" };

	build_hb2_rp2();
	check_create("2 host bridges x 2 root ports", rev, 4, want);
}

/* qemu-configs/switch2.conf */
static void test_two_switches(void)
{
	static const char *const hbs[] = { "pci0000:0c" };
	static const int ids[] = { 12 };
	static const int order[] = { 0, 1, 2, 3 };
	/* P % 2 picks the root port (switch), P / 2 the switch's downstream port */
	static const char *const want[] = { "decoder5.0", "decoder7.0", "decoder6.0",
					    "decoder8.0" };
	const char *rp0 = "pci0000:0c/0000:0c:00.0", *rp1 = "pci0000:0c/0000:0c:01.0";

	fresh_root();
	window(1, 1, hbs, ids);
	port("port1", "pci0000:0c");
	port("port1/port2", "pci0000:0c/0000:0c:00.0/0000:0d:00.0");
	port("port1/port3", "pci0000:0c/0000:0c:01.0/0000:10:00.0");
	dport("port1", 0, rp0);
	dport("port1", 1, rp1);
	dport("port1/port2", 0, "pci0000:0c/0000:0c:00.0/0000:0d:00.0/0000:0e:00.0");
	dport("port1/port2", 1, "pci0000:0c/0000:0c:00.0/0000:0d:00.0/0000:0e:01.0");
	dport("port1/port3", 0, "pci0000:0c/0000:0c:01.0/0000:10:00.0/0000:11:00.0");
	dport("port1/port3", 1, "pci0000:0c/0000:0c:01.0/0000:10:00.0/0000:11:01.0");
	memdev(0, "pci0000:0c/0000:0c:00.0/0000:0d:00.0/0000:0e:00.0/0000:0f:00.0",
	       "port1/port2", 5);
	memdev(1, "pci0000:0c/0000:0c:00.0/0000:0d:00.0/0000:0e:01.0/0000:12:00.0",
	       "port1/port2", 6);
	memdev(2, "pci0000:0c/0000:0c:01.0/0000:10:00.0/0000:11:00.0/0000:13:00.0",
	       "port1/port3", 7);
	memdev(3, "pci0000:0c/0000:0c:01.0/0000:10:00.0/0000:11:01.0/0000:14:00.0",
	       "port1/port3", 8);
	new_region(4);
	check_create("2 switches", order, 4, want);
}

/* 3 memdevs on one host bridge with 2 root ports: no decoder splits 2+1 */
static void test_uneven(void)
{
	static const char *const hbs[] = { "pci0000:0c" };
	static const int ids[] = { 12 };
	struct svm_memdev *mds[3];
	struct svm_ctx *ctx;
	int rc;

	fresh_root();
	window(1, 1, hbs, ids);
	port("port1", "pci0000:0c");
	port("port1/port2", "pci0000:0c/0000:0c:00.0/0000:0d:00.0");
	dport("port1", 0, "pci0000:0c/0000:0c:00.0");
	dport("port1", 1, "pci0000:0c/0000:0c:01.0");
	dport("port1/port2", 0, "pci0000:0c/0000:0c:00.0/0000:0d:00.0/0000:0e:00.0");
	dport("port1/port2", 1, "pci0000:0c/0000:0c:00.0/0000:0d:00.0/0000:0e:01.0");
	memdev(0, "pci0000:0c/0000:0c:00.0/0000:0d:00.0/0000:0e:00.0/0000:0f:00.0",
	       "port1/port2", 5);
	memdev(1, "pci0000:0c/0000:0c:00.0/0000:0d:00.0/0000:0e:01.0/0000:12:00.0",
	       "port1/port2", 6);
	memdev(2, "pci0000:0c/0000:0c:01.0/0000:10:00.0", "port1", 7);
	new_region(3);
	CHECK(!svm_new(&ctx), "svm_new");
	for (int i = 0; i < 3; i++) {
		char name[8];

		snprintf(name, sizeof(name), "mem%d", i);
		mds[i] = svm_memdev_get_by_name(ctx, name);
	}
	rc = svm_region_create(ctx, mds, 3, NULL, NULL);
	CHECK(rc == -EINVAL, "2+1 split refused: %d %s", rc, svm_get_error(ctx));
	CHECK(strstr(svm_get_error(ctx), "port1"), "message names the port: %s",
	      svm_get_error(ctx));
	CHECK(!strcmp(get(ROOT0 "/decoder0.0/region0/interleave_ways"), "1") &&
	      !strcmp(get(ROOT0 "/decoder0.0/create_ram_region"), "region0") &&
	      !strcmp(get(BUS "decoder5.0/dpa_size"), "0"),
	      "nothing written before the refusal");
	svm_unref(ctx);
}

/* a directory where the attribute @rel (under the scratch root) would be: cannot be written */
static void block_attr(const char *rel)
{
	char p[600];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	unlink(p);
	mkdir(p, 0755);
}

/* svm_region_create() over the 2 x 2 tree with target2 unwritable (and delete_region,
 * for @undo_fails); the region was never enabled, so the undo may clear targets
 * (libcxl refuses on an enabled region) */
static int create_failing(struct svm_ctx **ctx, bool undo_fails)
{
	struct svm_memdev *mds[4];
	char p[600], rel[128];

	build_hb2_rp2();
	snprintf(p, sizeof(p), "%s/" ROOT0 "/decoder0.0/region0/driver", root);
	unlink(p);
	block_attr(ROOT0 "/decoder0.0/region0/target2");
	if (undo_fails)
		block_attr(ROOT0 "/decoder0.0/delete_region");
	if (svm_new(ctx)) {
		printf("FAIL svm_new over the 2 x 2 tree\n");
		exit(1);
	}
	for (int i = 0; i < 4; i++) {
		snprintf(rel, sizeof(rel), "mem%d", i);
		mds[i] = svm_memdev_get_by_name(*ctx, rel);
	}
	return svm_region_create(*ctx, mds, 4, NULL, NULL);
}

static void check_dpa_released(void)
{
	char rel[128];

	for (int e = 5; e <= 8; e++) {
		snprintf(rel, sizeof(rel), BUS "decoder%d.0/dpa_size", e);
		CHECK(!strcmp(get(rel), "0"), "decoder%d.0 DPA released, got %s", e, get(rel));
	}
}

/* a step that fails half-way (target2) undoes every step before it, in reverse (F9) */
static void test_rollback(void)
{
	struct svm_ctx *ctx = NULL;
	int rc = create_failing(&ctx, false);

	CHECK(rc < 0 && strstr(svm_get_error(ctx), "target2") &&
	      strstr(svm_get_error(ctx), "nothing was kept"), "create fails at target2: %d %s",
	      rc, svm_get_error(ctx));
	check_dpa_released();
	CHECK(!strcmp(get(ROOT0 "/decoder0.0/region0/target0"), "") &&
	      !strcmp(get(ROOT0 "/decoder0.0/region0/target1"), ""), "targets 0 and 1 cleared");
	CHECK(!strcmp(get(ROOT0 "/decoder0.0/region0/commit"), "0"), "never committed");
	CHECK(!strcmp(get(ROOT0 "/decoder0.0/delete_region"), "region0"), "region0 deleted");
	svm_unref(ctx);
}

/* The same failure, and the undo's own last step fails too: said, never "nothing was kept". */
static void test_rollback_fails(void)
{
	struct svm_ctx *ctx = NULL;
	int rc = create_failing(&ctx, true);

	CHECK(rc < 0 && strstr(svm_get_error(ctx), "target2") &&
	      strstr(svm_get_error(ctx), "rollback: deleting region0 failed") &&
	      !strstr(svm_get_error(ctx), "nothing was kept"),
	      "create fails at target2, the undo at delete_region: %d %s", rc, svm_get_error(ctx));
	check_dpa_released();
	svm_unref(ctx);
}

int main(void)
{
	setenv("SVM_CXL_LOG", "none", 1);
	test_hb2_rp2();
	test_two_switches();
	test_uneven();
	test_rollback();
	test_rollback_fails();
	fake_sysfs_remove();
	return check_summary();
}
