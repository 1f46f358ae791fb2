#!/bin/sh
# Run the integration tests: every tests/integration/t_*.sh, sorted, each
# under `timeout` (120 s, or the test's own "# timeout: N" line), as root.
#
#   VOFW_BIN=build sh tests/lib/run-integration.sh
#   TESTS='firewall|proxy' sh tests/lib/run-integration.sh   (ERE on names)
#   JOBS=1 sh tests/lib/run-integration.sh          (one test at a time)
#
# Up to JOBS tests (default 5) run at once: most of a test's time is spent
# waiting on timers and phones (with five at once on two cores the CPUs
# still idle most of the time), and each test has namespaces of its own.
# A test with a "# serial" line (one that measures time) runs alone,
# before the others. Prints
# "PASS name (s)", "SKIP name (s): why" or "FAIL name (s)" per test as it
# ends, the output of each failed test, and a closing "integration: N
# passed, M skipped, K failed" line; exits non-zero if any test failed.
# A test that cannot run here (data the project does not carry) exits 77,
# automake's skip status, after a line "SKIP: why, and how to run it".  A test runs with the interpreter of
# its #! line (sh when it has none).  Each test gets its own TB_ID, so
# after a test that was killed the runner finds and removes what it left:
# the processes inside its namespaces, the namespaces, its $TB_DIR.
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
JOBS=${JOBS:-5}

if [ "$(id -u)" != 0 ]; then
	echo "integration: the tests build network namespaces: run as root" >&2
	exit 1
fi

OUT=$(mktemp -d "${TMPDIR:-/tmp}/vofw-it.XXXXXX") || exit 1
RUNNING=		# "pid:name:id:limit:start" of each test in progress
cleanup() {
	rm -rf "$OUT"
}
on_signal() {
	trap - INT TERM
	for r in $RUNNING; do
		kill -TERM "${r%%:*}" 2>/dev/null
	done
	for r in $RUNNING; do
		wait "${r%%:*}" 2>/dev/null
	done
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
skip=0
fail=0
failed=
n=0

# start FILE: run one test in the background; its status goes to
# $OUT/ID.rc when it ends.
start() {
	_name=$(basename "$1" .sh)
	_limit=$(sed -n 's/^#[[:space:]]*timeout:[[:space:]]*\([0-9][0-9]*\).*/\1/p' \
	    "$1" | head -n 1)
	_limit=${_limit:-$DEFAULT_TIMEOUT}
	_interp=$(sed -n '1s/^#![[:space:]]*//p' "$1")
	_interp=${_interp:-sh}
	_id="it$$x$n"
	# The subshell hands a TERM on to timeout(1), which passes it to the
	# test, whose trap tears down.
	# shellcheck disable=SC2086
	(
		TB_ID=$_id timeout -k 10 "$_limit" $_interp "$1" \
		    >"$OUT/$_name.log" 2>&1 </dev/null &
		_c=$!
		trap 'kill -TERM $_c 2>/dev/null' TERM
		wait $_c
		_rc=$?
		while kill -0 $_c 2>/dev/null; do
			wait $_c
			_rc=$?
		done
		echo $_rc >"$OUT/$_id.rc"
	) &
	RUNNING="$RUNNING $!:$_name:$_id:$_limit:$(now)"
}

# finish ENTRY: report the ended test of one RUNNING entry.
finish() {
	_f=$1
	_pid=${_f%%:*}; _f=${_f#*:}
	_name=${_f%%:*}; _f=${_f#*:}
	_id=${_f%%:*}; _f=${_f#*:}
	_limit=${_f%%:*}; _start=${_f#*:}
	wait "$_pid" 2>/dev/null
	rc=$(cat "$OUT/$_id.rc")
	log=$OUT/$_name.log
	secs=$(elapsed "$_start")
	left=$(leftovers "$_id")
	if [ "$rc" -eq 0 ] && [ -n "$left" ]; then
		echo "(test passed but did not tear down: $left)" >>"$log"
		rc=1
	fi
	if [ "$rc" -eq 0 ]; then
		echo "PASS $_name (${secs}s)"
		pass=$((pass + 1))
		return
	fi
	if [ "$rc" -eq 77 ] && [ -z "$left" ]; then
		echo "SKIP $_name (${secs}s): $(sed -n 's/^SKIP: //p' "$log" |
		    head -n 1)"
		skip=$((skip + 1))
		return
	fi
	# timeout(1) gives 124, or 137 when -k had to SIGKILL.
	late=$(awk -v s="$secs" -v l="$_limit" 'BEGIN { print (s >= l) }')
	if [ "$rc" -eq 124 ] || { [ "$rc" -eq 137 ] && [ "$late" = 1 ]; }; then
		why=" timed out after ${_limit}s"
	elif [ "$rc" -gt 128 ]; then
		why=" killed by signal $((rc - 128))"
	else
		why=" exit $rc"
	fi
	echo "FAIL $_name (${secs}s)$why"
	echo "---- output of $_name ----"
	cat "$log"
	[ -z "$left" ] || printf 'runner cleaned up:\n%s\n' "$left"
	echo "---- end of $_name ----"
	fail=$((fail + 1))
	failed="$failed $_name"
}

# reap MAX: report the tests that have ended; return once fewer than MAX
# are still running.
reap() {
	while :; do
		_still=
		_count=0
		for r in $RUNNING; do
			_i=${r#*:*:}
			if [ -f "$OUT/${_i%%:*}.rc" ]; then
				finish "$r"
			else
				_still="$_still $r"
				_count=$((_count + 1))
			fi
		done
		RUNNING=$_still
		[ "$_count" -ge "$1" ] || return 0
		sleep 0.2
	done
}

# The tests with a "# serial" line first, each alone; then the others,
# JOBS at a time, so that no serial test waits for the pool to drain.
ALL=$(find "$VOFW_ROOT/tests/integration" -maxdepth 1 -name 't_*.sh' \
    -type f | LC_ALL=C sort)
for group in serial pool; do
	for t in $ALL; do
		name=$(basename "$t" .sh)
		if [ -n "$TESTS" ] &&
		    ! printf '%s\n' "$name" | grep -Eq -- "$TESTS"; then
			continue
		fi
		if grep -q '^#[[:space:]]*serial' "$t"; then
			[ "$group" = serial ] || continue
			n=$((n + 1))
			start "$t"
			reap 1
		else
			[ "$group" = pool ] || continue
			n=$((n + 1))
			reap "$JOBS"
			start "$t"
		fi
	done
done
reap 1

if [ "$n" -eq 0 ]; then
	echo "integration: no test matches '${TESTS:-t_*}'" >&2
	exit 1
fi
[ "$fail" -eq 0 ] || echo "failed:$failed"
echo "integration: $pass passed, $skip skipped, $fail failed"
[ "$fail" -eq 0 ]
