// SPDX-License-Identifier: GPL-2.0-only
/* auto_online_blocks held across crashes and signals. See knob.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "knob.h"
#include "lock.h"

#define KNOB "sys/devices/system/memory/auto_online_blocks"

const char *svmd_knob_save_path(void)
{
	const char *p = getenv("SVM_CXL_KNOB_SAVE");

	return p && *p ? p : SVM_CXL_KNOB_SAVE_DEFAULT;
}

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0)
		rc = -errno;
	else
		buf[n] = '\0';
	close(fd);
	buf[strcspn(buf, "\n")] = '\0';
	return rc;
}

static int write_knob(const char *root, const char *val)
{
	char p[PATH_MAX + 64];
	int fd, rc = 0;

	snprintf(p, sizeof(p), "%s/" KNOB, root);
	/* O_TRUNC: no effect on sysfs, needed for a fake tree of regular files */
	fd = open(p, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

/* the save file appears complete or not at all */
static int save(const char *val)
{
	char tmp[PATH_MAX + 8];
	int fd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", svmd_knob_save_path());
	svmd_mkdir_parent(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	if (dprintf(fd, "%s\n", val) < 0 || fsync(fd))
		rc = -errno;
	close(fd);
	if (!rc && rename(tmp, svmd_knob_save_path()))
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

int svmd_knob_recover(const char *root, char *value, size_t len)
{
	char val[64];
	int rc = read_file(svmd_knob_save_path(), val, sizeof(val));

	if (rc == -ENOENT)
		return 0;
	if (rc)
		return rc;
	if (!val[0]) {
		unlink(svmd_knob_save_path());
		return 0;
	}
	rc = write_knob(root, val);
	if (rc)
		return rc;
	unlink(svmd_knob_save_path());
	if (value)
		snprintf(value, len, "%s", val);
	return 1;
}

int svmd_knob_hold(struct svmd_knob *k, const char *root)
{
	char cur[64], p[PATH_MAX + 64];
	int rc;

	if (k->depth++)
		return 0;
	snprintf(k->root, sizeof(k->root), "%s", root ? root : "");
	k->held = false;
	rc = svmd_knob_recover(k->root, NULL, 0);
	if (rc < 0)
		return rc;
	snprintf(p, sizeof(p), "%s/" KNOB, k->root);
	rc = read_file(p, cur, sizeof(cur));
	if (rc == -ENOENT)
		return 0;	/* no memory hotplug: nothing to hold */
	if (rc)
		return rc;
	if (!strcmp(cur, "offline"))
		return 0;
	rc = save(cur);
	if (rc)
		return rc;
	rc = write_knob(k->root, "offline");
	if (rc) {
		unlink(svmd_knob_save_path());
		return rc;
	}
	k->held = true;
	return 0;
}

int svmd_knob_release(struct svmd_knob *k)
{
	int rc;

	if (k->depth > 0 && --k->depth)
		return 0;
	if (!k->held)
		return 0;
	rc = svmd_knob_recover(k->root, NULL, 0);
	k->held = false;
	return rc < 0 ? rc : 0;
}
