# SPDX-License-Identifier: GPL-2.0-only
"""The ok/FAIL lines of the host CLI tests and their exit status: check() prints one
line per assertion and counts the failures, finish() prints the summary and exits."""
import sys

failures = 0


def check(cond, what):
    global failures
    if cond:
        print(f"ok - {what}")
    else:
        failures += 1
        print(f"FAIL: {what}")


def finish():
    print("all passed" if not failures else f"{failures} FAILED")
    sys.exit(1 if failures else 0)
