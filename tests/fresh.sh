#!/bin/sh
# The README's two commands on a fresh Debian 12: make a clean root with
# mmdebstrap from this machine's apt sources (nothing installed but apt
# and make), copy the source tree in (without .git, build output or
# ../shared, so tests needing the corpora skip as in any clone), and run
# `make demo` then `make check` there, as root, with /proc, /sys, /dev
# and /run mounted so that network namespaces and nftables work. Reports
# each command's result and the tail of its output; the full logs stay
# in the work folder.
#
#   sh tests/fresh.sh                    (as root; make check takes ~15 min)
#   FRESH_TARGETS=demo sh tests/fresh.sh (only make demo)
#
# Not part of `make check`: it needs minutes and the network to the mirror.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd -P) || exit 1
. "$ROOT/tests/lib/rootfs.sh"

TARGETS=${FRESH_TARGETS:-demo check}
if [ "$(id -u)" != 0 ]; then
	echo "fresh: run as root (chroot, mounts, namespaces)" >&2
	exit 1
fi
if ! command -v mmdebstrap >/dev/null 2>&1; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends mmdebstrap >/dev/null || exit 1
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vofw-fresh.XXXXXX") || exit 1
echo "fresh: work folder $WORK (logs kept there)"

echo "== a clean Debian 12 root (mmdebstrap: apt and make only)"
rootfs_make "$WORK/base.tar" make || { echo "FAIL mmdebstrap"; exit 1; }
rootfs_unpack "$WORK/base.tar" "$WORK/root" || exit 1
rm -f "$WORK/base.tar"
mkdir -p "$WORK/root/src/vofw"
(cd "$ROOT" && tar --exclude='./build*' --exclude=./.git \
    --exclude=./hrac/hrac --exclude=./hras/hras --exclude=./debian/.debhelper \
    -cf - .) | tar -xf - -C "$WORK/root/src/vofw"

rc=0
for t in $TARGETS; do
	echo "== make $t (in the fresh root)"
	start=$(date +%s)
	rootfs_run "$WORK/root" "cd /src/vofw && make $t" \
	    >"$WORK/make-$t.log" 2>&1
	st=$?
	secs=$(($(date +%s) - start))
	tail -n 25 "$WORK/make-$t.log" | sed 's/^/     /'
	if [ "$st" -eq 0 ]; then
		echo "ok   make $t (${secs}s)"
	else
		echo "FAIL make $t: exit $st (${secs}s), log $WORK/make-$t.log"
		rc=1
	fi
done
# The root holds whole toolchains: keep only the logs.
rm -rf "$WORK/root"
echo "fresh: logs in $WORK"
exit "$rc"
