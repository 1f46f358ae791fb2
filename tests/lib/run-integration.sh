#!/bin/sh
# Run the integration tests: every tests/integration/t_*.sh, sorted, each
# under `timeout` (120 s, or the test's own "# timeout: N" line), as root.
#
#   VOFW_BIN=build sh tests/lib/run-integration.sh
#   TESTS='firewall|proxy' sh tests/lib/run-integration.sh   (ERE on names)
#
# Prints "PASS name (s)" or "FAIL name (s)" per test, the output of each
# failed test, and a closing "integration: N passed, N failed" line; exits
# non-zero if any test failed.  A test runs with the interpreter of its
# #! line (sh when it has none).  Each test gets its own TB_ID, so after a
# test that was killed the runner finds and removes what it left: the
# processes inside its namespaces, the namespaces, its $TB_DIR.
set -u

VOFW_ROOT=$(cd "$(dirname "$0")/../.." && pwd -P) || exit 1
if [ -z "${VOFW_BIN:-}" ]; then
	VOFW_BIN=build
	[ ! -d "$VOFW_ROOT/build/bin" ] || VOFW_BIN=build/bin
fi
case $VOFW_BIN in
/*) ;;
*) VOFW_BIN=$VOFW_ROOT/$VOFW_BIN ;;
esac
export VOFW_ROOT VOFW_BIN
DEFAULT_TIMEOUT=${TIMEOUT:-120}
TESTS=${TESTS:-}

if [ "$(id -u)" != 0 ]; then
	echo "integration: the tests build network namespaces: run as root" >&2
	exit 1
fi

OUT=$(mktemp -d "${TMPDIR:-/tmp}/vofw-it.XXXXXX") || exit 1
CUR_PID=
cleanup() {
	rm -rf "$OUT"
}
on_signal() {
	trap - INT TERM
	# timeout(1) passes the signal on to the test, whose trap tears down.
	if [ -n "$CUR_PID" ]; then
		kill -TERM "$CUR_PID" 2>/dev/null
		wait "$CUR_PID" 2>/dev/null
	fi
	echo "integration: interrupted" >&2
	exit 130
}
trap cleanup EXIT
trap on_signal INT TERM

now() {
	date +%s.%N
}

elapsed() {
	awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'
}

# leftovers ID: remove what a test with TB_ID=ID left behind; print what.
leftovers() {
	for ns in $(ip netns list | awk '{ print $1 }'); do
		case $ns in
		vofw-*-"$1") ;;
		*) continue ;;
		esac
		# Processes in this run's own namespaces were started by it.
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null && echo "killed pid $pid in $ns"
		done
		ip netns delete "$ns" && echo "deleted namespace $ns"
	done
	if [ "${TB_KEEP:-0}" != 1 ]; then
		for d in "${TMPDIR:-/tmp}"/vofw-tb."$1".*; do
			[ -d "$d" ] || continue
			rm -rf "$d" && echo "removed $d"
		done
	fi
}

pass=0
fail=0
failed=
n=0
for t in $(find "$VOFW_ROOT/tests/integration" -maxdepth 1 -name 't_*.sh' \
    -type f | LC_ALL=C sort); do
	name=$(basename "$t" .sh)
	if [ -n "$TESTS" ] && ! printf '%s\n' "$name" | grep -Eq -- "$TESTS"
	then
		continue
	fi
	n=$((n + 1))
	limit=$(sed -n 's/^#[[:space:]]*timeout:[[:space:]]*\([0-9][0-9]*\).*/\1/p' \
	    "$t" | head -n 1)
	limit=${limit:-$DEFAULT_TIMEOUT}
	interp=$(sed -n '1s/^#![[:space:]]*//p' "$t")
	interp=${interp:-sh}
	id="it$$x$n"
	log=$OUT/$name.log
	start=$(now)
	# shellcheck disable=SC2086
	TB_ID=$id timeout -k 10 "$limit" $interp "$t" >"$log" 2>&1 </dev/null &
	CUR_PID=$!
	wait "$CUR_PID"
	rc=$?
	CUR_PID=
	secs=$(elapsed "$start")
	left=$(leftovers "$id")
	if [ "$rc" -eq 0 ] && [ -n "$left" ]; then
		echo "(test passed but did not tear down: $left)" >>"$log"
		rc=1
	fi
	if [ "$rc" -eq 0 ]; then
		echo "PASS $name (${secs}s)"
		pass=$((pass + 1))
	else
		# timeout(1) gives 124, or 137 when -k had to SIGKILL.
		late=$(awk -v s="$secs" -v l="$limit" 'BEGIN { print (s >= l) }')
		if [ "$rc" -eq 124 ] ||
		    { [ "$rc" -eq 137 ] && [ "$late" = 1 ]; }; then
			why=" timed out after ${limit}s"
		elif [ "$rc" -gt 128 ]; then
			why=" killed by signal $((rc - 128))"
		else
			why=" exit $rc"
		fi
		echo "FAIL $name (${secs}s)$why"
		echo "---- output of $name ----"
		cat "$log"
		[ -z "$left" ] || printf 'runner cleaned up:\n%s\n' "$left"
		echo "---- end of $name ----"
		fail=$((fail + 1))
		failed="$failed $name"
	fi
done

if [ "$n" -eq 0 ]; then
	echo "integration: no test matches '${TESTS:-t_*}'" >&2
	exit 1
fi
[ "$fail" -eq 0 ] || echo "failed:$failed"
echo "integration: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
