# SPDX-License-Identifier: BSD-3-Clause
"""The demo, proven: scripts/demo_traffic.py writes its traffic mix, the
dataplane runs config/sgtgw.example.yaml on it (from the directory the
config's relative pcap paths expect), and every flow the script lists gets
the verdict it claims: permitted and monitored flows leave `copies` times,
denied and malformed ones never. Frames leaving on "outside" carry a tag
(egress add), frames leaving on "inside" carry none (egress strip)."""
import importlib.util
import re
import struct
import subprocess
import sys
from collections import Counter

from sgtgw_lib import REPO, Dataplane, parse_sgaclhit, pcap_read, sgaclhit_lines

SCRIPT = REPO / "scripts" / "demo_traffic.py"
EXAMPLE = REPO / "config" / "sgtgw.example.yaml"
COPIES = 7


def load_demo_module():
    spec = importlib.util.spec_from_file_location("demo_traffic", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def tag_offset(frame):
    """Offset of a Cisco Meta Data ethertype in a frame, or None."""
    off = 12
    for _ in range(3):
        if len(frame) < off + 2:
            return None
        etype = struct.unpack_from("!H", frame, off)[0]
        if etype == 0x8909:
            return off
        if etype not in (0x8100, 0x88A8, 0x9100):
            return None
        off += 4
    return None


def untagged(frame):
    off = tag_offset(frame)
    return frame if off is None else frame[:off] + frame[off + 8:]


def test_demo_flows(tmp_path):
    res = subprocess.run([sys.executable,
                          str(SCRIPT), "--out", "demo", "--copies", str(COPIES), "--list"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    total = int(lines[-1])
    listed = {}
    for line in lines[:-1]:
        m = re.match(r"\s*(\d+) x (\w+)\s+(.*)$", line)
        assert m, line
        listed[m.group(3)] = (int(m.group(1)), m.group(2))
    assert listed, "demo_traffic.py --list names the flows"

    # The frames, in file order, with the flow each belongs to.
    mod = load_demo_module()
    fin, ein = mod.inside_frames(COPIES)
    fout, eout = mod.outside_frames(COPIES)
    inside_in = pcap_read(tmp_path / "demo" / "inside-in.pcap")
    outside_in = pcap_read(tmp_path / "demo" / "outside-in.pcap")
    assert inside_in == [bytes(f) for f in fin]
    assert outside_in == [bytes(f) for f in fout]
    assert len(inside_in) + len(outside_in) == total

    dp = Dataplane(tmp_path, "demo", [], config_path=EXAMPLE, cwd=tmp_path)
    with dp:
        rows = dp.wait_done(expected=total)
        counters = dp.counters()
    assert dp.rc == 0, dp.log()
    got = {"outside": pcap_read(tmp_path / "demo" / "outside-out.pcap"),
           "inside": pcap_read(tmp_path / "demo" / "inside-out.pcap")}

    # Tags on egress: added toward the core, stripped toward the access side.
    for f in got["outside"]:
        if len(f) >= 14 and struct.unpack_from("!H", f, 12)[0] != 0x0806:
            assert tag_offset(f) is not None, f"untagged frame to the core: {f.hex()}"
    assert all(tag_offset(f) is None for f in got["inside"])

    forwarded = {"outside": Counter(untagged(f) for f in got["outside"]),
                 "inside": Counter(untagged(f) for f in got["inside"])}
    per_flow = Counter()
    for frames, expect, out in ((inside_in, ein, "outside"), (outside_in, eout, "inside")):
        for frame, (desc, _) in zip(frames, expect):
            key = untagged(frame)
            if forwarded[out][key] > 0:
                forwarded[out][key] -= 1
                per_flow[desc] += 1
    assert sum(forwarded["outside"].values()) == 0, "frames out that were never sent"
    assert sum(forwarded["inside"].values()) == 0, "frames out that were never sent"

    for desc, (n, verdict) in listed.items():
        want = n if verdict in ("permit", "monitor") else 0
        assert per_flow[desc] == want, f"{desc}: {verdict}, {per_flow[desc]} of {n} forwarded"

    # Counters agree: monitored flows as monitor hits, the malformed frame
    # as bad_ipv4, every denial as a policy drop.
    n_deny = sum(n for n, v in listed.values() if v == "deny")
    n_monitor = sum(n for n, v in listed.values() if v == "monitor")
    assert rows["inside"]["drop_policy"] + rows["outside"]["drop_policy"] == n_deny
    assert rows["inside"]["drop_bad_ipv4"] == 1
    assert sum(r["sw_monitor"] for r in counters.values()) == n_monitor
    assert sum(r["sw_denied"] for r in counters.values()) == n_deny
    # Deny_Log hits are logged (the rate limit lets the first ones through).
    hits = [parse_sgaclhit(line) for line in sgaclhit_lines(dp.log())]
    assert any(h.get("sgacl_name") == "Deny_Log" and h.get("action") == "Deny" for h in hits)
    assert any(h.get("sgacl_name") == "Allow_SQL" and h.get("action") == "Permit"
               for h in hits)
