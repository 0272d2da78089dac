/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libsvmcxl-mem internals shared between its files. */
#ifndef _SVMCXL_MEM_PRIVATE_H
#define _SVMCXL_MEM_PRIVATE_H

#include <stddef.h>

#define SVM_MEM_EXPORT __attribute__((visibility("default")))

/* The /dev/svm_cxl descriptor of the process (dev.c), or a negative errno. */
int svm_mem_dev_fd(void);

#endif
