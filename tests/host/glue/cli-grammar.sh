#!/bin/sh
# svm-cxlctl grammar on the host, over an empty fake sysfs root: usage, suggestions,
# exact matching, documented exit codes, JSON from list.
#   cli-grammar.sh SVM_CXLCTL FAKE_SYSFS_RUN
root=$(mktemp -d)
trap 'rm -rf $root' EXIT
CTL="$2 $root $1"
export SVM_CXL_LOCK=$root/lock
fails=0
expect() {
	want=$1; shift
	out=$("$@" 2>&1); rc=$?
	if [ "$rc" != "$want" ]; then
		echo "FAIL: '$*' -> $rc, expected $want: $out"; fails=$((fails + 1))
	else
		echo "ok - '$*' -> $rc"
	fi
}
expect 2 $CTL
expect 0 $CTL --help
expect 2 $CTL lis
expect 2 $CTL List
expect 2 $CTL online
expect 2 $CTL online region0
expect 2 $CTL online region0 --mode nope
expect 3 $CTL online region0 --mode numa
expect 3 $CTL offline mem0
expect 2 $CTL create-region --size 1Q mem0
expect 3 $CTL create-region mem0
expect 0 $CTL list
expect 0 $CTL list -r region4
expect 2 $CTL list -r foo
expect 0 $CTL status
expect 2 $CTL help nope
# like cxl list: always an array, [] when nothing is there or nothing matches
$CTL list 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d == [], d' ||
	{ echo "FAIL: list JSON"; fails=$((fails + 1)); }
$CTL list -r region4 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d == [], d' ||
	{ echo "FAIL: list JSON"; fails=$((fails + 1)); }
$CTL lis 2>&1 | grep -q "did you mean 'list'" || { echo "FAIL: no suggestion"; fails=$((fails + 1)); }
[ $fails = 0 ]
