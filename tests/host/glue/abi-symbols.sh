#!/bin/sh
# A library exports exactly what its sources mark exported and its version script
# names: a symbol in one list and not the other fails.
# abi-symbols.sh LIBRARY SOURCE_DIR [VERSION_SCRIPT [MARKER]]
# (defaults: libsvmcxl's, SOURCE_DIR/libsvmcxl.sym and SVM_EXPORT)
lib=$1 src=$2 sym=${3:-$2/libsvmcxl.sym} mark=${4:-SVM_EXPORT}
t=$(mktemp -d)
trap 'rm -rf $t' EXIT
nm -D --defined-only "$lib" | awk '$2 == "T" { sub(/@.*/, "", $3); print $3 }' | sort >$t/exported
grep -ho "$mark [^(]*(" "$src"/*.c | sed 's/($//; s/.*[ *]//' | sort >$t/marked
sed -n 's/^[[:space:]]*\(svm_[a-z0-9_]*\);$/\1/p' "$sym" | sort >$t/listed
rc=0
diff -u $t/marked $t/listed >$t/d1 || { echo "$mark vs ${sym##*/}:"; cat $t/d1; rc=1; }
diff -u $t/listed $t/exported >$t/d2 || { echo "${sym##*/} vs nm -D:"; cat $t/d2; rc=1; }
[ $rc = 0 ] && echo "$(wc -l <$t/exported) symbols, all named"
exit $rc
