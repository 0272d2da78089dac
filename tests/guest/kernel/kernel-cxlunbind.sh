#!/bin/sh
# Every way the CXL core can take a region's decoding away while a process holds
# 16 MiB in a pool on it keeps every byte (review C2). Unbinding the memdev from
# cxl_mem, `cxl disable-memdev`, and unbinding its endpoint from cxl_port reset the HDM
# decoders before the region's driver is released, so the region notifier alone
# would "evict" undecoded memory; the CXL bus notifier must drain on the memdev or
# port event itself. `cxl disable-region` goes through the region notifier, and
# `rmmod cxl_pci` through the PCI one. After each case the device is bound again and a
# fresh region built, so the next case starts from scratch.
. svm-test.sh
. ktest-lib.sh
ktest_setup
MEM=$(memdevs | head -n1)

# new_region: a region over every memdev, dax off (ktest_setup made the first one)
new_region() {
	local i=0
	while ! memdev_free_decoder "$MEM" >/dev/null 2>&1 && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	REGION=$(cxl_ram_region_create $(memdevs)) || fail "region assembly failed"
	DAX=$(region_dax "$REGION") || fail "no dax device for $REGION"
	START=$(($(cat $CXL/$REGION/resource)))
	SIZE=$(($(cat $CXL/$REGION/size)))
}

# hold_start: a pool on $REGION, 16 MiB of a process in it
hold_start() {
	local i=0
	ktest_disable_dax
	p=$(ktest_pool_add $START $SIZE)
	rm -f /tmp/ktest-ready /tmp/ktest-go
	svm-ktest $p hold >/tmp/hold.log 2>&1 &
	holder=$!
	while [ ! -e /tmp/ktest-ready ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
	[ -e /tmp/ktest-ready ] || { cat /tmp/hold.log; fail "holder not ready"; }
	check_eq "pages in pool$p before" 4096 "$(cat $POOLS/pool$p/used)"
	dmesg -c >/dev/null
}

# hold_check WHAT WHO: the pool went, evicted by the notifier of WHO, the data is whole
hold_check() {
	local rc
	[ -e $POOLS/pool$p ] && fail "$1: pool$p survived"
	dmesg | grep -q "pool$p: $2 is being unbound: evicted 4096 pages" ||
		{ dmesg | grep svm_cxl; fail "$1: no eviction logged for $2"; }
	touch /tmp/ktest-go
	wait $holder
	rc=$?
	cat /tmp/hold.log
	check_eq "$1: holder found every byte of 16 MiB in system RAM" 0 $rc
}

# 1. memdev unbound from cxl_mem
hold_start
echo "$MEM" >/sys/bus/cxl/drivers/cxl_mem/unbind || fail "unbind $MEM"
hold_check "$MEM unbound from cxl_mem" "CXL $MEM"
echo "$MEM" >/sys/bus/cxl/drivers/cxl_mem/bind || fail "bind $MEM"
cxl_region_destroy "$REGION"
new_region

# 2. its endpoint unbound from cxl_port
ep=$(memdev_endpoint "$MEM") || fail "no endpoint for $MEM"
hold_start
echo "$ep" >/sys/bus/cxl/drivers/cxl_port/unbind || fail "unbind $ep"
hold_check "$ep unbound from cxl_port" "CXL $ep"
# Binding the endpoint again re-enumerates its decoders; if cxl_port will not take it
# back, a memdev rebind builds a new endpoint.
echo "$ep" >/sys/bus/cxl/drivers/cxl_port/bind 2>/dev/null || {
	log "rebinding $ep failed; rebinding $MEM instead"
	echo "$MEM" >/sys/bus/cxl/drivers/cxl_mem/unbind 2>/dev/null
	echo "$MEM" >/sys/bus/cxl/drivers/cxl_mem/bind || fail "bind $MEM"
}
cxl_region_destroy "$REGION"
new_region

# 3. cxl disable-memdev (forced: the region is active)
hold_start
cxl disable-memdev --force "$MEM" >/dev/null 2>&1 || fail "cxl disable-memdev $MEM"
hold_check "cxl disable-memdev $MEM" "CXL $MEM"
cxl enable-memdev "$MEM" >/dev/null 2>&1 || fail "cxl enable-memdev $MEM"
cxl_region_destroy "$REGION"
new_region

# 4. cxl disable-region
hold_start
cxl disable-region "$REGION" >/dev/null 2>&1 || fail "cxl disable-region $REGION"
hold_check "cxl disable-region $REGION" "CXL $REGION"
cxl_region_destroy "$REGION"
new_region

# 5. rmmod cxl_pci
hold_start
pci=$(basename "$(readlink -f $CXL/$MEM/..)")
rmmod cxl_pci || fail "rmmod cxl_pci"
hold_check "rmmod cxl_pci" "CXL device $pci"
modprobe cxl_pci || fail "modprobe cxl_pci"
i=0
while ! memdev_endpoint "$MEM" >/dev/null 2>&1 && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
memdev_endpoint "$MEM" >/dev/null || fail "$MEM did not come back after modprobe cxl_pci"
cxl_region_destroy "$REGION"
REGION=
kernel_log_clean || fail "kernel log shows a problem"
check_cmd "rmmod svm_cxl" rmmod svm_cxl
