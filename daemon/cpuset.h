/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CDM-style isolated NUMA nodes through cgroup v2 cpusets (docs/cdm.md).
 *
 * The kernel has no "private node" flag; a node left out of the effective cpuset.mems
 * of every cgroup but the granted ones is invisible to the rest: the page allocator
 * never falls back onto it for them, and mbind()/set_mempolicy() naming only it fail
 * with EINVAL. This file keeps the cgroup tree in that shape for every isolated node:
 *
 *  - the root cgroup cannot be restricted, so each top-level child not granted the node
 *    (and not on the way to a granted cgroup) gets an explicit cpuset.mems without it
 *    (an empty cpuset.mems means "inherit": the explicit list is the effective set it
 *    had, minus the node);
 *  - on the way to a granted cgroup, the cpuset controller is enabled in
 *    cgroup.subtree_control and the siblings off the way are restricted the same way;
 *  - granted cgroups and their ancestors keep the node; where they have an explicit list
 *    without it (systemd's AllowedMemoryNodes=), the node is added once it is online.
 *
 * Every change is journaled before it is made: the file ($SVM_CXL_CPUSET_JOURNAL or
 * /run/svm-cxl.cpusets.json, in /run because cgroups do not survive a reboot either) is
 * written to a temporary, fsync'd and renamed. It holds the isolated nodes and their
 * grants, the value each changed file had before the first change ("orig", what a final
 * release writes back), and, while a change is in progress, an undo list. A change is a
 * transaction: a failure halfway writes the undo list back in reverse and leaves the tree
 * as it was. The next holder of the svm-cxl lock (svm-cxlctl, svm-cxld) finishes what a
 * dead one left: it undoes a transaction in progress, drops nodes that were still being
 * onlined and nodes that are no longer online (offlined or unplugged meanwhile), and
 * writes the originals back once no node is isolated. Callers hold the svm-cxl lock.
 *
 * SVM_CXL_CPUSET_STOP_AT=N (tests) kills the process with SIGKILL right after its N-th
 * cpuset write, to leave a journal as a crash would.
 */
#ifndef SVMD_CPUSET_H
#define SVMD_CPUSET_H

#include <stdbool.h>
#include <stddef.h>

#include "cgroupfs.h"
#include "nodemask.h"

#define SVMD_CPUSET_JOURNAL_DEFAULT "/run/svm-cxl.cpusets.json"
#define SVMD_CPUSET_DEFAULT_CGROUP "svm-cxl-default"
#define SVMD_CPUSET_MAX_NODES 8
#define SVMD_CPUSET_MAX_GRANTS 16
#define SVMD_CPUSET_MAX_CHANGES 256

/* One write that puts a file back: VALUE into PATH/FILE. FILE "" is "move the
 * processes of PATH to its parent and remove PATH" (a cgroup made here). */
struct svmd_cg_action {
	char path[SVMD_CG_PATH_MAX];
	char file[32];
	char value[256];
};

enum svmd_iso_state {
	SVMD_ISO_ONLINING,	/* cpusets ready, the node being onlined by a live process */
	SVMD_ISO_ACTIVE,	/* online and isolated */
};

struct svmd_isolated {
	int node;
	char region[32];
	enum svmd_iso_state state;
	int ngrants;
	char grants[SVMD_CPUSET_MAX_GRANTS][SVMD_CG_PATH_MAX];
};

struct svmd_cpusets {
	char path[4096];	/* the journal */
	char root[4096];	/* the cgroup v2 hierarchy */
	int niso;
	struct svmd_isolated iso[SVMD_CPUSET_MAX_NODES];
	int norig;
	struct svmd_cg_action orig[SVMD_CPUSET_MAX_CHANGES];
	/* a transaction in progress */
	bool in_tx;
	int nundo, orig_mark, prev_niso;
	struct svmd_cg_action undo[SVMD_CPUSET_MAX_CHANGES];
	struct svmd_isolated prev[SVMD_CPUSET_MAX_NODES];
	int writes;		/* cpuset writes made by this process (STOP_AT) */
	char err[512];		/* what failed, for people */
};

const char *svmd_cpuset_journal_path(void);
/* Read the journal (absent: nothing isolated) for the hierarchy at @cgroot (NULL:
 * svmd_cgroup_root()). 0 or -errno (-EINVAL: unreadable journal, left alone). */
int svmd_cpusets_load(struct svmd_cpusets *cs, const char *cgroot);

/* The record of @node, or NULL. */
struct svmd_isolated *svmd_cpuset_find(struct svmd_cpusets *cs, int node);
/* 0 if the cgroup v2 hierarchy has the cpuset controller, else -EOPNOTSUPP (cs->err). */
int svmd_cpuset_check(struct svmd_cpusets *cs);

/*
 * Isolate @node (not online yet, or online) for region @region, granted to @grants
 * (normalised cgroup paths). Done before the node is onlined, the explicit lists leave
 * it out from its first page on. With @move_root, the root cgroup's processes (not the
 * kernel threads) are moved into SVMD_CPUSET_DEFAULT_CGROUP first; @moved/@unmovable
 * count them. Record state ONLINING; svmd_cpuset_activate() once the node is online.
 * 0 or -errno, nothing changed on error (cs->err says why).
 */
int svmd_cpuset_isolate(struct svmd_cpusets *cs, int node, const char *region,
			const char *const *grants, int ngrants, bool move_root, int *moved,
			int *unmovable);
/* The node is online: grants with explicit lists get it. 0 or -errno (then rolled back
 * to the ONLINING shape; call svmd_cpuset_release()). */
int svmd_cpuset_activate(struct svmd_cpusets *cs, int node);
/* Grant / revoke @cgroup (normalised) on isolated @node. All or nothing. 0, -ENOENT (no
 * such node isolated), -EEXIST / -ESRCH (already granted / not granted), -errno. */
int svmd_cpuset_grant(struct svmd_cpusets *cs, int node, const char *cgroup);
int svmd_cpuset_revoke(struct svmd_cpusets *cs, int node, const char *cgroup);
/* Move the root cgroup's processes into the default child (see isolate). */
int svmd_cpuset_move_root(struct svmd_cpusets *cs, int *moved, int *unmovable);
/* @node is no longer isolated (offlined, converted, unplugged, or its online failed):
 * reshape for the others, or write every original back if it was the last. 0 if not
 * isolated. */
int svmd_cpuset_release(struct svmd_cpusets *cs, int node);
/*
 * Finish what a dead holder left (see above). Returns how many things it repaired
 * (0: nothing to do), or -errno; cs->err describes what was done or what failed.
 */
int svmd_cpusets_recover(struct svmd_cpusets *cs);

/* The nodes in the root cgroup's cpuset.mems.effective (what is online). */
int svmd_cpuset_online_nodes(struct svmd_cpusets *cs, struct svmd_nodemask *m);
/* Whether @cgroup (normalised) is granted @node (itself or under a grant). */
bool svmd_cpuset_is_granted(const struct svmd_isolated *iso, const char *cgroup);

#endif
