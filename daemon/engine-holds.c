// SPDX-License-Identifier: GPL-2.0-only
/* The engine's side of operator holds (holds.h). */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine-int.h"

/* operator holds (holds.h) */

bool svmd_memdev_held(struct svmd_engine *e, struct svm_memdev *m)
{
	struct svmd_hold *h = svmd_holds_find(&e->holds, svm_memdev_get_serial(m),
					      svm_memdev_get_host(m));

	return h && strcmp(h->state, SVMD_HOLD_RELEASED);
}

bool svmd_any_released(struct svmd_engine *e, struct svm_memdev **mds, int n)
{
	for (int i = 0; i < n; i++) {
		struct svmd_hold *h = mds[i] ? svmd_holds_find(&e->holds,
				svm_memdev_get_serial(mds[i]), svm_memdev_get_host(mds[i])) : NULL;

		if (h && !strcmp(h->state, SVMD_HOLD_RELEASED))
			return true;
	}
	return false;
}

/* the end of a pass: release markers have been seen */
void svmd_drop_released(struct svmd_engine *e)
{
	bool changed = false;

	for (size_t i = e->holds.n; i-- > 0;)
		if (!strcmp(e->holds.h[i].state, SVMD_HOLD_RELEASED)) {
			svmd_holds_drop(&e->holds, e->holds.h[i].serial, e->holds.h[i].host);
			changed = true;
		}
	if (changed)
		svmd_save_holds(e);
}

bool svmd_any_held(struct svmd_engine *e, struct svm_memdev **mds, int n)
{
	for (int i = 0; i < n; i++)
		if (mds[i] && svmd_memdev_held(e, mds[i]))
			return true;
	return false;
}

void svmd_save_holds(struct svmd_engine *e)
{
	int rc = svmd_holds_save(&e->holds);

	if (rc)
		log_err("cannot write %s: %s", e->holds.path, strerror(-rc));
}

/* Record that someone other than the policy decided about these memdevs. */
void svmd_hold(struct svmd_engine *e, struct svm_memdev **mds, int n, const char *state,
		 const char *by)
{
	for (int i = 0; i < n; i++)
		if (mds[i] && svmd_holds_set(&e->holds, svm_memdev_get_serial(mds[i]),
					     svm_memdev_get_host(mds[i]),
					     svm_memdev_get_name(mds[i]), state, by))
			log_err("more than %d operator holds; %s not recorded", SVMD_MAX_HOLDS,
				svm_memdev_get_name(mds[i]));
	svmd_save_holds(e);
}

/* Read the holds (svm-cxlctl writes them under the lock); drop those of devices that
 * are gone, since a device put back is a new device to the policy. */
void svmd_load_holds(struct svmd_engine *e)
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
		svmd_save_holds(e);
}

