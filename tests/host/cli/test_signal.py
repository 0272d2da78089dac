#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""svm-cxlctl and a signal while it holds auto_online_blocks (review F5), over a fake sysfs
tree (fake_sysfs.topology plus a free memdev, mem4, behind the 1-way window decoder0.1).
create-region holds the system-wide knob at "offline" while the region assembles. The
window's create_ram_region is a FIFO, so the command stops inside the assembly with the
knob held. SIGINT or SIGTERM sent then must not leave the knob at "offline": the command
finishes its step (here it fails, the kernel being fake), puts the knob back to what it
was and only then dies of the signal, with no save file left behind."""
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_sysfs  # noqa: E402

CTL, FAKE_RUN = sys.argv[1:3]
failures = 0


def check(cond, what):
    global failures
    if cond:
        print(f"ok - {what}")
    else:
        failures += 1
        print(f"FAIL: {what}")


def read(path):
    with open(path) as f:
        return f.read().strip()


def wait_for(cond, secs):
    end = time.monotonic() + secs
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def one(sig, knob_before):
    with tempfile.TemporaryDirectory() as root:
        t = fake_sysfs.topology(root)
        t.memdev("mem4", "pci0000:0f", "0000:12:00.0", 5, 256 * fake_sysfs.MIB,
                 "endpoint7", "port6")
        # the root port leading to it, as fs_dport makes it
        t.link("sys/devices/pci0000:0f/0000:0f:00.0", f"{fake_sysfs.ROOT0}/port6/dport0")
        knob = f"{root}/sys/devices/system/memory/auto_online_blocks"
        t.put("sys/devices/system/memory/auto_online_blocks", knob_before)
        fifo = f"{root}/{fake_sysfs.ROOT0}/decoder0.1/create_ram_region"
        os.mkfifo(fifo)
        save = f"{root}/knob.saved"
        env = dict(os.environ, SVM_CXL_LOCK=f"{root}/lock", SVM_CXL_KNOB_SAVE=save,
                   SVM_CXLD_SOCKET=f"{root}/no-daemon.sock")
        env.pop("SVM_CXL_LOG", None)
        name = signal.Signals(sig).name
        # fake-sysfs-run execs the command: p.pid is svm-cxlctl's
        p = subprocess.Popen([FAKE_RUN, root, CTL, "create-region", "mem4"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        held = wait_for(lambda: read(knob) == "offline" and os.path.exists(save), 10)
        check(held and p.poll() is None,
              f"{name}: create-region holds auto_online_blocks at offline, '{knob_before}' saved")
        if not held:
            p.kill()
            out, err = p.communicate()
            print(f"# stderr: {err}")
            return
        p.send_signal(sig)
        time.sleep(0.5)
        check(p.poll() is None and read(knob) == "offline",
              f"{name}: deferred while the knob is held (the command is still in its step)")
        # let the assembly go on: the kernel's next region name, then read back what it wrote
        try:
            # fails (ENXIO) when the command is gone: nothing reads the FIFO any more
            w = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            os.write(w, b"region9\n")
            os.close(w)
        except OSError:
            pass
        r = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        try:
            out, err = p.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
        os.close(r)
        check(p.returncode == -sig, f"{name}: the command died of it afterwards "
              f"(status {p.returncode}, stderr {err.strip()!r})")
        check(read(knob) == knob_before,
              f"{name}: auto_online_blocks back at '{knob_before}' (is '{read(knob)}')")
        check(not os.path.exists(save), f"{name}: no save file left")


one(signal.SIGTERM, "online")
one(signal.SIGINT, "online_movable")
print("FAILED" if failures else "all passed")
sys.exit(1 if failures else 0)
