// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit tests of libsvmcxl and the CLI's JSON: size parsing and formatting, the
 * model over a fake sysfs tree (the interleave topology as the guest shows it), mode
 * detection, stale regions, region assembly order against a fake tree, JSON keys.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <libsvmcxl.h>
#include "cli.h"
#include "fake-sysfs.h"

static int failures;

#define CHECK(cond, ...) do { \
	if (!(cond)) { \
		failures++; \
		printf("FAIL %s:%d: ", __FILE__, __LINE__); \
		printf(__VA_ARGS__); \
		printf("\n"); \
	} \
} while (0)

#define BUS "sys/bus/cxl/devices/"
#define ROOT0 "sys/devices/platform/ACPI0017:00/root0"

/* The interleave topology: mem0 under pci0000:0c (endpoint3 via port2), mem1 under
 * pci0000:de (endpoint4 via port1), window decoder0.0 with target_list 12,222. */
static void build_tree(void)
{
	fs_cxl_root();
	fs_dport(ROOT0, 12, "pci0000:0c");
	fs_dport(ROOT0, 222, "pci0000:de");
	fs_window(0, "0x490000000", "0x100000000", 2, "12,222");
	fs_memdev(0, "pci0000:0c/0000:0c:00.0/0000:0d:00.0", "0x1", NULL);
	fs_memdev(1, "pci0000:de/0000:de:00.0/0000:df:00.0", "0x2", NULL);
	/* each host bridge's port: the root port leading to its memdev */
	fs_port(ROOT0 "/port2", "pci0000:0c");
	fs_port(ROOT0 "/port1", "pci0000:de");
	fs_dport(ROOT0 "/port2", 0, "pci0000:0c/0000:0c:00.0");
	fs_dport(ROOT0 "/port1", 0, "pci0000:de/0000:de:00.0");
	fs_endpoint(ROOT0 "/port2", 3, 0, "pci0000:0c/0000:0c:00.0/0000:0d:00.0", 2);
	fs_endpoint(ROOT0 "/port1", 4, 1, "pci0000:de/0000:de:00.0/0000:df:00.0", 2);
	put("sys/devices/system/memory/block_size_bytes", "8000000");
	put("sys/devices/system/memory/auto_online_blocks", "online");
}

/* region0 as the kernel would show it after the writes, with its dax device */
static void add_region(const char *t0, const char *t1, const char *dax_driver)
{
	const char *const targets[] = { t0, t1 };

	fs_region0("0x20000000", 2, targets, true);
	fs_driver(FS_REGION0, "cxl_region");
	fs_dax(ROOT0 "/decoder0.0/region0", 0, "0x490000000", "536870912", "1", dax_driver);
	fs_dax_driver("kmem");
	fs_dax_driver("device_dax");
}

static void test_sizes(void)
{
	uint64_t v;
	char buf[32];

	CHECK(!svm_parse_size("256M", &v) && v == 256ULL << 20, "256M");
	CHECK(!svm_parse_size("1G", &v) && v == 1ULL << 30, "1G");
	CHECK(!svm_parse_size("4096", &v) && v == 4096, "4096");
	CHECK(!svm_parse_size("0x1000", &v) && v == 4096, "0x1000");
	CHECK(!svm_parse_size("2GiB", &v) && v == 2ULL << 30, "2GiB");
	CHECK(svm_parse_size("", &v) == -EINVAL, "empty");
	CHECK(svm_parse_size("-1M", &v) == -EINVAL, "negative");
	CHECK(svm_parse_size("12X", &v) == -EINVAL, "bad suffix");
	CHECK(svm_parse_size("1Mx", &v) == -EINVAL, "trailing junk");
	CHECK(svm_parse_size("99999999999T", &v) == -ERANGE, "overflow");
	CHECK(!strcmp(svm_format_size(256ULL << 20, buf, sizeof(buf)), "256 MiB"), "%s", buf);
	CHECK(!strcmp(svm_format_size(1536ULL << 20, buf, sizeof(buf)), "1.50 GiB"), "%s", buf);
	CHECK(!strcmp(svm_format_size(100, buf, sizeof(buf)), "100 B"), "%s", buf);
}

static void test_model(void)
{
	struct svm_ctx *ctx;
	struct svm_memdev *m;
	struct svm_root_decoder *d;
	struct svm_region *r;
	struct svm_dax *dax;
	struct svm_memblock *b;
	int n = 0;

	CHECK(!svm_new(&ctx), "svm_new");
	svm_memdev_foreach(ctx, m)
		n++;
	CHECK(n == 2, "2 memdevs, got %d", n);
	m = svm_memdev_get_by_name(ctx, "mem1");
	CHECK(m && svm_memdev_get_serial(m) == 2, "mem1 serial");
	CHECK(m && !strcmp(svm_memdev_get_host(m), "0000:df:00.0"), "mem1 host %s",
	      m ? svm_memdev_get_host(m) : "");
	CHECK(m && !strcmp(svm_memdev_get_host_bridge(m), "pci0000:de"), "mem1 host bridge");
	CHECK(m && svm_memdev_get_endpoint(m) && !strcmp(svm_memdev_get_endpoint(m), "endpoint4"),
	      "mem1 endpoint");
	CHECK(m && svm_memdev_get_ram_size(m) == 256ULL << 20, "mem1 ram size");
	CHECK(m && !svm_memdev_get_region(m), "mem1 in no region");
	d = svm_root_decoder_get_by_name(ctx, "decoder0.0");
	CHECK(d && svm_root_decoder_get_ways(d) == 2, "window ways");
	CHECK(d && svm_root_decoder_get_nr_targets(d) == 2, "window targets");
	CHECK(d && !strcmp(svm_root_decoder_get_target(d, 0), "pci0000:0c"), "position 0");
	CHECK(d && !strcmp(svm_root_decoder_get_target(d, 1), "pci0000:de"), "position 1");
	CHECK(!svm_region_get_first(ctx), "no regions yet");
	CHECK(!strcmp(svm_get_auto_online_blocks(ctx), "online"), "auto_online_blocks");
	CHECK(svm_get_memblock_size(ctx) == 128ULL << 20, "block size");

	/* a region on kmem with one block online movable, one offline */
	add_region("decoder3.0", "decoder4.0", "kmem");
	put("sys/devices/system/memory/memory146/state", "online");
	put("sys/devices/system/memory/memory146/valid_zones", "Movable");
	put("sys/devices/system/memory/memory147/state", "offline");
	put("sys/devices/system/memory/memory148/state", "offline");	/* not ours */
	svm_invalidate(ctx);
	r = svm_region_get_by_name(ctx, "region0");
	CHECK(r != NULL, "region0");
	if (!r)
		goto out;
	CHECK(svm_region_get_start(r) == 0x490000000ULL, "region start");
	CHECK(svm_region_get_ways(r) == 2, "region ways");
	CHECK(svm_region_is_committed(r) && svm_region_is_enabled(r), "committed, enabled");
	CHECK(svm_region_get_root_decoder(r) == svm_root_decoder_get_by_name(ctx, "decoder0.0"),
	      "root decoder");
	CHECK(svm_region_get_target_memdev(r, 0) == svm_memdev_get_by_name(ctx, "mem0"),
	      "target0 -> mem0");
	CHECK(svm_region_get_target_memdev(r, 1) == svm_memdev_get_by_name(ctx, "mem1"),
	      "target1 -> mem1");
	CHECK(svm_memdev_get_region(svm_memdev_get_by_name(ctx, "mem1")) == r, "mem1 -> region0");
	CHECK(!svm_region_is_stale(r), "not stale");
	dax = svm_region_get_dax(r);
	CHECK(dax && !strcmp(svm_dax_get_name(dax), "dax0.0"), "dax0.0");
	CHECK(dax && !strcmp(svm_dax_get_driver(dax), "kmem"), "driver kmem");
	CHECK(dax && svm_dax_get_target_node(dax) == 1, "target node");
	CHECK(dax && svm_dax_get_nr_memblocks(dax) == 3, "3 blocks of the range exist, got %d",
	      dax ? svm_dax_get_nr_memblocks(dax) : -1);
	CHECK(dax && svm_dax_get_nr_online(dax) == 1, "1 online");
	b = dax ? svm_memblock_get_first(dax) : NULL;
	CHECK(b && svm_memblock_get_id(b) == 146 && !strcmp(svm_memblock_get_zone(b), "Movable"),
	      "memory146 Movable");
	CHECK(svm_region_get_mode(r) == SVM_MODE_NUMA_PARTIAL, "numa-partial, got %s",
	      svm_mode_name(svm_region_get_mode(r)));
	put("sys/devices/system/memory/memory147/state", "online");
	put("sys/devices/system/memory/memory147/valid_zones", "Movable");
	put("sys/devices/system/memory/memory148/state", "online");
	put("sys/devices/system/memory/memory148/valid_zones", "Movable");
	put("sys/devices/system/memory/memory149/state", "online");
	put("sys/devices/system/memory/memory149/valid_zones", "Movable");
	svm_invalidate(ctx);
	r = svm_region_get_by_name(ctx, "region0");
	CHECK(svm_region_get_mode(r) == SVM_MODE_NUMA, "numa, got %s",
	      svm_mode_name(svm_region_get_mode(r)));

	/* JSON of the region */
	{
		struct json_object *o = region_to_json(r, JSON_TARGETS | JSON_VERBOSE |
						 JSON_MEMBLOCKS), *v;

		CHECK(json_object_object_get_ex(o, "region", &v) &&
		      !strcmp(json_object_get_string(v), "region0"), "json region");
		CHECK(json_object_object_get_ex(o, "mode", &v) &&
		      !strcmp(json_object_get_string(v), "numa"), "json mode");
		CHECK(json_object_object_get_ex(o, "resource", &v) &&
		      json_object_get_uint64(v) == 0x490000000ULL, "json resource");
		CHECK(json_object_object_get_ex(o, "mappings", &v) &&
		      json_object_array_length(v) == 2, "json mappings");
		CHECK(json_object_object_get_ex(o, "dax", &v) &&
		      json_object_object_get_ex(v, "memblocks", &v) &&
		      json_object_array_length(v) == 4, "json memblocks");
		json_object_put(o);
		o = region_to_json(r, JSON_HUMAN);
		/* -u keeps numbers and prints them as ndctl does */
		CHECK(json_object_object_get_ex(o, "size", &v) &&
		      !strcmp(json_object_to_json_string(v), "\"512.00 MiB (536.87 MB)\""),
		      "json -u size");
		CHECK(json_object_object_get_ex(o, "resource", &v) &&
		      !strcmp(json_object_to_json_string(v), "\"0x490000000\""), "json -u resource");
		json_object_put(o);
	}

	/* a pool covering the region makes it coherent */
	put("sys/devices/virtual/misc/svm_cxl/pools/pool3/start", "0x490000000");
	put("sys/devices/virtual/misc/svm_cxl/pools/pool3/size", "536870912");
	put("sys/devices/virtual/misc/svm_cxl/pools/pool3/pages", "131072");
	put("sys/devices/virtual/misc/svm_cxl/pools/pool3/used", "4096");
	put("sys/devices/virtual/misc/svm_cxl/pools/pool3/state", "active");
	svm_invalidate(ctx);
	r = svm_region_get_by_name(ctx, "region0");
	CHECK(svm_region_get_pool(r) && svm_pool_get_id(svm_region_get_pool(r)) == 3, "pool3");
	CHECK(svm_region_get_mode(r) == SVM_MODE_COHERENT, "coherent");
	CHECK(svm_pool_get_pages_used(svm_region_get_pool(r)) == 4096, "pool used");

	/* sized option structs: too small is EINVAL, an unknown non-zero tail E2BIG (a
	 * newer caller's option this library would ignore), a zero tail is accepted */
	{
		struct {
			struct svm_online_opts o;
			uint64_t newer_option;
		} big = { .o = { .struct_size = sizeof(big), .mode = SVM_MODE_COHERENT },
			  .newer_option = 1 };
		struct svm_online_opts small = { .struct_size = 4, .mode = SVM_MODE_COHERENT };
		struct svm_preflight pf = { .struct_size = 8 };

		CHECK(svm_region_online(r, &small) == -EINVAL && strstr(svm_get_error(ctx),
		      "struct_size"), "struct_size 4: EINVAL (%s)", svm_get_error(ctx));
		CHECK(svm_region_online(r, &big.o) == -E2BIG, "unknown option set: E2BIG (%s)",
		      svm_get_error(ctx));
		big.newer_option = 0;
		CHECK(svm_region_online(r, &big.o) == 0 && strstr(svm_get_notes(ctx), "already"),
		      "zero tail accepted: %s", svm_get_error(ctx));
		CHECK(svm_region_preflight(r, &pf) == -EINVAL, "preflight struct_size 8: EINVAL");
		pf.struct_size = sizeof(pf);
		CHECK(svm_region_preflight(r, &pf) == 0 && pf.mode == SVM_MODE_COHERENT &&
		      pf.struct_size == sizeof(pf), "preflight");
	}

	/* online a coherent region as numa: refused, nothing written */
	{
		struct svm_online_opts o = { .struct_size = sizeof(o), .mode = SVM_MODE_NUMA };

		CHECK(svm_region_online(r, &o) == -EBUSY, "online numa of coherent: EBUSY");
		CHECK(strstr(svm_get_error(ctx), "region0") && strstr(svm_get_error(ctx), "offline"),
		      "message names region and what to do: %s", svm_get_error(ctx));
		CHECK(!strcmp(get("sys/devices/system/memory/auto_online_blocks"), "online"),
		      "policy untouched");
		r = svm_region_get_by_name(ctx, "region0");
		o.mode = SVM_MODE_COHERENT;
		CHECK(svm_region_online(r, &o) == 0 && strstr(svm_get_notes(ctx), "already"),
		      "second coherent online is a no-op");
		r = svm_region_get_by_name(ctx, "region0");
		CHECK(svm_region_destroy(r) == -EBUSY, "destroy of an online region: EBUSY");
	}

	/* the device under target1 goes away: the region is stale */
	{
		char cmd[600];

		/* the kernel removes the port with its decoders, and the link */
		snprintf(cmd, sizeof(cmd), "rm -rf %s/" ROOT0 "/port1/endpoint4 %s/" BUS "endpoint4",
			 root, root);
		CHECK(!system(cmd), "%s", cmd);
		svm_invalidate(ctx);
		r = svm_region_get_by_name(ctx, "region0");
		CHECK(svm_region_is_stale(r), "stale after endpoint4 is gone");
		CHECK(!svm_region_get_target_memdev(r, 1), "target1 has no memdev");
	}
out:
	svm_unref(ctx);
}

/* assembly against a fresh fake tree: memdevs given in reverse come out in window order */
static void test_create(void)
{
	struct svm_ctx *ctx;
	struct svm_memdev *mds[2];
	struct svm_region *r = NULL;
	int rc;

	CHECK(!svm_new(&ctx), "svm_new");
	mds[0] = svm_memdev_get_by_name(ctx, "mem1");
	mds[1] = svm_memdev_get_by_name(ctx, "mem0");
	/* the kernel would create region0 when its name is written; fake it beforehand */
	add_region("", "", NULL);
	put(ROOT0 "/decoder0.0/region0/commit", "0");
	put(ROOT0 "/decoder0.0/region0/size", "0");
	svm_invalidate(ctx);
	mds[0] = svm_memdev_get_by_name(ctx, "mem1");
	mds[1] = svm_memdev_get_by_name(ctx, "mem0");
	/* bad requests change nothing */
	{
		struct svm_region_opts o = { .struct_size = sizeof(o), .size = 100 << 20 };

		mds[0] = svm_memdev_get_by_name(ctx, "mem0");
		mds[1] = svm_memdev_get_by_name(ctx, "mem0");
		CHECK(svm_region_create(ctx, mds, 2, NULL, NULL) == -EINVAL, "memdev twice");
		mds[1] = svm_memdev_get_by_name(ctx, "mem1");
		CHECK(svm_region_create(ctx, mds, 2, &o, NULL) == -EINVAL &&
		      strstr(svm_get_error(ctx), "256 MiB"), "size not a multiple: %s",
		      svm_get_error(ctx));
		CHECK(svm_region_create(ctx, mds, 1, NULL, NULL) == -ENXIO,
		      "one memdev on a 2-way window: %s", svm_get_error(ctx));
	}
	mds[0] = svm_memdev_get_by_name(ctx, "mem1");
	mds[1] = svm_memdev_get_by_name(ctx, "mem0");
	rc = svm_region_create(ctx, mds, 2, NULL, &r);
	CHECK(rc == 0, "create: %d %s", rc, svm_get_error(ctx));
	CHECK(!strcmp(get(ROOT0 "/decoder0.0/region0/target0"), "decoder3.0"), "target0 = mem0's decoder3.0, got %s",
	      get(ROOT0 "/decoder0.0/region0/target0"));
	CHECK(!strcmp(get(ROOT0 "/decoder0.0/region0/target1"), "decoder4.0"), "target1 = mem1's decoder4.0, got %s",
	      get(ROOT0 "/decoder0.0/region0/target1"));
	/* libcxl writes sizes in hex */
	CHECK(!strcmp(get(BUS "decoder3.0/dpa_size"), "0x10000000"), "per-device DPA: %s",
	      get(BUS "decoder3.0/dpa_size"));
	CHECK(!strcmp(get(BUS "decoder4.0/mode"), "ram"), "decoder mode ram");
	CHECK(!strcmp(get(ROOT0 "/decoder0.0/region0/size"), "0x20000000"), "region size: %s",
	      get(ROOT0 "/decoder0.0/region0/size"));
	CHECK(!strcmp(get(ROOT0 "/decoder0.0/region0/interleave_granularity"), "4096"), "granularity");
	CHECK(!strcmp(get(ROOT0 "/decoder0.0/region0/commit"), "1"), "committed");
	/* enabling is the kernel's answer to the bind (a driver link, which libcxl checks);
	 * this fake region has its link already, so the bind is not written here */

	svm_unref(ctx);
}

/* a pmem region: every ram operation refuses it and writes nothing (review F8) */
static void test_pmem(void)
{
	struct svm_online_opts numa = { .struct_size = sizeof(numa), .mode = SVM_MODE_NUMA };
	struct svm_online_opts coherent = { .struct_size = sizeof(coherent), .mode = SVM_MODE_COHERENT };
	struct svm_ctx *ctx;
	struct svm_region *r;

	add_region("decoder3.0", "decoder4.0", NULL);
	put(ROOT0 "/decoder0.0/region0/mode", "pmem");
	put("sys/bus/dax/drivers/kmem/bind", "");
	CHECK(!svm_new(&ctx), "svm_new");
	r = svm_region_get_by_name(ctx, "region0");
	CHECK(r && !strcmp(svm_region_get_type(r), "pmem"), "type pmem");
	if (!r)
		goto out;
	CHECK(svm_region_online(r, &numa) == -EOPNOTSUPP &&
	      strstr(svm_get_error(ctx), "pmem"), "online numa refused: %s", svm_get_error(ctx));
	r = svm_region_get_by_name(ctx, "region0");
	CHECK(svm_region_online(r, &coherent) == -EOPNOTSUPP, "online coherent refused");
	r = svm_region_get_by_name(ctx, "region0");
	CHECK(svm_region_convert(r, &coherent, 0) == -EOPNOTSUPP, "convert refused");
	r = svm_region_get_by_name(ctx, "region0");
	CHECK(svm_region_offline(r, 0) == -EOPNOTSUPP, "offline refused");
	r = svm_region_get_by_name(ctx, "region0");
	CHECK(svm_region_destroy(r) == -EOPNOTSUPP &&
	      strstr(svm_get_error(ctx), "region0"), "destroy refused: %s", svm_get_error(ctx));
	CHECK(!strcmp(get("sys/devices/system/memory/auto_online_blocks"), "online"),
	      "auto_online_blocks untouched");
	CHECK(!strcmp(get("sys/bus/dax/drivers/kmem/bind"), ""), "kmem bind not written");
	CHECK(!strcmp(get(ROOT0 "/decoder0.0/region0/commit"), "1") &&
	      !strcmp(get(ROOT0 "/decoder0.0/delete_region"), "") &&
	      !strcmp(get("sys/bus/cxl/drivers/cxl_region/unbind"), ""),
	      "region neither reset nor deleted");
out:
	svm_unref(ctx);
}

/* numa memory in the wrong zone is reported, never taken for what was asked (F4) */
static void test_zones(void)
{
	struct svm_online_opts movable = { .struct_size = sizeof(movable), .mode = SVM_MODE_NUMA };
	struct svm_online_opts normal = { .struct_size = sizeof(normal), .mode = SVM_MODE_NUMA, .zone = SVM_ZONE_NORMAL };
	struct svm_ctx *ctx;
	struct svm_region *r;
	char state[4][32];

	add_region("decoder3.0", "decoder4.0", "kmem");
	put("sys/devices/system/memory/memory146/state", "online");
	put("sys/devices/system/memory/memory146/valid_zones", "Normal");
	for (int b = 147; b <= 149; b++) {
		char rel[128];

		snprintf(rel, sizeof(rel), "sys/devices/system/memory/memory%d/state", b);
		put(rel, "online");
		snprintf(rel, sizeof(rel), "sys/devices/system/memory/memory%d/valid_zones", b);
		put(rel, "Movable");
	}
	CHECK(!svm_new(&ctx), "svm_new");
	r = svm_region_get_by_name(ctx, "region0");
	CHECK(r && svm_region_get_mode(r) == SVM_MODE_NUMA, "all online: numa");
	if (!r)
		goto out;
	CHECK(!strcmp(svm_region_get_mode_name(r), "numa-normal"), "mode name %s",
	      svm_region_get_mode_name(r));
	CHECK(svm_region_online(r, &movable) == -EBUSY &&
	      strstr(svm_get_error(ctx), "memory146") && strstr(svm_get_error(ctx), "ZONE_Normal"),
	      "online movable over a Normal block: %s", svm_get_error(ctx));
	r = svm_region_get_by_name(ctx, "region0");
	CHECK(svm_region_online(r, &normal) == -EBUSY && strstr(svm_get_error(ctx), "memory147"),
	      "online normal over Movable blocks: %s", svm_get_error(ctx));

	/* partly online, the online block in Normal: refused, nothing onlined */
	for (int b = 147; b <= 149; b++) {
		char rel[128];

		snprintf(rel, sizeof(rel), "sys/devices/system/memory/memory%d/state", b);
		put(rel, "offline");
	}
	svm_invalidate(ctx);
	r = svm_region_get_by_name(ctx, "region0");
	CHECK(r && !strcmp(svm_region_get_mode_name(r), "numa-partial-normal"), "mode name %s",
	      r ? svm_region_get_mode_name(r) : "");
	CHECK(svm_region_online(r, &movable) == -EBUSY &&
	      strstr(svm_get_error(ctx), "already online in ZONE_Normal"),
	      "online movable with memory146 Normal: %s", svm_get_error(ctx));
	for (int b = 146; b <= 149; b++) {
		char rel[128];

		snprintf(rel, sizeof(rel), "sys/devices/system/memory/memory%d/state", b);
		snprintf(state[b - 146], sizeof(state[0]), "%s", get(rel));
	}
	CHECK(!strcmp(state[0], "online") && !strcmp(state[1], "offline") &&
	      !strcmp(state[2], "offline") && !strcmp(state[3], "offline"),
	      "no block written: %s %s %s %s", state[0], state[1], state[2], state[3]);
	CHECK(!strcmp(get("sys/devices/system/memory/auto_online_blocks"), "online"),
	      "auto_online_blocks restored");
out:
	svm_unref(ctx);
}

/*
 * A memdev whose cxl_mem driver is being unbound: the driver core drops the driver link
 * before the unbind notifiers run (svm_cxl asks svm-cxld to offline the memory then), but
 * the endpoint port and the region are still there, and the memdev is still theirs.
 */
static void test_unbinding(void)
{
	struct svm_ctx *ctx;
	struct svm_memdev *m;
	char p[600];

	add_region("decoder3.0", "decoder4.0", "kmem");
	snprintf(p, sizeof(p), "%s/sys/devices/pci0000:de/0000:de:00.0/0000:df:00.0/mem1/driver",
		 root);
	CHECK(!unlink(p), "mem1 unbound: %s", p);
	CHECK(!svm_new(&ctx), "svm_new");
	m = svm_memdev_get_by_name(ctx, "mem1");
	CHECK(m && svm_memdev_get_endpoint(m) && !strcmp(svm_memdev_get_endpoint(m), "endpoint4"),
	      "unbinding mem1 keeps its endpoint4");
	CHECK(m && svm_memdev_get_region(m) == svm_region_get_by_name(ctx, "region0"),
	      "and its region0");
	CHECK(m && !strcmp(svm_memdev_get_host_bridge(m), "pci0000:de"), "and its host bridge");
	CHECK(!svm_region_is_stale(svm_region_get_by_name(ctx, "region0")), "region0 not stale");
	svm_unref(ctx);
}

static int alarms;
static void on_alarm(int sig)
{
	(void)sig;
	alarms++;
}

/*
 * offline leaves the application's SIGALRM handler and ITIMER_REAL alone (F10), and
 * hands the dax device back through libdaxctl: remove_id, then unbind. That the kernel
 * then drops the driver link, which libdaxctl checks, a file tree cannot show: the
 * offline ends with the error the library gives for a device kmem keeps.
 */
static void test_offline_timer(void)
{
	struct sigaction sa = { .sa_handler = on_alarm }, now;
	struct itimerval it = { .it_value = { .tv_sec = 30 } }, left;
	struct svm_ctx *ctx;
	struct svm_region *r;
	int rc;

	add_region("decoder3.0", "decoder4.0", "kmem");
	for (int b = 146; b <= 149; b++) {
		char rel[128];

		snprintf(rel, sizeof(rel), "sys/devices/system/memory/memory%d/state", b);
		put(rel, "online");
		snprintf(rel, sizeof(rel), "sys/devices/system/memory/memory%d/valid_zones", b);
		put(rel, "Movable");
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	CHECK(!svm_new(&ctx), "svm_new");
	r = svm_region_get_by_name(ctx, "region0");
	rc = r ? svm_region_offline(r, 5000) : -1;
	CHECK(rc == -EBUSY && strstr(svm_get_error(ctx), "unbinding dax0.0 from kmem failed") &&
	      strstr(svm_get_error(ctx), "retry the offline"),
	      "offline: the blocks, then kmem's release: %d %s", rc, svm_get_error(ctx));
	for (int b = 146; b <= 149; b++) {
		char rel[128];

		snprintf(rel, sizeof(rel), "sys/devices/system/memory/memory%d/state", b);
		CHECK(!strcmp(get(rel), "offline"), "memory%d offline: %s", b, get(rel));
	}
	CHECK(!strcmp(get("sys/bus/dax/drivers/kmem/remove_id"), "dax0.0") &&
	      !strcmp(get("sys/bus/dax/drivers/kmem/unbind"), "dax0.0"),
	      "kmem's id table entry removed, then dax0.0 unbound (libdaxctl): '%s' '%s'",
	      get("sys/bus/dax/drivers/kmem/remove_id"), get("sys/bus/dax/drivers/kmem/unbind"));
	getitimer(ITIMER_REAL, &left);
	CHECK(left.it_value.tv_sec > 20, "the caller's ITIMER_REAL still runs: %ld s left",
	      (long)left.it_value.tv_sec);
	sigaction(SIGALRM, NULL, &now);
	CHECK(now.sa_handler == on_alarm, "the caller's SIGALRM handler is still installed");
	CHECK(!alarms, "no SIGALRM delivered");
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	svm_unref(ctx);
}

/*
 * Objects a caller holds stay valid across svm_invalidate() (libcxl's model): they are
 * refreshed in place, and one whose device went away keeps its last values, ends a
 * foreach and comes back as the same object when the device does. Under valgrind
 * (glue-model-valgrind) any use after free fails the test.
 */
static void test_stable_objects(void)
{
	struct svm_ctx *ctx;
	struct svm_memdev *m0, *m1;
	struct svm_region *r, *r2;
	struct svm_dax *dax;
	struct svm_memblock *b;
	struct svm_pool *pool;
	char p[1024];
	int n;

	add_region("decoder3.0", "decoder4.0", "kmem");
	put("sys/devices/system/memory/memory146/state", "online");
	put("sys/devices/system/memory/memory146/valid_zones", "Movable");
	put("sys/devices/system/memory/memory147/state", "offline");
	put("sys/devices/virtual/misc/svm_cxl/pools/pool3/start", "0x490000000");
	put("sys/devices/virtual/misc/svm_cxl/pools/pool3/size", "536870912");
	CHECK(!svm_new(&ctx), "svm_new");
	m0 = svm_memdev_get_by_name(ctx, "mem0");
	m1 = svm_memdev_get_by_name(ctx, "mem1");
	r = svm_region_get_by_name(ctx, "region0");
	dax = r ? svm_region_get_dax(r) : NULL;
	b = dax ? svm_memblock_get_first(dax) : NULL;
	pool = svm_pool_get_first(ctx);
	CHECK(m0 && m1 && r && dax && b && pool, "objects read");
	if (!(m0 && m1 && r && dax && b && pool))
		goto out;

	/* values change under a held object: it is refreshed in place */
	put("sys/devices/system/memory/memory147/state", "online");
	put("sys/devices/system/memory/memory147/valid_zones", "Movable");
	put("sys/devices/pci0000:de/0000:de:00.0/0000:df:00.0/mem1/serial", "0x22");
	svm_invalidate(ctx);
	CHECK(svm_memdev_get_by_name(ctx, "mem1") == m1, "mem1 is the same object");
	CHECK(svm_memdev_get_serial(m1) == 0x22, "held mem1 refreshed: serial %#llx",
	      (unsigned long long)svm_memdev_get_serial(m1));
	CHECK(svm_region_get_by_name(ctx, "region0") == r, "region0 is the same object");
	CHECK(svm_region_get_dax(r) == dax, "dax0.0 is the same object");
	CHECK(svm_memblock_get_first(dax) == b, "memory146 is the same object");
	CHECK(svm_dax_get_nr_online(dax) == 2, "held dax refreshed: 2 blocks online, got %d",
	      svm_dax_get_nr_online(dax));
	CHECK(svm_pool_get_first(ctx) == pool, "pool3 is the same object");

	/* mem0 goes away: the held object keeps its name and values, foreach skips it */
	snprintf(p, sizeof(p), "%s/" BUS "mem0", root);
	unlink(p);
	snprintf(p, sizeof(p), "%s/dev/cxl/mem0", root);
	unlink(p);
	snprintf(p, sizeof(p), "%s/sys/devices/virtual/misc/svm_cxl/pools/pool3", root);
	snprintf(p + strlen(p), sizeof(p) - strlen(p), "/start");
	unlink(p);
	*strrchr(p, '/') = '\0';
	snprintf(p + strlen(p), sizeof(p) - strlen(p), "/size");
	unlink(p);
	*strrchr(p, '/') = '\0';
	rmdir(p);
	svm_invalidate(ctx);
	CHECK(!svm_memdev_get_by_name(ctx, "mem0"), "mem0 no longer listed");
	CHECK(!strcmp(svm_memdev_get_name(m0), "mem0") && svm_memdev_get_serial(m0) == 1,
	      "held mem0 keeps its values");
	CHECK(!svm_memdev_get_next(m0), "a gone memdev ends a foreach");
	CHECK(!svm_pool_get_first(ctx) && svm_pool_get_id(pool) == 3, "pool3 gone, held");
	CHECK(!svm_region_get_pool(r), "region0 has no pool any more");
	n = 0;
	svm_memdev_foreach(ctx, m1)
		n++;
	CHECK(n == 1, "1 memdev listed, got %d", n);

	/* it comes back: the same object again */
	link_to("../../../devices/pci0000:0c/0000:0c:00.0/0000:0d:00.0/mem0", BUS "mem0");
	put("dev/cxl/mem0", "");
	svm_invalidate(ctx);
	CHECK(svm_memdev_get_by_name(ctx, "mem0") == m0, "mem0 back as the same object");
	CHECK(svm_memdev_get_next(m0) != NULL, "and listed again");

	/* the region is destroyed: the caller's pointer still reads */
	snprintf(p, sizeof(p), "rm -rf %s/" BUS "region0 %s/" ROOT0 "/decoder0.0/region0", root,
		 root);
	CHECK(!system(p), "%s", p);
	svm_invalidate(ctx);
	r2 = svm_region_get_by_name(ctx, "region0");
	CHECK(!r2, "region0 no longer listed");
	CHECK(!strcmp(svm_region_get_name(r), "region0") && svm_dax_get_size(dax) == 512 << 20,
	      "held region0 and its dax keep their values");
	CHECK(!svm_region_get_next(r), "a gone region ends a foreach");
out:
	svm_unref(ctx);
}

/*
 * The system reads that go through libkmod and libnuma: a module's state (a loaded
 * module has initstate, a built-in one only its /sys/module directory) and a node's
 * MemTotal/MemFree.
 */
static void test_system(void)
{
	uint64_t total = 0, freeb = 0;
	struct svm_ctx *ctx;

	put("sys/module/kmem/initstate", "live");
	put("sys/module/svm_cxl/initstate", "going");
	put("sys/module/cxl_acpi/parameters/x", "");
	put("sys/devices/system/node/node1/meminfo",
	    "Node 1 MemTotal:       524288 kB\nNode 1 MemFree:        262144 kB\n"
	    "Node 1 MemUsed:        262144 kB\n");
	put("sys/devices/system/node/node2/meminfo", "Node 2 Active:  4 kB\n");
	CHECK(!svm_new(&ctx), "svm_new");
	CHECK(svm_module_is_loaded(ctx, "kmem"), "kmem live: loaded");
	CHECK(!svm_module_is_loaded(ctx, "svm_cxl"), "svm_cxl going: not loaded");
	CHECK(svm_module_is_loaded(ctx, "cxl_acpi"), "cxl_acpi built in: loaded");
	CHECK(!svm_module_is_loaded(ctx, "dax_cxl"), "dax_cxl absent: not loaded");
	CHECK(!svm_node_get_meminfo(ctx, 1, &total, &freeb) && total == 512ULL << 20 &&
	      freeb == 256ULL << 20, "node1: %llu total, %llu free",
	      (unsigned long long)total, (unsigned long long)freeb);
	CHECK(svm_node_get_meminfo(ctx, 3, &total, &freeb) == -ENOENT, "node3 has no meminfo");
	CHECK(svm_node_get_meminfo(ctx, 2, &total, &freeb) < 0, "node2: no MemTotal");
	svm_unref(ctx);
}

int main(void)
{
	static void (*const cases[])(void) = {
		test_model, test_create, test_pmem, test_zones, test_offline_timer,
		test_stable_objects, test_unbinding, test_system,
	};

	setenv("SVM_CXL_LOG", "none", 1);
	test_sizes();
	fake_sysfs_enter();
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake_sysfs_reset();
		build_tree();
		cases[i]();
	}
	fake_sysfs_remove();
	printf("%s\n", failures ? "FAILED" : "all passed");
	return failures ? 1 : 0;
}
