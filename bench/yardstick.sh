#!/usr/bin/env bash
# Build the benchmark's yardstick: the kernel's reference driver for coherent migration,
# lib/test_hmm.c, as an out-of-tree module for the guest kernel. Debian's kernel does not
# build it (no CONFIG_TEST_HMM), so its source comes from the linux-source package of
# the guest kernel's series (the lane's backports suite: deb12 bookworm-backports, the
# deb13 chroot has it from harness/setup-lane-deb13.sh; installed here if missing). Run
# inside the lane (harness/lane.sh exec LANE). Edits, made here and nowhere else: the
# copy-back check after a migration to the device is removed (the yardstick as the issue
# defines it), and on a kernel without DEVICE_PRIVATE (6.12) the parts that need it are
# skipped (the two private devices, make_device_exclusive_range). 6.19+'s test_hmm
# migrates with MIGRATE_VMA_SELECT_COMPOUND: a THP moves as one 2 MiB folio; on a coherent
# device that needs folios in its single chunk (edit 1b) and SELECT_SYSTEM on the way
# back (edit 1c).
#   yardstick.sh OUTDIR      leaves OUTDIR/test_hmm.ko; exit 0, or 1 with a reason
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mkdir -p "$1" && cd "$1" && pwd)
headers=$("$here/../harness/guest-kernel.sh" headers)
abi=$("$here/../harness/guest-kernel.sh" abi)
series=$(echo "$abi" | cut -d. -f1-2)
pkg=linux-source-$series
src=$out/src
log() { printf 'yardstick: %s\n' "$*" >&2; }

# rebuilt when the kernel or these edits change
stamp="$abi $(sha1sum <"$0" | cut -c1-12)"
[ -f "$out/test_hmm.ko" ] && [ "$(cat "$out/stamp" 2>/dev/null)" = "$stamp" ] && exit 0
if [ ! -d "/usr/src/$pkg" ] && [ ! -f "/usr/src/$pkg.tar.xz" ]; then
	suite=$(. /etc/os-release && echo "$VERSION_CODENAME")-backports
	log "installing $pkg ($suite) for lib/test_hmm.c"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		-t "$suite" "$pkg" >/dev/null || { log "cannot install $pkg"; exit 1; }
fi
rm -rf "$src"
mkdir -p "$src"
if [ -f "/usr/src/$pkg/lib/test_hmm.c" ]; then
	cp "/usr/src/$pkg/lib/test_hmm.c" "/usr/src/$pkg/lib/test_hmm_uapi.h" "$src/"
else
	tar -xJf "/usr/src/$pkg.tar.xz" -C "$src" --strip-components=2 \
		"$pkg/lib/test_hmm.c" "$pkg/lib/test_hmm_uapi.h" || { log "no test_hmm.c in $pkg"; exit 1; }
fi
private=0
grep -q '^CONFIG_DEVICE_PRIVATE=y' "$headers/include/config/auto.conf" 2>/dev/null && private=1
python3 - "$src/test_hmm.c" "$private" <<'PY'
import sys
p = sys.argv[1]
private = sys.argv[2] == "1"
s = open(p).read()
def edit(old, new):
    global s
    if old not in s:
        sys.exit(f"yardstick: test_hmm.c changed, cannot apply: {old[:60]!r}")
    s = s.replace(old, new, 1)
# 1. No copy-back check after a migration to the device (dmirror_migrate_to_device(): the
# only multi-line comment of that wording). Up to 6.18 the block ends in "return ret;",
# from 6.19 in "goto free_mem;" (the pfn arrays are freed there).
a = s.index("\t/*\n\t * Return the migrated data for verification.")
b = s.index("\n\nout:", a)
tail = "\tgoto free_mem;" if s[a:b].rstrip().endswith("goto free_mem;") else "\treturn 0;"
s = s[:a] + "\t/* yardstick: copy-back check removed */\n\tcmd->cpages = 0;\n\tret = 0;\n" + tail + s[b:]
# 1b. 6.19+: a coherent device has one chunk, at its fixed spm_addr, made at load with
# base pages only, so a compound migration asks for a second chunk at the same address
# (memremap_pages: "Conflicting mapping in same section", a WARN) and cannot run on
# coherent memory at all. Give the chunk both kinds: its lower half as 2 MiB folios.
if "free_folios" in s:
    edit("""		if (is_large && IS_ALIGNED(pfn, HPAGE_PMD_NR)""",
         """		if ((is_large || (mdevice->zone_device_type == HMM_DMIRROR_MEMORY_DEVICE_COHERENT &&
				  pfn < pfn_first + (pfn_last - pfn_first) / 2)) &&
		    IS_ALIGNED(pfn, HPAGE_PMD_NR)""")
# 1c. 6.19+: 7.3's migrate_vma_collect_huge_pmd() collects a present (coherent) huge PMD
# only with MIGRATE_VMA_SELECT_SYSTEM, so the way back leaves a coherent folio where it
# is (cpages 0, no error). Set it for coherent devices, as svm_cxl does (docs/kernel.md,
# "Device THP"); system pages collected that way get no destination.
if "free_folios" in s:
    edit("""		args.flags = dmirror_select_device(dmirror) | MIGRATE_VMA_SELECT_COMPOUND;""",
         """		args.flags = dmirror_select_device(dmirror) | MIGRATE_VMA_SELECT_COMPOUND;
		if (dmirror->mdevice->zone_device_type == HMM_DMIRROR_MEMORY_DEVICE_COHERENT)
			args.flags |= MIGRATE_VMA_SELECT_SYSTEM;""")
if private:
    open(p, "w").write(s)
    sys.exit(0)
# 2. No DEVICE_PRIVATE in this kernel: skip the private devices.
edit("""	for (id = 0; id < ndevices; id++) {
		ret = dmirror_device_init(dmirror_devices + id, id);""",
     """	for (id = 0; id < ndevices; id++) {
		if (dmirror_devices[id].zone_device_type == HMM_DMIRROR_MEMORY_DEVICE_PRIVATE) {
			dmirror_devices[id].zone_device_type = 0;
			continue;
		}
		ret = dmirror_device_init(dmirror_devices + id, id);""")
edit("""	while (--id >= 0)
		dmirror_device_remove(dmirror_devices + id);""",
     """	while (--id >= 0)
		if (dmirror_devices[id].zone_device_type)
			dmirror_device_remove(dmirror_devices + id);""")
# 3. make_device_exclusive_range is not exported without DEVICE_PRIVATE.
edit("ret = make_device_exclusive_range(mm, addr, next, pages, NULL);",
     "ret = -EOPNOTSUPP;")
open(p, "w").write(s)
PY
echo 'obj-m += test_hmm.o' >"$src/Kbuild"
make -s -C "$headers" M="$src" modules >"$out/build.log" 2>&1 || { log "build failed: $out/build.log"; exit 1; }
cp "$src/test_hmm.ko" "$out/test_hmm.ko"
echo "$stamp" >"$out/stamp"
