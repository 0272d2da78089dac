// SPDX-License-Identifier: GPL-2.0-only
/* The svm-cxld reconcile engine. See engine.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dax.h"
#include "engine.h"
#include "knob.h"
#include "log.h"
#include "proto.h"
#include "sysfs-steps.h"

#define MAX_MDS SVM_JOURNAL_MAX_DEVS

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void emit(struct svmd_engine *e, struct json_object *ev)
{
	if (e->emit)
		e->emit(ev, e->emit_data);
	json_object_put(ev);
}

static struct json_object *event(const char *name)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "event", json_object_new_string(name));
	return o;
}

static void ev_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void ev_int(struct json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static struct json_object *serials_json(const uint64_t *s, unsigned int n)
{
	struct json_object *a = json_object_new_array();

	for (unsigned int i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_uint64(s[i]));
	return a;
}

static void stop_hook(struct svmd_engine *e, const char *phase)
{
	if (e->stop_at && !strcmp(e->stop_at, phase)) {
		log_warn("test hook: stopping at %s (SVM_CXLD_STOP_AT)", phase);
		raise(SIGSTOP);
	}
}

/* journal */

/* a memdev's identity in the journal: (serial, PCI address), see journal.h */
static void add_id(struct svm_journal_entry *en, struct svm_memdev *m)
{
	const char *host = svm_memdev_get_host(m);

	en->serials[en->nr_serials] = svm_memdev_get_serial(m);
	snprintf(en->hosts[en->nr_serials], sizeof(en->hosts[0]), "%s", host ? host : "");
	en->nr_serials++;
}

static bool id_is(const struct svm_journal_entry *en, unsigned int i, struct svm_memdev *m)
{
	const char *host = svm_memdev_get_host(m);

	return en->serials[i] == svm_memdev_get_serial(m) &&
	       (!en->hosts[i][0] || !strcmp(en->hosts[i], host ? host : ""));
}

static void entry_from_memdevs(struct svm_journal_entry *en, struct svm_memdev **mds, int nr)
{
	memset(en, 0, sizeof(*en));
	for (int i = 0; i < nr && i < MAX_MDS; i++)
		add_id(en, mds[i]);
	svm_journal_sort_ids(en);
}

static int put(struct svmd_engine *e, struct svm_journal_entry *en, enum svm_journal_phase ph)
{
	int rc;

	en->phase = ph;
	rc = svm_journal_put(e->journal, en);
	if (rc)
		log_err("journal: cannot record %s of %s: %s; stopping this pass",
			svm_journal_phase_name(ph), en->region[0] ? en->region : "a new region",
			strerror(-rc));
	return rc;
}

/* topology helpers */

/* the memdev with identity @i of @en */
static struct svm_memdev *memdev_by_id(struct svm_ctx *ctx, const struct svm_journal_entry *en,
				       unsigned int i)
{
	struct svm_memdev *m;

	svm_memdev_foreach(ctx, m)
		if (id_is(en, i, m))
			return m;
	return NULL;
}

/* identities of the region's present target memdevs into @key (sorted); their count, or
 * -1 if a target is gone */
static int region_ids(struct svm_region *r, struct svm_journal_entry *key)
{
	memset(key, 0, sizeof(*key));
	for (int i = 0; i < svm_region_get_nr_targets(r) && key->nr_serials < MAX_MDS; i++) {
		struct svm_memdev *m;

		if (!svm_region_get_target_decoder(r, i)[0])
			continue;
		m = svm_region_get_target_memdev(r, i);
		if (!m)
			return -1;
		add_id(key, m);
	}
	svm_journal_sort_ids(key);
	return key->nr_serials;
}

/* targets that are set all belong to the entry's memdevs (a half-built region may have
 * fewer, a stale one has missing ones) */
static bool region_within(struct svm_region *r, const struct svm_journal_entry *en)
{
	for (int i = 0; i < svm_region_get_nr_targets(r); i++) {
		struct svm_memdev *m;
		bool hit = false;

		if (!svm_region_get_target_decoder(r, i)[0])
			continue;
		m = svm_region_get_target_memdev(r, i);
		if (!m)
			continue;
		for (unsigned int j = 0; j < en->nr_serials; j++)
			hit |= id_is(en, j, m);
		if (!hit)
			return false;
	}
	return true;
}

/* the complete region over exactly the entry's serials */
static struct svm_region *region_of_entry(struct svmd_engine *e, const struct svm_journal_entry *en)
{
	struct svm_journal_entry key;
	struct svm_region *r;

	svm_region_foreach(e->ctx, r) {
		int n = region_ids(r, &key);

		if (n > 0 && svm_journal_same_set(&key, en))
			return r;
	}
	return NULL;
}

static bool all_present(struct svmd_engine *e, const struct svm_journal_entry *en,
			struct svm_memdev **mds)
{
	for (unsigned int i = 0; i < en->nr_serials; i++) {
		mds[i] = memdev_by_id(e->ctx, en, i);
		if (!mds[i])
			return false;
	}
	return true;
}

/* operator holds (holds.h) */

static bool memdev_held(struct svmd_engine *e, struct svm_memdev *m)
{
	return svmd_holds_find(&e->holds, svm_memdev_get_serial(m), svm_memdev_get_host(m));
}

static bool any_held(struct svmd_engine *e, struct svm_memdev **mds, int n)
{
	for (int i = 0; i < n; i++)
		if (mds[i] && memdev_held(e, mds[i]))
			return true;
	return false;
}

static void save_holds(struct svmd_engine *e)
{
	int rc = svmd_holds_save(&e->holds);

	if (rc)
		log_err("cannot write %s: %s", e->holds.path, strerror(-rc));
}

/* Record that someone other than the policy decided about these memdevs. */
static void hold(struct svmd_engine *e, struct svm_memdev **mds, int n, const char *state,
		 const char *by)
{
	for (int i = 0; i < n; i++)
		if (mds[i] && svmd_holds_set(&e->holds, svm_memdev_get_serial(mds[i]),
					     svm_memdev_get_host(mds[i]),
					     svm_memdev_get_name(mds[i]), state, by))
			log_err("more than %d operator holds; %s not recorded", SVMD_MAX_HOLDS,
				svm_memdev_get_name(mds[i]));
	save_holds(e);
}

/* Read the holds (svm-cxlctl writes them under the lock); drop those of devices that
 * are gone, since a device put back is a new device to the policy. */
static void load_holds(struct svmd_engine *e)
{
	bool changed = false;
	int rc = svmd_holds_load(&e->holds, e->state_dir);

	if (rc)
		log_err("cannot read %s: %s; keeping no operator holds this pass", e->holds.path,
			strerror(-rc));
	for (size_t i = e->holds.n; i-- > 0;) {
		struct svmd_hold *h = &e->holds.h[i];
		struct svm_memdev *m;
		bool present = false;

		svm_memdev_foreach(e->ctx, m)
			present |= svm_memdev_get_serial(m) == h->serial &&
				   !strcmp(svm_memdev_get_host(m) ? svm_memdev_get_host(m) : "", h->host);
		if (present)
			continue;
		log_info("%s (serial %llu at %s) is gone: its operator hold (%s by %s) ends",
			 h->memdev, (unsigned long long)h->serial, h->host[0] ? h->host : "?", h->state,
			 h->by);
		svmd_holds_drop(&e->holds, h->serial, h->host);
		changed = true;
	}
	if (changed)
		save_holds(e);
}

static void decide(struct svmd_engine *e, struct svm_memdev **mds, int nr, struct svm_region *r,
		   struct svm_journal_entry *en)
{
	struct svm_policy_subject s;
	struct svm_policy_decision d;

	svmd_subject(e->ctx, mds, nr, r, &s);
	svm_policy_decide(e->policy, &s, &d);
	snprintf(en->mode, sizeof(en->mode), "%s", svm_policy_mode_name(d.mode));
	snprintf(en->zone, sizeof(en->zone), "%s",
		 d.mode == SVM_POLICY_MODE_NUMA ? svm_policy_zone_name(d.zone) : "");
	snprintf(en->rule, sizeof(en->rule), "%s", d.rule);
}

static const char *mode_of(struct svm_region *r)
{
	return svm_mode_name(svm_region_get_mode(r));
}

static void emit_region(struct svmd_engine *e, const char *name, struct svm_region *r,
			const struct svm_journal_entry *en, uint64_t ms)
{
	struct json_object *ev = event(name);
	struct svm_dax *d = r ? svm_region_get_dax(r) : NULL;
	struct svm_pool *p = r ? svm_region_get_pool(r) : NULL;

	ev_str(ev, "region", en->region);
	json_object_object_add(ev, "serials", serials_json(en->serials, en->nr_serials));
	ev_str(ev, "mode", en->mode);
	if (en->zone[0])
		ev_str(ev, "zone", en->zone);
	ev_str(ev, "rule", en->rule);
	if (r)
		ev_str(ev, "state", mode_of(r));
	if (d && svm_dax_get_target_node(d) >= 0)
		ev_int(ev, "node", svm_dax_get_target_node(d));
	if (p)
		ev_int(ev, "pool", svm_pool_get_id(p));
	if (ms)
		ev_int(ev, "ms", (int64_t)ms);
	emit(e, ev);
}

/* auto_online_blocks held at offline (journaled in knob.c) around a step that may bind
 * kmem: the kernel would otherwise online the new blocks in ZONE_NORMAL itself */
static void hold_knob(struct svmd_engine *e)
{
	int rc = svmd_knob_hold(&e->knob, svm_get_root(e->ctx));

	if (rc)
		log_warn("cannot hold auto_online_blocks at offline: %s", strerror(-rc));
}

static void release_knob(struct svmd_engine *e)
{
	int rc = svmd_knob_release(&e->knob);

	if (rc)
		log_err("cannot put auto_online_blocks back (saved in %s): %s",
			svmd_knob_save_path(), strerror(-rc));
}

static int apply_mode_held(struct svmd_engine *e, struct svm_journal_entry *en,
			   struct svm_region *r, const char *name);

/* Bring an assembled region up in the journaled mode. 0 or -errno (logged). */
static int apply_mode(struct svmd_engine *e, struct svm_journal_entry *en, struct svm_region *r)
{
	uint64_t t0 = now_ms();
	char name[32];
	int rc;

	snprintf(name, sizeof(name), "%s", svm_region_get_name(r));
	hold_knob(e);
	rc = apply_mode_held(e, en, r, name);
	release_knob(e);
	if (rc) {
		log_err("%s: onlining as %s (rule \"%s\") failed: %s", name, en->mode, en->rule,
			svm_get_error(e->ctx)[0] ? svm_get_error(e->ctx) : strerror(-rc));
		return rc;
	}
	r = svm_region_get_by_name(e->ctx, name);
	log_info("%s: online as %s%s%s (rule \"%s\") in %llu ms", name, en->mode,
		 en->zone[0] ? ", zone " : "", en->zone, en->rule,
		 (unsigned long long)(now_ms() - t0));
	emit_region(e, "region-online", r, en, now_ms() - t0);
	return 0;
}

static int apply_mode_held(struct svmd_engine *e, struct svm_journal_entry *en,
			   struct svm_region *r, const char *name)
{
	struct svm_online_opts o = { 0 };
	int rc = 0;

	if (!strcmp(en->mode, "numa")) {
		o.mode = SVM_MODE_NUMA;
		o.zone = !strcmp(en->zone, "normal") ? SVM_ZONE_NORMAL : SVM_ZONE_MOVABLE;
		rc = svm_region_online(r, &o);
	} else if (!strcmp(en->mode, "coherent")) {
		struct svm_dax *d = svm_region_get_dax(r);

		/* With kmem loaded, a new region's dax device is bound to kmem at once (its
		 * blocks kept offline, see assemble()): the library sees numa-partial and
		 * refuses coherent. Nothing is online, so let go of kmem first. */
		if (d && svm_dax_get_driver(d) && !strcmp(svm_dax_get_driver(d), "kmem") &&
		    !svm_dax_get_nr_online(d)) {
			char err[256];

			log_debug("%s: releasing %s from kmem (no block online) for coherent mode",
				  name, svm_dax_get_name(d));
			if (svmd_dax_disable(svm_dax_get_name(d), err, sizeof(err)))
				log_warn("%s: %s", name, err);
			svm_invalidate(e->ctx);
			r = svm_region_get_by_name(e->ctx, name);
			if (!r)
				return -ENODEV;
		}
		o.mode = SVM_MODE_COHERENT;
		rc = svm_region_online(r, &o);
	} else if (!strcmp(en->mode, "devdax")) {
		struct svm_dax *d = svm_region_get_dax(r);

		char err[256];

		/* no driver, or kmem with nothing online (kmem loaded binds new devices) */
		if (d && (!svm_dax_get_driver(d) || (!strcmp(svm_dax_get_driver(d), "kmem") &&
						     !svm_dax_get_nr_online(d)))) {
			rc = svmd_dax_enable_devdax(svm_dax_get_name(d), err, sizeof(err));
			if (rc)
				log_err("%s: %s", name, err);
		} else if (!d) {
			rc = -ENODEV;
		}
		svm_invalidate(e->ctx);
	}
	return rc;
}

/* Release DPA a crashed assembly left reserved on the memdev with @serial. */
static void release_orphan_dpa(struct svmd_engine *e, const struct svm_journal_entry *en,
			       unsigned int i)
{
	struct svm_memdev *m = memdev_by_id(e->ctx, en, i);
	uint64_t bytes = m ? svm_memdev_get_orphan_dpa(m) : 0;
	char name[32];
	int rc;

	if (!bytes)
		return;
	snprintf(name, sizeof(name), "%s", svm_memdev_get_name(m));
	rc = svm_memdev_release_orphan_dpa(m);
	if (rc)
		log_err("%s: %s", name, svm_get_error(e->ctx));
	else
		log_info("%s: released %llu bytes of DPA a crashed assembly left reserved", name,
			 (unsigned long long)bytes);
	svm_invalidate(e->ctx);
}

/* Destroy a region of ours, then release DPA a crashed assembly may have left. */
static void destroy_region(struct svmd_engine *e, struct svm_region *r, struct svm_memdev **mds,
			   int nr, const struct svm_journal_entry *en, const char *why)
{
	char name[32];
	int rc;

	snprintf(name, sizeof(name), "%s", svm_region_get_name(r));
	rc = svm_region_destroy(r);
	if (rc) {
		log_err("%s (%s): cannot destroy it: %s", name, why, svm_get_error(e->ctx));
		e->want_retry = true;
	} else {
		struct json_object *ev = event("region-destroyed");

		log_info("%s: destroyed (%s)", name, why);
		ev_str(ev, "region", name);
		ev_str(ev, "reason", why);
		json_object_object_add(ev, "serials", serials_json(en->serials, en->nr_serials));
		emit(e, ev);
	}
	svm_invalidate(e->ctx);
	for (int i = 0; i < nr; i++)
		release_orphan_dpa(e, en, i);
	svm_invalidate(e->ctx);
}

/* step 1: one journal entry */
static void recover_entry(struct svmd_engine *e, struct svm_journal_entry en)
{
	struct svm_memdev *mds[MAX_MDS];
	struct svm_region *r;
	bool present;

	svm_invalidate(e->ctx);
	present = all_present(e, &en, mds);
	r = region_of_entry(e, &en);
	if (!r && en.region[0]) {
		struct svm_region *named = svm_region_get_by_name(e->ctx, en.region);

		/* our named region, half-built or stale: no target of another device */
		if (named && region_within(named, &en) &&
		    (en.phase == SVM_PHASE_ASSEMBLING || svm_region_is_stale(named) ||
		     !svm_region_is_committed(named)))
			r = named;
	}
	if (!present) {
		struct json_object *ev = event("device-removed");

		if (r)
			destroy_region(e, r, mds, 0, &en, "its device is gone");
		ev_str(ev, "region", en.region);
		json_object_object_add(ev, "serials", serials_json(en.serials, en.nr_serials));
		ev_str(ev, "phase", svm_journal_phase_name(en.phase));
		emit(e, ev);
		log_info("device(s) of %s gone (journal phase %s): entry dropped",
			 en.region[0] ? en.region : "an unassembled set",
			 svm_journal_phase_name(en.phase));
		svm_journal_drop(e->journal, &en);
		return;
	}
	if (!strcmp(en.mode, "ignore") && en.phase == SVM_PHASE_ONLINE)
		return;	/* left alone by policy until the device goes */
	switch (en.phase) {
	case SVM_PHASE_ASSEMBLING:
		if (r && svm_region_is_committed(r) && svm_region_is_enabled(r) &&
		    region_of_entry(e, &en) == r) {
			log_info("%s: assembled before a restart; continuing with onlining",
				 svm_region_get_name(r));
			snprintf(en.region, sizeof(en.region), "%s", svm_region_get_name(r));
			if (put(e, &en, SVM_PHASE_ONLINING))
				return;
			goto onlining;
		}
		if (r)
			destroy_region(e, r, mds, en.nr_serials, &en, "half-built before a restart");
		else
			for (unsigned int i = 0; i < en.nr_serials; i++)
				release_orphan_dpa(e, &en, i);
		svm_invalidate(e->ctx);
		/* step 2 assembles the set again */
		svm_journal_drop(e->journal, &en);
		return;
	case SVM_PHASE_ONLINING:
onlining:
		if (any_held(e, mds, en.nr_serials)) {
			log_info("%s: journaled as onlining, but held by the operator; left as it is",
				 en.region);
			return;
		}
		if (!r) {
			log_warn("%s: journaled as onlining but gone; assembling again", en.region);
			svm_journal_drop(e->journal, &en);
			return;
		}
		if (apply_mode(e, &en, r)) {
			e->want_retry = true;
			return;
		}
		put(e, &en, SVM_PHASE_ONLINE);
		return;
	case SVM_PHASE_ONLINE: {
		enum svm_mode m;

		if (!r)
			goto dropped;
		m = svm_region_get_mode(r);
		if ((m == SVM_MODE_NONE && strcmp(en.mode, "ignore")) ||
		    (m == SVM_MODE_DEVDAX && strcmp(en.mode, "devdax"))) {
			log_info("%s: offlined by an operator (svm-cxlctl offline); left offline",
				 en.region);
			if (!put(e, &en, SVM_PHASE_OFFLINE))
				emit_region(e, "region-offline", r, &en, 0);
		}
		return;
	}
	case SVM_PHASE_OFFLINING: {
		uint64_t t0 = now_ms();
		char name[32];
		int rc;

		if (!r)
			goto dropped;
		snprintf(name, sizeof(name), "%s", svm_region_get_name(r));
		log_info("%s: finishing an offline interrupted by a restart", name);
		rc = svm_region_offline(r, e->offline_timeout_ms);
		if (rc) {
			log_err("%s: offline failed: %s", name, svm_get_error(e->ctx));
			e->want_retry = true;
			return;
		}
		r = svm_region_get_by_name(e->ctx, name);
		if (!put(e, &en, SVM_PHASE_OFFLINE))
			emit_region(e, "region-offline", r, &en, now_ms() - t0);
		return;
	}
	case SVM_PHASE_OFFLINE: {
		enum svm_mode m;

		if (!r)
			goto dropped;
		m = svm_region_get_mode(r);
		if (m == SVM_MODE_NUMA || m == SVM_MODE_COHERENT) {
			log_info("%s: onlined by an operator as %s; following", en.region,
				 svm_mode_name(m));
			snprintf(en.mode, sizeof(en.mode), "%s", svm_mode_name(m));
			put(e, &en, SVM_PHASE_ONLINE);
		}
		return;
	}
	default:
		return;
	}
dropped:
	/* Not by us: we destroy only regions whose devices are gone. An operator did it
	 * (svm-cxlctl destroy-region holds the memdevs itself; cxl destroy-region does not):
	 * the set is not assembled again until released. */
	if (!any_held(e, mds, en.nr_serials)) {
		log_warn("%s: destroyed by someone else (cxl destroy-region?); its memdevs are held: not assembled again until 'svm-cxlctl daemon release'",
			 en.region);
		hold(e, mds, en.nr_serials, "destroyed", "observed");
	} else {
		log_info("%s: destroyed by the operator; entry dropped", en.region);
	}
	svm_journal_drop(e->journal, &en);
}

/* step 2: group free memdevs per window; returns the number of groups */
struct group {
	struct svm_memdev *mds[MAX_MDS];
	int nr;
	struct svm_root_decoder *root;
	/* names, to find the objects again after the model was re-read */
	char md_names[MAX_MDS][32];
	char root_name[32];
};

static bool group_resolve(struct svmd_engine *e, struct group *g)
{
	g->root = svm_root_decoder_get_by_name(e->ctx, g->root_name);
	for (int i = 0; i < g->nr; i++) {
		g->mds[i] = svm_memdev_get_by_name(e->ctx, g->md_names[i]);
		if (!g->mds[i] || svm_memdev_get_region(g->mds[i]))
			return false;
	}
	return g->root != NULL;
}

static bool journaled(struct svmd_engine *e, struct svm_memdev *m)
{
	for (size_t i = 0; i < svm_journal_count(e->journal); i++) {
		const struct svm_journal_entry *en = svm_journal_at(e->journal, i);

		for (unsigned int j = 0; j < en->nr_serials; j++)
			if (id_is(en, j, m))
				return true;
	}
	return false;
}

static int free_memdevs(struct svmd_engine *e, struct svm_memdev **out, int max)
{
	struct svm_memdev *m;
	int n = 0;

	svm_memdev_foreach(e->ctx, m) {
		if (svm_memdev_get_region(m) || journaled(e, m) || !svm_memdev_get_ram_size(m))
			continue;
		if (memdev_held(e, m)) {
			log_debug("%s: held by the operator; not assembled", svm_memdev_get_name(m));
			continue;
		}
		if (!svm_memdev_get_endpoint(m)) {
			log_debug("%s: no endpoint port yet; waiting", svm_memdev_get_name(m));
			e->want_retry = true;
			continue;
		}
		if (n < max)
			out[n++] = m;
	}
	return n;
}

static int group_memdevs(struct svmd_engine *e, struct svm_memdev **fr, int nfree,
			 struct group *groups, int max)
{
	bool used[64] = { false };
	int ng = 0;

	for (int i = 0; i < nfree && ng < max; i++) {
		const char *hb = svm_memdev_get_host_bridge(fr[i]);
		struct svm_root_decoder *d, *wide = NULL;
		struct group *g = &groups[ng];

		if (used[i])
			continue;
		g->nr = 0;
		g->root = NULL;
		svm_root_decoder_foreach(e->ctx, d) {
			bool under = false;

			if (!svm_root_decoder_is_ram_capable(d))
				continue;
			for (int t = 0; t < svm_root_decoder_get_nr_targets(d); t++)
				under |= hb && !strcmp(svm_root_decoder_get_target(d, t), hb);
			if (!under)
				continue;
			if (svm_root_decoder_get_ways(d) == 1) {
				g->root = d;
				break;
			}
			if (!wide)
				wide = d;
		}
		if (g->root) {
			g->mds[g->nr++] = fr[i];
			used[i] = true;
			ng++;
			continue;
		}
		if (!wide) {
			log_warn("%s: no RAM-capable CXL window over host bridge %s; left alone",
				 svm_memdev_get_name(fr[i]), hb ? hb : "?");
			continue;
		}
		/* one free memdev per target host bridge of the interleaved window */
		for (unsigned int t = 0; t < svm_root_decoder_get_ways(wide); t++) {
			const char *thb = svm_root_decoder_get_target(wide, t);

			for (int j = 0; j < nfree; j++) {
				const char *jhb = svm_memdev_get_host_bridge(fr[j]);

				if (used[j] || !jhb || !thb || strcmp(jhb, thb))
					continue;
				used[j] = true;
				g->mds[g->nr++] = fr[j];
				break;
			}
		}
		if (g->nr == (int)svm_root_decoder_get_ways(wide)) {
			g->root = wide;
			ng++;
		} else {
			log_info("%s: window %s interleaves %u ways; waiting for a memdev under each of its host bridges",
				 svm_memdev_get_name(fr[i]), svm_root_decoder_get_name(wide),
				 svm_root_decoder_get_ways(wide));
			for (int k = 0; k < g->nr; k++)
				for (int j = 0; j < nfree; j++)
					if (fr[j] == g->mds[k])
						used[j] = false;
			used[i] = true;
		}
	}
	return ng;
}

static void assemble(struct svmd_engine *e, struct group *g)
{
	struct svm_region_opts opts = { .root = g->root };
	struct svm_journal_entry en;
	struct svm_region *r;
	struct json_object *ev;
	char names[256] = "";
	uint64_t t0 = now_ms();
	int rc;

	entry_from_memdevs(&en, g->mds, g->nr);
	for (int i = 0; i < g->nr; i++) {
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 i ? "," : "", svm_memdev_get_name(g->mds[i]));
	}
	decide(e, g->mds, g->nr, NULL, &en);
	ev = event("device-added");
	ev_str(ev, "memdevs", names);
	json_object_object_add(ev, "serials", serials_json(en.serials, en.nr_serials));
	ev_str(ev, "mode", en.mode);
	ev_str(ev, "rule", en.rule);
	emit(e, ev);
	if (!strcmp(en.mode, "ignore")) {
		log_info("%s: rule \"%s\" says ignore; left alone", names, en.rule);
		en.phase = SVM_PHASE_ONLINE;
		put(e, &en, SVM_PHASE_ONLINE);
		return;
	}
	svmd_next_region_name(e->ctx, g->root, en.region, sizeof(en.region));
	log_info("%s (serial %llu): assembling %s for mode %s (rule \"%s\")", names,
		 (unsigned long long)en.serials[0], en.region[0] ? en.region : "a region",
		 en.mode, en.rule);
	if (put(e, &en, SVM_PHASE_ASSEMBLING))
		return;
	stop_hook(e, "assembling");
	/* With kmem loaded, the new dax device binds to kmem at once and the kernel would
	 * online its blocks by auto_online_blocks (ZONE_NORMAL by default): keep them offline
	 * until the mode is applied. */
	hold_knob(e);
	rc = svm_region_create(e->ctx, g->mds, g->nr, &opts, &r);
	if (rc)
		release_knob(e);
	if (rc) {
		log_warn("%s: assembling a region failed: %s; will retry", names,
			 svm_get_error(e->ctx));
		svm_invalidate(e->ctx);
		svm_journal_drop(e->journal, &en);
		e->want_retry = true;
		return;
	}
	snprintf(en.region, sizeof(en.region), "%s", svm_region_get_name(r));
	log_info("%s: assembled over %s in %llu ms", en.region, names,
		 (unsigned long long)(now_ms() - t0));
	if (put(e, &en, SVM_PHASE_ONLINING))
		return;
	stop_hook(e, "onlining");
	r = svm_region_get_by_name(e->ctx, en.region);
	rc = !r || apply_mode(e, &en, r);
	release_knob(e);
	if (rc) {
		e->want_retry = true;
		return;
	}
	put(e, &en, SVM_PHASE_ONLINE);
}

/* step 3: regions nobody journaled */
static void adopt(struct svmd_engine *e)
{
	char names[64][32];
	struct svm_region *r;
	int n = 0;

	svm_region_foreach(e->ctx, r)
		if (n < 64)
			snprintf(names[n++], 32, "%s", svm_region_get_name(r));
	for (int i = 0; i < n; i++) {
		struct svm_memdev *mds[MAX_MDS];
		struct svm_journal_entry en;
		enum svm_mode m;
		int ns;

		svm_invalidate(e->ctx);
		r = svm_region_get_by_name(e->ctx, names[i]);
		if (!r || svm_region_is_stale(r) || !svm_region_is_committed(r) ||
		    !svm_region_is_enabled(r))
			continue;
		ns = region_ids(r, &en);
		if (ns <= 0)
			continue;
		if (svm_journal_find(e->journal, &en))
			continue;
		for (int k = 0; k < ns; k++)
			mds[k] = memdev_by_id(e->ctx, &en, k);
		if (any_held(e, mds, ns))
			continue;
		snprintf(en.region, sizeof(en.region), "%.31s", names[i]);
		m = svm_region_get_mode(r);
		if (m == SVM_MODE_NUMA || m == SVM_MODE_NUMA_PARTIAL || m == SVM_MODE_COHERENT) {
			snprintf(en.mode, sizeof(en.mode), "%s",
				 m == SVM_MODE_COHERENT ? "coherent" : "numa");
			snprintf(en.rule, sizeof(en.rule), "adopted");
			log_info("%s: found online as %s; adopted as it is", names[i], svm_mode_name(m));
			put(e, &en, SVM_PHASE_ONLINE);
			continue;
		}
		/* Offline or devdax, and not ours: somebody configured it that way (daxctl,
		 * cxl create-region, an application's devdax device). Converting it would tear
		 * down whatever maps it, so it is journaled as found and left alone;
		 * 'svm-cxlctl online' brings it up. */
		if (m == SVM_MODE_DEVDAX) {
			snprintf(en.mode, sizeof(en.mode), "devdax");
			snprintf(en.rule, sizeof(en.rule), "adopted");
			log_info("%s: found as devdax; adopted as it is (not converted)", names[i]);
			put(e, &en, SVM_PHASE_ONLINE);
			continue;
		}
		decide(e, mds, ns, r, &en);
		if (!strcmp(en.mode, "ignore")) {
			put(e, &en, SVM_PHASE_ONLINE);
			continue;
		}
		log_info("%s: found %s, not made by svm-cxld; left as it is ('svm-cxlctl online %s' brings it up)",
			 names[i], svm_mode_name(m), names[i]);
		snprintf(en.rule, sizeof(en.rule), "adopted");
		put(e, &en, SVM_PHASE_OFFLINE);
	}
}

/* A holder of auto_online_blocks (this daemon before a crash, an svm-cxlctl killed by
 * SIGKILL) died with it at offline: put back what it saved. */
static void recover_knob(struct svmd_engine *e)
{
	char val[64];
	int rc;

	if (e->knob.depth)
		return;
	rc = svmd_knob_recover(svm_get_root(e->ctx), val, sizeof(val));
	if (rc < 0)
		log_err("cannot restore auto_online_blocks from %s: %s", svmd_knob_save_path(),
			strerror(-rc));
	else if (rc)
		log_warn("auto_online_blocks restored to '%s': a previous svm-cxld or svm-cxlctl died holding it at offline",
			 val);
}

void svmd_engine_reconcile(struct svmd_engine *e)
{
	struct svm_journal_entry copy[64];
	struct svm_memdev *fr[64];
	struct group groups[16];
	size_t n;
	int nfree, ng;

	e->want_retry = false;
	recover_knob(e);
	svm_invalidate(e->ctx);
	load_holds(e);
	n = svm_journal_count(e->journal);
	if (n > 64)
		n = 64;
	for (size_t i = 0; i < n; i++)
		copy[i] = *svm_journal_at(e->journal, i);
	for (size_t i = 0; i < n; i++)
		recover_entry(e, copy[i]);

	svm_invalidate(e->ctx);
	nfree = free_memdevs(e, fr, 64);
	ng = group_memdevs(e, fr, nfree, groups, 16);
	for (int i = 0; i < ng; i++) {
		snprintf(groups[i].root_name, sizeof(groups[i].root_name), "%s",
			 svm_root_decoder_get_name(groups[i].root));
		for (int k = 0; k < groups[i].nr; k++)
			snprintf(groups[i].md_names[k], sizeof(groups[i].md_names[k]), "%s",
				 svm_memdev_get_name(groups[i].mds[k]));
	}
	for (int i = 0; i < ng; i++) {
		svm_invalidate(e->ctx);
		if (group_resolve(e, &groups[i]))
			assemble(e, &groups[i]);
	}
	adopt(e);
	svm_invalidate(e->ctx);
}

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
	int ns = region_ids(r, en);

	if (ns <= 0)
		return -ENODEV;
	found = svm_journal_find(e->journal, en);
	if (found) {
		*en = *found;
		return 0;
	}
	snprintf(en->region, sizeof(en->region), "%s", svm_region_get_name(r));
	snprintf(en->mode, sizeof(en->mode), "%s", mode_of(r));
	snprintf(en->rule, sizeof(en->rule), "adopted");
	en->phase = SVM_PHASE_ONLINE;
	return 0;
}

int svmd_engine_offline(struct svmd_engine *e, const char *object, char *err, size_t errlen)
{
	struct svm_memdev *mds[MAX_MDS];
	struct svm_journal_entry en;
	struct svm_region *r;
	uint64_t t0 = now_ms();
	char name[32];
	int code, rc;

	r = resolve(e, object, err, errlen, &code);
	if (!r)
		return code;
	snprintf(name, sizeof(name), "%s", svm_region_get_name(r));
	if (svm_region_is_stale(r) || entry_for_region(e, r, &en)) {
		snprintf(err, errlen, "%s is stale (its device is gone); nothing to offline", name);
		return SVMD_EFAIL;
	}
	/* the operator asked: the policy does not bring it back */
	load_holds(e);
	if (all_present(e, &en, mds))
		hold(e, mds, en.nr_serials, "offline", "svm-cxld offline request");
	r = svm_region_get_by_name(e->ctx, name);
	if (!r) {
		snprintf(err, errlen, "%s: no such region", name);
		return SVMD_ENOTFOUND;
	}
	if (put(e, &en, SVM_PHASE_OFFLINING)) {
		snprintf(err, errlen, "cannot write the journal");
		return SVMD_EFAIL;
	}
	stop_hook(e, "offlining");
	rc = svm_region_offline(r, e->offline_timeout_ms);
	if (rc) {
		snprintf(err, errlen, "%s", svm_get_error(e->ctx));
		put(e, &en, SVM_PHASE_ONLINE);
		log_err("%s: offline request failed: %s", name, err);
		return rc == -EBUSY ? SVMD_EBUSY : SVMD_EFAIL;
	}
	if (put(e, &en, SVM_PHASE_OFFLINE)) {
		snprintf(err, errlen, "offline done but the journal could not record it");
		return SVMD_EFAIL;
	}
	log_info("%s: offline on request in %llu ms", name, (unsigned long long)(now_ms() - t0));
	emit_region(e, "region-offline", svm_region_get_by_name(e->ctx, name), &en, now_ms() - t0);
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
	if (svm_region_is_stale(r) || entry_for_region(e, r, &en) || !all_present(e, &en, mds)) {
		snprintf(err, errlen, "%s is stale (its device is gone)", name);
		return SVMD_EFAIL;
	}
	/* online per policy: the operator hands the region back to the policy */
	load_holds(e);
	for (unsigned int i = 0; i < en.nr_serials; i++)
		svmd_holds_drop(&e->holds, svm_memdev_get_serial(mds[i]), svm_memdev_get_host(mds[i]));
	save_holds(e);
	r = svm_region_get_by_name(e->ctx, name);
	decide(e, mds, en.nr_serials, r, &en);
	if (!strcmp(en.mode, "ignore")) {
		snprintf(err, errlen, "rule \"%s\" says ignore", en.rule);
		return SVMD_EFAIL;
	}
	if (put(e, &en, SVM_PHASE_ONLINING)) {
		snprintf(err, errlen, "cannot write the journal");
		return SVMD_EFAIL;
	}
	if (apply_mode(e, &en, r)) {
		snprintf(err, errlen, "%s", svm_get_error(e->ctx));
		put(e, &en, SVM_PHASE_OFFLINE);
		return SVMD_EFAIL;
	}
	put(e, &en, SVM_PHASE_ONLINE);
	return 0;
}

struct json_object *svmd_engine_status(struct svmd_engine *e)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();
	struct svm_pool *p;

	svm_invalidate(e->ctx);
	ev_str(o, "policy", e->policy_from_file ? e->policy_path : "built-in defaults");
	ev_int(o, "rules", (int64_t)svm_policy_rule_count(e->policy));
	ev_int(o, "generation", (int64_t)svm_journal_generation(e->journal));
	for (size_t i = 0; i < svm_journal_count(e->journal); i++) {
		const struct svm_journal_entry *en = svm_journal_at(e->journal, i);
		struct json_object *j = json_object_new_object();
		struct svm_region *r = en->region[0] ? svm_region_get_by_name(e->ctx, en->region) : NULL;

		ev_str(j, "region", en->region);
		json_object_object_add(j, "serials", serials_json(en->serials, en->nr_serials));
		ev_str(j, "mode", en->mode);
		if (en->zone[0])
			ev_str(j, "zone", en->zone);
		ev_str(j, "rule", en->rule);
		ev_str(j, "phase", svm_journal_phase_name(en->phase));
		if (r)
			ev_str(j, "state", mode_of(r));
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
			ev_str(j, "host", h->host);
		ev_str(j, "memdev", h->memdev);
		ev_str(j, "state", h->state);
		ev_str(j, "by", h->by);
		ev_int(j, "since", h->since);
		json_object_array_add(a, j);
	}
	json_object_object_add(o, "holds", a);
	a = json_object_new_array();
	svm_pool_foreach(e->ctx, p) {
		struct json_object *j = json_object_new_object();

		ev_int(j, "pool", svm_pool_get_id(p));
		ev_str(j, "state", svm_pool_get_state(p));
		ev_int(j, "pages", (int64_t)svm_pool_get_pages_total(p));
		ev_int(j, "used", (int64_t)svm_pool_get_pages_used(p));
		json_object_array_add(a, j);
	}
	json_object_object_add(o, "pools", a);
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
		ev = event("pool");
		ev_int(ev, "pool", id);
		ev_str(ev, "state", svm_pool_get_state(p));
		ev_int(ev, "pages", (int64_t)svm_pool_get_pages_total(p));
		ev_int(ev, "used", (int64_t)used);
		emit(e, ev);
	}
}

int svmd_engine_reload(struct svmd_engine *e, char *err, size_t errlen)
{
	struct svm_policy *p;

	if (!e->policy_from_file)
		return 0;
	p = svm_policy_load(e->policy_path, err, errlen);
	if (!p)
		return -EINVAL;
	svm_policy_free(e->policy);
	e->policy = p;
	/* devices the old policy ignored are decided again by the next pass */
	for (size_t i = svm_journal_count(e->journal); i-- > 0;) {
		const struct svm_journal_entry *en = svm_journal_at(e->journal, i);

		if (!strcmp(en->mode, "ignore") && !en->region[0]) {
			struct svm_journal_entry key = *en;

			svm_journal_drop(e->journal, &key);
		}
	}
	return 0;
}

/* library messages: the daemon logs each failure itself, so they are detail */
static void lib_log(struct svm_ctx *ctx, int priority, const char *file, int line,
		    const char *fn, const char *format, va_list args)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), format, args);
	msg[strcspn(msg, "\n")] = '\0';
	log_debug("libsvmcxl: %s: %s", fn, msg);
}

int svmd_engine_init(struct svmd_engine *e, const char *policy_path, const char *state_dir,
		     char *err, size_t errlen)
{
	int rc;

	memset(e, 0, sizeof(*e));
	e->offline_timeout_ms = 60000;
	e->stop_at = getenv("SVM_CXLD_STOP_AT");
	snprintf(e->policy_path, sizeof(e->policy_path), "%s", policy_path);
	snprintf(e->state_dir, sizeof(e->state_dir), "%s", state_dir);
	if (!access(policy_path, F_OK)) {
		e->policy = svm_policy_load(policy_path, err, errlen);
		if (!e->policy)
			return -EINVAL;
		e->policy_from_file = true;
	} else {
		e->policy = svm_policy_default();
	}
	rc = svm_journal_open(state_dir, &e->journal, err, errlen);
	if (rc)
		goto fail;
	rc = svm_new(&e->ctx);
	if (rc) {
		snprintf(err, errlen, "cannot create a libsvmcxl context: %s", strerror(-rc));
		goto fail;
	}
	svm_set_log_fn(e->ctx, lib_log);
	svm_set_log_priority(e->ctx, LOG_DEBUG);
	return 0;
fail:
	svm_journal_close(e->journal);
	svm_policy_free(e->policy);
	return rc;
}

void svmd_engine_fini(struct svmd_engine *e)
{
	svm_unref(e->ctx);
	svm_journal_close(e->journal);
	svm_policy_free(e->policy);
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
