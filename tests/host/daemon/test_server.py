#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""svm-cxld's control socket against local users who do not play along (host, root).

A real svm-cxld runs over an empty fake sysfs root with a private socket, lock and state
directory. Each check fails on a daemon that blocks in send(), has no per-uid cap, keeps
half-sent requests forever, lets a second daemon share its state, or unlinks a live
socket:
  slow-monitor   a monitor that never reads while ~1 MiB of events is broadcast: the
                 daemon drops it and still answers status within 3 s
  uid-cap        one uid opening 40 connections gets 8; eight uids get at most
                 SVMD_MAX_CLIENTS - SVMD_ROOT_RESERVED; root still gets status
  idle           a half-sent request is closed after the client timeout (5 s)
  privilege      socket mode 0660 with the configured group; a non-root reload is refused
                 (code 5), a non-root status answered
  one-daemon     a second daemon on the same state dir, or on the same socket, exits 1
                 and the first keeps serving; after a SIGKILL the stale socket is replaced
  policy-appears a daemon started without a policy file (a fresh package install) takes
                 the one written afterwards on SIGHUP (systemctl reload); removed again,
                 the daemon keeps it
  cli-verbs      svm-cxlctl daemon status, reload (a bad policy refused with its line,
                 the loaded one kept), reconcile, hold, holds, release
Usage: test_server.py SVM_CXLD FAKE_SYSFS_RUN [SVM_CXLCTL]
"""
import grp
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

DAEMON, FAKE_RUN = sys.argv[1:3]
CTL = sys.argv[3] if len(sys.argv) > 3 else None
NOBODY = 65534
MAX_CLIENTS, ROOT_RESERVED, PER_UID = 64, 8, 8
failures = 0


def check(what, cond, detail=""):
    global failures
    print(("ok - " if cond else "FAIL - ") + what + (f" ({detail})" if detail and not cond else ""))
    if not cond:
        failures += 1


class Daemon:
    def __init__(self, top, state="state", sock="sock", policy=None):
        self.top = top
        self.sock = os.path.join(top, sock)
        self.state = os.path.join(top, state)
        self.log = os.path.join(top, f"daemon-{state}-{sock}.log")
        os.makedirs(os.path.join(top, "root"), exist_ok=True)
        env = dict(os.environ,
                   SVM_CXLD_SOCKET=self.sock,
                   SVM_CXL_LOCK=os.path.join(top, "lock"),
                   SVM_CXLD_SOCKET_GROUP=grp.getgrgid(NOBODY).gr_name)
        # over an empty fake tree at /sys (fake-sysfs-run)
        args = [FAKE_RUN, os.path.join(top, "root"), DAEMON, "--state-dir", self.state, "--verbose",
                "--policy", policy or os.path.join(top, "no-policy")]
        self.proc = subprocess.Popen(args, env=env, stdout=open(self.log, "w"),
                                     stderr=subprocess.STDOUT)

    def wait_ready(self):
        for _ in range(100):
            if self.proc.poll() is not None:
                return False
            if "ready:" in open(self.log).read():
                return True
            time.sleep(0.05)
        return False

    def exit_code(self, timeout=10):
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop(signal.SIGKILL)
            return "still running"

    def logtext(self):
        return open(self.log).read()

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def connect(path, timeout=3.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(path)
    return s


def request(path, obj, timeout=3.0):
    """one request; the reply as a dict, or None if none came within timeout"""
    try:
        s = connect(path, timeout)
        s.sendall((json.dumps(obj) + "\n").encode())
        buf = b""
        while b"\n" not in buf:
            d = s.recv(65536)
            if not d:
                break
            buf += d
        s.close()
        return json.loads(buf.decode()) if buf else None
    except (socket.timeout, OSError):
        return None


def as_user(uid, fn):
    """run fn() in a child with uid/gid @uid; returns what it wrote to the pipe (json)"""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(uid)
            out = fn()
        except Exception as ex:  # report, never fall through into the parent's code
            out = {"error": repr(ex)}
        os.write(w, json.dumps(out).encode())
        os._exit(0)
    os.close(w)
    data = b""
    while True:
        d = os.read(r, 65536)
        if not d:
            break
        data += d
    os.waitpid(pid, 0)
    return json.loads(data.decode())


def open_many(path, n):
    """open n connections, send nothing; (accepted sockets, refusals)"""
    held, refused = [], 0
    for _ in range(n):
        s = connect(path)
        s.settimeout(0.3)
        try:
            d = s.recv(4096)
            if d and b'"ok":false' in d:
                refused += 1
                s.close()
                continue
        except socket.timeout:
            pass
        held.append(s)
    return held, refused


def slow_monitor(top):
    # a long policy path: each policy-rejected event carries ~1 KiB of error text
    d = top
    for i in range(12):
        d = os.path.join(d, f"{i:02d}" + "p" * 240)
    os.makedirs(d)
    policy = os.path.join(d, "policy.conf")
    open(policy, "w").write("[defaults]\nexpander = numa\n")
    dm = Daemon(top, policy=policy)
    check("slow-monitor: daemon ready", dm.wait_ready(), dm.logtext())
    mon = connect(dm.sock)
    mon.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    mon.sendall(b'{"cmd":"monitor"}\n')
    open(policy, "w").write("[defaults]\nexpander = bogus\n")
    for i in range(3000):
        dm.proc.send_signal(signal.SIGHUP)
        time.sleep(0.001)
        if i % 100 == 99 and "stopped reading" in dm.logtext():
            break
    t0 = time.monotonic()
    rep = request(dm.sock, {"cmd": "status"}, timeout=3.0)
    dt = time.monotonic() - t0
    check("slow-monitor: status answered within 3 s while a monitor does not read",
          rep is not None and rep.get("ok") is True, f"reply {rep} after {dt:.1f} s")
    check("slow-monitor: the monitor was dropped", "stopped reading" in dm.logtext())
    # what the dropped monitor still gets is what was queued, then EOF
    mon.settimeout(3)
    try:
        got = 0
        while True:
            b = mon.recv(1 << 20)
            if not b:
                break
            got += len(b)
        check("slow-monitor: the dropped monitor reads EOF", True)
    except socket.timeout:
        check("slow-monitor: the dropped monitor reads EOF", False, "still connected")
    mon.close()
    print(f"# slow-monitor: status in {dt * 1000:.0f} ms")
    dm.stop()


def uid_cap(top):
    dm = Daemon(top, state="state-cap", sock="sock-cap")
    check("uid-cap: daemon ready", dm.wait_ready(), dm.logtext())
    # the parent holds the children's connections open by waiting for them to report
    r = as_user(NOBODY, lambda: (lambda h, n: {"held": len(h), "refused": n})(*open_many(dm.sock, 40)))
    check("uid-cap: one uid gets at most 8 of 40 connections",
          r.get("held") == PER_UID and r.get("refused") == 40 - PER_UID, str(r))
    # several uids at once: hold their sockets in children that stay alive
    kids = []
    for k in range(8):
        rd, wr = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(rd)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(60000 + k)
            held, refused = open_many(dm.sock, PER_UID)
            os.write(wr, f"{len(held)}\n".encode())
            time.sleep(4)
            os._exit(0)
        os.close(wr)
        kids.append((pid, rd))
    held = sum(int(os.read(rd, 64).decode() or 0) for _, rd in kids)
    check(f"uid-cap: eight uids hold at most {MAX_CLIENTS - ROOT_RESERVED} connections",
          held <= MAX_CLIENTS - ROOT_RESERVED, f"{held} held")
    rep = request(dm.sock, {"cmd": "status"})
    check("uid-cap: root still gets status", rep is not None and rep.get("ok") is True, str(rep))
    for pid, rd in kids:
        os.close(rd)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    dm.stop()


def idle_and_privilege(top):
    dm = Daemon(top, state="state-idle", sock="sock-idle")
    check("idle: daemon ready", dm.wait_ready(), dm.logtext())
    mode = os.stat(dm.sock).st_mode
    check("privilege: socket mode 0660", stat.S_IMODE(mode) == 0o660, oct(stat.S_IMODE(mode)))
    check("privilege: socket group is the configured one", os.stat(dm.sock).st_gid == NOBODY)

    def half_sent():
        s = connect(dm.sock, timeout=8)
        s.sendall(b'{"cmd":"sta')
        t0 = time.monotonic()
        try:
            d = s.recv(4096)
        except socket.timeout:
            d = None
        return {"closed": d == b"", "after": time.monotonic() - t0}
    r = as_user(NOBODY, half_sent)
    check("idle: a half-sent request is closed within 7 s",
          r.get("closed") is True and r.get("after", 99) < 7, str(r))
    r = as_user(NOBODY, lambda: {"reload": request(dm.sock, {"cmd": "reload"}),
                                 "status": request(dm.sock, {"cmd": "status"})})
    check("privilege: non-root reload refused with code 5",
          (r.get("reload") or {}).get("code") == 5, str(r))
    check("privilege: non-root status answered", (r.get("status") or {}).get("ok") is True, str(r))
    dm.stop()


def one_daemon(top):
    first = Daemon(top, state="state-one", sock="sock-one")
    check("one-daemon: first ready", first.wait_ready(), first.logtext())
    second = Daemon(top, state="state-one", sock="sock-two")
    rc = second.exit_code()
    second.stop()
    check("one-daemon: a second daemon on the same state dir exits 1",
          rc == 1 and "another svm-cxld uses this state directory" in second.logtext(),
          f"rc {rc}: {second.logtext()}")
    third = Daemon(top, state="state-three", sock="sock-one")
    rc = third.exit_code()
    third.stop()
    check("one-daemon: a second daemon on the same socket exits 1",
          rc == 1 and "another svm-cxld is listening" in third.logtext(), f"rc {rc}: {third.logtext()}")
    rep = request(first.sock, {"cmd": "status"})
    check("one-daemon: the first still answers on its socket", rep is not None and rep.get("ok") is True)
    first.stop(signal.SIGKILL)
    again = Daemon(top, state="state-one", sock="sock-one")
    check("one-daemon: after a SIGKILL a new daemon replaces the stale socket",
          again.wait_ready() and (request(again.sock, {"cmd": "status"}) or {}).get("ok") is True,
          again.logtext())
    again.stop()


def policy_appears(top):
    policy = os.path.join(top, "later-policy.conf")
    d = Daemon(top, state="state-pol", sock="sock-pol", policy=policy)
    try:
        check("policy-appears: ready without a policy file", d.wait_ready(), d.logtext())
        st = request(d.sock, {"cmd": "status"})
        check("policy-appears: built-in defaults, 0 rules", st and st.get("rules") == 0, str(st))
        with open(policy, "w") as f:
            f.write('[rule "boot-device"]\nserial = 1\nmode = ignore\n')
        d.proc.send_signal(signal.SIGHUP)
        for _ in range(100):
            if "policy reloaded" in d.logtext():
                break
            time.sleep(0.05)
        st = request(d.sock, {"cmd": "status"})
        check("policy-appears: SIGHUP takes the new file, 1 rule", st and st.get("rules") == 1,
              f"{st}; log: {d.logtext()[-300:]}")
        check("policy-appears: status names the file", st and st.get("policy") == policy, str(st))
        os.unlink(policy)
        d.proc.send_signal(signal.SIGHUP)
        for _ in range(100):
            if "policy not reloaded" in d.logtext():
                break
            time.sleep(0.05)
        st = request(d.sock, {"cmd": "status"})
        check("policy-appears: file gone, the loaded policy stays (1 rule)",
              st and st.get("rules") == 1 and "policy not reloaded" in d.logtext(), str(st))
    finally:
        d.stop()


def cli_verbs(top):
    """svm-cxlctl daemon status|reload|reconcile|hold|release|holds against the daemon:
    the CLI over the fake topology of the CLI tests (tests/host/cli/fake_sysfs.py, for
    a memdev to hold: mem3), the daemon over its empty tree"""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../cli"))
    import fake_sysfs
    policy = os.path.join(top, "cli-policy.conf")
    with open(policy, "w") as f:
        f.write('[rule "a"]\nserial = 1\nmode = ignore\n'
                '[place "svc"]\nexe = /usr/bin/sleep\npool = region0\n')
    d = Daemon(top, state="state-cli", sock="sock-cli", policy=policy)
    croot = os.path.join(top, "cli-root")
    fake_sysfs.topology(croot)
    env = dict(os.environ, SVM_CXLD_SOCKET=d.sock, SVM_CXL_LOCK=os.path.join(top, "lock"),
               SVM_CXLD_STATE_DIR=d.state, SVM_CXL_KNOB_SAVE=os.path.join(top, "cli-knob"))
    env.pop("SVM_CXL_LOG", None)

    def ctl(*args):
        p = subprocess.run([FAKE_RUN, croot, CTL, "daemon", *args], env=env,
                           capture_output=True, text=True, timeout=30)
        return p.returncode, p.stdout, p.stderr

    def ctl_json(verb):
        """exit code and the JSON it printed ({"unparsed": ...} if none)"""
        rc, out, err = ctl(verb)
        try:
            return rc, json.loads(out)
        except ValueError:
            return rc, {"unparsed": out + err}

    def status():
        return ctl_json("status")

    def held():
        rc, holds = ctl_json("holds")
        return holds if rc == 0 else f"exit {rc}: {holds}"
    try:
        check("cli-verbs: daemon ready", d.wait_ready(), d.logtext())
        rc, st = status()
        check("cli-verbs: daemon status: exit 0, the policy's 1 rule", rc == 0 and st.get("rules") == 1,
              f"{rc} {st}")
        # placement counters per [place] rule: region0 has no pool in the empty tree
        for _ in range(30):
            rules = st.get("placement", {}).get("rules")
            if rules and rules[0].get("no_pool"):
                break
            time.sleep(0.1)
            rc, st = status()
        check("cli-verbs: daemon status: placement counters of rule svc (no pool, nothing placed)",
              rules == [{"rule": "svc", "pool": "region0", "applied": 0, "moved_bytes": 0,
                         "rate_limited": 0, "refused": 0, "no_pool": 1}],
              str(st.get("placement")))
        p = subprocess.run([FAKE_RUN, croot, CTL, "status"], env=env, capture_output=True,
                           text=True, timeout=30)
        line = [ln for ln in p.stdout.splitlines() if ln.startswith("place ")]
        check("cli-verbs: svm-cxlctl status: a line for rule svc",
              p.returncode == 0 and len(line) == 1 and line[0].split() ==
              ["place", "svc", "->", "region0", "applied", "0", "(0", "B),", "rate-limited", "0,",
               "refused", "0,", "no", "pool", "1"], f"{p.returncode} {p.stdout} {p.stderr}")
        with open(policy, "a") as f:
            f.write('[rule "b"]\nserial = 2\nmode = ignore\n')
        rc, out, err = ctl("reload")
        rc2, st = status()
        check("cli-verbs: daemon reload: exit 0, 2 rules now", rc == 0 and st.get("rules") == 2,
              f"{rc} {out} {err} {st}")
        with open(policy, "a") as f:
            f.write('[rule "c"]\nserail = 3\n')
        rc, out, err = ctl("reload")
        rc2, st = status()
        check("cli-verbs: daemon reload of a bad policy: refused with its line, 2 rules kept",
              rc not in (0, None) and "cli-policy.conf:" in out + err and st.get("rules") == 2,
              f"{rc} {out} {err} {st}")
        rc, out, err = ctl("reconcile")
        check("cli-verbs: daemon reconcile: exit 0", rc == 0, f"{rc} {out} {err}")
        rc, out, err = ctl("hold", "mem3")
        holds = held()
        check("cli-verbs: daemon hold mem3: exit 0, listed by daemon holds",
              rc == 0 and isinstance(holds, list) and
              [h.get("memdev") for h in holds] == ["mem3"], f"{rc} {err} {holds}")
        rc, out, err = ctl("release", "mem3")
        holds = held()
        check("cli-verbs: daemon release mem3: exit 0, no hold left",
              rc == 0 and holds == [], f"{rc} {err} {holds}")
        rc, out, err = ctl("release", "mem3")
        check("cli-verbs: release of what is not held says so", "was not held" in err, f"{rc} {err}")
    finally:
        d.stop()


def main():
    if os.geteuid() != 0:
        print("SKIP: needs root (setuid to other uids, peer credentials)")
        return 77
    with tempfile.TemporaryDirectory(prefix="svmd-server-") as top:
        os.chmod(top, 0o755)
        for t in (slow_monitor, uid_cap, idle_and_privilege, one_daemon, policy_appears):
            t(top)
        if CTL:
            cli_verbs(top)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
