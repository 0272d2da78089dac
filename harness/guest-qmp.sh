#!/bin/sh
# svm-vm-qmp JSON: ask the host harness to run one QMP command on this guest's QEMU and
# print the reply (JSON). Exits 1 if QEMU answered with an error, 2 on a timeout.
#   svm-vm-qmp '{"execute":"device_del","arguments":{"id":"t3b"}}'
[ $# -eq 1 ] || { echo "usage: svm-vm-qmp JSON" >&2; exit 2; }
dir=${SVM_CXL_RESULTS:-/results}/qmp
mkdir -p "$dir"
id=$$.$(date +%s%N)
printf '%s\n' "$1" >"$dir/$id.tmp" && mv "$dir/$id.tmp" "$dir/$id.req"
i=0
while [ ! -f "$dir/$id.resp" ]; do
	i=$((i + 1))
	[ $i -gt 600 ] && { echo "svm-vm-qmp: no answer from the host" >&2; exit 2; }
	sleep 0.1
done
reply=$(cat "$dir/$id.resp")
rm -f "$dir/$id.resp"
printf '%s\n' "$reply"
case "$reply" in '{"error"'*) exit 1 ;; esac
exit 0
