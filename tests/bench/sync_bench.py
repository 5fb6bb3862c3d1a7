#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""sgtgw update-stream benchmark: how fast and how soon a managed
sgtgw-dataplane applies what its controlplane sends, while it forwards.

  tests/bench/sync_bench.py [--build DIR] [--repeat N] [--quick] [--json]
                            [--raw FILE] [--work DIR] [--no-huge]

sgtgw-sync-bench (sync_bench.c) plays the controlplane (docs/sync.md) and
times each step; this script builds it (release: --build, default
build-bench), writes the policies, the traffic and a cache, runs the
dataplane (one worker replaying 128 frames from memory, net_pcap
infinite_rx, about 5 Mpps here; its permitted frames, 2 in 128, go into a
FIFO the tool reads) and prints a table (--json: one JSON object, "sync";
--raw: every sample).

Two runs per repetition:

  small  the dataplane starts with no cache (fail_closed); a resync of
         1,000 bindings, then 1,000,000 updates (adds, replaces, deletes
         over 48,000 slots: IPv4 hosts, 1 in 8 an IPv4 /24, 1 in 8 an IPv6
         host), 200,000 updates of IPv4 /24s only (10,000 slots), latency
         samples, 5 s of open-loop changes, then policy swaps of 4,096 SGTs
         / 60,002 cells (sgtgw-bench-pipeline's model, its default cell set
         to deny and the two probe cells added);
  1M     the dataplane starts from a cache of 1,000,000 IPv4 host bindings
         (written by sgtgw-sync-bench --write-cache: the tables take twice
         what the cache holds, and without one 65,536 IPv4 hosts, so a
         dataplane that starts empty cannot be resynced 1,000,000 at all),
         is resynced with 1,000,000 of which 10% are new and 10% of the
         cached ones are swept, then the same updates, latency samples and
         open-loop changes with 1,000,000 bindings held.

What each figure covers:

  updates/s     N updates from the first enqueued until the shared header's
                applied bindings generation (published after each batch the
                control lcore drains) reaches the last one.
  first packet  one change at a time (the probe destination moves between
                two SGTs, flipping which of two probe flows is forwarded),
                0.5 to 2.5 ms apart at random against the dataplane's 1 ms
                poll: from just before the enqueue to the worker's transmit
                timestamp of the first frame of the newly permitted flow
                (net_pcap stamps each frame, TSC converted to
                CLOCK_REALTIME by a rate and origin taken at start-up,
                which drift from the clock by 1-5 ms over a run: the
                drift, the least gap between a read of the FIFO and the
                stamp of the last frame it brought over the last 64 reads,
                is removed, and shown): the first packet enforced with the
                change, plus at most one probe interval (64 frames, ~13 us).
                JSON also has "applied" (the header) and "seen" (this
                tool's read of the FIFO, batched every 0.5 ms).
  open loop     changes at random (Poisson) times, 1,000 a second, each sent
                whatever became of the others, timed from enqueue to
                applied in the header (read every 50 us). One change at a
                time lets a stall of the control lcore delay one sample;
                here every change that arrives during it waits, as with a
                real controlplane.
  resync        BEGIN, N adds, the policy, END: first message enqueued to
                END applied (mark, N adds, sweep).
  policy swap   a 4,096-SGT snapshot already in its slot: enqueue to its
                generation applied in the header (the dataplane copies the
                slot, decodes, compiles, publishes, waits for the worker's
                grace period, carries the counters over, frees the old one)
                and to its ACK(POLICY) on the socket; the header is read
                every 0.2 ms here, not to take CPU from the compile.
  lost          packets dropped for any reason but policy during the run
                (per-port drop counters), and the probe cells' permitted
                counters against the probe frames read from the FIFO:
                every forwarded probe frame must have arrived.

Every latency includes the dataplane's ring poll (every 1 ms while a
controlplane is attached, docs/sync.md). On a 2-CPU machine the control
lcore and the tool share CPU 0 and the worker busy-polls CPU 1; other
load on the machine shows in the tails.

Safety: --no-pci, virtual devices only (net_pcap), its own --file-prefix,
--huge-unlink (or --no-huge), bounded runs; it kills only what it started.
"""
import argparse
import json
import os
import random
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GOALS = {"updates_per_s": 1_000_000, "latency_p99_ms": 5.0, "resync_1m_s": 2.0}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---- build ------------------------------------------------------------------------

def ensure_build(build):
    if not os.path.exists(os.path.join(build, "build.ninja")):
        log(f"== meson setup {build} -Dbuildtype=release -Dwerror=false")
        subprocess.run(["meson", "setup", build, "-Dbuildtype=release", "-Dwerror=false"],
                       cwd=TOP, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", build, "dataplane/sgtgw-dataplane",
                    "tests/bench/sgtgw-sync-bench", "tests/bench/sgtgw-bench-pipeline"],
                   cwd=TOP, check=True, stdout=subprocess.DEVNULL)
    return (os.path.join(build, "dataplane", "sgtgw-dataplane"),
            os.path.join(build, "tests", "bench", "sgtgw-sync-bench"),
            os.path.join(build, "tests", "bench", "sgtgw-bench-pipeline"))


# ---- inputs -----------------------------------------------------------------------------

PROBE_CELLS = ("    - { src: 5001, dst: 5011, sgacls: [Permit_IP] }\n"
               "    - { src: 5002, dst: 5012, sgacls: [Permit_IP] }\n")


def write_policies(work, pipeline_exe):
    """A: the two probe cells, default deny. big: the pipeline model's 4,096
    SGTs, default deny, plus the probe cells."""
    a = os.path.join(work, "policy-a.yaml")
    with open(a, "w") as f:
        f.write("ports: [ { name: a, device: x }, { name: b, device: y } ]\n"
                "sgacls:\n  - { name: Permit_IP, aces: [ 'permit ip' ] }\n"
                "policy:\n  default: { catch_all: deny }\n  cells:\n" + PROBE_CELLS)
    d = os.path.join(work, "model")
    subprocess.run([pipeline_exe, "--emit", d, "--hosts", "1000", "--sgts", "4096",
                    "--v4-prefixes", "10", "--v6-prefixes", "10", "--packets", "64"],
                   check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(d, "sgtgw.yaml")) as f:
        text = f.read()
    for old, new in (("  default: { catch_all: permit }\n", "  default: { catch_all: deny }\n"),
                     ("  cells:\n", "  cells:\n" + PROBE_CELLS)):
        if text.count(old) != 1:
            raise RuntimeError(f"the model's policy changed: {old.strip()!r} not found once")
        text = text.replace(old, new)
    # The dataplane section and bindings of the model are not used.
    big = os.path.join(work, "policy-4096.yaml")
    with open(big, "w") as f:
        f.write(text)
    return a, big


def ipv4(src, dst):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + 18, 0, 0, 64, 17, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    s = sum(struct.unpack("!10H", hdr))
    s = (s & 0xFFFF) + (s >> 16)
    s = (s & 0xFFFF) + (s >> 16)
    return hdr[:10] + struct.pack("!H", ~s & 0xFFFF) + hdr[12:]


def frame(src, dst, sport):
    eth = bytes.fromhex("02000000000b02000000000a0800")
    return eth + ipv4(src, dst) + struct.pack("!HHHH", sport, 6000, 26, 0) + bytes(18)


def write_traffic(work, resync_slots):
    """128 frames: P1 (10.1.0.5) first, P2 (10.1.0.6) at 64, both to the
    probe 10.2.0.5; the rest from 10.1.0.7 to bound hosts of the resync
    (20.x.y.z), denied by the default cell."""
    rnd = random.Random(7)
    frames = []
    for i in range(128):
        if i in (0, 64):
            frames.append(frame("10.1.0.5" if i == 0 else "10.1.0.6", "10.2.0.5", 4000 + i))
        else:
            h = rnd.randrange(resync_slots)
            frames.append(frame("10.1.0.7", f"20.{h >> 16}.{(h >> 8) & 255}.{h & 255}",
                                5000 + i))
    path = os.path.join(work, "traffic.pcap")
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for fr in frames:
            f.write(struct.pack("<IIII", 0, 0, len(fr), len(fr)) + fr)
    empty = os.path.join(work, "empty.pcap")
    with open(empty, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    return path, empty


# ---- the dataplane ------------------------------------------------------------------

def runtime_dir(prefix):
    base = "/var/run/dpdk" if os.geteuid() == 0 else \
        os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk")
    return os.path.join(base, prefix)


class Telemetry:
    def __init__(self, prefix, proc, timeout, tool):
        path = os.path.join(runtime_dir(prefix), "dpdk_telemetry.v2")
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"sgtgw-dataplane exited ({proc.returncode})")
            if tool.poll() is not None:
                raise RuntimeError(f"sgtgw-sync-bench exited ({tool.returncode}): "
                                   + tool.stderr.read().strip())
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                self.sock.connect(path)
                self.sock.recv(65536)
                if self.get("/sgtgw/info") is not None:
                    return
            except OSError:
                self.sock.close()
            if time.monotonic() > deadline:
                raise RuntimeError("sgtgw-dataplane: no telemetry")
            time.sleep(0.02)

    def get(self, cmd):
        self.sock.send(cmd.encode())
        return json.loads(self.sock.recv(1 << 20))[cmd.split(",")[0]]

    def paged(self, cmd):
        rows = []
        while True:
            page = self.get(f"{cmd},{len(rows)}")
            if not page:
                return rows
            rows += [page[k] for k in sorted(page, key=int)]

    def close(self):
        self.sock.close()


def dp_config(work, traffic, empty, fifo):
    path = os.path.join(work, "dp.yaml")
    with open(path, "w") as f:
        f.write(f"""dataplane: {{ workers: 1 }}
ports:
  - {{ name: inside, device: "net_pcap0,rx_pcap={traffic},infinite_rx=1" }}
  - {{ name: outside, device: "net_pcap1,rx_pcap={empty},tx_pcap={fifo}" }}
port_pairs: [ [inside, outside] ]
controlplane:
  socket: {work}/run/dp.sock
  cache: {work}/state/dp.cache
  no_cache: fail_closed
""")
    return path


def run_once(name, exes, work, args, tool_args, cache_bindings=0):
    dp_exe, tool_exe, _ = exes
    for d in ("run", "state"):
        os.makedirs(os.path.join(work, d), exist_ok=True)
    cache = os.path.join(work, "state", "dp.cache")
    if os.path.exists(cache):
        os.unlink(cache)
    if cache_bindings:
        subprocess.run([tool_exe, "--write-cache", cache, "--policy", args.policy_a,
                        "--bindings", str(cache_bindings)], check=True)
    fifo = os.path.join(work, "out.fifo")
    if os.path.exists(fifo):
        os.unlink(fifo)
    os.mkfifo(fifo)
    cfg = dp_config(work, args.traffic, args.empty, fifo)
    prefix = f"sgtgw-syncbench-{os.getpid()}-{name}"
    mem = ["--no-huge", "-m", "2048"] if args.no_huge else ["--huge-unlink"]
    dp_cmd = [dp_exe, "-l", "0,1", "--no-pci", "--file-prefix", prefix, *mem,
              "--log-level=lib.*:error", "--log-level=pmd.*:error",
              "--", "--config", cfg]
    # The tool and the control lcore share CPU 0; the worker has CPU 1.
    tool_cmd = ["taskset", "-c", "0", tool_exe, "--socket", os.path.join(work, "run", "dp.sock"),
                "--policy", args.policy_a, "--fifo", fifo, *tool_args]
    dp_log = open(os.path.join(work, f"{name}-dp.log"), "w")
    tool = subprocess.Popen(tool_cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    t0 = time.monotonic()
    dp = subprocess.Popen(dp_cmd, stdin=subprocess.DEVNULL, stdout=dp_log,
                          stderr=subprocess.STDOUT)
    tel = None
    try:
        tel = Telemetry(prefix, dp, 120, tool)
        started = time.monotonic() - t0
        try:
            out, err = tool.communicate(timeout=args.timeout)
        except subprocess.TimeoutExpired:
            tool.kill()
            out, err = tool.communicate()
            raise RuntimeError(f"{name}: sgtgw-sync-bench timed out") from None
        if tool.returncode != 0:
            raise RuntimeError(f"{name}: sgtgw-sync-bench failed: {err.strip()}")
        info = tel.get("/sgtgw/info")
        ports = {r["port"]: r for r in tel.paged("/sgtgw/ports")}
        cells = {(r["src"], r["dst"]): r for r in tel.paged("/sgtgw/counters")
                 if r["af"] == "ipv4"}
    finally:
        if tel is not None:
            tel.close()
        if tool.poll() is None:
            tool.kill()
            tool.wait()
        if dp.poll() is None:
            # A dataplane still opening the FIFO waits for a reader.
            try:
                os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))
            except OSError:
                pass
            dp.send_signal(signal.SIGTERM)
            try:
                dp.wait(timeout=30)
            except subprocess.TimeoutExpired:
                dp.kill()
                dp.wait()
        dp_log.close()
        subprocess.run(["rm", "-rf", runtime_dir(prefix)], check=False)
    res = {"start_s": started, "latency": [], "policy": [], "dp_log": dp_log.name}
    for line in out.splitlines():
        rec = json.loads(line)
        phase = rec.pop("phase")
        if phase in ("latency", "policy"):
            res[phase].append(rec)
        else:
            res[phase] = rec
    # Lost: any drop but policy, and forwarded probe frames that never
    # arrived (the tool read the FIFO until it went quiet).
    drops = {f"{p}.{k}": v for p, r in ports.items() for k, v in r.items()
             if k.startswith("drop_") and k not in ("drop_total", "drop_policy") and v}
    fwd = [cells.get((5001, 5011), {}).get("sw_permitted", 0),
           cells.get((5002, 5012), {}).get("sw_permitted", 0)]
    res["lost"] = {"other_drops": drops, "probe_forwarded": fwd,
                   "probe_read": [res["frames"]["p1"], res["frames"]["p2"]],
                   "updates_refused": info["updates_refused"],
                   "rx": ports["inside"]["rx_packets"]}
    return res


# ---- figures --------------------------------------------------------------------------

def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))] if v else float("nan")


def summarize(runs):  # noqa: C901 (one figure after another)
    """Medians over repetitions of each run's figures."""
    out = {}
    for name in runs[0]:
        rs = [r[name] for r in runs]
        lat = [x for r in rs for x in r["latency"]]
        pol = [x for r in rs for x in r["policy"]]
        s = {
            "start_s": statistics.median(r["start_s"] for r in rs),
            "resync_bindings": rs[0]["resync"]["bindings"],
            "resync_s": statistics.median(r["resync"]["seconds"] for r in rs),
            "updates": rs[0]["churn"]["updates"],
            "updates_per_s": statistics.median(r["churn"]["updates"] / r["churn"]["seconds"]
                                               for r in rs),
            "latency_samples": len(lat),
        }
        pc = [r["prefix_churn"] for r in rs if "prefix_churn" in r]
        if pc:
            s["prefix_updates"] = pc[0]["updates"]
            s["prefix_slots"] = pc[0]["slots"]
            s["prefix_updates_per_s"] = statistics.median(p["updates"] / p["seconds"]
                                                          for p in pc)
        for key in ("applied_us", "tx_us", "seen_us"):
            vals = [x[key] / 1000 for x in lat]
            s[key.replace("_us", "_ms")] = {"median": pct(vals, 50), "p99": pct(vals, 99),
                                            "max": max(vals) if vals else float("nan")}
        # How far net_pcap's stamps were from CLOCK_REALTIME (removed
        # from tx_ms); a revision without the correction has none.
        drift = [x["stamp_drift_us"] / 1000 for x in lat if "stamp_drift_us" in x]
        if drift:
            s["stamp_drift_ms"] = {"min": min(drift), "max": max(drift)}
        st = [r["steady"] for r in rs if "steady" in r]
        if st:
            s["steady"] = {k: statistics.median(x[k] for x in st)
                           for k in ("median_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms")}
            s["steady"].update(changes=st[0]["changes"], rate=st[0]["rate"],
                               over_5ms=sum(x["over_5ms"] for x in st))
        if pol:
            s["policy_bytes"] = pol[0]["bytes"]
            for key in ("applied_ms", "ack_ms"):
                vals = [x[key] for x in pol]
                s["policy_" + key] = {"median": pct(vals, 50), "max": max(vals)}
        lost = [r["lost"] for r in rs]
        s["lost"] = {
            "other_drops": sum(sum(l["other_drops"].values()) for l in lost),
            "probe_missing": sum(f - r for l in lost
                                 for f, r in zip(l["probe_forwarded"], l["probe_read"])),
            "updates_refused": sum(l["updates_refused"] for l in lost),
            "rx": sum(l["rx"] for l in lost),
        }
        out[name] = s
    return out


def print_table(res):
    """The figures of bench() as a table on stdout."""
    small, big, meta = res["small"], res["1M"], res["meta"]
    p99 = GOALS["latency_p99_ms"]
    held = f"{big['resync_bindings'] / 1e6:.3g}M bindings held"
    rows = []
    for name, r in (("small table", small), (held, big)):
        rows.append((f"updates applied/s while forwarding, {name}",
                     f"{r['updates_per_s'] / 1e6:.2f} M/s", ">= 1 M/s",
                     r["updates_per_s"] >= GOALS["updates_per_s"]))
    if "prefix_updates_per_s" in small:
        rows.append((f"  of them IPv4 /24 prefixes only, {small['prefix_slots']:,} slots "
                     "", f"{small['prefix_updates_per_s'] / 1e6:.3f} M/s",
                     ">= 1 M/s", small["prefix_updates_per_s"] >= GOALS["updates_per_s"]))
    for name, r in (("small table", small), (held, big)):
        v = r["tx_ms"]
        rows.append((f"change -> first packet, one at a time, {name}: median/p99/max",
                     f"{v['median']:.2f} / {v['p99']:.2f} / {v['max']:.1f} ms",
                     "p99 < 5 ms", v["p99"] < p99))
        if "stamp_drift_ms" in r:
            d = r["stamp_drift_ms"]
            rows.append(("  net_pcap stamps' drift from the clock, removed: min/max",
                         f"{d['min']:.2f} / {d['max']:.2f} ms", "", None))
    for name, r in (("small table", small), (held, big)):
        if "steady" not in r:
            continue
        v = r["steady"]
        rows.append((f"change -> applied, {v['rate']}/s open loop, {name}: "
                     "median/p99/p99.9/max",
                     f"{v['median_ms']:.2f} / {v['p99_ms']:.2f} / {v['p999_ms']:.1f} / "
                     f"{v['max_ms']:.0f} ms", "p99 < 5 ms", v["p99_ms"] < p99))
    rows += [
        (f"resync of {big['resync_bindings']:,} bindings (10% new, 10% swept)",
         f"{big['resync_s']:.2f} s", "< 2 s", big["resync_s"] < GOALS["resync_1m_s"]),
        (f"dataplane start from a cache of {big['resync_bindings']:,} (to telemetry up)",
         f"{big['start_s']:.2f} s", "", None),
    ]
    if "policy_applied_ms" in small:
        rows.append((f"policy compile+swap, 4,096 SGTs ({small['policy_bytes'] / 2**20:.1f} MiB "
                     "snapshot): median / max", f"{small['policy_applied_ms']['median']:.0f} / "
                     f"{small['policy_applied_ms']['max']:.0f} ms", "", None))
    lost = sum(r["lost"]["other_drops"] + r["lost"]["probe_missing"] for r in (small, big))
    rows.append(("packets lost to updates (non-policy drops + forwarded probes missing)",
                 f"{lost}", "0", lost == 0))
    refused = sum(r["lost"]["updates_refused"] for r in (small, big))
    rows.append(("updates the dataplane refused (tables full: the figures would be off)",
                 f"{refused}", "0", refused == 0))
    print(f"sgtgw update stream: {meta['repeat']} repetition(s), medians; "
          f"{meta['latency']} one-at-a-time changes per run; {meta['cpu']}")
    w = max(len(r[0]) for r in rows)
    print(f"{'figure':<{w}}  {'value':>28}  {'goal':<10} ok")
    for what, val, goal, ok in rows:
        print(f"{what:<{w}}  {val:>28}  {goal:<10} {'' if ok is None else 'yes' if ok else 'NO'}")


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} CPUs"
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs"


def parser():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default=os.path.join(TOP, "build-bench"),
                    help="release build directory (default build-bench)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--updates", type=int, default=1_000_000)
    ap.add_argument("--resync", type=int, default=1_000_000)
    ap.add_argument("--latency", type=int, default=1000, help="samples per run")
    ap.add_argument("--swaps", type=int, default=10)
    ap.add_argument("--prefix-updates", type=int, default=200_000,
                    help="updates of IPv4 /24s only (small run)")
    ap.add_argument("--prefix-slots", type=int, default=10000,
                    help="at most 10,384: the tables take 16,384 IPv4 prefixes, "
                    "the mixed churn leaves up to 6,000")
    ap.add_argument("--steady-rate", type=int, default=1000, help="open-loop changes a second")
    ap.add_argument("--steady-seconds", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="1 repetition, fewer samples")
    ap.add_argument("--no-huge", action="store_true", help="anonymous memory, not hugepages")
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--raw", metavar="FILE", help="write every run's records to FILE (JSON)")
    ap.add_argument("--work", metavar="DIR", help="keep inputs and dataplane logs in DIR")
    return ap


def bench(argv=()):
    """The whole measurement; returns {"meta", "goals", "small", "1M"}.
    argv: this script's options (tests/bench/bench.py passes --build and
    --quick)."""
    args = parser().parse_args(list(argv))
    if args.quick:
        args.repeat, args.latency, args.swaps, args.steady_seconds = 1, 300, 4, 2
    exes = ensure_build(os.path.abspath(args.build))
    runs = []
    with tempfile.TemporaryDirectory(prefix="sgtgw-syncbench-") as tmp:
        work = os.path.abspath(args.work) if args.work else tmp
        os.makedirs(work, exist_ok=True)
        args.policy_a, big = write_policies(work, exes[2])
        args.traffic, args.empty = write_traffic(work, args.resync)
        common = ["--churn", str(args.updates), "--churn-hosts", "48000",
                  "--latency", str(args.latency), "--steady-rate", str(args.steady_rate),
                  "--steady-seconds", str(args.steady_seconds)]
        for k in range(args.repeat):
            log(f"== sync repetition {k + 1}/{args.repeat}: small")
            small = run_once("small", exes, work, args,
                             ["--resync", "1000", "--new", "100", *common,
                              "--prefix-churn", str(args.prefix_updates),
                              "--prefix-slots", str(args.prefix_slots),
                              "--big-policy", big, "--swaps", str(args.swaps)])
            log(f"== sync repetition {k + 1}/{args.repeat}: 1M")
            big_run = run_once("1M", exes, work, args,
                               ["--resync", str(args.resync), "--new", "10", *common],
                               cache_bindings=args.resync)
            runs.append({"small": small, "1M": big_run})
    if args.raw:
        with open(args.raw, "w") as f:
            json.dump(runs, f)
    meta = {"repeat": args.repeat, "latency": args.latency, "cpu": cpu_model()}
    return {"meta": meta, "goals": GOALS, **summarize(runs)}


def main():
    res = bench(sys.argv[1:])
    if "--json" in sys.argv[1:]:
        print(json.dumps({"sync": res}, indent=1))
    else:
        print_table(res)


if __name__ == "__main__":
    main()
