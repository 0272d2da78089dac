#!/bin/sh
# libsvmcxl-run.so without the module: programs under it run as without it (sort's
# output and a multi-threaded python's result are the same), the failed placement is
# one warning, and the report counts every large allocation's pages as RAM.
# The programs run under fake-sysfs-run over an empty tree: no /dev/svm_cxl, no pools.
# preload.sh LIBSVMCXL_RUN_SO FAKE_SYSFS_RUN
so=$1 fake=$2
t=$(mktemp -d)
trap 'rm -rf $t' EXIT
fail() { echo "FAIL: $*"; exit 1; }
mkdir $t/root
seq 1 200000 | awk '{ print ($1 * 7919) % 200003 }' >$t/in
sort -n $t/in >$t/ref
SVM_CXL_RUN_POOL=1 SVM_CXL_RUN_REPORT=$t/rep LD_PRELOAD=$so $fake $t/root sort -n $t/in >$t/out 2>$t/err ||
	fail "sort under the preload: $(cat $t/err)"
cmp -s $t/ref $t/out || fail "sort's output differs under the preload"
[ "$(grep -c 'stay in system RAM' $t/err)" = 1 ] || fail "not one warning: $(cat $t/err)"
grep -q 'svm_cxl is not loaded' $t/err || fail "warning does not say why: $(cat $t/err)"
grep -q '"pool_pages":0,' $t/rep && grep -q '"allocations":[1-9]' $t/rep ||
	fail "report: $(cat $t/rep)"
echo "ok - sort: same output, one warning, report $(cat $t/rep)"
if command -v python3 >/dev/null; then
	rm -f $t/rep
	out=$(SVM_CXL_RUN_POOL=1 SVM_CXL_RUN_SCOPE=all SVM_CXL_RUN_THRESHOLD=65536 \
		SVM_CXL_RUN_REPORT=$t/rep LD_PRELOAD=$so $fake $t/root python3 -c '
import threading
def f(k):
    for i in range(100):
        b = bytearray(70000 * (i % 7 + 1)); b[-1] = k; b += b"x" * 100000
        assert b[-100001] == k
t = [threading.Thread(target=f, args=(k,)) for k in range(4)]
[x.start() for x in t]; [x.join() for x in t]
print(sum(len(bytes(300000)) for i in range(10)))' 2>$t/err) || fail "python: $(cat $t/err)"
	[ "$out" = 3000000 ] || fail "python printed '$out'"
	echo "ok - python threads under the preload: $(cat $t/rep)"
fi
