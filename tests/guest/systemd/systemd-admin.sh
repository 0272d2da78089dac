#!/bin/sh
# svm-cxl as an admin sees it on an installed Debian (the systemd guest: packages from
# debian/ installed with apt-get, booted under systemd, topology hotplug). Asserts: DKMS
# built svm_cxl.ko for this kernel at install time and it loads (udev gives /dev/svm_cxl
# to group svm-cxl, made by sysusers); svm-cxld is enabled and was started for the boot
# device, which came up per the (default) policy; a hot-added device comes up too;
# `systemctl reload` applies a new policy; `journalctl -u svm-cxld` has the daemon's
# lines; svm-cxlctl works as root and refuses a user outside the group; `systemctl stop`
# leaves the regions as they are, and a device event does not start it again.
. svm-test.sh
. daemon-lib.sh
# the packaged paths, not the test daemons' /tmp ones of daemon-lib.sh
unset SVM_CXLD_STATE_DIR SVM_CXLD_SOCKET SVM_CXLD_POLICY SVM_CXL_LOCK SVM_CXL_KNOB_SAVE
STATE=/var/lib/svm-cxl/state.json
sjournal_field() { jq -r ".entries[]? | select(.serials == [$1]) | .$2" $STATE 2>/dev/null; }
trap 'rm -f /etc/svm-cxl/policy.conf' EXIT

## DKMS and the module
kver=$(uname -r)
ko=$(modinfo -n svm_cxl 2>/dev/null)
case "$ko" in
/lib/modules/$kver/updates/dkms/svm_cxl.ko*) echo "ok - svm_cxl.ko by DKMS for $kver: $ko" ;;
*) fail "svm_cxl is not the DKMS build for $kver: '$ko'; $(dkms status 2>&1)" ;;
esac
# What `dkms status` calls "installed" (the module DKMS built for this kernel is the one
# in the module tree), read from DKMS's tree: `dkms status` itself took 39 s under TCG.
built=$(ls /var/lib/dkms/svm-cxl/*/"$kver"/*/module/svm_cxl.ko* 2>/dev/null | head -n1)
[ -n "$built" ] || fail "DKMS has no build of svm-cxl for $kver: $(ls /var/lib/dkms/svm-cxl 2>&1)"
cmp -s "$built" "$ko" || fail "$ko is not DKMS's build for $kver ($built)"
echo "ok - $ko is DKMS's build $built"
check_eq "group svm-cxl (sysusers)" svm-cxl "$(getent group svm-cxl | cut -d: -f1)"
loaded=$(lsmod | grep -c '^svm_cxl ')
[ "$loaded" = 1 ] || check_cmd "modprobe svm_cxl" modprobe svm_cxl
udevadm settle -t 20
check_eq "/dev/svm_cxl mode and group (udev rule)" "660 svm-cxl" "$(stat -c '%a %G' /dev/svm_cxl)"
[ "$loaded" = 1 ] || check_cmd "rmmod svm_cxl" rmmod svm_cxl

## started by boot and udev, policy applied to the boot device
check_eq "svm-cxld enabled" enabled "$(systemctl is-enabled svm-cxld.service)"
wait_until 60 "svm-cxld active" '[ "$(systemctl is-active svm-cxld.service)" = active ]'
echo "ok - svm-cxld active"
check_eq "svm-cxl.target (pulled in by the memdev)" active "$(systemctl is-active svm-cxl.target)"
wanted_by=$(systemctl show -p WantedBy --value svm-cxl.target | tr ' ' '\n')
echo "$wanted_by" | grep -q 'mem0\.device$' ||
	fail "svm-cxl.target is not wanted by mem0's device unit (udev rule): $wanted_by"
echo "ok - svm-cxl.target wanted by $(echo "$wanted_by" | grep -c '\.device$') device unit(s), mem0's among them"
wait_until 90 "boot device mem0 online movable (default policy: numa)" \
	'R0=$(memdev_region mem0) && numa_online_movable "$R0"'
echo "ok - mem0 in $R0, every block online movable"
wait_until 10 "journal: serial 1 online" '[ "$(sjournal_field 1 phase)" = online ]'
check_eq "journal mode of serial 1" numa "$(sjournal_field 1 mode)"
# The first region after boot is created while udev loads kmem for its dax device; the
# assembly waits for udev and hands the device back offline, so nothing onlined it behind
# the daemon's back and the daemon had nothing to repair.
journalctl -u svm-cxld.service -b --no-pager -o cat >/tmp/jl-boot
if grep -E "kmem took .*(unbinding it failed|onlined by someone else)|only part of its memory" /tmp/jl-boot >/tmp/jl-race; then
	fail "the first region raced udev's kmem: $(cat /tmp/jl-race)"
fi
echo "ok - the first region raced no kmem load: no failed hand-back, no partial repair in the boot journal"

## hot-add: the running daemon brings it up per policy
t0=$(uptime_ms)
hot_add t3h 7
wait_until 90 "hot-added serial 7 online movable" \
	'M=$(memdev_with_serial 7) && R=$(memdev_region "$M") && numa_online_movable "$R"'
echo "ok - hot-added $M in $R online movable, $(($(uptime_ms) - t0)) ms after device_add"
check_eq "svm-cxld still active" active "$(systemctl is-active svm-cxld.service)"

## systemctl reload applies a new policy
rules0=$(svm-cxld --send '{"cmd":"status"}' | jq .rules)
mkdir -p /etc/svm-cxl
cat >/etc/svm-cxl/policy.conf <<'POL'
[rule "boot-device"]
serial = 1
mode = ignore

[rule "hot"]
serial = 7
mode = numa
POL
applied0=$(journalctl -u svm-cxld.service -b -o cat | grep -c "reloaded policy applied")
check_cmd "systemctl reload svm-cxld" systemctl reload svm-cxld.service
if [ "$(systemctl show -p Type --value svm-cxld.service)" = notify-reload ]; then
	# systemd >= 253: reload returns after the READY=1 that follows the reconcile pass
	# under the new policy, so its effects are there now, with no waiting
	applied=$(journalctl -u svm-cxld.service -b -o cat | grep -c "reloaded policy applied")
	check_eq "Type=notify-reload: passes under a reloaded policy when reload returned" \
		$((applied0 + 1)) "$applied"
else
	# Type=notify (systemd 252): reload returns once the SIGHUP is sent
	wait_until 20 "reload logged" 'journalctl -u svm-cxld.service -b -o cat | grep -q "policy reloaded: 2 rule"'
fi
check_eq "rules in force after reload (were $rules0)" 2 "$(svm-cxld --send '{"cmd":"status"}' | jq .rules)"
check_eq "policy in force" /etc/svm-cxl/policy.conf "$(svm-cxld --send '{"cmd":"status"}' | jq -r .policy)"
check_eq "svm-cxld active after reload" active "$(systemctl is-active svm-cxld.service)"

## the journal has the daemon's lines
jl=$(journalctl -u svm-cxld.service -b --no-pager -o cat)
echo "$jl" | grep -q 'ready:' || fail "journalctl -u svm-cxld has no 'ready:' line: $(echo "$jl" | tail -n 5)"
echo "ok - journalctl -u svm-cxld: $(echo "$jl" | wc -l) lines, 'ready:' among them"

## svm-cxlctl as root, and refused outside the group
check_cmd "svm-cxlctl list as root" svm-cxlctl list -R >/dev/null
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups svm-cxlctl offline "$R" 2>&1)
rc=$?
[ $rc -ne 0 ] || fail "svm-cxlctl offline as nobody succeeded: $out"
echo "ok - svm-cxlctl offline as nobody refused (exit $rc): $(echo "$out" | head -n1)"
numa_online_movable "$R" || fail "$R changed by the refused offline"

## systemctl stop leaves the regions; a device event does not restart it
before=$(regions_now)
check_cmd "systemctl stop svm-cxld" systemctl stop svm-cxld.service
check_eq "svm-cxld after stop" inactive "$(systemctl is-active svm-cxld.service)"
check_eq "regions after stop" "$before" "$(regions_now)"
numa_online_movable "$R" || fail "$R not online movable after stop"
numa_online_movable "$R0" || fail "$R0 not online movable after stop"
echo "ok - $before still there, online movable"
udevadm trigger --action=add --subsystem-match=cxl
udevadm settle -t 30
sleep 2
check_eq "svm-cxld after a cxl add event (stopped by the admin)" inactive "$(systemctl is-active svm-cxld.service)"
check_cmd "systemctl start svm-cxld" systemctl start svm-cxld.service
check_eq "svm-cxld after start" active "$(systemctl is-active svm-cxld.service)"
check_eq "regions after restart" "$before" "$(regions_now)"
