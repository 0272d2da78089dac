/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The lock svm-cxld shares with svm-cxlctl: flock(2) on one file, $SVM_CXL_LOCK or
 * /run/svm-cxl.lock (the path svm-cxlctl's take_lock() uses). Whoever holds it may change
 * CXL state; the other waits. The daemon takes it for each reconcile pass and drops it
 * in between, so a CLI command waits at most one pass.
 */
#ifndef SVMD_LOCK_H
#define SVMD_LOCK_H

#define SVM_CXL_LOCK_DEFAULT "/run/svm-cxl.lock"

const char *svmd_lock_path(void);
/* Wait up to @timeout_ms for the lock. Returns an fd to pass to svmd_unlock(), or
 * -ETIMEDOUT / -errno. */
int svmd_lock(unsigned int timeout_ms);
void svmd_unlock(int fd);

#endif
