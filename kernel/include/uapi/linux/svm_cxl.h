/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * svm_cxl: MEMORY_DEVICE_COHERENT pools on CXL memory, and migration of process pages
 * to and from them. Userspace ABI of /dev/svm_cxl.
 *
 * Conventions, for every argument struct:
 *  - @size comes first: userspace sets it to sizeof(the struct it was built with), the
 *    kernel rejects sizes it does not know with -EINVAL. New fields are only appended.
 *  - @flags comes second; unknown flag bits are rejected with -EINVAL.
 *  - reserved fields must be zero (-EINVAL otherwise) and are zeroed on output.
 *  - only __u32/__u64 fields; user pointers travel as __u64; every struct is padded to a
 *    multiple of 8 bytes so its layout is the same for 32- and 64-bit callers.
 *  - enum value 0 is invalid; new values are only added at the end.
 *
 * ioctl magic: 0xCE, numbers 0x40-0x5f (0xCE 0x01-0x02 belong to uapi/linux/cxl_mem.h).
 */
#ifndef _UAPI_LINUX_SVM_CXL_H
#define _UAPI_LINUX_SVM_CXL_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define SVM_CXL_DEVICE_NAME	"svm_cxl"
#define SVM_CXL_ABI_MAJOR	1
#define SVM_CXL_ABI_MINOR	0

#define SVM_CXL_IOC_MAGIC	0xCE

/**
 * struct svm_cxl_version - ABI version of the loaded module
 * @size: (in) sizeof(struct svm_cxl_version)
 * @flags: (in) must be 0
 * @abi_major: (out) incompatible changes bump this; userspace refuses a newer major
 * @abi_minor: (out) compatible additions bump this
 * @reserved: must be 0
 */
struct svm_cxl_version {
	__u32 size;
	__u32 flags;
	__u32 abi_major;
	__u32 abi_minor;
	__u64 reserved[2];
};

#define SVM_CXL_IOC_VERSION	_IOWR(SVM_CXL_IOC_MAGIC, 0x40, struct svm_cxl_version)

#endif /* _UAPI_LINUX_SVM_CXL_H */
