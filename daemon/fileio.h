/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Small file helpers shared by the daemon, its journals and svm-cxlctl: sysfs, kernfs
 * (cgroupfs) and /run files are read and written whole, one value at a time.
 */
#ifndef SVMD_FILEIO_H
#define SVMD_FILEIO_H

#include <stddef.h>

/* Write all @len bytes to @fd, retrying short writes and EINTR. 0 or -errno. */
int svmd_write_all(int fd, const void *buf, size_t len);
/* Read one value from @path into @buf (at most @len - 1 bytes, NUL-terminated), cut at
 * the first newline. 0 or -errno. */
int svmd_read_value(const char *path, char *buf, size_t len);
/*
 * Write @val to @path in one write(), as sysfs and kernfs want it (a value split over
 * two writes is two values). O_TRUNC has no effect there and makes a fake tree of regular
 * files in host tests behave the same. 0, or -errno (the kernel's refusal; -EIO for a
 * short write).
 */
int svmd_write_value(const char *path, const char *val);

#endif
