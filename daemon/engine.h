/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The svm-cxld engine: brings the CXL topology to what the policy wants and the journal
 * remembers. One reconcile pass (caller holds the svm-cxl lock):
 *
 *  1. Journal entries first (crash recovery). Devices gone: destroy the region they left
 *     (stale) and drop the entry. ASSEMBLING: a committed, enabled region over the
 *     serials goes on to ONLINING; a half-built one is destroyed and its reserved DPA
 *     released, then the set is assembled again. ONLINING: online in the journaled mode
 *     (the library finishes a half-online numa node). OFFLINING: finish the offline.
 *     ONLINE but found offline: an operator offlined it (svm-cxlctl offline): OFFLINE.
 *  2. Free memdevs (no region, not journaled): grouped per CXL window, decided by the
 *     policy, journaled ASSEMBLING (with the region name the window will hand out),
 *     assembled, journaled ONLINING, onlined, journaled ONLINE.
 *  3. Regions nobody journaled (coldplug): online ones are adopted as they are; offline
 *     or devdax ones are onlined per policy.
 *
 * Every step is journaled before it is taken, so a SIGKILL anywhere leaves an entry that
 * says what to finish. Events (JSON objects) go to the emit callback.
 */
#ifndef SVMD_ENGINE_H
#define SVMD_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>
#include <libsvmcxl.h>

#include "holds.h"
#include "journal.h"
#include "knob.h"
#include "policy.h"
#include "subject.h"

typedef void (*svmd_emit_fn)(struct json_object *event, void *data);

struct svmd_engine {
	struct svm_ctx *ctx;
	struct svm_policy *policy;
	char policy_path[4096];
	bool policy_from_file;
	struct svm_journal *journal;
	unsigned int offline_timeout_ms;
	svmd_emit_fn emit;
	void *emit_data;
	/* set by a pass that met a transient failure (e.g. a memdev without decoders yet) */
	bool want_retry;
	/* operator holds (holds.h), read at the start of each pass under the lock */
	char state_dir[4096];
	struct svmd_holds holds;
	/* auto_online_blocks held at offline around assembly and onlining */
	struct svmd_knob knob;
	/* test hook ($SVM_CXLD_STOP_AT): SIGSTOP after journaling this phase */
	const char *stop_at;
	/* the placement pass (place.h), for its counters in status; NULL: none */
	struct svmd_place *place;
};

int svmd_engine_init(struct svmd_engine *e, const char *policy_path, const char *state_dir,
		     char *err, size_t errlen);
void svmd_engine_fini(struct svmd_engine *e);
/* Load the policy file again; on error keep the old one. 0 or -EINVAL (err says why). */
int svmd_engine_reload(struct svmd_engine *e, char *err, size_t errlen);
void svmd_engine_reconcile(struct svmd_engine *e);
/* Orderly offline / online again of a region or a memdev's region. Returns a proto.h
 * reply code; err holds the sentence. */
int svmd_engine_offline(struct svmd_engine *e, const char *object, char *err, size_t errlen);
int svmd_engine_online(struct svmd_engine *e, const char *object, char *err, size_t errlen);
struct json_object *svmd_engine_status(struct svmd_engine *e);
/* pool counters, one event per pool whose counters changed since the last call */
void svmd_engine_poll_pools(struct svmd_engine *e);

/* An attention button was pressed on PCIe port @port (BDF): offline, within @budget_ms,
 * the numa-mode regions of the memdevs below it. */
void svmd_engine_button_press(struct svmd_engine *e, const char *port, unsigned int budget_ms);
#endif
