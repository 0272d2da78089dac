// SPDX-License-Identifier: GPL-2.0-only
/*
 * Host unit test of the auto_online_blocks hold (daemon/knob.c) over a fake sysfs tree:
 * hold saves the value before changing it, holds nest, release puts it back, a holder
 * that dies (a child that _exit()s while holding) leaves a save file that recover
 * writes back, and "offline" to begin with is left alone.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "knob.h"
#include "../check.h"

static char root[256], knobf[PATH_MAX + 128], savef[PATH_MAX + 16];

static void put(const char *path, const char *val)
{
	FILE *f = fopen(path, "w");

	fputs(val, f);
	fclose(f);
}

static const char *get(const char *path)
{
	static char buf[64];
	FILE *f = fopen(path, "r");

	if (!f)
		return "(absent)";
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

int main(void)
{
	struct svmd_knob k = { 0 };
	char val[64] = "", p[PATH_MAX + 64];
	int rc, st;
	pid_t pid;

	snprintf(root, sizeof(root), "/tmp/svm-knob-XXXXXX");
	if (!mkdtemp(root))
		return 1;
	snprintf(p, sizeof(p), "%s/sys/devices/system/memory", root);
	for (char *s = p + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	mkdir(p, 0755);
	snprintf(knobf, sizeof(knobf), "%s/auto_online_blocks", p);
	snprintf(savef, sizeof(savef), "%s/saved", root);
	setenv("SVM_CXL_KNOB_SAVE", savef, 1);

	put(knobf, "online\n");
	rc = svmd_knob_hold(&k, root);
	CHECK(rc == 0 && !strcmp(get(knobf), "offline"), "hold: knob offline (rc %d, %s)", rc, get(knobf));
	CHECK(!strcmp(get(savef), "online"), "hold: previous value saved (%s)", get(savef));
	CHECK(svmd_knob_hold(&k, root) == 0 && k.depth == 2, "a nested hold counts");
	CHECK(svmd_knob_release(&k) == 0 && !strcmp(get(knobf), "offline"),
	      "inner release keeps it offline (%s)", get(knobf));
	CHECK(svmd_knob_release(&k) == 0 && !strcmp(get(knobf), "online"),
	      "outer release restores (%s)", get(knobf));
	CHECK(access(savef, F_OK) && !strcmp(get(savef), "(absent)"), "release removes the save file");

	/* a holder killed while holding */
	put(knobf, "online_movable\n");
	pid = fork();
	if (pid == 0) {
		struct svmd_knob c = { 0 };

		_exit(svmd_knob_hold(&c, root) ? 1 : 9);
	}
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 9, "child held and died");
	CHECK(!strcmp(get(knobf), "offline"), "after the crash the knob is offline (%s)", get(knobf));
	rc = svmd_knob_recover(root, val, sizeof(val));
	CHECK(rc == 1 && !strcmp(val, "online_movable") && !strcmp(get(knobf), "online_movable"),
	      "recover restores what the dead holder saved (rc %d, '%s', knob %s)", rc, val, get(knobf));
	CHECK(svmd_knob_recover(root, val, sizeof(val)) == 0, "recover twice: nothing to do");

	/* a new hold after a crash restores first, then saves the real value */
	put(knobf, "offline\n");
	put(savef, "online\n");
	memset(&k, 0, sizeof(k));
	CHECK(svmd_knob_hold(&k, root) == 0 && !strcmp(get(savef), "online") &&
	      !strcmp(get(knobf), "offline"), "hold after a crash keeps the original value (%s)",
	      get(savef));
	CHECK(svmd_knob_release(&k) == 0 && !strcmp(get(knobf), "online"),
	      "and release restores the original (%s)", get(knobf));

	/* already offline: nothing saved, nothing restored */
	put(knobf, "offline\n");
	memset(&k, 0, sizeof(k));
	CHECK(svmd_knob_hold(&k, root) == 0 && !k.held && access(savef, F_OK),
	      "offline to begin with: no save file");
	CHECK(svmd_knob_release(&k) == 0 && !strcmp(get(knobf), "offline"), "left offline");

	/* no memory hotplug in this tree: holding is a no-op */
	unlink(knobf);
	memset(&k, 0, sizeof(k));
	CHECK(svmd_knob_hold(&k, root) == 0 && !k.held, "no knob: no-op");
	svmd_knob_release(&k);

	snprintf(p, sizeof(p), "rm -rf '%s'", root);
	if (system(p))
		return 1;
	return check_summary();
}
