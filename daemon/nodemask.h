/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Node masks in the kernel's list format ("0-2,5", bitmap_parselist()), as cgroup v2
 * cpuset.mems and cpuset.mems.effective show and take them. An empty string is the empty
 * mask; in cpuset.mems it means "inherit the parent's effective set", which callers must
 * keep apart from "no node" themselves.
 *
 * Not libnuma's struct bitmask: numa_parse_nodestring() checks a list against the nodes
 * of the running system, and these lists come from (and are checked against) a cgroup
 * tree, which host tests fake. Fixed size, so masks copy by assignment.
 */
#ifndef SVMD_NODEMASK_H
#define SVMD_NODEMASK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SVMD_MAX_NODES 1024	/* CONFIG_NODES_SHIFT 10, the largest distros use */

struct svmd_nodemask {
	uint64_t w[SVMD_MAX_NODES / 64];
};

/* Parse @s ("", "0", "0-3,7", trailing newline allowed) into @m. 0 or -EINVAL (@m is
 * then empty): a node >= SVMD_MAX_NODES, a range that runs backwards, stray text. */
int svmd_nodemask_parse(const char *s, struct svmd_nodemask *m);
/* The list form, ranges collapsed ("0-2,5"); "" for the empty mask. Returns @buf, or
 * NULL if @len is too small. */
char *svmd_nodemask_format(const struct svmd_nodemask *m, char *buf, size_t len);

void svmd_nodemask_set(struct svmd_nodemask *m, int node);
void svmd_nodemask_clear(struct svmd_nodemask *m, int node);
bool svmd_nodemask_test(const struct svmd_nodemask *m, int node);
bool svmd_nodemask_empty(const struct svmd_nodemask *m);
bool svmd_nodemask_equal(const struct svmd_nodemask *a, const struct svmd_nodemask *b);
int svmd_nodemask_weight(const struct svmd_nodemask *m);
/* @d = @a & @b, @a | @b, @a & ~@b (@d may be @a or @b) */
void svmd_nodemask_and(struct svmd_nodemask *d, const struct svmd_nodemask *a,
		       const struct svmd_nodemask *b);
void svmd_nodemask_or(struct svmd_nodemask *d, const struct svmd_nodemask *a,
		      const struct svmd_nodemask *b);
void svmd_nodemask_andnot(struct svmd_nodemask *d, const struct svmd_nodemask *a,
			  const struct svmd_nodemask *b);

#endif
