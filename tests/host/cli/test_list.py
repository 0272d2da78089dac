#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""svm-cxlctl list over a fake sysfs tree (fake_sysfs.topology): the output shape of
cxl list (always an array; single-key containers when several types have objects),
filters and cross-object filters, -s, "[]" and exit 0 on no match, -u as ndctl prints
it, -v/-vv/-vvv levels, absent values left out, page counts from the real page size,
bad filters refused with exit 2."""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_sysfs  # noqa: E402
from tap import check, finish  # noqa: E402

CTL, FAKE_RUN = sys.argv[1:3]


def run(*args):
    # over the fake tree, mounted at /sys (fake-sysfs-run)
    p = subprocess.run([FAKE_RUN, root, CTL, *args], capture_output=True, text=True, env=ENV)
    return p.returncode, p.stdout, p.stderr


def listing(*args):
    rc, out, err = run("list", *args)
    check(rc == 0, f"list {' '.join(args)}: exit {rc}: {err}")
    try:
        return json.loads(out)
    except ValueError:
        check(False, f"list {' '.join(args)}: not JSON: {out!r}")
        return None



def names(objs, key):
    return sorted(o[key] for o in objs)


def no_nulls(v, path="$"):
    if v is None:
        return path
    if isinstance(v, dict):
        for k, x in v.items():
            bad = no_nulls(x, f"{path}.{k}")
            if bad:
                return bad
    if isinstance(v, list):
        for i, x in enumerate(v):
            bad = no_nulls(x, f"{path}[{i}]")
            if bad:
                return bad
    return None


with tempfile.TemporaryDirectory() as root:
    fake_sysfs.topology(root)
    ENV = dict(os.environ, SVM_CXL_LOCK=f"{root}/lock")
    ENV.pop("SVM_CXL_LOG", None)
    ps = os.sysconf("SC_PAGESIZE")

    # shape: memdevs and regions by default, as containers; one type: the objects
    d = listing()
    check(isinstance(d, list) and [list(c) for c in d] == [["memdevs"], ["regions"]],
          f"default: [{{memdevs}}, {{regions}}], got {[list(c) for c in d]}")
    check(names(d[0]["memdevs"], "memdev") == ["mem0", "mem1", "mem2", "mem3"], "4 memdevs")
    check(names(d[1]["regions"], "region") == ["region0", "region1", "region2"], "3 regions")
    d = listing("-R")
    check(isinstance(d, list) and names(d, "region") == ["region0", "region1", "region2"],
          "-R: an array of regions")
    d = listing("-v")
    check([list(c) for c in d] == [["memdevs"], ["root decoders"], ["regions"], ["pools"]],
          f"-v adds root decoders and pools: {[list(c) for c in d]}")
    # several types asked for, one of them empty: that one is left out, no container
    d = listing("-M", "-P", "-m", "mem0")
    check(names(d, "memdev") == ["mem0"], f"-M -P -m mem0: only memdevs, spliced: {d}")

    # a filter that matches nothing: [] and exit 0, with a warning
    for args in (["-m", "mem42"], ["-r", "99"], ["-s", "77"], ["-m", "mem0", "-P"],
                 ["-d", "switch"]):
        rc, out, err = run("list", *args)
        check(rc == 0 and json.loads(out) == [] and "no matching" in err,
              f"list {' '.join(args)}: [] exit 0 ({rc}, {out.strip()!r}, {err.strip()!r})")

    # bad filters and words: exit 2, the word named, what to try
    for args, word in ((["-m", ""], "empty"), (["-m", "foo"], "foo"), (["-d", "0"], "decoderX.Y"),
                       (["-r", "region"], "regionN"), (["-s", "0x"], "serial"),
                       (["-s", "12ab"], "12ab"), (["-r", ","], "empty"), (["extra"], "extra"),
                       (["--frob"], "--frob"), (["-m"], "needs a value")):
        rc, out, err = run("list", *args)
        check(rc == 2 and word in err and not out,
              f"list {' '.join(args)}: exit 2 naming {word!r} ({rc}, {err.strip()!r})")

    rc, _, err = run("list", "--regoin", "0")
    check(rc == 2 and "did you mean '--region'" in err, f"--regoin: did you mean --region ({err.strip()})")

    # own filters: names, ids, PCI addresses, several words, all
    check(names(listing("-m", "0000:df:00.0"), "memdev") == ["mem1"], "-m PCI address")
    check(names(listing("-m", "mem0,2"), "memdev") == ["mem0", "mem2"], "-m mem0,2")
    check(names(listing("-m", "mem0 mem3"), "memdev") == ["mem0", "mem3"], "-m 'mem0 mem3'")
    check(len(listing("-m", "all")) == 4, "-m all")
    check(names(listing("-r", "1"), "region") == ["region1"], "-r 1")
    check(names(listing("-d", "0.1"), "decoder") == ["decoder0.1"], "-d 0.1 (numeric)")
    check(names(listing("-d", "decoder0.0"), "decoder") == ["decoder0.0"], "-d decoder0.0")
    check(names(listing("-d", "root"), "decoder") == ["decoder0.0", "decoder0.1"], "-d root")
    # serials: decimal, hex, the top bit set, 0
    check(names(listing("-s", "0x8000000000000001"), "memdev") == ["mem2"], "-s hex, top bit")
    check(names(listing("-s", "9223372036854775809"), "memdev") == ["mem2"], "-s decimal")
    check(names(listing("-s", "0"), "memdev") == ["mem3"], "-s 0")
    check(names(listing("-s", "1,2"), "memdev") == ["mem0", "mem1"], "-s 1,2")
    check(names(listing("-m", "mem0", "-s", "2"), "memdev") == [], "-m and -s both hold")

    # cross-object filters
    check(names(listing("-m", "mem0", "-R"), "region") == ["region0", "region2"],
          "-m mem0 -R: mem0's regions")
    check(names(listing("-m", "mem2", "-R"), "region") == ["region1"], "-m mem2 -R")
    check(names(listing("-s", "2", "-R"), "region") == ["region0"], "-s 2 -R")
    check(names(listing("-r", "region1", "-M"), "memdev") == ["mem2"], "-r region1 -M")
    check(names(listing("-r", "0", "-D"), "decoder") == ["decoder0.0"], "-r 0 -D")
    check(names(listing("-m", "mem2", "-D"), "decoder") == ["decoder0.1"], "-m mem2 -D")
    check(names(listing("-d", "0.1", "-M"), "memdev") == ["mem2", "mem3"],
          "-d 0.1 -M: memdevs the window reaches")
    check(names(listing("-d", "0.0", "-R"), "region") == ["region0", "region2"], "-d 0.0 -R")
    check(names(listing("-m", "mem2", "-P"), "pool") == ["pool3"], "-m mem2 -P")
    check(names(listing("-r", "0", "-X"), "chardev") == ["dax0.0"], "-r 0 -X")
    d = listing("-M", "-R", "-m", "mem2")
    check(d == [{"memdevs": listing("-m", "mem2")}, {"regions": listing("-r", "1")}],
          "-M -R -m mem2: mem2 and its region")

    # keys: cxl list's names, ours kept, nothing null
    for args in ([], ["-vvv"], ["-X"], ["-P"], ["-D", "-T"], ["-u", "-vv"]):
        bad = no_nulls(listing(*args))
        check(bad is None, f"list {' '.join(args)}: no null values ({bad})")
    r0, r1, r2 = (listing("-r", str(i))[0] for i in range(3))
    check(r0["resource"] == 0x490000000 and r0["size"] == 512 * fake_sysfs.MIB,
          "region0 resource and size are numbers")
    check(r0["decode_state"] == "commit" and "state" not in r0 and r0["mode"] == "numa",
          "region0 commit, enabled (no state), mode numa")
    check(r0["dax"]["mode"] == "system-ram" and r0["dax"]["driver"] == "kmem",
          "region0 dax: daxctl's mode system-ram")
    check(r1["mode"] == "coherent" and r1["pool"]["pool"] == "pool3", "region1 coherent, pool3")
    check(r1["dax"]["mode"] == "devdax" and r1["dax"]["state"] == "disabled" and
          "driver" not in r1["dax"], "region1 dax: devdax, disabled, no driver key")
    check("interleave_granularity" in listing("-d", "0.0")[0] and
          "interleave_granularity" not in listing("-d", "0.1")[0],
          "window granularity only when interleaving")
    check(r2["decode_state"] == "reset" and r2["state"] == "disabled" and r2.get("stale") is True,
          "region2: reset, disabled, stale")
    check("stale" not in r0, "stale left out unless true")
    m3 = listing("-m", "mem3")[0]
    check(m3.get("state") == "disabled" and "endpoint" not in m3 and "region" not in m3,
          "mem3 without endpoint: disabled, no endpoint/region keys")
    rc, out, _ = run("list", "-m", "mem2")
    check('"serial": 9223372036854775809' in out, "serial printed unsigned")

    # -u: numbers printed as ndctl prints them
    ru = listing("-r", "0", "-u")[0]
    check(ru["size"] == "512.00 MiB (536.87 MB)", f"-u size: {ru['size']}")
    check(ru["resource"] == "0x490000000", f"-u resource: {ru['resource']}")
    check(listing("-m", "mem2", "-u")[0]["serial"] == "0x8000000000000001", "-u serial in hex")
    check(listing("-d", "0.0", "-u")[0]["size"] == "4.00 GiB (4.29 GB)", "-u window size in GiB")
    check(listing("-P", "-u")[0]["used_pages"] == 16, "-u leaves counts alone")

    # -v levels, and -T
    check("mappings" not in r0 and "memblocks" not in r0["dax"] and
          "node_total_pages" not in r0["dax"], "level 0: no mappings, memblocks, node pages")
    v1 = listing("-r", "0", "-v")[0]
    check(v1["mappings"] == [{"position": 0, "memdev": "mem0", "decoder": "decoder3.0"},
                             {"position": 1, "memdev": "mem1", "decoder": "decoder4.0"}],
          f"-v: mappings {v1.get('mappings')}")
    check(v1["dax"]["movable"] is True and v1["dax"]["memory_tier"] == 4, "-v: movable, tier")
    check(v1["dax"]["node_total_pages"] == 512 * fake_sysfs.MIB // ps and
          v1["dax"]["node_free_pages"] == 256 * fake_sysfs.MIB // ps and
          v1["dax"]["node_used_pages"] == 256 * fake_sysfs.MIB // ps,
          f"-v: node pages in {ps}-byte pages: {v1['dax'].get('node_total_pages')}")
    check("memblocks" not in v1["dax"] and "processes" not in v1, "-v: no memblocks, no processes")
    v2 = listing("-r", "0", "-vv")[0]
    check([(b["memblock"], b["zone"]) for b in v2["dax"]["memblocks"]] ==
          [(b, "Movable") for b in range(146, 150)], "-vv: memory blocks with zones")
    check("processes" not in v2, "-vv: no process scan")
    v3 = listing("-r", "0", "-vvv")[0]
    check("nr_processes" in v3 and isinstance(v3["processes"], list), "-vvv: processes")
    check(listing("-r", "2", "-T")[0]["mappings"] == [
        {"position": 0, "memdev": "mem0", "decoder": "decoder3.1"}, {"position": 1}],
          "-T: mappings; an unset target has only its position")
    check(listing("-D", "-T", "-d", "0.0")[0]["targets"] ==
          [{"target": "pci0000:0c", "position": 0}, {"target": "pci0000:de", "position": 1}],
          "-D -T: window targets in position order")
    check("targets" not in listing("-D", "-d", "0.0")[0], "-D: targets only with -T/-v")

    # the movable verdict follows the zones
    fake_sysfs.Tree(root).memblock(147, "online", "Normal")
    check(listing("-r", "0", "-v")[0]["dax"]["movable"] is False, "-v: a Normal block: not movable")

finish()
