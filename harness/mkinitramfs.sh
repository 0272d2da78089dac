#!/usr/bin/env bash
# Build the guest initramfs: a cached base archive (busybox, CXL/dax/NUMA tools and their
# libraries, the guest kernel's modules) plus a project archive (what `meson install`
# puts in the build's stage directory, svm_cxl.ko, the guest /init). The kernel unpacks
# concatenated archives in order, so the project part overrides the base.
# On a chroot lane (harness/lane.sh) everything, binaries, libraries and kernel modules,
# comes from the lane's root: the script runs itself inside it.
#   mkinitramfs.sh [--lane LANE] BUILD_DIR OUTPUT
# The lane is --lane, else SVM_CXL_LANE, else deb12.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lane=${SVM_CXL_LANE:-deb12}
if [ "${1:-}" = --lane ]; then
	lane=$2
	shift 2
fi
if [ "$lane" != deb12 ] && [ -z "${SVM_CXL_LANE_INSIDE:-}" ]; then
	mkdir -p "$(dirname "$2")"
	SVM_CXL_LANE_BINDS=$(cd "$1" && pwd):$(cd "$(dirname "$2")" && pwd) \
		exec "$here/lane.sh" exec "$lane" "$0" "$@"
fi
build=$(cd "$1" && pwd)
out=$2
abi=$("$here/guest-kernel.sh" abi)
moddir=$("$here/guest-kernel.sh" modules)
vm=$build/vm
mkdir -p "$vm"

# Guest kernel modules the harness loads; dependencies are added from modules.dep.
GUEST_MODULES=(cxl_acpi cxl_pci cxl_mem cxl_pmem device_dax dax_cxl kmem
	netfs 9pnet 9pnet_virtio 9p)
# Host programs copied into the guest with the libraries ldd names.
GUEST_PROGRAMS=(cxl daxctl ndctl numactl numastat migratepages jq kmod
	strace setsid udevadm)

copy_with_libs() { # ROOT PROGRAM...
	local root=$1 prog lib
	shift
	for prog in "$@"; do
		mkdir -p "$root$(dirname "$prog")"
		cp -L "$prog" "$root$prog"
		ldd "$prog" 2>/dev/null | awk '/=>/ {print $3} /^[[:space:]]*\// {print $1}' |
			while read -r lib; do
				[ -e "$lib" ] || continue
				mkdir -p "$root$(dirname "$lib")"
				[ -e "$root$lib" ] || cp -L "$lib" "$root$lib"
			done
	done
}

module_closure() {
	local m path
	for m in "${GUEST_MODULES[@]}"; do
		path=$(awk -v m="/$m.ko" 'index($1, m ":") || index($1, m ".xz:") {print $0; exit}' \
			"$moddir/modules.dep")
		[ -n "$path" ] || { echo "mkinitramfs: module $m not in $moddir" >&2; exit 1; }
		echo "$path" | tr -d ':' | tr ' ' '\n'
	done | sort -u | grep -v '^$'
}

pack() { # DIR OUT
	(cd "$1" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) | gzip -1 >"$2"
}

build_base() {
	local root=$vm/base-root prog m
	rm -rf "$root"
	mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,mnt,results,lib64}
	cp /bin/busybox "$root/bin/busybox"
	for prog in "${GUEST_PROGRAMS[@]}"; do
		copy_with_libs "$root" "$(command -v "$prog")"
	done
	ln -sf /usr/bin/kmod "$root/sbin/modprobe"
	ln -sf /usr/bin/kmod "$root/sbin/depmod"
	ln -sf /usr/bin/kmod "$root/sbin/lsmod"
	ln -sf /usr/bin/kmod "$root/sbin/rmmod"
	ln -sf /usr/bin/kmod "$root/sbin/insmod"
	ln -sf /usr/bin/kmod "$root/sbin/modinfo"
	# udevadm is also the udev daemon when called by that name. No system rules are
	# copied: tests install the rules they exercise.
	mkdir -p "$root/lib/systemd" "$root/etc/udev/rules.d"
	ln -sf /usr/bin/udevadm "$root/lib/systemd/systemd-udevd"
	# Stored uncompressed: the guest kernel then never sees a compressed image.
	for m in $(module_closure); do
		mkdir -p "$root/lib/modules/$abi/$(dirname "$m")"
		case "$m" in
		*.xz) xz -dc "$moddir/$m" >"$root/lib/modules/$abi/${m%.xz}" ;;
		*) cp "$moddir/$m" "$root/lib/modules/$abi/$m" ;;
		esac
	done
	cp "$moddir"/modules.{order,builtin,builtin.modinfo} "$root/lib/modules/$abi/"
	echo 'root:x:0:0:root:/root:/bin/sh' >"$root/etc/passwd"
	echo 'nobody:x:65534:65534:nobody:/nonexistent:/bin/sh' >>"$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
	pack "$root" "$vm/base.cpio.gz.tmp"
	mv "$vm/base.cpio.gz.tmp" "$vm/base.cpio.gz"
	echo "$abi $(sha1sum "$0" | cut -d' ' -f1)" >"$vm/base.stamp"
}

build_project() {
	local stage=$vm/stage root=$vm/project-root f
	rm -rf "$stage" "$root"
	meson install -C "$build" --no-rebuild --quiet --destdir "$stage" >/dev/null
	mkdir -p "$root"
	cp -a "$stage/." "$root/"
	# Our binaries' libraries (libcxl, json-c, ...) come along; the project's own
	# shared libraries are already in the stage.
	find "$stage" -type f -perm -u+x -print0 | while IFS= read -r -d '' f; do
		file -b "$f" | grep -q 'ELF.*dynamic' || continue
		ldd "$f" 2>/dev/null | awk '/=>/ && $3 ~ /^\// {print $3}' | while read -r lib; do
			[ -e "$vm/base-root$lib" ] || [ -e "$root$lib" ] || {
				mkdir -p "$root$(dirname "$lib")"
				cp -L "$lib" "$root$lib"
			}
		done
	done
	# The module goes where modprobe and libkmod look; depmod runs over the whole set.
	local ko
	ko=$(find "$stage" -name svm_cxl.ko | head -n1)
	if [ -n "$ko" ]; then
		mkdir -p "$root/lib/modules/$abi/extra"
		cp "$ko" "$root/lib/modules/$abi/extra/"
	fi
	local dep=$vm/depmod-root
	rm -rf "$dep"
	mkdir -p "$dep"
	cp -a "$vm/base-root/lib" "$dep/"
	[ -d "$root/lib/modules/$abi/extra" ] && cp -a "$root/lib/modules/$abi/extra" "$dep/lib/modules/$abi/"
	depmod -b "$dep" "$abi"
	mkdir -p "$root/lib/modules/$abi"
	cp "$dep/lib/modules/$abi"/modules.* "$root/lib/modules/$abi/"
	rm -rf "$dep"
	install -m 0755 "$here/guest-init.sh" "$root/init"
	install -D -m 0755 "$here/guest-qmp.sh" "$root/usr/bin/svm-vm-qmp"
	install -D -m 0755 "$here/guest-demo.sh" "$root/usr/bin/svm-demo"
	pack "$root" "$vm/project.cpio.gz"
}

stamp="$abi $(sha1sum "$0" | cut -d' ' -f1)"
if [ ! -f "$vm/base.cpio.gz" ] || [ "$(cat "$vm/base.stamp" 2>/dev/null)" != "$stamp" ]; then
	build_base
fi
build_project
cat "$vm/base.cpio.gz" "$vm/project.cpio.gz" >"$out.tmp"
mv "$out.tmp" "$out"
