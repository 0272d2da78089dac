#!/bin/sh
# Guest side of harness/bench.sh --kit (topology ramspeed): svm-kit-bench on two pools
# made of the halves of the RAM-speed legacy range, NUMA node 1 (the same memory) for
# migratepages(8). OUT gets the JSON lines.
#   svm-kit-bench-run.sh [--quick] OUT
. svm-test.sh
RAM_START=0x160000000 RAM_LEN=$((512 << 20))
mib=${BENCH_KIT_MIB:-16} reps=${BENCH_KIT_REPS:-7}
[ "$1" = --quick ] && { mib=1 reps=1; shift; }
out=${1:?usage: svm-kit-bench-run.sh [--quick] OUT}
grep -q "Persistent Memory (legacy)" /proc/iomem || skip "no legacy pmem range (memmap=): topology ramspeed"
grep -q '^svm_cxl ' /proc/modules && fail "svm_cxl already loaded"
balancing=$(cat /proc/sys/kernel/numa_balancing 2>/dev/null)
[ -n "$balancing" ] && echo 0 >/proc/sys/kernel/numa_balancing
trap '[ -n "$balancing" ] && echo "$balancing" >/proc/sys/kernel/numa_balancing; grep -q "^svm_cxl " /proc/modules && rmmod svm_cxl' EXIT
modprobe svm_cxl allow_any_range=1 || fail "modprobe svm_cxl allow_any_range=1"
svm-kit-bench $RAM_START $RAM_LEN 1 $mib $reps >"$out" || fail "svm-kit-bench: $(cat "$out")"
cat "$out"
