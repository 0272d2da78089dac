#!/usr/bin/env bash
# The systemd guest's initramfs: busybox, the 9p and overlay modules of the guest kernel
# (decompressed, so busybox insmod loads them) and harness/sysguest-init.sh, which
# switches to the shared root.
#   mksysinitrd.sh OUT
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$1
moddir=$("$here/guest-kernel.sh" modules)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{bin,lib,proc,sys,dev}
cp /bin/busybox "$tmp/bin/busybox"
for m in netfs 9pnet 9pnet_virtio 9p overlay; do
	f=$(awk -v m="/$m.ko" 'index($1, m ":") || index($1, m ".xz:") { sub(":", "", $1); print $1; exit }' "$moddir/modules.dep")
	[ -n "$f" ] || { echo "mksysinitrd: $m not in $moddir" >&2; exit 1; }
	case "$f" in
	*.xz) xz -dc "$moddir/$f" >"$tmp/lib/$m.ko" ;;
	*) cp "$moddir/$f" "$tmp/lib/$m.ko" ;;
	esac
done
install -m 0755 "$here/sysguest-init.sh" "$tmp/init"
(cd "$tmp" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) | gzip -1 >"$out"
