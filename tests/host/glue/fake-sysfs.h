/* SPDX-License-Identifier: GPL-2.0-only */
/* A fake sysfs tree under a scratch directory for host tests (SVM_CXL_SYSFS_ROOT). */
#ifndef SVM_CXL_FAKE_SYSFS_H
#define SVM_CXL_FAKE_SYSFS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

static char root[256];

static inline void mkpath(const char *rel)
{
	char p[1024], *s;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	for (s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	mkdir(p, 0755);
}

static inline void put(const char *rel, const char *content)
{
	char p[1024], dir[512];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", rel);
	*strrchr(dir, '/') = '\0';
	mkpath(dir);
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	if (!f) {
		perror(p);
		exit(2);
	}
	fprintf(f, "%s\n", content);
	fclose(f);
}

static inline char *get(const char *rel)
{
	static char buf[256];
	char p[1024];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	buf[0] = '\0';
	f = fopen(p, "r");
	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static inline void link_to(const char *target, const char *rel)
{
	char p[1024], dir[512];

	snprintf(dir, sizeof(dir), "%s", rel);
	*strrchr(dir, '/') = '\0';
	mkpath(dir);
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (symlink(target, p)) {
		perror(p);
		exit(2);
	}
}

#endif
