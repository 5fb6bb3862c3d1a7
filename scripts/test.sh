#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The whole test suite: set up the machine (scripts/setup.sh), build and test
# "build" (normal) and "build-san" (ASan + UBSan), then print the counts per
# build and, as the last line, "N passed, N failed" (", N skipped" when some
# were) summed over both. Every build is tested even when an earlier one
# fails. Exit status 0 only when nothing failed.
#
#   scripts/test.sh [--quick]     --quick: the normal build only
#
# Environment for the sanitizer run (set either to override):
#   SGTGW_ASAN_OPTIONS   default detect_leaks=1:abort_on_error=1
#   SGTGW_UBSAN_OPTIONS  default print_stacktrace=1:halt_on_error=1
# A test that cannot run under LeakSanitizer (DPDK start-up allocations that
# live until exit) sets its own ASAN_OPTIONS in its meson test env, which
# wins over these.
set -uo pipefail

script=$(readlink -f "${BASH_SOURCE[0]}")
cd "$(dirname "$script")/.." || exit 1

BUILDS=(build build-san)
SAN_ARGS=("-Db_sanitize=address,undefined" -Db_lundef=false)
PYTHON=/usr/bin/python3

case "${1:-}" in
--quick) BUILDS=(build) ;;
-h|--help) sed -n '4,19s/^# \{0,1\}//p' "$script"; exit 0 ;;
'') ;;
*) echo "test.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
esac

total_passed=0
total_failed=0
total_skipped=0
summary=()

# Counts of one build's testlog.json as "passed failed skipped".
count_results() {
	"$PYTHON" - "$1" <<'EOF'
import json
import sys

passed = failed = skipped = 0
with open(sys.argv[1]) as log:
    for line in log:
        if not line.strip():
            continue
        result = json.loads(line).get("result")
        if result in ("OK", "EXPECTEDFAIL"):
            passed += 1
        elif result == "SKIP":
            skipped += 1
        else:       # FAIL, TIMEOUT, UNEXPECTEDPASS, ERROR, anything new
            failed += 1
print(passed, failed, skipped)
EOF
}

add_counts() {
	local name=$1 passed=$2 failed=$3 skipped=$4
	total_passed=$((total_passed + passed))
	total_failed=$((total_failed + failed))
	total_skipped=$((total_skipped + skipped))
	summary+=("$name: $passed passed, $failed failed, $skipped skipped")
}

# Build and test one directory. A build that does not compile, or a test
# run that leaves no log, counts as one failure so that it cannot pass
# silently.
run_build() {
	local dir=$1; shift
	local log="$dir/meson-logs/testlog.json" counts

	echo "=== $dir: build"
	if ! bash scripts/build.sh "$dir" "$@"; then
		echo "=== $dir: BUILD FAILED"
		add_counts "$dir (build failed)" 0 1 0
		return
	fi
	echo "=== $dir: test"
	rm -f "$log"    # a stale log from an earlier run must not be counted
	meson test -C "$dir" --num-processes 2 --print-errorlogs
	if [ ! -s "$log" ] || ! counts=$(count_results "$log"); then
		echo "=== $dir: no usable $log"
		add_counts "$dir (no test log)" 0 1 0
		return
	fi
	# shellcheck disable=SC2086  # three numbers, split on purpose
	add_counts "$dir" $counts
}

echo "=== setup"
if ! bash scripts/setup.sh; then
	echo "=== setup FAILED"
	add_counts "setup" 0 1 0
fi

for dir in "${BUILDS[@]}"; do
	if [ "$dir" = build-san ]; then
		ASAN_OPTIONS="${SGTGW_ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}" \
		UBSAN_OPTIONS="${SGTGW_UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
			run_build "$dir" "${SAN_ARGS[@]}"
	else
		run_build "$dir"
	fi
done

echo "=== summary"
printf '%s\n' "${summary[@]}"
line="$total_passed passed, $total_failed failed"
[ "$total_skipped" -gt 0 ] && line="$line, $total_skipped skipped"
echo "$line"
[ "$total_failed" -eq 0 ]
