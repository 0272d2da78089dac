#!/bin/sh
# online --mode coherent: the dax device is disabled, svm_cxl holds the range as a pool
# (checked in the module's sysfs and /proc/iomem), kmem loaded later does not take it; a
# process migrates a buffer into the pool; offline drains it and the buffer is intact in
# system RAM.
. svm-test.sh
. cli-lib.sh
trap 'touch /tmp/c1/go; clean_all' EXIT

modinfo svm_cxl >/dev/null 2>&1 || skip "svm_cxl.ko not installed"
$SVM_TEST_NUMA migrate 1 1 /tmp 2>/dev/null; [ $? = 77 ] && skip "built without the pool ioctls"

set -- $(memdevs)
MIB=16
region=$(cxl_ram_region_create "$@") || fail "reference region assembly failed"
dax=$(region_dax $region)
start=$(($(cat $CXL/$region/resource)))
size=$(($(cat $CXL/$region/size)))

timed $CTL online $region --mode coherent >/tmp/on.json ||
	{ skip_if_directmap_holes; fail "online coherent failed"; }
log "online coherent: $MS ms"
echo "time online-coherent $MS ms" >>/results/cli-timings
check_eq "$dax disabled" "" "$(dax_driver $dax)"
lsmod | grep -q '^svm_cxl' || fail "svm_cxl not loaded"
pool=""
for p in /sys/devices/virtual/misc/svm_cxl/pools/pool*; do
	[ "$(($(cat $p/start)))" = "$start" ] && pool=${p##*/}
done
[ -n "$pool" ] || fail "no pool starts at $(printf %#x $start)"
P=/sys/devices/virtual/misc/svm_cxl/pools/$pool
check_eq "$pool size" "$size" "$(cat $P/size)"
check_eq "$pool state" active "$(cat $P/state)"
check_eq "list mode" coherent "$($CTL list -r $region | jq -r '.[0].mode')"
check_eq "list pool" "$pool" "$($CTL list -r $region | jq -r '.[0].pool.pool')"
expect_rc 0 $CTL online $region --mode coherent
expect_msg "already"
check_eq "still one pool" 1 "$(ls -d /sys/devices/virtual/misc/svm_cxl/pools/pool* | wc -l)"
fails_unchanged 4 $CTL online $region --mode numa
# kmem must not take the range now
modprobe kmem
check_eq "$dax still disabled after kmem loads" "" "$(dax_driver $dax)"
grep -q "System RAM (kmem)" /proc/iomem && fail "kmem took CXL memory"

mkdir -p /tmp/c1
$SVM_TEST_NUMA migrate $MIB ${pool#pool} /tmp/c1 >/tmp/c1/out 2>&1 &
pid=$!
i=0
while [ ! -e /tmp/c1/ready ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
[ -e /tmp/c1/ready ] || fail "migrating process never got ready: $(cat /tmp/c1/out)"
cat /tmp/c1/out
check_eq "pages in the pool (query ioctl)" "pool: $((MIB * 256))" "$(grep '^pool:' /tmp/c1/out)"
used=$(cat $P/used)
[ "$used" -ge $((MIB * 256)) ] || fail "$pool used $used pages, expected >= $((MIB * 256))"
check_eq "list -P used_pages" "$used" "$($CTL list -P | jq ".[] | select(.pool == \"$pool\") | .used_pages")"

timed $CTL offline $region -v >/dev/null || fail "offline coherent failed"
log "offline coherent with $MIB MiB in the pool: $MS ms"
echo "time offline-coherent-16MiB $MS ms" >>/results/cli-timings
[ -e $P ] && fail "$pool still there after offline"
touch /tmp/c1/go
wait $pid || fail "buffer corrupt after the drain: $(cat /tmp/c1/out)"
cat /tmp/c1/out
grep -q "pattern: intact" /tmp/c1/out || fail "no intact pattern"
check_eq "buffer now in system RAM" "nodes: 0=$((MIB * 256))" "$(grep '^nodes:' /tmp/c1/out | tail -n1)"
expect_rc 0 $CTL offline $region
expect_msg "already offline"
expect_rc 0 $CTL destroy-region $region
kernel_log_clean || fail "kernel log"
