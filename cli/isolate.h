/* SPDX-License-Identifier: GPL-2.0-only */
/* svm-cxlctl's side of isolated nodes (daemon/cpuset.h); see isolate.c. */
#ifndef _SVM_CXLCTL_ISOLATE_H_
#define _SVM_CXLCTL_ISOLATE_H_

#include <stdbool.h>
#include <stddef.h>
#include <libsvmcxl.h>

#include "cpuset.h"

/* the region's NUMA node (its dax device's target node), -1 if none */
int cli_region_node(struct svm_region *r);
/* In take_lock(): finish what a dead holder left in the cpuset journal (warns). */
void cli_cpusets_recover(const char *cmd);
/* Before onlining @r: isolate its node (*@node), moving the root cgroup's processes into
 * the default child; *@node is -1 if it is isolated already (nothing to do or undo).
 * EXIT_OK or an exit code (message printed, nothing changed). */
int cli_isolate(const char *cmd, struct svm_region *r, int *node);
/* After the online: grants get the node. EXIT_OK or EXIT_FAIL (then release and undo). */
int cli_isolate_activate(const char *cmd, int node);
/* The node went (online failed, offline, convert): undo its isolation if it had one. */
int cli_isolate_release(const char *cmd, int node);
/* For status: 1 and a sentence if @node is isolated (grants), plus one about root-cgroup
 * processes the isolation does not bind (@root_msg "" if none); 0 if not isolated. */
int cli_isolation_describe(int node, char *buf, size_t len, char *root_msg, size_t rlen);
const struct svmd_isolated *cli_isolation_of(int node);
/* the isolated nodes (up to @max), -1 if the journal cannot be read */
int cli_isolation_nodes(int *nodes, int max);
/* /sys/kernel/mm/numa/demotion_enabled: reclaim demotes to lower tiers, past cpusets */
bool cli_demotion_enabled(struct svm_ctx *ctx);
/* 1: this kernel demotes past cpusets, 0: it respects them, -1: unknown */
int cli_demotion_ignores_cpusets(struct svm_ctx *ctx);
/* For doctor: true (and why) if a cgroup that is not granted @node can allocate there. */
bool cli_isolation_leak(int node, char *buf, size_t len);

#endif
