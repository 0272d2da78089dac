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

    # the shape of lockdep's report (kernel/locking/lockdep.c: print_circular_bug) for the
    # core pciehp inversion that KNOWN_CORE_REPORTS names; addresses and offsets made up
    PCIEHP_REPORT = """[   30.100000] ======================================================
[   30.100001] WARNING: possible circular locking dependency detected
[   30.100002] 6.12.95-svmdebug #1 Not tainted
[   30.100003] ------------------------------------------------------
[   30.100004] irq/25-pciehp/120 is trying to acquire lock:
[   30.100005] ffff888104a2c0e8 (&ctrl->reset_lock){++++}-{4:4}, at: pciehp_configure_device+0x1a5/0x290
[   30.100006] 
               but task is already holding lock:
[   30.100007] ffffffff8f5e3c88 (pci_rescan_remove_lock){+.+.}-{4:4}, at: pci_lock_rescan_remove+0x17/0x30
[   30.100008] 
               which lock already depends on the new lock.
[   30.100009] stack backtrace:
[   30.100010] CPU: 1 UID: 0 PID: 120 Comm: irq/25-pciehp Not tainted 6.12.95-svmdebug #1
[   30.100011] Call Trace:
[   30.100012]  <TASK>
[   30.100013]  dump_stack_lvl+0x91/0xb0
[   30.100014]  __lock_acquire+0x2f0e/0x5a40
[   30.100015]  down_read_nested+0x9d/0x460
[   30.100016]  pciehp_configure_device+0x1a5/0x290
[   30.100017]  pciehp_handle_presence_or_link_change+0x33c/0x6a0
[   30.100018]  pciehp_ist+0x3a4/0x3f0
[   30.100019]  </TASK>"""

    def test_known_core_report_is_allowed_whole(self):
        self.assertEqual(vm_run.kernel_problems(self.PCIEHP_REPORT), [])
        # what follows the report still counts
        after = self.PCIEHP_REPORT + "\n[   31.0] BUG: KASAN: use-after-free in foo+0x1/0x2"
        self.assertEqual(vm_run.kernel_problems(after),
                         ["[   31.0] BUG: KASAN: use-after-free in foo+0x1/0x2"])

    def test_known_core_report_with_a_module_frame_counts(self):
        ours = self.PCIEHP_REPORT.replace("pciehp_ist+0x3a4/0x3f0",
                                          "svm_cxl_numa_unplug+0x10/0x20 [svm_cxl]")
        self.assertIn("[   30.100011] Call Trace:", vm_run.kernel_problems(ours))

    def test_other_locks_count(self):
        other = self.PCIEHP_REPORT.replace("(pci_rescan_remove_lock)", "(&pool->lock)")
        self.assertIn("[   30.100001] WARNING: possible circular locking dependency detected",
                      vm_run.kernel_problems(other))
        taken = self.PCIEHP_REPORT.replace("at: pciehp_configure_device+0x1a5/0x290",
                                           "at: pciehp_reset_slot+0x1a5/0x290")
        self.assertNotEqual(vm_run.kernel_problems(taken), [])


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

    def test_fail_line_with_exit_zero_fails(self):
        e = self.run_collect({"t.rc": "0\n", "t.dmesg": "", "t.log": "# x\nFAIL: daxctl\n"})
        self.assertEqual((e["verdict"], e["why"]), ("fail", "exit status 0 after 'FAIL: daxctl'"))

    def test_fail_word_elsewhere_passes(self):
        e = self.run_collect({"t.rc": "0\n", "t.dmesg": "", "t.log": "ok - no FAIL: here\n"})
        self.assertEqual(e["verdict"], "pass")

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
