#!/bin/sh
# numa-mode memory survives device removal when svm_cxl is loaded (topology hotplug):
# the module's unbind notifier asks svm-cxld (its offline agent) to offline the
# departing device's blocks and waits while pages move, with no 5 s limit.
#  1. a hot-added device online as a movable node, MIB MiB of a process there under
#     numactl --membind, QMP device_del: the process finds every byte intact, the
#     blocks are gone, the kernel never says "cannot be hotremoved".
#  2. the same with `echo memN > /sys/bus/cxl/drivers/cxl_mem/unbind` (no attention
#     button, so without the module's request nothing offlines at all).
#  3. the same, smaller, with `echo endpointN > /sys/bus/cxl/drivers/cxl_port/unbind`
#     (the daemon finds the region through the memdev below the endpoint).
# And, while device 1 is online, the boot device's memdev (no region on it) unbound
# from cxl_mem twice: with the agent, its answer is "nothing of mine there" and the
# unbind is not held; with no agent registered, the module says so at once and sends
# no request. Each time the online node is untouched. (The stall, when nothing can
# move, is daemon-numa-stall, in a boot of its own.)
# Before this path, 1 depended on the daemon's 4 s attention-button budget (too short
# for 32 MiB under TCG) and 2 lost the memory outright.
. svm-test.sh
. daemon-lib.sh
MIB=${MIB:-48}
MIB_SMALL=${MIB_SMALL:-4}
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

# hold [SIZE]: SIZE (default MIB) MiB with a pattern on $R's node; sets holder, HELD,
# BLOCKS (the region's blocks)
hold() {
	local dax start size bs b
	HELD=${1:-$MIB}
	dax=$(region_dax "$R")
	node=$(cat /sys/bus/dax/devices/$dax/target_node)
	start=$(($(cat /sys/bus/dax/devices/$dax/resource)))
	size=$(($(cat /sys/bus/dax/devices/$dax/size)))
	bs=$((0x$(cat $MEM/block_size_bytes)))
	BLOCKS=
	b=$((start / bs))
	while [ $b -lt $(((start + size) / bs)) ]; do BLOCKS="$BLOCKS memory$b"; b=$((b + 1)); done
	rm -rf /tmp/nh && mkdir -p /tmp/nh
	numactl --membind=$node svm-test-numa hold $HELD /tmp/nh >/tmp/nh/out 2>&1 &
	holder=$!
	wait_until 120 "holder ready" '[ -e /tmp/nh/ready ]'
	check_eq "holder's pages on node $node" "nodes: $node=$((HELD * 256))" "$(head -n1 /tmp/nh/out)"
}

# after_removal WHAT: the holder is alive with its data, the blocks are gone
after_removal() {
	local b
	holder_check $holder /tmp/nh "$1: $HELD MiB"
	holder=
	for b in $BLOCKS; do
		[ -e $MEM/$b ] && fail "$1: $b of the departed memory is still there ($(cat $MEM/$b/state))"
	done
	dmesg | grep -q "cannot be hotremoved" && fail "$1: the kernel kept online memory of the removed device"
	echo "ok - $1: the holder's data survived, blocks$BLOCKS gone"
}

# ksince: the kernel log since the last kmark (never dmesg -C: the harness reads it)
kmark() { KMARK=$(dmesg | wc -l); }
ksince() { dmesg | tail -n +$((KMARK + 1)); }

# unbind_boot_memdev: unbind the boot device's memdev (no region on it) from cxl_mem
# (sets MS, how long the write took), bind it again; R stays online movable
unbind_boot_memdev() {
	local t0
	t0=$(uptime_ms)
	echo "$M0" >/sys/bus/cxl/drivers/cxl_mem/unbind || fail "unbind $M0"
	MS=$(($(uptime_ms) - t0))
	echo "$M0" >/sys/bus/cxl/drivers/cxl_mem/bind || fail "bind $M0 again"
	wait_until 30 "$M0 has its endpoint again" 'memdev_endpoint $M0 >/dev/null'
	numa_online_movable "$R" || fail "$R is not online movable after the unbind of $M0"
}

## 1. device_del (attention button)
hot_online_numa 601 t3n1
M0=$(memdev_with_serial 1) || fail "no boot memdev (serial 1)"

## 1a. a departing device with no numa memory: the agent says so, nothing waits
kmark
unbind_boot_memdev
echo "# $M0 unbind with the agent registered and $R online elsewhere: $MS ms"
ksince | grep -E "svm_cxl: $M0: the offline agent has no online memory on it \(request [0-9]+\)" ||
	{ ksince | grep svm_cxl; fail "no 'no online memory on it' answer for $M0"; }
ksince | grep -q "svm_cxl: $M0 is being unbound with [0-9]* MiB of CXL memory online: offline request" ||
	fail "no offline request for $M0"
# answered, not timed out: well under the 10 s stall limit
[ "$MS" -lt 5000 ] || fail "$M0 unbind held for $MS ms with nothing to offline"
ksince | grep -q "giving up on request" && fail "a request with nothing to offline was given up"
echo "ok - the agent answered at once for $M0 (no numa memory on it), $R still online"

## 1b. no agent registered: the notifier says so at once and sends no request
echo unregister >/sys/class/misc/svm_cxl/offline_agent
check_eq "no offline agent" none "$(cat /sys/class/misc/svm_cxl/offline_agent)"
kmark
lines=$(wc -l <$DLOG)
unbind_boot_memdev
echo "# $M0 unbind with no agent: $MS ms"
ksince | grep -E "svm_cxl: $M0 is being unbound with [0-9]+ MiB of CXL memory online and no offline agent registered" ||
	{ ksince | grep svm_cxl; fail "no 'no offline agent registered' line for $M0"; }
ksince | grep -q "offline request [0-9]* to the agent" && fail "a request was sent with no agent"
tail -n +$((lines + 1)) $DLOG | grep -q "offline request" && fail "the daemon got an offline request"
[ "$MS" -lt 5000 ] || fail "$M0 unbind held for $MS ms with no agent"
echo "ok - no agent: said at once, no request, $R still online"
# the daemon registers at start (and when the module appears): restart it
daemon_stop
daemon_start
check_eq "svm-cxld is the offline agent again" "$DPID" "$(cat /sys/class/misc/svm_cxl/offline_agent)"
numa_online_movable "$R" || fail "$R not online movable after the daemon's restart"

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
hot_online_numa 602 t3n2
hold
t0=$(uptime_ms)
echo "$M" >/sys/bus/cxl/drivers/cxl_mem/unbind || fail "unbind $M"
echo "# $M unbind with $MIB MiB on the node: returned after $(($(uptime_ms) - t0)) ms"
after_removal "$M unbind"
hot_del t3n2
wait_until 30 "the daemon destroys $R" '[ ! -e $CXL/$R ]'

## 3. endpointN unbind from cxl_port (smaller: the path, not the size, is new here)
hot_online_numa 603 t3n3
hold $MIB_SMALL
ep=$(memdev_endpoint "$M") || fail "no endpoint for $M"
t0=$(uptime_ms)
echo "$ep" >/sys/bus/cxl/drivers/cxl_port/unbind || fail "unbind $ep"
echo "# $ep unbind with $MIB_SMALL MiB on the node: returned after $(($(uptime_ms) - t0)) ms"
grep -q "$R: $ep is being unbound: offlining its numa memory" $DLOG || fail "no offline for $ep"
after_removal "$ep unbind"
hot_del t3n3
wait_until 30 "the daemon destroys $R" '[ ! -e $CXL/$R ]'
kernel_log_clean || fail "kernel log shows a problem"
