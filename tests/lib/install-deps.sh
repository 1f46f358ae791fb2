#!/bin/sh
# Install what building and testing VoFW needs on Debian 12, when missing,
# and the system user vofw the daemons become when started as root (the
# tests start them so; `user` in docs/security.md).
# Runs as root (CI); as another user it only reports what is missing.
set -eu

PKGS="build-essential pkg-config libevent-dev libosip2-dev libconfig-dev
libssl-dev libseccomp-dev libcmocka-dev clang libclang-rt-14-dev nftables
iproute2 squid nginx-light sip-tester curl procps valgrind baresip kamailio
dnsmasq-base mandoc openssl libsystemd-dev jq prometheus mount python3
libkrb5-dev krb5-kdc krb5-admin-server krb5-user tinyproxy-bin duktape-dev
libnetfilter-queue-dev iptables"

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

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
need_squid_ssl=1
if squid -v 2>/dev/null | grep -q -- --with-openssl ||
    [ -x "$SQUID_SSL_DIR/usr/sbin/squid" ]; then
	need_squid_ssl=
fi
[ -z "$missing" ] && [ -z "$need_squid_ssl" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing${need_squid_ssl:+" squid-openssl (unpacked in $SQUID_SSL_DIR)"} (run as root)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if [ -n "$missing" ]; then
	echo "install-deps: installing$missing"
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
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
