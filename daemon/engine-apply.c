// SPDX-License-Identifier: GPL-2.0-only
/* Applying a decision: the policy, auto_online_blocks, a mode, a teardown. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine-int.h"

void svmd_decide(struct svmd_engine *e, struct svm_memdev **mds, int nr, struct svm_region *r,
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


/* auto_online_blocks held at offline (journaled in knob.c) around a step that may bind
 * kmem: the kernel would otherwise online the new blocks in ZONE_NORMAL itself */
void svmd_hold_knob(struct svmd_engine *e)
{
	int rc = svmd_knob_hold(&e->knob, svm_get_root(e->ctx));

	if (rc)
		log_warn("cannot hold auto_online_blocks at offline: %s", strerror(-rc));
}

void svmd_release_knob(struct svmd_engine *e)
{
	int rc = svmd_knob_release(&e->knob);

	if (rc)
		log_err("cannot put auto_online_blocks back (saved in %s): %s",
			svmd_knob_save_path(), strerror(-rc));
}

static int apply_mode_held(struct svmd_engine *e, struct svm_journal_entry *en,
			   struct svm_region *r, const char *name);

/* Bring an assembled region up in the journaled mode. 0 or -errno (logged). */
int svmd_apply_mode(struct svmd_engine *e, struct svm_journal_entry *en, struct svm_region *r)
{
	uint64_t t0 = svmd_now_ms();
	char name[32];
	int rc;

	snprintf(name, sizeof(name), "%s", svm_region_get_name(r));
	svmd_hold_knob(e);
	rc = apply_mode_held(e, en, r, name);
	svmd_release_knob(e);
	if (rc) {
		log_err("%s: onlining as %s (rule \"%s\") failed: %s", name, en->mode, en->rule,
			svm_get_error(e->ctx)[0] ? svm_get_error(e->ctx) : strerror(-rc));
		return rc;
	}
	r = svm_region_get_by_name(e->ctx, name);
	log_info("%s: online as %s%s%s (rule \"%s\") in %llu ms", name, en->mode,
		 en->zone[0] ? ", zone " : "", en->zone, en->rule,
		 (unsigned long long)(svmd_now_ms() - t0));
	svmd_emit_region(e, "region-online", r, en, svmd_now_ms() - t0);
	return 0;
}

static int apply_mode_held(struct svmd_engine *e, struct svm_journal_entry *en,
			   struct svm_region *r, const char *name)
{
	struct svm_online_opts o = { .struct_size = sizeof(o) };
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
void svmd_release_orphan_dpa(struct svmd_engine *e, const struct svm_journal_entry *en,
			       unsigned int i)
{
	struct svm_memdev *m = svmd_memdev_by_id(e->ctx, en, i);
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
void svmd_destroy_region(struct svmd_engine *e, struct svm_region *r, struct svm_memdev **mds,
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
		struct json_object *ev = svmd_event("region-destroyed");

		log_info("%s: destroyed (%s)", name, why);
		svmd_ev_str(ev, "region", name);
		svmd_ev_str(ev, "reason", why);
		json_object_object_add(ev, "serials", svmd_serials_json(en->serials, en->nr_serials));
		svmd_emit(e, ev);
	}
	svm_invalidate(e->ctx);
	for (int i = 0; i < nr; i++)
		svmd_release_orphan_dpa(e, en, i);
	svm_invalidate(e->ctx);
}


/* A holder of auto_online_blocks (this daemon before a crash, an svm-cxlctl killed by
 * SIGKILL) died with it at offline: put back what it saved. */
void svmd_recover_knob(struct svmd_engine *e)
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

