#!/bin/sh
# libsvmcxl-mem on a real pool: a region onlined coherent by svm-cxlctl, found by name
# (as root and as an unprivileged user), allocation on the device with no RAM growth,
# data byte for byte, migration both ways, errors, threads; the example program.
. svm-test.sh
. cli-lib.sh
trap clean_all EXIT

modinfo svm_cxl >/dev/null 2>&1 || skip "svm_cxl.ko not installed"

region=$(cxl_ram_region_create $(memdevs)) || fail "reference region assembly failed"
start=$(($(cat $CXL/$region/resource)))
$CTL online $region --mode coherent >/dev/null || fail "online $region --mode coherent"
pool=""
for p in /sys/devices/virtual/misc/svm_cxl/pools/pool*; do
	[ "$(($(cat $p/start)))" = "$start" ] && pool=${p##*/pool}
done
[ -n "$pool" ] || fail "no pool starts at $(printf %#x $start)"
log "$region is pool$pool"

timed svm-mem-test basic $region $pool || fail "svm-mem-test basic"
log "basic: $MS ms"
timed svm-mem-test threads $region || fail "svm-mem-test threads"
log "threads: $MS ms"
svm-test-numa nobody svm-mem-test unprivileged $region $pool || fail "svm-mem-test unprivileged"
timed svm-mem-example $region 1 >/tmp/example.out || fail "svm-mem-example: $(cat /tmp/example.out)"
log "example: $MS ms"
out=$(cat /tmp/example.out)
echo "$out"
echo "$out" | grep -q "allocated: 256 pages: 256 on a pool" || fail "example: not on the pool"
echo "$out" | grep -q "data intact" || fail "example: data"
check_eq "pool$pool used after the test" 0 "$(cat /sys/devices/virtual/misc/svm_cxl/pools/pool$pool/used)"

$CTL offline $region >/dev/null || fail "offline $region"
kernel_log_clean || fail "kernel log"
