#!/usr/bin/env python3
"""One guest test as one meson test.

    vm-test.py BUILD_DIR TOPOLOGY[@VARIANT] TEST_NAME PLAN_FILE

Booting is the expensive part, so the first test of a topology that meson starts boots
the guest once and runs the topology's whole plan; the others of the same `meson test`
invocation read their result from that run. A run belongs to the invocation that made it
(meson's pid and start time; SVM_CXL_RUN_ID overrides), so a new `meson test` always boots
afresh. Exit status: 0 pass, 77 skip, 1 fail, as meson expects.

SVM_CXL_BOOT_PER_TEST=1 gives every test a boot of its own (results-TOPOLOGY-TEST):
`harness/test.sh --kernel debug` sets it, because with DEBUG_PAGEALLOC a range once
online as System RAM keeps holes in the direct map after its hot-remove, so the
module refuses it as a pool for the rest of that boot (docs/testing.md).
"""
import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def invocation_id():
    if os.environ.get("SVM_CXL_RUN_ID"):
        return os.environ["SVM_CXL_RUN_ID"]
    ppid = os.getppid()
    try:
        start = Path(f"/proc/{ppid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except OSError:
        start = "?"
    return f"{ppid}-{start}"


def main():
    build, plan_name, name, plan = sys.argv[1:5]
    # "TOPOLOGY@VARIANT" is a separate boot of the same topology (own plan, own results).
    topology = plan_name.split("@", 1)[0]
    build = Path(build).resolve()
    tests = [line.strip() for line in Path(plan).read_text().splitlines() if line.strip()]
    if os.environ.get("SVM_CXL_BOOT_PER_TEST", "0") not in ("", "0"):
        tests = [t for t in tests if t.split(":", 1)[0] == name]
        plan_name = f"{plan_name}-{name}"
    results = build / "vm" / f"results-{plan_name}"
    stamp = build / "vm" / f"results-{plan_name}.run"
    run_id = invocation_id() + " " + "\n".join(tests)
    (build / "vm").mkdir(parents=True, exist_ok=True)
    with open(build / "vm" / f"{plan_name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not stamp.exists() or stamp.read_text() != run_id:
            stamp.unlink(missing_ok=True)
            cmd = [sys.executable, str(HERE / "vm-run.py"), "--build", str(build),
                   "--topology", topology, "--results", str(results)]
            for t in tests:
                cmd += ["--test", t]
            print(f"vm-test: booting '{plan_name}' for {len(tests)} test(s)", flush=True)
            subprocess.run(cmd)
            stamp.write_text(run_id)

    summary = results / "results.json"
    if not summary.exists():
        print(f"vm-test: the '{plan_name}' guest left no results (see {results}/console.log)")
        return 1
    data = json.loads(summary.read_text())
    entry = data["tests"].get(name)
    if entry is None:
        print(f"vm-test: '{name}' is not in the '{plan_name}' plan")
        return 1
    log = Path(entry["log"])
    if log.exists():
        sys.stdout.write(log.read_text(errors="replace"))
    for key in ("kernel_problems", "console_problems"):
        if entry.get(key):
            print(f"vm-test: kernel log during {name}:\n  " + "\n  ".join(entry[key]))
    if data.get("boot_problems"):
        print("vm-test: kernel log at boot shows a problem:\n  " + "\n  ".join(data["boot_problems"]))
        return 1
    verdict = entry["verdict"]
    if "why" in entry:
        print(f"vm-test: {name}: {verdict}: {entry['why']} (console: {results}/console.log)")
    return {"pass": 0, "skip": 77}.get(verdict, 1)


if __name__ == "__main__":
    sys.exit(main())
