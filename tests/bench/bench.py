#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""sgtgw benchmark suite (run it through tests/bench/run.sh).

Figures, in one table (or one JSON document with --json):

  pipeline  cycles per packet of classification + enforcement alone, no I/O
            (sgtgw-bench-pipeline: pipeline_run() on prepared bursts), for
            each number of IPv4 host bindings and each policy size;
  memory    hugepage heap taken by the IP-to-SGT tables at each size, and
            libc heap taken by the compiled policy;
  e2e       Mpps of one worker core: sgtgw-dataplane replaying a traffic mix
            from memory (net_pcap, infinite_rx) into a net_null port, then
            DPDK's own l3fwd (LPM), built from a temporary copy of the
            installed examples, on the same virtual ports and traffic; and
            the ratio;
  scaling   the same with 1, 2, ... workers, as far as the machine allows.

With --compare REV, instead: the pipeline figures of git revision REV and
of the working tree, measured in turns (compare.py).

Nothing here is a test: no figure is compared with a threshold.

Safety: every DPDK process gets --no-pci, virtual devices only, its own
--file-prefix and --huge-unlink; every run is bounded and stopped by this
script, which kills only the processes it started.
"""
import argparse
import glob
import hashlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402  (beside this file)
import sync_bench  # noqa: E402

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
L3FWD_SRC = "/usr/share/dpdk/examples/l3fwd"
E2E_PACKETS = 4096          # frames in the replayed pcap (pcap keeps one mbuf each)
E2E_MBUFS = 32768


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def sizes(text):
    out = []
    for tok in text.split(","):
        tok = tok.strip().lower()
        mult = 1
        if tok.endswith("k"):
            mult, tok = 1000, tok[:-1]
        elif tok.endswith("m"):
            mult, tok = 1000000, tok[:-1]
        out.append(int(tok) * mult)
    return out


def cpu_count():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


# ---- build ----------------------------------------------------------------

def ensure_build(build):
    """A release build of the two programs measured. werror is off in this
    build directory only: -O3 finds maybe-uninitialized warnings that
    debugoptimized does not, and a benchmark should not stop on them (they
    are still printed)."""
    if not os.path.exists(os.path.join(build, "build.ninja")):
        log(f"== meson setup {build} -Dbuildtype=release -Dwerror=false")
        subprocess.run(["meson", "setup", build, "-Dbuildtype=release",
                        "-Dwerror=false"],
                       cwd=TOP, check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", build, "dataplane/sgtgw-dataplane",
                    "tests/bench/sgtgw-bench-pipeline"], cwd=TOP, check=True,
                   stdout=subprocess.DEVNULL)
    return (os.path.join(build, "dataplane", "sgtgw-dataplane"),
            os.path.join(build, "tests", "bench", "sgtgw-bench-pipeline"))


def build_l3fwd(build):
    """l3fwd from a temporary copy of the installed example, patched so that
    it does not ask the pcap PMD for RX checksum offloads it lacks. Kept in
    the build directory (an ignored build output), rebuilt when the
    installed example changes."""
    h = hashlib.sha256()
    for f in sorted(glob.glob(os.path.join(L3FWD_SRC, "*"))):
        with open(f, "rb") as fh:
            h.update(fh.read())
    key = h.hexdigest()[:16]
    out = os.path.join(build, "bench-l3fwd")
    exe = os.path.join(out, f"l3fwd-{key}")
    if os.path.exists(exe):
        return exe
    if not os.path.isdir(L3FWD_SRC):
        raise RuntimeError(f"{L3FWD_SRC} missing: install dpdk-doc")
    log("== building l3fwd from a temporary copy of " + L3FWD_SRC)
    with tempfile.TemporaryDirectory(prefix="sgtgw-l3fwd-") as tmp:
        src = os.path.join(tmp, "l3fwd")
        shutil.copytree(L3FWD_SRC, src)
        # Its Makefile includes ../common (examples/common).
        shutil.copytree(os.path.join(os.path.dirname(L3FWD_SRC), "common"),
                        os.path.join(tmp, "common"))
        subprocess.run(["sed", "-i",
                        "s/\\.offloads = RTE_ETH_RX_OFFLOAD_CHECKSUM,/.offloads = 0,/",
                        os.path.join(src, "main.c")], check=True)
        with open(os.path.join(src, "main.c")) as fh:
            if "RTE_ETH_RX_OFFLOAD_CHECKSUM," in fh.read():
                raise RuntimeError("l3fwd: the RX checksum patch did not apply")
        # Shared, like sgtgw-dataplane: the same DPDK libraries and PMDs.
        subprocess.run(["make", "-C", src, "-j", str(cpu_count()), "shared"],
                       check=True, stdout=subprocess.DEVNULL)
        os.makedirs(out, exist_ok=True)
        shutil.copy(os.path.join(src, "build", "l3fwd-shared"), exe)
    return exe


# ---- DPDK processes ---------------------------------------------------------

def hugepages_free_mib():
    free = size = 0
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("HugePages_Free:"):
                free = int(line.split()[1])
            elif line.startswith("Hugepagesize:"):
                size = int(line.split()[1])
    return free * size // 1024


def runtime_dir(prefix):
    base = "/var/run/dpdk" if os.geteuid() == 0 else \
        os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk")
    return os.path.join(base, prefix)


class Telemetry:
    def __init__(self, prefix, timeout, proc):
        path = os.path.join(runtime_dir(prefix), "dpdk_telemetry.v2")
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if proc.poll() is not None:
                    raise RuntimeError(f"{proc.args[0]} exited with status "
                                       f"{proc.returncode} (see its log)")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"no telemetry socket at {path}")
                time.sleep(0.2)
        self.sock.recv(16384)  # the greeting

    def get(self, cmd):
        self.sock.send(cmd.encode())
        reply = json.loads(self.sock.recv(65536).decode())
        return reply[cmd.split(",")[0]]

    def close(self):
        self.sock.close()


def eal_args(prefix, lcores):
    # --huge-unlink: no hugepage file outlives the process, whatever happens.
    return ["--lcores", lcores, "--no-pci", "--file-prefix", prefix,
            "--huge-unlink", "--log-level=lib.*:error", "--log-level=pmd.*:error"]


def worker_cpus(workers):
    """CPUs of workers 1..n: the second CPU first, wrapping round onto the
    first (where sgtgw's control lcore mostly sleeps) on a small machine."""
    cpus = sorted(os.sched_getaffinity(0))
    return [cpus[(k + 1) % len(cpus)] for k in range(workers)]


def lcore_map(workers):
    """sgtgw's EAL --lcores: lcore 0, the main (control) lcore, on the first
    CPU; workers on lcores 1..n."""
    cpus = sorted(os.sched_getaffinity(0))
    return ",".join([f"0@{cpus[0]}"] +
                    [f"{k + 1}@{c}" for k, c in enumerate(worker_cpus(workers))])


def l3fwd_lcore_map(workers):
    """l3fwd forwards on every lcore it is given, its main lcore included,
    and gives each lcore a tx queue on every port (the pcap port has one per
    rx_pcap): its lcores are exactly the workers, on the same CPUs."""
    return ",".join(f"{k}@{c}" for k, c in enumerate(worker_cpus(workers)))


def measure(cmd, prefix, warmup, seconds, startup_timeout, logf):
    """Start cmd, wait for port 0 (the pcap port) to receive, then count its
    received packets over `seconds` after `warmup`. Returns (Mpps, stats)."""
    proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT,
                            start_new_session=True)
    tel = None
    try:
        tel = Telemetry(prefix, startup_timeout, proc)
        deadline = time.monotonic() + startup_timeout
        # Null until the port exists (the dataplane loads its tables first).
        while (tel.get("/ethdev/stats,0") or {}).get("ipackets", 0) == 0:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("no packet received")
            time.sleep(0.1)
        time.sleep(warmup)
        s0, t0 = tel.get("/ethdev/stats,0"), time.monotonic()
        o0 = tel.get("/ethdev/stats,1")["opackets"]
        time.sleep(seconds)
        s1, t1 = tel.get("/ethdev/stats,0"), time.monotonic()
        o1 = tel.get("/ethdev/stats,1")["opackets"]
        if proc.poll() is not None:
            raise RuntimeError("exited during the measurement")
        rx = s1["ipackets"] - s0["ipackets"]
        return rx / (t1 - t0) / 1e6, {"rx": rx, "tx_null": o1 - o0,
                                      "seconds": t1 - t0}
    finally:
        if tel:
            tel.close()
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(runtime_dir(prefix), ignore_errors=True)


def pcap_dev(name, pcap, queues):
    return f"{name}," + ",".join([f"rx_pcap={pcap}"] * queues) + ",infinite_rx=1"


def sgtgw_cmd(exe, cfg, prefix, workers):
    return [exe] + eal_args(prefix, lcore_map(workers)) + ["--", "--config", cfg]


def l3fwd_cmd(exe, pcap, rules, prefix, workers):
    queues = ",".join(f"({p},{q},{q})" for q in range(workers) for p in (0, 1))
    return [exe] + eal_args(prefix, l3fwd_lcore_map(workers)) + [
        "--vdev", pcap_dev("net_pcap0", pcap, workers),
        "--vdev", "net_null0,no-rx=1",
        "--", "-p", "0x3", "--config", queues, "--parse-ptype",
        "--rule_ipv4", rules[0], "--rule_ipv6", rules[1]]


def write_l3fwd_rules(d):
    """Every address to port 1 (the null port): two /1 routes per family."""
    v4, v6 = os.path.join(d, "l3fwd_v4.cfg"), os.path.join(d, "l3fwd_v6.cfg")
    with open(v4, "w") as fh:
        fh.write("R0.0.0.0/1 1\nR128.0.0.0/1 1\n")
    with open(v6, "w") as fh:
        fh.write("R0000:0000:0000:0000:0000:0000:0000:0000/1 1\n"
                 "R8000:0000:0000:0000:0000:0000:0000:0000/1 1\n")
    return v4, v6


def emit(bench_exe, d, hosts, sgts, workers, args):
    pcap = os.path.join(d, "traffic.pcap")
    subprocess.run([bench_exe, "--emit", d, "--hosts", str(hosts), "--sgts", str(sgts),
                    "--v4-prefixes", str(args.v4_prefixes),
                    "--v6-prefixes", str(args.v6_prefixes),
                    "--packets", str(E2E_PACKETS), "--workers", str(workers),
                    "--mbufs", str(E2E_MBUFS),
                    "--dev-in", pcap_dev("net_pcap0", pcap, workers),
                    "--dev-out", "net_null0,no-rx=1"], check=True)
    return os.path.join(d, "sgtgw.yaml"), pcap


def check_config_seconds(dp_exe, cfg):
    t0 = time.monotonic()
    r = subprocess.run([dp_exe, "--check-config", cfg], capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("bench config refused: " + r.stderr.strip())
    return time.monotonic() - t0


def run_e2e(dp_exe, bench_exe, l3fwd_exe, args, work):
    rows, scaling, loads = [], [], []
    max_workers = min(args.max_workers or cpu_count(), max(1, cpu_count()))
    for hosts, sgts in zip(args.e2e_hosts, args.e2e_sgts):
        d = os.path.join(work, f"e2e-{hosts}")
        os.makedirs(d, exist_ok=True)
        rules = write_l3fwd_rules(d)
        worker_list = [1] if hosts != args.e2e_hosts[0] else \
            list(range(1, max_workers + 1))
        for workers in worker_list:
            cfg, pcap = emit(bench_exe, d, hosts, sgts, workers, args)
            if workers == 1:
                secs = check_config_seconds(dp_exe, cfg)
                loads.append({"v4_hosts": hosts, "sgts": sgts,
                              "yaml_bytes": os.path.getsize(cfg),
                              "check_config_s": round(secs, 2)})
                log(f"  config with {hosts} hosts: {os.path.getsize(cfg) >> 20} MiB "
                    f"of YAML, loads in {secs:.1f} s")
            sg, l3, fwd = [], [], []
            with open(os.path.join(d, f"sgtgw-{workers}.log"), "w") as lf_s, \
                 open(os.path.join(d, f"l3fwd-{workers}.log"), "w") as lf_l:
                for rep in range(args.e2e_repeat):
                    pfx = f"sgtgw-bench-{os.getpid()}-{hosts}-{workers}-{rep}"
                    mpps, st = measure(sgtgw_cmd(dp_exe, cfg, pfx + "s", workers),
                                       pfx + "s", args.warmup, args.seconds,
                                       60 + hosts / 10000, lf_s)
                    sg.append(mpps)
                    fwd.append(100.0 * st["tx_null"] / max(st["rx"], 1))
                    mpps2, st2 = measure(l3fwd_cmd(l3fwd_exe, pcap, rules, pfx + "l",
                                                   workers),
                                         pfx + "l", args.warmup, args.seconds, 60, lf_l)
                    l3.append(mpps2)
                    log(f"  {hosts} hosts, {workers} worker(s), run {rep + 1}: "
                        f"sgtgw {mpps:.2f} Mpps ({100.0 * st['tx_null'] / max(st['rx'], 1):.0f}% "
                        f"forwarded), l3fwd {mpps2:.2f} Mpps")
            row = {"v4_hosts": hosts, "sgts": sgts, "workers": workers,
                   "sgtgw_mpps": round(statistics.median(sg), 3),
                   "l3fwd_mpps": round(statistics.median(l3), 3),
                   "sgtgw_forwarded_pct": round(statistics.median(fwd), 1),
                   "sgtgw_runs": [round(x, 3) for x in sg],
                   "l3fwd_runs": [round(x, 3) for x in l3]}
            row["ratio"] = round(row["sgtgw_mpps"] / row["l3fwd_mpps"], 3) \
                if row["l3fwd_mpps"] else None
            (rows if workers == 1 else scaling).append(row)
            if workers == 1 and hosts == args.e2e_hosts[0]:
                scaling.append(row)
    return rows, scaling, loads


# ---- output -------------------------------------------------------------------

def print_tables(res):
    if "pipeline" in res:
        print_pipeline(res["pipeline"])
    if "e2e" in res:
        print_e2e(res["e2e"])
    if "sync" in res:
        sync_bench.print_table(res["sync"])


def print_pipeline(pl):
    print(f"Pipeline: classification + enforcement, no I/O (cycles per packet, "
          f"TSC {pl['tsc_hz'] / 1e9:.2f} GHz; {pl['packets']} frames; median of "
          f"{pl['repeat']} x {pl['ms']} ms)")
    print(f"{'v4 hosts':>9} {'v4 pfx':>7} {'v6 pfx':>7} {'SGTs':>5} {'cells':>6} "
          f"{'cyc/pkt':>8} {'min-max':>13} {'Mpps':>6} {'lookup c/a':>10} "
          f"{'decide c/p':>10} {'fwd%':>5} {'dflt%':>6}")
    for r in pl["pipeline"]:
        print(f"{r['v4_hosts']:>9} {r['v4_prefixes']:>7} {r['v6_prefixes']:>7} "
              f"{r['sgts']:>5} {r['cells']:>6} {r['cycles_per_packet']:>8.1f} "
              f"{r['cycles_min']:>6.1f}-{r['cycles_max']:<6.1f} {r['mpps']:>6.1f} "
              f"{r['lookup_cycles_per_address']:>10.1f} "
              f"{r['decide_cycles_per_packet']:>10.1f} {r['forwarded_pct']:>5.1f} "
              f"{r['default_cell_pct']:>6.1f}")
    print()
    print("Memory: IP-to-SGT tables, MiB of hugepage heap (exact: sized to what is "
          "bound; dataplane: as sgtgw-dataplane sizes them)")
    print(f"{'v4 hosts':>9} {'v4 pfx':>7} {'v6 pfx':>7} {'exact':>8} {'pages':>8} "
          f"{'dataplane':>10} {'pages':>8} {'build s':>8}")
    for r in pl["tables"]:
        print(f"{r['v4_hosts']:>9} {r['v4_prefixes']:>7} {r['v6_prefixes']:>7} "
              f"{r['exact_heap_bytes'] / 2**20:>8.1f} "
              f"{r['exact_hugepage_bytes'] / 2**20:>8.1f} "
              f"{r['dataplane_heap_bytes'] / 2**20:>10.1f} "
              f"{r['dataplane_hugepage_bytes'] / 2**20:>8.1f} {r['build_s']:>8.2f}")
    print()
    print("Memory: compiled policy (libc heap) and cell counters per worker "
          "(hugepage heap), MiB")
    print(f"{'SGTs':>5} {'cells':>6} {'ACEs':>7} {'matrix':>8} {'policy':>8} "
          f"{'counters':>9}")
    seen = set()
    for r in pl["pipeline"]:
        if r["sgts"] in seen:
            continue
        seen.add(r["sgts"])
        print(f"{r['sgts']:>5} {r['cells']:>6} {r['aces']:>7} "
              f"{r['matrix_bytes'] / 2**20:>8.2f} {r['policy_heap_bytes'] / 2**20:>8.2f} "
              f"{r['cell_counter_bytes_per_worker'] / 2**20:>9.2f}")
    print()


def print_e2e(e):
    print(f"End to end: net_pcap (infinite_rx, {e['packets']} frames) -> net_null, "
          f"Mpps received on the pcap port, median of {e['repeat']} x {e['seconds']} s")
    print(f"{'v4 hosts':>9} {'SGTs':>5} {'workers':>7} {'sgtgw':>7} {'l3fwd':>7} "
          f"{'ratio':>6}")
    for r in e["rows"] + [x for x in e["scaling"] if x["workers"] > 1]:
        print(f"{r['v4_hosts']:>9} {r['sgts']:>5} {r['workers']:>7} "
              f"{r['sgtgw_mpps']:>7.2f} {r['l3fwd_mpps']:>7.2f} "
              f"{r['ratio'] if r['ratio'] is not None else '-':>6}")
    print()
    print("Configuration loading (sgtgw-dataplane --check-config)")
    for r in e["config_load"]:
        print(f"{r['v4_hosts']:>9} hosts: {r['yaml_bytes'] / 2**20:.1f} MiB of YAML, "
              f"{r['check_config_s']:.1f} s")


def main():
    ap = argparse.ArgumentParser(description="sgtgw benchmark suite")
    ap.add_argument("--json", action="store_true", help="print one JSON document")
    ap.add_argument("--quick", action="store_true",
                    help="small sizes, short runs: a smoke run of the whole suite")
    ap.add_argument("--build", default=os.path.join(TOP, "build-bench"),
                    help="build directory (default build-bench, release)")
    ap.add_argument("--hosts", type=sizes, default=None,
                    help="IPv4 host bindings for the pipeline (default 1k,100k,1m)")
    ap.add_argument("--sgts", type=sizes, default=None,
                    help="policy sizes for the pipeline (default 16,256,4096)")
    ap.add_argument("--v4-prefixes", type=int, default=100000)
    ap.add_argument("--v6-prefixes", type=int, default=10000)
    ap.add_argument("--e2e-hosts", type=sizes, default=[100000, 1000000],
                    help="IPv4 host bindings of the end-to-end configurations "
                         "(default 100k,1m; every binding goes through the YAML "
                         "loader); scaling runs at the first")
    ap.add_argument("--e2e-sgts", type=sizes, default=[256, 4096],
                    help="policy size of each --e2e-hosts entry (default 256,4096)")
    ap.add_argument("--dataplane", default=None,
                    help="sgtgw-dataplane to measure (default: the build's)")
    ap.add_argument("--max-workers", type=int, default=0,
                    help="scaling: up to this many workers (default: CPUs)")
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--e2e-repeat", type=int, default=3)
    ap.add_argument("--pipeline-core", type=int, default=None,
                    help="CPU for the pipeline benchmark (default: the last)")
    ap.add_argument("--no-e2e", action="store_true")
    ap.add_argument("--no-pipeline", action="store_true")
    ap.add_argument("--no-sync", action="store_true",
                    help="skip the controlplane -> dataplane update benchmark")
    ap.add_argument("--compare", metavar="REV", default=None,
                    help="instead of the suite: the pipeline figures of git "
                         "revision REV (before) and of the working tree "
                         "(after), in alternating rounds (default sizes "
                         "1k/16, 100k/256, 1m/4096)")
    ap.add_argument("--rounds", type=int, default=5,
                    help="--compare: rounds of each build (default 5)")
    ap.add_argument("--compare-ms", type=int, default=200,
                    help="--compare: milliseconds per measurement (default 200)")
    args = ap.parse_args()
    if args.rounds < 1 or args.compare_ms < 1:
        sys.exit("bench: --rounds and --compare-ms must be at least 1")
    # --compare pairs the default sizes up; a size given is crossed.
    pairs = [(1000, 16), (100000, 256), (1000000, 4096)] \
        if args.hosts is None and args.sgts is None else None
    args.hosts = args.hosts or [1000, 100000, 1000000]
    args.sgts = args.sgts or [16, 256, 4096]
    ms, repeat = 300, 5
    if args.quick:
        args.hosts, args.sgts = [1000, 100000], [16, 256]
        args.v4_prefixes, args.v6_prefixes = 10000, 1000
        args.e2e_hosts, args.e2e_sgts = [10000], [16]
        args.seconds, args.warmup, args.e2e_repeat = 2.0, 0.5, 1
        ms, repeat = 100, 3
        if pairs:
            pairs = [(1000, 16), (100000, 256)]

    if len(args.e2e_sgts) < len(args.e2e_hosts):
        args.e2e_sgts += [args.e2e_sgts[-1]] * (len(args.e2e_hosts) - len(args.e2e_sgts))
    # The largest user: sgtgw-dataplane at 1M hosts (tables sized twice what
    # is bound, about 600 MiB, and the mbuf pool).
    need = 400 if args.quick else 900
    if hugepages_free_mib() < need:
        sys.exit(f"bench: {hugepages_free_mib()} MiB of free hugepages, about {need} "
                 "needed: run scripts/setup.sh (or reserve more 2 MiB pages)")
    dp_exe, bench_exe = ensure_build(args.build)
    if args.compare:
        run_compare(args, bench_exe,
                    pairs or [(h, g) for h in args.hosts for g in args.sgts])
        return
    if args.dataplane:
        dp_exe = os.path.abspath(args.dataplane)
    res = {"machine": {"cpus": cpu_count(), "model": cpu_model()}}
    if not args.no_pipeline:
        core = args.pipeline_core if args.pipeline_core is not None else \
            sorted(os.sched_getaffinity(0))[-1]
        log(f"== pipeline benchmark on CPU {core}")
        cmd = [bench_exe, "-l", str(core), "--no-pci", "--in-memory",
               "--file-prefix", f"sgtgw-bench-{os.getpid()}-pipe",
               "--log-level=lib.*:error", "--",
               "--hosts", ",".join(map(str, args.hosts)),
               "--sgts", ",".join(map(str, args.sgts)),
               "--v4-prefixes", str(args.v4_prefixes),
               "--v6-prefixes", str(args.v6_prefixes),
               "--ms", str(ms), "--repeat", str(repeat), "--json"]
        try:
            r = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, check=True)
        finally:
            # --in-memory still leaves the EAL's runtime directory.
            shutil.rmtree(runtime_dir(f"sgtgw-bench-{os.getpid()}-pipe"),
                          ignore_errors=True)
        res["pipeline"] = json.loads(r.stdout)
    if not args.no_e2e:
        l3fwd_exe = build_l3fwd(args.build)
        log("== end to end: sgtgw-dataplane and l3fwd, net_pcap -> net_null")
        with tempfile.TemporaryDirectory(prefix="sgtgw-bench-") as work:
            rows, scaling, loads = run_e2e(dp_exe, bench_exe, l3fwd_exe, args, work)
        res["e2e"] = {"packets": E2E_PACKETS, "seconds": args.seconds,
                      "warmup": args.warmup, "repeat": args.e2e_repeat,
                      "rows": rows, "scaling": scaling, "config_load": loads}
    if not args.no_sync:
        log("== updates: controlplane -> dataplane (sync_bench.py)")
        res["sync"] = sync_bench.bench(["--build", args.build] +
                                       (["--quick"] if args.quick else []))
    if args.json:
        json.dump(res, sys.stdout, indent=1)
        print()
    else:
        print_tables(res)


def run_compare(args, bench_exe, pairs):
    """--compare: the pipeline figures of REV and of the working tree at
    each (hosts, SGTs) of pairs."""
    core = args.pipeline_core if args.pipeline_core is not None else \
        sorted(os.sched_getaffinity(0))[-1]
    c = compare.compare(TOP, args.compare, bench_exe, core, pairs, args,
                        runtime_dir)
    if args.json:
        json.dump(c, sys.stdout, indent=1)
        print()
    else:
        compare.print_table(c)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


if __name__ == "__main__":
    main()
