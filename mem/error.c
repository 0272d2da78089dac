// SPDX-License-Identifier: LGPL-2.1-or-later
/* Sentences for the errnos of this library, in its own terms. */
#include <errno.h>
#include <string.h>

#include <svmcxl/mem.h>
#include "private.h"

SVM_MEM_EXPORT const char *svm_mem_strerror(int err)
{
	switch (err < 0 ? -err : err) {
	case 0:
		return "success";
	case EINVAL:
		return "invalid argument: unaligned address, zero or oversized length, bad pool id, or a mapping that cannot migrate (PROT_NONE, device or hugetlb memory)";
	case ENOENT:
		return "no such pool (is the region online in coherent mode?)";
	case ENOSPC:
		return "not enough free pages in the pool (or the per-user page limit is reached)";
	case ENODEV:
		return "the pool's memory is gone (revoked after an unplug)";
	case ENXIO:
		return "svm_cxl is not loaded (no /dev/svm_cxl)";
	case EACCES:
	case EPERM:
		return "no access to /dev/svm_cxl (root only unless a udev rule grants it)";
	case EPROTO:
		return "the loaded svm_cxl has an ABI major version this library does not know";
	case EFAULT:
		return "part of the range is not mapped";
	case EBUSY:
		return "pages are in use (pinned or locked); retry";
	case ENOMEM:
		return "out of memory or address space";
	}
	/* glibc 2.32+ formats unknown values in a per-thread buffer: thread-safe */
	return strerror(err < 0 ? -err : err);
}
