#!/bin/sh
# Install what building and testing VoFW needs on Debian 12, when missing,
# and the system user vofw the daemons become when started as root (the
# tests start them so; `user` in docs/security.md).
# Runs as root (CI); as another user it only reports what is missing.
#
#   install-deps.sh          what `make check` needs
#   install-deps.sh bench    that and what only `make bench` needs
set -eu

PKGS="build-essential pkg-config libevent-dev libosip2-dev libconfig-dev
libssl-dev libseccomp-dev libcmocka-dev clang libclang-rt-14-dev nftables
iproute2 squid nginx-light sip-tester curl procps valgrind baresip kamailio
dnsmasq-base mandoc openssl libsystemd-dev jq prometheus mount python3
libkrb5-dev krb5-kdc krb5-admin-server krb5-user tinyproxy-bin duktape-dev
libnetfilter-queue-dev iptables"

# The benchmarks' peers: rtpengine, the single-hop media relay the calls
# benchmark sets beside hrac + hras.  The package ships a service (same
# name) that would start on install; the benchmark runs its own process.
BENCH_PKGS="rtpengine-daemon"
BENCH_SERVICES="rtpengine-daemon"

case ${1:-} in
'') BENCH_PKGS= ;;
bench) ;;
*) echo "usage: install-deps.sh [bench]" >&2; exit 2 ;;
esac

if ! getent passwd vofw >/dev/null; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-deps: no user vofw (run as root)" >&2
		exit 1
	fi
	echo "install-deps: adding the system user vofw"
	useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin vofw
fi

# Squid built with OpenSSL (ssl_bump: t_tlsinspect's TLS-inspecting
# proxy) is Debian's squid-openssl, which conflicts with squid: rather
# than swap the Squid every other test uses, its files are unpacked here,
# out of the way, and the testbed runs that binary for ssl_bump only.
SQUID_SSL_DIR=/var/cache/vofw-tests/squid-openssl

# missing_of PKG...: those of the packages not installed.
missing_of() {
	for _p in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$_p" 2>/dev/null |
		    grep -q "install ok installed"; then
			printf ' %s' "$_p"
		fi
	done
}

# install_no_service PKG...: install the packages without starting their
# services (BENCH_SERVICES), and leave those disabled and stopped.
# invoke-rc.d and deb-systemd-invoke ask policy-rc.d before starting
# anything: a temporary one denies every start during this install.  A
# policy-rc.d already there is the administrator's (or the container's)
# and is left alone; whatever it let start is stopped below.
install_no_service() {
	_policy=/usr/sbin/policy-rc.d
	_own=
	if [ ! -e "$_policy" ]; then
		printf '#!/bin/sh\n# install-deps.sh: no service starts during its install\nexit 101\n' \
		    >"$_policy"
		chmod 755 "$_policy"
		_own=1
		trap 'rm -f "$_policy"' EXIT
	fi
	_rc=0
	apt-get install -y -qq --no-install-recommends "$@" >/dev/null ||
	    _rc=$?
	if [ -n "$_own" ]; then
		rm -f "$_policy"
		trap - EXIT
	fi
	[ "$_rc" -eq 0 ] || return "$_rc"
	for _s in $BENCH_SERVICES; do
		if [ -d /run/systemd/system ]; then
			systemctl disable --now --quiet "$_s.service" 2>/dev/null
			continue
		fi
		# No systemd running (a container, a chroot): the unit's links
		# and the init script's, for whichever init boots this root.
		if command -v systemctl >/dev/null; then
			systemctl disable --quiet "$_s.service" 2>/dev/null
		else
			update-rc.d "$_s" disable >/dev/null
		fi
		# rtpengine-daemon's pid file (/etc/default/rtpengine-daemon).
		if start-stop-daemon --status --pidfile "/run/rtpengine/$_s.pid"
		then
			"/etc/init.d/$_s" stop >/dev/null
		fi
	done
}

# shellcheck disable=SC2086
missing=$(missing_of $PKGS)
# shellcheck disable=SC2086
missing_bench=$(missing_of $BENCH_PKGS)
need_squid_ssl=1
if squid -v 2>/dev/null | grep -q -- --with-openssl ||
    [ -x "$SQUID_SSL_DIR/usr/sbin/squid" ]; then
	need_squid_ssl=
fi
[ -z "$missing$missing_bench" ] && [ -z "$need_squid_ssl" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing$missing_bench${need_squid_ssl:+" squid-openssl (unpacked in $SQUID_SSL_DIR)"} (run as root)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if [ -n "$missing" ]; then
	echo "install-deps: installing$missing"
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
if [ -n "$missing_bench" ]; then
	echo "install-deps: installing$missing_bench (services left stopped" \
	    "and disabled)"
	# shellcheck disable=SC2086
	install_no_service $missing_bench
fi
if [ -n "$need_squid_ssl" ]; then
	echo "install-deps: unpacking squid-openssl in $SQUID_SSL_DIR"
	tmp=$(mktemp -d)
	# apt downloads as _apt where it can.
	chown _apt "$tmp" 2>/dev/null || true
	(cd "$tmp" && apt-get download -qq squid-openssl) &&
	    mkdir -p "$SQUID_SSL_DIR" &&
	    dpkg-deb -x "$tmp"/squid-openssl_*.deb "$SQUID_SSL_DIR" || {
		rm -rf "$tmp"
		echo "install-deps: cannot unpack squid-openssl" >&2
		exit 1
	}
	rm -rf "$tmp"
fi
