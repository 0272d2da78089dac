// SPDX-License-Identifier: GPL-2.0-only
/*
 * svm_cxl: CXL memory as MEMORY_DEVICE_COHERENT pools.
 *
 * This file owns module init/exit and the /dev/svm_cxl misc device; everything the
 * ioctls do lives in the files named after that job.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include <uapi/linux/svm_cxl.h>

static long svm_cxl_ioctl_version(void __user *uarg)
{
	struct svm_cxl_version ver;

	if (copy_from_user(&ver, uarg, sizeof(ver)))
		return -EFAULT;
	if (ver.size != sizeof(ver) || ver.flags || ver.reserved[0] || ver.reserved[1])
		return -EINVAL;

	ver.abi_major = SVM_CXL_ABI_MAJOR;
	ver.abi_minor = SVM_CXL_ABI_MINOR;

	if (copy_to_user(uarg, &ver, sizeof(ver)))
		return -EFAULT;
	return 0;
}

static long svm_cxl_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case SVM_CXL_IOC_VERSION:
		return svm_cxl_ioctl_version(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations svm_cxl_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = svm_cxl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice svm_cxl_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = SVM_CXL_DEVICE_NAME,
	.fops = &svm_cxl_fops,
	/* Privileged ioctls check CAP_SYS_ADMIN themselves; udev may widen this. */
	.mode = 0600,
};

static int __init svm_cxl_init(void)
{
	int rc;

	rc = misc_register(&svm_cxl_misc);
	if (rc) {
		pr_err("cannot register /dev/%s: %d\n", SVM_CXL_DEVICE_NAME, rc);
		return rc;
	}
	pr_info("ABI %d.%d ready\n", SVM_CXL_ABI_MAJOR, SVM_CXL_ABI_MINOR);
	return 0;
}

static void __exit svm_cxl_exit(void)
{
	misc_deregister(&svm_cxl_misc);
}

module_init(svm_cxl_init);
module_exit(svm_cxl_exit);

MODULE_DESCRIPTION("CXL memory as MEMORY_DEVICE_COHERENT pools with page migration");
MODULE_LICENSE("GPL");
