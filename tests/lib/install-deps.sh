#!/bin/sh
# Install what building and testing VoFW needs on Debian 12, when missing,
# and the system user vofw the daemons become when started as root (the
# tests start them so; `user` in docs/security.md).
# Runs as root (CI); as another user it only reports what is missing.
set -eu

PKGS="build-essential pkg-config libevent-dev libosip2-dev libconfig-dev
libssl-dev libseccomp-dev libcmocka-dev clang libclang-rt-14-dev nftables
iproute2 squid nginx-light sip-tester curl procps valgrind baresip kamailio
dnsmasq-base mandoc openssl libsystemd-dev jq tinyproxy-bin"

if ! getent passwd vofw >/dev/null; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-deps: no user vofw (run as root)" >&2
		exit 1
	fi
	echo "install-deps: adding the system user vofw"
	useradd --system --no-create-home --home-dir /nonexistent \
	    --shell /usr/sbin/nologin vofw
fi

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing (run as root)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
