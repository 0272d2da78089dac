// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The process's descriptor of /dev/svm_cxl: opened on first use, checked against the
 * module's ABI, and kept for the life of the process (close-on-exec), so allocations
 * pay no open() each. A failed open is not remembered: a later call retries, so
 * loading the module after the program started works.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <linux/svm_cxl.h>
#include "private.h"

/*
 * dev_lock serialises the open so that threads racing on first use end with one
 * descriptor. dev_fd is written once, under the lock, and never changes afterwards:
 * readers load it without the lock (acquire pairs with the release store).
 */
static pthread_mutex_t dev_lock = PTHREAD_MUTEX_INITIALIZER;
static int dev_fd = -1;

static int dev_open(void)
{
	struct svm_cxl_version v = { .size = sizeof(v) };
	int fd, rc;

	fd = open("/dev/" SVM_CXL_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		/* no node: the module is not loaded */
		return errno == ENOENT || errno == ENODEV ? -ENXIO : -errno;
	if (ioctl(fd, SVM_CXL_IOC_VERSION, &v)) {
		rc = errno == ENOTTY ? -ENXIO : -errno;
		close(fd);
		return rc;
	}
	if (v.abi_major != SVM_CXL_ABI_MAJOR) {
		close(fd);
		return -EPROTO;
	}
	return fd;
}

int svm_mem_dev_fd(void)
{
	int fd = __atomic_load_n(&dev_fd, __ATOMIC_ACQUIRE);

	if (fd >= 0)
		return fd;
	pthread_mutex_lock(&dev_lock);
	fd = dev_fd;
	if (fd < 0) {
		fd = dev_open();
		if (fd >= 0)
			__atomic_store_n(&dev_fd, fd, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&dev_lock);
	return fd;
}
