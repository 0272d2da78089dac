#!/bin/sh
# Pool removal drains: three processes holding device pages keep their data; a page
# kept busy makes removal fail -EBUSY with the pool intact, then it succeeds; removal
# while threads keep migrating to the pool; a driver holding pages through the in-kernel
# API; the region's driver unbound under a pool.
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

# An in-kernel user (svm_cxl_test_client.ko, a stand-in accelerator driver) holds 16
# device pages through the exported API: removal fails -EBUSY until it lets go.
client=$SVM_CXL_TESTDIR/svm_cxl_test_client.ko
p=$(ktest_pool_add $START $SIZE)
insmod $client pool_id=63 2>/dev/null && fail "test client loaded on an unknown pool"
echo "ok - test client on an unknown pool fails to load"
insmod $client pool_id=$p npages=16 || fail "insmod svm_cxl_test_client"
dmesg | grep -q "holding 16 pages of pool$p (node $NODE)" || fail "client did not report its pages"
check_eq "pages held by the driver" 16 "$(cat $POOLS/pool$p/used)"
expect_errno "remove while a driver holds pages: EBUSY" 16 svm-kpool remove $p 300
check_eq "pool$p state after EBUSY" active "$(cat $POOLS/pool$p/state)"
expect_errno "rmmod svm_cxl while the client uses it is refused" 1 rmmod svm_cxl
rmmod svm_cxl_test_client || fail "rmmod svm_cxl_test_client"
dmesg | grep -q "released 16 pages, pattern intact" || fail "client pages lost their pattern"
check_eq "pages after the driver let go" 0 "$(cat $POOLS/pool$p/used)"
check_cmd "remove pool$p" svm-kpool remove $p

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
