#!/bin/sh
# Build the Debian packages and install them, then `make install`, each in
# a clean Debian 12 root (mmdebstrap, from this machine's apt sources), and
# check what a sysadmin relies on: the user vofw, the files, the
# configuration root:vofw 0640 (a conffile in the package), the units
# clean under `systemd-analyze verify` and rated 2.0 or better by
# `systemd-analyze security --offline=yes`, `-n` refusing the shipped
# placeholders and accepting a real configuration, the man pages rendered
# by `man -l`, and `make uninstall` keeping an edited configuration.
#
#   sh tests/packages.sh          (as root; a few minutes; needs the mirror)
#
# Not part of `make check`. Prints "ok ..." or "FAIL ..." per check and a
# closing "packages: N ok, M failed"; TB_KEEP=1 keeps the work folder.
set -u

ROOT=$(cd "$(dirname "$0")/.." && pwd -P) || exit 1
. "$ROOT/tests/lib/rootfs.sh"

if [ "$(id -u)" != 0 ]; then
	echo "packages: run as root (chroot, mounts)" >&2
	exit 1
fi
for tool in dpkg-buildpackage dh lintian mmdebstrap; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "packages: installing the packaging tools"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		    --no-install-recommends build-essential devscripts \
		    debhelper lintian mmdebstrap fakeroot >/dev/null || exit 1
		break
	fi
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vofw-pkg.XXXXXX") || exit 1
cleanup() {
	[ "${TB_KEEP:-0}" = 1 ] && echo "packages: kept $WORK" && return
	rm -rf "$WORK"
}
trap cleanup EXIT
ok=0
bad=0
check() {		# check WHAT COMMAND...: run COMMAND, count, report
	_what=$1
	shift
	if _out=$("$@" 2>&1); then
		echo "ok   $_what"
		ok=$((ok + 1))
	else
		echo "FAIL $_what"
		printf '%s\n' "$_out" | sed 's/^/     /'
		bad=$((bad + 1))
	fi
}
in_root() {		# in_root DIR COMMAND: rootfs_run, output kept
	rootfs_run "$@"
}

# A configuration -n accepts on any machine: loopback, real secret.
real_conf() {		# real_conf HALF SAMPLE > FILE
	sed -e 's/198\.51\.100\.10/127.0.0.1/g; s/10\.77\.0\.2/127.0.0.1/g' \
	    -e "s|\"change-me\"|\"$SECRET\"|" "$2"
}
SECRET=$(head -c 32 /dev/urandom | base64)

# Security exposure of a unit, inside a root: must be 2.0 or less.
exposure_ok() {		# exposure_ok DIR UNIT
	_lvl=$(in_root "$1" "systemd-analyze security --offline=yes $2" 2>&1 |
	    sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	echo "exposure $2: ${_lvl:-none}"
	[ -n "$_lvl" ] && awk -v l="$_lvl" 'BEGIN { exit !(l <= 2.0) }'
}

# common_checks DIR SBINDIR UNITDIR MANDIR: what both ways of installing
# share.
common_checks() {
	_r=$1 _sbin=$2 _units=$3 _man=$4
	check "user vofw: system, no login" in_root "$_r" \
	    'getent passwd vofw | awk -F: '\''$3 < 1000 && $7 ~ /nologin$/'\'' | grep -q vofw'
	for h in hrac hras; do
		check "$h: $_sbin/$h runs" in_root "$_r" "$_sbin/$h -V"
		check "$h: /etc/vofw/$h.conf root:vofw 0640" in_root "$_r" \
		    "test \"\$(stat -c '%U:%G %a' /etc/vofw/$h.conf)\" = 'root:vofw 640'"
		check "$h: -n refuses the shipped placeholders" in_root "$_r" \
		    "! $_sbin/$h -n -f /etc/vofw/$h.conf"
		real_conf "$h" "$_r/etc/vofw/$h.conf" >"$_r/tmp/$h.conf"
		check "$h: -n accepts a real configuration, as vofw" in_root \
		    "$_r" "chgrp vofw /tmp/$h.conf && chmod 640 /tmp/$h.conf && setpriv --reuid=vofw --regid=vofw --clear-groups $_sbin/$h -n -f /tmp/$h.conf"
		check "$h: unit ExecStart is $_sbin/$h" grep -q \
		    "^ExecStart=$_sbin/$h -f /etc/vofw/$h.conf\$" \
		    "$_r$_units/$h.service"
		check "$h: systemd-analyze verify" in_root "$_r" \
		    "out=\$(systemd-analyze verify $_units/$h.service 2>&1); echo \"\$out\"; [ -z \"\$out\" ]"
		check "$h: systemd-analyze security <= 2.0" exposure_ok "$_r" \
		    "$h.service"
		for page in "man8/$h.8" "man5/$h.conf.5"; do
			f=$(cd "$_r" && ls "${_man#/}/$page"* | head -n 1)
			check "$h: man -l renders /$f" in_root "$_r" \
			    "MANWIDTH=80 man -l /$f 2>/tmp/man.err | grep -q '^NAME' && ! test -s /tmp/man.err"
		done
	done
	check "tmpfiles: /run/vofw for vofw" in_root "$_r" \
	    "systemd-tmpfiles --create >/dev/null 2>&1; test \"\$(stat -c '%U %a' /run/vofw)\" = 'vofw 750'"
}

echo "== building the packages (dpkg-buildpackage -us -uc -b)"
mkdir -p "$WORK/src"
(cd "$ROOT" && tar --exclude='./build*' --exclude=./.git \
    --exclude=./hrac/hrac --exclude=./hras/hras -cf - .) |
    tar -xf - -C "$WORK/src"
if ! (cd "$WORK/src" && dpkg-checkbuilddeps) >/dev/null 2>&1; then
	echo "packages: installing the build dependencies (debian/control)"
	DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -qq \
	    "$WORK/src" >/dev/null || exit 1
fi
if ! (cd "$WORK/src" && dpkg-buildpackage -us -uc -b) \
    >"$WORK/build.log" 2>&1; then
	tail -n 40 "$WORK/build.log"
	echo "FAIL dpkg-buildpackage"
	exit 1
fi
echo "ok   dpkg-buildpackage: $(cd "$WORK" && ls vofw-hra?_*.deb | tr '\n' ' ')"
ok=$((ok + 1))
lintian --tag-display-limit 0 "$WORK"/vofw_*.changes >"$WORK/lintian.log" 2>&1
sed 's/^/     /' "$WORK/lintian.log"
check "lintian: no errors" sh -c "! grep -q '^E:' '$WORK/lintian.log'"

echo "== a clean Debian 12 root (mmdebstrap)"
if ! rootfs_make "$WORK/base.tar" systemd,man-db,adduser,passwd; then
	echo "FAIL mmdebstrap"
	exit 1
fi

echo "== the packages, installed with apt"
rootfs_unpack "$WORK/base.tar" "$WORK/deb" || exit 1
cp "$WORK"/vofw-hrac_*.deb "$WORK"/vofw-hras_*.deb "$WORK/deb/tmp/"
check "apt-get install ./vofw-hrac ./vofw-hras" in_root "$WORK/deb" \
    'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq /tmp/vofw-hra*.deb'
check "conffiles in /etc/vofw" in_root "$WORK/deb" \
    'dpkg-query -W -f="\${Conffiles}\n" vofw-hrac vofw-hras | grep -c "/etc/vofw/hra[cs].conf" | grep -qx 2'
check "units installed disabled" in_root "$WORK/deb" \
    '! systemctl is-enabled hrac.service hras.service'
common_checks "$WORK/deb" /usr/sbin /lib/systemd/system /usr/share/man
check "purge removes the configuration" in_root "$WORK/deb" \
    'DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq vofw-hrac vofw-hras && ! test -e /etc/vofw/hras.conf && ! test -e /usr/sbin/hras'

echo "== make install DESTDIR=<a clean root> (PREFIX /usr/local)"
rootfs_unpack "$WORK/base.tar" "$WORK/mk" || exit 1
check "runtime libraries, with apt" in_root "$WORK/mk" \
    'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libevent-2.1-7 libevent-openssl-2.1-7 libconfig9 libosip2-15 libseccomp2 libssl3 libsystemd0 libgssapi-krb5-2 libduktape207'
(cd "$WORK/src" && make clean >/dev/null && make -j2 all >"$WORK/make.log" 2>&1) ||
    { tail "$WORK/make.log"; echo "FAIL make"; exit 1; }
check "make install DESTDIR=" make -C "$WORK/src" install DESTDIR="$WORK/mk"
common_checks "$WORK/mk" /usr/local/sbin /usr/local/lib/systemd/system \
    /usr/local/share/man
echo "# edited" >>"$WORK/mk/etc/vofw/hras.conf"
check "make install again keeps the configuration" sh -c \
    "make -C '$WORK/src' install DESTDIR='$WORK/mk' | grep -q 'keeping .*hras.conf'"
check "make uninstall" make -C "$WORK/src" uninstall DESTDIR="$WORK/mk"
check "uninstall kept only the edited hras.conf" sh -c "
    test -e '$WORK/mk/etc/vofw/hras.conf' && ! test -e '$WORK/mk/etc/vofw/hrac.conf' &&
    ! test -e '$WORK/mk/usr/local/sbin/hras' &&
    ! test -e '$WORK/mk/usr/local/lib/systemd/system/hras.service' &&
    ! test -e '$WORK/mk/usr/local/share/man/man8/hras.8' &&
    ! test -e '$WORK/mk/usr/local/share/doc/vofw'"

echo "packages: $ok ok, $bad failed"
[ "$bad" -eq 0 ]
