/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /sys/devices/system/memory/auto_online_blocks is system-wide. svm-cxld and svm-cxlctl
 * hold it at "offline" while they assemble or online a region (with kmem loaded the
 * kernel would otherwise online new blocks in ZONE_NORMAL by itself). A crash or a signal
 * must not leave it there, so the value it had is written down first:
 *
 *   hold:    if the knob is not "offline", its value goes to the save file (written to a
 *            temporary, fsync'd, renamed), then the knob is set to "offline".
 *   release: the saved value is written back, then the save file removed.
 *   recover: a save file that exists when nobody holds the knob (the holder died) is
 *            written back and removed. svm-cxld runs this at start, svm-cxlctl whenever
 *            it takes the lock.
 *
 * Every caller holds the svm-cxl lock (lock.h), so there is one holder at a time, and a
 * save file seen by the lock holder that it did not write is a dead holder's. The save
 * file is $SVM_CXL_KNOB_SAVE or /run/svm-cxl/auto_online_blocks: in /run, because the
 * knob itself does not survive a reboot either. libsvmcxl's own switch of the knob
 * (cxl-glue/mode.c, around kmem binding) sees "offline" while a hold is active and then
 * changes nothing, so the hold covers it.
 */
#ifndef SVMD_KNOB_H
#define SVMD_KNOB_H

#include <stdbool.h>
#include <stddef.h>

#include "svm-cxl-config.h"

#define SVM_CXL_KNOB_SAVE_DEFAULT SVM_CXL_RUN_DIR "/auto_online_blocks"

struct svmd_knob {
	char root[4096];	/* sysfs root ("" for /) */
	bool held;		/* this process changed the knob and must put it back */
	int depth;		/* nested holds: the outermost release restores */
};

const char *svmd_knob_save_path(void);
/* Hold auto_online_blocks at offline; holds nest. 0 or -errno (nothing changed on
 * error; the hold still counts, so pair every hold with a release). */
int svmd_knob_hold(struct svmd_knob *k, const char *root);
/* End a hold; the outermost puts the saved value back. 0 or -errno. */
int svmd_knob_release(struct svmd_knob *k);
/* Restore what a dead holder saved. 1 if restored (@value says what), 0 if there was
 * nothing to restore, -errno. Async-signal-unsafe; call with the lock held. */
int svmd_knob_recover(const char *root, char *value, size_t len);

#endif
