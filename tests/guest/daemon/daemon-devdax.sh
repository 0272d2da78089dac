#!/bin/sh
# Policy mode devdax (topology hotplug): the daemon assembles the boot device and binds
# its dax device to device_dax through libdaxctl (new_id, which a CXL dax device needs:
# a plain bind fails with ENODEV), with kmem loaded (the new device binds to kmem first
# and must be released) and, after that, without it.
. svm-test.sh
. daemon-lib.sh
SN=1 M=mem0

trap 'daemon_cleanup; for r in $(regions_now); do cxl_region_destroy $r; done; rmmod kmem 2>/dev/null; exit $DAEMON_RC' EXIT
check_eq "no region before the test" "" "$(regions_now)"
printf '[defaults]\nexpander = devdax\n' >$SVM_CXLD_POLICY
udevd_start
for with_kmem in yes no; do
	if [ $with_kmem = yes ]; then
		modprobe kmem || fail "modprobe kmem"
	else
		rmmod kmem 2>/dev/null
		grep -q '^kmem ' /proc/modules && fail "kmem still loaded"
	fi
	rm -rf $SVM_CXLD_STATE_DIR
	daemon_start
	wait_until 60 "journal says online (kmem loaded: $with_kmem)" '[ "$(journal_phase $SN)" = online ]'
	R=$(memdev_region $M) || fail "no region over $M"
	dax=$(region_dax $R) || fail "no dax device for $R"
	check_eq "journal mode" devdax "$(journal_field $SN mode)"
	check_eq "$dax bound to device_dax (kmem loaded: $with_kmem)" device_dax \
		"$(basename "$(readlink /sys/bus/dax/devices/$dax/driver)")"
	check_eq "daxctl: mode devdax" devdax "$(daxctl list -d $dax | jq -r '.[0].mode')"
	[ -c /dev/$dax ] || fail "/dev/$dax is not a character device"
	check_eq "no block of $R online" "" "$(region_blocks $R | grep '^online')"
	grep -q "onlining as devdax .* failed" $DLOG && fail "devdax failed: $(grep failed $DLOG)"
	echo "ok - mode devdax: $dax on device_dax, no memory online (kmem loaded: $with_kmem)"
	daemon_stop
	check_cmd "destroy $R" $CTL destroy-region $R >/dev/null
	check_cmd "daemon release $M" $CTL daemon release $M
done
kernel_log_clean || fail "kernel log shows a problem"
