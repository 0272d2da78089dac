// SPDX-License-Identifier: GPL-2.0-only
/* Events for monitors (engine.h emit callback) and their JSON. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine-int.h"

void svmd_emit(struct svmd_engine *e, struct json_object *ev)
{
	if (e->emit)
		e->emit(ev, e->emit_data);
	json_object_put(ev);
}

struct json_object *svmd_event(const char *name)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "event", json_object_new_string(name));
	return o;
}

void svmd_ev_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

void svmd_ev_int(struct json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

struct json_object *svmd_serials_json(const uint64_t *s, unsigned int n)
{
	struct json_object *a = json_object_new_array();

	for (unsigned int i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_uint64(s[i]));
	return a;
}


const char *svmd_mode_of(struct svm_region *r)
{
	return svm_mode_name(svm_region_get_mode(r));
}

void svmd_emit_region(struct svmd_engine *e, const char *name, struct svm_region *r,
			const struct svm_journal_entry *en, uint64_t ms)
{
	struct json_object *ev = svmd_event(name);
	struct svm_dax *d = r ? svm_region_get_dax(r) : NULL;
	struct svm_pool *p = r ? svm_region_get_pool(r) : NULL;

	svmd_ev_str(ev, "region", en->region);
	json_object_object_add(ev, "serials", svmd_serials_json(en->serials, en->nr_serials));
	svmd_ev_str(ev, "mode", en->mode);
	if (en->zone[0])
		svmd_ev_str(ev, "zone", en->zone);
	svmd_ev_str(ev, "rule", en->rule);
	if (r)
		svmd_ev_str(ev, "state", svmd_mode_of(r));
	if (d && svm_dax_get_target_node(d) >= 0)
		svmd_ev_int(ev, "node", svm_dax_get_target_node(d));
	if (p)
		svmd_ev_int(ev, "pool", svm_pool_get_id(p));
	if (ms)
		svmd_ev_int(ev, "ms", (int64_t)ms);
	svmd_emit(e, ev);
}
