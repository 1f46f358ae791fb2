# shellcheck shell=sh
# shellcheck disable=SC2034,SC2015  # constants for callers; "a && b || fail"
# The VoFW testbed: the paper's network in three network namespaces.
#
#   LAN  10.77.0.2 (hrac), .3-.9 (inside phones)      default via 10.77.0.1
#    |   eth0 <-> lan
#   FW   10.77.0.1 (Squid :3128)  |  198.51.100.1     nftables, forward drop
#    |   wan <-> eth0
#   WAN  198.51.100.10 (hras), .11-.19 (phones, nginx) default via .1
#
# The firewall routes nothing for the LAN: the only way out is a new TCP
# connection to the proxy on 10.77.0.1:3128.  Source this file (POSIX sh,
# dash-compatible) from a test, the demo or a benchmark, as root:
#
#   . "$VOFW_ROOT/tests/lib/testbed.sh"
#   tb_up; tb_squid_start
#   tb_start hras "$TB_WAN" "$TB_HRAS" -d -f "$TB_DIR/hras.conf"
#   ...
#
# tb_up installs a trap on EXIT, INT and TERM that runs tb_down: whatever
# happens, the processes started here (and only those, by PID) are stopped,
# the namespaces of this run (and only those) deleted and $TB_DIR removed
# (kept when TB_KEEP=1).  A test that sets its own EXIT trap must call
# tb_down from it.  tb_fail exits the shell: call it from the test's own
# shell, not from inside $(...).
#
# Binaries: $VOFW_BIN/hrac and /hras ($TB_HRAC, $TB_HRAS), the test tools
# in $VOFW_TOOLS ($TB_UDPTOOL, $TB_LOGSINK, $TB_DELAYLINE); all absolute
# once this file is sourced.
#
# Names are unique per run: TB_ID (default: this shell's PID) suffixes the
# namespaces and $TB_DIR, so stale or parallel runs cannot collide.

# --- configuration, resolved when sourced -----------------------------------

TB_ID=${TB_ID:-$$}
TB_LAN=vofw-lan-$TB_ID
TB_FW=vofw-fw-$TB_ID
TB_WAN=vofw-wan-$TB_ID

TB_LAN_IP=10.77.0.2
TB_FW_LAN_IP=10.77.0.1
TB_FW_WAN_IP=198.51.100.1
TB_WAN_IP=198.51.100.10
TB_NGINX_IP=198.51.100.11
TB_PROXY_PORT=3128
TB_PROXY_URL=http://$TB_FW_LAN_IP:$TB_PROXY_PORT

# _tb_find_root DIR: print the repository root, searched upwards from DIR.
_tb_find_root() {
	_tb_d=$(cd "$1" 2>/dev/null && pwd -P) || return 1
	while [ "$_tb_d" != / ]; do
		if [ -f "$_tb_d/tests/lib/testbed.sh" ] &&
		    [ -f "$_tb_d/Makefile" ]; then
			printf '%s\n' "$_tb_d"
			return 0
		fi
		_tb_d=$(dirname "$_tb_d")
	done
	return 1
}

if [ -z "${VOFW_ROOT:-}" ]; then
	VOFW_ROOT=$(_tb_find_root "$(dirname "$0")" ||
	    _tb_find_root "$PWD") || {
		echo "testbed: cannot find the repository root from $0" \
		    "or $PWD; set VOFW_ROOT" >&2
		exit 1
	}
fi
# VOFW_BIN: where hrac and hras are, relative to the root unless absolute;
# by default build/bin (where the Makefile links them) or else build.
if [ -z "${VOFW_BIN:-}" ]; then
	VOFW_BIN=build
	[ ! -d "$VOFW_ROOT/build/bin" ] || VOFW_BIN=build/bin
fi
case $VOFW_BIN in
/*) ;;
*) VOFW_BIN=$VOFW_ROOT/$VOFW_BIN ;;
esac
# VOFW_TOOLS: the test tools, $(BUILD)/tools: beside bin/, or in VOFW_BIN.
if [ -z "${VOFW_TOOLS:-}" ]; then
	case $VOFW_BIN in
	*/bin) VOFW_TOOLS=${VOFW_BIN%/bin}/tools ;;
	*) VOFW_TOOLS=$VOFW_BIN/tools ;;
	esac
	[ -d "$VOFW_TOOLS" ] || [ ! -d "$VOFW_BIN/tools" ] ||
	    VOFW_TOOLS=$VOFW_BIN/tools
fi
export VOFW_ROOT VOFW_BIN VOFW_TOOLS
TB_HRAC=$VOFW_BIN/hrac
TB_HRAS=$VOFW_BIN/hras
TB_UDPTOOL=$VOFW_TOOLS/udptool
TB_LOGSINK=$VOFW_TOOLS/logsink
TB_DELAYLINE=$VOFW_TOOLS/delayline

TB_DIR=${TB_DIR:-}
_TB_UP=
_TB_NS=
_TB_SQUID_MODE=
_TB_SQUID_USER=
_TB_SQUID_PASS=

# --- small helpers -----------------------------------------------------------

# _tb_now_ms: milliseconds on a clock good enough for deadlines.
_tb_now_ms() {
	date +%s%3N
}

# _tb_deadline SECONDS: print the deadline, in ms, SECONDS (may be
# fractional) from now.
_tb_deadline() {
	awk -v now="$(_tb_now_ms)" -v s="$1" \
	    'BEGIN { printf "%.0f\n", now + s * 1000 }'
}

# _tb_proc_field PID N: print field N (counted after the command name, so
# 1 is the state, 20 the start time) of /proc/PID/stat, or nothing.
_tb_proc_field() {
	sed -n 's/^.*) //p' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f"$2"
}

# _tb_alive NAME: true if the process recorded for NAME still runs (the
# same process: PID and start time match; a zombie counts as gone).
_tb_alive() {
	[ -n "${TB_DIR:-}" ] && [ -f "$TB_DIR/$1.pid" ] || return 1
	_tb_pid=$(cat "$TB_DIR/$1.pid")
	_tb_st=$(_tb_proc_field "$_tb_pid" 1)
	[ -n "$_tb_st" ] && [ "$_tb_st" != Z ] || return 1
	[ "$(_tb_proc_field "$_tb_pid" 20)" = "$(cat "$TB_DIR/$1.start")" ]
}

# _tb_ns_exec NS CMD...: run CMD in namespace NS ("-" means this one).
_tb_ns_exec() {
	_tb_ns=$1
	shift
	if [ "$_tb_ns" = - ]; then
		"$@"
	else
		ip netns exec "$_tb_ns" "$@"
	fi
}

# --- failure and teardown ----------------------------------------------------

# tb_fail MSG: print MSG and the tail of every log of this run, exit 1.
tb_fail() {
	echo "FAIL: $*" >&2
	if [ -n "${TB_DIR:-}" ] && [ -d "$TB_DIR" ]; then
		find "$TB_DIR" -name '*.log' -type f | sort |
		while read -r _tb_log; do
			echo "---- ${_tb_log#"$TB_DIR"/} (last 30 lines) ----" >&2
			tail -n 30 "$_tb_log" >&2
		done
		echo "---- end of logs ----" >&2
	fi
	exit 1
}

# _tb_on_exit: the EXIT trap; keeps the script's exit status.
_tb_on_exit() {
	_tb_rc=$?
	tb_down
	exit "$_tb_rc"
}

# _tb_on_signal STATUS: the INT/TERM trap.
_tb_on_signal() {
	trap - INT TERM
	echo "testbed: interrupted, tearing down" >&2
	exit "$1"	# runs the EXIT trap, hence tb_down
}

# tb_down: stop every process started here, delete this run's namespaces,
# remove $TB_DIR unless TB_KEEP=1.  Idempotent; never fails.
tb_down() {
	[ -n "$_TB_UP" ] || return 0
	if [ -n "${TB_DIR:-}" ] && [ -d "$TB_DIR" ]; then
		# Signal everything first so that slow exits overlap.
		for _tb_pf in "$TB_DIR"/*.pid; do
			[ -f "$_tb_pf" ] || continue
			_tb_name=${_tb_pf##*/}
			_tb_term "${_tb_name%.pid}"
		done
		for _tb_pf in "$TB_DIR"/*.pid; do
			[ -f "$_tb_pf" ] || continue
			_tb_name=${_tb_pf##*/}
			_tb_name=${_tb_name%.pid}
			# Squid needs ~3 s even with shutdown_lifetime 1.
			case $_tb_name in
			squid) _tb_reap "$_tb_name" 6 || true ;;
			*) _tb_reap "$_tb_name" 3 || true ;;
			esac
		done
	fi
	for _tb_n in $_TB_NS; do
		ip netns delete "$_tb_n" 2>/dev/null || true
	done
	_TB_NS=
	if [ -n "${TB_DIR:-}" ] && [ -d "$TB_DIR" ]; then
		if [ "${TB_KEEP:-0}" = 1 ]; then
			echo "testbed: kept $TB_DIR" >&2
		else
			rm -rf "$TB_DIR"
		fi
	fi
	_TB_UP=
}

# --- the network -------------------------------------------------------------

# _tb_ns_add NS: create namespace NS, remember it, bring up lo, no IPv6
# (whose router solicitations and MLD would pollute the byte counters).
_tb_ns_add() {
	ip netns add "$1" || tb_fail "ip netns add $1"
	_TB_NS="$_TB_NS $1"
	ip -n "$1" link set lo up || tb_fail "lo up in $1"
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1 ||
	    tb_fail "disable IPv6 in $1"
}

# _tb_firewall: load the firewall's ruleset into $TB_FW.
_tb_firewall() {
	ip netns exec "$TB_FW" nft -f - <<EOF || tb_fail "nft ruleset"
table inet vofw {
	# Every packet entering FW from the LAN / leaving FW to the LAN,
	# counted at layer 3 (IP header and up): what crossed the firewall.
	counter lan_in {
	}
	counter lan_out {
	}

	chain count_in {
		type filter hook prerouting priority raw; policy accept;
		iifname "lan" counter name "lan_in"
	}

	chain count_out {
		type filter hook postrouting priority 300; policy accept;
		oifname "lan" counter name "lan_out"
	}

	chain input {
		type filter hook input priority filter; policy drop;
		iifname "lo" accept
		iifname "lan" ct state established,related counter accept comment "lan established"
		iifname "lan" ip daddr $TB_FW_LAN_IP tcp dport $TB_PROXY_PORT ct state new counter accept comment "lan to proxy"
		iifname "wan" ct state established,related counter accept comment "wan established"
		iifname "lan" counter comment "lan dropped"
		iifname "wan" counter comment "wan dropped"
	}

	# Nothing is routed for the LAN: the proxy is the only way out.
	chain forward {
		type filter hook forward priority filter; policy drop;
		iifname "lan" counter comment "lan forward dropped"
	}

	chain output {
		type filter hook output priority filter; policy accept;
	}

	# The usual NAT of a company firewall; unused while forward drops.
	chain postrouting {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "wan" masquerade
	}
}
EOF
}

# tb_up: build the three namespaces, the links and the firewall; make
# $TB_DIR; install the teardown trap.
tb_up() {
	[ -z "$_TB_UP" ] || return 0
	[ "$(id -u)" = 0 ] || tb_fail "the testbed needs root"
	_TB_UP=1
	trap _tb_on_exit EXIT
	trap '_tb_on_signal 130' INT
	trap '_tb_on_signal 143' TERM
	TB_DIR=$(mktemp -d "${TMPDIR:-/tmp}/vofw-tb.$TB_ID.XXXXXX") ||
	    tb_fail "mktemp"
	# Squid and nginx workers drop privileges and must reach their dirs.
	chmod 755 "$TB_DIR" || tb_fail "chmod $TB_DIR"
	export TB_DIR

	_tb_ns_add "$TB_LAN"
	_tb_ns_add "$TB_FW"
	_tb_ns_add "$TB_WAN"

	# Created inside FW so no name is ever taken in the host namespace.
	ip -n "$TB_FW" link add lan type veth peer name eth0 netns "$TB_LAN" ||
	    tb_fail "veth lan"
	ip -n "$TB_FW" link add wan type veth peer name eth0 netns "$TB_WAN" ||
	    tb_fail "veth wan"

	ip -n "$TB_FW" addr add "$TB_FW_LAN_IP/24" dev lan &&
	ip -n "$TB_FW" addr add "$TB_FW_WAN_IP/24" dev wan &&
	ip -n "$TB_FW" link set lan up &&
	ip -n "$TB_FW" link set wan up &&
	ip netns exec "$TB_FW" sysctl -qw net.ipv4.ip_forward=1 ||
	    tb_fail "FW addresses"

	for _tb_i in 2 3 4 5 6 7 8 9; do
		ip -n "$TB_LAN" addr add "10.77.0.$_tb_i/24" dev eth0 ||
		    tb_fail "LAN address 10.77.0.$_tb_i"
	done
	ip -n "$TB_LAN" link set eth0 up &&
	ip -n "$TB_LAN" route add default via "$TB_FW_LAN_IP" ||
	    tb_fail "LAN link"

	for _tb_i in 10 11 12 13 14 15 16 17 18 19; do
		ip -n "$TB_WAN" addr add "198.51.100.$_tb_i/24" dev eth0 ||
		    tb_fail "WAN address 198.51.100.$_tb_i"
	done
	ip -n "$TB_WAN" link set eth0 up &&
	ip -n "$TB_WAN" route add default via "$TB_FW_WAN_IP" ||
	    tb_fail "WAN link"

	_tb_firewall
}

# tb_run_lan CMD...: run CMD in the LAN namespace.
tb_run_lan() {
	ip netns exec "$TB_LAN" "$@"
}

# tb_run_fw CMD...: run CMD in the firewall namespace.
tb_run_fw() {
	ip netns exec "$TB_FW" "$@"
}

# tb_run_wan CMD...: run CMD in the WAN namespace.
tb_run_wan() {
	ip netns exec "$TB_WAN" "$@"
}

# tb_fw_lan_bytes [in|out|both]: print the bytes (IP packets, headers
# included) that entered FW from the LAN (default), left FW to the LAN,
# or both added up, since tb_up or tb_fw_reset.
tb_fw_lan_bytes() {
	case ${1:-in} in
	in | out)
		ip netns exec "$TB_FW" nft list counter inet vofw "lan_${1:-in}" |
		    sed -n 's/.*bytes \([0-9][0-9]*\).*/\1/p'
		;;
	both)
		echo $(($(tb_fw_lan_bytes in) + $(tb_fw_lan_bytes out)))
		;;
	*)
		tb_fail "tb_fw_lan_bytes: in, out or both, not '$1'"
		;;
	esac
}

# tb_fw_allow IP PORT: let the LAN open TCP connections to IP:PORT, the
# firewall's own LAN address (input) or an address in WAN (forwarded).
tb_fw_allow() {
	if [ "$1" = "$TB_FW_LAN_IP" ]; then
		ip netns exec "$TB_FW" nft add rule inet vofw input \
		    iifname lan ip daddr "$1" tcp dport "$2" ct state new \
		    accept || tb_fail "tb_fw_allow $1 $2"
	else
		ip netns exec "$TB_FW" nft insert rule inet vofw forward \
		    iifname lan ip daddr "$1" tcp dport "$2" accept &&
		ip netns exec "$TB_FW" nft insert rule inet vofw forward \
		    iifname wan ct state established,related accept ||
		    tb_fail "tb_fw_allow $1 $2"
	fi
}

# tb_fw_reset: zero the LAN-side byte counters.
tb_fw_reset() {
	ip netns exec "$TB_FW" nft reset counter inet vofw lan_in >/dev/null &&
	ip netns exec "$TB_FW" nft reset counter inet vofw lan_out >/dev/null
}

# --- a distant, lossy uplink ---------------------------------------------------

# The NFQUEUE queue of tb_impair's delay line (queues are per namespace).
TB_IMPAIR_QUEUE=7714

# tb_impair RTT_MS LOSS_PERMILLE: make the firewall's WAN link (its
# interface wan) distant and lossy, both ways: every packet crossing it,
# WAN -> FW (prerouting, iif wan: to Squid, or routed on to the LAN) and
# FW -> WAN (postrouting, oif wan: from Squid, or routed from the LAN), is
# dropped with probability LOSS_PERMILLE / 1000 (nftables numgen random,
# table inet vofw_impair) and the rest are held RTT_MS / 2 by a delay
# line (tests/tools/delayline, NFQUEUE, in FW).  Every path between LAN
# and WAN crosses that link once each way, so it gains RTT_MS of round
# trip and loses LOSS_PERMILLE per mille each way: the tunnel's TCP
# segments and ACKs (Squid <-> hras) as much as direct UDP.  Replaces an
# earlier impairment; 0 0 is none.
#
# The queue rules are iptables-nft's (its table ip mangle): this kernel
# has no nft `queue` expression, only xtables' NFQUEUE target, which nft
# reaches through nft_compat.  No `--queue-bypass`: if the line died, the
# link would carry nothing, which no test can miss.
tb_impair() {
	[ $# -eq 2 ] || tb_fail "usage: tb_impair RTT_MS LOSS_PERMILLE"
	case $1/$2 in
	*[!0-9/]* | /* | */) tb_fail "tb_impair: '$1' '$2': not numbers" ;;
	esac
	[ "$1" -le 10000 ] && [ "$2" -le 1000 ] ||
	    tb_fail "tb_impair: RTT_MS 0..10000, LOSS_PERMILLE 0..1000"
	tb_impair_clear
	# The loss goes first (mangle - 5): a dropped packet is never held.
	ip netns exec "$TB_FW" nft -f - <<EOF || tb_fail "nft impairment"
table inet vofw_impair {
	chain wan_in {
		type filter hook prerouting priority mangle - 5; policy accept;
		iifname "wan" numgen random mod 1000 < $2 counter drop
	}
	chain wan_out {
		type filter hook postrouting priority mangle - 5; policy accept;
		oifname "wan" numgen random mod 1000 < $2 counter drop
	}
}
EOF
	[ "$1" -gt 0 ] || return 0
	[ -x "$TB_DELAYLINE" ] || tb_fail "$TB_DELAYLINE missing (make tools)"
	tb_start delayline "$TB_FW" "$TB_DELAYLINE" "$TB_IMPAIR_QUEUE" \
	    $(($1 * 500))
	tb_wait_log delayline 'bound' 5
	for _tb_r in "PREROUTING -i wan" "POSTROUTING -o wan"; do
		# shellcheck disable=SC2086  # chain and match, two words each
		ip netns exec "$TB_FW" iptables-nft -t mangle -A $_tb_r \
		    -j NFQUEUE --queue-num "$TB_IMPAIR_QUEUE" ||
		    tb_fail "iptables-nft NFQUEUE $_tb_r"
	done
}

# tb_impair_clear: take tb_impair's rules out, then stop its delay line
# (only the PID tb_impair started), which first releases what it holds.
tb_impair_clear() {
	for _tb_r in "PREROUTING -i wan" "POSTROUTING -o wan"; do
		# shellcheck disable=SC2086
		while ip netns exec "$TB_FW" iptables-nft -t mangle -D $_tb_r \
		    -j NFQUEUE --queue-num "$TB_IMPAIR_QUEUE" 2>/dev/null; do
			:
		done
	done
	ip netns exec "$TB_FW" nft delete table inet vofw_impair 2>/dev/null ||
	    true
	tb_stop delayline
}

# tb_impair_drops: print the packets tb_impair's loss dropped so far,
# WAN -> FW then FW -> WAN ("0 0" when no loss is set).
tb_impair_drops() {
	for _tb_c in wan_in wan_out; do
		ip netns exec "$TB_FW" nft list chain inet vofw_impair \
		    "$_tb_c" 2>/dev/null |
		    awk '/numgen random/ { for (i = 1; i < NF; i++)
			if ($i == "packets") { print $(i + 1); f = 1 } }
			END { if (!f) print 0 }'
	done | paste -sd' '
}

# --- processes -----------------------------------------------------------------

# tb_start NAME NS CMD...: start CMD in the background in namespace NS
# ("-" for this one), output to $TB_DIR/NAME.log, PID to $TB_DIR/NAME.pid.
tb_start() {
	[ $# -ge 3 ] || tb_fail "usage: tb_start NAME NS CMD..."
	[ -n "${TB_DIR:-}" ] || tb_fail "tb_start $1: tb_up first"
	if _tb_alive "$1"; then
		tb_fail "tb_start $1: already running"
	fi
	_tb_name=$1
	shift
	_tb_ns=$1
	shift
	# A simple command, not a function: so the background child execs it
	# (and `ip netns exec` execs CMD), and $! is CMD itself.
	if [ "$_tb_ns" = - ]; then
		"$@" </dev/null >"$TB_DIR/$_tb_name.log" 2>&1 &
	else
		ip netns exec "$_tb_ns" "$@" </dev/null \
		    >"$TB_DIR/$_tb_name.log" 2>&1 &
	fi
	echo $! >"$TB_DIR/$_tb_name.pid"
	_tb_proc_field $! 20 >"$TB_DIR/$_tb_name.start"
}

# tb_adopt NAME PID: record PID, a process a started one forked (a
# daemon's worker), as NAME: tb_stop and tb_down then stop it by PID too.
tb_adopt() {
	[ -n "${TB_DIR:-}" ] || tb_fail "tb_adopt $1: tb_up first"
	_tb_st=$(_tb_proc_field "$2" 20)
	[ -n "$_tb_st" ] || tb_fail "tb_adopt $1: no process $2"
	echo "$2" >"$TB_DIR/$1.pid"
	echo "$_tb_st" >"$TB_DIR/$1.start"
}

# tb_pid NAME: print the PID recorded for NAME.
tb_pid() {
	cat "$TB_DIR/$1.pid"
}

# tb_running NAME: true while the process started as NAME runs.
tb_running() {
	_tb_alive "$1"
}

# _tb_term NAME: send SIGTERM to the process started as NAME, if it runs.
_tb_term() {
	if _tb_alive "$1"; then
		kill -TERM "$(cat "$TB_DIR/$1.pid")" 2>/dev/null || true
	fi
}

# _tb_reap NAME GRACE_S: wait up to GRACE_S for NAME to exit, SIGKILL it
# then, reap it and forget it.  Fails only if it survives SIGKILL.
_tb_reap() {
	[ -n "${TB_DIR:-}" ] && [ -f "$TB_DIR/$1.pid" ] || return 0
	_tb_spid=$(cat "$TB_DIR/$1.pid")
	_tb_dl=$(_tb_deadline "$2")
	while _tb_alive "$1" && [ "$(_tb_now_ms)" -lt "$_tb_dl" ]; do
		sleep 0.05
	done
	if _tb_alive "$1"; then
		echo "testbed: $1 ($_tb_spid) still runs after SIGTERM and" \
		    "$2 s, sending SIGKILL" >&2
		kill -KILL "$_tb_spid" 2>/dev/null || true
		_tb_dl=$(_tb_deadline 2)
		while _tb_alive "$1" && [ "$(_tb_now_ms)" -lt "$_tb_dl" ]; do
			sleep 0.05
		done
	fi
	if _tb_alive "$1"; then
		echo "testbed: $1 ($_tb_spid) survived SIGKILL" >&2
		return 1
	fi
	# Reap it if it is our child (no-op otherwise).
	wait "$_tb_spid" 2>/dev/null || true
	rm -f "$TB_DIR/$1.pid" "$TB_DIR/$1.start"
}

# tb_stop NAME [GRACE_S]: SIGTERM the process started as NAME (only that
# PID), SIGKILL it if it still runs after GRACE_S (default 3) seconds.
tb_stop() {
	_tb_term "$1"
	_tb_reap "$1" "${2:-3}"
}

# tb_wait_log NAME REGEX TIMEOUT_S: wait until $TB_DIR/NAME.log matches
# the extended REGEX; fail (with the logs) on timeout or if NAME exits.
tb_wait_log() {
	_tb_dl=$(_tb_deadline "$3")
	while ! grep -Eq -- "$2" "$TB_DIR/$1.log" 2>/dev/null; do
		if [ -f "$TB_DIR/$1.pid" ] && ! _tb_alive "$1"; then
			grep -Eq -- "$2" "$TB_DIR/$1.log" 2>/dev/null &&
			    return 0
			tb_fail "$1 exited before its log matched /$2/"
		fi
		if [ "$(_tb_now_ms)" -ge "$_tb_dl" ]; then
			tb_fail "$1.log did not match /$2/ within $3 s"
		fi
		sleep 0.1
	done
}

# tb_wait_tcp NS IP PORT TIMEOUT_S: wait until a TCP connection from
# namespace NS to IP:PORT succeeds; fail on timeout.
tb_wait_tcp() {
	_tb_dl=$(_tb_deadline "$4")
	until _tb_ns_exec "$1" timeout 1 bash -c \
	    'exec 3<>"/dev/tcp/$0/$1"' "$2" "$3" 2>/dev/null; do
		if [ "$(_tb_now_ms)" -ge "$_tb_dl" ]; then
			tb_fail "no TCP listener on $2:$3 (from $1) within $4 s"
		fi
		sleep 0.1
	done
}

# tb_wait_listen NS IP PORT TIMEOUT_S: wait until something in namespace
# NS listens on TCP IP:PORT (or *:PORT); fail on timeout.  Unlike
# tb_wait_tcp it makes no connection, so no server logs a stray client.
tb_wait_listen() {
	_tb_dl=$(_tb_deadline "$4")
	until _tb_ns_exec "$1" ss -Hltn "sport = :$3" 2>/dev/null |
	    awk -v a="$2:$3" -v p="$3" '$4 == a || $4 == "*:" p ||
	    $4 == "0.0.0.0:" p { f = 1 } END { exit !f }'; do
		if [ "$(_tb_now_ms)" -ge "$_tb_dl" ]; then
			tb_fail "nothing listens on $2:$3 in $1 within $4 s"
		fi
		sleep 0.1
	done
}

# --- Squid, the company's HTTP proxy, in FW -----------------------------------

# _tb_squid_base: the lines every testbed Squid shares (files in $_tb_sd,
# no cache, no DNS, nothing left behind), for a squid.conf here-document.
_tb_squid_base() {
	cat <<EOF
visible_hostname vofw-fw
cache_effective_user proxy
cache_effective_group proxy
pid_filename $_tb_sd/squid.pid
cache_log $_tb_sd/cache.log
access_log stdio:$_tb_sd/access.log
cache_store_log none
logfile_rotate 0
coredump_dir $_tb_sd
# Nothing may leave the namespaces: no DNS but a dead local resolver.
dns_nameservers 127.0.0.1
cache deny all
cache_mem 8 MB
shutdown_lifetime 1 seconds
pinger_enable off
icp_port 0
htcp_port 0
netdb_filename none
acl lan src 10.77.0.0/24
EOF
}

# A CA (ca.pem, ca.key) and hras's certificate for address IP signed by it
# (hras.pem, hras.key) in DIR, the keys readable by the daemons' group.
tb_tls_certs() {	# tb_tls_certs DIR IP
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
	    -subj '/CN=vofw test CA' -keyout "$1/ca.key" -out "$1/ca.pem" \
	    2>/dev/null &&
	openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" \
	    -keyout "$1/hras.key" -out "$1/hras.csr" 2>/dev/null &&
	printf 'subjectAltName=IP:%s\n' "$2" >"$1/san.ext" &&
	openssl x509 -req -in "$1/hras.csr" -CA "$1/ca.pem" \
	    -CAkey "$1/ca.key" -CAcreateserial -days 2 \
	    -extfile "$1/san.ext" -out "$1/hras.pem" 2>/dev/null &&
	chgrp vofw "$1/ca.key" "$1/hras.key" &&
	chmod 640 "$1/ca.key" "$1/hras.key" ||
	    tb_fail "cannot make TLS certificates in $1"
}

# tb_squid_start [auth USER PASS]: Squid on 10.77.0.1:3128 for the LAN,
# CONNECT to any port, optionally with Basic proxy authentication.
# TB_SQUID_RULES, when set, goes in before the http_access lines (for
# example a deny rule a test needs).
tb_squid_start() {
	_TB_SQUID_MODE=${1:-}
	case $_TB_SQUID_MODE in
	"") ;;
	auth)
		[ $# -eq 3 ] || tb_fail "usage: tb_squid_start [auth USER PASS]"
		_TB_SQUID_USER=$2
		_TB_SQUID_PASS=$3
		;;
	*)
		tb_fail "tb_squid_start: unknown mode '$1'"
		;;
	esac
	_tb_sd=$TB_DIR/squid
	mkdir -p "$_tb_sd" && chown proxy:proxy "$_tb_sd" ||
	    tb_fail "squid dir"
	{
		cat <<EOF
# Squid for the VoFW testbed: the company proxy between LAN and WAN.
http_port $TB_FW_LAN_IP:$TB_PROXY_PORT
$(_tb_squid_base)
${TB_SQUID_RULES:-}
EOF
		if [ "$_TB_SQUID_MODE" = auth ]; then
			cat <<EOF
auth_param basic program /usr/lib/squid/basic_ncsa_auth $_tb_sd/passwd
auth_param basic children 2
auth_param basic realm vofw-testbed
acl authed proxy_auth REQUIRED
http_access allow lan authed
EOF
		else
			echo "http_access allow lan"
		fi
		# No SSL_ports rule: CONNECT to 8080 or 8443 is allowed.
		echo "http_access deny all"
	} >"$_tb_sd/squid.conf" || tb_fail "squid.conf"
	if [ "$_TB_SQUID_MODE" = auth ]; then
		_tb_hash=$(openssl passwd -apr1 "$_TB_SQUID_PASS") ||
		    tb_fail "openssl passwd"
		printf '%s:%s\n' "$_TB_SQUID_USER" "$_tb_hash" \
		    >"$_tb_sd/passwd" && chmod 644 "$_tb_sd/passwd" ||
		    tb_fail "squid passwd"
	fi
	tb_start squid "$TB_FW" squid -N -f "$_tb_sd/squid.conf"
	tb_wait_listen "$TB_FW" "$TB_FW_LAN_IP" "$TB_PROXY_PORT" 20
}

# tb_squid_stop: stop Squid.  It closes its port at once, gives open
# connections shutdown_lifetime (1 s), and exits about 3 s after SIGTERM.
tb_squid_stop() {
	tb_stop squid 6
}

# tb_squid_restart: stop Squid and start it again with the same options.
tb_squid_restart() {
	tb_squid_stop
	if [ "$_TB_SQUID_MODE" = auth ]; then
		tb_squid_start auth "$_TB_SQUID_USER" "$_TB_SQUID_PASS"
	else
		tb_squid_start
	fi
}

# --- Squid inspecting TLS (ssl_bump), in FW ----------------------------------

# tb_squid_bump_start CA_PEM CA_KEY UPSTREAM_CA [SPLICE_IP]: Squid built
# with OpenSSL on 10.77.0.1:3128 in Squid's place, bumping every CONNECT:
# it opens TLS to the server itself (trusting UPSTREAM_CA) and shows the
# client a certificate for the same name that the company CA (CA_PEM,
# CA_KEY) signs.  Connections to SPLICE_IP are spliced instead (passed
# through untouched: the exception an administrator gives a host).  The
# binary is squid-openssl's, unpacked by tests/lib/install-deps.sh unless
# the installed squid has OpenSSL.
tb_squid_bump_start() {
	[ $# -ge 3 ] ||
	    tb_fail "usage: tb_squid_bump_start CA_PEM CA_KEY UPSTREAM_CA [SPLICE_IP]"
	_tb_sq=squid
	_tb_lib=/usr/lib/squid
	if ! squid -v 2>/dev/null | grep -q -- --with-openssl; then
		_tb_sq=/var/cache/vofw-tests/squid-openssl/usr/sbin/squid
		_tb_lib=/var/cache/vofw-tests/squid-openssl/usr/lib/squid
		[ -x "$_tb_sq" ] || tb_fail "no Squid with OpenSSL: run" \
		    "tests/lib/install-deps.sh"
	fi
	_tb_sd=$TB_DIR/squid
	mkdir -p "$_tb_sd" || tb_fail "squid dir"
	cat "$1" "$2" >"$_tb_sd/bump.pem" || tb_fail "bump CA"
	[ -d "$_tb_sd/certs" ] ||
	    "$_tb_lib/security_file_certgen" -c -s "$_tb_sd/certs" -M 4MB \
	    >/dev/null || tb_fail "security_file_certgen -c"
	chown -R proxy:proxy "$_tb_sd" && chmod 600 "$_tb_sd/bump.pem" ||
	    tb_fail "squid dir owner"
	{
		cat <<EOF
# Squid inspecting TLS for the VoFW testbed: the company proxy bumps
# every CONNECT and re-signs with the company CA.
http_port $TB_FW_LAN_IP:$TB_PROXY_PORT ssl-bump tls-cert=$_tb_sd/bump.pem generate-host-certificates=on dynamic_cert_mem_cache_size=4MB
sslcrtd_program $_tb_lib/security_file_certgen -s $_tb_sd/certs -M 4MB
sslcrtd_children 2
tls_outgoing_options cafile=$3
$(_tb_squid_base)
acl step1 at_step SslBump1
EOF
		if [ -n "${4:-}" ]; then
			echo "acl exempt dst $4"
			echo "ssl_bump splice exempt"
		fi
		cat <<EOF
ssl_bump peek step1
ssl_bump bump all
http_access allow lan
http_access deny all
EOF
	} >"$_tb_sd/squid.conf" || tb_fail "squid.conf"
	tb_start squid "$TB_FW" "$_tb_sq" -N -f "$_tb_sd/squid.conf"
	tb_wait_listen "$TB_FW" "$TB_FW_LAN_IP" "$TB_PROXY_PORT" 20
}

# --- tinyproxy, a small-office HTTP proxy, in FW ------------------------------

# tb_tinyproxy_start: tinyproxy (Debian's 1.11) on 10.77.0.1:3128 for the
# LAN instead of Squid, CONNECT to any port.  It answers in HTTP/1.0 and
# closes the client's connection after each response; it has no cache.
tb_tinyproxy_start() {
	_tb_td=$TB_DIR/tinyproxy
	mkdir -p "$_tb_td" && chown nobody:nogroup "$_tb_td" ||
	    tb_fail "tinyproxy dir"
	cat >"$_tb_td/tinyproxy.conf" <<EOF || tb_fail "tinyproxy.conf"
# tinyproxy for the VoFW testbed: the small office's proxy.
User nobody
Group nogroup
Listen $TB_FW_LAN_IP
Port $TB_PROXY_PORT
Timeout 600
LogFile "$_tb_td/tinyproxy.log"
LogLevel Info
PidFile "$_tb_td/tinyproxy.pid"
MaxClients 100
Allow 10.77.0.0/24
ViaProxyName "tinyproxy"
EOF
	tb_start tinyproxy "$TB_FW" tinyproxy -d -c "$_tb_td/tinyproxy.conf"
	tb_wait_listen "$TB_FW" "$TB_FW_LAN_IP" "$TB_PROXY_PORT" 10
}

# --- nginx in WAN -------------------------------------------------------------

# _tb_nginx NAME SERVER_BLOCK [NS]: start an nginx instance NAME in NS
# (default WAN) with its own prefix, config, pid file and temp dirs under
# $TB_DIR/NAME.
_tb_nginx() {
	_tb_nd=$TB_DIR/$1
	for _tb_t in client_body proxy fastcgi uwsgi scgi; do
		mkdir -p "$_tb_nd/$_tb_t" || tb_fail "nginx dir"
	done
	chown -R nobody:nogroup "$_tb_nd" || tb_fail "nginx dir owner"
	cat >"$_tb_nd/nginx.conf" <<EOF || tb_fail "nginx.conf"
# nginx for the VoFW testbed ($1).
daemon off;
master_process on;
worker_processes 1;
user nobody nogroup;
pid $_tb_nd/nginx.pid;
error_log $_tb_nd/error.log info;
events {
	worker_connections 256;
}
http {
	access_log $_tb_nd/access.log;
	default_type text/plain;
	client_body_temp_path $_tb_nd/client_body;
	proxy_temp_path $_tb_nd/proxy;
	fastcgi_temp_path $_tb_nd/fastcgi;
	uwsgi_temp_path $_tb_nd/uwsgi;
	scgi_temp_path $_tb_nd/scgi;
	$2
}
EOF
	# -e: the error log before the config is read, never /var/log.
	tb_start "$1" "${3:-$TB_WAN}" nginx -p "$_tb_nd" \
	    -c "$_tb_nd/nginx.conf" -e "$_tb_nd/error.log"
}

# tb_nginx_start: nginx on 198.51.100.11:8080 as a reverse proxy to hras
# (198.51.100.10:8080) with nginx's default buffering (request and response
# buffered, HTTP/1.0 upstream): a buffering path in front of hras.
tb_nginx_start() {
	_tb_nginx nginx "server {
		listen $TB_NGINX_IP:8080;
		location / {
			proxy_pass http://$TB_WAN_IP:8080;
		}
	}"
	tb_wait_listen "$TB_WAN" "$TB_NGINX_IP" 8080 10
}

# tb_nginx_stop: stop the reverse proxy.
tb_nginx_stop() {
	tb_stop nginx
}

# tb_web_start IP PORT DIR [NS]: a static web server (nginx, named "web")
# in NS (default WAN) serving DIR on IP:PORT, for tests that need an
# outside HTTP server (or, in FW, the company's own: tb_fw_allow).
tb_web_start() {
	chmod -R a+rX "$3" || tb_fail "tb_web_start: $3"
	_tb_nginx web "server {
		listen $1:$2;
		root $3;
	}" "${4:-$TB_WAN}"
	tb_wait_listen "${4:-$TB_WAN}" "$1" "$2" 10
}

# tb_web_stop: stop the static web server.
tb_web_stop() {
	tb_stop web
}
