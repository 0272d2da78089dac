#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Asciidoc fragments of the man pages from the CLI's own tables, so the pages cannot
drift from the program: commands.adoc (the COMMANDS list of svm-cxlctl(1)),
synopsis.adoc (one tagged SYNOPSIS block per command) and exit-status.adoc.

  gen-fragments.py cli/commands.h cli/exit-codes.h OUTDIR
"""
import os
import re
import sys

CMD = re.compile(r'^SVM_CMD\("([a-z-]+)", (\w+), (true|false), "([^"\\]*)", "([^"\\]*)"\)$')
EXIT = re.compile(r'^SVM_EXIT\((\w+), (\d+), "([^"\\]*)"\)$')


def table(path, rx, prefix):
    rows = []
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.startswith(prefix):
                continue
            m = rx.match(line)
            if not m:
                sys.exit(f"{path}:{n}: not in the form the generator reads: {line}")
            rows.append(m.groups())
    if not rows:
        sys.exit(f"{path}: no {prefix} lines")
    return rows


def main():
    cmds = table(sys.argv[1], CMD, "SVM_CMD(")
    codes = table(sys.argv[2], EXIT, "SVM_EXIT(")
    out = sys.argv[3]
    with open(os.path.join(out, "commands.adoc"), "w") as f:
        f.write("// generated from cli/commands.h by docs/man/gen-fragments.py\n")
        for name, _, priv, _, summary in cmds:
            f.write(f"*{name}*::\n{summary}{' (needs CAP_SYS_ADMIN)' if priv == 'true' else ''};"
                    f" see *svm-cxlctl-{name}*(1).\n\n")
    with open(os.path.join(out, "synopsis.adoc"), "w") as f:
        f.write("// generated from cli/commands.h by docs/man/gen-fragments.py\n")
        for name, _, _, synopsis, _ in cmds:
            f.write(f"// tag::{name}[]\n....\nsvm-cxlctl {name} {synopsis}\n....\n"
                    f"// end::{name}[]\n")
    with open(os.path.join(out, "exit-status.adoc"), "w") as f:
        f.write("// generated from cli/exit-codes.h by docs/man/gen-fragments.py\n")
        for _, value, meaning in codes:
            f.write(f"*{value}*::\n{meaning}\n\n")


main()
