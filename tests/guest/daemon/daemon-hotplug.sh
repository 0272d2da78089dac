#!/bin/sh
# svm-cxld on real hotplug (topology hotplug): QMP device_add of a type-3 device into the
# empty root port rp1 while the daemon listens to udev.
#  1. default policy: the device comes up as a movable NUMA node; hotplug-to-online
#     latency printed; a burst of `udevadm trigger --action=add` changes nothing.
#  2. orderly removal: svm-cxlctl offline, then device_del: the daemon destroys the
#     region the device left, nothing stays behind.
#  2b. device_del of a numa device without offline: the daemon sees the attention
#     button press and offlines inside the 5 s window.
#  3. a serial-number rule: the next device comes up as a coherent pool; a process
#     moves 16 MiB there; device_del (attention button): svm_cxl's unbind notifier
#     evicts, the data is intact, the daemon cleans up.
. svm-test.sh
. daemon-lib.sh
POOLS=/sys/class/misc/svm_cxl/pools
SN_NUMA=501 SN_COH=4660

grep -q '^svm_cxl ' /proc/modules && fail "svm_cxl loaded before the test"
trap 'daemon_cleanup; kill $monitor 2>/dev/null; rmmod svm_cxl 2>/dev/null; rmmod kmem 2>/dev/null; exit $DAEMON_RC' EXIT
before_regions=$(regions_now)
cat >$SVM_CXLD_POLICY <<'POL'
# the boot device belongs to the other tests of this topology
[rule "boot-device"]
serial = 1
mode = ignore

[rule "accelerator"]
serial = 0x1234
mode = coherent
POL
udevd_start
daemon_start
check_eq "boot device left alone (no region over mem0)" "" "$(memdev_region mem0)"
svm-cxlctl monitor >/tmp/hp-monitor.out 2>&1 &
monitor=$!

# hot_online SERIAL ID CHECK: device_add, wait until CHECK REGION holds; sets M, R, LAT
hot_online() {
	local t0 deadline
	t0=$(uptime_ms)
	hot_add "$2" "$1"
	deadline=$((t0 + 60000))
	while [ "$(uptime_ms)" -lt $deadline ]; do
		M=$(memdev_with_serial "$1") && R=$(memdev_region "$M") && "$3" "$R" && break
		sleep 0.1
	done
	[ "$(uptime_ms)" -lt $deadline ] || { cat $DLOG; fail "serial $1 not online within 60 s of device_add"; }
	LAT=$(($(uptime_ms) - t0))
}

## 1. numa by default
hot_online $SN_NUMA t3d1 numa_online_movable
echo "# hotplug-to-online latency (numa, device_add to every block online movable): $LAT ms"
check_eq "$R committed" 1 "$(cat $CXL/$R/commit)"
dax=$(region_dax $R)
check_eq "$dax driver" kmem "$(basename "$(readlink /sys/bus/dax/devices/$dax/driver)")"
check_eq "$R blocks" "online:Movable online:Movable" "$(region_blocks $R | tr '\n' ' ' | sed 's/ $//')"
wait_until 10 "journal says online" '[ "$(journal_phase $SN_NUMA)" = online ]'
check_eq "journal mode" numa "$(journal_field $SN_NUMA mode)"
check_eq "journal region" "$R" "$(journal_field $SN_NUMA region)"

# burst of synthetic add events: one owner, no duplicate region, no error
gen=$(journal | jq .generation)
lines=$(wc -l <$DLOG)
for i in 1 2 3; do
	udevadm trigger --action=add --subsystem-match=cxl --subsystem-match=dax --subsystem-match=memory
done
udevadm settle -t 30
sleep 2
wait_until 20 "daemon idle after the burst" 'svm-cxld --send "{\"cmd\":\"status\"}" >/dev/null'
check_eq "regions after the burst" "$before_regions$R " "$(regions_now)"
check_eq "journal entries after the burst" 2 "$(journal | jq '.entries | length')"
check_eq "journal unchanged by the burst (generation)" "$gen" "$(journal | jq .generation)"
tail -n +$((lines + 1)) $DLOG | grep -E 'error|warning' && fail "the burst caused errors or warnings"
echo "ok - burst of udevadm trigger: one region, no new journal step, no error"

## 2. orderly removal
check_cmd "svm-cxlctl offline $M" $CTL offline $M >/dev/null
check_eq "$R blocks after offline" "" "$(region_blocks $R | grep online)"
wait_until 10 "journal says offline" '[ "$(journal_phase $SN_NUMA)" = offline ]'
hot_del t3d1
wait_until 20 "the daemon destroys $R" '[ ! -e $CXL/$R ]'
wait_until 10 "journal entry dropped" '[ -z "$(journal_phase $SN_NUMA)" ]'
check_eq "regions after orderly removal" "$before_regions" "$(regions_now)"
grep -q "$R: destroyed (its device is gone)" $DLOG || fail "no destroy logged"
echo "ok - offline + device_del: no stale region, no journal entry"

## 2b. attention-button removal of a NUMA-mode device without an offline first: the
## daemon sees the button press in the kernel log and offlines within the 5 s
hot_online 502 t3d3 numa_online_movable
echo "# hotplug-to-online latency (numa, second device): $LAT ms"
wait_until 10 "journal says online" '[ "$(journal_phase 502)" = online ]'
hot_del t3d3
grep -q "$R: attention button on .*: offlining its numa memory" $DLOG || fail "button press not acted on"
grep -q "$R: offline on request in" $DLOG || fail "$R not offlined before the slot powered off"
dmesg | grep -q "cannot be hotremoved" && fail "the kernel kept online memory of the removed device"
wait_until 20 "the daemon destroys $R" '[ ! -e $CXL/$R ]'
check_eq "regions after button removal" "$before_regions" "$(regions_now)"
echo "ok - device_del of a numa device: offlined in the attention-button window, nothing left"

## 3. coherent by serial rule, removal with data on the device
hot_online $SN_COH t3d2 region_has_pool
echo "# hotplug-to-online latency (coherent, device_add to pool active): $LAT ms"
check_eq "journal rule" accelerator "$(journal_field $SN_COH rule)"
check_eq "journal mode" coherent "$(journal_field $SN_COH mode)"
p=$(region_pool $R)
check_eq "pool$p size" "$(($(cat $CXL/$R/size)))" "$(($(cat $POOLS/pool$p/size)))"
check_eq "pool$p state" active "$(cat $POOLS/pool$p/state)"

rm -f /tmp/ktest-ready /tmp/ktest-go
svm-ktest $p hold >/tmp/hold.log 2>&1 &
holder=$!
wait_until 60 "holder ready" '[ -e /tmp/ktest-ready ]'
check_eq "pages on the device before removal" 4096 "$(cat $POOLS/pool$p/used)"
hot_del t3d2
dmesg | grep -q "pool$p: CXL device .* is being unbound: evicted 4096 pages" ||
	fail "no eviction by the unbind notifier"
touch /tmp/ktest-go
wait $holder
rc=$?
cat /tmp/hold.log
check_eq "holder's 16 MiB intact after device_del" 0 $rc
wait_until 20 "the daemon destroys $R" '[ ! -e $CXL/$R ]'
check_eq "regions after removal" "$before_regions" "$(regions_now)"
check_eq "journal after removal" 1 "$(journal | jq '.entries | length')"

## what svm-cxlctl monitor saw
kill $monitor
ev() { jq -c "select(.event == \"$1\") | $2" /tmp/hp-monitor.out | tr '\n' ' ' | sed 's/ $//'; }
check_eq "monitor: devices added" '[501] [502] [4660]' "$(ev device-added .serials)"
check_eq "monitor: regions online" '"numa" "numa" "coherent"' "$(ev region-online .mode)"
check_eq "monitor: region offline (operator, button)" '[501] [502]' "$(ev region-offline .serials)"
check_eq "monitor: regions destroyed" '[501] [502] [4660]' "$(ev region-destroyed .serials)"
jq -c 'select(.event == "pool" and .used == 4096 and .pages == 65536)' /tmp/hp-monitor.out | grep -q . ||
	fail "monitor: no pool counters with the holder's 4096 pages: $(cat /tmp/hp-monitor.out)"
echo "ok - monitor: pool counters with 4096 of 65536 pages in use"
kernel_log_clean || fail "kernel log shows a problem"
