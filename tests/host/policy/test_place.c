// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host tests of the placement matcher (daemon/place.c) over a /proc tree of our own:
 * which process each [place] rule takes, and which ranges a pass would hand the kernel
 * (private anonymous read-write mappings, only present pages, none already in the pool).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "place.h"
#include "../check.h"

static char root[] = "/tmp/svm-place-XXXXXX";
static char err[512];

static void put(const char *rel, const char *text)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	if (!f || fputs(text, f) < 0 || fclose(f))
		exit(2);
}

/* process @pid: exe, uid, cgroup, maps */
static void proc(int pid, const char *exe, unsigned int uid, const char *cgroup, const char *maps)
{
	char p[512], t[512];

	snprintf(p, sizeof(p), "%s/%d", root, pid);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/%d/exe", root, pid);
	if (exe && symlink(exe, p))
		exit(2);
	snprintf(p, sizeof(p), "%d/status", pid);
	snprintf(t, sizeof(t), "Name:\tprog%d\nUmask:\t0022\nUid:\t%u\t%u\t%u\t%u\n", pid, uid, uid, uid, uid);
	put(p, t);
	snprintf(p, sizeof(p), "%d/cgroup", pid);
	snprintf(t, sizeof(t), "0::%s\n", cgroup);
	put(p, t);
	snprintf(p, sizeof(p), "%d/maps", pid);
	put(p, maps);
}

/* pagemap entry of page @addr of @pid: present with @pfn, or absent */
static void page(int pid, uint64_t addr, bool present, uint64_t pfn)
{
	uint64_t v = present ? (1ULL << 63) | pfn : 0;
	char p[512];
	int fd;

	snprintf(p, sizeof(p), "%s/%d/pagemap", root, pid);
	fd = open(p, O_WRONLY | O_CREAT, 0644);
	if (fd < 0 || pwrite(fd, &v, 8, (off_t)(addr / 4096 * 8)) != 8)
		exit(2);
	close(fd);
}

static struct svm_policy *policy(const char *text)
{
	struct svm_policy *pol = svm_policy_parse(text, "p.conf", err, sizeof(err));

	CHECK(pol != NULL, "policy: %s", err);
	return pol;
}

struct seen {
	int pids[8];
	const char *rules[8];
	int n;
};

static int record(const struct svm_place_rule *r, const struct svmd_proc *p, void *data)
{
	struct seen *s = data;

	if (s->n < 8) {
		s->pids[s->n] = p->pid;
		s->rules[s->n++] = r->name;
	}
	return 0;
}

static void test_match(void)
{
	struct svm_policy *pol = policy(
		"[place \"db\"]\ncgroup = /system.slice/db.service\npool = region0\n"
		"[place \"tool\"]\nexe = /usr/bin/tool\nuid = 1000\npool = region1\n");
	struct seen s = { 0 };
	struct svmd_proc p;

	if (!pol)
		return;
	proc(10, "/usr/sbin/db", 0, "/system.slice/db.service", "");
	proc(11, "/usr/sbin/db", 0, "/system.slice/db.service/worker", "");
	proc(12, "/usr/sbin/db", 0, "/system.slice/db.service2", "");	/* a prefix, not below */
	proc(13, "/usr/bin/tool", 1000, "/user.slice", "");
	proc(14, "/usr/bin/tool", 1001, "/user.slice", "");		/* other uid */
	proc(15, "/usr/bin/tool (deleted)", 1000, "/user.slice", "");	/* replaced on disk */
	proc(16, NULL, 0, "/", "");					/* kernel thread */
	CHECK(svmd_proc_read(root, 15, &p) == 0 && !strcmp(p.exe, "/usr/bin/tool") && p.uid == 1000 &&
	      !strcmp(p.cgroup, "/user.slice") && !strcmp(p.comm, "prog15"), "proc read");
	CHECK(svmd_proc_read(root, 16, &p) == -ENOENT, "kernel thread: no exe");
	CHECK(svmd_proc_read(root, 99, &p) == -ENOENT, "gone");
	CHECK(svmd_place_scan(root, pol, record, &s) == 0, "scan");
	CHECK(s.n == 4 && s.pids[0] == 10 && s.pids[1] == 11 && s.pids[2] == 13 && s.pids[3] == 15,
	      "matched %d: %d %d %d %d", s.n, s.pids[0], s.pids[1], s.pids[2], s.pids[3]);
	CHECK(s.n == 4 && !strcmp(s.rules[0], "db") && !strcmp(s.rules[2], "tool"), "by the right rule");
	svm_policy_free(pol);

	/* no [place] rule: nothing is read at all */
	pol = policy("");
	s.n = 0;
	CHECK(pol && svmd_place_scan("/nonexistent", pol, record, &s) == 0 && s.n == 0, "off");
	svm_policy_free(pol);
}

static void test_ranges(void)
{
	struct svm_policy *pol = policy(
		"[place \"all\"]\nuid = 0\npool = region0\n"
		"[place \"big\"]\nuid = 1\npool = region0\nscope = above 64K\n");
	const struct svm_place_rule *all, *big;
	struct svmd_place_range r[8];
	uint64_t pages;
	int n;

	if (!pol)
		return;
	all = svm_policy_place_at(pol, 0);
	big = svm_policy_place_at(pol, 1);
	proc(20, "/bin/x", 0, "/", 
	     "00400000-00402000 r-xp 00000000 08:01 1234 /bin/x\n"
	     "00600000-00602000 rw-p 00002000 08:01 1234 /bin/x\n"
	     "01000000-01010000 rw-p 00000000 00:00 0 [heap]\n"
	     "7f0000000000-7f0000004000 rw-p 00000000 00:00 0 \n"
	     "7f0000010000-7f0000014000 ---p 00000000 00:00 0 \n"
	     "7f0000020000-7f0000022000 rw-s 00000000 00:01 77 /dev/zero (deleted)\n"
	     "7ffc00000000-7ffc00002000 rw-p 00000000 00:00 0 [stack]\n"
	     "7ffc00100000-7ffc00102000 r--p 00000000 00:00 0 [vvar]\n");
	/* heap: pages 0,1 present, 2 absent, 3 in the pool, 4 present; the rest absent */
	page(20, 0x01000000, true, 0x100);
	page(20, 0x01001000, true, 0x101);
	page(20, 0x01003000, true, 0x80000);		/* pool: pfn 0x80000.. */
	page(20, 0x01004000, true, 0x102);
	page(20, 0x01004000 + 0xb000, false, 0);
	page(20, 0x7f0000000000, true, 0x200);		/* anonymous mmap, 1 of 4 */
	page(20, 0x7f0000010000, true, 0x201);		/* PROT_NONE: never */
	page(20, 0x7f0000020000, true, 0x202);		/* shared: never */
	page(20, 0x7ffc00001000, true, 0x203);		/* stack */
	page(20, 0x00600000, true, 0x204);		/* file-backed private: never */
	page(20, 0x7ffc00100000, true, 0x205);		/* vvar */
	n = svmd_place_ranges(root, 20, all, 0x80000ULL << 12, 1ULL << 30, r, 8, &pages);
	CHECK(n == 4 && pages == 5, "all: %d ranges, %llu pages", n, (unsigned long long)pages);
	CHECK(n == 4 && r[0].addr == 0x01000000 && r[0].length == 0x2000 &&
	      r[1].addr == 0x01004000 && r[1].length == 0x1000 &&
	      r[2].addr == 0x7f0000000000 && r[2].length == 0x1000 &&
	      r[3].addr == 0x7ffc00001000 && r[3].length == 0x1000, "present runs, pool page skipped");
	n = svmd_place_ranges(root, 20, all, 0, 0, r, 8, &pages);
	CHECK(n == 4 && pages == 6 && r[0].length == 0x2000 && r[1].addr == 0x01003000 &&
	      r[1].length == 0x2000, "no pool known: its page is counted too");
	n = svmd_place_ranges(root, 20, big, 0, 0, r, 8, &pages);
	CHECK(n == 2 && pages == 4 && r[0].addr == 0x01000000 && r[1].addr == 0x01003000,
	      "above 64K: the heap only (%d)", n);
	n = svmd_place_ranges(root, 20, all, 0, 0, r, 1, &pages);
	CHECK(n == 1 && r[0].length == 0x2000, "at most max ranges");
	CHECK(svmd_place_ranges(root, 98, all, 0, 0, r, 8, &pages) == -ENOENT, "gone: -ENOENT");
	svm_policy_free(pol);
}

int main(void)
{
	int rc;

	if (!mkdtemp(root))
		return 2;
	test_match();
	test_ranges();
	rc = check_summary();
	if (!rc) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
		if (system(cmd))
			rc = 1;
	}
	return rc;
}
