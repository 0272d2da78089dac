#!/usr/bin/env bash
# Build svm_cxl.ko the way a distribution does, with `dkms build` and kernel/dkms.conf,
# against one kernel's headers, in a private DKMS tree (nothing under /var/lib/dkms or
# /usr/src is touched). Fails unless dkms builds it and the module's vermagic names
# that kernel. A meson test per lane runs it for the lane's guest kernel.
#   dkms-check.sh SOURCE_DIR WORK_DIR [KERNEL_RELEASE]
# KERNEL_RELEASE defaults to the guest kernel of the lane this runs in.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$1" && pwd)
work=$2
kver=${3:-$("$here/guest-kernel.sh" abi)}
log() { printf 'dkms-check: %s\n' "$*" >&2; }

command -v dkms >/dev/null || { log "dkms is not installed (harness/setup.sh)"; exit 1; }
conf=$src/kernel/dkms.conf
name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"$/\1/p' "$conf")
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$conf")
project=$(sed -n "s/^  version: '\(.*\)',$/\1/p" "$src/meson.build")
[ "$version" = "$project" ] ||
	{ log "kernel/dkms.conf says version $version, meson.build $project"; exit 1; }
[ -d "/lib/modules/$kver/build" ] || { log "no headers for $kver at /lib/modules/$kver/build"; exit 1; }

rm -rf "$work"
mkdir -p "$work/source" "$work/tree"
# What a package would ship as /usr/src/NAME-VERSION: the kernel/ directory as is.
cp -a "$src/kernel" "$work/source/$name-$version"
# Signed with a throwaway key of its own, not the machine's /var/lib/dkms/mok.key.
export mok_signing_key=$work/mok.key mok_certificate=$work/mok.pub
dk=(dkms --dkmstree "$work/tree" --sourcetree "$work/source" -m "$name" -v "$version")
"${dk[@]}" add >/dev/null
if ! "${dk[@]}" -k "$kver" build >"$work/dkms.out" 2>&1; then
	cat "$work/dkms.out"
	find "$work/tree" -name make.log -exec cat {} +
	log "dkms build failed for $kver"
	exit 1
fi
ko=$(find "$work/tree/$name/$version/$kver" -name 'svm_cxl.ko*' | head -n1)
[ -n "$ko" ] || { log "dkms built no svm_cxl.ko for $kver"; exit 1; }
magic=$(modinfo -F vermagic "$ko" | awk '{print $1}')
[ "$magic" = "$kver" ] || { log "$ko has vermagic $magic, not $kver"; exit 1; }
# W=1 is not what dkms passes, but the build must be warning-free as distributions run it.
if grep -E 'warning:|error:' "$work/tree/$name/$version/$kver"/*/log/make.log; then
	log "the dkms build for $kver has warnings"
	exit 1
fi
grep -q 'Signing module' "$work/dkms.out" || log "note: dkms did not sign the module"
echo "ok - dkms build $name/$version for $kver: $(basename "$ko"), vermagic $magic"
