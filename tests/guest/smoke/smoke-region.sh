#!/bin/sh
# A ram region over every memdev assembles, commits and gets a dax device of the
# region's size on a CPU-less NUMA node; tearing it down releases everything.
. svm-test.sh

set -- $(memdevs)
total=0
for m in "$@"; do total=$((total + $(cat $CXL/$m/ram/size))); done

region=$(cxl_ram_region_create "$@") || fail "region assembly failed"
trap 'cxl_region_destroy $region' EXIT
r=$CXL/$region
check_eq "$region commit" 1 "$(cat $r/commit)"
check_eq "$region size" "$total" "$(($(cat $r/size)))"
check_eq "$region ways" "$#" "$(cat $r/interleave_ways)"
check_eq "$region bound to cxl_region" cxl_region "$(basename "$(readlink $r/driver)")"

start=$(($(cat $r/resource)))
wstart=$(($(cat $CXL/$ROOT_DECODER/start)))
wsize=$(($(cat $CXL/$ROOT_DECODER/size)))
[ "$start" -ge "$wstart" ] && [ $((start + total)) -le $((wstart + wsize)) ] ||
	fail "$region [$start +$total] outside the window [$wstart +$wsize]"
echo "ok - $region inside the window"
grep -q "$(printf '%x' $start)-.*: $region" /proc/iomem || fail "$region not in /proc/iomem"

dax=$(region_dax "$region") || fail "no dax device for $region"
d=/sys/bus/dax/devices/$dax
check_eq "$dax size" "$total" "$(cat $d/size)"
node=$(cat $d/target_node)
[ "$node" -ge 0 ] || fail "$dax has no target node"
case ",$(cat /sys/devices/system/node/has_cpu)," in
*",$node,"*) fail "target node $node has CPUs: not the CXL window's node" ;;
esac
check_eq "$dax target node is the window's (not node 0)" yes "$([ "$node" != 0 ] && echo yes)"
check_eq "$dax mode" devdax "$(daxctl list -d $dax | jq -r '.[0].mode')"

trap - EXIT
cxl_region_destroy "$region" || fail "teardown of $region failed"
[ -e "$r" ] && fail "$region still exists after delete"
[ -e "$d" ] && fail "$dax still exists after delete"
grep -q ": $region" /proc/iomem && fail "$region still in /proc/iomem"
for m in "$@"; do
	ep=$(memdev_endpoint "$m")
	for dec in $CXL/decoder${ep#endpoint}.*; do
		check_eq "${dec##*/} DPA released" 0 "$(($(cat $dec/dpa_size)))"
	done
done
echo "ok - $region torn down"
