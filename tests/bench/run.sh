#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The sgtgw benchmark suite: pipeline cycles per packet, table memory, end
# to end Mpps beside DPDK's l3fwd, and scaling. See tests/bench/README.md.
#   tests/bench/run.sh [--json] [--quick] [--help for every option]
exec /usr/bin/python3 "$(dirname "$0")/bench.py" "$@"
