// SPDX-License-Identifier: GPL-2.0-only
/* Reconcile step 1: each journal entry (crash recovery, operator changes). */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine-int.h"

/* the operator's hold on any memdev of the set, or NULL */
static const struct svmd_hold *hold_of(struct svmd_engine *e, struct svm_memdev **mds, int n)
{
	for (int i = 0; i < n; i++) {
		struct svmd_hold *h = mds[i] ? svmd_holds_find(&e->holds,
				svm_memdev_get_serial(mds[i]), svm_memdev_get_host(mds[i])) : NULL;

		if (h && strcmp(h->state, SVMD_HOLD_RELEASED))
			return h;
	}
	return NULL;
}

/*
 * A region journaled online with only some of its blocks online: an offline that died
 * half way (svm-cxlctl killed, blocks offlined by hand). Nothing is left half done: an
 * operator's offline is finished; without a hold the journal and the policy say online,
 * and the rest is onlined; any other hold is the operator's to sort out, and said so.
 */
static void half_online(struct svmd_engine *e, struct svm_journal_entry *en,
			struct svm_region *r, struct svm_memdev **mds)
{
	const struct svmd_hold *h = hold_of(e, mds, en->nr_serials);
	char name[32];

	snprintf(name, sizeof(name), "%s", svm_region_get_name(r));
	if (h && !strcmp(h->state, "offline")) {
		log_info("%s: half offline, held offline by %s; finishing the offline", name, h->by);
		if (svmd_put(e, en, SVM_PHASE_OFFLINING))
			return;
		if (svm_region_offline(r, e->offline_timeout_ms)) {
			log_err("%s: offline failed: %s", name, svm_get_error(e->ctx));
			e->want_retry = true;
			return;
		}
		if (!svmd_put(e, en, SVM_PHASE_OFFLINE))
			svmd_emit_region(e, "region-offline", svm_region_get_by_name(e->ctx, name),
					 en, 0);
		return;
	}
	if (h) {
		log_warn("%s: only part of its memory is online, and %s holds it as \"%s\"; left for the operator (svm-cxlctl offline or online %s)",
			 name, h->by, h->state, name);
		return;
	}
	log_info("%s: journaled online but only part of its memory is; onlining the rest", name);
	if (svmd_apply_mode(e, en, r))
		e->want_retry = true;
}

/* step 1: one journal entry */
void svmd_recover_entry(struct svmd_engine *e, struct svm_journal_entry en)
{
	struct svm_memdev *mds[MAX_MDS];
	struct svm_region *r;
	bool present;

	svm_invalidate(e->ctx);
	present = svmd_all_present(e, &en, mds);
	r = svmd_region_of_entry(e, &en);
	if (!r && en.region[0]) {
		struct svm_region *named = svm_region_get_by_name(e->ctx, en.region);

		/* our named region, half-built or stale: no target of another device */
		if (named && svmd_region_within(named, &en) && svmd_region_is_entrys(named, &en) &&
		    (en.phase == SVM_PHASE_ASSEMBLING || svm_region_is_stale(named) ||
		     !svm_region_is_committed(named)))
			r = named;
	}
	if (!present) {
		struct json_object *ev = svmd_event("device-removed");

		if (r)
			svmd_destroy_region(e, r, mds, 0, &en, "its device is gone");
		svmd_ev_str(ev, "region", en.region);
		json_object_object_add(ev, "serials", svmd_serials_json(en.serials, en.nr_serials));
		svmd_ev_str(ev, "phase", svm_journal_phase_name(en.phase));
		svmd_emit(e, ev);
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
		    svmd_region_of_entry(e, &en) == r) {
			log_info("%s: assembled before a restart; continuing with onlining",
				 svm_region_get_name(r));
			snprintf(en.region, sizeof(en.region), "%s", svm_region_get_name(r));
			if (svmd_put(e, &en, SVM_PHASE_ONLINING))
				return;
			goto onlining;
		}
		if (r)
			svmd_destroy_region(e, r, mds, en.nr_serials, &en, "half-built before a restart");
		else
			for (unsigned int i = 0; i < en.nr_serials; i++)
				svmd_release_orphan_dpa(e, &en, i);
		svm_invalidate(e->ctx);
		/* step 2 assembles the set again */
		svm_journal_drop(e->journal, &en);
		return;
	case SVM_PHASE_ONLINING:
onlining:
		if (svmd_any_held(e, mds, en.nr_serials)) {
			log_info("%s: journaled as onlining, but held by the operator; left as it is",
				 en.region);
			return;
		}
		if (!r) {
			log_warn("%s: journaled as onlining but gone; assembling again", en.region);
			svm_journal_drop(e->journal, &en);
			return;
		}
		if (svmd_apply_mode(e, &en, r)) {
			e->want_retry = true;
			return;
		}
		svmd_put(e, &en, SVM_PHASE_ONLINE);
		return;
	case SVM_PHASE_ONLINE: {
		enum svm_mode m;

		if (!r)
			goto dropped;
		m = svm_region_get_mode(r);
		if (m == SVM_MODE_NUMA_PARTIAL) {
			half_online(e, &en, r, mds);
			return;
		}
		if ((m == SVM_MODE_NUMA || m == SVM_MODE_COHERENT) &&
		    strcmp(en.mode, svm_mode_name(m))) {
			/* offline and online again, or convert, between two passes */
			log_info("%s: online as %s by an operator (journaled %s); following",
				 en.region, svm_mode_name(m), en.mode);
			snprintf(en.mode, sizeof(en.mode), "%s", svm_mode_name(m));
			svmd_put(e, &en, SVM_PHASE_ONLINE);
			return;
		}
		if ((m == SVM_MODE_NONE && strcmp(en.mode, "ignore")) ||
		    (m == SVM_MODE_DEVDAX && strcmp(en.mode, "devdax"))) {
			log_info("%s: offlined by an operator (svm-cxlctl offline); left offline",
				 en.region);
			if (!svmd_put(e, &en, SVM_PHASE_OFFLINE))
				svmd_emit_region(e, "region-offline", r, &en, 0);
		}
		return;
	}
	case SVM_PHASE_OFFLINING: {
		uint64_t t0 = svmd_now_ms();
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
		if (!svmd_put(e, &en, SVM_PHASE_OFFLINE))
			svmd_emit_region(e, "region-offline", r, &en, svmd_now_ms() - t0);
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
			svmd_put(e, &en, SVM_PHASE_ONLINE);
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
	if (svmd_any_released(e, mds, en.nr_serials)) {
		log_info("%s: destroyed, and released by the operator; the policy decides again",
			 en.region);
	} else if (!svmd_any_held(e, mds, en.nr_serials)) {
		log_warn("%s: destroyed by someone else (cxl destroy-region?); its memdevs are held: not assembled again until 'svm-cxlctl daemon release'",
			 en.region);
		svmd_hold(e, mds, en.nr_serials, "destroyed", "observed");
	} else {
		log_info("%s: destroyed by the operator; entry dropped", en.region);
	}
	svm_journal_drop(e->journal, &en);
}

