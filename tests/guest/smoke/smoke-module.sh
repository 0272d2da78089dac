#!/bin/sh
# svm_cxl.ko loads, creates /dev/svm_cxl with the right device number and mode, answers
# its version ioctl, rejects bad arguments, and unloads leaving nothing behind.
. svm-test.sh

grep -q '^svm_cxl ' /proc/modules && fail "svm_cxl already loaded before the test"
check_cmd "modprobe svm_cxl" modprobe svm_cxl
grep -q '^svm_cxl ' /proc/modules || fail "svm_cxl not in /proc/modules"
[ -c /dev/svm_cxl ] || fail "/dev/svm_cxl is not a character device"
check_eq "/dev/svm_cxl number" "$(cat /sys/class/misc/svm_cxl/dev)" \
	"$(stat -c '%t:%T' /dev/svm_cxl | awk -F: '{printf "%d:%d", "0x"$1, "0x"$2}')"
check_eq "/dev/svm_cxl mode" 600 "$(stat -c %a /dev/svm_cxl)"

check_cmd "ABI checks" svm-test-abi
check_cmd "rmmod svm_cxl" rmmod svm_cxl
grep -q '^svm_cxl ' /proc/modules && fail "svm_cxl still loaded"
[ -e /dev/svm_cxl ] && fail "/dev/svm_cxl left behind"
[ -e /sys/class/misc/svm_cxl ] && fail "misc class entry left behind"
echo "ok - module unloaded cleanly"
