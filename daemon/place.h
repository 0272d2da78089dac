/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Placement rules ([place] sections of the policy, policy.h) over the processes in
 * /proc: which rule, if any, places each process (place.c), and the migration pass
 * that moves their anonymous memory to the rule's pool at a rate limit (place-apply.c).
 *
 * The /proc root is a parameter only so that host tests can hand a tree of their own;
 * the daemon and svm-cxlctl plan always pass "/proc".
 */
#ifndef SVMD_PLACE_H
#define SVMD_PLACE_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy.h"

struct svm_ctx;

/* What the rules look at in a process. */
struct svmd_proc {
	pid_t pid;
	uid_t uid;			/* real uid */
	char exe[PATH_MAX];		/* /proc/PID/exe, " (deleted)" cut off */
	char cgroup[PATH_MAX];		/* cgroup v2 path ("0::" line of /proc/PID/cgroup) */
	char comm[32];
};

/* Read process @pid under @proc_root. 0, -ENOENT (gone, or a kernel thread: no exe). */
int svmd_proc_read(const char *proc_root, pid_t pid, struct svmd_proc *out);

/* The first [place] rule of @pol that matches @p, or NULL. */
const struct svm_place_rule *svmd_place_match(const struct svm_policy *pol,
					      const struct svmd_proc *p);

/* Call @fn for every process under @proc_root (but this one) that a rule matches, in
 * pid order; a non-zero return from @fn stops the walk and is returned. */
typedef int (*svmd_place_fn)(const struct svm_place_rule *rule, const struct svmd_proc *p,
			     void *data);
int svmd_place_scan(const char *proc_root, const struct svm_policy *pol, svmd_place_fn fn,
		    void *data);

/* One range of a process's memory that a rule would move. */
struct svmd_place_range {
	uint64_t addr, length;
};

/*
 * The ranges of @pid (under @proc_root) that @rule covers and that hold pages not
 * already in [@pool_start, @pool_start + @pool_size) (physical; 0, 0: none known):
 * private anonymous read-write mappings (all of them, or those of at least min_size),
 * cut down to the runs of pages that are present, so that nothing is filled with
 * zeroes. Up to @max ranges in @out; returns how many, or -errno (-ENOENT: the process
 * is gone). *@pages gets the pages they hold.
 */
int svmd_place_ranges(const char *proc_root, pid_t pid, const struct svm_place_rule *rule,
		      uint64_t pool_start, uint64_t pool_size, struct svmd_place_range *out,
		      int max, uint64_t *pages);

/* ---- place-apply.c: the pass ---- */

struct svmd_engine;
struct json_object;

#define SVMD_PLACE_MAX_COUNTED 32

/* What placement did for one [place] rule since the daemon started (by rule name, so a
 * reload that keeps the rule keeps its counts). */
struct svmd_place_counts {
	char rule[64];
	uint64_t applied;		/* migration calls that moved pages */
	uint64_t moved_bytes;
	uint64_t rate_limited;		/* times the rate limit stopped placement for it */
	uint64_t refused;		/* calls the kernel refused, or that found the pool full */
	uint64_t no_pool;		/* times its region was found without an active pool */
};

struct svmd_place {
	uint64_t start_ms;		/* when counting began */
	uint64_t next_ms;		/* next pass due */
	uint64_t refill_ms;		/* bucket last refilled */
	uint64_t checked_ms;		/* pools last looked at */
	double tokens;			/* bytes the bucket may still migrate */
	uint64_t moved_bytes;		/* total migrated by placement (kernel's counts) */
	uint64_t passes;
	bool incomplete;		/* the last pass ran out of tokens */
	bool kicked;			/* a region came online: place now */
	char pools[512];		/* "region0:1 region1:2": to see a pool come back */
	int devfd;
	struct svmd_place_counts counts[SVMD_PLACE_MAX_COUNTED];
	int nr_counts;
};

void svmd_place_init(struct svmd_place *pl);
void svmd_place_fini(struct svmd_place *pl);
/* ms until the next pass (-1: placement off, no [place] rule). */
int svmd_place_timeout(struct svmd_place *pl, struct svmd_engine *e);
/* Run a pass if one is due, or if a rule's pool appeared or came back since the last
 * call (offline + online, convert, a drain that gave up). Caller holds no lock. */
void svmd_place_tick(struct svmd_place *pl, struct svmd_engine *e);
/* A region came online: the next tick places at once. */
void svmd_place_kick(struct svmd_place *pl);
/* The counters for daemon status: totals, and one object per rule of @pol. */
struct json_object *svmd_place_status(const struct svmd_place *pl, const struct svm_policy *pol);

#endif
