#!/bin/sh
# The CXL topology the guest enumerates matches what QEMU was asked to build: every
# memdev with its capacity, the host bridges, and the fixed memory window.
. svm-test.sh

# QEMU's side, asked over QMP: type-3 devices and their backends, host bridges, window.
devices=$(qmp '{"execute":"qom-list","arguments":{"path":"/machine/peripheral"}}')
t3_ids=$(echo "$devices" | jq -r '.[] | select(.type == "child<cxl-type3>") | .name')
hb_count=$(echo "$devices" | jq '[.[] | select(.type == "child<pxb-cxl>")] | length')
window_size=$(qom_get /machine cxl-fmw | jq '.[0].size')

check_eq "memdev count" "$(echo "$t3_ids" | grep -c .)" "$(memdevs | grep -c .)"
check_eq "memdev count (harness)" "$SVM_CXL_MEMDEVS" "$(memdevs | grep -c .)"

for id in $t3_ids; do
	sn=$(qom_get "/machine/peripheral/$id" sn)
	backend=$(qom_get "/machine/peripheral/$id" volatile-memdev | jq -r .)
	want=$(qom_get "$backend" size)
	m=$(cxl list -M | jq -r ".[] | select(.serial == $sn) | .memdev")
	[ -n "$m" ] || fail "no memdev with serial $sn (QEMU device $id)"
	check_eq "$m (sn $sn) ram size" "$want" "$(cxl list -m "$m" | jq '.[0].ram_size')"
	check_eq "$m ram size in sysfs" "$want" "$(($(cat $CXL/$m/ram/size)))"
	memdev_endpoint "$m" >/dev/null || fail "$m has no endpoint port"
done

rd=$CXL/$ROOT_DECODER
[ -e "$rd" ] || fail "no root decoder $ROOT_DECODER"
check_eq "root decoder size" "$window_size" "$(($(cat $rd/size)))"
check_eq "root decoder targets (host bridges)" "$hb_count" "$(tr ',' '\n' <$rd/target_list | grep -c .)"
check_eq "root decoder interleave ways" "$hb_count" "$(cat $rd/interleave_ways)"
check_eq "root decoder ram capable" 1 "$(cat $rd/cap_ram)"
[ -e "$rd/create_ram_region" ] || fail "root decoder cannot create ram regions"
grep -q "CXL Window 0" /proc/iomem || fail "no CXL Window in /proc/iomem"
echo "ok - topology"
