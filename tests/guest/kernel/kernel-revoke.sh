#!/bin/sh
# An unplug that cannot drain a pool revokes it for good (review C1, C6): one pool page
# sits in a pipe while a POOL_REMOVE with a 60 s timeout drains the pool and the
# region's driver is unbound by a task that gets SIGKILLed. The notifier stops the
# POOL_REMOVE (ENODEV), ignores the signal, refuses pool adds while it runs (EAGAIN),
# gives up once nothing moves and leaves the pool revoked: TO_POOL fails ENODEV, the
# in-kernel allocator refuses, POOL_REMOVE fails EBUSY while the page is held, and the
# log names the page and the process mapping it. No byte is lost; once the pipe lets
# go, POOL_REMOVE takes the revoked pool away.
. svm-test.sh
. ktest-lib.sh
ktest_setup
ktest_disable_dax
p=$(ktest_pool_add $START $SIZE)
d=$POOLS/pool$p

rm -f /tmp/kpin-ready /tmp/kpin-go
svm-kpin hold $p >/tmp/kpin.log 2>&1 &
pinner=$!
i=0
while [ ! -e /tmp/kpin-ready ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
[ -e /tmp/kpin-ready ] || { cat /tmp/kpin.log; fail "pinner not ready"; }
check_eq "pages in the pool before" 16 "$(cat $d/used)"
dmesg -c >/dev/null

# An admin removal that would retry the busy page for 60 s.
svm-kpool remove $p 60000 >/tmp/kpin-rm.log 2>&1 &
remover=$!
i=0
while [ "$(cat $d/used)" != 1 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
check_eq "POOL_REMOVE evicted all but the spliced page" 1 "$(cat $d/used)"
check_eq "state while POOL_REMOVE retries" draining "$(cat $d/state)"

# The unbind, from a task that is SIGKILLed while the notifier drains.
t0=$(date +%s)
sh -c "echo $REGION >/sys/bus/cxl/drivers/cxl_region/unbind" &
unbinder=$!
wend=$(($(cat $CXL/$ROOT_DECODER/start) + $(cat $CXL/$ROOT_DECODER/size)))
i=0
while ! dmesg | grep -q "pool$p: remove stopped: its device is going away" && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
expect_errno "pool add in the CXL window during the unbind: EAGAIN" 11 \
	svm-kpool add $((wend - (2 << 20))) $((2 << 20))
dmesg | grep -q "a CXL device or region is being removed" || fail "no log line for the refused add"
kill -9 $unbinder
wait $remover
check_eq "POOL_REMOVE stopped by the unplug: ENODEV" 19 $?
wait $unbinder
t=$(($(date +%s) - t0))
log "unbind done after $t s"
[ $t -lt 40 ] || fail "the unbind waited behind the POOL_REMOVE timeout ($t s)"
echo "ok - the unbind did not wait for the 60 s POOL_REMOVE ($t s)"
[ -e $CXL/$REGION/driver ] && fail "$REGION still bound"

dmesg | grep -q "pool$p: no page moved for 5000 ms: 1 pages still busy" ||
	fail "no log line for the stalled unplug drain (signal not ignored?)"
dmesg | grep -q "pool$p: CXL $REGION is being unbound: 1 pages still busy after the drain.*revoked" ||
	fail "no revocation logged"
dmesg | grep -q "pool$p: CXL $REGION is being unbound: page 0x[0-9a-f]* (pfn 0x[0-9a-f]*) still busy" ||
	fail "the busy page is not named"
dmesg | grep -q "pool$p: busy page 0x[0-9a-f]* is mapped by svm-kpin\[$pinner\]" ||
	fail "the process holding the page is not named"
echo "ok - the log names the busy page and svm-kpin[$pinner]"
check_eq "pool$p state after the unbind" revoked "$(cat $d/state)"
check_eq "pages left in the revoked pool" 1 "$(cat $d/used)"
check_eq "pages evicted (by the POOL_REMOVE before the unplug)" 15 "$(cat $d/stats/evicted)"

expect_errno "TO_POOL to the revoked pool: ENODEV" 19 svm-kpin migrate $p
check_eq "pages in the revoked pool after the refused TO_POOL" 1 "$(cat $d/used)"
client=$SVM_CXL_TESTDIR/svm_cxl_test_client.ko
insmod $client pool_id=$p npages=1 2>/dev/null && fail "in-kernel allocation from a revoked pool"
echo "ok - the in-kernel allocator refuses a revoked pool"
expect_errno "POOL_REMOVE of the revoked pool while the page is held: EBUSY" 16 \
	svm-kpool remove $p 300
check_eq "state after the failed POOL_REMOVE" revoked "$(cat $d/state)"

touch /tmp/kpin-go
wait $pinner
rc=$?
cat /tmp/kpin.log
check_eq "pinner found every byte (16 pages and the spliced copy)" 0 $rc
check_eq "pages in the revoked pool once the pipe let go" 0 "$(cat $d/used)"
check_cmd "POOL_REMOVE takes the empty revoked pool away" svm-kpool remove $p
[ -e $d ] && fail "pool$p still in sysfs"
kernel_log_clean || fail "kernel log shows a problem"
check_cmd "rmmod svm_cxl" rmmod svm_cxl
