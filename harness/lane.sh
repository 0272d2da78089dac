#!/usr/bin/env bash
# Lanes: a guest kernel + QEMU + the userspace build that runs on them.
#   deb12  the machine itself (bookworm, bookworm-backports kernel and QEMU)
#   deb13  a cached trixie chroot (trixie-backports kernel and QEMU, trixie's ndctl);
#          made by harness/setup-lane-deb13.sh
#
#   lane.sh list                 lanes, newest first
#   lane.sh default              the newest lane that is set up here
#   lane.sh check LANE           exit 0 if LANE is usable here
#   lane.sh root LANE            its root directory (/ for deb12)
#   lane.sh build LANE SRC       its build directory: SRC/build (SVM_CXL_BUILD) for deb12,
#                                SRC/build-deb13 (SVM_CXL_BUILD_DEB13) for deb13
#   lane.sh exec LANE CMD...     run CMD in the lane, in the current directory
#
# `exec` in a chroot lane runs in a private mount namespace: /dev, /proc, /sys, /tmp, the
# source tree and SVM_CXL_LANE_BINDS (colon-separated host paths) are bind-mounted at the
# same paths inside, so files, QMP sockets and 9p shares keep their names on both sides.
# The mounts vanish with the namespace, whatever way CMD ends.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)

LANES=(deb13 deb12)
DEB13_ROOT=${SVM_CXL_DEB13_ROOT:-/var/cache/svm-cxl/deb13}
STAMP=.svm-cxl-lane

lane_root() {
	case "$1" in
	deb12) echo / ;;
	deb13) echo "$DEB13_ROOT" ;;
	*) echo "lane: unknown lane '$1' (lanes: ${LANES[*]})" >&2; return 2 ;;
	esac
}

lane_check() {
	local root
	root=$(lane_root "$1") || return 2
	case "$1" in
	deb12) "$here/guest-kernel.sh" abi >/dev/null 2>&1 ;;
	*) [ -f "$root/$STAMP" ] && [ -x "$root/usr/bin/qemu-system-x86_64" ] ;;
	esac
}

# Run "$@" inside a chroot lane; a new mount namespace keeps the binds private to it.
lane_exec_chroot() {
	local root=$1
	shift
	local binds=("$src" /tmp)
	local extra
	if [ -n "${SVM_CXL_LANE_BINDS:-}" ]; then
		IFS=: read -r -a extra <<<"$SVM_CXL_LANE_BINDS"
		binds+=("${extra[@]}")
	fi
	[ "$(id -u)" -eq 0 ] || { echo "lane: entering a chroot lane needs root" >&2; return 1; }
	exec unshare --mount --propagation private -- /bin/bash -c '
		set -e
		root=$1 n=$2
		shift 2
		mount --rbind /dev "$root/dev"
		mount -t proc proc "$root/proc"
		mount --rbind /sys "$root/sys"
		for ((i = 0; i < n; i++)); do
			p=$1
			shift
			[ -e "$p" ] || continue
			mkdir -p "$root$p"
			mount --rbind "$p" "$root$p"
		done
		exec chroot "$root" /usr/bin/env -C "$PWD" \
			PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			SVM_CXL_LANE_INSIDE=1 "$@"
	' lane-exec "$root" "${#binds[@]}" "${binds[@]}" "$@"
}

cmd=${1:-}
shift || true
case "$cmd" in
list) printf '%s\n' "${LANES[@]}" ;;
default)
	for l in "${LANES[@]}"; do
		if lane_check "$l"; then echo "$l"; exit 0; fi
	done
	echo "lane: no lane is set up (run harness/setup.sh)" >&2
	exit 1
	;;
check) lane_check "$1" ;;
root) lane_root "$1" ;;
build)
	case "$1" in
	deb12) echo "${SVM_CXL_BUILD:-$2/build}" ;;
	deb13) echo "${SVM_CXL_BUILD_DEB13:-$2/build-deb13}" ;;
	*) lane_root "$1" >/dev/null ;;
	esac
	;;
exec)
	lane=$1
	shift
	root=$(lane_root "$lane")
	if [ "$root" = / ] || [ -n "${SVM_CXL_LANE_INSIDE:-}" ]; then
		exec "$@"
	fi
	lane_check "$lane" || { echo "lane: $lane is not set up (run harness/setup.sh)" >&2; exit 1; }
	lane_exec_chroot "$root" "$@"
	;;
*)
	sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
	;;
esac
