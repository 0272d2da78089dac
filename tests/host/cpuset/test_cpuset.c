// SPDX-License-Identifier: GPL-2.0-only
/* Host tests: cpuset.mems list arithmetic, and the cpuset journal over a fake cgroup v2
 * tree of regular files (isolate, grant, revoke, release, undo after a failure). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../check.h"
#include "cpuset.h"

static char root[256];

static void put(const char *rel, const char *file, const char *val)
{
	char p[1024];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/%s/%s", root, rel, file);
	f = fopen(p, "w");
	fprintf(f, "%s\n", val);
	fclose(f);
}

static const char *get(const char *rel, const char *file)
{
	static char buf[256];

	if (svmd_cg_read(root, rel, file, buf, sizeof(buf)))
		return "(none)";
	return buf;
}

static void test_nodemask(void)
{
	struct svmd_nodemask a, b;
	char buf[64];

	CHECK(!svmd_nodemask_parse("0-2,5\n", &a), "parse a list");
	CHECK(svmd_nodemask_weight(&a) == 4, "weight 4");
	CHECK(!strcmp(svmd_nodemask_format(&a, buf, sizeof(buf)), "0-2,5"), "format %s", buf);
	svmd_nodemask_parse("1,5", &b);
	svmd_nodemask_andnot(&a, &a, &b);
	CHECK(!strcmp(svmd_nodemask_format(&a, buf, sizeof(buf)), "0,2"), "andnot %s", buf);
	CHECK(!svmd_nodemask_parse("", &a) && svmd_nodemask_empty(&a), "empty list");
	CHECK(svmd_nodemask_parse("3-1", &a) == -EINVAL, "backwards range");
	CHECK(svmd_nodemask_parse("1024", &a) == -EINVAL, "node too large");
	CHECK(svmd_nodemask_parse("1,x", &a) == -EINVAL, "stray text");
	CHECK(svmd_nodemask_format(&b, buf, 2) == NULL, "short buffer");
}

static void test_journal(void)
{
	struct svmd_cpusets *cs = calloc(1, sizeof(*cs)), *re = calloc(1, sizeof(*re));
	const char *grants[] = { "granted" };
	char jp[300];

	snprintf(jp, sizeof(jp), "%s/journal.json", root);
	setenv("SVM_CXL_CPUSET_JOURNAL", jp, 1);
	put("", "cgroup.controllers", "cpuset memory");
	put("", "cgroup.subtree_control", "memory");
	put("", "cpuset.mems.effective", "0-1");
	put("a", "cpuset.mems", "");
	put("b", "cpuset.mems", "0");
	put("granted", "cpuset.mems", "0");
	put("c", "cpuset.mems", "1");

	svmd_cpusets_load(cs, root);
	/* c has only node 1: isolating it must fail and change nothing */
	CHECK(svmd_cpuset_isolate(cs, 1, "region0", grants, 1, false, NULL, NULL) == -ENOSPC,
	      "refused: %s", cs->err);
	CHECK(!strcmp(get("a", "cpuset.mems"), ""), "a undone: '%s'", get("a", "cpuset.mems"));
	CHECK(!strcmp(get("", "cgroup.subtree_control"), "-cpuset"),
	      "root subtree_control undone: '%s'", get("", "cgroup.subtree_control"));
	CHECK(access(jp, F_OK), "no journal left after the failure");

	put("c", "cpuset.mems", "0-1");
	put("", "cgroup.subtree_control", "memory cpuset");
	CHECK(!svmd_cpuset_isolate(cs, 1, "region0", grants, 1, false, NULL, NULL), "isolate: %s",
	      cs->err);
	CHECK(!strcmp(get("a", "cpuset.mems"), "0"), "a: '%s'", get("a", "cpuset.mems"));
	CHECK(!strcmp(get("c", "cpuset.mems"), "0"), "c: '%s'", get("c", "cpuset.mems"));
	CHECK(!strcmp(get("granted", "cpuset.mems"), "0-1"), "granted gets node 1: '%s'",
	      get("granted", "cpuset.mems"));
	CHECK(!access(jp, F_OK), "journal written");
	/* the journal read back by another process says the same */
	svmd_cpusets_load(re, root);
	CHECK(re->niso == 1 && re->iso[0].node == 1 && re->iso[0].ngrants == 1, "journal read back");
	CHECK(!svmd_cpuset_activate(cs, 1), "activate: %s", cs->err);
	CHECK(!svmd_cpuset_grant(cs, 1, "a"), "grant a: %s", cs->err);
	CHECK(!strcmp(get("a", "cpuset.mems"), ""), "a inherits again: '%s'", get("a", "cpuset.mems"));
	CHECK(svmd_cpuset_grant(cs, 1, "a") == -EEXIST, "granted twice");
	CHECK(!svmd_cpuset_revoke(cs, 1, "a"), "revoke a: %s", cs->err);
	CHECK(!strcmp(get("a", "cpuset.mems"), "0"), "a restricted again: '%s'",
	      get("a", "cpuset.mems"));
	CHECK(svmd_cpuset_revoke(cs, 1, "b") == -ESRCH, "revoke of a cgroup never granted");
	/* a node that is no longer online: the next run restores everything */
	put("", "cpuset.mems.effective", "0");
	svmd_cpusets_load(re, root);
	CHECK(svmd_cpusets_recover(re) > 0, "recover: %s", re->err);
	CHECK(!strcmp(get("a", "cpuset.mems"), ""), "a restored: '%s'", get("a", "cpuset.mems"));
	CHECK(!strcmp(get("b", "cpuset.mems"), "0"), "b untouched: '%s'", get("b", "cpuset.mems"));
	CHECK(!strcmp(get("granted", "cpuset.mems"), "0"), "granted restored: '%s'",
	      get("granted", "cpuset.mems"));
	CHECK(!strcmp(get("c", "cpuset.mems"), "0-1"), "c restored: '%s'", get("c", "cpuset.mems"));
	CHECK(access(jp, F_OK), "journal removed");
	free(cs);
	free(re);
}

int main(void)
{
	char cmd[300];

	snprintf(root, sizeof(root), "/tmp/svm-cpuset-test.XXXXXX");
	if (!mkdtemp(root))
		return 1;
	test_nodemask();
	test_journal();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	if (system(cmd))
		return 1;
	return check_summary();
}
