/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * svm_cxl's offline requests (kernel/numa_unplug.c): svm-cxld registers as the offline
 * agent (offline_agent on the misc device); when a CXL device, port or region is being
 * unbound with CXL memory online, the module holds the unbind and sends a change uevent
 * on svm_cxl (SVM_CXL_EVENT=offline-request). The daemon names the numa-mode regions of
 * that device (offline_request: "SEQ offlining REGION START SIZE"), offlines them in a
 * child process with no deadline of its own (the module bounds the wait by progress),
 * and says "SEQ done" when the child ends. On SVM_CXL_EVENT=offline-abandon (no
 * progress) the child is killed: its retrying write would hold mem_hotplug_lock, which
 * the teardown needs. With the module loaded this replaces the attention-button path
 * (button.h), whose 5 s window is too short for more than a few MiB under TCG.
 */
#ifndef SVMD_OFFLINE_REQUEST_H
#define SVMD_OFFLINE_REQUEST_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <libudev.h>

#include "engine.h"

struct svmd_offreq {
	bool registered;	/* svm_cxl knows us as its offline agent */
	pid_t child;		/* offline in progress, 0: none */
	uint64_t seq;		/* the request the child serves */
	char device[32];
	uint64_t t0;
};

/* Register with svm_cxl if it is loaded and has offline requests; quiet otherwise. */
void svmd_offreq_register(struct svmd_engine *e, struct svmd_offreq *o);
void svmd_offreq_unregister(struct svmd_engine *e, struct svmd_offreq *o);
/* A uevent of the misc subsystem: ours if it is svm_cxl's (add, remove, change). */
void svmd_offreq_uevent(struct svmd_engine *e, struct svmd_offreq *o, struct udev_device *dev);
/* After SIGCHLD: reap the child, tell the module, pick up the journal it wrote. */
void svmd_offreq_reap(struct svmd_engine *e, struct svmd_offreq *o);

#endif
