#!/bin/sh
# 2 MiB migration: on 6.19+ (deb13, Linux 7.3) with the module parameter device_thp a
# THP moves to an order-9 folio of the pool and back without being split, a pool with
# no wholly free 2 MiB chunk takes it as base pages, and a removal evicts the folio
# whole (migrate_device_pfns()); on 6.12 the same calls move base pages and the huge
# counters stay 0. Data byte for byte, pages where asked, AnonHugePages, counters.
. svm-test.sh
. ktest-lib.sh
ktest_setup
ktest_disable_dax
param=/sys/module/svm_cxl/parameters/device_thp
lines0=$(dmesg | wc -l)
if [ -e $param ]; then
	echo 1 > $param || fail "cannot set device_thp"
	echo "ok - device_thp on ($(uname -r))"
else
	echo "ok - no device_thp parameter on $(uname -r): base pages expected"
fi
M16=$((16 << 20))
p=$(ktest_pool_add $START $M16)
check_cmd "THP round trips and the base-page fallback" svm-ktest $p thpdev thpfallback
for s in huge_in huge_out huge_fallback; do
	echo "ok - pool$p stats/$s = $(cat $POOLS/pool$p/stats/$s)"
done
if [ -e $param ]; then
	[ "$(cat $POOLS/pool$p/stats/huge_in)" -ge 1536 ] || fail "stats/huge_in below 1536"
else
	check_eq "stats/huge_in on $(uname -r)" 0 "$(cat $POOLS/pool$p/stats/huge_in)"
fi
check_eq "pool$p used" 0 "$(cat $POOLS/pool$p/used)"
# A cut THP in the pool (munmap of half a folio, mprotect of 4 KiB, shrinkers, back)
# with device THP off: 7.3's core oopses splitting a device-coherent folio on the way
# back (docs/kernel.md, "Device THP"), which is why device_thp defaults to off.
[ -e $param ] && echo 0 > $param
check_cmd "a cut THP buffer (base pages)" svm-ktest $p thpsplit
[ -e $param ] && echo 1 > $param
check_cmd "removal evicts a device THP" svm-ktest $p thpdrain
[ -e $POOLS/pool$p ] && fail "pool$p still there after the removal"
dmesg | tail -n +$((lines0 + 1)) | grep -E "WARNING|BUG:|Oops" && fail "kernel warnings in dmesg"
echo "ok - no kernel warning"
