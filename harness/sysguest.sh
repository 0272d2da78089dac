#!/usr/bin/env bash
# The systemd guest: svm-cxl as a Debian admin installs and runs it. Builds the packages
# (harness/package-check.sh, which also checks them), the cached Debian root with them
# installed by apt (harness/sysguest-image.sh), and boots it under systemd on the
# hotplug topology's CXL devices (vm-run.py --rootfs), running
# tests/guest/systemd/systemd-admin.sh there. deb12 lane; not part of harness/test.sh
# (see docs/testing.md for its time). Run it through /work/wt/gslot like any guest.
#   sysguest.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
t0=$(date +%s)
"$here/package-check.sh" "$src" "$build/package-check" >"$build/package-check.log" 2>&1 ||
	{ cat "$build/package-check.log"; echo "sysguest: the packages do not build or check" >&2; exit 1; }
t1=$(date +%s)
root=$("$here/sysguest-image.sh" "$build/package-check")
t2=$(date +%s)
rc=0
python3 "$here/vm-run.py" --build "$build" --topology hotplug --rootfs "$root" \
	--results "$build/vm/results-sysguest" --test 'systemd-admin:600:systemd-admin.sh' || rc=$?
t3=$(date +%s)
echo "sysguest: packages $((t1 - t0))s, image $((t2 - t1))s, boot and test $((t3 - t2))s"
exit $rc
