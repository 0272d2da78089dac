#!/usr/bin/env python3
"""Unit tests of the QEMU harness's host-side logic: topology files, the kernel-log
scanner and the verdict of each guest test. No guest is booted here."""
import importlib.util
import sys
import tempfile
import unittest
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("vm_run", SOURCE / "harness" / "vm-run.py")
vm_run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vm_run)


class TopologyFiles(unittest.TestCase):
    def test_every_shipped_topology_parses(self):
        confs = sorted((SOURCE / "qemu-configs").glob("*.conf"))
        self.assertGreaterEqual(len(confs), 3)
        for conf in confs:
            topo = vm_run.Topology(conf.stem)
            self.assertTrue(topo.description, conf)
            self.assertGreater(topo.memdevs, 0, conf)
            self.assertIn("-device", topo.qemu)
            # QEMU's type-3 model refuses capacities that are not 256 MiB multiples.
            for arg in topo.qemu:
                if arg.startswith("memory-backend-ram") and "size=" in arg:
                    size = arg.split("size=")[1].split(",")[0]
                    self.assertEqual(int(size.rstrip("MG")) * (1024 if size.endswith("G") else 1) % 256, 0, conf)

    def test_unknown_topology_names_the_known_ones(self):
        with self.assertRaises(SystemExit) as cm:
            vm_run.Topology("no-such-topology")
        self.assertIn("single", str(cm.exception))

    def test_typo_in_key_reports_file_and_line(self):
        with tempfile.TemporaryDirectory() as d:
            old = vm_run.CONFIGS
            vm_run.CONFIGS = Path(d)
            try:
                (Path(d) / "bad.conf").write_text("# c\nmemory = 2G\nqmeu = -device x\n")
                with self.assertRaises(SystemExit) as cm:
                    vm_run.Topology("bad")
                self.assertIn("bad.conf:3", str(cm.exception))
            finally:
                vm_run.CONFIGS = old


class KernelLogScanner(unittest.TestCase):
    def test_finds_warnings_oopses_and_traces(self):
        for line in ["[   12.3] WARNING: CPU: 1 PID: 77 at mm/memremap.c:123 foo+0x1/0x2",
                     "[    1.0] BUG: unable to handle page fault for address: 0",
                     "[    2.0] Oops: general protection fault, probably for non-canonical address",
                     "[    3.0] Call Trace:",
                     "[    4.0] ------------[ cut here ]------------",
                     "[    5.0] watchdog: BUG: soft lockup - CPU#0 stuck for 22s!",
                     "[    6.0] INFO: task sh:55 blocked for more than 120 seconds."]:
            self.assertEqual(vm_run.kernel_problems(line), [line], line)

    def test_ignores_ordinary_boot_noise(self):
        noise = "\n".join([
            "[    0.7] Failed to access perfctr msr (MSR c0010007 is 0)",
            "[    1.0] pci_bus 0000:0c: Unknown NUMA node; performance will be reduced",
            "[   26.6] svm_cxl: loading out-of-tree module taints kernel.",
            "[    2.0] cxl_pci 0000:0d:00.0: Mailbox operation had an error: unsupported",
        ])
        self.assertEqual(vm_run.kernel_problems(noise), [])


class Verdicts(unittest.TestCase):
    def run_collect(self, files, current=None):
        with tempfile.TemporaryDirectory() as d:
            share = Path(d)
            for name, text in files.items():
                (share / name).write_text(text)
            if current:
                (share / "current").write_text(current)
            tests = [("t", 30, "true")]
            return vm_run.collect(share, tests, 1.0, False, share / "console.log")["tests"]["t"]

    def test_pass(self):
        self.assertEqual(self.run_collect({"t.rc": "0\n", "t.dmesg": ""})["verdict"], "pass")

    def test_skip(self):
        self.assertEqual(self.run_collect({"t.rc": "77\n", "t.dmesg": ""})["verdict"], "skip")

    def test_nonzero_exit_fails(self):
        e = self.run_collect({"t.rc": "3\n", "t.dmesg": ""})
        self.assertEqual((e["verdict"], e["why"]), ("fail", "exit status 3"))

    def test_timeout_kill_fails(self):
        e = self.run_collect({"t.rc": "137\n", "t.dmesg": ""})
        self.assertEqual(e["verdict"], "fail")
        self.assertIn("timeout", e["why"])

    def test_passing_test_with_kernel_warning_fails(self):
        e = self.run_collect({"t.rc": "0\n", "t.dmesg": "[1.0] WARNING: CPU: 0 PID: 1 at x.c:1 f\n"})
        self.assertEqual(e["verdict"], "fail")
        self.assertEqual(len(e["kernel_problems"]), 1)

    def test_guest_died_during_test(self):
        e = self.run_collect({"console.log": "Kernel panic - not syncing"}, current="t")
        self.assertEqual(e["verdict"], "fail")
        self.assertIn("hung or died", e["why"])
        self.assertEqual(e["console_problems"], ["Kernel panic - not syncing"])

    def test_never_ran(self):
        e = self.run_collect({})
        self.assertEqual(e["verdict"], "fail")
        self.assertIn("did not run", e["why"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
