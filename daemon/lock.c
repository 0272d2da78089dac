// SPDX-License-Identifier: GPL-2.0-only
/* The state lock shared with svm-cxlctl. See lock.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/file.h>

#include "lock.h"

const char *svmd_lock_path(void)
{
	const char *p = getenv("SVM_CXL_LOCK");

	return p && *p ? p : SVM_CXL_LOCK_DEFAULT;
}

void svmd_mkdir_parent(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return;
	*slash = '\0';
	/* failure shows up as the open()/bind() that follows failing with its own errno */
	mkdir(dir, 0755);
}

int svmd_lock(unsigned int timeout_ms)
{
	int fd;

	svmd_mkdir_parent(svmd_lock_path());
	fd = open(svmd_lock_path(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	for (unsigned int waited = 0;; waited += 50) {
		if (!flock(fd, LOCK_EX | LOCK_NB))
			return fd;
		if (errno != EWOULDBLOCK && errno != EINTR) {
			int rc = -errno;

			close(fd);
			return rc;
		}
		if (waited >= timeout_ms) {
			close(fd);
			return -ETIMEDOUT;
		}
		usleep(50000);
	}
}

void svmd_unlock(int fd)
{
	if (fd >= 0)
		close(fd);	/* closing the last fd drops the flock */
}
