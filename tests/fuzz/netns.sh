#!/bin/sh
# Run a command in a network namespace of its own with only loopback up,
# so that nothing it sends can leave the machine: the routing fuzzers
# (fuzz_hras, fuzz_hrac) send to addresses their input names.
#
#   sh tests/fuzz/netns.sh build-fuzz/fuzz_hras [libFuzzer options]

if [ "$(id -u)" != 0 ]; then
	echo "$0: $1 needs root: it runs in a network namespace of its" \
	    "own (unshare -n)" >&2
	exit 1
fi
exec unshare -n sh -c 'ip link set lo up && exec "$@"' sh "$@"
