# SPDX-License-Identifier: BSD-3-Clause
"""Two workers: every port has two rx queues (one rx_pcap file each) and two
tx queues (one per worker). Every frame is accounted for (rx = tx + drops),
the verdicts are those of test_enforce's single worker, each rx queue's
permitted frames leave in order on one tx queue, and the counters, summed
over the workers, are exact."""
from sgtgw_lib import Port, run_frames
from test_enforce import A_FRAMES, B_FRAMES, ENABLED, config, expected

LCORES = "0@0,1@1,2@1"    # main lcore + 2 workers on a 2-core machine


def test_two_workers(tmp_path):
    default = "deny"
    a = [bytes(c[1]) for c in A_FRAMES] * 3
    b = [bytes(c[1]) for c in B_FRAMES] * 3
    exp_a = expected(A_FRAMES, default) * 3
    exp_b = expected(B_FRAMES, default) * 3
    ports = [Port("a", a, default_sgt="PortDefault", rxq=2, txq=2),
             Port("b", b, rxq=2, txq=2)]
    cfg = config(default)
    cfg["dataplane"] = {"workers": 2}
    dp, rows, counters = run_frames(tmp_path, "workers", ports, cfg, lcores=LCORES)

    for src, dst, sent, exp in (("a", "b", a, exp_a), ("b", "a", b, exp_b)):
        # Frames were dealt round-robin to the two rx queues.
        per_rxq = [[f for f, e in list(zip(sent, exp))[q::2] if e[1]] for q in (0, 1)]
        out_q = dp.out_q[dst]
        assert sorted(map(tuple, [out_q[0], out_q[1]])) == \
            sorted(map(tuple, per_rxq)), f"{src} -> {dst}"
        r = rows[src]
        assert r["rx_packets"] == len(sent)
        assert r["drop_policy"] == sum(1 for e in exp if not e[1])
        assert r["drop_total"] == r["drop_policy"]
        assert rows[dst]["tx_packets"] == sum(1 for e in exp if e[1])
    total = rows["a"]["rx_packets"] + rows["b"]["rx_packets"]
    assert total == rows["a"]["tx_packets"] + rows["b"]["tx_packets"] + \
        rows["a"]["drop_total"] + rows["b"]["drop_total"]

    want = {}
    for _, fwd, key, nbytes in exp_a + exp_b:
        c = want.setdefault(key, [0, 0, 0, 0])
        c[0 if fwd else 1] += 1
        c[2 if fwd else 3] += nbytes
    assert set(counters) == {(s, d, af) for s, d in ENABLED | {(-1, -1)}
                             for af in ("ipv4", "ipv6")}
    for key, row in counters.items():
        p, d, pb, db = want.get(key, [0, 0, 0, 0])
        assert (row["sw_permitted"], row["sw_denied"], row["permitted_bytes"],
                row["denied_bytes"]) == (p, d, pb, db), key
    log = dp.log()
    assert "enforcing: 2 workers" in log, log
    assert "port a: ethdev 0, 2 rx / 2 tx queues" in log, log
    assert all(dp.out_q["b"]) and all(dp.out_q["a"]), "both workers transmitted"
