#!/bin/sh
# Clean Debian 12 roots for tests/packages.sh and tests/fresh.sh, made with
# mmdebstrap from the apt sources this machine uses, and a way to run a
# command inside one with /proc, /sys, /dev and a fresh /run mounted (in
# a private mount namespace, so nothing stays mounted when it ends).
# Sourced; needs root, mmdebstrap and the network to the mirror.

# rootfs_sources: the apt source files naming bookworm (deb822 or
# one-line), or those in VOFW_SOURCES; fails if there are none.
rootfs_sources() {
	if [ -n "${VOFW_SOURCES:-}" ]; then
		printf '%s\n' "$VOFW_SOURCES"
		return
	fi
	_found=
	for _f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
	    /etc/apt/sources.list.d/*.sources; do
		[ -f "$_f" ] && grep -q bookworm "$_f" || continue
		printf '%s\n' "$_f"
		_found=1
	done
	if [ -z "$_found" ]; then
		echo "rootfs: no apt source for bookworm under /etc/apt" \
		    "(set VOFW_SOURCES to a sources file)" >&2
		return 1
	fi
}

# rootfs_make TARBALL [PACKAGE,...]: a minimal Debian 12 with apt and the
# given packages, as a tarball.
rootfs_make() {
	if ! command -v mmdebstrap >/dev/null 2>&1; then
		echo "rootfs: no mmdebstrap (apt-get install mmdebstrap)" >&2
		return 1
	fi
	_src=$(rootfs_sources) || return 1
	# shellcheck disable=SC2086
	mmdebstrap --quiet --variant=apt ${2:+--include="$2"} bookworm "$1" \
	    $_src
}

# rootfs_unpack TARBALL DIR: a fresh root from a tarball.
rootfs_unpack() {
	rm -rf "$2" && mkdir -p "$2" && tar -xf "$1" -C "$2" &&
	    cp /etc/resolv.conf "$2/etc/resolv.conf"
}

# rootfs_run DIR COMMAND...: run COMMAND (a shell command line) as root
# inside DIR, with the machine's network.
rootfs_run() {
	_root=$1
	shift
	unshare --mount --propagation private sh -euc '
		r=$1; shift
		# The root a mount point: `ip netns exec` remounts / (rslave).
		mount --bind "$r" "$r"
		mount -t proc proc "$r/proc"
		mount -t sysfs sysfs "$r/sys"
		mount --rbind /dev "$r/dev"
		mount -t tmpfs -o mode=755 tmpfs "$r/run"
		mkdir -p "$r/run/lock"
		exec chroot "$r" /usr/bin/env -i \
		    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		    HOME=/root TERM=dumb LANG=C.UTF-8 /bin/sh -c "$*"
	' rootfs "$_root" "$@"
}
