#!/bin/sh
# Run each cmocka unit test binary given as an argument, print one line of
# result per binary (with the test's own output when it fails) and exit
# non-zero if any failed. A skipped test counts as a failure: nothing here
# may quietly stop being checked.

failed=0
passed=0
out=$(mktemp "${TMPDIR:-/tmp}/vofw-unit.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT
trap 'exit 1' HUP INT TERM

for bin in "$@"; do
	name=${bin##*/}
	if [ ! -x "$bin" ]; then
		echo "FAIL $name (not built)"
		failed=$((failed + 1))
		continue
	fi
	if "$bin" >"$out" 2>&1 && ! grep -q '^\[  SKIPPED \]' "$out"; then
		echo "PASS $name ($(grep -c '^\[       OK \]' "$out") tests)"
		passed=$((passed + 1))
	else
		rc=$?
		if [ "$rc" -eq 0 ]; then
			why="skipped tests"
		elif [ "$rc" -gt 128 ]; then
			why="killed by signal $((rc - 128))"
		else
			why="exit $rc"
		fi
		echo "FAIL $name ($why)"
		sed 's/^/    /' "$out"
		failed=$((failed + 1))
	fi
done

echo "unit: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
