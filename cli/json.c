// SPDX-License-Identifier: GPL-2.0-only
/*
 * One <object>_to_json() per object, with cxl list's and daxctl list's key names
 * (cxl/json.c, daxctl/json.c of ndctl) plus the keys that are ours (mode, pool, ...).
 * Numbers stay numbers; -u only changes how they are printed (a json-c serializer, as
 * ndctl's util_json_object_size/_hex do). A key without a value is left out.
 */
#include <stdio.h>
#include <string.h>
#include <stdbool.h>
#include <unistd.h>
#include <json-c/printbuf.h>

#include "cli.h"

/* ndctl's display_size (util/json.c, adapted from mdadm): IEC and JEDEC, 2 decimals */
static int display_size(struct json_object *jobj, struct printbuf *pbuf, int level, int flags)
{
	uint64_t bytes = json_object_get_uint64(jobj);
	char buf[128];
	int c;

	if (bytes < 5000ULL << 10)
		snprintf(buf, sizeof(buf), "%llu", (unsigned long long)bytes);
	else {
		const char *iec = "TiB", *jedec = "TB";
		uint64_t ib = 1ULL << 40, db = 1000000000000ULL;

		if (bytes < 2ULL << 30) {
			iec = "MiB"; jedec = "MB"; ib = 1ULL << 20; db = 1000000ULL;
		} else if (bytes < 2ULL << 40) {
			iec = "GiB"; jedec = "GB"; ib = 1ULL << 30; db = 1000000000ULL;
		}
		/* centi-units, rounded */
		uint64_t ci = (bytes * 200 / ib + 1) / 2, cd = (bytes / (db / 200) + 1) / 2;

		c = snprintf(buf, sizeof(buf), "\"%llu.%02llu %s", (unsigned long long)(ci / 100),
			     (unsigned long long)(ci % 100), iec);
		snprintf(buf + c, sizeof(buf) - c, " (%llu.%02llu %s)\"",
			 (unsigned long long)(cd / 100), (unsigned long long)(cd % 100), jedec);
	}
	return printbuf_memappend(pbuf, buf, strlen(buf));
}

static int display_hex(struct json_object *jobj, struct printbuf *pbuf, int level, int flags)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "\"%#llx\"", (unsigned long long)json_object_get_uint64(jobj));
	return printbuf_memappend(pbuf, buf, strlen(buf));
}

static struct json_object *jsize(uint64_t v, unsigned long flags)
{
	struct json_object *o = json_object_new_uint64(v);

	if (o && (flags & JSON_HUMAN))
		json_object_set_serializer(o, display_size, NULL, NULL);
	return o;
}

static struct json_object *jhex(uint64_t v, unsigned long flags)
{
	struct json_object *o = json_object_new_uint64(v);

	if (o && (flags & JSON_HUMAN))
		json_object_set_serializer(o, display_hex, NULL, NULL);
	return o;
}

#define ADD(o, k, v) json_object_object_add(o, k, v)
#define ADD_STR(o, k, s) do { if (s) ADD(o, k, json_object_new_string(s)); } while (0)
#define ADD_TRUE(o, k, b) do { if (b) ADD(o, k, json_object_new_boolean(true)); } while (0)

static unsigned long page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	return ps > 0 ? (unsigned long)ps : 4096;
}

struct json_object *memdev_to_json(struct svm_memdev *m, unsigned long flags)
{
	struct json_object *o = json_object_new_object();
	struct svm_region *r = svm_memdev_get_region(m);
	uint64_t orphan = svm_memdev_get_orphan_dpa(m);

	ADD(o, "memdev", json_object_new_string(svm_memdev_get_name(m)));
	if (svm_memdev_get_ram_size(m))
		ADD(o, "ram_size", jsize(svm_memdev_get_ram_size(m), flags));
	ADD(o, "serial", jhex(svm_memdev_get_serial(m), flags));
	ADD_STR(o, "host", svm_memdev_get_host(m));
	/* not bound to cxl_mem: no endpoint port (cxl list says "disabled" too) */
	if (!svm_memdev_get_endpoint(m))
		ADD(o, "state", json_object_new_string("disabled"));
	/* ours */
	ADD_STR(o, "host_bridge", svm_memdev_get_host_bridge(m));
	ADD_STR(o, "endpoint", svm_memdev_get_endpoint(m));
	if (r)
		ADD(o, "region", json_object_new_string(svm_region_get_name(r)));
	if (orphan)
		ADD(o, "orphan_dpa", jsize(orphan, flags));
	return o;
}

struct json_object *decoder_to_json(struct svm_root_decoder *d, unsigned long flags)
{
	struct json_object *o = json_object_new_object();
	unsigned int ways = svm_root_decoder_get_ways(d);
	int nr = svm_root_decoder_get_nr_targets(d);

	ADD(o, "decoder", json_object_new_string(svm_root_decoder_get_name(d)));
	if (svm_root_decoder_get_size(d)) {
		ADD(o, "resource", jhex(svm_root_decoder_get_start(d), flags));
		ADD(o, "size", jsize(svm_root_decoder_get_size(d), flags));
	}
	ADD(o, "interleave_ways", json_object_new_int(ways));
	/* granularity means nothing without interleave (cxl list leaves it out too) */
	if (ways > 1)
		ADD(o, "interleave_granularity",
		    json_object_new_int(svm_root_decoder_get_granularity(d)));
	ADD_TRUE(o, "volatile_capable", svm_root_decoder_is_ram_capable(d));
	ADD(o, "nr_targets", json_object_new_int(nr));
	if ((flags & JSON_TARGETS) && nr > 0) {
		struct json_object *t = json_object_new_array();

		for (int i = 0; i < nr; i++) {
			struct json_object *e = json_object_new_object();

			ADD(e, "target", json_object_new_string(svm_root_decoder_get_target(d, i)));
			ADD(e, "position", json_object_new_int(i));
			json_object_array_add(t, e);
		}
		ADD(o, "targets", t);
	}
	return o;
}

/* memory blocks of @d: the movable verdict daxctl prints, and (-vv) each block */
static void memblocks_to_json(struct json_object *o, struct svm_dax *d, unsigned long flags)
{
	struct json_object *a = (flags & JSON_MEMBLOCKS) ? json_object_new_array() : NULL;
	struct svm_memblock *b;
	int online = 0, movable = 0;

	svm_memblock_foreach(d, b) {
		const char *z = svm_memblock_get_zone(b);

		if (svm_memblock_is_online(b)) {
			online++;
			movable += z && !strcmp(z, "Movable");
		}
		if (a) {
			struct json_object *e = json_object_new_object();

			ADD(e, "memblock", json_object_new_int(svm_memblock_get_id(b)));
			ADD(e, "state", json_object_new_string(svm_memblock_is_online(b) ?
								"online" : "offline"));
			ADD_STR(e, "zone", z);
			json_object_array_add(a, e);
		}
	}
	/* daxctl: movable when every online block is in ZONE_MOVABLE */
	if (online)
		ADD(o, "movable", json_object_new_boolean(movable == online));
	if (a)
		ADD(o, "memblocks", a);
}

struct json_object *dax_to_json(struct svm_dax *d, unsigned long flags)
{
	struct json_object *o = json_object_new_object();
	const char *drv = svm_dax_get_driver(d);
	bool kmem = drv && !strcmp(drv, "kmem");
	int node = svm_dax_get_target_node(d);

	ADD(o, "chardev", json_object_new_string(svm_dax_get_name(d)));
	ADD(o, "resource", jhex(svm_dax_get_start(d), flags));
	ADD(o, "size", jsize(svm_dax_get_size(d), flags));
	if (node >= 0)
		ADD(o, "target_node", json_object_new_int(node));
	/* daxctl's modes: system-ram while kmem holds it, devdax otherwise */
	ADD(o, "mode", json_object_new_string(kmem ? "system-ram" : "devdax"));
	if (!drv)
		ADD(o, "state", json_object_new_string("disabled"));
	ADD_STR(o, "driver", drv);
	if (kmem) {
		ADD(o, "online_memblocks", json_object_new_int(svm_dax_get_nr_online(d)));
		ADD(o, "total_memblocks", json_object_new_int(svm_dax_get_nr_memblocks(d)));
		if (flags & JSON_VERBOSE)
			memblocks_to_json(o, d, flags);
	}
	if ((flags & JSON_VERBOSE) && kmem && svm_dax_get_nr_online(d) && node >= 0) {
		struct svm_ctx *ctx = svm_dax_get_ctx(d);
		unsigned long ps = page_size();
		uint64_t total, freeb;
		int tier = svm_node_get_memory_tier(ctx, node);

		if (tier >= 0)
			ADD(o, "memory_tier", json_object_new_int(tier));
		if (!svm_node_get_meminfo(ctx, node, &total, &freeb)) {
			ADD(o, "node_total_pages", json_object_new_uint64(total / ps));
			ADD(o, "node_free_pages", json_object_new_uint64(freeb / ps));
			ADD(o, "node_used_pages", json_object_new_uint64((total - freeb) / ps));
		}
	}
	return o;
}

struct json_object *pool_to_json(struct svm_pool *p, unsigned long flags)
{
	struct json_object *o = json_object_new_object();
	char name[32];

	snprintf(name, sizeof(name), "pool%d", svm_pool_get_id(p));
	ADD(o, "pool", json_object_new_string(name));
	ADD(o, "id", json_object_new_int(svm_pool_get_id(p)));
	ADD(o, "resource", jhex(svm_pool_get_start(p), flags));
	ADD(o, "size", jsize(svm_pool_get_size(p), flags));
	ADD_STR(o, "state", svm_pool_get_state(p));
	/* pages as svm_cxl counts them (its own page size, from sysfs) */
	ADD(o, "total_pages", json_object_new_uint64(svm_pool_get_pages_total(p)));
	ADD(o, "used_pages", json_object_new_uint64(svm_pool_get_pages_used(p)));
	return o;
}

/* processes with pages on the region's node (-vvv: a /proc scan, as offline does) */
static void holders_to_json(struct json_object *o, struct svm_region *r)
{
	struct svm_preflight pf = { .struct_size = sizeof(pf) };
	struct json_object *a;

	if (svm_region_preflight(r, &pf) || pf.node < 0)
		return;
	a = json_object_new_array();
	for (int i = 0; i < pf.nr_procs && i < 16; i++) {
		struct json_object *e = json_object_new_object();

		ADD(e, "pid", json_object_new_int(pf.procs[i]));
		ADD(e, "pages", json_object_new_uint64(pf.proc_pages[i]));
		json_object_array_add(a, e);
	}
	ADD(o, "nr_processes", json_object_new_int(pf.nr_procs));
	ADD(o, "processes", a);
}

struct json_object *region_to_json(struct svm_region *r, unsigned long flags)
{
	struct json_object *o = json_object_new_object();
	struct svm_root_decoder *root = svm_region_get_root_decoder(r);
	struct svm_dax *dax = svm_region_get_dax(r);
	struct svm_pool *pool = svm_region_get_pool(r);
	uint64_t start = svm_region_get_start(r);
	const char *type = svm_region_get_type(r);
	int nr = svm_region_get_nr_targets(r);

	ADD(o, "region", json_object_new_string(svm_region_get_name(r)));
	if (start != UINT64_MAX)
		ADD(o, "resource", jhex(start, flags));
	ADD(o, "size", jsize(svm_region_get_size(r), flags));
	if (type && strcmp(type, "?"))
		ADD(o, "type", json_object_new_string(type));
	ADD(o, "interleave_ways", json_object_new_int(svm_region_get_ways(r)));
	ADD(o, "interleave_granularity", json_object_new_int(svm_region_get_granularity(r)));
	ADD(o, "decode_state", json_object_new_string(svm_region_is_committed(r) ?
						       "commit" : "reset"));
	if (!svm_region_is_enabled(r))
		ADD(o, "state", json_object_new_string("disabled"));
	/* cxl list's mappings: position, memdev (left out when gone), decoder */
	if ((flags & JSON_TARGETS) && nr > 0) {
		struct json_object *t = json_object_new_array();

		for (int i = 0; i < nr; i++) {
			struct json_object *e = json_object_new_object();
			struct svm_memdev *m = svm_region_get_target_memdev(r, i);
			const char *dec = svm_region_get_target_decoder(r, i);

			ADD(e, "position", json_object_new_int(i));
			if (m)
				ADD(e, "memdev", json_object_new_string(svm_memdev_get_name(m)));
			if (dec && dec[0])
				ADD(e, "decoder", json_object_new_string(dec));
			json_object_array_add(t, e);
		}
		ADD(o, "mappings", t);
	}
	/* ours: what svm-cxl made of it */
	ADD(o, "mode", json_object_new_string(svm_region_get_mode_name(r)));
	ADD_TRUE(o, "stale", svm_region_is_stale(r));
	if (root)
		ADD(o, "root_decoder", json_object_new_string(svm_root_decoder_get_name(root)));
	if (dax)
		ADD(o, "dax", dax_to_json(dax, flags));
	if (pool)
		ADD(o, "pool", pool_to_json(pool, flags));
	if (flags & JSON_HOLDERS)
		holders_to_json(o, r);
	return o;
}

struct json_object *preflight_to_json(struct svm_region *r, const struct svm_preflight *pf)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();

	ADD(o, "region", json_object_new_string(svm_region_get_name(r)));
	ADD(o, "mode", json_object_new_string(svm_mode_name(pf->mode)));
	if (pf->node >= 0)
		ADD(o, "node", json_object_new_int(pf->node));
	ADD(o, "total_memblocks", json_object_new_int(pf->nr_blocks));
	ADD(o, "online_memblocks", json_object_new_int(pf->nr_online));
	ADD(o, "movable_memblocks", json_object_new_int(pf->nr_movable));
	ADD(o, "normal_memblocks", json_object_new_int(pf->nr_normal));
	ADD(o, "node_used_pages",
	    json_object_new_uint64((pf->node_total - pf->node_free) / page_size()));
	ADD(o, "pool_used_pages", json_object_new_uint64(pf->pool_used_pages));
	for (int i = 0; i < pf->nr_procs && i < 16; i++) {
		struct json_object *p = json_object_new_object();

		ADD(p, "pid", json_object_new_int(pf->procs[i]));
		ADD(p, "pages", json_object_new_uint64(pf->proc_pages[i]));
		json_object_array_add(a, p);
	}
	ADD(o, "nr_processes", json_object_new_int(pf->nr_procs));
	ADD(o, "processes", a);
	ADD(o, "can_offline", json_object_new_boolean(pf->can_offline));
	if (pf->reason[0])
		ADD(o, "reason", json_object_new_string(pf->reason));
	return o;
}

void print_json(struct json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						     JSON_C_TO_STRING_SPACED |
						     JSON_C_TO_STRING_NOSLASHESCAPE));
}
