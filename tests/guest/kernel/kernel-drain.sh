#!/bin/sh
# Pool removal drains: three processes holding device pages keep their data; a page
# kept busy makes removal fail -EBUSY with the pool intact, then it succeeds; removal
# while threads keep migrating to the pool; the region's driver unbound under a pool.
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

# The region's driver goes while a process holds 16 MiB in a pool on it: the CXL bus
# notifier evicts the pool before the region is torn down.
p=$(ktest_pool_add $START $SIZE)
rm -f /tmp/ktest-ready /tmp/ktest-go
svm-ktest $p hold >/tmp/hold.log 2>&1 &
holder=$!
i=0
while [ ! -e /tmp/ktest-ready ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
[ -e /tmp/ktest-ready ] || { cat /tmp/hold.log; fail "holder not ready"; }
echo "$REGION" >/sys/bus/cxl/drivers/cxl_region/unbind || fail "unbind $REGION"
[ -e $POOLS/pool$p ] && fail "pool$p survived the unbind of $REGION"
dmesg | grep -q "pool$p: CXL $REGION is being unbound: evicted 4096 pages" ||
	fail "no eviction logged by the region notifier"
echo "ok - the region notifier evicted pool$p"
touch /tmp/ktest-go
wait $holder
rc=$?
cat /tmp/hold.log
check_eq "holder found its data intact in system RAM" 0 $rc
check_cmd "rmmod svm_cxl" rmmod svm_cxl
