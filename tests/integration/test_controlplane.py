# SPDX-License-Identifier: BSD-3-Clause
"""sgtgw-controlplane against fake_dp, a stand-in for the dataplane's side
of docs/sync.md that prints every update it drains and checks the
generation rules itself ("gap ..." / "invalid ..." lines).

Covered: the full resync on connect (every binding of the file, in order,
and the policy); `sgtgwctl reload` sending only the difference, nothing
for an unchanged file, and the loader's FILE:LINE error for a bad one with
nothing sent; SIGHUP; either process starting first; the dataplane
restarting (reconnect and resync, generations above its cache's); a
RESYNC_REQUEST; a silent dataplane dropped after 5 s; a second
controlplane refused BUSY and logging it once; 100,000 bindings through a
64-message ring, all in order with consecutive generations; the command
line and the admin socket's mode.

Executables come from the environment (SGTGW_CONTROLPLANE, FAKE_DP,
SGTGWCTL, as meson test sets them), else from a build directory.
"""
import ipaddress
import os
import re
import signal
import socket
import stat
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILDS = ("build-cpl", "build", "build-it", "build-lead")


def _find(env, rel):
    path = os.environ.get(env)
    if path:
        return path
    for build in BUILDS:
        cand = REPO / build / rel
        if cand.is_file() and os.access(cand, os.X_OK):
            return str(cand)
    return None


CONTROLPLANE = _find("SGTGW_CONTROLPLANE", "controlplane/sgtgw-controlplane")
FAKE_DP = _find("FAKE_DP", "tests/integration/fake_dp")
SGTGWCTL = _find("SGTGWCTL", "controlplane/sgtgwctl")

pytestmark = pytest.mark.skipif(
    not (CONTROLPLANE and FAKE_DP and SGTGWCTL),
    reason="sgtgw-controlplane, fake_dp and sgtgwctl must be built")


def wait_for(pred, timeout=10.0, what="condition"):
    """Poll pred until it returns something true; never a fixed sleep."""
    deadline = time.monotonic() + timeout
    while True:
        got = pred()
        if got:
            return got
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


# ---- the configuration ---------------------------------------------------

HEAD = """\
ports: [ {{ name: a, device: x }}, {{ name: b, device: y }} ]
port_pairs: [ [a, b] ]
{dataplane}sgts:
  - {{ value: 10, name: Web }}
  - {{ value: 20, name: Db }}
  - {{ value: 30, name: Users }}
sgacls:
  - {{ name: Web_Only, aces: [ 'permit tcp dst eq 443', 'permit icmp' ] }}
  - {{ name: Sql, aces: [ 'permit tcp dst eq 5432' ] }}
policy:
  default: {{ sgacls: [], catch_all: {default} }}
  cells:
    - {{ src: Users, dst: Web, sgacls: [Web_Only], catch_all: deny }}
    - {{ src: Web, dst: Db, sgacls: [Sql], catch_all: deny }}
bindings:
"""

BASE_BINDINGS = [
    ("10.1.0.0/16", 30),
    ("10.1.5.5/32", 10),
    ("10.2.0.20/32", 20),
    ("2001:db8:1::/48", 30),
    ("2001:db8::10/128", 10),
]


def config_text(bindings, default="permit", dataplane=""):
    lines = [HEAD.format(default=default, dataplane=dataplane)]
    for prefix, sgt in bindings:
        lines.append(f'  - {{ prefix: "{prefix}", sgt: {sgt} }}\n')
    return "".join(lines)


def resync_order(bindings):
    """binding_db_foreach's order: IPv4 first, then by address, then
    prefix length."""
    def key(b):
        net = ipaddress.ip_network(b[0])
        return (net.version, net.network_address.packed, net.prefixlen)
    return [(str(ipaddress.ip_network(p)), s) for p, s in sorted(bindings, key=key)]


# ---- the processes -----------------------------------------------------------

EVENT = re.compile(r"^(add|del) (\S+) sgt=(\d+) src=(\w+) g=(\d+)$")


class FakeDp:
    def __init__(self, tmp, sock, *args, name="fake"):
        self.out = tmp / f"{name}-{time.monotonic_ns()}.out"
        self.sock = sock
        with open(self.out, "w") as f:
            self.proc = subprocess.Popen([FAKE_DP, "--socket", str(sock), *args],
                                         stdin=subprocess.PIPE, stdout=f,
                                         stderr=subprocess.STDOUT, text=True)
        wait_for(lambda: "listening" in self.text(), what="fake_dp listening")

    def text(self):
        return self.out.read_text()

    def lines(self):
        return self.text().splitlines()

    def cmd(self, word):
        done = f"done {word}"
        n = self.lines().count(done)
        self.proc.stdin.write(word + "\n")
        self.proc.stdin.flush()
        wait_for(lambda: self.lines().count(done) > n, what=f"fake_dp '{word}'")

    def count(self, prefix):
        return sum(1 for l in self.lines() if l.startswith(prefix))

    def wait_count(self, prefix, n, timeout=10.0):
        wait_for(lambda: self.count(prefix) >= n, timeout,
                 what=f"{n} x '{prefix}' from fake_dp")

    def problems(self):
        return [l for l in self.lines()
                if l.split(" ")[0] in ("gap", "invalid", "policy-error",
                                       "discarded", "send-error", "unexpected")]

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Controlplane:
    def __init__(self, tmp, cfg, sock, admin, name="cp", overrides=True):
        """overrides: name the sockets on the command line, else the file
        names them (admin is then only where the test expects it)."""
        self.tmp, self.cfg, self.sock, self.admin = tmp, cfg, sock, admin
        self.err = tmp / f"{name}-{time.monotonic_ns()}.err"
        args = [CONTROLPLANE, "--config", str(cfg)]
        if overrides:
            args += ["--socket", str(sock), "--admin-socket", str(admin)]
        with open(self.err, "w") as f:
            self.proc = subprocess.Popen(
                args, stdin=subprocess.DEVNULL, stdout=f, stderr=subprocess.STDOUT)
        wait_for(lambda: admin.exists() or self.proc.poll() is not None,
                 what="the admin socket")
        assert self.proc.poll() is None, self.log()

    def log(self):
        return self.err.read_text()

    def ctl(self, *args):
        return subprocess.run([SGTGWCTL, "-a", str(self.admin), *args],
                              capture_output=True, text=True, timeout=130)

    def status(self):
        res = self.ctl("cp-status")
        assert res.returncode == 0, res.stderr
        return dict(l.split("=", 1) for l in res.stdout.splitlines())

    def wait_status(self, key, value, timeout=10.0):
        wait_for(lambda: self.status()[key] == str(value), timeout,
                 what=f"cp-status {key}={value}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("sgtgw-controlplane ignored SIGTERM")
            assert rc == 0, self.log()


@pytest.fixture
def env(tmp_path):
    """A config file, socket paths, and whatever processes a test starts,
    all stopped at the end."""
    class Env:
        pass
    e = Env()
    e.tmp = tmp_path
    e.cfg = tmp_path / "sgtgw.yaml"
    e.cfg.write_text(config_text(BASE_BINDINGS))
    e.sock = tmp_path / "dp.sock"
    e.admin = tmp_path / "cp.sock"
    e.procs = []

    def fake(*args, name="fake"):
        f = FakeDp(tmp_path, e.sock, *args, name=name)
        e.procs.append(f)
        return f

    def cp(cfg=None, admin=None, name="cp", overrides=True):
        c = Controlplane(tmp_path, cfg or e.cfg, e.sock, admin or e.admin, name,
                         overrides)
        e.procs.append(c)
        return c
    e.fake, e.cp = fake, cp
    yield e
    for p in reversed(e.procs):
        p.stop()


def events(lines):
    """(kind, prefix, sgt, src, g) for each add/del line."""
    out = []
    for l in lines:
        m = EVENT.match(l)
        if m:
            out.append((m[1], m[2], int(m[3]), m[4], int(m[5])))
    return out


def last_resync(lines):
    """The lines of the last complete resync: begin .. end."""
    begin = max(i for i, l in enumerate(lines) if l.startswith("resync-begin"))
    end = next(i for i in range(begin, len(lines)) if lines[i].startswith("resync-end"))
    return lines[begin:end + 1]


def gen_of(line):
    return int(re.search(r"g=(\d+)", line)[1])


def assert_full_resync(lines, bindings, begin_above=0):
    rs = last_resync(lines)
    g0 = gen_of(rs[0])
    assert g0 > begin_above
    adds = events(rs)
    assert [(p, s) for _, p, s, _, _ in adds] == resync_order(bindings)
    assert [g for *_, g in adds] == list(range(g0 + 1, g0 + 1 + len(bindings)))
    assert all(k == "add" and src == "cli" for k, _, _, src, _ in adds)
    policies = [l for l in rs if l.startswith("policy ")]
    assert len(policies) == 1 and "crc ok sgacls=2 cells=2" in policies[0], rs
    assert gen_of(rs[-1]) == g0 + len(bindings) + 1
    return rs


def settled(cp):
    """Everything sent was acknowledged and nothing waits."""
    st = cp.status()
    return (st["connected"] == "yes" and st["backlog"] == "0" and
            st["bindings_generation_sent"] == st["bindings_generation_acked"] and
            st["policy_generation_sent"] == st["policy_generation_acked"] and st)


# ---- tests ---------------------------------------------------------------------

def test_full_resync_on_connect(env):
    fake = env.fake()
    cp = env.cp()
    fake.wait_count("resync-end", 1)
    st = wait_for(lambda: settled(cp), what="acks")
    lines = fake.lines()
    assert any(l.startswith("session ") and f"pid={cp.proc.pid}" in l for l in lines)
    rs = assert_full_resync(lines, BASE_BINDINGS)
    assert gen_of(rs[0]) == 1
    assert st["bindings_generation_sent"] == str(len(BASE_BINDINGS) + 2)
    assert st["policy_generation_sent"] == "1"
    assert st["sessions"] == "1" and st["resyncs"] == "1"
    assert int(st["messages_sent"]) == len(BASE_BINDINGS) + 3
    assert fake.problems() == []


def test_reload_sends_only_the_difference(env):
    fake = env.fake()
    cp = env.cp()
    fake.wait_count("resync-end", 1)
    wait_for(lambda: settled(cp), what="acks")
    before = len(fake.lines())
    sent = int(cp.status()["messages_sent"])

    # The same file: nothing at all.
    res = cp.ctl("reload")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == ("bindings: 0 added, 0 changed, 0 removed; "
                                  "policy unchanged")
    st = cp.status()
    assert int(st["messages_sent"]) == sent and st["backlog"] == "0"

    # One changed, one added, one removed; the policy as it was.
    new = [b for b in BASE_BINDINGS if b[0] != "10.2.0.20/32"]
    new = [(p, 20 if p == "10.1.5.5/32" else s) for p, s in new]
    new.append(("10.9.0.0/24", 30))
    env.cfg.write_text(config_text(new))
    res = cp.ctl("reload")
    assert res.returncode == 0, res.stderr
    assert "1 added, 1 changed, 1 removed; policy unchanged" in res.stdout
    fake.wait_count("del ", 1)
    wait_for(lambda: settled(cp), what="acks")
    got = events(fake.lines()[before:])
    last_g = int(st["bindings_generation_sent"])
    assert got == [("add", "10.1.5.5/32", 20, "cli", last_g + 1),
                   ("add", "10.9.0.0/24", 30, "cli", last_g + 2),
                   ("del", "10.2.0.20/32", 20, "cli", last_g + 3)]
    assert fake.count("policy ") == 1

    # Only the policy: one snapshot, the next policy generation.
    env.cfg.write_text(config_text(new, default="deny"))
    res = cp.ctl("reload")
    assert "0 added, 0 changed, 0 removed; policy changed (generation 2)" in res.stdout
    fake.wait_count("policy ", 2)
    assert fake.lines()[-1].startswith("policy g=2 ")
    assert fake.problems() == []


def test_reload_bad_file_changes_nothing(env):
    fake = env.fake()
    cp = env.cp()
    fake.wait_count("resync-end", 1)
    wait_for(lambda: settled(cp), what="acks")
    sent = cp.status()["messages_sent"]
    text = config_text(BASE_BINDINGS + [("10.7.7.7/24", 10)])
    env.cfg.write_text(text)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "10.7.7.7/24" in l)
    res = cp.ctl("reload")
    assert res.returncode == 1
    assert res.stdout == ""
    assert f"{env.cfg}:{line}: key 'bindings[5].prefix'" in res.stderr, res.stderr
    assert "host bits" in res.stderr
    st = cp.status()
    assert st["messages_sent"] == sent and st["backlog"] == "0"
    assert "reload refused, nothing changed" in cp.log()
    # The running state is the old file's: a good file now diffs against it.
    env.cfg.write_text(config_text(BASE_BINDINGS + [("10.7.7.0/24", 10)]))
    res = cp.ctl("reload")
    assert "1 added, 0 changed, 0 removed" in res.stdout
    fake.wait_count("add 10.7.7.0/24 ", 1)


def test_sighup_reloads(env):
    fake = env.fake()
    cp = env.cp()
    fake.wait_count("resync-end", 1)
    env.cfg.write_text(config_text(BASE_BINDINGS + [("10.44.0.0/16", 20)]))
    cp.proc.send_signal(signal.SIGHUP)
    fake.wait_count("add 10.44.0.0/16 sgt=20 ", 1)
    assert "configuration reloaded" in cp.log()
    assert fake.count("resync-begin") == 1


def test_reload_dataplane_keys_warns(env):
    fake = env.fake()
    cp = env.cp()
    fake.wait_count("resync-end", 1)
    env.cfg.write_text(config_text(BASE_BINDINGS, dataplane="dataplane: { workers: 3 }\n"))
    res = cp.ctl("reload")
    assert res.returncode == 0
    assert "restart sgtgw-dataplane to apply: dataplane.workers" in res.stdout
    assert re.search(r"warning: reload: dataplane.workers changed", cp.log())


def test_controlplane_first(env):
    cp = env.cp()
    st = cp.status()
    assert st["connected"] == "no" and st["state"] == "disconnected"
    wait_for(lambda: "cannot connect to sgtgw-dataplane" in cp.log(), what="retry log")
    fake = env.fake()
    fake.wait_count("resync-end", 1, timeout=5)
    assert_full_resync(fake.lines(), BASE_BINDINGS)
    # Retries are logged when the cause changes, not once a second.
    assert cp.log().count("cannot connect to sgtgw-dataplane") == 1


def test_dataplane_restart(env):
    fake = env.fake()
    cp = env.cp()
    fake.wait_count("resync-end", 1)
    wait_for(lambda: settled(cp), what="acks")
    fake.stop()
    wait_for(lambda: "the dataplane closed the connection" in cp.log(),
             what="the session's end in the log")
    # The new dataplane starts from a cache at generations 1000 / 50.
    fake2 = env.fake("--bindings-gen", "1000", "--policy-gen", "50",
                     "--cache-loaded", name="fake2")
    fake2.wait_count("resync-end", 1, timeout=5)
    rs = assert_full_resync(fake2.lines(), BASE_BINDINGS)
    assert gen_of(rs[0]) == 1001
    assert next(l for l in rs if l.startswith("policy ")).startswith("policy g=51 ")
    st = wait_for(lambda: settled(cp), what="acks")
    assert st["sessions"] == "2"
    assert "enforcing from its cache" in cp.log()
    assert fake2.problems() == []


def test_resync_request(env):
    fake = env.fake()
    cp = env.cp()
    fake.wait_count("resync-end", 1)
    fake.cmd("resync")
    fake.wait_count("resync-end", 2)
    assert_full_resync(fake.lines(), BASE_BINDINGS, begin_above=len(BASE_BINDINGS) + 2)
    st = wait_for(lambda: settled(cp), what="acks")
    assert st["resync_requests"] == "1" and st["resyncs"] == "2"
    assert "dataplane asks for a full resync (operator)" in cp.log()


def test_operator_resync(env):
    cp = env.cp()
    res = cp.ctl("resync")
    assert res.returncode == 1
    assert "resync refused: no dataplane session" in res.stderr
    fake = env.fake()
    fake.wait_count("resync-end", 1)
    res = cp.ctl("resync")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("full resync: bindings generations up to ")
    fake.wait_count("resync-end", 2)
    assert_full_resync(fake.lines(), BASE_BINDINGS, begin_above=len(BASE_BINDINGS) + 2)
    assert "full resync asked for by pid" in cp.log()
    assert fake.problems() == []


def test_sockets_from_the_file(env):
    admin = env.tmp / "run" / "cp.sock"   # its directory does not exist yet
    text = config_text(BASE_BINDINGS) + (
        f"controlplane:\n  socket: {env.sock}\n  admin_socket: {admin}\n"
        f"  cache: {env.tmp / 'dp.cache'}\n")
    env.cfg.write_text(text)
    check = subprocess.run([CONTROLPLANE, "--check-config", str(env.cfg)],
                           capture_output=True, text=True)
    if "unknown key" in check.stderr:
        pytest.skip("this tree's loader has no controlplane: section yet")
    assert check.returncode == 0, check.stderr
    fake = env.fake()
    cp = env.cp(admin=admin, overrides=False)
    fake.wait_count("resync-end", 1)
    st = cp.status()
    assert st["socket"] == str(env.sock) and st["connected"] == "yes"
    assert stat.S_IMODE(os.stat(admin.parent).st_mode) == 0o750
    assert "has no controlplane: section" not in cp.log()
    # Moving a socket or changing the hold time takes a restart: the reply
    # says which.
    env.cfg.write_text(text.replace(f"socket: {env.sock}",
                                    f"socket: {env.tmp / 'other.sock'}")
                       + "  hold_time: 9\n")
    res = cp.ctl("reload")
    assert res.returncode == 0, res.stderr
    assert ("restart sgtgw-dataplane to apply: controlplane.socket, "
            "controlplane.hold_time") in res.stdout
    assert ("restart sgtgw-controlplane to apply: controlplane.socket, "
            "controlplane.hold_time") in res.stdout
    assert cp.status()["socket"] == str(env.sock)


def test_silent_dataplane_is_dropped(env):
    fake = env.fake()
    cp = env.cp()
    fake.wait_count("resync-end", 1)
    fake.cmd("mute")
    wait_for(lambda: "silent for 5000 ms" in cp.log(), timeout=8,
             what="the controlplane giving up on a silent dataplane")
    fake.cmd("unmute")
    fake.wait_count("resync-end", 2, timeout=5)
    assert fake.count("session ") == 2
    assert_full_resync(fake.lines(), BASE_BINDINGS)


def test_second_controlplane_is_refused_once(env):
    fake = env.fake()
    cp = env.cp()
    fake.wait_count("resync-end", 1)
    cp2 = env.cp(admin=env.tmp / "cp2.sock", name="cp2")
    fake.wait_count("busy-refused", 3, timeout=8)
    assert cp2.log().count("busy with another controlplane") == 1
    assert cp2.status()["connected"] == "no"
    assert cp.status()["connected"] == "yes"


def _sanitized(exe):
    with open(exe, "rb") as f:
        return b"__asan_init" in f.read()


def test_100k_bindings_backpressure(env):
    # libcyaml grows a sequence one element per realloc, and under ASan
    # every realloc copies: 100,000 bindings take minutes to load there
    # (0.5 s otherwise), and 20,000 took over 10 s on a busy 2-CPU machine,
    # long enough for the reload below to stall the session into a resync.
    # 5,000 still fill the 64-message ring many times over.
    n = 5_000 if _sanitized(CONTROLPLANE) else 100_000
    big = [(f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}/32", 10 + i % 3)
           for i in range(n)]
    env.cfg.write_text(config_text(big))
    # A 64-message ring drained at most 50 messages a millisecond.
    fake = env.fake("--ring", "64", "--rate", "50")
    cp = env.cp()
    fake.wait_count("resync-end", 1, timeout=120)
    lines = fake.lines()
    assert fake.problems() == []
    assert_full_resync(lines, big)
    st = wait_for(lambda: settled(cp), timeout=20, what="acks")
    assert int(st["ring_waits"]) > 0
    assert int(st["messages_sent"]) == n + 3
    # A reload that changes one of them sends one message.
    j = n * 2 // 3
    big[j] = (big[j][0], 30)
    env.cfg.write_text(config_text(big))
    res = cp.ctl("reload")
    assert "0 added, 1 changed, 0 removed" in res.stdout, res.stderr
    fake.wait_count(f"add {big[j][0]} sgt=30 ", 1)
    assert len(fake.lines()) == len(lines) + 1


def test_admin_socket_mode_and_single_instance(env):
    cp = env.cp()
    assert stat.S_IMODE(os.stat(env.admin).st_mode) == 0o660
    other = subprocess.run([CONTROLPLANE, "--config", str(env.cfg), "--socket",
                            str(env.sock), "--admin-socket", str(env.admin)],
                           capture_output=True, text=True, timeout=10)
    assert other.returncode == 1
    assert "another sgtgw-controlplane is listening on" in other.stderr
    assert cp.status()["config"] == str(env.cfg)
    # A command it does not know is refused, naming those it knows.
    with socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET) as s:
        s.connect(str(env.admin))
        s.send(b"bogus\n")
        reply = s.recv(4096).decode()
    assert reply == "error unknown command: the controlplane knows reload resync status"
    assert "admin: unknown command 'bogus'" in cp.log()
    cp.stop()
    assert not env.admin.exists()


def test_command_line(env, tmp_path):
    res = subprocess.run([CONTROLPLANE, "--help"], capture_output=True, text=True)
    assert res.returncode == 0 and "--check-config" in res.stdout
    res = subprocess.run([CONTROLPLANE, "--version"], capture_output=True, text=True)
    assert res.returncode == 0 and res.stdout.startswith("sgtgw-controlplane ")
    res = subprocess.run([CONTROLPLANE, "--check-config", str(env.cfg)],
                         capture_output=True, text=True)
    assert res.returncode == 0 and f"{env.cfg}: OK: 5 bindings" in res.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("ports: [ { name: a, device: x } ]\nworkers: 2\n")
    res = subprocess.run([CONTROLPLANE, "--check-config", str(bad)],
                         capture_output=True, text=True)
    assert res.returncode == 1 and res.stderr.startswith(f"{bad}:2: ")
    res = subprocess.run([CONTROLPLANE], capture_output=True, text=True)
    assert res.returncode == 1 and "--config FILE is required" in res.stderr
    res = subprocess.run([CONTROLPLANE, "--config", str(bad), "--admin-socket",
                          str(tmp_path / "x.sock"), "--socket", str(tmp_path / "d.sock")],
                         capture_output=True, text=True, timeout=10)
    assert res.returncode == 1 and f"{bad}:2: " in res.stderr
    res = subprocess.run([SGTGWCTL, "-a", str(tmp_path / "none.sock"), "reload"],
                         capture_output=True, text=True)
    assert res.returncode == 1
    assert "cannot reach sgtgw-controlplane" in res.stderr
