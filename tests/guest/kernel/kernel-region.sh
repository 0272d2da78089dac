#!/bin/sh
# Only committed, bound, ram-mode CXL regions become pools (review C3). The iomem
# resource "regionN" exists as soon as a region's size is set; a pool over a region
# that was never committed, or whose cxl_region driver was unbound, would read and
# write memory nobody decodes, and its teardown would send no notification. Both are
# refused with ENODEV and a log line; once bound, the same range is accepted and round
# trips 1 MiB byte for byte. (A pmem region, refused with EMEDIUMTYPE, needs a pmem
# memdev, which no topology has.) And (C9) a pool added the moment /dev/svm_cxl opens,
# while modprobe runs, lands under pools/ after the module said it is ready.
. svm-test.sh
. ktest-lib.sh
grep -q '^svm_cxl ' /proc/modules && fail "svm_cxl already loaded before the test"
modprobe svm_cxl || fail "modprobe svm_cxl"
trap ktest_cleanup EXIT
rd=$CXL/$ROOT_DECODER
M=$(memdevs | head -n1)
msize=$(cat $CXL/$M/ram/size)

# A region with its address range allocated (size set) but no target and no commit.
REGION=$(cat "$rd/create_ram_region")
echo "$REGION" >"$rd/create_ram_region" || fail "create $REGION"
r=$CXL/$REGION
echo 4096 >"$r/interleave_granularity" || fail granularity
echo 1 >"$r/interleave_ways" || fail ways
echo "$msize" >"$r/size" || fail size
check_eq "$REGION commit" 0 "$(cat $r/commit)"
grep -q "$REGION" /proc/iomem || fail "$REGION not in /proc/iomem"
start=$(($(cat $r/resource)))
dmesg -c >/dev/null
expect_errno "pool over the uncommitted $REGION: ENODEV" 19 svm-kpool add $start $msize
dmesg | grep -q "refused: $REGION is not active (not committed, or not bound to cxl_region)" ||
	fail "no log line for the uncommitted region"
grep -q "svm_cxl pool" /proc/iomem && fail "the refused add left a claim in /proc/iomem"
echo "$REGION" >"$rd/delete_region" || fail "delete $REGION"

# A committed region whose driver was unbound.
REGION=$(cxl_ram_region_create $(memdevs)) || fail "region assembly failed"
r=$CXL/$REGION
START=$(($(cat $r/resource)))
SIZE=$(($(cat $r/size)))
echo "$REGION" >/sys/bus/cxl/drivers/cxl_region/unbind || fail "unbind $REGION"
check_eq "$REGION commit after the unbind" 1 "$(cat $r/commit)"
dmesg -c >/dev/null
expect_errno "pool over the unbound $REGION: ENODEV" 19 svm-kpool add $START $SIZE
dmesg | grep -q "refused: $REGION is not active" || fail "no log line for the unbound region"
grep -q "svm_cxl pool" /proc/iomem && fail "the refused add left a claim in /proc/iomem"

# Bound again: accepted, and the data round trip holds.
echo "$REGION" >/sys/bus/cxl/drivers/cxl_region/bind || fail "bind $REGION"
DAX=$(region_dax "$REGION") || fail "no dax device for $REGION"
ktest_disable_dax
p=$(ktest_pool_add $START $SIZE)
dmesg | grep -q "pool$p: .* in $REGION, " || fail "pool$p not logged as inside $REGION"
check_cmd "1 MiB round trip on the bound $REGION" svm-ktest $p roundtrip
check_cmd "remove pool$p" svm-kpool remove $p

# Review C9: nothing can reach the module before it is ready. A pool added the moment
# /dev/svm_cxl opens, while modprobe is still running, lands under pools/ (never at
# the root of sysfs), and after the "ready" line (the unplug nets are in place by then).
# svm-kpool runs modprobe on its own CPU and preempts it there (SCHED_FIFO) the moment
# misc_register() lets its open() through: on a module that registers the misc device
# before the rest of its init, the add runs inside that gap.
for i in 1 2 3 4 5; do
	check_cmd "rmmod svm_cxl ($i)" rmmod svm_cxl
	dmesg -c >/dev/null
	svm-kpool add-at-open $START $((2 << 20)) modprobe svm_cxl >/tmp/kr-add 2>&1 ||
		{ cat /tmp/kr-add; fail "modprobe, or the pool add at the first open, failed ($i)"; }
	p=$(cut -d' ' -f1 /tmp/kr-add)
	[ -d $POOLS/pool$p ] || fail "pool$p added at the first open is not under $POOLS ($i)"
	ls /sys | grep -q '^pool' && fail "a pool directory at the root of sysfs: $(ls -d /sys/pool*) ($i)"
	dmesg | grep -nE "svm_cxl: (ABI [0-9.]+ ready|pool$p: )" | head -n 2 >/tmp/kr-order
	grep -q '^[0-9]*:.*ready' /tmp/kr-order && [ "$(head -n1 /tmp/kr-order | grep -c ready)" = 1 ] ||
		{ cat /tmp/kr-order; fail "pool$p logged before the module said ready ($i)"; }
	check_cmd "remove pool$p ($i)" svm-kpool remove $p
done
kernel_log_clean || fail "kernel log shows a problem"
