// SPDX-License-Identifier: GPL-2.0-only
/* Reconcile steps 2 and 3: new memdevs assembled per window; regions nobody journaled. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine-int.h"

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
			if (svmd_id_is(en, j, m))
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
		if (svmd_memdev_held(e, m)) {
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
	struct svm_region_opts opts = { .struct_size = sizeof(opts), .root = g->root };
	struct svm_journal_entry en;
	struct svm_region *r;
	struct json_object *ev;
	char names[256] = "";
	uint64_t t0 = svmd_now_ms();
	int rc;

	svmd_entry_from_memdevs(&en, g->mds, g->nr);
	for (int i = 0; i < g->nr; i++) {
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 i ? "," : "", svm_memdev_get_name(g->mds[i]));
	}
	svmd_decide(e, g->mds, g->nr, NULL, &en);
	ev = svmd_event("device-added");
	svmd_ev_str(ev, "memdevs", names);
	json_object_object_add(ev, "serials", svmd_serials_json(en.serials, en.nr_serials));
	svmd_ev_str(ev, "mode", en.mode);
	svmd_ev_str(ev, "rule", en.rule);
	svmd_emit(e, ev);
	if (!strcmp(en.mode, "ignore")) {
		log_info("%s: rule \"%s\" says ignore; left alone", names, en.rule);
		en.phase = SVM_PHASE_ONLINE;
		svmd_put(e, &en, SVM_PHASE_ONLINE);
		return;
	}
	svmd_next_region_name(e->ctx, g->root, en.region, sizeof(en.region));
	log_info("%s (serial %llu): assembling %s for mode %s (rule \"%s\")", names,
		 (unsigned long long)en.serials[0], en.region[0] ? en.region : "a region",
		 en.mode, en.rule);
	if (svmd_put(e, &en, SVM_PHASE_ASSEMBLING))
		return;
	svmd_stop_hook(e, "assembling");
	/* With kmem loaded, the new dax device binds to kmem at once and the kernel would
	 * online its blocks by auto_online_blocks (ZONE_NORMAL by default): keep them offline
	 * until the mode is applied. */
	svmd_hold_knob(e);
	rc = svm_region_create(e->ctx, g->mds, g->nr, &opts, &r);
	if (rc)
		svmd_release_knob(e);
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
		 (unsigned long long)(svmd_now_ms() - t0));
	if (svmd_put(e, &en, SVM_PHASE_ONLINING))
		return;
	svmd_stop_hook(e, "onlining");
	r = svm_region_get_by_name(e->ctx, en.region);
	rc = !r || svmd_apply_mode(e, &en, r);
	svmd_release_knob(e);
	if (rc) {
		e->want_retry = true;
		return;
	}
	svmd_put(e, &en, SVM_PHASE_ONLINE);
}

/* step 3: regions nobody journaled */
void svmd_adopt(struct svmd_engine *e)
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
		/* pmem (or a type we cannot read) is ndctl's: never journaled, never acted on */
		if (strcmp(svm_region_get_type(r), "ram"))
			continue;
		ns = svmd_region_ids(r, &en);
		if (ns <= 0)
			continue;
		if (svm_journal_find(e->journal, &en))
			continue;
		for (int k = 0; k < ns; k++)
			mds[k] = svmd_memdev_by_id(e->ctx, &en, k);
		if (svmd_any_held(e, mds, ns))
			continue;
		snprintf(en.region, sizeof(en.region), "%.31s", names[i]);
		m = svm_region_get_mode(r);
		if (m == SVM_MODE_NUMA || m == SVM_MODE_NUMA_PARTIAL || m == SVM_MODE_COHERENT) {
			snprintf(en.mode, sizeof(en.mode), "%s",
				 m == SVM_MODE_COHERENT ? "coherent" : "numa");
			snprintf(en.rule, sizeof(en.rule), "adopted");
			log_info("%s: found online as %s; adopted as it is", names[i], svm_mode_name(m));
			svmd_put(e, &en, SVM_PHASE_ONLINE);
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
			svmd_put(e, &en, SVM_PHASE_ONLINE);
			continue;
		}
		svmd_decide(e, mds, ns, r, &en);
		if (!strcmp(en.mode, "ignore")) {
			svmd_put(e, &en, SVM_PHASE_ONLINE);
			continue;
		}
		log_info("%s: found %s, not made by svm-cxld; left as it is ('svm-cxlctl online %s' brings it up)",
			 names[i], svm_mode_name(m), names[i]);
		snprintf(en.rule, sizeof(en.rule), "adopted");
		svmd_put(e, &en, SVM_PHASE_OFFLINE);
	}
}


/* step 2: free memdevs, grouped per window, assembled and onlined */
void svmd_assemble_new(struct svmd_engine *e)
{
	struct svm_memdev *fr[64];
	struct group groups[16];
	int nfree, ng;

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
}

