#!/bin/sh
# Migration of another process's pages by pidfd (SVM_CXL_IOC_MIGRATE_PID): a child's
# 4 MiB buffer to the pool and back by ranges and over its whole address space, each
# page's place read back by the child itself and its data checked byte for byte; who
# may (EPERM cases) and bad input (EBADF, ESRCH, EINVAL, EFAULT) moving nothing.
. svm-test.sh
. ktest-lib.sh
ktest_setup
ktest_disable_dax
p=$(ktest_pool_add $START $SIZE)
d=$POOLS/pool$p

check_cmd "by pidfd" svm-kpid $p move whole perm bad
check_eq "pool$p used after the children are gone" 0 "$(cat $d/used)"
check_cmd "remove pool$p" svm-kpool remove $p
