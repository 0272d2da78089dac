/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the svm-cxld engine (engine.h): what its files share. One file per concern:
 *   engine.c           init, the reconcile pass, policy reload
 *   engine-entry.c     journal entries over the topology (device identities)
 *   engine-holds.c     operator holds as the engine reads and records them
 *   engine-apply.c     the policy decision, auto_online_blocks, applying a mode, teardown
 *   engine-isolate.c   isolated numa nodes (the policy's isolate and grant, cpuset.c)
 *   engine-recover.c   step 1: journal entries
 *   engine-assemble.c  steps 2 and 3: new memdevs, unjournaled regions
 *   engine-requests.c  control requests, status, pool counters, the attention button
 *   engine-events.c    events and their JSON
 */
#ifndef SVMD_ENGINE_INT_H
#define SVMD_ENGINE_INT_H

#include "clock.h"
#include "dax.h"
#include "engine.h"
#include "knob.h"
#include "log.h"
#include "proto.h"
#include "sysfs-steps.h"

#define MAX_MDS SVM_JOURNAL_MAX_DEVS

/* engine.c */
void svmd_stop_hook(struct svmd_engine *e, const char *phase);

/* engine-events.c */
void svmd_emit(struct svmd_engine *e, struct json_object *ev);
struct json_object *svmd_event(const char *name);
void svmd_ev_str(struct json_object *o, const char *k, const char *v);
void svmd_ev_int(struct json_object *o, const char *k, int64_t v);
struct json_object *svmd_serials_json(const uint64_t *s, unsigned int n);
const char *svmd_mode_of(struct svm_region *r);
void svmd_emit_region(struct svmd_engine *e, const char *name, struct svm_region *r,
		      const struct svm_journal_entry *en, uint64_t ms);

/* engine-entry.c */
void svmd_add_id(struct svm_journal_entry *en, struct svm_memdev *m);
bool svmd_id_is(const struct svm_journal_entry *en, unsigned int i, struct svm_memdev *m);
void svmd_entry_from_memdevs(struct svm_journal_entry *en, struct svm_memdev **mds, int nr);
int svmd_put(struct svmd_engine *e, struct svm_journal_entry *en, enum svm_journal_phase ph);
void svmd_journal_failed_offline(struct svmd_engine *e, struct svm_journal_entry *en,
				 const char *name);
struct svm_memdev *svmd_memdev_by_id(struct svm_ctx *ctx, const struct svm_journal_entry *en,
				     unsigned int i);
int svmd_region_ids(struct svm_region *r, struct svm_journal_entry *key);
bool svmd_region_within(struct svm_region *r, const struct svm_journal_entry *en);
struct svm_region *svmd_region_of_entry(struct svmd_engine *e, const struct svm_journal_entry *en);
bool svmd_region_is_entrys(struct svm_region *r, const struct svm_journal_entry *en);
bool svmd_all_present(struct svmd_engine *e, const struct svm_journal_entry *en,
		      struct svm_memdev **mds);

/* engine-holds.c */
bool svmd_memdev_held(struct svmd_engine *e, struct svm_memdev *m);
bool svmd_any_held(struct svmd_engine *e, struct svm_memdev **mds, int n);
void svmd_save_holds(struct svmd_engine *e);
void svmd_hold(struct svmd_engine *e, struct svm_memdev **mds, int n, const char *state,
	       const char *by);
void svmd_load_holds(struct svmd_engine *e);
/* did the operator release one of them since the last pass? */
bool svmd_any_released(struct svmd_engine *e, struct svm_memdev **mds, int n);
void svmd_drop_released(struct svmd_engine *e);

/* engine-apply.c */
void svmd_decide(struct svmd_engine *e, struct svm_memdev **mds, int nr, struct svm_region *r,
		 struct svm_journal_entry *en);
void svmd_hold_knob(struct svmd_engine *e);
void svmd_release_knob(struct svmd_engine *e);
void svmd_recover_knob(struct svmd_engine *e);
int svmd_apply_mode(struct svmd_engine *e, struct svm_journal_entry *en, struct svm_region *r);
void svmd_release_orphan_dpa(struct svmd_engine *e, const struct svm_journal_entry *en,
			     unsigned int i);
void svmd_destroy_region(struct svmd_engine *e, struct svm_region *r, struct svm_memdev **mds,
			 int nr, const struct svm_journal_entry *en, const char *why);

/* engine-isolate.c */
void svmd_recover_cpusets(struct svmd_engine *e);
/* Before onlining @r in numa mode: isolate its node if the policy says so. The node
 * (>= 0) to pass to svmd_isolate_end(), -1 if the policy does not isolate it, or -errno
 * (logged; do not online). */
int svmd_isolate_begin(struct svmd_engine *e, struct svm_region *r, const char *name);
/* After the online (@online: it succeeded): activate, or undo. 0 or -errno (then offline
 * again: the isolation is undone). */
int svmd_isolate_end(struct svmd_engine *e, const char *name, int node, bool online);
/* The node went offline (or was converted): its cpusets go back. */
void svmd_isolate_release(struct svmd_engine *e, const char *name, int node);

/* engine-recover.c */
void svmd_recover_entry(struct svmd_engine *e, struct svm_journal_entry en);

/* engine-assemble.c */
void svmd_assemble_new(struct svmd_engine *e);
void svmd_adopt(struct svmd_engine *e);

#endif
