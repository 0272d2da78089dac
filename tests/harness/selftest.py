#!/usr/bin/env python3
"""The harness itself, end to end in a real guest: a broken test must turn the run red.

Boots the 'single' topology once with a plan of tests whose outcome is known: a pass, a
failing exit status, a skip, a kernel stack trace in the log while the test exits 0, a
test that overruns its timeout, a kernel crash, and a test after the crash. Checks the
verdict the harness gives each one and what vm-run.py exits with.
"""
import json
import subprocess
import sys
import tempfile
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2]

PLAN = [
    # name, timeout, command, expected verdict, expected words in the reason
    ("passes", 20, "true", "pass", None),
    ("exits-3", 20, "exit 3", "fail", "exit status 3"),
    ("skips", 20, "exit 77", "skip", None),
    ("kernel-trace", 20, "echo l >/proc/sysrq-trigger; sleep 1", "fail", "kernel log"),
    ("overruns", 3, "sleep 60", "fail", "timeout"),
    ("after-overrun", 20, "true", "pass", None),
    ("crashes-kernel", 20, "echo c >/proc/sysrq-trigger; sleep 10", "fail", "hung or died"),
    ("after-crash", 20, "true", "fail", "did not run"),
]


def main():
    build = Path(sys.argv[1]).resolve()
    failures = 0
    with tempfile.TemporaryDirectory(prefix="svm-selftest-", dir=build) as share:
        cmd = [sys.executable, str(SOURCE / "harness" / "vm-run.py"), "--build", str(build),
               "--topology", "single", "--results", share]
        for name, timeout, command, _, _ in PLAN:
            cmd += ["--test", f"{name}:{timeout}:{command}"]
        run = subprocess.run(cmd, capture_output=True, text=True)
        sys.stdout.write(run.stdout)
        if run.returncode == 0:
            print("FAIL: vm-run.py exited 0 for a plan with failing tests")
            failures += 1
        else:
            print(f"ok - vm-run.py exits {run.returncode} for a plan with failing tests")
        results = json.loads((Path(share) / "results.json").read_text())
        for name, _, _, verdict, why in PLAN:
            got = results["tests"][name]
            ok = got["verdict"] == verdict and (why is None or why in got.get("why", ""))
            print(f"{'ok' if ok else 'FAIL:'} - {name}: {got['verdict']} ({got.get('why', '')})")
            failures += not ok
    print(f"{len(PLAN) + 1 - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
