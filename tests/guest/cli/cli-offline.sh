#!/bin/sh
# offline for hot-unplug while a process holds 32 MiB (8 on a slow CXL window) on the
# CXL node.
# ZONE_MOVABLE: succeeds, the data is intact and now on node 0.
# ZONE_NORMAL: refused (the process's page tables are unmovable kernel memory there),
# the region stays online with its blocks as they were, the message says why.
# Runs last in its topology: ZONE_NORMAL memory that kernel allocations landed on cannot
# be offlined again in this boot.
. svm-test.sh
. cli-lib.sh
trap 'touch /tmp/h1/go /tmp/h2/go; clean_all' EXIT

set -- $(memdevs)
# 2048 pages to move are as good a proof as 8192, at a quarter of the emulated copies
MIB=$(cxl_mib 32 8)
region=$(cxl_ram_region_create "$@") || fail "reference region assembly failed"
dax=$(region_dax $region)

# --- movable ---
$CTL online $region --mode numa >/dev/null || fail "online numa"
node=$(cat $DAXBUS/devices/$dax/target_node)
mkdir -p /tmp/h1
numactl --membind=$node $SVM_TEST_NUMA hold $MIB /tmp/h1 >/tmp/h1/out 2>&1 &
pid=$!
i=0
while [ ! -e /tmp/h1/ready ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
[ -e /tmp/h1/ready ] || fail "holder never got ready: $(cat /tmp/h1/out)"
check_eq "holder's pages on node $node" "nodes: $node=$((MIB * 256))" "$(head -n1 /tmp/h1/out)"
grep -q " N$node=" /proc/$pid/numa_maps || fail "numa_maps of $pid shows nothing on node $node"

# preflight: what holds the memory (the holder, with its pages), without acting
$CTL offline $region --dry-run >/tmp/pf.json || fail "dry run says a movable node cannot go: $(cat /tmp/pf.json)"
cat /tmp/pf.json
check_eq "preflight names the holder" "$pid" "$(jq ".processes[] | select(.pid == $pid) | .pid" /tmp/pf.json)"
[ "$(jq ".processes[] | select(.pid == $pid) | .pages" /tmp/pf.json)" -ge $((MIB * 256)) ] ||
	fail "preflight undercounts the holder's pages"
check_eq "preflight movable blocks" "$(dax_blocks $dax | wc -l)" "$(jq .movable_memblocks /tmp/pf.json)"
check_eq "dry run changed nothing" "$dax kmem" "$dax $(dax_driver $dax)"
timed $CTL offline $region --timeout 120000 -v >/tmp/off.json 2>/tmp/off.err
rc=$?
cat /tmp/off.err
[ $rc = 0 ] || fail "offline of a movable node with $MIB MiB in use failed ($rc)"
log "offline numa movable with $MIB MiB in use: $MS ms"
echo "time offline-numa-movable-${MIB}MiB $MS ms" >>/results/cli-timings
check_eq "$dax released" "" "$(dax_driver $dax)"
for b in $(dax_blocks $dax); do
	[ -e $MEMSYS/memory$b ] && check_eq "memory$b" offline "$(cat $MEMSYS/memory$b/state)"
done
touch /tmp/h1/go
wait $pid
rc=$?
cat /tmp/h1/out
[ $rc = 0 ] || fail "holder saw corrupt data after offline"
check_eq "holder's pages now on node 0" "nodes: 0=$((MIB * 256))" "$(sed -n 2p /tmp/h1/out)"

# --- normal ---
expect_rc 0 $CTL online $region --mode numa --zone normal
expect_msg "ZONE_NORMAL"
for b in $(dax_blocks $dax); do
	check_eq "memory$b zone" Normal "$(cat $MEMSYS/memory$b/valid_zones)"
done
# what is in ZONE_NORMAL says so, and is never taken for the movable numa it is not
check_eq "list mode" numa-normal "$($CTL list -r $region | jq -r '.[0].mode')"
$CTL status | grep -q "^$region  *numa-normal " || fail "status does not say numa-normal: $($CTL status)"
echo "ok - status says numa-normal"
fails_unchanged 4 $CTL online $region --mode numa
expect_msg "ZONE_Normal, not ZONE_Movable"
expect_rc 0 $CTL online $region --mode numa --zone normal
expect_msg "already"
mkdir -p /tmp/h2
numactl --membind=$node $SVM_TEST_NUMA hold $MIB /tmp/h2 >/tmp/h2/out 2>&1 &
pid=$!
i=0
while [ ! -e /tmp/h2/ready ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
[ -e /tmp/h2/ready ] || fail "holder never got ready: $(cat /tmp/h2/out)"
fails_unchanged 4 $CTL offline $region --dry-run
expect_msg '"can_offline": false'
expect_msg "ZONE_NORMAL"
before=$(snapshot)
timed $CTL offline $region --timeout 3000 >/dev/null 2>/tmp/err.txt
rc=$?
cat /tmp/err.txt
log "refused offline (ZONE_NORMAL): $MS ms"
echo "time offline-numa-normal-refused $MS ms" >>/results/cli-timings
[ $rc = 4 ] || fail "offline of ZONE_NORMAL with pages in use: exit $rc, expected 4 (busy)"
grep -q "$region" /tmp/err.txt && grep -q "ZONE_NORMAL\|Normal" /tmp/err.txt ||
	fail "the refusal does not name the region and the zone: $(cat /tmp/err.txt)"
check_same "state unchanged after the refusal" "$before"
check_eq "$dax still kmem" kmem "$(dax_driver $dax)"
for b in $(dax_blocks $dax); do
	check_eq "memory$b still online" online "$(cat $MEMSYS/memory$b/state)"
	check_eq "memory$b still Normal" Normal "$(cat $MEMSYS/memory$b/valid_zones)"
done
touch /tmp/h2/go
wait $pid || fail "holder saw corrupt data after the refused offline: $(cat /tmp/h2/out)"
check_eq "holder's pages still on node $node" "nodes: $node=$((MIB * 256))" "$(sed -n 2p /tmp/h2/out)"

# With the holder gone its slab objects can stay on the node: ZONE_NORMAL memory with
# kernel allocations cannot be offlined until reboot (that is why movable is the default).
# This test runs last in its topology for that reason.
timed $CTL offline $region --timeout 2000 >/dev/null 2>&1
log "offline ZONE_NORMAL once idle: rc $?, $MS ms"
kernel_log_clean || fail "kernel log"
