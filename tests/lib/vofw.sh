# shellcheck shell=sh
# VoFW helpers for integration tests, on top of testbed.sh (source that
# first): configuration files for the two halves, starting them in their
# namespaces, and pushing datagrams through the tunnel's hook.
#
# Addresses used: hras 198.51.100.10 (tunnel :8080, hook :7002 -> WAN
# receiver 198.51.100.12:7003); hrac 10.77.0.2 (hook :7000 -> LAN receiver
# 10.77.0.3:7001).

# vofw_secret: print a new client secret, as an administrator makes one
# (hex, so that it can stand in a sed expression).
vofw_secret() {
	openssl rand -hex 32
}

VOFW_SECRET=${VOFW_SECRET:-$(vofw_secret)}
# Tests use short tunnel timers so that failures show in seconds; set
# VOFW_TIMERS="" for the daemons' defaults (keepalive 15 s, timeout 45 s).
# VOFW_MEDIA_EXTRA goes into both halves' media group, e.g. "timeout = 5;"
# (seconds without RTP before a call is ended; default 30, minimum 5).
# VOFW_SIP_EXTRA goes into both halves' sip group, e.g. "timer_c = 8;".

# HRAS_LIMITS is hras's limits group. Tests send bursts of SIP (t_load:
# 20 calls a second) from the testbed's own WAN addresses, 198.51.100.1 to
# .31, which it allow-lists by default; an attacker in a test lives outside
# that range (198.51.100.66) and meets the limits the test sets, or the
# shipped ones (more than 16 requests in 2 s bans for 300 s).
HRAS_LIMITS=${HRAS_LIMITS-limits = \{ allow = [ \"198.51.100.0/27\" ]; \};}

# vofw_hras_conf FILE [EXTRA]: write an hras config; EXTRA is appended.
vofw_hras_conf() {
	cat >"$1" <<EOF || tb_fail "cannot write $1"
domains = [ "corp.example" ];
sip = { address = "$TB_WAN_IP"; port = 5060; ${VOFW_SIP_EXTRA:-} };
media = { address = "$TB_WAN_IP"; port_min = 20000; port_max = 20999;
    ${VOFW_MEDIA_EXTRA:-} };
tunnel = { address = "$TB_WAN_IP"; port = 8080;
    ${VOFW_TIMERS-keepalive = 2; timeout = 6;} ${HRAS_TUNNEL_EXTRA:-} };
clients = ( { id = "corp"; secret = "$VOFW_SECRET";
    domains = [ "corp.example" ]; } );
hook = { listen = { address = "$TB_WAN_IP"; port = 7002; };
    forward = { address = "198.51.100.12"; port = 7003; }; };
$HRAS_LIMITS
control = { socket = "$TB_DIR/hras.sock"; };
${2:-}
EOF
}

# vofw_hrac_conf FILE SERVER [PROXY [SECRET [TUNNEL_EXTRA [EXTRA]]]]:
# write an hrac config; PROXY may be "" for a direct connection.
vofw_hrac_conf() {
	{
		cat <<EOF
id = "corp";
secret = "${4:-$VOFW_SECRET}";
server = "$2";
sip = { address = "$TB_LAN_IP"; port = 5060; ${VOFW_SIP_EXTRA:-} };
media = { address = "$TB_LAN_IP"; port_min = 20000; port_max = 20999;
    ${VOFW_MEDIA_EXTRA:-} };
tunnel = { ${VOFW_TIMERS-timeout = 6; backoff_max = 2;} ${5:-} };
hook = { listen = { address = "$TB_LAN_IP"; port = 7000; };
    forward = { address = "10.77.0.3"; port = 7001; }; };
control = { socket = "$TB_DIR/hrac.sock"; };
${6:-}
EOF
		if [ -n "${3:-}" ]; then
			echo "proxy = \"$3\";"
		fi
	} >"$1" || tb_fail "cannot write $1"
}

# vofw_start_hras [ARGS...]: start hras in WAN with $TB_DIR/hras.conf.
vofw_start_hras() {
	# -n checks the addresses too: run it where hras runs.
	ip netns exec "$TB_WAN" "$TB_HRAS" -n -f "$TB_DIR/hras.conf" \
	    >/dev/null || tb_fail "hras rejects its config: $(ip netns exec \
	    "$TB_WAN" "$TB_HRAS" -n -f "$TB_DIR/hras.conf" 2>&1)"
	tb_start hras "$TB_WAN" ${VOFW_WRAP:-} "$TB_HRAS" -d \
	    -f "$TB_DIR/hras.conf" "$@"
	tb_wait_log hras 'tunnel listening' 10
}

# vofw_start_hrac: start hrac in LAN with $TB_DIR/hrac.conf.
vofw_start_hrac() {
	ip netns exec "$TB_LAN" "$TB_HRAC" -n -f "$TB_DIR/hrac.conf" \
	    >/dev/null || tb_fail "hrac rejects its config: $(ip netns exec \
	    "$TB_LAN" "$TB_HRAC" -n -f "$TB_DIR/hrac.conf" 2>&1)"
	tb_start hrac "$TB_LAN" ${VOFW_WRAP:-} "$TB_HRAC" -d \
	    -f "$TB_DIR/hrac.conf"
}

# vofw_count NAME REGEX: how many lines of NAME's log match REGEX.
vofw_count() {
	grep -Ec -- "$2" "$TB_DIR/$1.log" 2>/dev/null || true
}

# vofw_wait_count NAME REGEX N TIMEOUT_S: wait for N matching log lines.
vofw_wait_count() {
	_v_dl=$(( $(date +%s) + $4 ))
	while [ "$(vofw_count "$1" "$2")" -lt "$3" ]; do
		[ "$(date +%s)" -lt "$_v_dl" ] ||
		    tb_fail "$1.log: fewer than $3 lines match /$2/ after $4 s"
		sleep 0.1
	done
}

# vofw_push_up N: N datagrams from the LAN into hrac's hook must come out
# of hras in the WAN.
vofw_push_up() {
	tb_start rx_up "$TB_WAN" "$TB_UDPTOOL" recv 198.51.100.12 7003 "$1" \
	    5000
	sleep 0.3
	tb_run_lan "$TB_UDPTOOL" send -s 10.77.0.3 "$TB_LAN_IP" 7000 "$1" \
	    172 2000 || tb_fail "udptool send"
	tb_wait_log rx_up "^received " 8
	grep -q "^received $1\$" "$TB_DIR/rx_up.log" ||
	    tb_fail "upstream: $(cat "$TB_DIR/rx_up.log"), want $1"
	tb_stop rx_up
}

# vofw_push_down N: N datagrams from the WAN into hras's hook must come
# out of hrac in the LAN.
vofw_push_down() {
	tb_start rx_down "$TB_LAN" "$TB_UDPTOOL" recv 10.77.0.3 7001 "$1" 5000
	sleep 0.3
	tb_run_wan "$TB_UDPTOOL" send -s 198.51.100.12 "$TB_WAN_IP" 7002 \
	    "$1" 172 2000 || tb_fail "udptool send"
	tb_wait_log rx_down "^received " 8
	grep -q "^received $1\$" "$TB_DIR/rx_down.log" ||
	    tb_fail "downstream: $(cat "$TB_DIR/rx_down.log"), want $1"
	tb_stop rx_down
}

# vofw_pair_up: the usual start of a test: testbed, Squid, both halves
# with the default test configs (hrac through Squid), tunnel up.
vofw_pair_up() {
	tb_up
	tb_squid_start
	vofw_hras_conf "$TB_DIR/hras.conf"
	vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" \
	    "$TB_PROXY_URL"
	vofw_start_hras
	vofw_start_hrac
	tb_wait_log hrac 'tunnel up \(stream mode\)' 15
}

# vofw_register USER IP [PORT [DOMAIN [HRAC]]]: an inside phone registers
# USER@DOMAIN (default corp.example) at IP:PORT (default 5070) through the
# hrac at HRAC (default $TB_LAN_IP; sipp, tests/sipp/register.xml).
vofw_register() {
	ip netns exec "$TB_LAN" timeout 20 sipp -nostdin \
	    -sf "$VOFW_ROOT/tests/sipp/register.xml" \
	    -key domain "${4:-corp.example}" -s "$1" -i "$2" \
	    -p "${3:-5070}" -m 1 "${5:-$TB_LAN_IP}:5060" \
	    >"$TB_DIR/reg-$1.log" 2>&1 || tb_fail "$1 could not register"
}

# vofw_msg FILE sent|received ERE: print, without CRs, the first message
# in sipp's message trace FILE (-trace_msg -message_file) that sipp sent
# or received and whose first line matches ERE; nothing if there is none.
vofw_msg() {
	[ -f "$1" ] || return 0
	tr -d '\r' <"$1" | awk -v dir="$2" -v re="$3" '
	/^-----------------------------------------------/ {
		if (out) exit
		state = 1
		next
	}
	state == 1 { ok = index($0, "message " dir) > 0; state = 2; next }
	state == 2 { state = 3; next }	# the empty line after the title
	state == 3 { out = ok && $0 ~ re; state = 4 }
	out { print }'
}

# vofw_sdp PREFIX: from a message on stdin, print what follows PREFIX on
# its first line that starts with it: vofw_sdp m= gives "audio 20004
# RTP/AVP 0", vofw_sdp a=rtcp: gives "20005".
vofw_sdp() {
	awk -v p="$1" 'index($0, p) == 1 { print substr($0, length(p) + 1);
	    exit }'
}

# vofw_wait_msg FILE sent|received ERE TIMEOUT_S: wait until sipp's trace
# FILE holds such a message (see vofw_msg).
vofw_wait_msg() {
	_v_dl=$(($(date +%s) + $4))
	until [ -n "$(vofw_msg "$1" "$2" "$3")" ]; do
		[ "$(date +%s)" -lt "$_v_dl" ] ||
		    tb_fail "${1##*/}: no message /$3/ $2 within $4 s"
		sleep 0.1
	done
}

# vofw_wait_sipp NAME TIMEOUT_S: wait for the sipp started as NAME (with
# tb_start, -m 1) to end, and check that its call succeeded.
vofw_wait_sipp() {
	_v_dl=$(($(date +%s) + $2))
	while tb_running "$1"; do
		[ "$(date +%s)" -lt "$_v_dl" ] || tb_fail "$1 still runs"
		sleep 0.1
	done
	grep -qE '^  Successful call .* 1 *$' "$TB_DIR/$1.log" ||
	    tb_fail "$1: the call failed"
}
