// SPDX-License-Identifier: GPL-2.0-only
/*
 * Which processes the [place] rules match, and which of their memory a pass would move:
 * read from /proc (PID/exe, PID/cgroup, PID/status, PID/maps, PID/pagemap). See place.h.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "place.h"

#define PAGEMAP_PRESENT	(1ULL << 63)
#define PAGEMAP_PFN	((1ULL << 55) - 1)

static FILE *proc_open(const char *root, pid_t pid, const char *file)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%d/%s", root, (int)pid, file);
	return fopen(p, "re");
}

int svmd_proc_read(const char *root, pid_t pid, struct svmd_proc *out)
{
	char p[PATH_MAX], line[PATH_MAX + 8];
	ssize_t n;
	FILE *f;

	memset(out, 0, sizeof(*out));
	out->pid = pid;
	out->uid = (uid_t)-1;
	snprintf(p, sizeof(p), "%s/%d/exe", root, (int)pid);
	n = readlink(p, out->exe, sizeof(out->exe) - 1);
	if (n <= 0)
		return -ENOENT;		/* gone, or a kernel thread */
	out->exe[n] = '\0';
	if (n > 10 && !strcmp(out->exe + n - 10, " (deleted)"))
		out->exe[n - 10] = '\0';
	f = proc_open(root, pid, "status");
	if (!f)
		return -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		unsigned int uid;

		if (sscanf(line, "Uid: %u", &uid) == 1)
			out->uid = uid;
		else if (!strncmp(line, "Name:", 5))
			snprintf(out->comm, sizeof(out->comm), "%.*s", (int)strcspn(line + 6, "\n"),
				 line + 6 + strspn(line + 6, " \t"));
	}
	fclose(f);
	f = proc_open(root, pid, "cgroup");
	if (!f)
		return -ENOENT;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(out->cgroup, sizeof(out->cgroup), "%.*s", (int)sizeof(out->cgroup) - 1, line + 3);
		}
	fclose(f);
	return out->uid == (uid_t)-1 ? -ENOENT : 0;
}

/* @cg is @want or below it */
static bool cgroup_within(const char *cg, const char *want)
{
	size_t n = strlen(want);

	if (!strcmp(want, "/"))
		return cg[0] == '/';
	return !strncmp(cg, want, n) && (cg[n] == '\0' || cg[n] == '/');
}

static bool rule_matches(const struct svm_place_rule *r, const struct svmd_proc *p)
{
	bool hit;

	if (r->nr_cgroup) {
		hit = false;
		for (int i = 0; i < r->nr_cgroup && p->cgroup[0]; i++)
			hit |= cgroup_within(p->cgroup, r->cgroup[i]);
		if (!hit)
			return false;
	}
	if (r->nr_exe) {
		hit = false;
		for (int i = 0; i < r->nr_exe; i++)
			hit |= !strcmp(p->exe, r->exe[i]);
		if (!hit)
			return false;
	}
	if (r->nr_uid) {
		hit = false;
		for (int i = 0; i < r->nr_uid; i++)
			hit |= r->uid[i] == p->uid;
		if (!hit)
			return false;
	}
	return true;
}

const struct svm_place_rule *svmd_place_match(const struct svm_policy *pol,
					      const struct svmd_proc *p)
{
	for (size_t i = 0; i < svm_policy_place_count(pol); i++)
		if (rule_matches(svm_policy_place_at(pol, i), p))
			return svm_policy_place_at(pol, i);
	return NULL;
}

static int cmp_pid(const void *a, const void *b)
{
	return *(const pid_t *)a - *(const pid_t *)b;
}

int svmd_place_scan(const char *root, const struct svm_policy *pol, svmd_place_fn fn, void *data)
{
	pid_t *pids = NULL, self = getpid();
	size_t nr = 0, cap = 0;
	struct svmd_proc *p;
	struct dirent *d;
	DIR *dir;
	int rc = 0;

	if (!svm_policy_place_count(pol))
		return 0;
	dir = opendir(root);
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		if (!isdigit((unsigned char)d->d_name[0]))
			continue;
		if (nr == cap) {
			pid_t *n = realloc(pids, (cap = cap ? cap * 2 : 256) * sizeof(*pids));

			if (!n) {
				rc = -ENOMEM;
				goto out;
			}
			pids = n;
		}
		pids[nr++] = (pid_t)atoi(d->d_name);
	}
	qsort(pids, nr, sizeof(*pids), cmp_pid);
	p = malloc(sizeof(*p));
	if (!p) {
		rc = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nr && !rc; i++) {
		const struct svm_place_rule *r;

		if (pids[i] == self || svmd_proc_read(root, pids[i], p))
			continue;	/* exited meanwhile: nothing to place */
		r = svmd_place_match(pol, p);
		if (r)
			rc = fn(r, p, data);
	}
	free(p);
out:
	closedir(dir);
	free(pids);
	return rc;
}

/* A mapping of /proc/PID/maps that placement may move: private, read-write, anonymous
 * (no file: nothing after the inode but a [heap], [stack] or [anon:...] name). */
static bool movable_mapping(const char *perms, unsigned long inode, const char *name)
{
	if (strncmp(perms, "rw", 2) || perms[3] != 'p' || inode)
		return false;
	return !*name || !strcmp(name, "[heap]") || !strcmp(name, "[stack]") ||
	       !strncmp(name, "[anon:", 6);
}

/* Add the runs of present pages of [@start, @end) not in the pool to @out. */
static int present_runs(int pagemap, uint64_t start, uint64_t end, uint64_t pool_start,
			uint64_t pool_size, struct svmd_place_range *out, int nr, int max,
			uint64_t *pages)
{
	long psz = sysconf(_SC_PAGESIZE);
	uint64_t buf[512];

	for (uint64_t a = start; a < end;) {
		size_t want = (end - a) / psz;
		ssize_t got;

		if (want > 512)
			want = 512;
		got = pread(pagemap, buf, want * 8, (off_t)(a / psz * 8));
		if (got <= 0)
			return got < 0 ? -errno : -ENOENT;
		for (ssize_t i = 0; i < got / 8; i++, a += psz) {
			uint64_t phys = (buf[i] & PAGEMAP_PFN) * psz;
			bool in_pool = (buf[i] & PAGEMAP_PFN) && phys >= pool_start &&
				       phys - pool_start < pool_size;

			if (!(buf[i] & PAGEMAP_PRESENT) || in_pool)
				continue;
			(*pages)++;
			if (nr && out[nr - 1].addr + out[nr - 1].length == a) {
				out[nr - 1].length += psz;
				continue;
			}
			if (nr == max)
				return nr;
			out[nr++] = (struct svmd_place_range){ .addr = a, .length = psz };
		}
	}
	return nr;
}

int svmd_place_ranges(const char *root, pid_t pid, const struct svm_place_rule *rule,
		      uint64_t pool_start, uint64_t pool_size, struct svmd_place_range *out,
		      int max, uint64_t *pages)
{
	char p[PATH_MAX], line[PATH_MAX + 128];
	int pagemap, nr = 0;
	FILE *maps;

	*pages = 0;
	maps = proc_open(root, pid, "maps");
	snprintf(p, sizeof(p), "%s/%d/pagemap", root, (int)pid);
	pagemap = open(p, O_RDONLY | O_CLOEXEC);
	if (!maps || pagemap < 0) {
		nr = -ENOENT;
		goto out;
	}
	while (nr >= 0 && nr < max && fgets(line, sizeof(line), maps)) {
		unsigned long long start, end;
		unsigned long inode;
		char perms[8];
		int name = 0;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "%llx-%llx %7s %*s %*s %lu %n", &start, &end, perms, &inode, &name) < 4)
			continue;
		if (!movable_mapping(perms, inode, name ? line + name : ""))
			continue;
		if (rule->scope == SVM_PLACE_SCOPE_ABOVE && end - start < rule->min_size)
			continue;
		nr = present_runs(pagemap, start, end, pool_start, pool_size, out, nr, max, pages);
	}
out:
	if (maps)
		fclose(maps);
	if (pagemap >= 0)
		close(pagemap);
	return nr;
}
