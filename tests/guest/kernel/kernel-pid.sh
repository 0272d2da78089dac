#!/bin/sh
# Migration of another process's pages by pidfd (SVM_CXL_IOC_MIGRATE_PID): a child's
# 4 MiB buffer to the pool and back by ranges and over its whole address space, each
# page's place read back by the child itself and its data checked byte for byte; who
# may (EPERM cases) and bad input (EBADF, ESRCH, EINVAL, EFAULT) moving nothing.
# Then pool to pool (TO_POOL of pages in another pool, device to device) over two pools
# made of the region's halves, with the svm_cxl tracepoints on: the migrate calls and
# batches, the pool state changes and eviction passes of the removals and a memory
# failure appear in tracefs with their fields.
. svm-test.sh
. ktest-lib.sh
ktest_setup
ktest_disable_dax
p=$(ktest_pool_add $START $SIZE)
d=$POOLS/pool$p

check_cmd "by pidfd" svm-kpid $p move whole perm bad
# Who holds what, for users other than root: SVM_CXL_IOC_USAGE and poolN/region.
check_cmd "usage by uid" svm-kusage $p $REGION
check_eq "pool$p used after the children are gone" 0 "$(cat $d/used)"
check_cmd "remove pool$p" svm-kpool remove $p

# The tracepoints, on for what follows: tracefs shows them with their fields.
T=/sys/kernel/tracing
[ -e $T/trace ] || mount -t tracefs nodev $T || fail "cannot mount tracefs"
for e in svm_cxl_migrate svm_cxl_migrate_batch svm_cxl_evict svm_cxl_pool_state svm_cxl_poison; do
	[ -e $T/events/svm_cxl/$e/format ] || fail "no tracepoint svm_cxl:$e in tracefs"
done
grep -q "field:u64 other_pool;" $T/events/svm_cxl/svm_cxl_migrate/format ||
	fail "svm_cxl_migrate has no other_pool field: $(cat $T/events/svm_cxl/svm_cxl_migrate/format)"
echo 0 >$T/tracing_on
echo >$T/trace
echo 1 >$T/events/svm_cxl/enable
echo 1 >$T/tracing_on

# Pool to pool: the region as two pools, each half of it.
half=$((SIZE / 2))
a=$(ktest_pool_add $START $half)
b=$(ktest_pool_add $((START + half)) $half)
check_cmd "pool to pool" svm-kp2p $a $b
# memory failure of a free page of pool b (its last): retired, and traced
last=$((START + SIZE - 4096))
printf %#x $last >/sys/devices/system/memory/hard_offline_page
check_eq "pool$b retired the poisoned page" 1 "$(cat $POOLS/pool$b/retired)"
check_cmd "remove pool$a" svm-kpool remove $a
check_cmd "remove pool$b" svm-kpool remove $b

echo 0 >$T/events/svm_cxl/enable
grep ' svm_cxl_' $T/trace >/tmp/svm-trace.txt
log "$(wc -l </tmp/svm-trace.txt) svm_cxl events traced"
# expect_trace WHAT REGEX: a line of the trace matches
expect_trace() {
	grep -Eq "$2" /tmp/svm-trace.txt || fail "trace: no $1 (/$2/): $(head -n 40 /tmp/svm-trace.txt)"
	echo "ok - trace: $1: $(grep -Em1 "$2" /tmp/svm-trace.txt | sed 's/.*svm_cxl_/svm_cxl_/')"
}
expect_trace "migrate A to B" "svm_cxl_migrate: tgid=[0-9]+ start=0x[0-9a-f]+ end=0x[0-9a-f]+ dir=to_pool pool=$b moved=512 zero_filled=0 already=0 absent=0 busy=0 no_memory=0 other_pool=0 unsupported=0 huge=0 rc=0 ns=[0-9]+"
expect_trace "a pool-to-pool batch" "svm_cxl_migrate_batch: start=0x[0-9a-f]+ npages=[0-9]+ dir=to_pool p2p=1 pool=$b moved=[1-9]"
expect_trace "a batch back to RAM" "svm_cxl_migrate_batch: .* dir=to_system p2p=0 pool=0 moved=[1-9]"
expect_trace "the pinned page refused" "svm_cxl_migrate: .* dir=to_pool pool=$b moved=511 .* other_pool=1 "
expect_trace "pool$a draining" "svm_cxl_pool_state: pool=$a active -> draining"
expect_trace "an eviction pass of pool$a" "svm_cxl_evict: pool=$a mode=admin moved=0 left=0"
expect_trace "the poison" "svm_cxl_poison: pool=$b pfn=$(printf %#x $((last / 4096))) rc=0"
