#!/bin/sh
# QMP hotplug from inside a guest test: a type-3 device added to the empty root port rp1
# enumerates as a memdev with the backend's capacity and serial; device_del (attention
# button) removes it again and the guest lets go of it.
. svm-test.sh
SN=4242
SIZE=268435456

before=$(memdevs | grep -c .)
t0=$(date +%s)
qmp "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":\"vmem-smoke\",\"share\":true,\"size\":$SIZE}}" >/dev/null
qmp "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"cxl-type3\",\"bus\":\"rp1\",\"volatile-memdev\":\"vmem-smoke\",\"id\":\"t3-smoke\",\"sn\":$SN}}" >/dev/null

memdev_with_serial() { cxl list -M 2>/dev/null | jq -r ".[]? | select(.serial == $1) | .memdev"; }
i=0
while m=$(memdev_with_serial $SN) && [ -z "$m" ]; do
	i=$((i + 1))
	[ $i -gt 600 ] && fail "no memdev with serial $SN 120 s after device_add"
	sleep 0.2
done
t1=$(date +%s)
echo "# hot-added $m in $((t1 - t0)) s"
check_eq "$m ram size" $SIZE "$(cxl list -m "$m" | jq '.[0].ram_size')"
check_eq "memdev count after add" $((before + 1)) "$(memdevs | grep -c .)"
i=0
while ! memdev_endpoint "$m" >/dev/null; do
	i=$((i + 1))
	[ $i -gt 100 ] && fail "$m has no endpoint port"
	sleep 0.2
done
echo "ok - $m has endpoint $(memdev_endpoint "$m")"

qmp '{"execute":"device_del","arguments":{"id":"t3-smoke"}}' >/dev/null
# QEMU 10.0 never sends DEVICE_DELETED for this path: poll its device tree instead.
i=0
while qmp '{"execute":"qom-list","arguments":{"path":"/machine/peripheral"}}' | grep -q '"t3-smoke"'; do
	i=$((i + 1))
	[ $i -gt 240 ] && fail "t3-smoke still present 120 s after device_del"
	sleep 0.5
done
t2=$(date +%s)
echo "# removed in $((t2 - t1)) s"
[ -z "$(memdev_with_serial $SN)" ] || fail "memdev with serial $SN still present after removal"
check_eq "memdev count after removal" "$before" "$(memdevs | grep -c .)"
# QEMU may still hold the backend a moment after the device is gone ("in use"): best
# effort, the id is never reused
svm-vm-qmp '{"execute":"object-del","arguments":{"id":"vmem-smoke"}}' >/dev/null 2>&1 || true
