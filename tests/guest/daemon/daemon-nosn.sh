#!/bin/sh
# Devices without a serial number (topology nosn: two type-3 devices, no sn=, both report
# serial 0): svm-cxld brings both up, journals them as two entries told apart by PCI
# address, and an operator hold on one leaves the other alone.
. svm-test.sh
. daemon-lib.sh

trap 'daemon_cleanup; for r in $(regions_now); do cxl_region_destroy $r; done; rmmod kmem 2>/dev/null; exit $DAEMON_RC' EXIT
check_eq "two memdevs" "mem0 mem1" "$(memdevs | tr '\n' ' ' | sed 's/ $//')"
check_eq "both report serial 0" "0 0" "$(($(cat $CXL/mem0/serial))) $(($(cat $CXL/mem1/serial)))"
check_eq "no region before the test" "" "$(regions_now)"
rm -f $SVM_CXLD_POLICY
udevd_start
daemon_start
wait_until 90 "both serial-0 devices online" \
	'R0=$(memdev_region mem0) && R1=$(memdev_region mem1) && numa_online_movable $R0 && numa_online_movable $R1'
[ "$R0" != "$R1" ] || fail "one region over both: $R0"
check_eq "two journal entries" 2 "$(journal | jq '.entries | length')"
check_eq "journal: two distinct hosts for serial 0" 2 \
	"$(journal | jq -r '.entries[] | select(.serials == [0]) | .hosts[0]' | sort -u | grep -c .)"
h1=$(basename "$(readlink -f $CXL/mem1/..)")
check_eq "mem1's entry has its PCI address" "$R1" \
	"$(journal | jq -r ".entries[] | select(.hosts == [\"$h1\"]) | .region")"
grep -q "journal: cannot record" $DLOG && fail "the journal refused a serial-0 device"
echo "ok - two serial-0 devices: both online, journaled apart"

gen=$(journal | jq .generation)
check_cmd "daemon reconcile" $CTL daemon reconcile
check_eq "a pass changes nothing" "$gen" "$(journal | jq .generation)"

check_cmd "offline mem1" $CTL offline mem1 >/dev/null
check_cmd "destroy-region $R1" $CTL destroy-region $R1 >/dev/null
check_cmd "daemon reconcile" $CTL daemon reconcile
check_eq "one hold" 1 "$($CTL daemon holds | jq length)"
check_eq "the hold is mem1's" "$h1" "$($CTL daemon holds | jq -r '.[0].host')"
check_eq "mem1 stays without a region" "" "$(memdev_region mem1)"
check_eq "mem0 untouched" "$R0" "$(memdev_region mem0)"
numa_online_movable $R0 || fail "$R0 no longer online movable"
echo "ok - a hold on one serial-0 device leaves the other alone"

check_cmd "daemon release mem1" $CTL daemon release mem1
wait_until 60 "mem1 back" 'R1=$(memdev_region mem1) && numa_online_movable $R1'
for m in mem0 mem1; do
	check_cmd "offline $m" $CTL offline $m >/dev/null
done
daemon_stop
kernel_log_clean || fail "kernel log shows a problem"
