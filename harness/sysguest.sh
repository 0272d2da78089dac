#!/usr/bin/env bash
# The systemd guest: svm-cxl as a Debian admin installs and runs it. Takes the lane's
# packages (BUILD/package-check, made by the package-deb test; built here with
# harness/package-check.sh if they are missing or older than the tree), the Debian root
# with them installed by apt (harness/sysguest-image.sh: a cached base and a per-package
# layer), mounts the two read-only as one overlay in a private mount namespace and boots
# it under systemd on the hotplug topology's CXL devices (vm-run.py --rootfs), running
# tests/guest/systemd/systemd-admin.sh there. On deb13 it runs inside the lane (trixie,
# kernel 7.x, QEMU 11.1). The meson test systemd-admin (suite vm-systemd, vm-systemd-deb13;
# meson option systemd_guest) calls it. Run it through /work/wt/gslot like any guest.
#   sysguest.sh [BUILD_DIR [LANE]]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
lane=${2:-${SVM_CXL_LANE:-deb12}}
build=$(cd "${1:-$("$here/lane.sh" build "$lane" "$src")}" && pwd)
cache=${SVM_CXL_SYSGUEST_CACHE:-/var/cache/svm-cxl/sysguest}
log() { printf 'sysguest: %s\n' "$*" >&2; }

if [ "$lane" != deb12 ] && [ -z "${SVM_CXL_LANE_INSIDE:-}" ]; then
	mkdir -p "$cache"
	SVM_CXL_LANE_BINDS=$build:$cache${SVM_CXL_LANE_BINDS:+:$SVM_CXL_LANE_BINDS} \
		exec "$here/lane.sh" exec "$lane" "$0" "$build" "$lane"
fi

t0=$(date +%s)
# The packages of this tree: package-deb's, unless a file of the tree is newer (find,
# not git: the deb13 chroot has no git).
pkgs=$build/package-check
oldest=$(ls -tr "$pkgs"/*.deb 2>/dev/null | head -n1) || oldest=
if [ -z "$oldest" ] || [ -n "$(find "$src" \( -path "$src/build*" -o -name .git \) -prune -o \
	-type f -newer "$oldest" -print -quit)" ]; then
	log "building the packages (harness/package-check.sh)"
	"$here/package-check.sh" "$src" "$pkgs" >"$build/package-check.log" 2>&1 ||
		{ cat "$build/package-check.log"; log "the packages do not build or check"; exit 1; }
fi
t1=$(date +%s)
lowers=$("$here/sysguest-image.sh" "$lane" "$pkgs")
t2=$(date +%s)
results=$build/vm/results-sysguest
# a private mount namespace; inside a chroot lane (already private, and / is no mount
# point there) unshare cannot set the propagation of /, nor needs to
propagation=private
[ -z "${SVM_CXL_LANE_INSIDE:-}" ] || propagation=unchanged
mnt=$build/vm/sysguest-root
mkdir -p "$mnt"
rc=0
unshare --mount --propagation "$propagation" -- /bin/bash -c '
	set -e
	mount -t overlay -o "ro,lowerdir=$1" sysguest "$2"
	shift 2
	exec "$@"
' sysguest "$lowers" "$mnt" python3 "$here/vm-run.py" --build "$build" --topology hotplug --rootfs "$mnt" \
	--results "$results" --test 'systemd-admin:600:systemd-admin.sh' || rc=$?
t3=$(date +%s)
for f in boot-analyze.txt systemd-admin.log; do
	[ -f "$results/$f" ] && { echo "== $f"; cat "$results/$f"; }
done
echo "sysguest ($lane): packages $((t1 - t0))s, image $((t2 - t1))s, boot and test $((t3 - t2))s"
exit $rc
