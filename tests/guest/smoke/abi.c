// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm-test-abi: the /dev/svm_cxl ioctl ABI contract that every later ioctl relies on:
 * version reporting, and exact errors for bad sizes, flags, reserved fields, pointers,
 * unknown commands and unprivileged callers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/svm_cxl.h>

static int failures;

#define CHECK(cond, ...)                                        \
	do {                                                    \
		if (cond) {                                     \
			printf("ok - " __VA_ARGS__);            \
		} else {                                        \
			printf("FAIL: " __VA_ARGS__);           \
			failures++;                             \
		}                                               \
		putchar('\n');                                  \
	} while (0)

static int version_call(int fd, struct svm_cxl_version *ver)
{
	return ioctl(fd, SVM_CXL_IOC_VERSION, ver) ? errno : 0;
}

static struct svm_cxl_version good_version(void)
{
	struct svm_cxl_version ver;

	memset(&ver, 0, sizeof(ver));
	ver.size = sizeof(ver);
	return ver;
}

static void check_unprivileged_open(void)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(100);
		int fd = open("/dev/" SVM_CXL_DEVICE_NAME, O_RDWR);
		_exit(fd < 0 ? (errno == EACCES ? 0 : 101) : 102);
	}
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "unprivileged open refused with EACCES (child status %d)", WEXITSTATUS(status));
}

int main(void)
{
	struct svm_cxl_version ver;
	int fd, rc;

	fd = open("/dev/" SVM_CXL_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		printf("FAIL: open /dev/%s: %s\n", SVM_CXL_DEVICE_NAME, strerror(errno));
		return 1;
	}

	ver = good_version();
	rc = version_call(fd, &ver);
	CHECK(rc == 0, "VERSION succeeds (%s)", strerror(rc));
	CHECK(ver.abi_major == SVM_CXL_ABI_MAJOR && ver.abi_minor == SVM_CXL_ABI_MINOR,
	      "VERSION reports %u.%u", ver.abi_major, ver.abi_minor);
	CHECK(ver.reserved[0] == 0 && ver.reserved[1] == 0, "VERSION leaves reserved zero");

	ver = good_version();
	ver.size = sizeof(ver) - 8;
	CHECK(version_call(fd, &ver) == EINVAL, "short size gives EINVAL");

	ver = good_version();
	ver.flags = 1;
	CHECK(version_call(fd, &ver) == EINVAL, "unknown flag gives EINVAL");

	ver = good_version();
	ver.reserved[1] = 1;
	CHECK(version_call(fd, &ver) == EINVAL, "nonzero reserved gives EINVAL");

	CHECK(version_call(fd, NULL) == EFAULT, "NULL argument gives EFAULT");

	rc = ioctl(fd, _IOWR(SVM_CXL_IOC_MAGIC, 0x5f, struct svm_cxl_version), &ver) ? errno : 0;
	CHECK(rc == ENOTTY, "unknown ioctl gives ENOTTY (%s)", strerror(rc));
	rc = ioctl(fd, _IOWR('x', 0x40, struct svm_cxl_version), &ver) ? errno : 0;
	CHECK(rc == ENOTTY, "foreign magic gives ENOTTY (%s)", strerror(rc));

	check_unprivileged_open();
	close(fd);
	return failures ? 1 : 0;
}
