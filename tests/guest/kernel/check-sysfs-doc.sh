#!/bin/sh
# Host check: every sysfs attribute kernel/sysfs.c defines has an ABI entry.
#   check-sysfs-doc.sh kernel/sysfs.c docs/ABI/testing/sysfs-devices-virtual-misc-svm_cxl
src=$1 doc=$2 bad=0
for a in $(sed -n 's/.*__ATTR_RO\(_MODE\)\{0,1\}(\([a-z_]*\)[,)].*/\2/p; s/^SVM_CXL_STAT_ATTR(\([a-z_]*\));/\1/p' "$src" | grep -v '^_name$'); do
	if grep -q "^What:.*/$a\$" "$doc"; then
		echo "ok - $a documented"
	else
		echo "FAIL: sysfs attribute $a has no What: entry in $doc"
		bad=1
	fi
done
for f in What Date KernelVersion Contact Description; do
	n=$(grep -c "^$f:" "$doc")
	[ "$n" = "$(grep -c '^What:' "$doc")" ] || { echo "FAIL: $f: in $n entries only"; bad=1; }
done
exit $bad
