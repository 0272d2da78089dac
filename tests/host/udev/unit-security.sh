#!/bin/sh
# svm-cxld.service's sandbox: `systemd-analyze security` must rate its exposure at most
# 5.0 (review F12: the unit scored 9.4 "UNSAFE"). --offline reads the unit file itself,
# so no systemd needs to run here. Skipped (77) only when systemd-analyze is missing.
#   unit-security.sh UNIT_FILE
unit=$1
command -v systemd-analyze >/dev/null || { echo "SKIP: no systemd-analyze"; exit 77; }
out=$(systemd-analyze security --offline=yes --no-pager "$unit" 2>&1)
level=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
[ -n "$level" ] || { printf '%s\n' "$out"; echo "FAIL: no exposure level in the output"; exit 1; }
printf '%s\n' "$out" | grep '✗'
echo "exposure $level (bar 5.0)"
awk -v l="$level" 'BEGIN { exit !(l <= 5.0) }' || { echo "FAIL: exposure $level > 5.0"; exit 1; }
