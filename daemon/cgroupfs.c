// SPDX-License-Identifier: GPL-2.0-only
/* Raw cgroup v2 filesystem access. See cgroupfs.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroupfs.h"
#include "fileio.h"

const char *svmd_cgroup_root(void)
{
	const char *p = getenv("SVM_CXL_CGROUP_ROOT");

	return p && *p ? p : SVMD_CGROUP_ROOT_DEFAULT;
}

const char *svmd_proc_root(void)
{
	const char *p = getenv("SVM_CXL_PROC_ROOT");

	return p && *p ? p : "/proc";
}

static void path_of(char *p, size_t len, const char *root, const char *rel, const char *file)
{
	snprintf(p, len, "%s%s%s%s%s", root, *rel ? "/" : "", rel, file && *file ? "/" : "",
		 file ? file : "");
}

int svmd_cg_read(const char *root, const char *rel, const char *file, char *buf, size_t len)
{
	char p[PATH_MAX];

	path_of(p, sizeof(p), root, rel, file);
	return svmd_read_value(p, buf, len);
}

int svmd_cg_write(const char *root, const char *rel, const char *file, const char *val)
{
	char p[PATH_MAX], line[512];

	path_of(p, sizeof(p), root, rel, file);
	/* a bare newline: an empty cpuset.mems ("inherit") needs a non-empty write */
	if (snprintf(line, sizeof(line), "%s\n", val) >= (int)sizeof(line))
		return -E2BIG;
	return svmd_write_value(p, line);
}

bool svmd_cg_exists(const char *root, const char *rel, const char *file)
{
	char p[PATH_MAX];

	path_of(p, sizeof(p), root, rel, file);
	return !access(p, F_OK);
}

bool svmd_cg_lists(const char *root, const char *rel, const char *file, const char *ctrl)
{
	char buf[1024], *save = NULL;

	if (svmd_cg_read(root, rel, file, buf, sizeof(buf)))
		return false;
	for (char *t = strtok_r(buf, " \t", &save); t; t = strtok_r(NULL, " \t", &save))
		if (!strcmp(t, ctrl))
			return true;
	return false;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(a, b);
}

int svmd_cg_children(const char *root, const char *rel, char (*names)[SVMD_CG_PATH_MAX],
		     int max)
{
	char p[PATH_MAX];
	struct dirent *e;
	int n = 0;
	DIR *d;

	path_of(p, sizeof(p), root, rel, NULL);
	d = opendir(p);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		struct stat st;
		char sub[PATH_MAX];

		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", p, e->d_name);
		if (stat(sub, &st) || !S_ISDIR(st.st_mode))
			continue;
		if (n == max) {
			closedir(d);
			return -E2BIG;
		}
		snprintf(names[n++], SVMD_CG_PATH_MAX, "%s", e->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, SVMD_CG_PATH_MAX, cmp_names);
	return n;
}

int svmd_cg_procs(const char *root, const char *rel, pid_t *pids, int max)
{
	char p[PATH_MAX];
	long v;
	int n = 0;
	FILE *f;

	path_of(p, sizeof(p), root, rel, "cgroup.procs");
	f = fopen(p, "re");
	if (!f)
		return -errno;
	while (n < max && fscanf(f, "%ld", &v) == 1)
		pids[n++] = (pid_t)v;
	fclose(f);
	return n;
}

int svmd_cg_mkdir(const char *root, const char *rel)
{
	char p[PATH_MAX];

	path_of(p, sizeof(p), root, rel, NULL);
	return mkdir(p, 0755) && errno != EEXIST ? -errno : 0;
}

int svmd_cg_unnest(const char *root, const char *rel)
{
	char p[PATH_MAX], parent[SVMD_CG_PATH_MAX], num[24];
	pid_t pids[4096];
	char *slash;
	int n, rc = 0;

	snprintf(parent, sizeof(parent), "%s", rel);
	slash = strrchr(parent, '/');
	if (slash)
		*slash = '\0';
	else
		parent[0] = '\0';
	path_of(p, sizeof(p), root, rel, NULL);
	/*
	 * A task that exited keeps its cgroup populated until it is released, after its
	 * parent reaped it, and rmdir() says EBUSY meanwhile: a CLI killed while it sat in
	 * the cgroup made a crash repair fail that way. Try again for a second.
	 */
	for (int attempt = 0; attempt < 50; attempt++) {
		/* processes forked meanwhile join as the others leave: go round until empty */
		for (int round = 0; round < 16; round++) {
			n = svmd_cg_procs(root, rel, pids, 4096);
			if (n == -ENOENT)
				return 0;
			if (n <= 0)
				break;
			for (int i = 0; i < n; i++) {
				snprintf(num, sizeof(num), "%d", (int)pids[i]);
				if (svmd_cg_write(root, parent, "cgroup.procs", num) == -ENOENT)
					return -ENOENT;
			}
		}
		rc = rmdir(p) && errno != ENOENT ? -errno : 0;
		if (rc != -EBUSY)
			break;
		usleep(20000);
	}
	return rc;
}

bool svmd_pid_is_kthread(pid_t pid)
{
	char p[PATH_MAX], buf[1024], *s;
	unsigned long flags = 0;
	FILE *f;

	snprintf(p, sizeof(p), "%s/%d/stat", svmd_proc_root(), (int)pid);
	f = fopen(p, "re");
	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	/* "pid (comm) state ppid pgrp session tty tpgid flags": comm may hold spaces */
	s = strrchr(buf, ')');
	if (!s || sscanf(s + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags) != 1)
		return false;
	return flags & 0x00200000;	/* PF_KTHREAD */
}

int svmd_cg_normalise(const char *root, const char *in, char *out, size_t len)
{
	size_t rl = strlen(root);
	char tmp[PATH_MAX], *save = NULL;
	size_t off = 0;

	if (!strncmp(in, root, rl) && (in[rl] == '/' || !in[rl]))
		in += rl;
	snprintf(tmp, sizeof(tmp), "%s", in);
	out[0] = '\0';
	for (char *t = strtok_r(tmp, "/", &save); t; t = strtok_r(NULL, "/", &save)) {
		int w;

		if (!strcmp(t, ".") || !strcmp(t, ".."))
			return -EINVAL;
		w = snprintf(out + off, len - off, "%s%s", off ? "/" : "", t);
		if (w < 0 || (size_t)w >= len - off)
			return -EINVAL;
		off += (size_t)w;
	}
	return off ? 0 : -EINVAL;
}
