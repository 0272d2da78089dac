#!/usr/bin/env python3
"""Render the raw samples of svm-cxl-bench (one JSON array per memory and mode) into
docs/benchmarks.json (every sample), docs/benchmarks.md (tables, ratios, targets) and
docs/benchmarks.png (throughput against size per path, gnuplot).

    render.py RESULTS_DIR DOCS_DIR [--note TEXT]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

MIB = 1 << 20
GIB = 1 << 30

# Targets of issue #6 (ratios measured on the RAM-speed control, 64 MiB of 4 KiB pages)
# and the yardstick: lib/test_hmm.c coherent mode on this kind of machine.
TARGETS = [
    ("to the pool ÷ memcpy", "to_ratio", ">=", 0.6, 0.50),
    ("back to system RAM ÷ memcpy", "back_ratio", ">=", 0.3, 0.22),
    ("eviction ÷ back migration", "evict_ratio", ">=", 0.8, None),
    ("pool add (online) per GiB ÷ 1 GiB memcpy", "online_ratio", "<=", 0.25, None),
]
PHASES = ["setup", "alloc", "copy", "pages", "finalize", "account"]

# Targets of issue #10, from svm-cxl-bench ab (every ratio formed inside one repetition):
# (what, numerator peer, its metric, denominator peer, its metric, op, target); a ratio
# of throughputs num ÷ den is den_time / num_time. "memcpy" as the denominator is the
# numerator peer's own memcpy of the same bytes in the same direction.
AB_ROWS = [
    ("4 KiB: ours to the pool ÷ memcpy", "ours", "to", "memcpy", None, None),
    ("4 KiB: ours back ÷ memcpy", "ours", "back", "memcpy", None, None),
    ("4 KiB: test_hmm to its device ÷ memcpy", "hmm", "to", "memcpy", None, None),
    ("4 KiB: test_hmm back ÷ memcpy", "hmm", "back", "memcpy", None, None),
    ("4 KiB: ours ÷ test_hmm, to", "ours", "to", "hmm", None, None),
    ("4 KiB: ours ÷ test_hmm, back", "ours", "back", "hmm", None, None),
    ("4 KiB: ours ÷ move_pages(2), to", "ours", "to", "move_pages", None, None),
    ("4 KiB: ours ÷ move_pages(2), back", "ours", "back", "move_pages", None, None),
    ("2 MiB: ours to the pool ÷ memcpy", "ours_thp", "to", "memcpy", ">=", 0.7),
    ("2 MiB: ours back ÷ memcpy", "ours_thp", "back", "memcpy", ">=", 0.5),
    ("2 MiB: ours ÷ ours 4 KiB, to", "ours_thp", "to", "ours", ">=", 4),
    ("2 MiB: ours ÷ ours 4 KiB, back", "ours_thp", "back", "ours", ">=", 4),
    ("2 MiB: test_hmm to ÷ memcpy", "hmm_thp", "to", "memcpy", None, None),
    ("2 MiB: test_hmm back ÷ memcpy", "hmm_thp", "back", "memcpy", None, None),
    ("2 MiB: ours ÷ test_hmm (compound), to", "ours_thp", "to", "hmm_thp", ">=", 1.2),
    ("2 MiB: ours ÷ test_hmm (compound), back", "ours_thp", "back", "hmm_thp", ">=", 1.2),
]


def load(results):
    recs = []
    for f in sorted(Path(results).glob("*.json")):
        try:
            recs += json.loads(f.read_text())
        except ValueError as e:
            print(f"render: skipping {f}: {e}", file=sys.stderr)
    return recs


class Data:
    def __init__(self, recs):
        self.recs = recs
        self.by = {}
        for r in recs:
            self.by[(r["memory"], r["mode"], r["metric"], r["size"])] = r

    def get(self, mem, mode, metric, size):
        return self.by.get((mem, mode, metric, size))

    def med(self, mem, mode, metric, size):
        r = self.get(mem, mode, metric, size)
        return statistics.median(r["samples"]) if r and r["samples"] else None

    def rate(self, mem, mode, metric, size):
        """MiB/s from the median time. Eviction: the drain itself (the module's
        profile), without the memunmap_pages that pool removal does after it."""
        t = self.med(mem, mode, metric, size)
        r = self.get(mem, mode, metric, size)
        if metric == "evict" and r and "profile" in r:
            t = statistics.median(r["profile"]["total"])
        return size / MIB / t if t else None

    def paired(self, mem, mode, num, den, size):
        """Median over runs of den_time / num_time: the throughput ratio num ÷ den,
        each run's pair measured back to back (robust against host load drifting)."""
        a, b = self.get(mem, mode, num, size), self.get(mem, mode, den, size)
        if not a or not b:
            return None
        return statistics.median(tb / ta for ta, tb in zip(a["samples"], b["samples"]) if ta)

    def ab_ratios(self, size, num, way, den):
        """Per repetition of svm-cxl-bench ab: throughput of peer num ÷ that of den (or
        of num's own memcpy), both measured in the same repetition."""
        a = self.get("ram", "ab", f"{num}_migrate_{way}", size)
        b = self.get("ram", "ab", f"{num if den == 'memcpy' else den}_"
                     f"{'memcpy' if den == 'memcpy' else 'migrate'}_{way}", size)
        if not a or not b:
            return None
        return [tb / ta for ta, tb in zip(a["samples"], b["samples"]) if ta]

    def phase_rate(self, mem, metric, size, phase):
        r = self.get(mem, "pool", metric, size)
        if not r or "profile" not in r:
            return None
        t = statistics.median(r["profile"][phase])
        return size / MIB / t if t else None

    def sizes(self, mem, mode, metric):
        return sorted(s for (m, mo, me, s) in self.by if (m, mo, me) == (mem, mode, metric))

    def memories(self):
        return [m for m in ("ram", "cxl") if any(k[0] == m for k in self.by)]


def fmt(v, digits=0, unit=""):
    if v is None:
        return "–"
    return f"{v:.{digits}f}{unit}"


def ratio(a, b):
    return a / b if a is not None and b else None


def throughput_table(d, mem):
    rows = ["| size | ours to pool | copy phase | move_pages to node | memcpy to | ours back | copy phase | move_pages back | memcpy back | eviction | to ÷ memcpy | back ÷ memcpy | ours ÷ move_pages (to / back) | eviction ÷ back |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for size in d.sizes(mem, "pool", "migrate_to"):
        to = d.rate(mem, "pool", "migrate_to", size)
        back = d.rate(mem, "pool", "migrate_back", size)
        cto = d.phase_rate(mem, "migrate_to", size, "copy")
        cback = d.phase_rate(mem, "migrate_back", size, "copy")
        mpto = d.rate(mem, "numa", "move_pages_to", size)
        mpback = d.rate(mem, "numa", "move_pages_back", size)
        mcto = d.rate(mem, "pool", "memcpy_to", size)
        mcback = d.rate(mem, "pool", "memcpy_back", size)
        ev = d.rate(mem, "pool", "evict", size)
        rows.append(f"| {size // MIB} MiB | {fmt(to)} | {fmt(cto)} | {fmt(mpto)} | {fmt(mcto)} | "
                    f"{fmt(back)} | {fmt(cback)} | {fmt(mpback)} | {fmt(mcback)} | {fmt(ev)} | "
                    f"{fmt(ratio(to, mcto), 2)} | {fmt(ratio(back, mcback), 2)} | "
                    f"{fmt(ratio(to, mpto), 1)} / {fmt(ratio(back, mpback), 1)} | "
                    f"{fmt(ratio(ev, back), 2)} |")
    return "\n".join(rows)


def hotplug_rows(d, mem):
    """Online/offline per GiB for both modes, and the ratio to a 1 GiB memcpy."""
    out = []
    sizes = d.sizes(mem, "pool", "memcpy_to")
    big = max(sizes) if sizes else None
    mc = d.rate(mem, "pool", "memcpy_to", big) if big else None
    gib_memcpy = 1024 / mc if mc else None

    def per_gib(mode, metric):
        for (m, mo, me, s), r in d.by.items():
            if (m, mo, me) == (mem, mode, metric) and s:
                return statistics.median(r["samples"]) * GIB / s, s
        return None, None

    for mode, metric, what in (("pool", "pool_add", "coherent: pool add (memremap_pages)"),
                               ("pool", "pool_remove_empty", "coherent: pool remove, empty (memunmap_pages)"),
                               ("numa", "numa_online", "NUMA: online movable"),
                               ("numa", "numa_offline_empty", "NUMA: offline, empty")):
        t, s = per_gib(mode, metric)
        if t is None:
            continue
        out.append(f"| {mem} | {what} | {s // MIB} MiB | {fmt(t, 3)} | {fmt(ratio(t, gib_memcpy), 3)} |")
    return out, gib_memcpy


def quartiles(v):
    """q1, median, q3 (the median alone for fewer than 4 samples: q1 = q3 = median)."""
    med = statistics.median(v)
    if len(v) < 4:
        return med, med, med
    q = statistics.quantiles(v, n=4, method="inclusive")
    return q[0], med, q[2]


def ab_targets(d, size):
    """The targets table from svm-cxl-bench ab: min / median / max over repetitions."""
    if not d.get("ram", "ab", "ours_migrate_to", size):
        return []
    reps = len(d.get("ram", "ab", "ours_migrate_to", size)["samples"])
    md = ["## Targets (RAM-speed control, 64 MiB, A/B in one loop)", "",
          f"`svm-cxl-bench ab`: {reps} repetitions; each runs ours (a pool on one half of the "
          "range), the yardstick (`lib/test_hmm.c` coherent mode without its copy-back check, "
          "`bench/yardstick.sh`, on the other half) and move_pages(2) to node 1 in turn, and "
          "on a kernel with device THP the same for ours and test_hmm on 2 MiB THP-backed "
          "buffers; every migration is followed at once by memcpy of the same bytes in the "
          "same direction. Each ratio is formed inside one repetition, so the drift of the "
          "guest's memcpy speed over the run cancels. Over the repetitions: min, the "
          "quartiles (q1, median, q3) and max; `spread` is the interquartile range ÷ the "
          "median, the figure to compare two runs by (a repetition that another guest's "
          "burst slowed lands outside q1-q3 and moves the median little).", "",
          "| ratio | min | q1 | median | q3 | max | spread | target | met |",
          "|---|---|---|---|---|---|---|---|---|"]
    for what, num, way, den, op, target in AB_ROWS:
        v = d.ab_ratios(size, num, way, den)
        if not v:
            continue
        q1, med, q3 = quartiles(v)
        met = "–" if op is None else ("yes" if med >= target else "**no**")
        md.append(f"| {what} | {min(v):.2f} | {q1:.2f} | {med:.2f} | {q3:.2f} | {max(v):.2f} | "
                  f"{(q3 - q1) / med:.0%} | {'–' if op is None else f'{op} {target}'} | {met} |")
    peers = []
    for peer, label in (("ours", "ours 4 KiB"), ("hmm", "test_hmm 4 KiB"),
                        ("move_pages", "move_pages 4 KiB"), ("ours_thp", "ours 2 MiB"),
                        ("hmm_thp", "test_hmm 2 MiB")):
        to, back = d.rate("ram", "ab", f"{peer}_migrate_to", size), d.rate("ram", "ab", f"{peer}_migrate_back", size)
        if to:
            r = d.get("ram", "ab", f"{peer}_migrate_to", size)
            huge = f" ({r['huge_to']}/{r['huge_back']} pages in 2 MiB folios to/back, " \
                   f"AnonHugePages {r['thp_kb_before']} → {r['thp_kb_after']} kB)" if peer == "ours_thp" else ""
            peers.append(f"{label} {fmt(to)} / {fmt(back)}{huge}")
    md += ["", "Median throughput to / back, MiB/s: " + "; ".join(peers) + ". "
           "The 4 KiB figures of 2026-11-21 were 837 / 446 (ours) and 570 / 116 (test_hmm).", ""]
    prof = []
    for peer, label in (("ours", "4 KiB"), ("ours_thp", "2 MiB")):
        for way in ("to", "back"):
            r = d.get("ram", "ab", f"{peer}_migrate_{way}", size)
            if r and "profile" in r and r["profile"]["total"]:
                cells = [fmt(statistics.median(r["profile"][ph]) * 1e3, 1) for ph in PHASES + ["total"]]
                prof.append(f"| {label} {way} | " + " | ".join(cells) + " |")
    if prof:
        md += ["Where ours spends its time in that loop (the module's debugfs profile, median ms "
               "per call; `alloc` and `copy` of a 2 MiB folio are the folio's allocation and its "
               "folio-to-folio copy):", "",
               "| ours | " + " | ".join(PHASES) + " | total |",
               "|---|" + "---|" * (len(PHASES) + 1)] + prof + [""]
    return md


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("results")
    ap.add_argument("docs")
    ap.add_argument("--note", default="")
    args = ap.parse_args()
    recs = load(args.results)
    if not recs:
        sys.exit("render: no results in " + args.results)
    d = Data(recs)
    docs = Path(args.docs)
    (docs / "benchmarks.json").write_text(json.dumps(recs, indent=0) + "\n")

    md = ["# svm-cxl benchmarks", "",
          "Generated by `harness/bench.sh` (do not edit: rerun it). It boots the `ramspeed` "
          "topology under QEMU TCG, runs `svm-cxl-bench` in the guest on two memories — the "
          "emulated CXL region and a RAM-speed control (a pool on an e820 legacy-pmem range of "
          "CPU-less node 1; NUMA node 1 for the NUMA-mode peer) — and renders the raw samples "
          "(`docs/benchmarks.json`) into this page and `benchmarks.png`. QEMU emulates CXL "
          "memory per access, so absolute times are printed but only ratios within one "
          "memory, measured in the same guest run, are compared. Every number is the median "
          "of the runs; throughput in MiB/s; 4 KiB pages (THP off).", ""]
    if args.note:
        md += [args.note, ""]

    # Targets on the RAM-speed control at 64 MiB.
    size = 64 * MIB
    to = d.rate("ram", "pool", "migrate_to", size)
    back = d.rate("ram", "pool", "migrate_back", size)
    vals = {
        "to_ratio": d.paired("ram", "pool", "migrate_to", "memcpy_to", size),
        "back_ratio": d.paired("ram", "pool", "migrate_back", "memcpy_back", size),
        "evict_ratio": ratio(d.rate("ram", "pool", "evict", size), back),
    }
    hp, gib_memcpy = hotplug_rows(d, "ram")
    add = [r for (m, mo, me, s), r in d.by.items() if (m, mo, me) == ("ram", "pool", "pool_add")]
    if add and gib_memcpy:
        vals["online_ratio"] = statistics.median(add[0]["samples"]) * GIB / add[0]["size"] / gib_memcpy
    md += ab_targets(d, size)
    md += ["## Pool-mode ratios (RAM-speed control, 64 MiB)", "",
           "From the detailed pool run below (a run's migration and memcpy back to back, "
           "median over runs): the targets of issue #6.", "",
           "| ratio | svm-cxl | target | met |", "|---|---|---|---|"]
    for what, key, op, target, _ in TARGETS:
        v = vals.get(key)
        met = "–" if v is None else ("yes" if (v >= target if op == ">=" else v <= target) else "**no**")
        md.append(f"| {what} | {fmt(v, 2)} | {op} {target} | {met} |")
    mp = ratio(to, d.rate("ram", "numa", "move_pages_to", size))
    mpb = ratio(back, d.rate("ram", "numa", "move_pages_back", size))
    md += ["", f"Ours ÷ move_pages(2) to a NUMA node of the same memory, medians of separate "
           f"loops: to {fmt(mp, 1)}x, back {fmt(mpb, 1)}x.", ""]

    for mem in d.memories():
        title = {"ram": "RAM-speed control", "cxl": "CXL region (QEMU-emulated)"}[mem]
        md += [f"## Migration throughput: {title}", "",
               "`ours` is SVM_CXL_IOC_MIGRATE of the whole buffer; `copy phase` is the time "
               "the module spent copying (debugfs profile); `move_pages` moves the same buffer "
               "to the same kind of memory onlined as a NUMA node and back to node 0; "
               "`memcpy` copies the same bytes between local RAM and that memory (through "
               "pages already placed: no faults); `eviction` is pool removal with the buffer "
               "on the pool.", "", throughput_table(d, mem), ""]

    md += ["## Online and offline", "",
           "Time per GiB of the range; the ratio divides by the time of a 1 GiB memcpy "
           "into the same memory (from the largest memcpy measured).", "",
           "| memory | operation | range | s per GiB | ÷ 1 GiB memcpy |", "|---|---|---|---|---|"]
    for mem in d.memories():
        rows, _ = hotplug_rows(d, mem)
        md += rows
    md.append("")
    md += ["NUMA offline with the buffer on the blocks (pages migrate away):", "",
           "| memory | buffer | offline time | MiB/s | share of the buffer on the blocks |", "|---|---|---|---|---|"]
    for mem in d.memories():
        for (m, mo, me, s), r in d.by.items():
            if (m, mo, me) == (mem, "numa", "numa_offline_data"):
                t = statistics.median(r["samples"])
                md.append(f"| {mem} | {s // MIB} MiB | {fmt(t, 3)} s | {fmt(s / MIB / t)} | {fmt(r.get('in_blocks'), 2)} |")
    md.append("")

    md += ["## CPU access after placement", "",
           "Page faults taken while reading and writing every page of the buffer after "
           "placement (must be 0 on the pool), read bandwidth, and the latency of one "
           "dependent load through the pages in random order.", "",
           "| memory | placement | faults | read MiB/s | load latency ns |", "|---|---|---|---|---|"]
    for mem in d.memories():
        for mode, label, what in (("pool", "local", "local RAM (node 0)"), ("pool", "pool", "pool (coherent)"),
                                  ("numa", "node", "NUMA node")):
            sz = d.sizes(mem, mode, "read_" + label)
            if not sz:
                continue
            s = sz[0]
            f = d.get(mem, mode, "faults_" + label, s)
            lat = d.med(mem, mode, "latency_" + label, 0)
            md.append(f"| {mem} | {what} | {fmt(max(f['samples']) if f else None)} | "
                      f"{fmt(d.rate(mem, mode, 'read_' + label, s))} | {fmt(lat * 1e9 if lat else None, 1)} |")
    md.append("")

    md += ["## Single page", "", "Median time per operation, µs.", "",
           "| memory | ours to pool | ours back | move_pages to node | move_pages back | anonymous minor fault | ours to ÷ minor fault |",
           "|---|---|---|---|---|---|---|"]
    for mem in d.memories():
        def us(mode, metric):
            v = d.med(mem, mode, metric, 4096)
            return v * 1e6 if v is not None else None
        mto, mb, mf = us("pool", "page_migrate_to"), us("pool", "page_migrate_back"), us("pool", "minor_fault")
        md.append(f"| {mem} | {fmt(mto, 1)} | {fmt(mb, 1)} | {fmt(us('numa', 'page_move_pages_to'), 1)} | "
                  f"{fmt(us('numa', 'page_move_pages_back'), 1)} | {fmt(mf, 2)} | {fmt(ratio(mto, mf), 1)} |")
    md.append("")

    abl = sorted({(r["tune"], r["batch"]) for r in recs
                  if "tune" in r and "batch" in r and r["memory"] == "ram"},
                 key=lambda c: (c[1], c[0]))
    if abl:
        names = {0: "baseline (all off)", 1: "bulk allocation only", 2: "parallel copy only",
                 4: "aligned batches only", 5: "default (bulk + aligned)", 7: "all on"}
        md += ["## Where the time goes (RAM-speed control)", "",
               "Module parameters `tune` and `batch_pages` (in a module built with "
               "`SVM_CXL_DEBUG=y`, as `harness/bench.sh` builds it) switch the speed-ups off and on in "
               "the same guest run (`baseline` is the per-page allocation, unaligned batches "
               "the module had before); per-phase times come from "
               "`/sys/kernel/debug/svm_cxl/profile` (median ms per call; `other` is the rest "
               "of the call: interval notifier, VMA lookups, scheduling).", ""]
        for direction, metric in (("to the pool", "migrate_to"), ("back", "migrate_back")):
            md += [f"**{direction}**", "",
                   "| tune | batch | buffer | MiB/s | ÷ memcpy | " + " | ".join(PHASES) + " | other | total |",
                   "|---|---|---|---|---|" + "---|" * (len(PHASES) + 2)]
            for t, b in abl:
                key = f"abl{t}_{b}_{metric}"
                r = next((x for x in recs if x["memory"] == "ram" and x["metric"] == key), None)
                mc = next((x for x in recs if x["memory"] == "ram" and x["metric"] ==
                           f"abl{t}_{b}_memcpy_{'to' if metric == 'migrate_to' else 'back'}"), None)
                if not r:
                    continue
                rate = r["size"] / MIB / statistics.median(r["samples"])
                ph = " | ".join(fmt(statistics.median(r["profile"][p]) * 1e3, 1) for p in PHASES)
                other = statistics.median(r["profile"]["total"][i] - sum(r["profile"][p][i] for p in PHASES)
                                          for i in range(len(r["samples"])))
                paired = (statistics.median(y / x for x, y in zip(r["samples"], mc["samples"]))
                          if mc else None)
                md.append(f"| {names.get(t, t)} | {b} | {r['size'] // MIB} MiB | {fmt(rate)} | "
                          f"{fmt(paired, 2)} | {ph} | {fmt(other * 1e3, 1)} | "
                          f"{fmt(statistics.median(r['profile']['total']) * 1e3, 1)} |")
            md.append("")

    md += ["## Plot", "", "![throughput against size](benchmarks.png)", ""]
    (docs / "benchmarks.md").write_text("\n".join(md))
    # nothing to plot after a --targets run (the A/B loop only)
    if any(d.sizes(m, "pool", "migrate_to") for m in d.memories()):
        plot(d, docs / "benchmarks.png")


def plot(d, png):
    series = [("ours to pool", "pool", "migrate_to"), ("ours back", "pool", "migrate_back"),
              ("move\\_pages to node", "numa", "move_pages_to"),
              ("move\\_pages back", "numa", "move_pages_back"),
              ("memcpy to", "pool", "memcpy_to"), ("memcpy back", "pool", "memcpy_back"),
              ("eviction", "pool", "evict")]
    mems = d.memories()
    with tempfile.TemporaryDirectory() as tmp:
        script = [f"set terminal png size 1200,{450 * len(mems)}",
                  f"set output '{png}'", f"set multiplot layout {len(mems)},1",
                  "set logscale xy 2", "set xlabel 'buffer (MiB)'", "set ylabel 'MiB/s'",
                  "set key outside right", "set grid"]
        for mem in mems:
            plots = []
            for i, (title, mode, metric) in enumerate(series):
                sizes = d.sizes(mem, mode, metric)
                if not sizes:
                    continue
                f = Path(tmp) / f"{mem}-{i}.dat"
                f.write_text("".join(f"{s / MIB} {d.rate(mem, mode, metric, s)}\n" for s in sizes))
                plots.append(f"'{f}' using 1:2 with linespoints title '{title}'")
            script.append("set title '%s'" % {"ram": "RAM-speed control (legacy pmem pool / NUMA node 1)",
                                               "cxl": "CXL region (emulated per access by QEMU)"}[mem])
            script.append("plot " + ", ".join(plots))
        script.append("unset multiplot")
        subprocess.run(["gnuplot"], input="\n".join(script), text=True, check=True)


if __name__ == "__main__":
    main()
