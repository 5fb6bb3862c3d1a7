# SPDX-License-Identifier: BSD-3-Clause
"""Harness for sgtgw-dataplane integration tests.

A test describes ports (with the frames each one receives) and the rest of
a YAML configuration; Dataplane writes the pcap files and the config into a
temporary directory, starts sgtgw-dataplane on net_pcap virtual devices
(never a NIC: --no-pci, --no-huge, a unique --file-prefix), waits through
DPDK telemetry until every frame fed has been received and accounted for
(forwarded or dropped), and after SIGTERM reads what each port transmitted
and what the process logged.

The executables come from the environment (SGTGW_DATAPLANE, SGTGWCTL, as
meson test sets them), else from a build directory of the source tree.
"""
import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from scapy.fields import ByteField, ShortField, XShortEnumField
from scapy.layers.inet import IP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Dot1AD, Dot1Q, Ether
from scapy.packet import Packet, bind_layers

REPO = Path(__file__).resolve().parents[2]
PAGE_BYTES = 12 * 1024    # SGTGW_TEL_PAGE_BYTES: bound of a page's JSON
REPLY_MAX = 16 * 1024     # DPDK 22.11's reply buffer, NUL included
MAX_PAGES = 100000        # a server ignoring the start would page forever
START_TIMEOUT = 15.0      # seconds until telemetry answers
DONE_TIMEOUT = 10.0       # seconds until every frame is accounted for
STOP_TIMEOUT = 10.0       # seconds from SIGTERM to exit
DROP_REASONS = ["runt", "bad_vlan", "bad_cmd", "bad_ipv4", "bad_ipv6", "bad_l4",
                "non_ip", "policy", "no_peer", "tag_room", "tx_full"]


def _find_exe(env, rel):
    path = os.environ.get(env)
    if path:
        return path
    for build in ("build-it", "build", "build-lead"):
        cand = REPO / build / rel
        if cand.is_file() and os.access(cand, os.X_OK):
            return str(cand)
    return None


DATAPLANE = _find_exe("SGTGW_DATAPLANE", "dataplane/sgtgw-dataplane")
SGTGWCTL = _find_exe("SGTGWCTL", "controlplane/sgtgwctl")


# ---- Cisco Meta Data (ethertype 0x8909) -----------------------------------

class CMD(Packet):
    """Cisco Meta Data inline tag: version 1, length 1 (8 octets), one SGT
    option (type 1, length 0), the SGT, then the inner ethertype."""
    name = "CiscoMetaData"
    fields_desc = [ByteField("version", 1), ByteField("length", 1),
                   ShortField("option", 0x0001), ShortField("sgt", 0),
                   XShortEnumField("type", 0x0800, {0x0800: "IPv4", 0x86DD: "IPv6"})]


for _lower in (Ether, Dot1Q, Dot1AD):
    bind_layers(_lower, CMD, type=0x8909)
bind_layers(CMD, IP, type=0x0800)
bind_layers(CMD, IPv6, type=0x86DD)
bind_layers(CMD, Dot1Q, type=0x8100)

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"


def cmd_tag(sgt, inner_type=0x0800, version=1, length=1, option=0x0001):
    """The 10 bytes 0x8909 .. inner ethertype, for hand-built frames."""
    return struct.pack("!HBBHHH", 0x8909, version, length, option, sgt, inner_type)


# ---- pcap files ------------------------------------------------------------

def pcap_write(path, frames):
    """Write frames (scapy packets or bytes) as a classic Ethernet pcap; an
    empty list gives a file with only the header."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            data = bytes(fr)
            f.write(struct.pack("<IIII", 1_700_000_000 + i // 1000, (i % 1000) * 1000,
                                len(data), len(data)))
            f.write(data)


def pcap_read(path):
    """Frames of a pcap file (bytes each); [] when the file does not exist."""
    try:
        buf = Path(path).read_bytes()
    except FileNotFoundError:
        return []
    if len(buf) < 24:
        return []
    magic = struct.unpack("<I", buf[:4])[0]
    endian = {0xA1B2C3D4: "<", 0xA1B23C4D: "<", 0xD4C3B2A1: ">", 0x4D3CB2A1: ">"}[magic]
    off, frames = 24, []
    while off + 16 <= len(buf):
        _, _, caplen, _ = struct.unpack(endian + "IIII", buf[off:off + 16])
        off += 16
        frames.append(buf[off:off + caplen])
        off += caplen
    return frames


# ---- DPDK telemetry ----------------------------------------------------------

def telemetry_path(prefix):
    """Where DPDK 22.11 puts the v2 telemetry socket of a file prefix."""
    if os.geteuid() == 0:
        base = "/var/run/dpdk"
    else:
        base = os.path.join(os.environ.get("XDG_RUNTIME_DIR", "/tmp"), "dpdk")
    return os.path.join(base, prefix, "dpdk_telemetry.v2")


def table_rows(value, command="?"):
    """Rows of a table reply: a JSON array of row dicts, or (what DPDK 22.11
    can build) a dict of row dicts keyed by row number, in order."""
    if isinstance(value, list):
        return value
    assert isinstance(value, dict), f"{command}: not a table: {value!r}"
    keys = list(value)
    assert all(k.isdigit() for k in keys), f"{command}: row keys {keys}"
    assert [int(k) for k in keys] == sorted(int(k) for k in keys), \
        f"{command}: rows out of order: {keys}"
    return [value[k] for k in keys]


class Telemetry:
    """A client of one dataplane's telemetry socket."""

    def __init__(self, path, timeout=5.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(path)
            self.greeting = json.loads(self.sock.recv(65536))
        except BaseException:
            self.sock.close()
            raise

    def close(self):
        self.sock.close()

    def cmd(self, command):
        """One command; returns the value under its key (None: unknown).
        The reply's size in bytes is left in self.last_len."""
        self.sock.send(command.encode())
        raw = self.sock.recv(65536)
        self.last_len = len(raw)
        reply = json.loads(raw)
        return reply[command.split(",", 1)[0]]

    def table(self, command):
        """The rows of one table reply (one page), in order."""
        return table_rows(self.cmd(command), command)

    def page(self, command, start):
        """The rows of the page of `command` from row `start`, checked to be
        numbered start, start + 1, ... (a gap: a row lost from the reply)."""
        value = self.cmd(f"{command},{start}")
        assert isinstance(value, dict), f"{command},{start}: not a table: {value!r}"
        keys = [int(k) if k.isdigit() else k for k in value]
        assert keys == list(range(start, start + len(keys))), \
            f"{command},{start}: row numbers {keys}"
        return list(value.values())

    def paged(self, command, pages=None):
        """Every row of a table (docs/telemetry.md): pages from row 0, each
        next one from the row after the last, until an empty page. If
        `pages` is a list, (start, rows, reply bytes) of each is added."""
        rows = []
        for _ in range(MAX_PAGES):
            page = self.page(command, len(rows))
            if pages is not None:
                pages.append((len(rows), len(page), self.last_len))
            if not page:
                return rows
            rows += page
        raise AssertionError(f"{command}: more than {MAX_PAGES} pages")


# ---- the dataplane under test --------------------------------------------------

@dataclass
class Port:
    name: str
    frames: list = field(default_factory=list)  # received, in order
    trust: str = None                            # "trusted" / "untrusted"
    egress_tag: str = None                       # "add" / "keep" / "strip"
    default_sgt: object = None                   # number or SGT name
    rxq: int = 1      # rx_pcap files (queues); frames dealt round-robin
    txq: int = 1      # tx_pcap files (queues)


class DataplaneError(AssertionError):
    pass


def _counter_key(row):
    return (row["src"], row["dst"], row["af"])


class Dataplane:
    """sgtgw-dataplane on pcap ports, as a context manager.

    config: the YAML configuration as a dict, without "ports" (built from
    the Port list); "port_pairs" defaults to pairing the first two ports.
    """

    def __init__(self, tmp_path, name, ports, config=None, lcores="0,1",
                 eal_args=(), app_args=(), config_path=None, cwd=None):
        self.dir = Path(tmp_path)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.ports = ports
        self.prefix = f"sgtgw_it_{name}_{os.getpid()}"
        self.lcores = lcores
        self.eal_args = list(eal_args)
        self.app_args = list(app_args)
        self.cwd = cwd
        self.proc = None
        self.tel = None
        self.rc = None
        self.out = {}       # port name -> frames it transmitted (all queues)
        self.out_q = {}     # port name -> [frames of queue 0, queue 1, ...]
        self.log_path = self.dir / f"{name}.log"
        self.config_path = Path(config_path) if config_path else self.dir / f"{name}.yaml"
        self.fed = sum(len(p.frames) for p in ports)
        if config_path is None:
            self._write_config(config or {})
        for p in ports:
            for q in range(p.rxq):
                pcap_write(self._rx_file(p, q), p.frames[q::p.rxq])

    # -- files --
    def _rx_file(self, p, q):
        return self.dir / f"{p.name}-in{q}.pcap"

    def _tx_file(self, p, q):
        return self.dir / f"{p.name}-out{q}.pcap"

    def device(self, i, p):
        args = [f"net_pcap{i}"]
        args += [f"rx_pcap={self._rx_file(p, q)}" for q in range(p.rxq)]
        args += [f"tx_pcap={self._tx_file(p, q)}" for q in range(p.txq)]
        return ",".join(args)

    def _write_config(self, config):
        cfg = {}
        if "dataplane" in config:
            cfg["dataplane"] = config["dataplane"]
        ports = []
        for i, p in enumerate(self.ports):
            d = {"name": p.name, "device": self.device(i, p)}
            if p.trust is not None:
                d["trust"] = p.trust
            if p.egress_tag is not None:
                d["egress_tag"] = p.egress_tag
            if p.default_sgt is not None:
                d["default_sgt"] = p.default_sgt
            ports.append(d)
        cfg["ports"] = ports
        if "port_pairs" in config:
            if config["port_pairs"] is not None:
                cfg["port_pairs"] = config["port_pairs"]
        elif len(self.ports) >= 2:
            cfg["port_pairs"] = [[self.ports[0].name, self.ports[1].name]]
        for key, value in config.items():
            if key not in ("dataplane", "port_pairs"):
                cfg[key] = value
        self.config_path.write_text(yaml.safe_dump(cfg, sort_keys=False))

    # -- process --
    def command(self):
        assert DATAPLANE, "SGTGW_DATAPLANE must name the built sgtgw-dataplane"
        return [DATAPLANE, *(["--lcores", self.lcores] if "@" in self.lcores else
                            ["-l", self.lcores]),
                "--no-pci", "--no-huge", "-m", "256",
                "--file-prefix", self.prefix, *self.eal_args, "--",
                "--config", str(self.config_path), *self.app_args]

    def start(self):
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                     stdout=self._log, stderr=subprocess.STDOUT,
                                     cwd=self.cwd)
        deadline = time.monotonic() + START_TIMEOUT
        path = telemetry_path(self.prefix)
        while True:
            if self.proc.poll() is not None:
                self.rc = self.proc.returncode
                self._cleanup()
                raise DataplaneError(f"sgtgw-dataplane exited ({self.rc}) at start:\n"
                                     + self.log())
            if os.path.exists(path):
                # The socket exists from EAL start-up on; the commands once
                # the dataplane is up. A process failing meanwhile closes it.
                tel = None
                try:
                    tel = Telemetry(path)
                    if tel.cmd("/sgtgw/info") is not None:
                        self.tel = tel
                        return self
                except (OSError, ValueError):
                    pass
                if tel is not None:
                    tel.close()
            if time.monotonic() > deadline:
                self.kill()
                raise DataplaneError("telemetry did not answer within "
                                     f"{START_TIMEOUT} s:\n" + self.log())
            time.sleep(0.05)

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=STOP_TIMEOUT)
        self._cleanup()

    def _cleanup(self):
        if self.tel is not None:
            self.tel.close()
            self.tel = None
        if getattr(self, "_log", None) is not None:
            self._log.close()
            self._log = None
        shutil.rmtree(os.path.dirname(telemetry_path(self.prefix)), ignore_errors=True)

    def stop(self):
        """SIGTERM, wait, then collect the output pcaps; returns the exit code."""
        if self.proc is None:
            return self.rc
        if self.tel is not None:
            self.tel.close()
            self.tel = None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=STOP_TIMEOUT)
                self._cleanup()
                raise DataplaneError("sgtgw-dataplane ignored SIGTERM:\n" + self.log())
        self.rc = self.proc.returncode
        self._cleanup()
        for p in self.ports:
            qs = [pcap_read(self._tx_file(p, q)) for q in range(p.txq)]
            self.out_q[p.name] = qs
            self.out[p.name] = [f for q in qs for f in q]
        return self.rc

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            if exc[0] is None:
                self.stop()
            else:
                self.kill()
        else:
            self._cleanup()
        return False

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    # -- telemetry views --
    def info(self):
        return self.tel.cmd("/sgtgw/info")

    def port_rows(self):
        return {row["port"]: row for row in self.tel.paged("/sgtgw/ports")}

    def counters(self):
        """{(src, dst, af): row} of /sgtgw/counters; src/dst -1 for '* *'."""
        return {_counter_key(r): r for r in self.tel.paged("/sgtgw/counters")}

    def wait_done(self, expected=None, timeout=DONE_TIMEOUT):
        """Until the ports have received `expected` frames (default: every
        frame fed) and each is forwarded or dropped. Returns the port rows."""
        expected = self.fed if expected is None else expected
        deadline = time.monotonic() + timeout
        while True:
            rows = self.port_rows()
            rx = sum(r["rx_packets"] for r in rows.values())
            tx = sum(r["tx_packets"] for r in rows.values())
            dropped = sum(r["drop_total"] for r in rows.values())
            if rx >= expected and tx + dropped == rx:
                return rows
            if not self.alive():
                raise DataplaneError("sgtgw-dataplane died:\n" + self.log())
            if time.monotonic() > deadline:
                raise DataplaneError(f"after {timeout} s: rx {rx} of {expected}, "
                                     f"tx {tx} + dropped {dropped}; ports {rows}")
            time.sleep(0.02)


def run_frames(tmp_path, name, ports, config, **kw):
    """Start, wait until every frame is accounted for, read the telemetry,
    stop. Returns (dataplane, port rows, counters by cell)."""
    dp = Dataplane(tmp_path, name, ports, config, **kw)
    with dp:
        rows = dp.wait_done()
        counters = dp.counters()
    assert dp.rc == 0, f"exit status {dp.rc}:\n{dp.log()}"
    return dp, rows, counters


def sgaclhit_lines(text):
    return [line for line in text.splitlines() if "RBM-6-SGACLHIT" in line]


def parse_sgaclhit(line):
    """The key='value' fields of one RBM-6-SGACLHIT line as a dict."""
    return dict(re.findall(r"([\w-]+)='([^']*)'", line))


def eth(src=MAC_A, dst=MAC_B):
    return Ether(src=src, dst=dst)
