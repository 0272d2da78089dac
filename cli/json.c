// SPDX-License-Identifier: GPL-2.0-only
/* One <object>_to_json() per object; snake_case keys, like cxl list. */
#include <stdio.h>
#include <string.h>
#include <stdbool.h>

#include "cli.h"

static struct json_object *jsize(uint64_t v, unsigned long flags)
{
	char buf[32];

	if (flags & JSON_HUMAN)
		return json_object_new_string(svm_format_size(v, buf, sizeof(buf)));
	return json_object_new_uint64(v);
}

static struct json_object *jaddr(uint64_t v, unsigned long flags)
{
	char buf[32];

	if (flags & JSON_HUMAN) {
		snprintf(buf, sizeof(buf), "%#llx", (unsigned long long)v);
		return json_object_new_string(buf);
	}
	return json_object_new_uint64(v);
}

#define ADD(o, k, v) json_object_object_add(o, k, v)

struct json_object *memdev_to_json(struct svm_memdev *m, unsigned long flags)
{
	struct json_object *o = json_object_new_object();
	struct svm_region *r = svm_memdev_get_region(m);
	char serial[32];

	ADD(o, "memdev", json_object_new_string(svm_memdev_get_name(m)));
	if (flags & JSON_HUMAN) {
		snprintf(serial, sizeof(serial), "%#llx",
			 (unsigned long long)svm_memdev_get_serial(m));
		ADD(o, "serial", json_object_new_string(serial));
	} else {
		ADD(o, "serial", json_object_new_uint64(svm_memdev_get_serial(m)));
	}
	ADD(o, "host", json_object_new_string(svm_memdev_get_host(m)));
	ADD(o, "host_bridge", json_object_new_string(svm_memdev_get_host_bridge(m)));
	ADD(o, "ram_size", jsize(svm_memdev_get_ram_size(m), flags));
	if (svm_memdev_get_endpoint(m))
		ADD(o, "endpoint", json_object_new_string(svm_memdev_get_endpoint(m)));
	if (r)
		ADD(o, "region", json_object_new_string(svm_region_get_name(r)));
	if (svm_memdev_get_orphan_dpa(m))
		ADD(o, "orphan_dpa", jsize(svm_memdev_get_orphan_dpa(m), flags));
	return o;
}

struct json_object *decoder_to_json(struct svm_root_decoder *d, unsigned long flags)
{
	struct json_object *o = json_object_new_object(), *t = json_object_new_array();

	ADD(o, "decoder", json_object_new_string(svm_root_decoder_get_name(d)));
	ADD(o, "resource", jaddr(svm_root_decoder_get_start(d), flags));
	ADD(o, "size", jsize(svm_root_decoder_get_size(d), flags));
	ADD(o, "interleave_ways", json_object_new_int(svm_root_decoder_get_ways(d)));
	ADD(o, "interleave_granularity",
	    json_object_new_int(svm_root_decoder_get_granularity(d)));
	ADD(o, "volatile_capable", json_object_new_boolean(svm_root_decoder_is_ram_capable(d)));
	for (int i = 0; i < svm_root_decoder_get_nr_targets(d); i++) {
		struct json_object *e = json_object_new_object();

		ADD(e, "position", json_object_new_int(i));
		ADD(e, "target", json_object_new_string(svm_root_decoder_get_target(d, i)));
		json_object_array_add(t, e);
	}
	ADD(o, "nr_targets", json_object_new_int(svm_root_decoder_get_nr_targets(d)));
	ADD(o, "targets", t);
	return o;
}

struct json_object *dax_to_json(struct svm_dax *d, unsigned long flags)
{
	struct json_object *o = json_object_new_object();
	const char *drv = svm_dax_get_driver(d);
	struct svm_memblock *b;

	ADD(o, "chardev", json_object_new_string(svm_dax_get_name(d)));
	ADD(o, "resource", jaddr(svm_dax_get_start(d), flags));
	ADD(o, "size", jsize(svm_dax_get_size(d), flags));
	ADD(o, "target_node", json_object_new_int(svm_dax_get_target_node(d)));
	ADD(o, "driver", drv ? json_object_new_string(drv) : NULL);
	ADD(o, "online_memblocks", json_object_new_int(svm_dax_get_nr_online(d)));
	ADD(o, "total_memblocks", json_object_new_int(svm_dax_get_nr_memblocks(d)));
	if (flags & JSON_VERBOSE) {
		struct json_object *a = json_object_new_array();
		struct svm_ctx *ctx = svm_dax_get_ctx(d);
		uint64_t total, freeb;

		svm_memblock_foreach(d, b) {
			struct json_object *e = json_object_new_object();
			const char *z = svm_memblock_get_zone(b);

			ADD(e, "memblock", json_object_new_int(svm_memblock_get_id(b)));
			ADD(e, "state", json_object_new_string(svm_memblock_is_online(b) ?
								"online" : "offline"));
			if (z)
				ADD(e, "zone", json_object_new_string(z));
			json_object_array_add(a, e);
		}
		ADD(o, "memblocks", a);
		if (svm_dax_get_nr_online(d) && svm_dax_get_target_node(d) >= 0)
			ADD(o, "memory_tier",
			    json_object_new_int(svm_node_get_memory_tier(ctx, svm_dax_get_target_node(d))));
		if (svm_dax_get_nr_online(d) && svm_dax_get_target_node(d) >= 0 &&
		    !svm_node_get_meminfo(ctx, svm_dax_get_target_node(d), &total, &freeb)) {
			ADD(o, "node_total_pages", json_object_new_uint64(total / 4096));
			ADD(o, "node_free_pages", json_object_new_uint64(freeb / 4096));
			ADD(o, "node_used_pages", json_object_new_uint64((total - freeb) / 4096));
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
	ADD(o, "resource", jaddr(svm_pool_get_start(p), flags));
	ADD(o, "size", jsize(svm_pool_get_size(p), flags));
	ADD(o, "state", json_object_new_string(svm_pool_get_state(p)));
	ADD(o, "total_pages", json_object_new_uint64(svm_pool_get_pages_total(p)));
	ADD(o, "used_pages", json_object_new_uint64(svm_pool_get_pages_used(p)));
	return o;
}

struct json_object *region_to_json(struct svm_region *r, unsigned long flags)
{
	struct json_object *o = json_object_new_object(), *t = json_object_new_array();
	struct svm_root_decoder *root = svm_region_get_root_decoder(r);
	struct svm_dax *dax = svm_region_get_dax(r);
	struct svm_pool *pool = svm_region_get_pool(r);
	uint64_t start = svm_region_get_start(r);

	ADD(o, "region", json_object_new_string(svm_region_get_name(r)));
	if (start != UINT64_MAX)
		ADD(o, "resource", jaddr(start, flags));
	ADD(o, "size", jsize(svm_region_get_size(r), flags));
	ADD(o, "type", json_object_new_string(svm_region_get_type(r)));
	ADD(o, "interleave_ways", json_object_new_int(svm_region_get_ways(r)));
	ADD(o, "interleave_granularity", json_object_new_int(svm_region_get_granularity(r)));
	ADD(o, "decode_state", json_object_new_string(svm_region_is_committed(r) ?
						       "commit" : "reset"));
	ADD(o, "enabled", json_object_new_boolean(svm_region_is_enabled(r)));
	ADD(o, "mode", json_object_new_string(svm_region_get_mode_name(r)));
	if (svm_region_is_stale(r))
		ADD(o, "state", json_object_new_string("stale"));
	if (root)
		ADD(o, "root_decoder", json_object_new_string(svm_root_decoder_get_name(root)));
	for (int i = 0; i < svm_region_get_nr_targets(r); i++) {
		struct json_object *e = json_object_new_object();
		struct svm_memdev *m = svm_region_get_target_memdev(r, i);
		const char *dec = svm_region_get_target_decoder(r, i);

		ADD(e, "position", json_object_new_int(i));
		ADD(e, "decoder", dec[0] ? json_object_new_string(dec) : NULL);
		ADD(e, "memdev", m ? json_object_new_string(svm_memdev_get_name(m)) : NULL);
		json_object_array_add(t, e);
	}
	ADD(o, "nr_targets", json_object_new_int(svm_region_get_nr_targets(r)));
	ADD(o, "targets", t);
	if (dax)
		ADD(o, "dax", dax_to_json(dax, flags));
	if (pool)
		ADD(o, "pool", pool_to_json(pool, flags));
	return o;
}

struct json_object *preflight_to_json(struct svm_region *r, const struct svm_preflight *pf)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();

	ADD(o, "region", json_object_new_string(svm_region_get_name(r)));
	ADD(o, "mode", json_object_new_string(svm_mode_name(pf->mode)));
	ADD(o, "node", json_object_new_int(pf->node));
	ADD(o, "total_memblocks", json_object_new_int(pf->nr_blocks));
	ADD(o, "online_memblocks", json_object_new_int(pf->nr_online));
	ADD(o, "movable_memblocks", json_object_new_int(pf->nr_movable));
	ADD(o, "normal_memblocks", json_object_new_int(pf->nr_normal));
	ADD(o, "node_used_pages", json_object_new_uint64((pf->node_total - pf->node_free) / 4096));
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
