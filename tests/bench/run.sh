#!/bin/sh
# Run the benchmarks (the `make bench` entry): every tests/bench/*.sh but
# this one, sorted, each under `timeout`.  Each benchmark prints its own
# markdown table, with ratios against a baseline measured in the same run.
#
#   VOFW_BIN=build/bin sh tests/bench/run.sh
#   BENCH='tunnel' BENCH_SECONDS=3 sh tests/bench/run.sh   (ERE on names)
#   BENCH_WRITE=1 make bench            (also rewrite docs/performance.md)
#
# VOFW_BIN is the directory of hrac and hras; the test tools (udptool) are
# in $(dirname $VOFW_BIN)/tools.  Exits non-zero if any benchmark failed.
set -u

VOFW_ROOT=$(cd "$(dirname "$0")/../.." && pwd -P) || exit 1
VOFW_BIN=${VOFW_BIN:-build/bin}
case $VOFW_BIN in
/*) ;;
*)
	# Relative to where we were started (make runs from the root).
	if [ -d "$VOFW_BIN" ]; then
		VOFW_BIN=$(cd "$VOFW_BIN" && pwd -P)
	else
		VOFW_BIN=$VOFW_ROOT/$VOFW_BIN
	fi
	;;
esac
VOFW_TOOLS=$(dirname "$VOFW_BIN")/tools
export VOFW_ROOT VOFW_BIN VOFW_TOOLS

for f in "$VOFW_BIN/hrac" "$VOFW_BIN/hras" "$VOFW_TOOLS/udptool"; do
	if [ ! -x "$f" ]; then
		echo "bench: $f missing: run 'make all tools' first" >&2
		exit 1
	fi
done

# A benchmark that hangs must not hang the run: 15 minutes at most each
# (the calls benchmark takes about 7 on a quiet machine).
BENCH_TIMEOUT=${BENCH_TIMEOUT:-900}
BENCH=${BENCH:-}
pass=0
fail=0
for t in "$VOFW_ROOT"/tests/bench/*.sh; do
	name=$(basename "$t" .sh)
	[ "$name" = run ] && continue
	if [ -n "$BENCH" ] && ! printf '%s\n' "$name" | grep -Eq "$BENCH"; then
		continue
	fi
	echo "## bench: $name"
	echo
	start=$(date +%s)
	if timeout -k 5 "$BENCH_TIMEOUT" sh "$t"; then
		pass=$((pass + 1))
	else
		echo "bench: $name failed (status $?)" >&2
		fail=$((fail + 1))
	fi
	echo
	echo "($name: $(($(date +%s) - start)) s)"
	echo
done
echo "bench: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
