// SPDX-License-Identifier: GPL-2.0-only
/* The svm-cxld reconcile engine: init, the pass, policy reload. See engine.h. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine-int.h"

void svmd_stop_hook(struct svmd_engine *e, const char *phase)
{
	if (e->stop_at && !strcmp(e->stop_at, phase)) {
		log_warn("test hook: stopping at %s (SVM_CXLD_STOP_AT)", phase);
		raise(SIGSTOP);
	}
}


void svmd_engine_reconcile(struct svmd_engine *e)
{
	struct svm_journal_entry copy[64];
	size_t n;

	e->want_retry = false;
	svmd_recover_knob(e);
	/* a dead holder's cpuset change, and nodes offlined or unplugged since */
	svmd_recover_cpusets(e);
	svm_invalidate(e->ctx);
	svmd_load_holds(e);
	/* 1. journal entries (a copy: recovery changes the journal) */
	n = svm_journal_count(e->journal);
	if (n > 64)
		n = 64;
	for (size_t i = 0; i < n; i++)
		copy[i] = *svm_journal_at(e->journal, i);
	for (size_t i = 0; i < n; i++)
		svmd_recover_entry(e, copy[i]);
	/* 2. new memdevs, 3. regions nobody journaled */
	svmd_assemble_new(e);
	svmd_adopt(e);
	svmd_drop_released(e);
	svm_invalidate(e->ctx);
}

int svmd_engine_reload(struct svmd_engine *e, char *err, size_t errlen)
{
	struct svm_policy *p;

	/*
	 * A daemon that started without a policy file (a fresh package install) takes one
	 * written since; one that ran on a file and finds it gone keeps what it has, as for
	 * any file it cannot load.
	 */
	if (!e->policy_from_file && access(e->policy_path, F_OK))
		return 0;
	p = svm_policy_load(e->policy_path, err, errlen);
	if (!p)
		return -EINVAL;
	svm_policy_free(e->policy);
	e->policy = p;
	e->policy_from_file = true;
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
	/* errors and notes come back in the call's result, and the caller logs them */
	if (priority == LOG_NOTICE || priority == LOG_WARNING)
		log_info("libsvmcxl: %s", msg);
	else
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
	if (svm_journal_stale(e->journal))
		log_info("journal: %zu entr%s of a previous boot dropped (its regions went with it)",
			 svm_journal_stale(e->journal), svm_journal_stale(e->journal) == 1 ? "y" : "ies");
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

