#!/usr/bin/env python3
"""Boot a named QEMU CXL topology with the project's build and run guest tests in it.

One boot runs a whole plan of tests in order. Results travel over a 9p share (each test
leaves NAME.rc, NAME.log and NAME.dmesg), never by reading words off the console. The
guest can ask the host to run QMP commands (device_add/device_del for hotplug) by
dropping requests in the share; see harness/guest-qmp.sh.

    vm-run.py --build build --topology single --test smoke-topology:60:smoke-topology.sh
    vm-run.py --build build --topology single --shell
    vm-run.py --lane deb13 --topology single --shell

A build directory belongs to one lane (meson option `lane`, see harness/lane.sh); on a
chroot lane this script runs itself inside the lane, so QEMU, the guest kernel and the
initramfs's programs all come from there.
"""
import argparse
import json
import math
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE.parent
CONFIGS = SOURCE / "qemu-configs"

BOOT_SECONDS = 90  # boot, module loading and CXL enumeration, generously under TCG

# What the kernel prints when something went wrong in it. Any of these in a test's
# kernel log fails that test; anywhere in the boot log fails the run.
KERNEL_PROBLEMS = re.compile(
    r"(------------\[ cut here \]------------"
    r"|\bWARNING: .* at "
    r"|\bBUG: "  # also KASAN's "BUG: KASAN: ..." and DEBUG_LIST's "list_add corruption"
    r"|\bWARNING: (possible (circular|recursive) locking|inconsistent lock state"
    r"|suspicious RCU usage|bad unlock balance|held lock freed|lock held when returning)"
    r"|\bINFO: trying to register non-static key"
    r"|\blist_(add|del) corruption"
    r"|\bOops\b"
    r"|Call Trace:"
    r"|general protection fault"
    r"|Kernel panic"
    r"|kernel BUG at"
    r"|Unable to handle kernel"
    r"|soft lockup"
    r"|hung_task|blocked for more than"
    r"|RCU detected stall|rcu_sched self-detected stall)"
)


# Reports of the core kernel known not to be ours, each a whole lockdep report recognised
# by its kind, the lock being taken (name, and the function taking it) and the lock held,
# and only with no svm_cxl frame in it (docs/testing.md, "Debug guest kernel", quotes each
# with its upstream reference). Anything else in the report's lines still counts.
KNOWN_CORE_REPORTS = [
    {
        "name": "pciehp reset_lock vs pci_rescan_remove_lock (pciehp_configure_device)",
        "kind": "WARNING: possible circular locking dependency detected",
        "acquire": re.compile(r"\(&ctrl->reset_lock\)\{.*\}, at: pciehp_configure_device\+"),
        "held": re.compile(r"\(pci_rescan_remove_lock\)\{.*\}, at: "
                           r"(pci_lock_rescan_remove|pciehp_configure_device)\+"),
        "task": re.compile(r"\birq/\d+-pciehp/\d+ is trying to acquire lock:"),
        "stack": re.compile(r"\bpciehp_configure_device\+"),
    },
]
REPORT_END = re.compile(r"^\s*(\[[ 0-9.]+\]\s*)?</TASK>")


def known_core_reports(lines):
    """Indexes of the lines that belong to a KNOWN_CORE_REPORTS report."""
    skip = set()
    for i, line in enumerate(lines):
        for known in KNOWN_CORE_REPORTS:
            if known["kind"] not in line:
                continue
            end = next((j for j in range(i, len(lines)) if REPORT_END.search(lines[j])), None)
            if end is None:
                continue
            # the "=====" rule just above the WARNING line belongs to the report too
            start = i - 1 if i and set(lines[i - 1].split("]")[-1].strip()) == {"="} else i
            block = lines[start:end + 1]
            acquire = next((k for k, l in enumerate(block) if "is trying to acquire lock:" in l), None)
            held = next((k for k, l in enumerate(block) if "but task is already holding lock:" in l), None)
            if (acquire is None or held is None or acquire + 1 >= len(block) or held + 1 >= len(block)
                    or not known["acquire"].search(block[acquire + 1])
                    or not known["held"].search(block[held + 1])
                    or not known["task"].search(block[acquire])
                    or not any(known["stack"].search(l) for l in block[held + 2:])
                    or any("svm_cxl" in l for l in block)):
                continue
            skip.update(range(start, end + 1))
    return skip


def kernel_problems(text):
    """Lines of a kernel log that show a kernel bug, warning or hang (but for the lines of
    a known core report, KNOWN_CORE_REPORTS)."""
    lines = text.splitlines()
    skip = known_core_reports(lines)
    return [line for i, line in enumerate(lines) if i not in skip and KERNEL_PROBLEMS.search(line)]


class Topology:
    """A qemu-configs/NAME.conf file: 'key = value' lines, '#' comments; 'qemu' and
    'append' may repeat and accumulate."""

    KEYS = {"description", "memory", "maxmem", "smp", "memdevs", "qemu", "append"}

    def __init__(self, name):
        self.name = name
        self.path = CONFIGS / f"{name}.conf"
        if not self.path.is_file():
            known = ", ".join(sorted(p.stem for p in CONFIGS.glob("*.conf")))
            raise SystemExit(f"vm-run: no topology '{name}' (known: {known})")
        self.description = ""
        self.memory = "2G"
        self.maxmem = "8G"
        self.smp = "2"
        self.memdevs = 0
        self.qemu = []
        self.append = []
        for lineno, raw in enumerate(self.path.read_text().splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            key, sep, value = (s.strip() for s in line.partition("="))
            if not sep or key not in self.KEYS:
                raise SystemExit(f"{self.path}:{lineno}: expected 'KEY = VALUE' with KEY one "
                                 f"of {', '.join(sorted(self.KEYS))}")
            if key == "qemu":
                self.qemu += shlex.split(value)
            elif key == "append":
                self.append.append(value)
            elif key == "memdevs":
                self.memdevs = int(value)
            else:
                setattr(self, key, value)


def build_lane(build):
    """The lane a meson build directory was configured for (deb12 if it predates lanes)."""
    try:
        opts = json.loads((build / "meson-info" / "intro-buildoptions.json").read_text())
    except (OSError, ValueError):
        return None
    return next((o["value"] for o in opts if o["name"] == "lane"), "deb12")


def enter_lane(args):
    """Settle the build directory and lane; on a chroot lane, re-run inside it (this
    returns only when already there or on deb12)."""
    lane = args.lane or os.environ.get("SVM_CXL_LANE")
    if args.build is None:
        args.build = subprocess.run([str(HERE / "lane.sh"), "build", lane or "deb12", str(SOURCE)],
                                    check=True, capture_output=True, text=True).stdout.strip()
    build = Path(args.build).resolve()
    have = build_lane(build)
    if have is None:
        raise SystemExit(f"vm-run: {build} is not a meson build directory "
                         f"(harness/build.sh --lane {lane or 'deb12'} {SOURCE} {build})")
    if args.lane and args.lane != have:
        raise SystemExit(f"vm-run: {build} was built for lane {have}, not {args.lane}")
    args.lane = have
    if have == "deb12" or os.environ.get("SVM_CXL_LANE_INSIDE"):
        return
    binds = [str(build)]
    if args.results:
        # its parent: the results directory itself is emptied and re-made below
        parent = Path(args.results).resolve().parent
        parent.mkdir(parents=True, exist_ok=True)
        binds.append(str(parent))
    env = dict(os.environ, SVM_CXL_LANE=have)
    env["SVM_CXL_LANE_BINDS"] = ":".join(binds + [p for p in env.get("SVM_CXL_LANE_BINDS", "").split(":") if p])
    lane_sh = str(HERE / "lane.sh")
    os.execve(lane_sh, [lane_sh, "exec", have, "python3", str(Path(__file__).resolve()),
                        *sys.argv[1:]], env)


def guest_kernel(what):
    return subprocess.run([str(HERE / "guest-kernel.sh"), what], check=True,
                          capture_output=True, text=True).stdout.strip()


ACCELS = {
    # hypervisor=off: the CXL core refuses to commit a region when it believes it runs
    # under a hypervisor ("Failed to synchronize CPU cache state").
    "tcg": ["-accel", "tcg,thread=multi", "-cpu", "max,hypervisor=off"],
    "kvm": ["-accel", "kvm", "-cpu", "host,hypervisor=off"],
}


# QEMU's `max` CPU without the fast-string features, under TCG only. With ERMS or FSRM the
# guest kernel copies with `rep movsb` (copy_mc_to_kernel(), the module's copy, and
# memcpy()), which TCG runs one byte per iteration, and on an MMIO-emulated CXL window
# every one of those bytes is a trip through QEMU's memory dispatch: deb12's vm-single
# took 272 s with them and 122 s without (deb13 62 s / 58 s, its single window being a RAM
# alias), vm-interleave exceeded its 1800 s CI timeout. Which copy routine the kernel
# picks is the kernel's choice, not the module's; on hardware `rep movsb` is the fast one.
TCG_CPU_FLAGS = "-erms,-fsrm"


def accel_args(accel):
    """ACCELS[accel], with SVM_CXL_CPU_FLAGS (a comma-separated list such as
    "-erms,-fsrm"; set and empty: QEMU's plain model) appended to the CPU model. Unset, it
    is TCG_CPU_FLAGS under TCG (docs/testing.md, "The guest CPU"), nothing under KVM.
    harness/bench.sh sets it from --cpu-flags (docs/benchmarks.md, "The guest CPU")."""
    args = list(ACCELS[accel])
    flags = os.environ.get("SVM_CXL_CPU_FLAGS", TCG_CPU_FLAGS if accel == "tcg" else "").strip(",")
    if flags:
        args[-1] += "," + flags
    return args


def kvm_boots(initrd):
    """Whether a guest really boots under KVM here. /dev/kvm existing is not enough: on
    PVM hosts ordinary guests die in early boot with an emulation failure."""
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        return False
    share = Path(tempfile.mkdtemp(prefix="svm-kvm-probe-"))
    try:
        (share / "plan").write_text("")
        (share / "run.env").write_text("SVM_CXL_MODE=tests\nSVM_CXL_TOPOLOGY=probe\nSVM_CXL_MEMDEVS=0\n")
        cmd = ["qemu-system-x86_64", "-M", "q35", "-m", "1G", "-smp", "1", *ACCELS["kvm"],
               "-kernel", guest_kernel("image"), "-initrd", str(initrd),
               "-append", "console=ttyS0 panic=-1", "-display", "none", "-vga", "none",
               "-net", "none", "-no-reboot", "-serial", "null",
               "-virtfs", f"local,path={share},mount_tag=host0,security_model=none"]
        try:
            subprocess.run(cmd, timeout=60, capture_output=True)
        except subprocess.TimeoutExpired:
            return False
        return (share / "finished").exists()
    finally:
        shutil.rmtree(share, ignore_errors=True)


def choose_accel(build, initrd):
    """SVM_CXL_ACCEL=tcg|kvm forces one; otherwise KVM only if a probe boot succeeds
    (cached per build directory)."""
    want = os.environ.get("SVM_CXL_ACCEL", "auto")
    if want in ACCELS:
        return want
    cache = build / "vm" / "accel"
    if not cache.exists():
        cache.write_text("kvm" if kvm_boots(initrd) else "tcg")
    return cache.read_text().strip()


class Qmp:
    def __init__(self, path, deadline=30):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        end = time.monotonic() + deadline
        while True:
            try:
                self.sock.connect(str(path))
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > end:
                    raise
                time.sleep(0.1)
        self.file = self.sock.makefile("rw")
        self._read()  # greeting
        self.command({"execute": "qmp_capabilities"})

    def _read(self):
        while True:
            line = self.file.readline()
            if not line:
                raise ConnectionError("QMP closed")
            msg = json.loads(line)
            if "event" not in msg:
                return msg

    def command(self, cmd):
        self.file.write(json.dumps(cmd) + "\n")
        self.file.flush()
        return self._read()


def serve_qmp_requests(qmp, share):
    qdir = share / "qmp"
    if not qdir.is_dir():
        return
    for req in sorted(qdir.glob("*.req")):
        try:
            cmd = json.loads(req.read_text())
            reply = qmp.command(cmd) if qmp else {"error": {"desc": "no QMP"}}
        except (ValueError, OSError) as e:
            reply = {"error": {"desc": f"harness: {e}"}}
        tmp = req.with_suffix(".tmptx")
        tmp.write_text(json.dumps(reply) + "\n")
        req.unlink()
        tmp.rename(req.with_suffix(".resp"))


# SVM_CXL_TIMEOUT_SCALE: every timeout (boot, each test) multiplied, for a slower guest
# kernel (harness/test.sh --kernel debug: lockdep, KASAN and DEBUG_PAGEALLOC under TCG).
TIMEOUT_SCALE = float(os.environ.get("SVM_CXL_TIMEOUT_SCALE", "1") or "1")


def parse_test(spec):
    """NAME:TIMEOUT:COMMAND"""
    name, timeout, command = spec.split(":", 2)
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise SystemExit(f"vm-run: bad test name '{name}'")
    return name, int(int(timeout) * TIMEOUT_SCALE), command


def build_initramfs(build):
    out = build / "vm" / "initramfs.cpio.gz"
    subprocess.run([str(HERE / "mkinitramfs.sh"), str(build), str(out)], check=True)
    return out


# A systemd guest (--rootfs) boots an installed Debian root (harness/sysguest-image.sh)
# shared read-only over 9p under a tmpfs overlay; its systemd runs the plan as a service
# once the system is up (harness/sysguest-plan.sh). Booting systemd costs this much more.
SYSGUEST_BOOT_SECONDS = 120


def build_sysinitrd(build):
    out = build / "vm" / "sysinitrd.cpio.gz"
    subprocess.run([str(HERE / "mksysinitrd.sh"), str(out)], check=True)
    return out


def run(args):
    build = Path(args.build).resolve()
    topo = Topology(args.topology)
    share = Path(args.results).resolve() if args.results else build / "vm" / f"results-{topo.name}"
    if share.exists():
        shutil.rmtree(share)
    (share / "qmp").mkdir(parents=True)
    tests = [parse_test(t) for t in args.test]
    with open(share / "plan", "w") as f:
        for name, timeout, command in tests:
            f.write(f"{name} {timeout} {command}\n")
    mode = "shell" if args.shell else "tests"
    with open(share / "run.env", "w") as f:
        f.write(f"SVM_CXL_MODE={mode}\nSVM_CXL_TOPOLOGY={topo.name}\n"
                f"SVM_CXL_MEMDEVS={topo.memdevs}\n"
                f"SVM_CXL_TIMEOUT_SCALE={math.ceil(TIMEOUT_SCALE)}\n"
                f"SVM_CXL_SYSGUEST_ANALYZE={os.environ.get('SVM_CXL_SYSGUEST_ANALYZE', '')}\n")

    initrd = build_initramfs(build)
    accel = choose_accel(build, initrd)
    extra = []
    if args.rootfs:
        # the test programs from this build's stage (mkinitramfs.sh installs them there)
        testdir = build / "vm" / "stage" / "usr" / "local" / "libexec" / "svm-cxl" / "tests"
        initrd = build_sysinitrd(build)
        extra = ["-virtfs", f"local,path={Path(args.rootfs).resolve()},mount_tag=rootfs,"
                 "security_model=none,readonly=on",
                 "-virtfs", f"local,path={testdir},mount_tag=tests,security_model=none,readonly=on"]
    qmp_path = share / "qmp.sock"
    console = share / "console.log"
    append = ["console=ttyS0", "loglevel=5", "panic=-1", "nokaslr"] + topo.append
    if args.rootfs:
        append += ["systemd.wants=svm-sysguest-plan.service", "systemd.show_status=false"]
    cmd = ["qemu-system-x86_64", "-M", "q35,cxl=on",
           "-m", f"{topo.memory},maxmem={topo.maxmem},slots=8", "-smp", topo.smp,
           *accel_args(accel),
           "-kernel", guest_kernel("image"), "-initrd", str(initrd),
           "-append", " ".join(append),
           "-display", "none", "-vga", "none", "-net", "none", "-no-reboot",
           "-virtfs", f"local,path={share},mount_tag=host0,security_model=none",
           "-qmp", f"unix:{qmp_path},server=on,wait=off",
           *extra, *topo.qemu]
    if args.shell:
        cmd += ["-serial", "mon:stdio"]
    else:
        cmd += ["-serial", f"file:{console}"]
    (share / "qemu-cmdline").write_text(shlex.join(cmd) + "\n")

    budget = (int(BOOT_SECONDS * TIMEOUT_SCALE) + (SYSGUEST_BOOT_SECONDS if args.rootfs else 0)
              + sum(t for _, t, _ in tests))
    start = time.monotonic()
    print(f"vm-run: booting '{topo.name}' ({topo.description}) under {accel}; "
          f"{len(tests)} test(s), bound {budget}s", file=sys.stderr)
    proc = subprocess.Popen(cmd, stdin=None if args.shell else subprocess.DEVNULL)
    qmp = None
    timed_out = False
    try:
        try:
            qmp = Qmp(qmp_path)
        except OSError as e:
            print(f"vm-run: no QMP: {e}", file=sys.stderr)
        while proc.poll() is None:
            serve_qmp_requests(qmp, share)
            if not args.shell and time.monotonic() - start > budget:
                timed_out = True
                print(f"vm-run: guest exceeded {budget}s, killing it", file=sys.stderr)
                proc.kill()
                break
            time.sleep(0.1)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        proc.wait()
    elapsed = time.monotonic() - start
    return collect(share, tests, elapsed, timed_out, console)


def failed_line(log):
    """The first line of a test's log that fail() printed ("FAIL: ..."), or None."""
    if not log.exists():
        return None
    for line in log.read_text(errors="replace").splitlines():
        if line.startswith("FAIL: "):
            return line
    return None


def collect(share, tests, elapsed, timed_out, console):
    """Write results.json: one entry per planned test, and the run's own verdict."""
    log = console.read_text(errors="replace") if console.exists() else ""
    boot_dmesg = share / "boot.dmesg"
    boot_problems = kernel_problems(boot_dmesg.read_text(errors="replace")) if boot_dmesg.exists() else []
    current = share / "current"
    hung = current.read_text().strip() if current.exists() else None
    results = {"elapsed": round(elapsed, 1), "timed_out": timed_out,
               "finished": (share / "finished").exists(),
               "boot_problems": boot_problems, "tests": {}}
    for name, timeout, _ in tests:
        rc_file = share / f"{name}.rc"
        dmesg_file = share / f"{name}.dmesg"
        entry = {"log": str(share / f"{name}.log"), "dmesg": str(dmesg_file)}
        if rc_file.exists():
            rc = int(rc_file.read_text().strip() or -1)
            problems = kernel_problems(dmesg_file.read_text(errors="replace")) if dmesg_file.exists() else []
            entry["rc"] = rc
            entry["kernel_problems"] = problems
            if rc == 137:
                entry["verdict"] = "fail"
                entry["why"] = f"killed after its {timeout}s timeout"
            elif problems:
                entry["verdict"] = "fail"
                entry["why"] = "kernel log shows a problem"
            elif rc in (0, 77) and (failed := failed_line(share / f"{name}.log")):
                # fail() printed its line, yet the exit status says otherwise: an EXIT
                # trap lost it. The line is the test's own word.
                entry["verdict"] = "fail"
                entry["why"] = f"exit status {rc} after '{failed}'"
            elif rc == 0:
                entry["verdict"] = "pass"
            elif rc == 77:
                entry["verdict"] = "skip"
            else:
                entry["verdict"] = "fail"
                entry["why"] = f"exit status {rc}"
        else:
            entry["verdict"] = "fail"
            entry["why"] = ("the guest hung or died during this test" if hung == name
                            else "did not run (guest stopped before it)")
            entry["console_problems"] = kernel_problems(log)
        results["tests"][name] = entry
    (share / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    return results


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", help="meson build directory (default: the lane's, see harness/lane.sh)")
    ap.add_argument("--lane", help="deb12 or deb13 (default: the build directory's lane, else "
                    "SVM_CXL_LANE, else deb12)")
    ap.add_argument("--topology", default="single", help="qemu-configs/NAME.conf")
    ap.add_argument("--test", action="append", default=[], metavar="NAME:TIMEOUT:COMMAND",
                    help="a guest test (repeatable, run in order)")
    ap.add_argument("--results", help="host directory shared with the guest")
    ap.add_argument("--rootfs", help="boot this installed root under systemd (a systemd guest: "
                    "harness/sysguest-image.sh) instead of the test initramfs")
    ap.add_argument("--shell", action="store_true",
                    help="run the plan (if any), then an interactive shell on this terminal")
    args = ap.parse_args()
    enter_lane(args)
    results = run(args)
    bad = False
    for name, entry in results["tests"].items():
        print(f"{entry['verdict']:4} {name}" + (f" ({entry['why']})" if "why" in entry else ""))
        bad |= entry["verdict"] == "fail"
    if results["boot_problems"]:
        print("fail boot: kernel log shows a problem:\n  " + "\n  ".join(results["boot_problems"]))
        bad = True
    if results["timed_out"]:
        bad = True
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
