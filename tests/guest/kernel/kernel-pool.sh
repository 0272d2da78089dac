#!/bin/sh
# Pool add/remove on a real CXL region: every refusal has its errno and log line,
# sysfs shows the pool, claims are released, rmmod is refused while pools exist.
. svm-test.sh
. ktest-lib.sh
ktest_setup

M2=$((2 << 20))
# dax_cxl devices do not bind to device_dax by themselves: enable it to hold the range.
daxctl enable-device "$DAX" >/dev/null 2>&1 || fail "daxctl enable-device $DAX"
expect_errno "add while the dax device is enabled: EBUSY" 16 svm-kpool add $START $M2
dmesg | grep -q "range busy" || fail "no log line for the busy range"
ktest_disable_dax

expect_errno "unaligned start: EINVAL" 22 svm-kpool add $((START + 4096)) $M2
expect_errno "zero length: EINVAL" 22 svm-kpool add $START 0
expect_errno "length not 2 MiB multiple: EINVAL" 22 svm-kpool add $START $((3 << 20))
expect_errno "overflowing range: EINVAL" 22 svm-kpool add 0xffffffffffe00000 $((4 << 20))
expect_errno "System RAM: EADDRINUSE" 98 svm-kpool add 0x40000000 $M2
dmesg | grep -q "intersects System RAM" || fail "no log line for System RAM"
expect_errno "outside any CXL window: ENXIO" 6 svm-kpool add 0x7f0000000000 $M2
wend=$(($(cat $CXL/$ROOT_DECODER/start) + $(cat $CXL/$ROOT_DECODER/size)))
expect_errno "in the window but in no region: ENXIO" 6 svm-kpool add $((wend - M2)) $M2
dmesg | grep -q "refused: not inside a CXL region" || fail "no log line for no region"

half=$((SIZE / 2))
p1=$(ktest_pool_add $START $half)
d=$POOLS/pool$p1
check_eq "pool$p1 start" "$(printf %#x $START)" "$(cat $d/start)"
# A physical address, like /proc/iomem's: root only.
check_eq "pool$p1 start mode" 400 "$(stat -c %a $d/start)"
check_eq "pool$p1 size" $half "$(cat $d/size)"
check_eq "pool$p1 pages" $((half / 4096)) "$(cat $d/pages)"
check_eq "pool$p1 free" $((half / 4096)) "$(cat $d/free)"
check_eq "pool$p1 used" 0 "$(cat $d/used)"
check_eq "pool$p1 state" active "$(cat $d/state)"
check_eq "pool$p1 node is the region's" "$NODE" "$(cat $d/node)"
for s in migrated_in migrated_out allocated_on_device evicted alloc_failures busy_retries; do
	check_eq "pool$p1 stats/$s" 0 "$(cat $d/stats/$s)"
done
grep -q "svm_cxl pool$p1" /proc/iomem || fail "pool claim not in /proc/iomem"

expect_errno "double add: EEXIST" 17 svm-kpool add $START $half
expect_errno "overlapping another pool: EEXIST" 17 svm-kpool add $((START + half - M2)) $((2 * M2))
p2=$(ktest_pool_add $((START + half)) $half)
check_eq "second pool id" $((p1 + 1)) "$p2"
expect_errno "rmmod with pools present is refused" 1 rmmod svm_cxl
expect_errno "remove unknown pool: ENOENT" 2 svm-kpool remove 63
expect_errno "remove pool 0: EINVAL" 22 svm-kpool remove 0

check_cmd "ioctl bad input and privileges" svm-ktest $p1 badinput unpriv

check_cmd "remove pool$p2" svm-kpool remove $p2
p2=$(ktest_pool_add $((START + half)) $M2)
check_cmd "a full 2 MiB pool" svm-ktest $p2 full
check_cmd "remove pool$p2" svm-kpool remove $p2
check_cmd "remove pool$p1" svm-kpool remove $p1
[ -e $d ] && fail "pool$p1 still in sysfs"
grep -q "svm_cxl pool" /proc/iomem && fail "a pool claim is left in /proc/iomem"
p3=$(ktest_pool_add $START $SIZE)
echo "ok - the range can be added again (pool$p3, whole region)"
check_cmd "remove pool$p3" svm-kpool remove $p3
check_cmd "rmmod svm_cxl" rmmod svm_cxl
kernel_log_clean || fail "kernel log shows a problem"
