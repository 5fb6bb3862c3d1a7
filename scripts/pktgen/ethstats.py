#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The NIC's own counters of every port of a running DPDK process, read from
its telemetry socket (/ethdev/list, /ethdev/stats,N): what sgtgwctl does
not show, above all imissed (frames the NIC dropped because the gateway's
rx queues were full: the gateway fell behind).

  ethstats.py [-p FILE_PREFIX] [-i SECONDS]

Without -i, the counters; with -i, also the rates over that interval.
"""
import argparse
import json
import os
import socket
import time

FIELDS = ("ipackets", "opackets", "imissed", "ierrors", "oerrors", "rx_nombuf")


def sock_path(prefix):
    base = "/var/run/dpdk" if os.geteuid() == 0 else \
        os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk")
    return os.path.join(base, prefix, "dpdk_telemetry.v2")


def query(sock, cmd):
    sock.send(cmd.encode())
    return json.loads(sock.recv(65536).decode())[cmd.split(",")[0]]


def snapshot(sock):
    return {p: query(sock, f"/ethdev/stats,{p}") for p in query(sock, "/ethdev/list")}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-p", "--file-prefix", default="sgtgw")
    ap.add_argument("-i", "--interval", type=float, default=0)
    args = ap.parse_args()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    sock.connect(sock_path(args.file_prefix))
    sock.recv(16384)  # the greeting
    first, t0 = snapshot(sock), time.monotonic()
    last, t1 = first, t0
    if args.interval > 0:
        time.sleep(args.interval)
        last, t1 = snapshot(sock), time.monotonic()
    print("port " + " ".join(f"{f:>14}" for f in FIELDS) +
          ("   rx Mpps   tx Mpps" if args.interval > 0 else ""))
    for p, st in last.items():
        line = f"{p:>4} " + " ".join(f"{st.get(f, 0):>14}" for f in FIELDS)
        if args.interval > 0:
            dt = t1 - t0
            line += f" {(st['ipackets'] - first[p]['ipackets']) / dt / 1e6:>9.2f}"
            line += f" {(st['opackets'] - first[p]['opackets']) / dt / 1e6:>9.2f}"
        print(line)


if __name__ == "__main__":
    main()
