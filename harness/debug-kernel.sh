#!/usr/bin/env bash
# The debug guest kernel of the deb12 lane: Debian's 6.12 source (linux-source-6.12) with
# lockdep, DEBUG_VM, generic inline KASAN, DEBUG_PAGEALLOC (on at boot), DEBUG_LIST and
# might_sleep checks, from Debian's own config reduced to the modules the guests load.
# Built once and cached under /var/cache/svm-cxl/debug-kernel/VERSION (the linux-source
# package's version; the tree is unpacked once per version), with HASH (the base config,
# the module list and the options below) in its `done` stamp: a second call returns at
# once, and a changed option list rebuilds in the same tree, where kbuild recompiles only
# what depends on the changed symbols. Not part of CI: `harness/test.sh --kernel debug`
# uses it (harness/guest-kernel.sh answers for it when SVM_CXL_KERNEL=debug).
#   debug-kernel.sh build              build if not cached, print the tree
#   debug-kernel.sh abi|image|headers|modules|tree   facts about the cached build
# The compile runs under `nice -n 19 make -j2`: the machine's CPUs are shared with guests.
set -euo pipefail

cache=${SVM_CXL_DEBUG_KERNEL_CACHE:-/var/cache/svm-cxl/debug-kernel}
tarball=/usr/src/linux-source-6.12.tar.xz
log() { printf 'debug-kernel: %s\n' "$*" >&2; }

# Debian's config for the image the deb12 lane boots; the linux-config package's copy
# when /boot has none (a CI machine that installed the image elsewhere).
base_config() {
	local c
	c=$(ls -1 /boot/config-6.12.*-amd64 2>/dev/null | sort -V | tail -n1)
	if [ -n "$c" ]; then
		cat "$c"
	elif [ -f /usr/src/linux-config-6.12/config.amd64_none_amd64.xz ]; then
		xz -dc /usr/src/linux-config-6.12/config.amd64_none_amd64.xz
	else
		log "no Debian 6.12 config (/boot/config-6.12.* or linux-config-6.12)"
		return 1
	fi
}

# The modules a guest loads (harness/mkinitramfs.sh's GUEST_MODULES and their
# dependencies, the legacy-pmem path of the ramspeed/bigpool topologies, hwpoison_inject
# for the poison tests). Everything else Debian builds as a module is dropped by
# localmodconfig; Debian's built-ins (ACPI, PCI hotplug, virtio, ZONE_DEVICE,
# MEMORY_HOTPLUG/REMOVE, MEMORY_FAILURE, HMM, userfaultfd, memcg) stay as they are.
MODULES=(cxl_acpi cxl_pci cxl_mem cxl_pmem cxl_port device_dax dax_cxl dax_pmem dax_hmem
	kmem libnvdimm nd_pmem nd_btt nd_e820 nfit netfs 9pnet 9pnet_virtio 9p hwpoison_inject)

# The debug options, and what is switched off only to keep the build short (debug info,
# BTF, module signing and compression, and built-in subsystems a guest of the harness never
# uses: it boots from an initramfs under SeaBIOS, with a serial console, 9p over virtio,
# no network devices, no USB, input or display, no LSM; ftrace and kprobes would only add
# instrumentation to every object).
DEBUG_OPTIONS='
-e PROVE_LOCKING
-e DEBUG_ATOMIC_SLEEP
-e DEBUG_VM
-e DEBUG_LIST
-e KASAN
-e KASAN_GENERIC
-e KASAN_INLINE
-d KASAN_OUTLINE
-e KASAN_VMALLOC
-e DEBUG_PAGEALLOC
-e DEBUG_PAGEALLOC_ENABLE_DEFAULT
-e DEBUG_KERNEL
-e DEVICE_PRIVATE
-m TEST_HMM
-d DEBUG_INFO
-d DEBUG_INFO_DWARF_TOOLCHAIN_DEFAULT
-d DEBUG_INFO_DWARF4
-d DEBUG_INFO_DWARF5
-e DEBUG_INFO_NONE
-d DEBUG_INFO_BTF
-d MODULE_SIG
-d MODULE_SIG_ALL
-d MODULE_COMPRESS
-d MODULE_COMPRESS_XZ
-e MODULE_COMPRESS_NONE
--set-str SYSTEM_TRUSTED_KEYS ""
--set-str SYSTEM_REVOCATION_KEYS ""
--set-str MODULE_SIG_KEY "certs/signing_key.pem"
-d LOCALVERSION_AUTO
--set-str LOCALVERSION "-svmdebug"
-d IPV6
-d NETFILTER
-d XFRM_USER
-d NET_SCHED
-d WIRELESS
-d WLAN
-d BT
-d NETDEVICES
-d SECURITY
-d SECURITY_SELINUX
-d SECURITY_APPARMOR
-d SECURITY_TOMOYO
-d SECURITY_LANDLOCK
-d SECURITY_YAMA
-d IMA
-d EVM
-d INTEGRITY
-d AUDIT
-d BPF_SYSCALL
-d XEN
-d HYPERV
-d FTRACE
-d KPROBES
-d DRM
-d FB
-d VT
-d INPUT
-d HID_SUPPORT
-d USB_SUPPORT
-d SOUND
-d MD
-d EFI
-d HIBERNATION
-d SUSPEND
-d KEXEC
-d KEXEC_FILE
-d CRASH_DUMP
-d INTEL_IOMMU
-d AMD_IOMMU
-d CPU_FREQ
-d WATCHDOG
-d HWMON
-d I2C
-d SPI
-d MEDIA_SUPPORT
-d STAGING
-d PINCTRL
-d NEW_LEDS
-d ACCESSIBILITY
-d WIRELESS_EXT
-d RFKILL
-d X86_MCE_AMD
-d PCCARD
-d PARPORT
-d MMC
-d DCB
-d NET_SWITCHDEV
-d MPTCP
'
# Must hold in the final .config, or the build is not the one asked for. HMM_MIRROR
# (hmm_range_fault(), which svm_cxl's QUERY uses) has no prompt: only its users select
# it, and localmodconfig drops those (GPU drivers) with the modules; TEST_HMM=m
# (lib/test_hmm.c, one module, also the benchmark's yardstick) selects it.
REQUIRED='PROVE_LOCKING=y DEBUG_VM=y KASAN=y KASAN_GENERIC=y KASAN_INLINE=y DEBUG_PAGEALLOC=y
DEBUG_PAGEALLOC_ENABLE_DEFAULT=y DEBUG_LIST=y DEBUG_ATOMIC_SLEEP=y ZONE_DEVICE=y
DEVICE_PRIVATE=y HMM_MIRROR=y MEMORY_HOTPLUG=y MEMORY_HOTREMOVE=y MEMORY_FAILURE=y HWPOISON_INJECT=m
CXL_BUS=y CXL_ACPI=m CXL_PCI=m CXL_MEM=m CXL_PMEM=m DEV_DAX=m DEV_DAX_CXL=m DEV_DAX_KMEM=m
NET_9P=m NET_9P_VIRTIO=m 9P_FS=m IA32_EMULATION=y'

# What building a kernel needs beyond the lane's packages, installed here rather than by
# harness/setup.sh (this script is not part of CI, and CI should not download a kernel
# source it never builds). linux-source-6.12 comes from bookworm-backports, which
# setup.sh enables.
BUILD_PKGS=(linux-source-6.12 bc bison flex libelf-dev libssl-dev cpio xz-utils)
missing=()
for p in "${BUILD_PKGS[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep '^install ok installed$' >/dev/null ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" -eq 0 ] ||
		{ log "packages missing and not root: sudo apt-get install -t bookworm-backports ${missing[*]}"; exit 1; }
	SVM_CXL_LANES=deb12 "$(dirname "$0")/setup.sh" >&2
	log "installing ${missing[*]}"
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends -t bookworm-backports "${missing[@]}" >/dev/null
fi

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12 2>/dev/null) || {
	log "linux-source-6.12 is not installed (harness/setup.sh installs it)"
	exit 1
}
key=$( { base_config; echo "${MODULES[*]}"; echo "$DEBUG_OPTIONS"; } | sha256sum | cut -c1-12)
dir=$cache/$srcver
tree=$dir/linux-source-6.12

built() { [ "$(cat "$dir/done" 2>/dev/null)" = "$key" ]; }

build() {
	local t0 lsmod m lock
	built && { echo "$tree"; return 0; }
	# one build at a time: a second caller (test.sh --kernel debug) waits for the first
	mkdir -p "$cache"
	exec {lock}>"$cache/build.lock"
	if ! flock -n "$lock"; then
		log "another build of the debug kernel is running (log: $dir/build.log); waiting for it"
		flock "$lock"
	fi
	built && { echo "$tree"; return 0; }
	[ -f "$tarball" ] || { log "$tarball missing (package linux-source-6.12)"; exit 1; }
	t0=$(date +%s)
	rm -f "$dir/done"
	if [ ! -f "$dir/unpacked" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		log "unpacking $tarball into $dir"
		tar -C "$dir" -xf "$tarball"
		touch "$dir/unpacked"
	else
		log "reusing the tree in $dir (kbuild rebuilds what the new config changes)"
	fi
	base_config >"$tree/.config"
	# localmodconfig reads lsmod's format: name, size, users. It asks about new symbols: `yes`
	# answers with the defaults and dies of SIGPIPE when make is done, which pipefail would
	# take for a failure of the pipeline (and set -e ends the script without a word).
	lsmod=$dir/lsmod
	echo "Module Size Used by" >"$lsmod"
	for m in "${MODULES[@]}"; do echo "$m 0 0"; done >>"$lsmod"
	(cd "$tree" && make -s olddefconfig >/dev/null &&
		{ yes '' || :; } | make -s LSMOD="$lsmod" localmodconfig >"$dir/localmodconfig.log" 2>&1)
	# DEBUG_OPTIONS is a word list for scripts/config (printf, not echo: it starts with -e).
	# shellcheck disable=SC2086
	eval "\"$tree/scripts/config\" --file \"$tree/.config\" $(printf '%s ' $DEBUG_OPTIONS)"
	(cd "$tree" && make -s olddefconfig >/dev/null)
	for m in $REQUIRED; do
		grep -qx "CONFIG_$m" "$tree/.config" || { log "config lacks CONFIG_$m"; exit 1; }
	done
	log "config: $(grep -c '=[ym]$' "$tree/.config") options set, $(grep -c '=m$' "$tree/.config") modules"
	log "building (nice -n 19 make -j2), log in $dir/build.log"
	(cd "$tree" && nice -n 19 make -j2 bzImage modules >"$dir/build.log" 2>&1) || {
		tail -n 30 "$dir/build.log" >&2
		log "build failed"
		exit 1
	}
	# Modules as a lane keeps them: /lib/modules/ABI with modules.dep, under the cache.
	(cd "$tree" && make -s INSTALL_MOD_PATH="$dir/root" DEPMOD=/sbin/depmod modules_install \
		>>"$dir/build.log" 2>&1)
	(cd "$tree" && make -s kernelrelease) >"$dir/abi"
	rm -f "$dir/root/lib/modules/$(cat "$dir/abi")/build" "$dir/root/lib/modules/$(cat "$dir/abi")/source"
	echo "$(($(date +%s) - t0))" >"$dir/build-seconds"
	echo "$key" >"$dir/done"
	log "built $(cat "$dir/abi") in $(cat "$dir/build-seconds") s"
	echo "$tree"
}

need() { built || { log "not built yet: run harness/debug-kernel.sh build"; exit 1; }; }

case "${1:-build}" in
build) build ;;
abi) need; cat "$dir/abi" ;;
image) need; echo "$tree/arch/x86/boot/bzImage" ;;
headers | tree) need; echo "$tree" ;;
modules) need; echo "$dir/root/lib/modules/$(cat "$dir/abi")" ;;
*) echo "usage: debug-kernel.sh build|abi|image|headers|modules|tree" >&2; exit 2 ;;
esac
