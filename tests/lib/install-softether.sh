#!/bin/sh
# Install SoftEther VPN from Debian 12 for the benchmarks (`make bench`
# compares VoFW with it: tests/lib/softether.sh), when missing, without
# leaving a VPN service running or enabled: the benchmarks start their own
# vpnserver and vpnclient in the testbed's namespaces, with their own state
# under the run's directory.  `make check` does not need SoftEther.
# Runs as root; as another user it only reports what is missing.
set -eu

PKGS="softether-vpnserver softether-vpnclient softether-vpncmd"
UNITS="softether-vpnserver.service softether-vpnclient.service"
POLICY=/usr/sbin/policy-rc.d

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
# Installed already (by us or by the administrator): leave it as it is.
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-softether: missing packages:$missing (run as root)" >&2
	exit 1
fi

# The packages' scripts start the service at once (invoke-rc.d,
# deb-systemd-invoke): a policy-rc.d that forbids it, for the install
# only, unless the system has one of its own.
own_policy=
if [ ! -e "$POLICY" ]; then
	own_policy=1
	trap 'rm -f "$POLICY"' EXIT
	trap 'exit 130' INT TERM
	printf '#!/bin/sh\n# install-softether.sh: no service starts while it installs.\nexit 101\n' \
	    >"$POLICY"
	chmod 755 "$POLICY"
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
echo "install-softether: installing$missing"
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
if [ -n "$own_policy" ]; then
	rm -f "$POLICY"
	trap - EXIT
fi

# Not at boot either; and stopped, if a policy of the system let it start.
# systemctl disable works without a running systemd, and disables the
# server's SysV script too.
if command -v systemctl >/dev/null; then
	# shellcheck disable=SC2086
	systemctl disable --quiet $UNITS 2>/dev/null ||
	    echo "install-softether: cannot disable $UNITS" >&2
	if [ -d /run/systemd/system ]; then
		# shellcheck disable=SC2086
		systemctl stop $UNITS || true
	fi
fi
# Without systemd, only the server's SysV script may have started it.
if [ -z "$own_policy" ] && [ ! -d /run/systemd/system ] &&
    "$POLICY" softether-vpnserver start >/dev/null 2>&1; then
	invoke-rc.d softether-vpnserver stop >/dev/null 2>&1 || true
fi
