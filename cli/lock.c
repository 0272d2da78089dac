// SPDX-License-Identifier: GPL-2.0-only
/* svm-cxlctl's side of the svm-cxl lock: see take_lock() in cli.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "isolate.h"
#include "knob.h"
#include "lock.h"

static struct svmd_knob knob;
static sigset_t deferred;

/* Runs at exit: the knob goes back first, then a deferred signal takes effect (the
 * shell sees the command killed by it, after its output). */
static void at_exit(void)
{
	int rc;

	while (knob.depth > 1)
		svmd_knob_release(&knob);
	rc = svmd_knob_release(&knob);
	if (rc)
		fprintf(stderr, "%s: cannot put auto_online_blocks back (saved in %s): %s\n", prog,
			svmd_knob_save_path(), strerror(-rc));
	fflush(stdout);
	fflush(stderr);
	sigprocmask(SIG_UNBLOCK, &deferred, NULL);
}

int take_lock(struct svm_ctx *ctx, const char *cmd, bool hold_knob)
{
	char val[64];
	int fd, rc;

	fd = svmd_lock(0);
	if (fd == -ETIMEDOUT) {
		fprintf(stderr, "%s %s: waiting for %s (svm-cxld or another svm-cxlctl)\n", prog,
			cmd, svmd_lock_path());
		fd = svmd_lock(30000);
	}
	if (fd == -ETIMEDOUT) {
		fprintf(stderr, "%s %s: %s is held for 30 s by another svm-cxlctl or svm-cxld; try again later\n",
			prog, cmd, svmd_lock_path());
		return EXIT_BUSY;
	}
	if (fd < 0) {
		/* without the lock the daemon could act on the same objects at the same time */
		fprintf(stderr, "%s %s: cannot take %s: %s\n", prog, cmd, svmd_lock_path(),
			strerror(-fd));
		return EXIT_FAIL;
	}
	/* held until exit: the fd stays open */
	sigemptyset(&deferred);
	sigaddset(&deferred, SIGINT);
	sigaddset(&deferred, SIGTERM);
	sigaddset(&deferred, SIGHUP);
	sigaddset(&deferred, SIGQUIT);
	sigprocmask(SIG_BLOCK, &deferred, NULL);
	atexit(at_exit);
	rc = svmd_knob_recover(svm_get_root(ctx), val, sizeof(val));
	if (rc > 0)
		fprintf(stderr, "%s %s: warning: auto_online_blocks restored to '%s' (a process that died left it offline)\n",
			prog, cmd, val);
	else if (rc < 0)
		fprintf(stderr, "%s %s: warning: cannot restore auto_online_blocks from %s: %s\n",
			prog, cmd, svmd_knob_save_path(), strerror(-rc));
	/* cpusets of isolated nodes a dead holder left half changed (daemon/cpuset.h) */
	cli_cpusets_recover(cmd);
	if (!hold_knob)
		return 0;
	rc = svmd_knob_hold(&knob, svm_get_root(ctx));
	if (rc) {
		fprintf(stderr, "%s %s: cannot hold auto_online_blocks at offline: %s\n", prog, cmd,
			strerror(-rc));
		return EXIT_FAIL;
	}
	return 0;
}
