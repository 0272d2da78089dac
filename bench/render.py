#!/usr/bin/env python3
"""Render the raw samples of svm-cxl-bench into docs/benchmarks.md, one section per lane.

    render.py collect RESULTS_DIR LANE_JSON --lane L --kernel K --qemu Q --cpu C
                      [--note TEXT] [--kit KIT_JSON] [--repeat]
    render.py page DIR

collect gathers one guest run's raw samples (one JSON array per memory and mode in
RESULTS_DIR, the user kit's JSON lines in KIT_JSON) into LANE_JSON
(docs/benchmarks-LANE.json): a new run replaces the file; --repeat (a second run of the
targets loop) is stored beside the first run's samples as "repeat". page renders every
DIR/benchmarks-LANE.json into DIR/benchmarks.md (tables, ratios, targets) and
DIR/benchmarks-LANE.png (throughput against size per path, gnuplot), so rerunning one
lane leaves the other's numbers alone.
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
    ("4 KiB: ours ÷ test_hmm, to", "ours", "to", "hmm", ">=", 1.5),
    ("4 KiB: ours ÷ test_hmm, back", "ours", "back", "hmm", ">=", 3.8),
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
    def __init__(self, recs, note=None):
        self.recs = recs
        self.note = note
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


def ab_targets(d, size, again=None):
    """The targets table from svm-cxl-bench ab: min / median / max over repetitions; with
    again (the Data of a second run of the loop) its median and run 2 ÷ run 1."""
    if not d.get("ram", "ab", "ours_migrate_to", size):
        return []
    reps = len(d.get("ram", "ab", "ours_migrate_to", size)["samples"])
    md = ["### Targets (RAM-speed control, 64 MiB, A/B in one loop)", "",
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
          "| ratio | min | q1 | median | q3 | max | spread | target | met |" +
          (" run 2 median | run 2 ÷ run 1 |" if again else ""),
          "|---|---|---|---|---|---|---|---|---|" + ("---|---|" if again else "")]
    worst = 0
    for what, num, way, den, op, target in AB_ROWS:
        v = d.ab_ratios(size, num, way, den)
        if not v:
            continue
        q1, med, q3 = quartiles(v)
        met = "–" if op is None else ("yes" if med >= target else "**no**")
        row = (f"| {what} | {min(v):.2f} | {q1:.2f} | {med:.2f} | {q3:.2f} | {max(v):.2f} | "
               f"{(q3 - q1) / med:.0%} | {'–' if op is None else f'{op} {target}'} | {met} |")
        w = again.ab_ratios(size, num, way, den) if again else None
        if w:
            med2 = statistics.median(w)
            worst = max(worst, abs(med2 / med - 1))
            row += f" {med2:.2f} | {med2 / med:.2f} |"
        elif again:
            row += " – | – |"
        md.append(row)
    if again:
        r2 = len(again.get("ram", "ab", "ours_migrate_to", size)["samples"])
        md += ["", f"Run 2: the same loop again in a guest of its own ({(again.note or 'same lane').rstrip('.')}; "
               f"{r2} repetitions). Largest difference of a median between the two runs: "
               f"{worst:.0%} (the issue asks for at most 15% on every ratio)."]
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
           "The 4 KiB figures of 2026-11-21 (deb12, default CPU), which issue 10 asks both lanes "
           "not to fall below, were 837 / 446 (ours) and 570 / 116 (test_hmm).", ""]
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


# The user kit's ratios (issue 12), from svm-kit-bench's summary lines: time ratios.
KIT_ROWS = {
    "pid_over_self": ("MIGRATE_PID of a child's buffer (by range) ÷ the caller's own MIGRATE, time",
                      "<=", 1.10),
    "pid_whole_over_self": ("MIGRATE_PID over the child's whole address space ÷ own MIGRATE, time",
                            None, None),
    "pid_whole_over_migratepages": ("MIGRATE_PID (whole) ÷ migrate_pages(2) of the child to node 1, time",
                                    None, None),
    "via_ram_over_p2p": ("pool A → RAM → pool B ÷ pool A → pool B in one call, time",
                         ">=", 1.8),
}


def kit_table(kit):
    """The user kit's table (svm-kit-bench: min / median / max of each time ratio)."""
    if not kit:
        return []
    reps = [k for k in kit if "rep" in k]
    md = ["### User kit (issue 12; RAM-speed control, two pools on the halves of the range)", "",
          f"`svm-kit-bench` ({len(reps)} repetitions of {reps[0]['mib'] if reps else '?'} MiB of "
          "4 KiB pages, `tests/guest/bench/`): each repetition moves the caller's own buffer to "
          "pool A and back, a child's buffer of the same size by pid (range, then whole address "
          "space), the child to NUMA node 1 with migrate_pages(2) (what migratepages(8) calls), "
          "and a buffer from pool A to pool B in one call against A → RAM → B. Ratios of "
          "times formed inside one repetition; a time ratio below 1 means the numerator is "
          "faster.", "",
          "| ratio | min | median | max | n | target | met |", "|---|---|---|---|---|---|---|"]
    for k in kit:
        if "ratio" not in k or k["ratio"] not in KIT_ROWS:
            continue
        what, op, target = KIT_ROWS[k["ratio"]]
        met = "–" if op is None else \
            ("yes" if (k["median"] <= target if op == "<=" else k["median"] >= target) else "**no**")
        md.append(f"| {what} | {k['min']:.2f} | {k['median']:.2f} | {k['max']:.2f} | {k['n']} | "
                  f"{'–' if op is None else f'{op} {target}'} | {met} |")
    if reps:
        mib = reps[0]["mib"]
        cells = []
        for key, label in (("self_s", "own MIGRATE"), ("pid_s", "MIGRATE_PID"),
                           ("pid_all_s", "MIGRATE_PID whole"), ("migratepages_s", "migrate_pages(2)"),
                           ("p2p_s", "pool to pool"), ("via_ram_s", "via RAM (two calls)")):
            t = statistics.median(r[key] for r in reps)
            cells.append(f"{label} {fmt(mib / t if t else None)}")
        md += ["", "Median MiB/s (one direction): " + "; ".join(cells) + "."]
    return md + [""]


def lane_section(lane, docs):
    """The page's section for one lane (LANE_JSON as collect wrote it); its plot goes
    to docs/benchmarks-LANE.png."""
    recs = lane["samples"]
    d = Data(recs)
    again = Data(lane["repeat"]["samples"], lane["repeat"].get("note")) if lane.get("repeat") else None

    md = [f"## Lane {lane['lane']}: Linux {lane['kernel']}, QEMU {lane['qemu']}", "",
          lane.get("note", ""), ""]

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
    md += ab_targets(d, size, again)
    md += kit_table(lane.get("kit"))
    if not any(d.sizes(m, "pool", "migrate_to") for m in d.memories()):
        return md  # a --targets run: the A/B loop only
    md += ["### Pool-mode ratios (RAM-speed control, 64 MiB)", "",
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
        md += [f"### Migration throughput: {title}", "",
               "`ours` is SVM_CXL_IOC_MIGRATE of the whole buffer; `copy phase` is the time "
               "the module spent copying (debugfs profile); `move_pages` moves the same buffer "
               "to the same kind of memory onlined as a NUMA node and back to node 0; "
               "`memcpy` copies the same bytes between local RAM and that memory (through "
               "pages already placed: no faults); `eviction` is pool removal with the buffer "
               "on the pool.", "", throughput_table(d, mem), ""]

    md += ["### Online and offline", "",
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

    md += ["### CPU access after placement", "",
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

    md += ["### Single page", "", "Median time per operation, µs.", "",
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
        md += ["### Where the time goes (RAM-speed control)", "",
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

    # nothing to plot after a --targets run (the A/B loop only)
    if any(d.sizes(m, "pool", "migrate_to") for m in d.memories()):
        png = f"benchmarks-{lane['lane']}.png"
        plot(d, docs / png, lane['lane'])
        md += ["### Plot", "", f"![throughput against size, {lane['lane']}]({png})", ""]
    return md


def plot(d, png, lane):
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
            script.append(f"set title '{lane}: %s'" % {"ram": "RAM-speed control (legacy pmem pool / NUMA node 1)",
                                               "cxl": "CXL region (emulated per access by QEMU)"}[mem])
            script.append("plot " + ", ".join(plots))
        script.append("unset multiplot")
        subprocess.run(["gnuplot"], input="\n".join(script), text=True, check=True)


LANE_ORDER = ["deb12", "deb13"]


def load_kit(path):
    """svm-kit-bench's output: one JSON object per line."""
    out = []
    for line in Path(path).read_text().splitlines():
        line = line.strip()
        if line.startswith("{"):
            out.append(json.loads(line))
    return out


def collect(args):
    recs = load(args.results)
    if not recs:
        sys.exit("render: no results in " + args.results)
    path = Path(args.lane_json)
    if args.repeat:
        if not path.exists():
            sys.exit(f"render: {path} has no first run to repeat")
        lane = json.loads(path.read_text())
        lane["repeat"] = {"note": args.note, "samples": recs}
    else:
        lane = {"lane": args.lane, "kernel": args.kernel, "qemu": args.qemu, "cpu": args.cpu,
                "note": args.note, "samples": recs}
        if args.kit:
            lane["kit"] = load_kit(args.kit)
    path.write_text(json.dumps(lane, indent=0) + "\n")


def analysis():
    """The hand-written companion (bench/benchmarks-analysis.md): where the time goes
    where a target is missed. Its claims are about measured numbers, so it is kept next
    to the renderer and rerun with it."""
    f = Path(__file__).resolve().parent / "benchmarks-analysis.md"
    return [f.read_text().rstrip(), ""] if f.exists() else []


def page(args):
    docs = Path(args.dir)
    files = sorted(docs.glob("benchmarks-*.json"),
                   key=lambda f: (LANE_ORDER + [f.stem]).index(f.stem[len("benchmarks-"):])
                   if f.stem[len("benchmarks-"):] in LANE_ORDER else len(LANE_ORDER))
    lanes = [json.loads(f.read_text()) for f in files]
    if not lanes:
        sys.exit(f"render: no benchmarks-LANE.json in {docs}")
    cpus = sorted({f"`-cpu {ln.get('cpu') or 'max,hypervisor=off'}`" for ln in lanes})
    md = ["# svm-cxl benchmarks", "",
          "Generated by `harness/bench.sh` (do not edit: rerun it). It boots the `ramspeed` "
          "topology under QEMU TCG, runs `svm-cxl-bench` in the guest on two memories — the "
          "emulated CXL region and a RAM-speed control (a pool on an e820 legacy-pmem range of "
          "CPU-less node 1; NUMA node 1 for the NUMA-mode peer) — and renders the raw samples "
          "(`docs/benchmarks-LANE.json`, one file per lane: rerunning one lane leaves the "
          "other's alone) into this page and `benchmarks-LANE.png`. QEMU emulates CXL "
          "memory per access, so absolute times are printed but only ratios within one "
          "memory, measured in the same guest run, are compared. Every number is the median "
          "of the runs; throughput in MiB/s; 4 KiB pages (THP off) unless a row says 2 MiB.", "",
          "**Guest CPU: " + ", ".join(cpus) + ".** The benchmark guest runs on QEMU's `max` CPU "
          "without the fast-string features ERMS and FSRM (`harness/bench.sh --cpu-flags`, "
          "default `-erms,-fsrm`; the tests keep `max`). With them the guest kernel copies with "
          "`rep movsb`, which TCG executes one byte per iteration: `copy_mc_to_kernel()`, the "
          "machine-check-safe copy the module uses (and 7.3's `folio_mc_copy()` in "
          "move_pages(2)), is `copy_mc_enhanced_fast_string` with ERMS and `memcpy()` without "
          "it, and `memcpy()` is `rep movsb` with FSRM; test_hmm copies with `copy_highpage()` "
          "(`copy_page`, `rep movsq`: 8 bytes per iteration), so the two would not copy alike. "
          "On hardware `rep movsb` is the fast copy: this is a property of the emulator, not of "
          "the software measured. Without both features `copy_mc_to_kernel()` is the kernel's "
          "`memcpy_orig` (8-byte moves) and ours and the yardstick compare like with like. "
          "The check that led to this is under \"The guest CPU\" at the end.", "",
"Lanes: " + "; ".join(f"{ln['lane']} (Linux {ln['kernel']}, QEMU {ln['qemu']})"
                                for ln in lanes) + ".", ""]
    for ln in lanes:
        md += lane_section(ln, docs)
    md += analysis()
    (docs / "benchmarks.md").write_text("\n".join(md).rstrip() + "\n")


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("collect")
    c.add_argument("results")
    c.add_argument("lane_json")
    c.add_argument("--lane", required=True)
    c.add_argument("--kernel", default="")
    c.add_argument("--qemu", default="")
    c.add_argument("--cpu", default="")
    c.add_argument("--note", default="")
    c.add_argument("--kit")
    c.add_argument("--repeat", action="store_true")
    p = sub.add_parser("page")
    p.add_argument("dir")
    args = ap.parse_args()
    collect(args) if args.cmd == "collect" else page(args)


if __name__ == "__main__":
    main()
