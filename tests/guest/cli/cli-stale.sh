#!/bin/sh
# A region left by a removed device: a type-3 device is hot-added into rp1, svm-cxlctl
# builds a region over it, QMP device_del removes the device. The region outlives it
# (uncommitted, still holding window space): list marks it stale, doctor says how to
# fix it, and 'destroy-region stale' deletes it (checked in sysfs and /proc/iomem).
. svm-test.sh
. cli-lib.sh

ID=t3s SN=88 BACKEND=vmems
new=$(hotplug_type3 "$BACKEND" "$ID" $SN) || fail "hot-added device (sn $SN) did not show up as a memdev"
log "hot-added $new"
check_eq "list sees $new's serial" $SN "$($CTL list -m $new | jq '.[0].serial')"

$CTL create-region $new >/tmp/r.json || fail "create-region $new"
region=$(jq -r .region /tmp/r.json)
start=$(printf '%x' $(($(cat $CXL/$region/resource))))
grep -q "$start-.*: $region" /proc/iomem || fail "$region not in /proc/iomem"

t0=$(date +%s)
hotunplug "$ID" || fail "$ID still present 120 s after device_del"
i=0
while [ -e $CXL/$new ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
log "device gone after $(($(date +%s) - t0)) s"
[ -e $CXL/$region ] || skip "this kernel deleted $region with its device: nothing stale to clean"

check_eq "$region uncommitted" 0 "$(cat $CXL/$region/commit)"
check_eq "list: $region stale" true "$($CTL list -r $region | jq '.[0].stale')"
check_eq "list: $region state as cxl list -i says" "$(cxl list -i -r $region | jq -r '.[0].state')" "$($CTL list -r $region | jq -r '.[0].state')"
$CTL doctor >/tmp/doctor.txt
check_eq "doctor exit with a stale region" 1 "$?"
grep "$region" /tmp/doctor.txt | grep -q stale || fail "doctor does not call $region stale: $(cat /tmp/doctor.txt)"
grep -q "destroy-region $region" /tmp/doctor.txt || fail "doctor gives no fix"
fails_unchanged 1 $CTL online $region --mode numa
expect_msg "destroy-region $region"
expect_rc 0 $CTL destroy-region stale
[ -e $CXL/$region ] && fail "$region still there"
grep -q ": $region\$" /proc/iomem && fail "$region still in /proc/iomem"
echo "ok - stale $region deleted"
$CTL doctor >/dev/null || fail "doctor still unhappy: $($CTL doctor)"
kernel_log_clean || fail "kernel log"
