#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""svm-cxlctl top over the fake tree of fake_sysfs.topology (region1 holds pool3) with a
holders file and region attribute: one snapshot as JSON (pools, region, processes sorted by pages, alive,
pages charged to no one), the text form, selection by region and pool, and refusals."""
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
    # libsvmcxl and libsvmcxl-mem over the fake tree mounted at /sys (fake-sysfs-run)
    p = subprocess.run([FAKE_RUN, root, CTL, "top", *args], capture_output=True, text=True,
                       timeout=30)
    return p.returncode, p.stdout, p.stderr


with tempfile.TemporaryDirectory() as root:
    t = fake_sysfs.topology(root)
    pool = "sys/devices/virtual/misc/svm_cxl/pools/pool3"
    t.put(f"{pool}/used", 3000)
    t.put(f"{pool}/free", 62536)
    t.put(f"{pool}/node", 2)
    # this test's own pid is alive; pid 2^22+1 is not (beyond pid_max's ceiling)
    me = os.getpid()
    t.put(f"{pool}/holders", f"4194305 1000 512 old worker\n{me} 0 2048 svm-run-prog")
    t.put(f"{pool}/region", "region1")

    rc, out, err = run("--json", "--count", "1")
    check(rc == 0, f"top --json --count 1: exit 0 ({rc} {err})")
    lines = out.splitlines()
    check(len(lines) == 1, f"one line per refresh ({len(lines)})")
    snap = json.loads(lines[0])
    check([p["pool"] for p in snap] == ["pool3"], f"pools: {[p['pool'] for p in snap]}")
    p = snap[0]
    check(p.get("region") == "region1", f"pool3 is in region1 ({p.get('region')})")
    check(p["node"] == 2 and p["state"] == "active", "node and state from sysfs")
    check((p["total_pages"], p["used_pages"], p["free_pages"]) == (65536, 3000, 62536),
          f"totals {p['total_pages']} {p['used_pages']} {p['free_pages']}")
    procs = p["processes"]
    check([(q["pid"], q["pages"]) for q in procs] == [(me, 2048), (4194305, 512)],
          f"processes, most pages first: {procs}")
    check(procs[1]["comm"] == "old worker" and procs[1]["uid"] == 1000,
          "a comm with a space, the uid")
    check(procs[0]["alive"] is True and procs[1]["alive"] is False, "alive from /proc")
    check(p["other_pages"] == 3000 - 2048 - 512, f"other_pages = used - charged ({p['other_pages']})")

    rc, out, _ = run("region1", "--count", "1")
    check(rc == 0 and "pool3 in region1" in out and "svm-run-prog" in out and
          "(exited" in out and "(drivers, pins, in flight)" in out,
          f"text form: {out!r}")
    rc, out, _ = run("pool3", "--json", "--count", "2", "--interval", "0.1")
    check(rc == 0 and len(out.splitlines()) == 2, "--count 2: two refreshes")
    rc, out, err = run("region0", "--count", "1")
    check(rc == 3 and "no pool" in err, f"region0 (numa) has no pool: exit 3 ({rc} {err})")
    rc, _, err = run("region9", "--count", "1")
    check(rc == 3, f"unknown region: exit 3 ({rc})")
    rc, _, err = run("pool4", "--count", "1")
    check(rc == 3, f"unknown pool: exit 3 ({rc})")
    for bad in (["--count", "0"], ["--interval", "0"], ["--interval", "x"], ["--bogus"],
                ["dax0.0"]):
        rc, _, err = run(*bad)
        check(rc == 2, f"top {' '.join(bad)}: exit 2 ({rc} {err.strip()})")

    # holders unreadable (as for users other than root) and no /dev/svm_cxl to ask for
    # one's own processes: totals and one note
    os.chmod(os.path.join(root, pool, "holders"), 0)
    if os.geteuid() != 0:
        rc, out, err = run("--json", "--count", "2", "--interval", "0.1")
        snap = json.loads(out.splitlines()[0])
        check(rc == 0 and "processes" not in snap[0] and err.count("needs root") == 1 and
              "/dev/svm_cxl" in err, f"without holders: totals, one note ({rc} {err})")

finish()
