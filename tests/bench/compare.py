# SPDX-License-Identifier: BSD-3-Clause
"""Before and after: the pipeline benchmark of a git revision and of the
working tree, run in turns (tests/bench/run.sh --compare REV).

On a shared or virtual machine the same binary's figure drifts by 5-10%
from one minute to the next, which is as much as most fast-path changes
gain or lose. Runs of the two builds therefore alternate, round after
round, the order swapped each round, and each build's best and median
over the rounds are compared: drift then moves both alike.

REV is built in a temporary git worktree (release, like build-bench) and
removed afterwards; the working tree is built in --build as usual.
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def resolve_revision(top, rev):
    """rev's commit, abbreviated; exits with a message if there is none."""
    r = subprocess.run(["git", "-C", top, "rev-parse", "--short", "--verify",
                        "--quiet", rev + "^{commit}"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"bench: --compare {rev}: not a commit of {top}")
    return r.stdout.strip()


def build_revision(top, rev, work):
    """sgtgw-bench-pipeline of rev, built in a worktree under work."""
    src, build = os.path.join(work, "src"), os.path.join(work, "build")
    log(f"== building {rev} in a temporary worktree")
    subprocess.run(["git", "-C", top, "worktree", "add", "--detach", "--quiet",
                    src, rev], check=True)
    subprocess.run(["meson", "setup", build, "-Dbuildtype=release",
                    "-Dwerror=false"], cwd=src, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", build, "tests/bench/sgtgw-bench-pipeline"],
                   check=True, stdout=subprocess.DEVNULL)
    return os.path.join(build, "tests", "bench", "sgtgw-bench-pipeline")


def remove_worktree(top, work):
    subprocess.run(["git", "-C", top, "worktree", "remove", "--force",
                    os.path.join(work, "src")], stderr=subprocess.DEVNULL)
    subprocess.run(["git", "-C", top, "worktree", "prune"])


def run_once(exe, core, prefix, hosts, sgts, args, runtime_dir):
    """The median cycles per packet of one size."""
    cmd = [exe, "-l", str(core), "--no-pci", "--in-memory",
           "--file-prefix", prefix, "--log-level=lib.*:error", "--",
           "--hosts", str(hosts), "--sgts", str(sgts),
           "--v4-prefixes", str(args.v4_prefixes),
           "--v6-prefixes", str(args.v6_prefixes),
           "--ms", str(args.compare_ms), "--repeat", "3", "--pipeline-only"]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True)
    finally:
        shutil.rmtree(runtime_dir(prefix), ignore_errors=True)
    if r.returncode != 0:
        raise RuntimeError(f"{exe} failed ({r.returncode}): {r.stderr.strip()}")
    # The text table, which older revisions print alike: its first row
    # that starts with these hosts and SGTs, cycles per packet fifth.
    for line in r.stdout.splitlines():
        f = line.split()
        if len(f) > 4 and f[:2] == [str(hosts), str(sgts)]:
            return float(f[4])
    raise RuntimeError(f"{exe}: no figure for {hosts} hosts / {sgts} SGTs")


def compare(top, rev, tree_exe, core, pairs, args, runtime_dir):
    """The figures of both builds at each (hosts, SGTs) of pairs."""
    commit = resolve_revision(top, rev)
    with tempfile.TemporaryDirectory(prefix="sgtgw-compare-") as work:
        try:
            rev_exe = build_revision(top, commit, work)
            builds = [("before", rev_exe), ("after", tree_exe)]
            runs = {(name, p): [] for name, _ in builds for p in pairs}
            for k in range(args.rounds):
                log(f"  round {k + 1} of {args.rounds}")
                for p in pairs:
                    for name, exe in (builds if k % 2 == 0 else builds[::-1]):
                        runs[(name, p)].append(run_once(
                            exe, core, f"sgtgw-compare-{os.getpid()}",
                            p[0], p[1], args, runtime_dir))
        finally:
            remove_worktree(top, work)
    rows = []
    for p in pairs:
        before, after = runs[("before", p)], runs[("after", p)]
        rows.append({"v4_hosts": p[0], "sgts": p[1],
                     "before_best": min(before),
                     "before_median": statistics.median(before),
                     "after_best": min(after),
                     "after_median": statistics.median(after),
                     "before_runs": before, "after_runs": after})
    return {"revision": rev, "commit": commit, "rounds": args.rounds,
            "ms": args.compare_ms, "rows": rows}


def print_table(c):
    print(f"Pipeline, cycles per packet: {c['revision']} ({c['commit']}, before) "
          f"against the working tree (after), {c['rounds']} alternating rounds, "
          f"each the median of 3 x {c['ms']} ms")
    print(f"{'v4 hosts':>9} {'SGTs':>5} {'before best':>12} {'median':>7} "
          f"{'after best':>11} {'median':>7} {'change':>7}")
    for r in c["rows"]:
        change = 100.0 * (r["after_best"] / r["before_best"] - 1.0)
        print(f"{r['v4_hosts']:>9} {r['sgts']:>5} {r['before_best']:>12.1f} "
              f"{r['before_median']:>7.1f} {r['after_best']:>11.1f} "
              f"{r['after_median']:>7.1f} {change:>+6.1f}%")
