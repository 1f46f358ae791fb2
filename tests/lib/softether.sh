# shellcheck shell=sh
# shellcheck disable=SC2015  # "a && b || fail"
# SoftEther VPN in the testbed: the paper's own peer, as a company user
# would run it to get voice out, for the benchmarks to compare VoFW with.
# Source after tests/lib/testbed.sh, once tb_up and tb_squid_start ran:
#
#   LAN  vpnclient --TCP--> Squid 10.77.0.1:3128 CONNECT 198.51.100.10:443
#        vpn_se 10.79.0.2  (the client's virtual NIC: the phone's address)
#   WAN  vpnserver :443, hub VOFW, local bridge to tap_se 10.79.0.1
#        (beside hras; the outside phones reach 10.79.0.2 through tap_se)
#
# The voice crosses the firewall only inside vpnclient's TCP connection to
# Squid: the firewall still routes nothing for the LAN.  The hub bridges to
# a tap device of the server's own (no SecureNAT, no DHCP: both ends have
# fixed addresses), and in LAN only what is sent from the client's VPN
# address is routed into the VPN (a policy rule), so every other path of a
# benchmark, direct UDP and VoFW, stays as it was while SoftEther is up.
#
# Functions (each fails the test with tb_fail):
#   se_start         start vpnserver (WAN) and vpnclient (LAN), configure a
#                    hub, a user with a password, the bridge, the client's
#                    account through Squid; return once the session is up
#                    and a datagram from 10.79.0.2 in LAN reached
#                    10.79.0.1 in WAN through it
#   se_addr in|out|gw  print the inside phone's address on the VPN (bind
#                    to it in LAN: whatever is sent from it, to any
#                    address, goes through the VPN), the address the
#                    outside phones send to (the same one; any WAN
#                    address reaches it), or the server end's in WAN
#   se_pids          print the PIDs of vpnserver's and vpnclient's
#                    workers, for CPU accounting: started with execsvc,
#                    each daemon forks once; the first process only waits
#                    for its child (and would restart it), the child's
#                    threads do all the work, so the child's utime + stime
#                    in /proc/PID/stat is the daemon's CPU
#   se_names         print the testbed names of those two workers
#                    (se-server-w se-client-w: for tb_running, tb_pid)
#   se_stop          stop both daemons (by PID), remove their interfaces,
#                    the policy rule and $TB_DIR/softether; idempotent, and
#                    se_start may follow again
# If a test exits without se_stop, tb_down stops the four processes by PID
# and deletes the namespaces with the interfaces.
#
# Settings: SE_MAXTCP, TCP connections per session [1], as one VoFW tunnel
# (SoftEther opens 2 even so: its VoIP/QoS function, on as for voice, puts
# the prioritised packets on a connection of their own); SE_PORT, the
# server's port that vpnclient CONNECTs to through Squid [443] (the
# testbed's Squid allows CONNECT to any port).  The session is TLS (1.3,
# AES-256-GCM as negotiated), UDP acceleration off (it would go around the
# proxy).
#
# Debian's binaries keep their state in /var/lib/softether,
# /var/log/softether and /run/softether (compiled in).  Here each daemon
# and each vpncmd runs in a mount namespace of its own (unshare -m) where
# /var/lib, /var/log and /run are directories under $TB_DIR/softether, so
# nothing is written outside the run's directory and no system service is
# used or started.

SE_SERVER=/usr/libexec/softether/vpnserver/vpnserver
SE_CLIENT=/usr/libexec/softether/vpnclient/vpnclient
SE_CMD=/usr/libexec/softether/vpncmd/vpncmd
SE_MAXTCP=${SE_MAXTCP:-1}
SE_PORT=${SE_PORT:-443}
SE_HUB=VOFW
SE_USER=phone
SE_NIC=se
SE_IN_IP=10.79.0.2
SE_GW_IP=10.79.0.1
SE_TABLE=79
_SE_UP=

# _se_dir: the run's SoftEther directory.
_se_dir() {
	printf '%s/softether\n' "$TB_DIR"
}

# The mounts of a SoftEther process: sh -c "$_SE_MOUNTS" sh DIR CMD...
# runs CMD where /var/lib, /var/log and /run are DIR's lib, log and run.
# shellcheck disable=SC2016  # expanded by that shell
_SE_MOUNTS='r=$1
shift
mount --bind "$r/lib" /var/lib && mount --bind "$r/log" /var/log &&
    mount --bind "$r/run" /run && exec "$@"'

# _se_exec NS ROLE CMD...: run CMD in namespace NS, in a mount namespace
# of its own where /var/lib, /var/log and /run are ROLE's directories.
_se_exec() {
	_se_ns=$1
	_se_root=$(_se_dir)/$2
	shift 2
	ip netns exec "$_se_ns" unshare -m --propagation private \
	    sh -c "$_SE_MOUNTS" sh "$_se_root" "$@"
}

# _se_daemon NAME NS ROLE BINARY: start BINARY in the foreground (execsvc,
# as systemd would; "start" detaches) with tb_start, in ROLE's mount
# namespace; the PID recorded is the watchdog's (_se_worker finds the
# worker).
_se_daemon() {
	tb_start "$1" "$2" unshare -m --propagation private \
	    sh -c "$_SE_MOUNTS" sh "$(_se_dir)/$3" "$4" execsvc
}

# _se_vpncmd NS ROLE MODE FILE: run the vpncmd commands in FILE against
# ROLE's daemon on localhost (MODE /SERVER or /CLIENT); fail on an error.
_se_vpncmd() {
	case $3 in
	/SERVER) _se_at=127.0.0.1:$SE_PORT ;;
	*) _se_at=localhost ;;
	esac
	_se_exec "$1" "$2" timeout 20 "$SE_CMD" "$3" "$_se_at" \
	    /IN:"$4" >"$4.out" 2>&1 ||
	    tb_fail "softether: vpncmd $3 $(basename "$4"): $(tail -n 5 "$4.out")"
	if grep -q 'Error occurred' "$4.out"; then
		tb_fail "softether: vpncmd $3 $(basename "$4"):" \
		    "$(grep -A 2 'Error occurred' "$4.out")"
	fi
}

# _se_wait_vpncmd NS ROLE MODE TIMEOUT_S: wait until the daemon answers
# vpncmd.
_se_wait_vpncmd() {
	_se_f=$(_se_dir)/$2-ping.cmd
	echo "About" >"$_se_f"
	_se_dl=$(_tb_deadline "$4")
	case $3 in
	/SERVER) _se_at=127.0.0.1:$SE_PORT ;;
	*) _se_at=localhost ;;
	esac
	until _se_exec "$1" "$2" timeout 5 "$SE_CMD" "$3" "$_se_at" \
	    /IN:"$_se_f" >/dev/null 2>&1; do
		[ "$(_tb_now_ms)" -lt "$_se_dl" ] ||
		    tb_fail "softether: $2 does not answer vpncmd in $4 s"
		sleep 0.2
	done
}

# se_start: the VPN up, through Squid (see the header).
se_start() {
	[ -z "$_SE_UP" ] || return 0
	for _se_b in "$SE_SERVER" "$SE_CLIENT" "$SE_CMD"; do
		[ -x "$_se_b" ] || tb_fail "softether: $_se_b missing" \
		    "(tests/lib/install-softether.sh)"
	done
	_SE_UP=1
	_se_d=$(_se_dir)
	for _se_r in server client; do
		mkdir -p "$_se_d/$_se_r/lib/softether" \
		    "$_se_d/$_se_r/log/softether" \
		    "$_se_d/$_se_r/run/softether" || tb_fail "softether: mkdir"
	done
	_se_hubpw=$(openssl rand -hex 16) && _se_userpw=$(openssl rand -hex 16) &&
	    _se_adminpw=$(openssl rand -hex 16) ||
	    tb_fail "softether: openssl rand"

	# The server beside hras.
	_se_daemon se-server "$TB_WAN" server "$SE_SERVER"
	tb_wait_listen "$TB_WAN" 0.0.0.0 "$SE_PORT" 20
	_se_wait_vpncmd "$TB_WAN" server /SERVER 20
	cat >"$_se_d/server.cmd" <<EOF || tb_fail "softether: server.cmd"
KeepDisable
VpnAzureSetEnable no
HubCreate $SE_HUB /PASSWORD:$_se_hubpw
Hub $SE_HUB
UserCreate $SE_USER /GROUP:none /REALNAME:none /NOTE:none
UserPasswordSet $SE_USER /PASSWORD:$_se_userpw
BridgeCreate $SE_HUB /DEVICE:$SE_NIC /TAP:yes
ServerPasswordSet $_se_adminpw
EOF
	_se_vpncmd "$TB_WAN" server /SERVER "$_se_d/server.cmd"
	_se_worker se-server
	_se_dl=$(_tb_deadline 10)
	until ip -n "$TB_WAN" link show "tap_$SE_NIC" >/dev/null 2>&1; do
		[ "$(_tb_now_ms)" -lt "$_se_dl" ] ||
		    tb_fail "softether: no tap_$SE_NIC in WAN"
		sleep 0.1
	done
	ip -n "$TB_WAN" addr add "$SE_GW_IP/24" dev "tap_$SE_NIC" &&
	    ip -n "$TB_WAN" link set "tap_$SE_NIC" up ||
	    tb_fail "softether: tap_$SE_NIC address"

	# The client, as the company user runs it: through the proxy.
	_se_daemon se-client "$TB_LAN" client "$SE_CLIENT"
	_se_wait_vpncmd "$TB_LAN" client /CLIENT 20
	cat >"$_se_d/client.cmd" <<EOF || tb_fail "softether: client.cmd"
NicCreate $SE_NIC
AccountCreate vofw /SERVER:$TB_WAN_IP:$SE_PORT /HUB:$SE_HUB /USERNAME:$SE_USER /NICNAME:$SE_NIC
AccountPasswordSet vofw /PASSWORD:$_se_userpw /TYPE:standard
AccountProxyHttp vofw /SERVER:$TB_FW_LAN_IP:$TB_PROXY_PORT /USERNAME: /PASSWORD:
AccountDetailSet vofw /MAXTCP:$SE_MAXTCP /INTERVAL:1 /TTL:0 /HALF:no /BRIDGE:no /MONITOR:no /NOTRACK:no /NOQOS:no /DISABLEUDP:yes
AccountConnect vofw
EOF
	_se_vpncmd "$TB_LAN" client /CLIENT "$_se_d/client.cmd"
	_se_wait_session
	_se_worker se-client
	# The client's end of the VPN: only what the phone sends from its VPN
	# address takes the VPN (table SE_TABLE); the rest of LAN is as it was.
	ip -n "$TB_LAN" addr add "$SE_IN_IP/24" dev "vpn_$SE_NIC" &&
	    ip -n "$TB_LAN" link set "vpn_$SE_NIC" up &&
	    ip -n "$TB_LAN" route add default via "$SE_GW_IP" \
	    dev "vpn_$SE_NIC" table "$SE_TABLE" &&
	    ip -n "$TB_LAN" rule add from "$SE_IN_IP" lookup "$SE_TABLE" ||
	    tb_fail "softether: vpn_$SE_NIC address and route"
	_se_probe
}

# _se_probe: a datagram from the client's VPN address reaches the server
# end (the first ones may go while ARP resolves over the hub).
_se_probe() {
	tb_start se-probe "$TB_WAN" "$TB_UDPTOOL" recv "$SE_GW_IP" 9 1 10000
	sleep 0.2
	while tb_running se-probe; do
		tb_run_lan "$TB_UDPTOOL" send -s "$SE_IN_IP" "$SE_GW_IP" 9 1 \
		    >/dev/null 2>&1 || true
		sleep 0.2
	done
	grep -q '^received 1' "$TB_DIR/se-probe.log" ||
	    tb_fail "softether: no datagram through the VPN in 10 s"
	tb_stop se-probe
}

# _se_wait_session: wait until the client's session is established.
_se_wait_session() {
	_se_f=$(_se_dir)/status.cmd
	echo "AccountStatusGet vofw" >"$_se_f" || tb_fail "softether: status.cmd"
	_se_dl=$(_tb_deadline 20)
	until _se_exec "$TB_LAN" client timeout 5 "$SE_CMD" /CLIENT localhost \
	    /IN:"$_se_f" 2>/dev/null | grep -q 'Session Established'; do
		[ "$(_tb_now_ms)" -lt "$_se_dl" ] ||
		    tb_fail "softether: no VPN session through Squid in 20 s"
		sleep 0.2
	done
}

# _se_worker NAME: record the worker the daemon started as NAME forked as
# NAME-w (execsvc's process only waits for it and restarts it if it dies;
# the worker's threads do all the work).
_se_worker() {
	_se_dl=$(_tb_deadline 10)
	until _se_w=$(pgrep -P "$(tb_pid "$1")" | head -n 1) && [ -n "$_se_w" ]
	do
		[ "$(_tb_now_ms)" -lt "$_se_dl" ] ||
		    tb_fail "softether: $1 started no worker"
		sleep 0.1
	done
	tb_adopt "$1-w" "$_se_w"
}

# se_addr in|out|gw: an address of the VPN (see the header).
se_addr() {
	case $1 in
	in | out) echo "$SE_IN_IP" ;;
	gw) echo "$SE_GW_IP" ;;
	*) tb_fail "se_addr: in, out or gw, not '$1'" ;;
	esac
}

# se_names: the tb_start names of vpnserver's and vpnclient's workers.
se_names() {
	echo se-server-w se-client-w
}

# se_pids: the PIDs of vpnserver's and vpnclient's workers.
se_pids() {
	echo "$(tb_pid se-server-w) $(tb_pid se-client-w)"
}

# se_stop: stop SoftEther (by PID), remove its interfaces, rule, files.
se_stop() {
	[ -n "$_SE_UP" ] || return 0
	ip -n "$TB_LAN" rule del from "$SE_IN_IP" lookup "$SE_TABLE" \
	    2>/dev/null || true
	ip -n "$TB_LAN" route flush table "$SE_TABLE" 2>/dev/null || true
	# The watchdogs first, so that none restarts its worker; then the
	# workers, by SIGKILL: on SIGTERM vpnserver's takes over 15 s to save
	# a state this run throws away.
	for _se_n in se-client se-server; do
		tb_stop "$_se_n"
	done
	for _se_n in se-client-w se-server-w; do
		! tb_running "$_se_n" ||
		    kill -KILL "$(tb_pid "$_se_n")" 2>/dev/null || true
		tb_stop "$_se_n"
	done
	for _se_l in "$TB_LAN vpn_$SE_NIC" "$TB_WAN tap_$SE_NIC"; do
		# shellcheck disable=SC2086  # NS and device
		set -- $_se_l
		if ip -n "$1" link show "$2" >/dev/null 2>&1; then
			ip -n "$1" link del "$2" ||
			    echo "softether: cannot delete $2 in $1" >&2
		fi
	done
	rm -rf "$(_se_dir)"
	_SE_UP=
}
