// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm-cxlctl and CDM-style isolated nodes (daemon/cpuset.h, docs/cdm.md):
 * online --isolated, grant, revoke, the recovery in take_lock(), and what status and
 * doctor say about a node's isolation.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cpuset.h"
#include "fileio.h"
#include "isolate.h"

/* one journal for the whole command: svm-cxlctl holds the lock until exit */
static struct svmd_cpusets cs;

static int load(const char *cmd)
{
	int rc = svmd_cpusets_load(&cs, NULL);

	if (rc)
		fprintf(stderr, "%s %s: cannot read the cpuset journal %s: %s\n", prog, cmd,
			svmd_cpuset_journal_path(), cs.err[0] ? cs.err : strerror(-rc));
	return rc;
}

int cli_region_node(struct svm_region *r)
{
	struct svm_dax *d = svm_region_get_dax(r);

	return d ? svm_dax_get_target_node(d) : -1;
}

void cli_cpusets_recover(const char *cmd)
{
	int rc;

	if (load(cmd))
		return;
	rc = svmd_cpusets_recover(&cs);
	if (rc > 0)
		fprintf(stderr, "%s %s: warning: cpusets repaired after a process died changing them%s%s\n",
			prog, cmd, cs.err[0] ? ": " : "", cs.err);
	else if (rc < 0)
		fprintf(stderr, "%s %s: warning: cannot repair the cpusets a dead process left (journal %s): %s\n",
			prog, cmd, svmd_cpuset_journal_path(), cs.err[0] ? cs.err : strerror(-rc));
}

static void say_moved(const char *cmd, int moved, int unmovable)
{
	if (moved)
		fprintf(stderr, "%s %s: moved %d process(es) of the root cgroup into %s: the root cgroup cannot be restricted, so they would still allocate on isolated nodes\n",
			prog, cmd, moved, SVMD_CPUSET_DEFAULT_CGROUP);
	if (unmovable)
		fprintf(stderr, "%s %s: warning: %d process(es) of the root cgroup could not be moved and can still allocate on isolated nodes ('svm-cxlctl status' lists them)\n",
			prog, cmd, unmovable);
}

bool cli_demotion_enabled(struct svm_ctx *ctx)
{
	char p[4200], v[16];

	snprintf(p, sizeof(p), "%s/sys/kernel/mm/numa/demotion_enabled", svm_get_root(ctx));
	return !svmd_read_value(p, v, sizeof(v)) && (!strcmp(v, "true") || !strcmp(v, "1"));
}

/*
 * Reclaim that respects cpusets calls mem_cgroup_node_allowed() from can_demote()
 * ("vmscan,cgroup: apply mems_effective to reclaim", Gregory Price, 2025); its
 * successor for multi-tier systems filters a mask with mem_cgroup_node_filter_allowed()
 * and cpuset_nodes_allowed() (both in Debian's 7.3, which keeps a non-granted holder's
 * pages off the node in cli-isolate). Before those, mm/vmscan.c says "Demotion ignores
 * all cpuset and mempolicy settings" (6.12). The symbol is the feature: no version guess.
 */
int cli_demotion_ignores_cpusets(struct svm_ctx *ctx)
{
	char p[4200], line[256];
	int found = 0, any = 0;
	FILE *f;

	snprintf(p, sizeof(p), "%s/proc/kallsyms", svm_get_root(ctx));
	f = fopen(p, "re");
	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f)) {
		char *name = strrchr(line, ' ');

		any = 1;
		if (!name)
			continue;
		name++;
		name[strcspn(name, "\t\n")] = 0;
		found = !strcmp(name, "mem_cgroup_node_allowed") ||
			!strcmp(name, "mem_cgroup_node_filter_allowed") ||
			!strcmp(name, "cpuset_nodes_allowed");
	}
	fclose(f);
	return found ? 0 : any ? 1 : -1;
}

/* never silently: cgroups whose empty cpuset.mems could not come back (see cpuset.h) */
static void say_kept(const char *cmd)
{
	for (int i = 0; i < cs.nkept; i++) {
		char v[256] = "";

		svmd_cg_read(cs.root, cs.kept[i], "cpuset.mems", v, sizeof(v));
		fprintf(stderr, "%s %s: warning: %s keeps cpuset.mems '%s' written out: it had processes, and the kernel refuses an empty list (inherit) then; it does not get nodes onlined later until 'echo > %s/%s/cpuset.mems' with no processes in it\n",
			prog, cmd, cs.kept[i], v, cs.root, cs.kept[i]);
	}
}

int cli_isolate(const char *cmd, struct svm_region *r, int *node)
{
	int moved = 0, unmovable = 0, rc;

	*node = cli_region_node(r);
	if (*node < 0) {
		fprintf(stderr, "%s %s: %s has no dax device, so no NUMA node to isolate\n", prog,
			cmd, svm_region_get_name(r));
		return EXIT_FAIL;
	}
	if (load(cmd))
		return EXIT_FAIL;
	if (svmd_cpuset_find(&cs, *node)) {
		/* a second online --isolated: nothing to do, like a second online */
		*node = -1;
		return EXIT_OK;
	}
	rc = svmd_cpuset_isolate(&cs, *node, svm_region_get_name(r), NULL, 0, true, &moved,
				 &unmovable);
	if (rc) {
		fprintf(stderr, "%s %s: cannot isolate node %d: %s\n", prog, cmd, *node,
			cs.err[0] ? cs.err : strerror(-rc));
		return rc == -EOPNOTSUPP ? EXIT_UNSUPPORTED : EXIT_FAIL;
	}
	say_moved(cmd, moved, unmovable);
	if (cli_demotion_enabled(svm_region_get_ctx(r)) &&
	    cli_demotion_ignores_cpusets(svm_region_get_ctx(r)))
		fprintf(stderr, "%s %s: warning: /sys/kernel/mm/numa/demotion_enabled is true and %s: reclaim can demote any cgroup's pages onto node %d; echo false > /sys/kernel/mm/numa/demotion_enabled\n",
			prog, cmd, cli_demotion_ignores_cpusets(svm_region_get_ctx(r)) > 0 ?
			"this kernel's demotion ignores cpusets" :
			"whether this kernel's demotion respects cpusets is unknown (no /proc/kallsyms)",
			*node);
	return EXIT_OK;
}

int cli_isolate_activate(const char *cmd, int node)
{
	int rc = node < 0 ? 0 : svmd_cpuset_activate(&cs, node);

	if (rc)
		fprintf(stderr, "%s %s: node %d is online but its grants could not be given it: %s\n",
			prog, cmd, node, cs.err[0] ? cs.err : strerror(-rc));
	return rc ? EXIT_FAIL : EXIT_OK;
}

int cli_isolate_release(const char *cmd, int node)
{
	bool was;
	int rc;

	if (node < 0 || load(cmd))
		return node < 0 ? EXIT_OK : EXIT_FAIL;
	was = svmd_cpuset_find(&cs, node) != NULL;
	rc = svmd_cpuset_release(&cs, node);
	if (rc) {
		fprintf(stderr, "%s %s: warning: cannot undo the isolation of node %d (journal %s keeps it for the next run): %s\n",
			prog, cmd, node, svmd_cpuset_journal_path(), cs.err[0] ? cs.err : strerror(-rc));
		return EXIT_FAIL;
	}
	if (was)
		fprintf(stderr, "%s %s: node %d is no longer isolated; %s\n", prog, cmd, node,
			cs.norig ? "cpusets reshaped for the nodes still isolated" :
			cs.nkept ? "every cpuset is as it was before, but for the cgroups below" :
				   "every cpuset is as it was before");
	say_kept(cmd);
	return EXIT_OK;
}

/* ---- pages on a node, from /proc/PID/numa_maps ---- */

/* pages of @pid on @node ("N2=17" fields; huge pages count as their base pages) */
static unsigned long pid_pages_on(pid_t pid, int node)
{
	char path[64], line[4096], key[16];
	unsigned long total = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%d/numa_maps", svmd_proc_root(), (int)pid);
	snprintf(key, sizeof(key), " N%d=", node);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, key), *k = strstr(line, "kernelpagesize_kB=");
		unsigned long n, kb = k ? strtoul(k + 18, NULL, 10) : 4;

		if (!p)
			continue;
		n = strtoul(p + strlen(key), NULL, 10);
		total += n * (kb >= 4 ? kb / 4 : 1);
	}
	fclose(f);
	return total;
}

struct pages_seen {
	unsigned long pages;
	int nprocs;	/* with pages there */
	pid_t pids[8];
};

/* every process of @cg and its descendants */
static void cgroup_pages_on(const char *cg, int node, struct pages_seen *s, int depth)
{
	static pid_t pids[4096];
	static char names[8][64][SVMD_CG_PATH_MAX];
	int n = svmd_cg_procs(cs.root, cg, pids, 4096), nc;

	for (int i = 0; i < n; i++) {
		unsigned long p = pid_pages_on(pids[i], node);

		if (!p)
			continue;
		s->pages += p;
		if (s->nprocs < 8)
			s->pids[s->nprocs] = pids[i];
		s->nprocs++;
	}
	if (depth == 8)
		return;
	nc = svmd_cg_children(cs.root, cg, names[depth], 64);
	for (int i = 0; i < nc; i++) {
		char sub[SVMD_CG_PATH_MAX];

		if (snprintf(sub, sizeof(sub), "%s/%s", cg, names[depth][i]) < (int)sizeof(sub))
			cgroup_pages_on(sub, node, s, depth + 1);
	}
}

/* ---- grant, revoke ---- */

static int grant_revoke(int argc, char **argv, struct svm_ctx *ctx, bool grant)
{
	const char *cmd = grant ? "grant" : "revoke";
	struct pages_seen before = { 0 }, after = { 0 };
	char cg[SVMD_CG_PATH_MAX];
	int code = 0, node, rc, moved = 0, unmovable = 0;
	struct svm_region *r;

	for (int i = 1; i < argc; i++)
		if (argv[i][0] == '-')
			return usage_error(cmd, "unknown option '%s'; see 'svm-cxlctl help %s'",
					   argv[i], cmd);
	if (argc != 3)
		return usage_error(cmd, "expected REGION CGROUP, e.g. 'svm-cxlctl %s region0 /sys/fs/cgroup/jobs'",
				   cmd);
	if (svmd_cg_normalise(svmd_cgroup_root(), argv[2], cg, sizeof(cg)))
		return usage_error(cmd, "'%s' is not a cgroup below %s (not the root itself, no '.' or '..')",
				   argv[2], svmd_cgroup_root());
	r = lookup_region(ctx, cmd, argv[1], &code);
	if (!r)
		return code;
	rc = need_privilege(cmd);
	if (rc)
		return rc;
	rc = take_lock(ctx, cmd, false);
	if (rc)
		return rc;
	svm_invalidate(ctx);
	r = lookup_region(ctx, cmd, argv[1], &code);
	if (!r)
		return code;
	node = cli_region_node(r);
	if (load(cmd))
		return EXIT_FAIL;
	if (node < 0 || !svmd_cpuset_find(&cs, node)) {
		fprintf(stderr, "%s %s: %s is not an isolated node; 'svm-cxlctl online %s --mode numa --isolated' makes it one\n",
			prog, cmd, svm_region_get_name(r), svm_region_get_name(r));
		return EXIT_FAIL;
	}
	if (!grant)
		cgroup_pages_on(cg, node, &before, 0);
	rc = grant ? svmd_cpuset_grant(&cs, node, cg) : svmd_cpuset_revoke(&cs, node, cg);
	if (rc) {
		fprintf(stderr, "%s %s: %s\n", prog, cmd, cs.err[0] ? cs.err : strerror(-rc));
		return rc == -ENOENT ? EXIT_NOTFOUND : EXIT_FAIL;
	}
	/* a process that landed in the root cgroup since (a usermode helper) is moved too */
	if (!svmd_cpuset_move_root(&cs, &moved, &unmovable))
		say_moved(cmd, moved, unmovable);
	if (grant) {
		printf("%s: node %d granted to %s\n", svm_region_get_name(r), node, cg);
		return EXIT_OK;
	}
	/*
	 * cgroup v2 cpusets always migrate (CS_MEMORY_MIGRATE is set for every v2 cpuset,
	 * there is no memory_migrate file): the cpuset.mems write returns after the
	 * kernel's migration work is flushed. It is best effort (pinned pages stay), so
	 * count what is left.
	 */
	cgroup_pages_on(cg, node, &after, 0);
	printf("%s: node %d revoked from %s; %lu page(s) of its processes migrated off the node, %lu left there\n",
	       svm_region_get_name(r), node, cg,
	       before.pages > after.pages ? before.pages - after.pages : 0, after.pages);
	if (after.pages) {
		fprintf(stderr, "%s revoke: warning: %lu page(s) of %d process(es) of %s stay on node %d (pinned or not migratable; pids",
			prog, after.pages, after.nprocs, cg, node);
		for (int i = 0; i < after.nprocs && i < 8; i++)
			fprintf(stderr, " %d", (int)after.pids[i]);
		fprintf(stderr, "%s); they go when the processes free them or the node is offlined\n",
			after.nprocs > 8 ? " ..." : "");
	}
	return EXIT_OK;
}

int cmd_grant(int argc, char **argv, struct svm_ctx *ctx)
{
	return grant_revoke(argc, argv, ctx, true);
}

int cmd_revoke(int argc, char **argv, struct svm_ctx *ctx)
{
	return grant_revoke(argc, argv, ctx, false);
}

/* ---- status, doctor ---- */

/* user processes in the root cgroup (kernel threads cannot leave it) */
static int root_procs(pid_t *out, int max)
{
	static pid_t pids[65536];
	int n = svmd_cg_procs(cs.root, "", pids, 65536), k = 0;

	for (int i = 0; i < n; i++) {
		if (svmd_pid_is_kthread(pids[i]))
			continue;
		if (k < max)
			out[k] = pids[i];
		k++;
	}
	return k;
}

const struct svmd_isolated *cli_isolation_of(int node)
{
	if (node < 0 || svmd_cpusets_load(&cs, NULL))
		return NULL;
	return svmd_cpuset_find(&cs, node);
}

int cli_isolation_describe(int node, char *buf, size_t len, char *root_msg, size_t rlen)
{
	const struct svmd_isolated *iso = cli_isolation_of(node);
	pid_t pids[8];
	size_t off;
	int n;

	buf[0] = root_msg[0] = '\0';
	if (!iso)
		return 0;
	off = (size_t)snprintf(buf, len, "isolated%s, granted ",
			       iso->state == SVMD_ISO_ONLINING ? " (being onlined)" : "");
	for (int i = 0; i < iso->ngrants && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? "," : "", iso->grants[i]);
	if (!iso->ngrants && off < len)
		off += (size_t)snprintf(buf + off, len - off, "to no cgroup");
	if (off < len)
		snprintf(buf + off, len - off, " (every other cgroup's cpuset.mems leaves node %d out: its mbind or numactl --membind to it fails with EINVAL)",
			 node);
	n = root_procs(pids, 8);
	if (n > 0) {
		off = (size_t)snprintf(root_msg, rlen, "%d process(es) in the root cgroup are not bound by the isolation (pids", n);
		for (int i = 0; i < n && i < 8 && off < rlen; i++)
			off += (size_t)snprintf(root_msg + off, rlen - off, " %d", (int)pids[i]);
		if (off < rlen)
			snprintf(root_msg + off, rlen - off, "%s)", n > 8 ? " ..." : "");
	}
	return 1;
}

int cli_isolation_nodes(int *nodes, int max)
{
	int n = 0;

	if (svmd_cpusets_load(&cs, NULL))
		return -1;
	for (int i = 0; i < cs.niso && n < max; i++)
		nodes[n++] = cs.iso[i].node;
	return n;
}

bool cli_isolation_leak(int node, char *buf, size_t len)
{
	static char names[512][SVMD_CG_PATH_MAX];
	const struct svmd_isolated *iso = cli_isolation_of(node);
	int n;

	buf[0] = '\0';
	if (!iso)
		return false;
	/* every top-level cgroup not on the way to a grant must not see the node */
	n = svmd_cg_children(cs.root, "", names, 512);
	for (int i = 0; i < n; i++) {
		char eff[256];
		struct svmd_nodemask m;

		if (svmd_cpuset_is_granted(iso, names[i]))
			continue;
		for (int g = 0; g < iso->ngrants; g++)
			if (!strncmp(iso->grants[g], names[i], strlen(names[i])) &&
			    iso->grants[g][strlen(names[i])] == '/')
				goto next;
		if (svmd_cg_read(cs.root, names[i], "cpuset.mems.effective", eff, sizeof(eff)) ||
		    svmd_nodemask_parse(eff, &m))
			continue;
		if (svmd_nodemask_test(&m, node)) {
			snprintf(buf, len, "cgroup %s is not granted node %d but its cpuset.mems.effective is %s (changed behind svm-cxl's back, e.g. systemd AllowedMemoryNodes=)",
				 names[i], node, eff);
			return true;
		}
next:;
	}
	return false;
}
