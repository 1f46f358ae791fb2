#!/bin/sh
# Fail if any sanitizer report was written under DIR during a test run
# (daemons started by the integration tests log there, not to a terminal).
set -eu
dir=$1
reports=$(find "$dir" -type f -size +0 2>/dev/null | sort)
if [ -z "$reports" ]; then
	echo "sanitizers: no reports"
	exit 0
fi
for f in $reports; do
	echo "---- $f ----"
	head -60 "$f"
done
echo "sanitizers: $(echo "$reports" | wc -l) report(s)" >&2
exit 1
