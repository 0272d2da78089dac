#!/bin/sh
# Pool removal drains: three processes holding device pages keep their data; a page
# kept busy makes removal fail -EBUSY with the pool intact, then it succeeds; removal
# while threads keep migrating to the pool.
. svm-test.sh
. ktest-lib.sh
ktest_setup
ktest_disable_dax
p=$(ktest_pool_add $START $SIZE)
check_cmd "drain with three holders" svm-ktest $p drain
[ -e $POOLS/pool$p ] && fail "pool$p still there after the drain"
p=$(ktest_pool_add $START $SIZE)
check_cmd "drain with a busy page" svm-ktest $p drainbusy
[ -e $POOLS/pool$p ] && fail "pool$p still there after the second drain"
p=$(ktest_pool_add $START $SIZE)
check_cmd "drain while threads migrate" svm-ktest $p drainrace
[ -e $POOLS/pool$p ] && fail "pool$p still there after the third drain"
check_cmd "rmmod svm_cxl" rmmod svm_cxl
