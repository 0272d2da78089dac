#!/bin/sh
# The operator's word is final (topology hotplug, svm-cxld running with the built-in
# policy, which onlines every expander as a movable NUMA node):
#  1. svm-cxlctl offline + destroy-region: the region stays destroyed across reconcile
#     passes and a udev burst; 'svm-cxlctl daemon release' hands the device back and the
#     policy assembles it again.
#  2. svm-cxlctl convert to coherent: stays coherent across reconcile passes.
#  3. a region the daemon did not make, bound to device_dax with daxctl: adopted as
#     devdax, never converted, neither by a running daemon nor at a coldplug start
#     without a journal.
#  4. cxl-style destroy behind the daemon's back (sysfs, as cxl destroy-region does):
#     observed and held, not re-created.
#  5. svm-cxlctl offline, then online --mode coherent (the policy says numa): stays
#     coherent across passes, held, and the journal follows.
. svm-test.sh
. daemon-lib.sh
SN=1 M=mem0 POOLS=/sys/class/misc/svm_cxl/pools

trap 'daemon_cleanup; for r in $(regions_now); do cxl_region_destroy $r; done; rmmod svm_cxl 2>/dev/null; rmmod kmem 2>/dev/null; exit $DAEMON_RC' EXIT
check_eq "no region before the test" "" "$(regions_now)"
rm -f $SVM_CXLD_POLICY
udevd_start
daemon_start
wait_until 60 "mem0 online per policy" '[ "$(journal_phase $SN)" = online ] && numa_online_movable "$(memdev_region $M)"'
R=$(memdev_region $M)

# passes: three reconcile passes and a udev burst, then wait until the daemon is idle
passes() {
	for i in 1 2 3; do
		check_cmd "daemon reconcile" $CTL daemon reconcile >/dev/null
	done
	udevadm trigger --action=add --subsystem-match=cxl --subsystem-match=dax
	udevadm settle -t 30
	sleep 2
	check_cmd "daemon status" $CTL daemon status >/dev/null
}

## 1. offline + destroy-region
check_cmd "offline $M" $CTL offline $M >/dev/null
check_cmd "destroy-region $R" $CTL destroy-region $R >/dev/null
passes
check_eq "no region after offline + destroy-region and reconcile passes" "" "$(regions_now)"
check_eq "$M held as destroyed" "destroyed" "$($CTL daemon holds | jq -r ".[] | select(.memdev == \"$M\") | .state")"
check_eq "daemon status shows the hold" "svm-cxlctl destroy-region" \
	"$($CTL daemon status | jq -r ".holds[] | select(.memdev == \"$M\") | .by")"
out=$(svm-test-numa nobody $CTL daemon release $M 2>&1)
check_eq "unprivileged release: exit status" 5 $?
check_cmd "daemon release $M" $CTL daemon release $M
wait_until 60 "released: mem0 assembled and online again" 'R=$(memdev_region $M) && numa_online_movable "$R"'
check_eq "no hold after release" "0" "$($CTL daemon holds | jq length)"
echo "ok - offline + destroy-region stays destroyed across passes; release hands it back"

## 2. convert stays converted
modprobe svm_cxl || fail "modprobe svm_cxl"
$CTL convert $R --mode coherent >/tmp/op-convert 2>&1 ||
	{ cat /tmp/op-convert; skip_if_directmap_holes; fail "convert $R to coherent"; }
echo "ok - convert $R to coherent"
passes
check_eq "$R still coherent after passes" coherent "$($CTL list -r $R | jq -r '.[0].mode')"
region_pool $R >/dev/null || fail "$R has no pool after passes"
check_eq "$M held as coherent" coherent "$($CTL daemon holds | jq -r ".[] | select(.memdev == \"$M\") | .state")"
echo "ok - convert to coherent stays converted across passes"

## 3. a devdax region made outside svm-cxlctl
check_cmd "offline $R" $CTL offline $R >/dev/null
check_cmd "destroy-region $R" $CTL destroy-region $R >/dev/null
# let the daemon see region0 gone before a new region0 appears: a region destroyed and
# re-created under the same name between two passes looks unchanged to it
passes
# without kmem the new dax device stays unbound (with it, the kernel would online it)
rmmod kmem 2>/dev/null
grep -q '^kmem ' /proc/modules && fail "kmem still loaded"
R=$(cxl_ram_region_create $M) || fail "region assembly through sysfs failed"
dax=$(region_dax $R) || fail "no dax device for $R"
daxctl enable-device $dax >/dev/null 2>&1 || fail "daxctl enable-device $dax"
check_eq "$dax bound by daxctl" device_dax "$(basename "$(readlink /sys/bus/dax/devices/$dax/driver)")"
check_cmd "daemon release $M" $CTL daemon release $M
passes
check_eq "$dax still devdax with the daemon running" device_dax "$(basename "$(readlink /sys/bus/dax/devices/$dax/driver)")"
check_eq "journal: adopted as devdax" devdax "$(journal_field $SN mode)"
daemon_stop
rm -rf $SVM_CXLD_STATE_DIR
daemon_start
passes
check_eq "$dax still devdax after a coldplug start without journal" device_dax \
	"$(basename "$(readlink /sys/bus/dax/devices/$dax/driver)")"
grep -q "$R: found as devdax; adopted as it is (not converted)" $DLOG || fail "adoption not logged"
grep -q "$R: .*onlining as" $DLOG && fail "the daemon tried to online $R"
echo "ok - a devdax region made with daxctl stays devdax (running daemon, coldplug start)"

## 4. destroyed behind the daemon's back: observed, held, not re-created
daxctl disable-device $dax >/dev/null 2>&1 || fail "daxctl disable-device $dax"
cxl_region_destroy $R || fail "destroy $R through sysfs"
passes
check_eq "no region after a destroy the daemon did not make" "" "$(regions_now)"
check_eq "$M held as observed" observed "$($CTL daemon holds | jq -r ".[] | select(.memdev == \"$M\") | .by")"
check_cmd "daemon release $M" $CTL daemon release $M
wait_until 60 "released: mem0 assembled again" 'R=$(memdev_region $M) && numa_online_movable "$R"'
echo "ok - a destroy behind the daemon's back is held, not undone"

## 5. offline, then online in another mode than the policy's
check_cmd "offline $R" $CTL offline $R >/dev/null
check_cmd "online $R coherent" $CTL online $R --mode coherent >/dev/null
passes
check_eq "$R still coherent after passes" coherent "$($CTL list -r $R | jq -r '.[0].mode')"
region_pool $R >/dev/null || fail "$R has no pool after passes"
check_eq "$M held as coherent" coherent "$($CTL daemon holds | jq -r ".[] | select(.memdev == \"$M\") | .state")"
check_eq "journal follows the operator" "coherent online" "$(journal_field $SN mode) $(journal_phase $SN)"
echo "ok - the operator's online (coherent over a numa policy) stays across passes"

check_cmd "offline $R" $CTL offline $R >/dev/null
check_cmd "destroy $R" $CTL destroy-region $R >/dev/null
daemon_stop
kernel_log_clean || fail "kernel log shows a problem"
