/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The lock svm-cxld shares with svm-cxlctl: flock(2) on one file, $SVM_CXL_LOCK or
 * RUNSTATEDIR/svm-cxl/lock (/run/svm-cxl/lock; the path svm-cxlctl's take_lock() uses). Whoever holds it may change
 * CXL state; the other waits. The daemon takes it for each reconcile pass and drops it
 * in between, so a CLI command waits at most one pass.
 */
#ifndef SVMD_LOCK_H
#define SVMD_LOCK_H

#include "svm-cxl-config.h"

#define SVM_CXL_LOCK_DEFAULT SVM_CXL_RUN_DIR "/lock"

const char *svmd_lock_path(void);
/* Create the directory @path is in (one level, mode 0755) if it is missing: the runtime
 * directory exists only once svm-cxld's unit or the first svm-cxlctl made it. */
void svmd_mkdir_parent(const char *path);
/* Wait up to @timeout_ms for the lock. Returns an fd to pass to svmd_unlock(), or
 * -ETIMEDOUT / -errno. */
int svmd_lock(unsigned int timeout_ms);
void svmd_unlock(int fd);

#endif
