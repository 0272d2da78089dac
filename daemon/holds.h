/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Operator holds: memdevs the operator has taken over, which svm-cxld's policy does not
 * touch until `svm-cxlctl daemon release OBJ`. A hold is recorded
 *  - by svm-cxlctl online, offline, convert, create-region and destroy-region (before it
 *    acts, under the svm-cxl lock), and by `svm-cxlctl daemon hold OBJ`;
 *  - by svm-cxld when it sees a change it did not make (a region it journaled destroyed
 *    by `cxl destroy-region`, say), or a region nobody journaled (left as it is found).
 * A held memdev is not assembled, a held region is not onlined, converted or re-created;
 * an offline the operator asked for is still finished after a crash. A hold lasts while
 * the device is present: a memdev that goes away takes its hold with it (a device put
 * back is a new device to the policy).
 *
 * `release` does not delete the entry at once: it leaves state "released", which holds
 * nothing but tells the next reconcile pass that what it finds changed (a region
 * destroyed while the daemon was not running, say) was the operator's, so the policy
 * decides afresh instead of holding it as an outside change. The pass then removes the
 * marker.
 *
 * Identity: a memdev is (serial, PCI address of its host device). The serial alone is not
 * unique (devices without a Device Serial Number report 0, and clones share one); the
 * memdev name is not stable (it follows probe order); the PCI address is stable for a
 * slot. Both must match for a hold to apply.
 *
 * File: STATE_DIR/holds.json ($SVM_CXLD_STATE_DIR or /var/lib/svm-cxl), replaced
 * atomically; every reader and writer holds the svm-cxl lock.
 */
#ifndef SVMD_HOLDS_H
#define SVMD_HOLDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "svm-cxl-config.h"

#define SVMD_STATE_DIR_DEFAULT SVM_CXL_STATE_DIR
#define SVMD_MAX_HOLDS 64

struct svmd_hold {
	uint64_t serial;
	char host[32];		/* PCI address of the memdev's device, "" if none */
	char memdev[32];	/* name when recorded, for people */
	char state[32];		/* what the operator left it as: offline, destroyed, numa, ... */
	char by[64];		/* the command, or "observed" */
	long long since;	/* seconds since the epoch */
};

struct svmd_holds {
	char path[4096];
	size_t n;
	struct svmd_hold h[SVMD_MAX_HOLDS];
};

const char *svmd_state_dir(void);
/* Read STATE_DIR/holds.json (absent: none). 0 or -errno. */
int svmd_holds_load(struct svmd_holds *hs, const char *state_dir);
/* Write it back (temporary, fsync, rename). 0 or -errno. */
int svmd_holds_save(const struct svmd_holds *hs);
#define SVMD_HOLD_RELEASED "released"

/* the entry of a device (held, or a release marker), or NULL */
struct svmd_hold *svmd_holds_find(struct svmd_holds *hs, uint64_t serial, const char *host);
/* Add or update; 0, or -ENOSPC. */
int svmd_holds_set(struct svmd_holds *hs, uint64_t serial, const char *host,
		   const char *memdev, const char *state, const char *by);
/* true if there was one */
bool svmd_holds_drop(struct svmd_holds *hs, uint64_t serial, const char *host);

#endif
