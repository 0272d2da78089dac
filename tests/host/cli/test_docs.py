#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The CLI's documentation cannot drift from it: usage(), help, the man pages and the
bash completion come from the command and exit-code tables; help answers on a tree that
was never installed; exit codes follow errno, not message text; plan's policy errors.

  test_docs.py SVM_CXLCTL COMPLETION_SCRIPT COMMANDS_H EXIT_CODES_H BUILT_PAGES_DIR|-

BUILT_PAGES_DIR is where meson rendered the pages (docs/man in the build tree), "-"
when asciidoctor was not found.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_sysfs  # noqa: E402

CTL, COMPLETION, COMMANDS_H, EXIT_H, BUILT, FAKE_RUN = sys.argv[1:7]
failures = 0
MANDIR = "-"
if BUILT != "-":
    # laid out as an installed manual, for SVM_CXL_MANDIR
    MANDIR = tempfile.mkdtemp()
    for f in os.listdir(BUILT):
        sec = f.rsplit(".", 1)[-1]
        if sec in ("1", "5", "8"):
            os.makedirs(f"{MANDIR}/man{sec}", exist_ok=True)
            os.symlink(os.path.abspath(f"{BUILT}/{f}"), f"{MANDIR}/man{sec}/{f}")


def check(cond, what):
    global failures
    print(("ok - " if cond else "FAIL: ") + what)
    failures += not cond


def run(*args, env=None, exe=CTL, timeout=None):
    """(status, stdout, stderr) of exe over the fake tree, mounted at /sys
    (fake-sysfs-run); status None if it still ran after @timeout seconds (a refreshing
    command such as top, which then accepted its arguments)"""
    try:
        p = subprocess.run([FAKE_RUN, root, exe, *args], capture_output=True, text=True,
                           env=env or ENV, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode() if isinstance(e.stderr, bytes) else (e.stderr or "")
        return None, out, err
    return p.returncode, p.stdout, p.stderr


cmds = [m.groups() for m in re.finditer(
    r'^SVM_CMD\("([a-z-]+)", \w+, (true|false), "([^"]*)", "([^"]*)"\)$',
    open(COMMANDS_H).read(), re.M)]
codes = [m.groups() for m in re.finditer(r'^SVM_EXIT\((\w+), (\d+), "([^"]*)"\)$',
                                         open(EXIT_H).read(), re.M)]
names = [c[0] for c in cmds]

with tempfile.TemporaryDirectory() as root:
    fake_sysfs.topology(root)
    ENV = dict(os.environ, SVM_CXL_LOCK=f"{root}/lock")
    for k in ("SVM_CXL_LOG", "SVM_CXL_MANDIR"):
        ENV.pop(k, None)

    # one table: --list-cmds, usage(), the man pages
    rc, out, _ = run("--list-cmds")
    check(rc == 0 and out.split() == names, f"--list-cmds is the table: {out.split()}")
    rc, usage, _ = run("--help")
    for name, _, synopsis, _ in cmds:
        check(f"  {name} {synopsis}\n" in usage, f"usage() has '{name} {synopsis}'")
    for _, value, meaning in codes:
        check(f"  {value}  {meaning.split()[0]}" in usage, f"usage() has exit code {value}")
    check(re.search(r"COMMAND := \{ list \|", usage) is not None, "usage() has the grammar")

    # docs/cli.md repeats the grammar and the exit codes for readers of the tree: the
    # same words as the tables
    cli_md = open(os.path.join(os.path.dirname(COMMANDS_H), "../docs/cli.md")).read()
    for name, _, synopsis, _ in cmds:
        check(re.search(rf"^{re.escape(name + ' ' + synopsis)}( |$)", cli_md, re.M) is not None,
              f"docs/cli.md grammar has '{name} {synopsis}'")
    for _, value, meaning in codes:
        check(f"| {value} | {meaning}" in cli_md, f"docs/cli.md has exit code {value} as the table says")

    # help: every command's page, with the synopsis and exit codes of the tables
    if MANDIR != "-":
        for name, _, synopsis, _ in cmds:
            rc, out, err = run("help", name, env=dict(ENV, SVM_CXL_MANDIR=MANDIR))
            flat = " ".join(out.split())
            check(rc == 0 and out.startswith("NAME\n") and f"svm-cxlctl-{name} - " in out,
                  f"help {name}: NAME ({rc} {err.strip()})")
            check(f"svm-cxlctl {name} {synopsis}" in flat, f"help {name}: the table's synopsis")
            check("EXIT STATUS" in out and all(f"\n       {v}\n" in out for _, v, _ in codes),
                  f"help {name}: every exit code")
            check("\\f" not in out and "\\-" not in out and ".sp" not in out,
                  f"help {name}: no roff left in the text")
            rc2, out2, _ = run(name, "--help", env=dict(ENV, SVM_CXL_MANDIR=MANDIR))
            check(rc2 == 0 and out2 == out, f"{name} --help = help {name}")
        rc, out, _ = run("help", env=dict(ENV, SVM_CXL_MANDIR=MANDIR))
        flat = " ".join(out.split())
        check(rc == 0 and all(f"{n} {s}" in flat for n, _, _, s in
                              [(c[0], 0, 0, c[3]) for c in cmds]),
              "svm-cxlctl(1) COMMANDS: every command with its summary")
        # the build tree's binary finds the pages built beside it
        rc, out, _ = run("help", "plan")
        check(rc == 0 and out.startswith("NAME\n"), "help plan from the build tree")
        pages = sorted(f[:-2] for f in os.listdir(f"{MANDIR}/man1") if f.endswith(".1"))
        check(pages == sorted(["svm-cxlctl"] + [f"svm-cxlctl-{n}" for n in names]),
              f"a page per command, none more: {pages}")
        check(os.path.exists(f"{MANDIR}/man5/svm-cxl-policy.conf.5"), "svm-cxl-policy.conf(5)")
    # help where no page is: the synopsis from the table, exit 0
    with tempfile.TemporaryDirectory() as bare:
        copy = shutil.copy(CTL, bare)
        env = dict(ENV, LD_LIBRARY_PATH=os.pathsep.join(
            [os.path.join(os.path.dirname(CTL), "../cxl-glue"), ENV.get("LD_LIBRARY_PATH", "")]))
        rc, out, err = run("help", "plan", env=env, exe=copy)
        check(rc == 0 and "svm-cxlctl plan [--policy FILE]" in out and "not installed" in err,
              f"help plan, no manual anywhere: synopsis, exit 0 ({rc}, {err.strip()})")
    rc, _, err = run("help", "lisst")
    check(rc == 2 and "did you mean 'list'" in err and all(n in err for n in names),
          "help lisst: exit 2, suggestion, the commands")

    # plan --policy: missing file 3, unparsable 2, unreadable 1
    rc, _, err = run("plan", "--policy", f"{root}/nonexistent")
    check(rc == 3 and "No such file" in err, f"plan --policy /nonexistent: exit 3 ({rc})")
    with open(f"{root}/bad.conf", "w") as f:
        f.write("[defaults]\nexpandr = numa\n")
    rc, _, err = run("plan", "--policy", f"{root}/bad.conf")
    check(rc == 2 and "bad.conf:2" in err, f"plan with a bad policy: exit 2, FILE:LINE ({rc} {err.strip()})")
    rc, _, err = run("plan", "--policy", root)
    check(rc == 1, f"plan --policy DIR: unreadable, exit 1 ({rc} {err.strip()})")
    rc, out, _ = run("plan")
    check(rc == 0 and json.loads(out)["policy"] == "built-in defaults", "plan without a file")
    rc, out, _ = run("plan", "--policy", "/dev/null")
    serials = [s for e in json.loads(out)["plan"] for s in e["serials"]]
    check(0x8000000000000001 in serials, f"plan: serials unsigned {serials}")

    # exit codes from errno: a module libkmod cannot find is exit 6, not 3 (no such object)
    if os.geteuid() == 0 and subprocess.run(["modinfo", "svm_cxl"],
                                            capture_output=True).returncode != 0:
        t = fake_sysfs.Tree(root)
        shutil.rmtree(f"{root}/sys/devices/virtual/misc/svm_cxl")
        rc, _, err = run("online", "region1", "--mode", "coherent")
        check(rc == 6 and "svm_cxl" in err, f"online --mode coherent without svm_cxl: 6 ({rc} {err.strip()})")
    else:
        print("skip - module exit code: not root, or svm_cxl installed on this host")

    # bash completion: commands, objects from sysfs, options and their values
    def complete(*words):
        line = " ".join(words)
        script = (f". {COMPLETION}\nCOMP_WORDS=({line}); COMP_CWORD={len(words) - 1}\n"
                  "_svm_cxlctl; printf '%s\\n' \"${COMPREPLY[@]}\"\n")
        p = subprocess.run([FAKE_RUN, root, "bash", "-c", script], capture_output=True,
                           text=True, env=ENV)
        return sorted(p.stdout.split())

    check(complete(CTL, "''") == sorted(names + ["--help", "--version", "--list-cmds"]),
          f"commands: {complete(CTL, '')}")
    check(complete(CTL, "cr") == ["create-region"], "cr -> create-region")
    check(complete(CTL, "online", "''") == ["mem0", "mem1", "mem2", "mem3", "region0", "region1",
                                            "region2"], "online: regions and memdevs from sysfs")
    check(complete(CTL, "create-region", "m") == ["mem0", "mem1", "mem2", "mem3"], "create-region: memdevs")
    check(complete(CTL, "destroy-region", "''") == ["all", "region0", "region1", "region2", "stale"],
          "destroy-region: regions, all, stale")
    check(complete(CTL, "online", "region0", "--mode", "''") == ["coherent", "numa"], "--mode values")
    check(complete(CTL, "convert", "region0", "--zone", "''") == ["movable", "normal"], "--zone values")
    check(complete(CTL, "list", "-d", "''") == ["all", "decoder0.0", "decoder0.1", "root"],
          "list -d: root decoders from sysfs")
    check(complete(CTL, "list", "-s", "''") == sorted(["0x0", "0x1", "0x2", "0x8000000000000001"]),
          f"list -s: serials from sysfs, as the kernel prints them {complete(CTL, 'list', '-s', '')}")
    check(complete(CTL, "help", "''") == sorted(names), "help: commands")
    for name, _, synopsis, _ in cmds:
        offered = complete(CTL, name, "-")
        for opt in re.findall(r"(?<![\w-])(--[a-z-]+|-[a-zA-Z])(?![\w-])", synopsis):
            check(opt in offered, f"completion of {name} offers {opt}")
        for opt in offered:
            if opt == "--help":
                continue
            rc, _, err = run(name, opt, timeout=5)
            check("unknown option" not in err, f"{name} {opt} (offered) is an option of {name}")

if MANDIR != "-":
    shutil.rmtree(MANDIR)
print("all passed" if not failures else f"{failures} FAILED")
sys.exit(1 if failures else 0)
