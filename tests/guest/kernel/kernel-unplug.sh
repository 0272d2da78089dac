#!/bin/sh
# Device removal with pages on the device loses no data: a type-3 device is hot-added
# into rp1, a region and a pool go over it, a process moves 16 MiB there, then QMP
# device_del removes the device. The PCI unbind notifier must evict the pool before
# the CXL core tears the region down; the process then finds its data intact.
. svm-test.sh
. ktest-lib.sh

ID=t3k SN=77 BACKEND=vmemk
grep -q '^svm_cxl ' /proc/modules && fail "svm_cxl already loaded before the test"
before=$(memdevs | wc -l)
new=$(hotplug_type3 "$BACKEND" "$ID" $SN) || fail "hot-added device (sn $SN) did not show up as a memdev"
log "hot-added $new"

modprobe svm_cxl || fail "modprobe svm_cxl"
REGION=$(cxl_ram_region_create $new) || fail "region over $new failed"
DAX=$(region_dax "$REGION") || fail "no dax device for $REGION"
START=$(($(cat $CXL/$REGION/resource)))
SIZE=$(($(cat $CXL/$REGION/size)))
ktest_disable_dax
p=$(ktest_pool_add $START $SIZE)

rm -f /tmp/ktest-ready /tmp/ktest-go
svm-ktest $p hold >/tmp/hold.log 2>&1 &
holder=$!
i=0
while [ ! -e /tmp/ktest-ready ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
[ -e /tmp/ktest-ready ] || { cat /tmp/hold.log; fail "holder not ready"; }
check_eq "pages on the device before removal" 4096 "$(cat $POOLS/pool$p/used)"

t0=$(date +%s)
hotunplug "$ID" || fail "$ID still present 120 s after device_del"
log "device gone after $(($(date +%s) - t0)) s"
[ -e $POOLS/pool$p ] && fail "pool$p survived the removal of its device"
dmesg | grep -q "pool$p: CXL device .* is being unbound: evicted 4096 pages" ||
	fail "no eviction logged by the unbind notifier"
echo "ok - the unbind notifier evicted pool$p"

touch /tmp/ktest-go
wait $holder
rc=$?
cat /tmp/hold.log
check_eq "holder found its data intact in system RAM" 0 $rc

# The region outlives its device uncommitted: delete it, then unload.
[ -e $CXL/$REGION ] && echo "$REGION" >$CXL/$ROOT_DECODER/delete_region
check_cmd "rmmod svm_cxl" rmmod svm_cxl
