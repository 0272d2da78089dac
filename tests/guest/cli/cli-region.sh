#!/bin/sh
# create-region / destroy-region over every memdev, checked against sysfs, cxl list and
# /proc/iomem; list JSON validated with jq against sysfs; a half-built region (what a
# removed device or an interrupted tool leaves) is found by doctor and cleaned up.
. svm-test.sh
. cli-lib.sh
trap clean_all EXIT

set -- $(memdevs)
total=0
for m in "$@"; do total=$((total + $(cat $CXL/$m/ram/size))); done
# give the memdevs in reverse order: the library must sort them into window order
rev=""
for m in "$@"; do rev="$m $rev"; done

timed $CTL create-region $rev >/tmp/create.json || fail "create-region $rev failed"
log "create-region: $MS ms"
echo "time create-region $MS ms" >>/results/cli-timings
region=$(jq -r .region /tmp/create.json)
r=$CXL/$region
check_eq "$region commit" 1 "$(cat $r/commit)"
check_eq "$region size" "$total" "$(($(cat $r/size)))"
check_eq "$region ways" "$#" "$(cat $r/interleave_ways)"
check_eq "$region bound" cxl_region "$(basename "$(readlink $r/driver)")"
i=0
for m in $(memdevs_in_window_order "$@"); do
	dec=$(cat $r/target$i)
	ep=$(memdev_endpoint $m)
	check_eq "target$i is $m's decoder" "${ep#endpoint}" "$(echo ${dec#decoder} | cut -d. -f1)"
	i=$((i + 1))
done
start=$(($(cat $r/resource)))
grep -q "$(printf '%x' $start)-.*: $region" /proc/iomem || fail "$region not in /proc/iomem"
# the cxl tool's own view
check_eq "cxl list size" "$total" "$(cxl list -R -r $region | jq '.[0].size')"
check_eq "cxl list resource" "$start" "$(cxl list -R -r $region | jq '.[0].resource')"

# list JSON vs sysfs (shaped like cxl list: the default lists memdevs and regions as
# [{"memdevs": [...]}, {"regions": [...]}]; one type alone is a plain array)
$CTL list >/tmp/list.json || fail "list failed"
check_eq "list: memdevs and regions" '["memdevs","regions"]' "$(jq -c 'map(keys[0])' /tmp/list.json)"
$CTL list -R -T >/tmp/list.json || fail "list -R -T failed"
check_eq "list: regions" 1 "$(jq 'length' /tmp/list.json)"
check_eq "list: region resource" "$start" "$(jq ".[0].resource" /tmp/list.json)"
check_eq "list: region size" "$total" "$(jq ".[0].size" /tmp/list.json)"
check_eq "list: ways" "$#" "$(jq ".[0].interleave_ways" /tmp/list.json)"
check_eq "list: granularity" "$(cat $r/interleave_granularity)" "$(jq ".[0].interleave_granularity" /tmp/list.json)"
check_eq "list: decode_state" commit "$(jq -r ".[0].decode_state" /tmp/list.json)"
check_eq "list: enabled (no state key)" null "$(jq ".[0].state" /tmp/list.json)"
check_eq "list: mode" offline "$(jq -r ".[0].mode" /tmp/list.json)"
# the same keys and values as cxl list -R -T (ours come on top)
for k in region resource size interleave_ways interleave_granularity decode_state; do
	check_eq "list: $k as cxl list has it" "$(cxl list -R -T -r $region | jq -c ".[0].$k")" "$(jq -c ".[0].$k" /tmp/list.json)"
done
# cxl lists mappings in libcxl's enumeration order, we in position order: same entries
check_eq "list: mappings as cxl list has them" "$(cxl list -R -T -r $region | jq -c '.[0].mappings | sort_by(.position)')" \
	"$(jq -c '.[0].mappings' /tmp/list.json)"
i=0
while [ $i -lt $# ]; do
	check_eq "list: target$i" "$(cat $r/target$i)" "$(jq -r ".[0].mappings[$i].decoder" /tmp/list.json)"
	i=$((i + 1))
done
dax=$(region_dax $region) || fail "no dax device"
check_eq "list: dax" "$dax" "$(jq -r ".[0].dax.chardev" /tmp/list.json)"
check_eq "list: target node" "$(cat $DAXBUS/devices/$dax/target_node)" "$(jq ".[0].dax.target_node" /tmp/list.json)"
check_eq "list: dax mode as daxctl says" "$(daxctl list -d $dax | jq -r '.[0].mode')" "$(jq -r ".[0].dax.mode" /tmp/list.json)"
$CTL list -M >/tmp/list.json || fail "list -M failed"
check_eq "list: memdevs" "$#" "$(jq 'length' /tmp/list.json)"
for m in "$@"; do
	check_eq "list: $m serial" "$(($(cat $CXL/$m/serial)))" "$(jq ".[] | select(.memdev == \"$m\") | .serial" /tmp/list.json)"
	check_eq "list: $m serial as cxl list" "$(cxl list -m $m | jq '.[0].serial')" "$(jq ".[] | select(.memdev == \"$m\") | .serial" /tmp/list.json)"
	check_eq "list: $m ram_size" "$(($(cat $CXL/$m/ram/size)))" "$(jq ".[] | select(.memdev == \"$m\") | .ram_size" /tmp/list.json)"
	check_eq "list: $m host" "$(basename "$(dirname "$(readlink -f $CXL/$m)")")" "$(jq -r ".[] | select(.memdev == \"$m\") | .host" /tmp/list.json)"
	check_eq "list: $m region" "$region" "$(jq -r ".[] | select(.memdev == \"$m\") | .region" /tmp/list.json)"
done
# filters, cross-object filters
check_eq "list -r id" "$region" "$($CTL list -r ${region#region} | jq -r '.[0].region')"
check_eq "list -r all" 1 "$($CTL list -r all | jq length)"
check_eq "list -m $1" "$1" "$($CTL list -m $1 | jq -r '.[0].memdev')"
check_eq "list -m $1 -R" "$region" "$($CTL list -m $1 -R | jq -r '.[0].region')"
check_eq "list -s SERIAL" "$1" "$($CTL list -s $(($(cat $CXL/$1/serial))) | jq -r '.[0].memdev')"
check_eq "list -r $region -M" "$(echo "$@" | tr ' ' '\n' | sort | tr '\n' ' ')" "$($CTL list -r $region -M | jq -r '.[].memdev' | sort | tr '\n' ' ')"
check_eq "list -r $region -D" "$ROOT_DECODER" "$($CTL list -r $region -D | jq -r '.[0].decoder')"
check_eq "list -D targets" "$(cat $CXL/$ROOT_DECODER/target_list | tr ',' '\n' | wc -l)" "$($CTL list -D | jq '.[0].nr_targets')"
i=0
for id in $(tr ',' ' ' <$CXL/$ROOT_DECODER/target_list); do
	check_eq "list -D -T target $i" "$(basename "$(readlink -f $CXL/root0/dport$id)")" "$($CTL list -D -T | jq -r ".[0].targets[$i].target")"
	i=$((i + 1))
done
# -u: ndctl's human form (IEC and JEDEC), addresses in hex; cxl list -u agrees
check_eq "list -u size" "\"$((total >> 20)).00 MiB ($(((total / 5000 + 1) / 2 / 100)).$(printf %02d $(((total / 5000 + 1) / 2 % 100))) MB)\"" "$($CTL list -R -u | jq '.[0].size')"
check_eq "list -u size as cxl list -u" "$(cxl list -R -u -r $region | jq '.size')" "$($CTL list -R -u | jq '.[0].size')"
check_eq "list -u resource" "\"$(printf '%#x' $start)\"" "$($CTL list -R -u | jq '.[0].resource')"
$CTL list -vv -r $region | jq -e '.[0].dax | has("memblocks") | not' >/dev/null ||
	fail "an offline region has memory blocks in list -vv"

# second create over the same memdevs: refused, nothing new
fails_unchanged 4 $CTL create-region "$@"
check_eq "still one region" 1 "$(ls $CXL | grep -c '^region')"
# no lock, no change: the CLI never proceeds unserialised
fails_unchanged 1 env SVM_CXL_LOCK=/nonexistent/dir/lock $CTL destroy-region $region
expect_msg "cannot take /nonexistent/dir/lock"

timed $CTL destroy-region $region || fail "destroy-region failed"
log "destroy-region: $MS ms"
echo "time destroy-region $MS ms" >>/results/cli-timings
[ -e "$r" ] && fail "$region still exists"
grep -q ": $region" /proc/iomem && fail "$region still in /proc/iomem"
for m in "$@"; do
	ep=$(memdev_endpoint "$m")
	for dec in $CXL/decoder${ep#endpoint}.*; do
		check_eq "${dec##*/} DPA released" 0 "$(($(cat $dec/dpa_size)))"
	done
done
check_eq "list: no regions" 0 "$($CTL list -R | jq length)"

# a half-built region: created, ways set, DPA reserved, one target, never committed
rd=$CXL/$ROOT_DECODER
set -- $(memdevs_in_window_order "$@")
half=$(cat $rd/create_ram_region)
echo $half >$rd/create_ram_region
echo $(cat $rd/interleave_granularity) >$CXL/$half/interleave_granularity
echo $# >$CXL/$half/interleave_ways
dec=$(memdev_free_decoder $1)
echo ram >$CXL/$dec/mode
echo 268435456 >$CXL/$dec/dpa_size
echo $((268435456 * $#)) >$CXL/$half/size
echo $dec >$CXL/$half/target0 || fail "target0 of the half-built region"
# and an orphaned DPA reservation on the last memdev (decoder without a region)
last=$(eval echo \${$#})
odec=""
if [ $# -gt 1 ]; then
	odec=$(memdev_free_decoder $last)
	echo ram >$CXL/$odec/mode
	echo 268435456 >$CXL/$odec/dpa_size
	check_eq "list: $last orphan_dpa" 268435456 "$($CTL list -m $last | jq '.[0].orphan_dpa')"
	fails_unchanged 4 $CTL create-region $(memdevs)
	expect_msg "destroy-region"
fi
$CTL doctor >/tmp/doctor.txt
check_eq "doctor exit on a half-built region" 1 "$?"
grep "$half" /tmp/doctor.txt | grep -q "destroy-region $half" || fail "doctor does not flag $half: $(cat /tmp/doctor.txt)"
[ -z "$odec" ] || grep -q "$last: .*DPA reserved" /tmp/doctor.txt || fail "doctor does not flag the orphaned DPA: $(cat /tmp/doctor.txt)"
$CTL doctor --json | jq -e '[.[] | select(.status == "fail")] | length >= 1' >/dev/null ||
	fail "doctor --json has no failed check"
check_eq "list shows it uncommitted" reset "$($CTL list -r $half | jq -r '.[0].decode_state')"
check_eq "list shows it disabled" disabled "$($CTL list -r $half | jq -r '.[0].state')"
expect_rc 0 $CTL destroy-region stale $half
[ -e $CXL/$half ] && fail "$half not deleted"
check_eq "$dec DPA released" 0 "$(($(cat $CXL/$dec/dpa_size)))"
[ -z "$odec" ] || check_eq "$odec DPA released" 0 "$(($(cat $CXL/$odec/dpa_size)))"
$CTL doctor >/tmp/doctor.txt || fail "doctor still unhappy: $(cat /tmp/doctor.txt)"
echo "ok - half-built region and orphaned DPA cleaned up"

# from a bare memdev set again, the capacity is free: a new region can be built
$CTL create-region "$@" >/tmp/c2.json || fail "re-create after cleanup failed"
$CTL destroy-region all >/dev/null || fail "destroy-region all failed"
check_eq "no regions left" 0 "$(ls $CXL | grep -c '^region')"
kernel_log_clean || fail "kernel log"
