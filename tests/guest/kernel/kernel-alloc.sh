#!/bin/sh
# The pool allocator and what reaches it: a full pool takes no work (THPs stay whole,
# counters right), memory failure retires pages (free or in use: the mapper gets
# SIGBUS, the other pages stay intact, removal skips the retired page), a retired
# page is never handed out again; holders of pool pages by process, and the per-user
# page limit with two unprivileged users; a seeded random stress (processes, threads,
# forks, munmap, migrations both ways) checked against shadow copies while the pool
# is drained and re-added; a long migration killed with SIGKILL ends at once (C10).
. svm-test.sh
. ktest-lib.sh
ktest_setup
ktest_disable_dax

M2=$((2 << 20))
[ -w /sys/devices/system/memory/hard_offline_page ] ||
	fail "no /sys/devices/system/memory/hard_offline_page (CONFIG_MEMORY_FAILURE)"

p=$(ktest_pool_add $START $M2)
check_cmd "a full 2 MiB pool takes no work; a free page poisoned" svm-ktest $p thpfull poisonfree
check_eq "pool$p retired" 1 "$(cat $POOLS/pool$p/retired)"
check_eq "pool$p stats/poisoned" 1 "$(cat $POOLS/pool$p/stats/poisoned)"
check_cmd "a pool with a retired page is removed" svm-kpool remove $p

p=$(ktest_pool_add $((START + M2)) $((16 * M2)))
# svm-ktest poison removes the pool itself (the removal is what it checks).
check_cmd "a pool page in use poisoned" svm-ktest $p poison
[ -e $POOLS/pool$p ] && fail "pool$p still there after the removal in the test"
dmesg | grep -q "pool$p: memory failure at .*: page unmapped" || fail "no log line for the poisoned page"

# Who holds what, and the per-user page limit, with two unprivileged users.
p=$(ktest_pool_add $START $((8 * M2)))
LIMIT=/sys/module/svm_cxl/parameters/user_page_limit
check_eq "user_page_limit default" 0 "$(cat $LIMIT)"
echo 100 > $LIMIT || fail "root cannot set user_page_limit"
check_eq "user_page_limit" 100 "$(cat $LIMIT)"
check_cmd "per-user limit, two users" svm-ktest $p limit
check_eq "pool$p holders when nobody holds pages" "" "$(cat $POOLS/pool$p/holders)"
echo 0 > $LIMIT
check_cmd "remove pool$p" svm-kpool remove $p

# Seeded random stress while the pool is drained and re-added (seed in the log;
# SVM_KTEST_SEED=N reruns one).
p=$(ktest_pool_add $START $((8 * M2)))
export SVM_KTEST_SEED=${SVM_KTEST_SEED:-$(date +%s)}
export SVM_KTEST_STRESS_OPS=${SVM_KTEST_STRESS_OPS:-150}
check_cmd "random stress with drains" svm-ktest $p stress
# Review C10: a migration over terabytes of holes, SIGKILLed, ends at once, nothing lost.
check_cmd "SIGKILL ends a long migration, nothing lost" svm-ktest $p kill
check_cmd "remove pool$p" svm-kpool remove $p

# The range of a removed pool can be added again: the memmap is fresh, poison forgotten.
p=$(ktest_pool_add $START $M2)
check_eq "re-added pool$p retired" 0 "$(cat $POOLS/pool$p/retired)"
check_cmd "remove pool$p" svm-kpool remove $p
check_cmd "rmmod svm_cxl" rmmod svm_cxl
