// SPDX-License-Identifier: GPL-2.0-only
/* The state lock shared with svm-cxlctl. See lock.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/file.h>

#include "lock.h"

const char *svmd_lock_path(void)
{
	const char *p = getenv("SVM_CXL_LOCK");

	return p && *p ? p : SVM_CXL_LOCK_DEFAULT;
}

int svmd_lock(unsigned int timeout_ms)
{
	int fd = open(svmd_lock_path(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);

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
