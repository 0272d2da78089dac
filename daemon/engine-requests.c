// SPDX-License-Identifier: GPL-2.0-only
/* Control requests: offline, online, status, pool counters, the attention button. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine-int.h"
#include "place.h"

/* requests */

static struct svm_region *resolve(struct svmd_engine *e, const char *object, char *err,
				  size_t errlen, int *code)
{
	struct svm_region *r = NULL;

	svm_invalidate(e->ctx);
	if (!strncmp(object, "region", 6)) {
		r = svm_region_get_by_name(e->ctx, object);
		if (!r)
			snprintf(err, errlen, "%s: no such region", object);
	} else {
		struct svm_memdev *m = svm_memdev_get_by_name(e->ctx, object);

		if (!m)
			snprintf(err, errlen, "%s: no such memdev", object);
		else if (!(r = svm_memdev_get_region(m)))
			snprintf(err, errlen, "%s has no region", object);
	}
	*code = r ? 0 : SVMD_ENOTFOUND;
	return r;
}

static int entry_for_region(struct svmd_engine *e, struct svm_region *r,
			    struct svm_journal_entry *en)
{
	const struct svm_journal_entry *found;
	int ns = svmd_region_ids(r, en);

	if (ns <= 0)
		return -ENODEV;
	found = svm_journal_find(e->journal, en);
	if (found) {
		*en = *found;
		return 0;
	}
	snprintf(en->region, sizeof(en->region), "%s", svm_region_get_name(r));
	snprintf(en->mode, sizeof(en->mode), "%s", svmd_mode_of(r));
	snprintf(en->rule, sizeof(en->rule), "adopted");
	en->phase = SVM_PHASE_ONLINE;
	return 0;
}

/*
 * After a failed offline, journal what is there, not what was hoped for: a rollback
 * that put every block back leaves the region online; blocks offline under a kmem that
 * would not let go, or a rollback that could not online a block again, leave it half
 * way, and the entry stays OFFLINING so that the next pass (or the next start, after a
 * crash) finishes the offline the operator asked for.
 */
void svmd_journal_failed_offline(struct svmd_engine *e, struct svm_journal_entry *en,
				 const char *name)
{
	struct svm_region *r = svm_region_get_by_name(e->ctx, name);
	enum svm_mode m = r ? svm_region_get_mode(r) : SVM_MODE_NONE;

	if (m == SVM_MODE_NUMA || m == SVM_MODE_COHERENT || m == SVM_MODE_DEVDAX) {
		svmd_put(e, en, SVM_PHASE_ONLINE);
		return;
	}
	log_warn("%s: left %s by the failed offline; journaled as offlining, the next pass finishes it",
		 name, r ? svm_mode_name(m) : "gone");
	e->want_retry = true;
}

int svmd_engine_offline(struct svmd_engine *e, const char *object, char *err, size_t errlen)
{
	struct svm_memdev *mds[MAX_MDS];
	struct svm_journal_entry en;
	struct svm_region *r;
	uint64_t t0 = svmd_now_ms();
	char name[32];
	int code, rc, node;

	r = resolve(e, object, err, errlen, &code);
	if (!r)
		return code;
	snprintf(name, sizeof(name), "%s", svm_region_get_name(r));
	if (svm_region_is_stale(r) || entry_for_region(e, r, &en)) {
		snprintf(err, errlen, "%s is stale (its device is gone); nothing to offline", name);
		return SVMD_EFAIL;
	}
	/* the operator asked: the policy does not bring it back */
	svmd_load_holds(e);
	if (svmd_all_present(e, &en, mds))
		svmd_hold(e, mds, en.nr_serials, "offline", "svm-cxld offline request");
	r = svm_region_get_by_name(e->ctx, name);
	if (!r) {
		snprintf(err, errlen, "%s: no such region", name);
		return SVMD_ENOTFOUND;
	}
	if (svmd_put(e, &en, SVM_PHASE_OFFLINING)) {
		snprintf(err, errlen, "cannot write the journal");
		return SVMD_EFAIL;
	}
	svmd_stop_hook(e, "offlining");
	node = svm_region_get_dax(r) ? svm_dax_get_target_node(svm_region_get_dax(r)) : -1;
	rc = svm_region_offline(r, e->offline_timeout_ms);
	if (rc) {
		snprintf(err, errlen, "%s", svm_get_error(e->ctx));
		log_err("%s: offline request failed: %s", name, err);
		svmd_journal_failed_offline(e, &en, name);
		return rc == -EBUSY ? SVMD_EBUSY : SVMD_EFAIL;
	}
	if (svmd_put(e, &en, SVM_PHASE_OFFLINE)) {
		snprintf(err, errlen, "offline done but the journal could not record it");
		return SVMD_EFAIL;
	}
	svmd_isolate_release(e, name, node);
	log_info("%s: offline on request in %llu ms", name, (unsigned long long)(svmd_now_ms() - t0));
	svmd_emit_region(e, "region-offline", svm_region_get_by_name(e->ctx, name), &en, svmd_now_ms() - t0);
	return 0;
}

int svmd_engine_online(struct svmd_engine *e, const char *object, char *err, size_t errlen)
{
	struct svm_memdev *mds[MAX_MDS];
	struct svm_journal_entry en;
	struct svm_region *r;
	char name[32];
	int code;

	r = resolve(e, object, err, errlen, &code);
	if (!r)
		return code;
	snprintf(name, sizeof(name), "%s", svm_region_get_name(r));
	if (svm_region_is_stale(r) || entry_for_region(e, r, &en) || !svmd_all_present(e, &en, mds)) {
		snprintf(err, errlen, "%s is stale (its device is gone)", name);
		return SVMD_EFAIL;
	}
	/* online per policy: the operator hands the region back to the policy */
	svmd_load_holds(e);
	for (unsigned int i = 0; i < en.nr_serials; i++)
		svmd_holds_drop(&e->holds, svm_memdev_get_serial(mds[i]), svm_memdev_get_host(mds[i]));
	svmd_save_holds(e);
	r = svm_region_get_by_name(e->ctx, name);
	svmd_decide(e, mds, en.nr_serials, r, &en);
	if (!strcmp(en.mode, "ignore")) {
		snprintf(err, errlen, "rule \"%s\" says ignore", en.rule);
		return SVMD_EFAIL;
	}
	if (svmd_put(e, &en, SVM_PHASE_ONLINING)) {
		snprintf(err, errlen, "cannot write the journal");
		return SVMD_EFAIL;
	}
	if (svmd_apply_mode(e, &en, r)) {
		snprintf(err, errlen, "%s", svm_get_error(e->ctx));
		svmd_put(e, &en, SVM_PHASE_OFFLINE);
		return SVMD_EFAIL;
	}
	svmd_put(e, &en, SVM_PHASE_ONLINE);
	return 0;
}

struct json_object *svmd_engine_status(struct svmd_engine *e)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();
	struct svm_pool *p;

	svm_invalidate(e->ctx);
	svmd_ev_str(o, "policy", e->policy_from_file ? e->policy_path : "built-in defaults");
	svmd_ev_int(o, "rules", (int64_t)svm_policy_rule_count(e->policy));
	svmd_ev_int(o, "generation", (int64_t)svm_journal_generation(e->journal));
	for (size_t i = 0; i < svm_journal_count(e->journal); i++) {
		const struct svm_journal_entry *en = svm_journal_at(e->journal, i);
		struct json_object *j = json_object_new_object();
		struct svm_region *r = en->region[0] ? svm_region_get_by_name(e->ctx, en->region) : NULL;

		svmd_ev_str(j, "region", en->region);
		json_object_object_add(j, "serials", svmd_serials_json(en->serials, en->nr_serials));
		svmd_ev_str(j, "mode", en->mode);
		if (en->zone[0])
			svmd_ev_str(j, "zone", en->zone);
		svmd_ev_str(j, "rule", en->rule);
		svmd_ev_str(j, "phase", svm_journal_phase_name(en->phase));
		if (r)
			svmd_ev_str(j, "state", svmd_mode_of(r));
		json_object_array_add(a, j);
	}
	json_object_object_add(o, "entries", a);
	a = json_object_new_array();
	svmd_holds_load(&e->holds, e->state_dir);
	for (size_t i = 0; i < e->holds.n; i++) {
		const struct svmd_hold *h = &e->holds.h[i];
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "serial", json_object_new_uint64(h->serial));
		if (h->host[0])
			svmd_ev_str(j, "host", h->host);
		svmd_ev_str(j, "memdev", h->memdev);
		svmd_ev_str(j, "state", h->state);
		svmd_ev_str(j, "by", h->by);
		svmd_ev_int(j, "since", h->since);
		json_object_array_add(a, j);
	}
	json_object_object_add(o, "holds", a);
	a = json_object_new_array();
	svm_pool_foreach(e->ctx, p) {
		struct json_object *j = json_object_new_object();

		svmd_ev_int(j, "pool", svm_pool_get_id(p));
		svmd_ev_str(j, "state", svm_pool_get_state(p));
		svmd_ev_int(j, "pages", (int64_t)svm_pool_get_pages_total(p));
		svmd_ev_int(j, "used", (int64_t)svm_pool_get_pages_used(p));
		json_object_array_add(a, j);
	}
	json_object_object_add(o, "pools", a);
	if (e->place)
		json_object_object_add(o, "placement", svmd_place_status(e->place, e->policy));
	return o;
}

void svmd_engine_poll_pools(struct svmd_engine *e)
{
	static struct { int id; uint64_t used; } last[32];
	static int nlast;
	struct svm_pool *p;

	svm_invalidate(e->ctx);
	svm_pool_foreach(e->ctx, p) {
		int id = svm_pool_get_id(p), k;
		uint64_t used = svm_pool_get_pages_used(p);
		struct json_object *ev;

		for (k = 0; k < nlast && last[k].id != id; k++)
			;
		if (k < nlast && last[k].used == used)
			continue;
		if (k == nlast && nlast < 32)
			nlast++;
		if (k < 32) {
			last[k].id = id;
			last[k].used = used;
		}
		ev = svmd_event("pool");
		svmd_ev_int(ev, "pool", id);
		svmd_ev_str(ev, "state", svm_pool_get_state(p));
		svmd_ev_int(ev, "pages", (int64_t)svm_pool_get_pages_total(p));
		svmd_ev_int(ev, "used", (int64_t)used);
		svmd_emit(e, ev);
	}
}


/* is PCI device @bdf below the port @port? */
static bool pci_below(struct svm_ctx *ctx, const char *bdf, const char *port)
{
	char p[4096], real[4096], needle[64];

	snprintf(p, sizeof(p), "%s/sys/bus/pci/devices/%s", svm_get_root(ctx), bdf);
	if (!realpath(p, real))
		return false;
	snprintf(needle, sizeof(needle), "/%s/", port);
	return strstr(real, needle) != NULL;
}

void svmd_engine_button_press(struct svmd_engine *e, const char *port, unsigned int budget_ms)
{
	char names[16][32];
	struct svm_memdev *m;
	int n = 0;

	svm_invalidate(e->ctx);
	svm_memdev_foreach(e->ctx, m) {
		struct svm_region *r = svm_memdev_get_region(m);
		const char *bdf = svm_memdev_get_host(m);

		if (r && bdf && pci_below(e->ctx, bdf, port) && n < 16)
			snprintf(names[n++], 32, "%s", svm_region_get_name(r));
	}
	/* Not only a slot without CXL memory: also a press read after its device went. */
	if (!n)
		log_info("attention button on %s: no memdev with a region below it (none there, or it is gone already)",
			 port);
	for (int i = 0; i < n; i++) {
		struct svm_region *r;
		struct svm_journal_entry en;
		enum svm_mode mode;
		unsigned int saved = e->offline_timeout_ms;
		char err[512];
		int code;

		svm_invalidate(e->ctx);
		r = svm_region_get_by_name(e->ctx, names[i]);
		if (!r)
			continue;
		mode = svm_region_get_mode(r);
		if (mode == SVM_MODE_COHERENT) {
			log_info("%s: attention button on %s: svm_cxl's unbind notifier evicts its pool before the device goes",
				 names[i], port);
			continue;
		}
		if (mode != SVM_MODE_NUMA && mode != SVM_MODE_NUMA_PARTIAL)
			continue;
		log_warn("%s: attention button on %s: offlining its numa memory within %u ms before the slot powers off",
			 names[i], port, budget_ms);
		if (entry_for_region(e, r, &en))
			continue;
		e->offline_timeout_ms = budget_ms;
		code = svmd_engine_offline(e, names[i], err, sizeof(err));
		e->offline_timeout_ms = saved;
		if (code)
			log_err("%s: could not offline before the slot powers off: %s. The kernel cannot remove online memory: the node's blocks stay as they are until reboot, and processes with pages there may crash; use 'svm-cxlctl offline %s' before removing a device",
				names[i], err, names[i]);
	}
}
