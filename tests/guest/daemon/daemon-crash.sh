#!/bin/sh
# svm-cxld killed (SIGKILL) in the middle of assembling, onlining and offlining the boot
# device (serial 1), then restarted: it converges each time, with one region, no
# half-built region or leaked DPA, no half-online or half-offline node.
# The daemon's test hook SVM_CXLD_STOP_AT=PHASE makes it SIGSTOP itself right after it
# journaled PHASE; the test then leaves the half-done state a crash at that point leaves
# (written through sysfs directly), and kills it.
. svm-test.sh
. daemon-lib.sh
SN=1 M=mem0 RD=$CXL/decoder0.0

trap 'daemon_cleanup; for r in $(regions_now); do cxl_region_destroy $r; done; rmmod kmem 2>/dev/null; exit $DAEMON_RC' EXIT
check_eq "no region before the test" "" "$(regions_now)"
rm -f $SVM_CXLD_POLICY	# built-in defaults: an expander becomes a movable NUMA node
udevd_start

# wait_stopped: the daemon stopped itself at the test hook
wait_stopped() {
	wait_until 60 "svm-cxld stops at $1" "grep -q '^State:.*T' /proc/$DPID/status"
	check_eq "journal phase when stopped" "$1" "$(journal_phase $SN)"
}

kill9() {
	kill -9 $DPID
	wait $DPID 2>/dev/null
	DPID=
}

## A. killed while assembling, with a half-built region and DPA reserved
daemon_start SVM_CXLD_STOP_AT=assembling
wait_stopped assembling
name=$(journal_field $SN region)
check_eq "journaled region name is the window's next" "$name" "$(cat $RD/create_ram_region)"
echo "$name" >$RD/create_ram_region || fail "create $name"
echo 4096 >$CXL/$name/interleave_granularity
echo 1 >$CXL/$name/interleave_ways
dec=$(memdev_free_decoder $M)
echo ram >$CXL/$dec/mode
echo 268435456 >$CXL/$dec/dpa_size || fail "reserve DPA on $dec"
kill9
log "killed while assembling: $name half-built, $dec holds DPA"
daemon_start
wait_until 30 "converged after the crash while assembling" '[ "$(journal_phase $SN)" = online ]'
R=$(memdev_region $M)
check_eq "one region" "$R " "$(regions_now)"
check_eq "$R size (no DPA leaked)" 268435456 "$(($(cat $CXL/$R/size)))"
check_eq "$R blocks" "online:Movable online:Movable" "$(region_blocks $R | tr '\n' ' ' | sed 's/ $//')"
grep -q "$name: destroyed (half-built before a restart)" $DLOG || fail "half-built $name not destroyed"
grep -q "$M: released 268435456 bytes of DPA" $DLOG || fail "DPA reserved on $dec not released"
check_eq "$R committed" 1 "$(cat $CXL/$R/commit)"
echo "ok - crash while assembling: half-built $name destroyed and its DPA released, $R (the id is reused) assembled and online"

## B. killed while onlining, one block already online
daemon_stop
check_cmd "offline $M" $CTL offline $M >/dev/null
check_cmd "destroy $R" $CTL destroy-region $R >/dev/null
# offline and destroy-region hold mem0 for the operator: hand it back to the policy
check_cmd "daemon release $M" $CTL daemon release $M
daemon_start SVM_CXLD_STOP_AT=onlining
wait_stopped onlining
R=$(journal_field $SN region)
first=$(region_blocks $R | head -n1)
dax=$(ls -d $CXL/$R/dax_region*/dax*.* | head -n1)
dax=${dax##*/}
b=$(($(cat /sys/bus/dax/devices/$dax/resource) / 0x$(cat /sys/devices/system/memory/block_size_bytes)))
# the library hands a new region's dax device back from kmem (nothing onlined behind the
# daemon's back), so at the crash it is unbound; bind it to kmem with its blocks offline
# (auto_online_blocks is held at offline) to leave the half-done state of a real crash
check_eq "$dax unbound at the crash" "" "$(basename "$(readlink /sys/bus/dax/devices/$dax/driver 2>/dev/null)" 2>/dev/null)"
daxctl reconfigure-device --mode=system-ram --no-online $dax >/dev/null 2>&1 ||
	fail "daxctl reconfigure-device --mode=system-ram --no-online $dax"
check_eq "$dax on kmem" kmem "$(basename "$(readlink /sys/bus/dax/devices/$dax/driver)")"
echo online_movable >/sys/devices/system/memory/memory$b/state || fail "online memory$b"
check_eq "half-online at the crash" "online offline" "$(region_states $R)"
check_eq "auto_online_blocks held at the crash" offline "$(cat $AOB)"
check_eq "its previous value saved at the crash" "$AOB0" "$(cat $SVM_CXL_KNOB_SAVE)"
kill9
log "killed while onlining $R with one of two blocks online"
daemon_start
wait_until 30 "converged after the crash while onlining" '[ "$(journal_phase $SN)" = online ]'
check_eq "one region" "$R " "$(regions_now)"
check_eq "$R blocks" "online:Movable online:Movable" "$(region_blocks $R | tr '\n' ' ' | sed 's/ $//')"
check_eq "auto_online_blocks restored after the restart" "$AOB0" "$(cat $AOB)"
check_eq "no save file left" "" "$(ls $SVM_CXL_KNOB_SAVE 2>/dev/null)"
grep -q "auto_online_blocks restored to '$AOB0'" $DLOG || fail "the restart did not log the restore"
echo "ok - crash while onlining: $R finished, both blocks movable, auto_online_blocks back to $AOB0"

## C. killed while offlining (a request over the socket), one block already offline
daemon_stop
daemon_start SVM_CXLD_STOP_AT=offlining
svm-cxld --send '{"cmd":"offline","object":"mem0"}' >/tmp/offline-reply 2>&1 &
client=$!
wait_stopped offlining
echo offline >/sys/devices/system/memory/memory$b/state || fail "offline memory$b"
check_eq "half-offline at the crash" "offline online" "$(region_states $R)"
kill9
wait $client
check_eq "the client of the killed daemon fails" 1 $?
log "killed while offlining $R with one of two blocks offline"
daemon_start
wait_until 30 "converged after the crash while offlining" '[ "$(journal_phase $SN)" = offline ]'
check_eq "one region" "$R " "$(regions_now)"
check_eq "$R blocks online" "" "$(region_blocks $R | grep online)"
check_eq "$dax driver" "" "$(basename "$(readlink /sys/bus/dax/devices/$dax/driver 2>/dev/null)" 2>/dev/null)"
check_eq "journal after the restart" offline "$(journal_phase $SN)"
echo "ok - crash while offlining: offline finished, kmem released $dax"

daemon_stop
check_cmd "destroy $R" $CTL destroy-region $R >/dev/null
kernel_log_clean || fail "kernel log shows a problem"
