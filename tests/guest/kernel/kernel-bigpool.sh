#!/bin/sh
# A pool of 130 GiB (topology bigpool): more than the old allocator could index (its
# kmalloc'd bitmap stopped at 128 GiB), with the memmap on the device (vmem_altmap).
# Checks the pool's sizes in sysfs, that system RAM did not pay for the 2 GiB of
# struct pages, migration both ways with data checked byte for byte, THPs left whole,
# and a drain of a huge, almost empty pool while three processes hold data there.
. svm-test.sh
. ktest-lib.sh
range=$(sed -n 's/^ *\([0-9a-f]*\)-\([0-9a-f]*\) : Persistent Memory (legacy)$/\1 \2/p' /proc/iomem | head -1)
[ -n "$range" ] || fail "no legacy pmem range (memmap= in the topology)"
set -- $range
START=$((0x$1)) LEN=$((0x$2 - 0x$1 + 1))
[ $LEN -gt $((128 << 30)) ] || fail "legacy pmem range is $LEN bytes, not more than 128 GiB"
log "legacy pmem range $(printf %#x $START), $((LEN >> 30)) GiB"

cleanup() {
	local p rc=$?
	for p in $POOLS/pool*; do
		[ -e "$p" ] && svm-kpool remove "${p##*/pool}" >/dev/null
	done
	grep -q '^svm_cxl ' /proc/modules && rmmod svm_cxl
	exit $rc
}
modprobe svm_cxl allow_any_range=1 memmap_on_device=1 || fail "modprobe"
trap cleanup EXIT

free0=$(sed -n 's/^MemFree: *\([0-9]*\) kB/\1/p' /proc/meminfo)
t0=$(date +%s)
p=$(ktest_pool_add $START $LEN)
t1=$(date +%s)
free1=$(sed -n 's/^MemFree: *\([0-9]*\) kB/\1/p' /proc/meminfo)
d=$POOLS/pool$p
pages=$((LEN / 4096))
memmap=$(cat $d/memmap_pages)
log "pool$p: $pages pages, memmap $memmap pages on the device, added in $((t1 - t0)) s"
check_eq "pool$p size" $LEN "$(cat $d/size)"
check_eq "pool$p pages" $pages "$(cat $d/pages)"
# 64 bytes of struct page per 4 KiB page, in 2 MiB blocks per 128 MiB section, + 1 block
[ "$memmap" -ge $((pages / 64)) ] && [ "$memmap" -le $((pages / 64 + 1024)) ] ||
	fail "memmap_pages $memmap is not about 1/64 of $pages"
check_eq "pool$p free" $((pages - memmap)) "$(cat $d/free)"
check_eq "pool$p used" 0 "$(cat $d/used)"
used_kb=$((free0 - free1))
log "system RAM used by the pool add: $used_kb kB (a memmap in RAM would be $((pages / 64 * 4)) kB)"
[ $used_kb -lt $((256 << 10)) ] || fail "the pool add took $used_kb kB of system RAM"

check_cmd "migration on a 130 GiB pool" svm-ktest $p big roundtrip thp
check_eq "pool$p used after the buffers are gone" 0 "$(cat $d/used)"
# t_drain removes the pool while three processes hold 4 MiB each in it.
check_cmd "drain of a 130 GiB pool" svm-ktest $p drain
[ -e $d ] && fail "pool$p still there after the drain"
check_cmd "rmmod svm_cxl" rmmod svm_cxl
kernel_log_clean || fail "kernel log shows a problem"
