#!/usr/bin/env bash
# Install what the project needs (harness/setup.sh), then configure and build it for a
# lane (harness/lane.sh): on deb12 with this machine's toolchain, on deb13 inside its
# chroot (gcc-14, kernel 7.3 headers, libcxl v81).
#   build.sh [--lane LANE] SOURCE_DIR BUILD_DIR
# The lane is --lane, else SVM_CXL_LANE, else deb12. Shared by the README commands and
# the benchmark so they always build the same way.
set -euo pipefail
lane=${SVM_CXL_LANE:-deb12}
if [ "${1:-}" = --lane ]; then
	lane=$2
	shift 2
fi
src=$1 build=$2
SVM_CXL_LANES=$lane "$src/harness/setup.sh"
mkdir -p "$build"
build=$(cd "$build" && pwd)
# The build directory keeps its path inside the chroot.
export SVM_CXL_LANE_BINDS=$build${SVM_CXL_LANE_BINDS:+:$SVM_CXL_LANE_BINDS}
in_lane() { "$src/harness/lane.sh" exec "$lane" "$@"; }
if [ -f "$build/build.ninja" ]; then
	in_lane meson setup --reconfigure -Dlane="$lane" -Dtests=true "$build" "$src" >/dev/null
else
	in_lane meson setup -Dlane="$lane" -Dtests=true "$build" "$src" >/dev/null
fi
in_lane ninja -C "$build" >/dev/null
