// SPDX-License-Identifier: GPL-2.0-only
/*
 * Isolated (CDM-style) numa nodes in svm-cxld: the policy's 'isolate' and 'grant'
 * (docs/policy.md) applied with daemon/cpuset.c around an online, undone after an
 * offline, and a dead holder's half-made cpuset change finished at every pass.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cpuset.h"
#include "engine-int.h"

/* the journal, read again by each user: svm-cxlctl changes it between passes */
static struct svmd_cpusets cs;

void svmd_recover_cpusets(struct svmd_engine *e)
{
	int rc = svmd_cpusets_load(&cs, NULL);

	(void)e;
	if (rc) {
		log_err("cannot read the cpuset journal %s: %s", svmd_cpuset_journal_path(),
			cs.err[0] ? cs.err : strerror(-rc));
		return;
	}
	rc = svmd_cpusets_recover(&cs);
	if (rc > 0)
		log_warn("cpusets of isolated nodes repaired%s%s", cs.err[0] ? ": " : "", cs.err);
	else if (rc < 0)
		log_err("cannot repair the cpusets of isolated nodes (journal %s): %s",
			svmd_cpuset_journal_path(), cs.err[0] ? cs.err : strerror(-rc));
	if (rc < 0 || !cs.niso)
		return;
	/* cgroups made since (a new slice) inherit the root's mems, isolated nodes too,
	 * and a usermode helper's process lands in the root cgroup: shape and move again */
	{
		int moved = 0, unmovable = 0;

		rc = svmd_cpuset_move_root(&cs, &moved, &unmovable);
		if (rc)
			log_err("cannot keep isolated nodes isolated: %s", cs.err[0] ? cs.err : strerror(-rc));
		else if (moved || unmovable)
			log_info("isolated nodes: %d process(es) of the root cgroup moved into %s, %d could not be moved",
				 moved, SVMD_CPUSET_DEFAULT_CGROUP, unmovable);
	}
}

/* the policy's decision for @r now (the journal keeps the mode, not the isolation) */
static bool decide_isolation(struct svmd_engine *e, struct svm_region *r,
			     struct svm_policy_decision *d)
{
	struct svm_memdev *mds[MAX_MDS];
	struct svm_policy_subject s;
	int nr = 0;

	for (int i = 0; i < svm_region_get_nr_targets(r) && nr < MAX_MDS; i++) {
		struct svm_memdev *m = svm_region_get_target_memdev(r, i);

		if (m)
			mds[nr++] = m;
	}
	svmd_subject(e->ctx, mds, nr, r, &s);
	svm_policy_decide(e->policy, &s, d);
	return d->isolate;
}

int svmd_isolate_begin(struct svmd_engine *e, struct svm_region *r, const char *name)
{
	char grants[SVMD_CPUSET_MAX_GRANTS][SVMD_CG_PATH_MAX];
	const char *gp[SVMD_CPUSET_MAX_GRANTS];
	struct svm_policy_decision d;
	struct svm_dax *dax = svm_region_get_dax(r);
	int node = dax ? svm_dax_get_target_node(dax) : -1, ng = 0, moved = 0, unmovable = 0, rc;

	if (!decide_isolation(e, r, &d))
		return -1;
	if (node < 0) {
		log_err("%s: the policy (rule \"%s\") isolates it, but it has no dax device, so no node",
			name, d.rule);
		return -ENODEV;
	}
	rc = svmd_cpusets_load(&cs, NULL);
	for (unsigned int i = 0; !rc && i < d.nr_grants && ng < SVMD_CPUSET_MAX_GRANTS; i++) {
		if (svmd_cg_normalise(cs.root, d.grants[i], grants[ng], SVMD_CG_PATH_MAX) ||
		    !svmd_cg_exists(cs.root, grants[ng], NULL)) {
			/* systemd creates a slice's cgroup with its first unit: 'svm-cxlctl
			 * grant' gives it the node later; isolated without it is the safe side */
			log_warn("%s: rule \"%s\" grants node %d to cgroup %s, which does not exist (yet); not granted",
				 name, d.rule, node, d.grants[i]);
			continue;
		}
		gp[ng] = grants[ng];
		ng++;
	}
	if (!rc)
		rc = svmd_cpuset_isolate(&cs, node, name, gp, ng, true, &moved, &unmovable);
	if (rc) {
		log_err("%s: cannot isolate node %d (rule \"%s\"): %s", name, node, d.rule,
			cs.err[0] ? cs.err : strerror(-rc));
		return rc;
	}
	if (moved || unmovable)
		log_info("%s: node %d isolated: %d process(es) of the root cgroup moved into %s, %d could not be moved",
			 name, node, moved, SVMD_CPUSET_DEFAULT_CGROUP, unmovable);
	if (unmovable)
		log_warn("%s: %d process(es) stay in the root cgroup and can still allocate on node %d",
			 name, unmovable, node);
	return node;
}

int svmd_isolate_end(struct svmd_engine *e, const char *name, int node, bool online)
{
	int rc;

	(void)e;
	if (node < 0)
		return 0;
	if (online) {
		rc = svmd_cpuset_activate(&cs, node);
		if (!rc) {
			log_info("%s: node %d isolated, granted to %d cgroup(s)", name, node,
				 svmd_cpuset_find(&cs, node) ? svmd_cpuset_find(&cs, node)->ngrants : 0);
			return 0;
		}
		log_err("%s: node %d online but its grants could not be given it: %s", name, node,
			cs.err[0] ? cs.err : strerror(-rc));
	}
	svmd_isolate_release(e, name, node);
	return online ? rc : 0;
}

void svmd_isolate_release(struct svmd_engine *e, const char *name, int node)
{
	bool was;
	int rc;

	(void)e;
	if (node < 0 || svmd_cpusets_load(&cs, NULL))
		return;
	was = svmd_cpuset_find(&cs, node) != NULL;
	rc = svmd_cpuset_release(&cs, node);
	if (rc)
		log_err("%s: cannot undo the isolation of node %d (kept in %s for the next pass): %s",
			name, node, svmd_cpuset_journal_path(), cs.err[0] ? cs.err : strerror(-rc));
	else if (was)
		log_info("%s: node %d no longer isolated; cpusets put back", name, node);
	for (int i = 0; i < cs.nkept; i++)
		log_warn("cgroup %s keeps an explicit cpuset.mems: it had processes, and the kernel refuses an empty list (inherit) then; it does not get nodes onlined later",
			 cs.kept[i]);
}
