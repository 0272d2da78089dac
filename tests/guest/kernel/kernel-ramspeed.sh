#!/bin/sh
# Benchmark with a RAM-speed control (topology ramspeed): the same round trip (svm-ktest
# big: 64 MiB, 16 MiB on CXL under SVM_TEST_SLOW_CXL=1) to a pool on the CXL region and
# to a pool on plain guest RAM (e820 legacy pmem, allowed only with allow_any_range=1,
# refused without). Prints "# perf:" lines.
. svm-test.sh
. ktest-lib.sh
RAM_START=0x160000000 RAM_SIZE=$((512 << 20))
grep -q "Persistent Memory (legacy)" /proc/iomem || skip "no legacy pmem range (memmap=)"

ktest_setup
ktest_disable_dax
expect_errno "non-CXL range without allow_any_range: ENXIO" 6 svm-kpool add $RAM_START $RAM_SIZE
cxl=$(ktest_pool_add $START $SIZE)
echo "# CXL pool (node $(cat $POOLS/pool$cxl/node)):"
check_cmd "round trip on CXL" svm-ktest $cxl big
check_cmd "remove the CXL pool" svm-kpool remove $cxl
rmmod svm_cxl || fail "rmmod"

modprobe svm_cxl allow_any_range=1 || fail "modprobe allow_any_range=1"
expect_errno "System RAM still refused with allow_any_range" 98 svm-kpool add 0x40000000 $((2 << 20))
# allow_any_range admits only what the firmware marked as memory, not any unclaimed hole.
expect_errno "unmarked address space refused with allow_any_range: ENXIO" 6 \
	svm-kpool add 0x7f0000000000 $((2 << 20))
dmesg | grep -q "nor in memory the firmware marked" || fail "no log line for the unmarked range"
expect_errno "half inside the legacy pmem range: ENXIO" 6 \
	svm-kpool add $((RAM_START + RAM_SIZE - (2 << 20))) $((4 << 20))
ram=$(ktest_pool_add $RAM_START $RAM_SIZE)
echo "# RAM-speed pool (node $(cat $POOLS/pool$ram/node)):"
# guest RAM is never slow: the full sizes there
check_cmd "64 MiB round trip on RAM" env -u SVM_TEST_SLOW_CXL svm-ktest $ram big sizes
check_cmd "remove the RAM pool" svm-kpool remove $ram
