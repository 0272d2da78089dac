#!/bin/sh
# Migration to and from a pool over the whole CXL region, data checked byte for byte:
# sizes from 4 KiB to 64 MiB, ten round trips, mixed populated ranges, zero CPU faults
# on device pages; then per-process cases: fork/COW, exit, munmap race, 4 threads,
# a long-term pin; mlock, MADV_FREE/MADV_DONTNEED, userfaultfd, memcg charges; THPs in
# RAM left whole by TO_SYSTEM; the same ioctls from a 32-bit process (svm-k32). Counters
# in sysfs move accordingly.
. svm-test.sh
. ktest-lib.sh
ktest_setup
ktest_disable_dax
p=$(ktest_pool_add $START $SIZE)
d=$POOLS/pool$p

check_cmd "migration" svm-ktest $p sizes big roundtrip mixed nofault thp
check_cmd "processes and threads" svm-ktest $p fork exit munmap threads samerange pin
check_cmd "lifecycle: mlock, madvise, userfaultfd, memcg" svm-ktest $p mlock madvise uffd memcg
# a 32-bit caller (static i386 binary; the build has it when gcc-multilib is installed)
if command -v svm-k32 >/dev/null; then
	check_cmd "VERSION, MIGRATE, QUERY from an i386 process" svm-k32 $p
else
	echo "# NOT RUN: svm-k32 (the 32-bit caller) was not built: no -m32 toolchain (gcc-multilib)"
fi
check_eq "pool$p used after all buffers are gone" 0 "$(cat $d/used)"
check_eq "pool$p free" $((SIZE / 4096)) "$(cat $d/free)"
for s in migrated_in migrated_out allocated_on_device; do
	[ "$(cat $d/stats/$s)" -gt 0 ] || fail "stats/$s did not count"
	echo "ok - stats/$s = $(cat $d/stats/$s)"
done
check_cmd "remove pool$p" svm-kpool remove $p
