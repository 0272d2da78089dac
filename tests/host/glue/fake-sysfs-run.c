// SPDX-License-Identifier: GPL-2.0-only
/*
 * fake-sysfs-run DIR COMMAND [ARG...]: run COMMAND with DIR/sys mounted over /sys and
 * DIR/dev over /dev, in a user + mount namespace of its own (see fake-sysfs.h). For
 * the host tests written in shell and Python, which build DIR themselves. The command
 * keeps this process's pid, so a test can signal it directly.
 */
#include "fake-sysfs.h"

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: fake-sysfs-run DIR COMMAND [ARG...]\n");
		return 2;
	}
	fake_sysfs_mount(argv[1]);
	execvp(argv[2], argv + 2);
	fake_die(argv[2]);
}
