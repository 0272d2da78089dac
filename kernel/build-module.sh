#!/usr/bin/env bash
# Build svm_cxl.ko out of tree with Kbuild, in the meson build directory.
#   build-module.sh KERNEL_DIR SOURCE_DIR WORK_DIR OUTPUT_KO [OTHER_KO...]
# OTHER_KO: further modules of the same Kbuild, copied by their file name.
# SVM_CXL_DEBUG=y (environment) adds the benchmark scaffolding (kernel/Kbuild).
# Kbuild writes objects next to the sources, so WORK_DIR mirrors SOURCE_DIR with
# symlinks and the source tree stays clean.
set -euo pipefail
kdir=$1 src=$2 work=$3 out=$4
shift 4

[ -f "$kdir/Makefile" ] || { echo "build-module: no kernel build tree at '$kdir'" >&2; exit 1; }
mkdir -p "$work"
(cd "$src" && find . -type d ! -name . -print0) | (cd "$work" && xargs -0r mkdir -p)
(cd "$src" && find . -type f \( -name '*.c' -o -name '*.h' -o -name Kbuild \) -print0) |
	while IFS= read -r -d '' f; do
		ln -sfn "$src/${f#./}" "$work/${f#./}"
	done
# Drop links whose source went away, so a deleted file cannot linger in the build.
find "$work" -xtype l -delete

make -s -C "$kdir" M="$work" W=1 SVM_CXL_DEBUG="${SVM_CXL_DEBUG:-n}" modules
cp "$work/svm_cxl.ko" "$out"
for other in "$@"; do
	cp "$work/$(basename "$other")" "$other"
done
