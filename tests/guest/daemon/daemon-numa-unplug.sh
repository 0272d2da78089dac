#!/bin/sh
# numa-mode memory survives device removal when svm_cxl is loaded (topology hotplug):
# the module's unbind notifier asks svm-cxld (its offline agent) to offline the
# departing device's blocks and waits while pages move, with no 5 s limit.
#  1. a hot-added device online as a movable node, MIB MiB of a process there under
#     numactl --membind, QMP device_del: the process finds every byte intact, the
#     blocks are gone, the kernel never says "cannot be hotremoved".
#  2. the same with `echo memN > /sys/bus/cxl/drivers/cxl_mem/unbind` (no attention
#     button, so without the module's request nothing offlines at all).
# Before this path, 1 depended on the daemon's 4 s attention-button budget (too short
# for 32 MiB under TCG) and 2 lost the memory outright.
. svm-test.sh
. daemon-lib.sh
MIB=${MIB:-48}
MEM=/sys/devices/system/memory

grep -q '^svm_cxl ' /proc/modules && fail "svm_cxl loaded before the test"
trap 'daemon_cleanup; kill $holder 2>/dev/null; rmmod svm_cxl 2>/dev/null; rmmod kmem 2>/dev/null; exit $DAEMON_RC' EXIT
cat >$SVM_CXLD_POLICY <<'POL'
[rule "boot-device"]
serial = 1
mode = ignore
POL
modprobe svm_cxl || fail "modprobe svm_cxl"
udevd_start
daemon_start
check_eq "svm-cxld is svm_cxl's offline agent" "$DPID" "$(cat /sys/class/misc/svm_cxl/offline_agent)"

# hot_online SERIAL ID: device_add, wait until its region is online movable; sets M, R
hot_online() {
	local deadline=$(($(uptime_ms) + 60000))
	hot_add "$2" "$1"
	while [ "$(uptime_ms)" -lt $deadline ]; do
		M=$(memdev_with_serial "$1") && R=$(memdev_region "$M") && numa_online_movable "$R" && break
		sleep 0.1
	done
	[ "$(uptime_ms)" -lt $deadline ] || { cat $DLOG; fail "serial $1 not online within 60 s"; }
}

# hold: MIB MiB with a pattern on $R's node; sets holder, BLOCKS (the region's blocks)
hold() {
	local dax start size bs b
	dax=$(region_dax "$R")
	node=$(cat /sys/bus/dax/devices/$dax/target_node)
	start=$(($(cat /sys/bus/dax/devices/$dax/resource)))
	size=$(($(cat /sys/bus/dax/devices/$dax/size)))
	bs=$((0x$(cat $MEM/block_size_bytes)))
	BLOCKS=
	b=$((start / bs))
	while [ $b -lt $(((start + size) / bs)) ]; do BLOCKS="$BLOCKS memory$b"; b=$((b + 1)); done
	rm -rf /tmp/nh && mkdir -p /tmp/nh
	numactl --membind=$node svm-test-numa hold $MIB /tmp/nh >/tmp/nh/out 2>&1 &
	holder=$!
	wait_until 120 "holder ready" '[ -e /tmp/nh/ready ]'
	check_eq "holder's pages on node $node" "nodes: $node=$((MIB * 256))" "$(head -n1 /tmp/nh/out)"
}

# after_removal WHAT: the holder is alive with its data, the blocks are gone
after_removal() {
	local b
	kill -0 $holder 2>/dev/null || { cat /tmp/nh/out; fail "$1: the holder died"; }
	touch /tmp/nh/go
	wait $holder
	rc=$?
	holder=
	cat /tmp/nh/out
	check_eq "$1: holder's $MIB MiB intact, byte for byte" 0 $rc
	grep -q "pattern: intact" /tmp/nh/out || fail "$1: no intact pattern reported"
	for b in $BLOCKS; do
		[ -e $MEM/$b ] && fail "$1: $b of the departed memory is still there ($(cat $MEM/$b/state))"
	done
	dmesg | grep -q "cannot be hotremoved" && fail "$1: the kernel kept online memory of the removed device"
	echo "ok - $1: the holder's data survived, blocks$BLOCKS gone"
}

## 1. device_del (attention button)
hot_online 601 t3n1
hold
lines=$(wc -l <$DLOG)
t0=$(uptime_ms)
hot_del t3n1
echo "# device_del with $MIB MiB on the node: device gone after $(($(uptime_ms) - t0)) ms"
grep -q "$R: .* is being unbound: offlining its numa memory" $DLOG || fail "no offline request acted on"
grep -E "numa memory offline in [0-9]+ ms, before the device went" $DLOG | tail -n1
dmesg | grep -E "svm_cxl: .*(offline request|is offline \()" | tail -n 3
after_removal "device_del"
wait_until 30 "the daemon destroys $R" '[ ! -e $CXL/$R ]'

## 2. memN unbind from cxl_mem
hot_online 602 t3n2
hold
t0=$(uptime_ms)
echo "$M" >/sys/bus/cxl/drivers/cxl_mem/unbind || fail "unbind $M"
echo "# $M unbind with $MIB MiB on the node: returned after $(($(uptime_ms) - t0)) ms"
after_removal "$M unbind"
hot_del t3n2
wait_until 30 "the daemon destroys $R" '[ ! -e $CXL/$R ]'
kernel_log_clean || fail "kernel log shows a problem"
