#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""svm-cxlctl under the svm-cxl lock, over a fake sysfs tree (fake_sysfs.topology plus a
free memdev, mem4, behind the 1-way window decoder0.1).

relookup (review F9): destroy-region region2 waits for the lock, which the test holds;
meanwhile region2 goes away. Once it has the lock the command reads the model again and
says so, with nothing written to the window's delete_region.

signals (review F5): create-region holds the system-wide knob at "offline" while the region assembles. The
window's create_ram_region is a FIFO, so the command stops inside the assembly with the
knob held. SIGINT or SIGTERM sent then must not leave the knob at "offline": the command
finishes its step (here it fails, the kernel being fake), puts the knob back to what it
was and only then dies of the signal, with no save file left behind."""
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_sysfs  # noqa: E402
from tap import check, finish  # noqa: E402

CTL, FAKE_RUN = sys.argv[1:3]



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


def tree(root):
    t = fake_sysfs.topology(root)
    t.memdev("mem4", "pci0000:0f", "0000:12:00.0", 5, 256 * fake_sysfs.MIB,
             "endpoint7", "port6")
    # the root port leading to it, as fs_dport makes it
    t.link("sys/devices/pci0000:0f/0000:0f:00.0", f"{fake_sysfs.ROOT0}/port6/dport0")
    return t


def ctl_env(root):
    env = dict(os.environ, SVM_CXL_LOCK=f"{root}/lock", SVM_CXL_KNOB_SAVE=f"{root}/knob.saved",
               SVM_CXLD_SOCKET=f"{root}/no-daemon.sock")
    env.pop("SVM_CXL_LOG", None)
    return env


def relookup():
    with tempfile.TemporaryDirectory() as root:
        t = tree(root)
        delete = f"{root}/{fake_sysfs.ROOT0}/decoder0.0/delete_region"
        t.put(f"{fake_sysfs.ROOT0}/decoder0.0/delete_region", "")
        lock = os.open(f"{root}/lock", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(lock, fcntl.LOCK_EX)
        p = subprocess.Popen([FAKE_RUN, root, CTL, "destroy-region", "region2"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=ctl_env(root))
        line = p.stderr.readline()
        check("waiting for" in line, f"relookup: destroy-region waits for the lock ({line.strip()!r})")
        # meanwhile someone else (svm-cxld, cxl destroy-region) deletes region2
        os.unlink(f"{root}/{fake_sysfs.BUS}region2")
        shutil.rmtree(f"{root}/{fake_sysfs.ROOT0}/decoder0.0/region2")
        os.close(lock)
        out, err = p.communicate(timeout=60)
        err = line + err
        check(p.returncode != 0 and "region2" in err,
              f"relookup: refused, region2 is gone (exit {p.returncode}: {err.strip()!r})")
        check(read(delete) == "", f"relookup: nothing written to delete_region ({read(delete)!r})")


def one(sig, knob_before):
    with tempfile.TemporaryDirectory() as root:
        t = tree(root)
        knob = f"{root}/sys/devices/system/memory/auto_online_blocks"
        t.put("sys/devices/system/memory/auto_online_blocks", knob_before)
        fifo = f"{root}/{fake_sysfs.ROOT0}/decoder0.1/create_ram_region"
        os.mkfifo(fifo)
        save = f"{root}/knob.saved"
        env = ctl_env(root)
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


relookup()
one(signal.SIGTERM, "online")
one(signal.SIGINT, "online_movable")
finish()
