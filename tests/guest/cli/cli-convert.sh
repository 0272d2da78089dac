#!/bin/sh
# convert both ways with a live process's data: numa -> coherent (the process's pages on
# the CXL node move to system RAM), coherent -> numa (pages migrated into the pool are
# drained to system RAM); the data is checked by the processes themselves.
. svm-test.sh
. cli-lib.sh
trap 'touch /tmp/a/go /tmp/b/go; clean_all' EXIT

modinfo svm_cxl >/dev/null 2>&1 || skip "svm_cxl.ko not installed"
$SVM_TEST_NUMA migrate 1 1 /tmp 2>/dev/null; [ $? = 77 ] && skip "built without the pool ioctls"

set -- $(memdevs)
MIB=$(cxl_mib 16 4)
region=$(cxl_ram_region_create "$@") || fail "reference region assembly failed"
dax=$(region_dax $region)
start=$(($(cat $CXL/$region/resource)))

wait_ready() {
	local i=0
	while [ ! -e $1/ready ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	[ -e $1/ready ] || fail "process in $1 never got ready: $(cat $1/out)"
}

$CTL online $region --mode numa >/dev/null || fail "online numa"
node=$(cat $DAXBUS/devices/$dax/target_node)
mkdir -p /tmp/a /tmp/b
numactl --membind=$node $SVM_TEST_NUMA hold $MIB /tmp/a >/tmp/a/out 2>&1 &
pa=$!
wait_ready /tmp/a
check_eq "A on node $node" "nodes: $node=$((MIB * 256))" "$(head -n1 /tmp/a/out)"

timed $CTL convert $region --mode coherent -v >/dev/null ||
	{ skip_if_directmap_holes; fail "convert to coherent failed"; }
log "convert numa -> coherent with $MIB MiB: $MS ms"
echo "time convert-numa-to-coherent-${MIB}MiB $MS ms" >>/results/cli-timings
check_eq "mode" coherent "$($CTL list -r $region | jq -r '.[0].mode')"
check_eq "$dax disabled" "" "$(dax_driver $dax)"
touch /tmp/a/go
wait $pa || fail "A's data corrupt after conversion: $(cat /tmp/a/out)"
check_eq "A now on node 0" "nodes: 0=$((MIB * 256))" "$(sed -n 2p /tmp/a/out)"

pool=""
for p in /sys/devices/virtual/misc/svm_cxl/pools/pool*; do
	[ "$(($(cat $p/start)))" = "$start" ] && pool=${p##*/}
done
[ -n "$pool" ] || fail "no pool for $region"
$SVM_TEST_NUMA migrate $MIB ${pool#pool} /tmp/b >/tmp/b/out 2>&1 &
pb=$!
wait_ready /tmp/b
check_eq "B in the pool" "pool: $((MIB * 256))" "$(grep '^pool:' /tmp/b/out)"

timed $CTL convert $region --mode numa -v >/dev/null || fail "convert to numa failed"
log "convert coherent -> numa with $MIB MiB: $MS ms"
echo "time convert-coherent-to-numa-${MIB}MiB $MS ms" >>/results/cli-timings
check_eq "mode" numa "$($CTL list -r $region | jq -r '.[0].mode')"
check_eq "$dax on kmem" kmem "$(dax_driver $dax)"
for b in $(dax_blocks $dax); do
	check_eq "memory$b zone" Movable "$(cat $MEMSYS/memory$b/valid_zones)"
done
touch /tmp/b/go
wait $pb || fail "B's data corrupt after conversion: $(cat /tmp/b/out)"
grep -q "pattern: intact" /tmp/b/out || fail "B: no intact pattern"
$CTL offline $region >/dev/null || fail "offline"
$CTL destroy-region $region >/dev/null || fail "destroy"
kernel_log_clean || fail "kernel log"
