/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Raw access to the cgroup v2 hierarchy (cgroupfs is kernfs, not sysfs: files are read
 * and written whole, one value per write). Paths are relative to the hierarchy's root:
 * "" is the root cgroup, "a/b" a descendant. The root is $SVM_CXL_CGROUP_ROOT or
 * /sys/fs/cgroup, so host tests can point it at a tree of regular files.
 */
#ifndef SVMD_CGROUPFS_H
#define SVMD_CGROUPFS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SVMD_CGROUP_ROOT_DEFAULT "/sys/fs/cgroup"
#define SVMD_CG_PATH_MAX 256

const char *svmd_cgroup_root(void);
/* /proc, or $SVM_CXL_PROC_ROOT (host tests) */
const char *svmd_proc_root(void);

/* The content of ROOT/REL/FILE with the trailing newline cut. 0 or -errno. */
int svmd_cg_read(const char *root, const char *rel, const char *file, char *buf, size_t len);
/* Write @val to ROOT/REL/FILE in one write(). 0 or -errno (the kernel's refusal). */
int svmd_cg_write(const char *root, const char *rel, const char *file, const char *val);
bool svmd_cg_exists(const char *root, const char *rel, const char *file);
/* Whether the space-separated list in ROOT/REL/FILE (cgroup.controllers,
 * cgroup.subtree_control) names @ctrl. */
bool svmd_cg_lists(const char *root, const char *rel, const char *file, const char *ctrl);
/* The child cgroups of REL, sorted by name: up to @max names of SVMD_CG_PATH_MAX bytes
 * into @names. The count, or -errno. */
int svmd_cg_children(const char *root, const char *rel, char (*names)[SVMD_CG_PATH_MAX],
		     int max);
/* The pids in REL's cgroup.procs (its own processes, not its descendants'). Up to @max;
 * the count, or -errno. */
int svmd_cg_procs(const char *root, const char *rel, pid_t *pids, int max);
int svmd_cg_mkdir(const char *root, const char *rel);
/* Move every process of REL to its parent, then remove REL. 0 (also if REL is gone) or
 * -errno. */
int svmd_cg_unnest(const char *root, const char *rel);
/* A kernel thread (PF_KTHREAD in /proc/PID/stat): it cannot leave the root cgroup. */
bool svmd_pid_is_kthread(pid_t pid);
/* Normalise an operator's cgroup name: "/sys/fs/cgroup/a/b", "/a/b/", "a/b" -> "a/b".
 * -EINVAL for the root itself, "." or ".." components, or a name too long. */
int svmd_cg_normalise(const char *root, const char *in, char *out, size_t len);

#endif
