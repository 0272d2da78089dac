#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# auto_online_blocks left offline by a holder that died is restored by the next
# svm-cxlctl that takes the lock and by the next svm-cxld start (fake sysfs root).
#   knob-restore.sh SVM_CXLCTL SVM_CXLD FAKE_SYSFS_RUN
set -u
T=$(mktemp -d /tmp/svm-knob-restore-XXXXXX)
CTL="$3 $T/root $1" DAEMON="$3 $T/root $2"
trap 'kill $pid 2>/dev/null; rm -rf "$T"' EXIT
pid=
mkdir -p "$T/root/sys/devices/system/memory" "$T/state"
export SVM_CXL_LOCK=$T/lock SVM_CXL_KNOB_SAVE=$T/saved \
	SVM_CXLD_SOCKET=$T/sock
K=$T/root/sys/devices/system/memory/auto_online_blocks
rc=0
fail() { echo "FAIL - $*"; rc=1; }

# as a holder that was SIGKILLed leaves it
echo offline >"$K"; echo online >"$T/saved"
$CTL destroy-region stale >"$T/ctl.out" 2>&1
[ "$(cat "$K")" = online ] || fail "svm-cxlctl did not restore the knob: $(cat "$K")"
[ ! -e "$T/saved" ] || fail "svm-cxlctl left the save file"
grep -q "auto_online_blocks restored to 'online'" "$T/ctl.out" || fail "svm-cxlctl did not say so: $(cat "$T/ctl.out")"
[ $rc = 0 ] && echo "ok - svm-cxlctl restores a dead holder's auto_online_blocks"

echo offline >"$K"; echo online_movable >"$T/saved"
$DAEMON --state-dir "$T/state" --policy "$T/none" >"$T/d.log" 2>&1 &
pid=$!
for i in $(seq 50); do grep -q 'ready:' "$T/d.log" && break; sleep 0.1; done
[ "$(cat "$K")" = online_movable ] || fail "svm-cxld did not restore the knob: $(cat "$K"); $(cat "$T/d.log")"
[ ! -e "$T/saved" ] || fail "svm-cxld left the save file"
grep -q "auto_online_blocks restored to 'online_movable'" "$T/d.log" || fail "svm-cxld did not log it"
[ $rc = 0 ] && echo "ok - svm-cxld restores a dead holder's auto_online_blocks at start"
exit $rc
