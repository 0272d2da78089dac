#!/bin/sh
# svm-cxld refuses what it must refuse, and changes nothing when it does: a policy file
# with a typo (at start, with --check-policy, on SIGHUP: the previous policy stays), an
# unknown device, an unprivileged client on the control socket (SO_PEERCRED), a malformed
# request. svm-cxlctl plan shows decisions without acting; svm-cxlctl monitor streams
# events to an unprivileged user. The installed udev rules tag memdevs for systemd and
# set /dev/svm_cxl's permissions.
. svm-test.sh
. daemon-lib.sh
BAD=/tmp/bad-policy.conf
# where meson put it: udev.pc's udevdir, or PREFIX/lib/udev when the lane has no udev.pc (deb13)
RULES=$(ls /lib/udev/rules.d/90-svm-cxl.rules /usr/lib/udev/rules.d/90-svm-cxl.rules /usr/local/lib/udev/rules.d/90-svm-cxl.rules 2>/dev/null | head -n1)
[ -n "$RULES" ] || fail "90-svm-cxl.rules is not installed"

trap 'daemon_cleanup; rm -f /etc/udev/rules.d/90-svm-cxl.rules; sed -i "/^svm-cxl:/d" /etc/group; rmmod svm_cxl 2>/dev/null; exit $DAEMON_RC' EXIT
check_eq "no region before the test" "" "$(regions_now)"
cat >$SVM_CXLD_POLICY <<'POL'
[rule "boot-device"]
serial = 1
mode = ignore

[rule "accelerator"]
serial = 0x1234
mode = coherent
POL
cat >$BAD <<'POL'
[rule "boot-device"]
serial = 1
serail = 2
mode = ignore
POL

## bad policy: refused with FILE:LINE and a suggestion, nothing started or changed
out=$(svm-cxld --check-policy $BAD 2>&1)
check_eq "--check-policy on a typo: exit status" 2 $?
echo "$out"
echo "$out" | grep -q "$BAD:3: unknown key in a rule 'serail' (did you mean 'serial'?)" ||
	fail "no FILE:LINE and suggestion: $out"
out=$(svm-cxld --check-policy $SVM_CXLD_POLICY)
check_eq "--check-policy on a good file" "$SVM_CXLD_POLICY: valid, 2 rule(s)" "$out"
out=$(svm-cxld --policy $BAD 2>&1)
check_eq "daemon start with a bad policy: exit status" 1 $?
echo "$out" | grep -q "$BAD:3: unknown key" || fail "start refusal without FILE:LINE: $out"
check_eq "no journal written by the refused start" "" "$(journal)"
check_eq "no region after the refused start" "" "$(regions_now)"

udevd_start
# read-only requests are for the socket's group: here nogroup, so that uid 65534 is in it
daemon_start SVM_CXLD_SOCKET_GROUP=nogroup
check_eq "control socket mode and group" "660 nogroup" "$(stat -c '%a %G' $SVM_CXLD_SOCKET)"
rm -f /tmp/mon.out
svm-test-numa nobody svm-cxlctl monitor --count 2 >/tmp/mon.out 2>/tmp/mon.err &
mon=$!
sleep 1

## SIGHUP with a bad file: rejected, previous policy kept; then a good one is taken
cp $SVM_CXLD_POLICY /tmp/good-policy.conf
cp $BAD $SVM_CXLD_POLICY
kill -HUP $DPID
wait_until 10 "rejection logged" "grep -q \"policy not reloaded, keeping the previous one: $SVM_CXLD_POLICY:3: unknown key in a rule 'serail'\" $DLOG"
check_eq "rules in force after a bad reload" 2 "$(svm-cxld --send '{"cmd":"status"}' | jq .rules)"
printf '[rule "boot-device"]\nserial = 1\nmode = ignore\n' >$SVM_CXLD_POLICY
kill -HUP $DPID
wait_until 10 "reload logged" "grep -q 'policy reloaded: 1 rule' $DLOG"
check_eq "rules in force after a good reload" 1 "$(svm-cxld --send '{"cmd":"status"}' | jq .rules)"
# the reload re-decides devices the old policy ignored: mem0 is ignored again
wait_until 10 "mem0 decided again" "grep -c 'mem0: rule \"boot-device\" says ignore' $DLOG | grep -q 2"
check_eq "mem0 journaled as ignored" ignore "$(journal_field 1 mode)"
gen=$(journal | jq .generation)
wait $mon
check_eq "unprivileged monitor exit status" 0 $?
cat /tmp/mon.err
check_eq "monitor: first event" '"policy-rejected"' "$(sed -n 1p /tmp/mon.out | jq .event)"
sed -n 1p /tmp/mon.out | jq -r .error | grep -q ":3: unknown key" || fail "rejection event without the error"
check_eq "monitor: second event" '"policy-reloaded"' "$(sed -n 2p /tmp/mon.out | jq .event)"

## unknown device, malformed request, unprivileged state change: refused, nothing changes
out=$(svm-cxld --send '{"cmd":"offline","object":"mem9"}')
check_eq "offline of an unknown memdev: exit status" 3 $?
check_eq "offline of an unknown memdev: error" '"mem9: no such memdev"' "$(echo "$out" | jq .error)"
out=$(svm-cxld --send '{"cmd":"offline","object":"region42"}')
check_eq "offline of an unknown region: exit status" 3 $?
out=$(svm-cxld --send 'offline mem0')
check_eq "malformed request: exit status" 2 $?
echo "$out" | jq -r .error | grep -q "not a JSON object" || fail "malformed: $out"
out=$(svm-cxld --send '{"cmd":"ofline","object":"mem0"}')
check_eq "unknown command: exit status" 2 $?
for req in '{"cmd":"offline","object":"mem0"}' '{"cmd":"online","object":"mem0"}' \
	   '{"cmd":"reconcile"}' '{"cmd":"reload"}'; do
	out=$(svm-test-numa nobody svm-cxld --send "$req")
	check_eq "unprivileged $req: exit status" 5 $?
	echo "$out" | jq -r .error | grep -q "needs root (you are uid 65534)" || fail "unprivileged: $out"
done
out=$(svm-test-numa nobody svm-cxld --send '{"cmd":"status"}')
check_eq "unprivileged status: exit status" 0 $?
check_eq "unprivileged status shows the journal" 1 "$(echo "$out" | jq '.entries | length')"
grep -q "refused 'offline' from uid 65534" $DLOG || fail "refusal not logged"
check_eq "journal unchanged by refused requests" "$gen" "$(journal | jq .generation)"
check_eq "no region after refused requests" "" "$(regions_now)"
daemon_stop

## plan: decisions without action
out=$(svm-cxlctl plan --policy /tmp/good-policy.conf)
check_eq "plan: mem0 by rule" '"boot-device"' "$(echo "$out" | jq '.plan[] | select(.memdevs == ["mem0"]) | .rule')"
check_eq "plan: mem0 mode" '"ignore"' "$(echo "$out" | jq '.plan[] | select(.memdevs == ["mem0"]) | .mode')"
printf '[defaults]\nexpander = numa\nzone = movable\n' >/tmp/numa-policy.conf
out=$(svm-test-numa nobody svm-cxlctl plan --policy /tmp/numa-policy.conf)
check_eq "unprivileged plan: mem0 mode" '"numa"' "$(echo "$out" | jq '.plan[] | select(.memdevs == ["mem0"]) | .mode')"
check_eq "plan: mem0 zone" '"movable"' "$(echo "$out" | jq '.plan[] | select(.memdevs == ["mem0"]) | .zone')"
check_eq "plan: mem0 action" '"assemble a region and online it"' "$(echo "$out" | jq '.plan[] | select(.memdevs == ["mem0"]) | .action')"
check_eq "plan changed nothing" "" "$(regions_now)"
out=$(svm-cxlctl plan --policy $BAD 2>&1)
check_eq "plan with a bad policy: exit status" 2 $?
echo "$out" | grep -q "$BAD:3: unknown key" || fail "plan refusal without FILE:LINE: $out"

for c in plan monitor; do
	out=$(svm-cxlctl help $c)
	check_eq "help $c: exit status" 0 $?
	echo "$out" | grep -q "^NAME" && echo "$out" | grep -q "EXIT STATUS" || fail "help $c: no man page"
done

## udev rules: tags and SYSTEMD_WANTS on memdevs, /dev/svm_cxl permissions
[ -f $RULES ] || fail "$RULES not installed"
cp $RULES /etc/udev/rules.d/
echo 'svm-cxl:x:990:' >>/etc/group
# GROUP= needs names resolved (the tests' udevd runs with --resolve-names=never)
udevd_stop
/lib/systemd/systemd-udevd --daemon || fail "udevd did not start"
sleep 0.5
modprobe svm_cxl || fail "modprobe svm_cxl"
udevadm trigger --action=add --subsystem-match=cxl --subsystem-match=misc
udevadm settle -t 30
props=$(udevadm info -q property /sys/bus/cxl/devices/mem0)
echo "$props" | grep -q '^SYSTEMD_WANTS=svm-cxld.service$' || fail "mem0 lacks SYSTEMD_WANTS: $props"
echo "$props" | grep -q '^TAGS=.*:systemd:' || fail "mem0 lacks the systemd tag: $props"
echo "ok - mem0 tagged for systemd, wants svm-cxld.service"
check_eq "/dev/svm_cxl mode and group" "660 svm-cxl" "$(stat -c '%a %G' /dev/svm_cxl)"
check_cmd "rmmod svm_cxl" rmmod svm_cxl
