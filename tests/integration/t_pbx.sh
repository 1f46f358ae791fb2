#!/bin/sh
# shellcheck disable=SC2015  # "a && b || tb_fail"
# An existing company PBX inside the LAN (docs/deployment.md, "With an
# existing PBX"): Kamailio on 10.77.0.5 is the registrar of corp.example
# and uses hrac as its outbound proxy for everything else; hrac's
# inside_proxy names it. The phones (sipp) register with Kamailio, never
# with hrac. Checked: Kamailio's config, registration with it, a call
# between two inside phones through it, an outside phone calling an inside
# one through hras, the tunnel, hrac and Kamailio (voice both ways), an
# inside phone calling out through Kamailio and hrac (voice both ways).
# And toll fraud refused (docs/security.md, "inside_proxy"): an outsider
# (198.51.100.66) calling a user the PBX never registered, a number its
# trunk would dial, or one naming the PBX in a Route, gets 404 from hrac
# and never reaches the PBX (inside_proxy_users names the PBX's users).
#
# PBX_NO_INSIDE_PROXY=1 leaves inside_proxy out of hrac.conf: the calls
# through the PBX must then fail.
# timeout: 120
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

S=$VOFW_ROOT/tests/sipp
PBX_IP=10.77.0.5
ALICE_IP=10.77.0.3		# inside phone, registered with the PBX
CAROL_IP=10.77.0.6		# inside phone, registered with the PBX
BOB_IP=198.51.100.14		# outside phone
EVE_IP=198.51.100.66		# an outsider trying toll fraud

command -v kamailio >/dev/null ||
    tb_fail "kamailio is not installed (tests/lib/install-deps.sh)"

# pbx_conf FILE: the company PBX. No database: registrations live in
# memory. Requests for corp.example go to the registered phone; anything
# else goes to hrac, the way out. Dialogs it forms are Record-Routed, so
# in-dialog requests come back through it (and it follows their Route).
pbx_conf() {
	cat >"$1" <<EOF || tb_fail "cannot write $1"
#!KAMAILIO
# The company PBX of the VoFW testbed (written by t_pbx.sh).
debug=2
log_stderror=yes
log_prefix="pbx: "
children=2
disable_tcp=yes
enable_sctp=no
auto_aliases=no
dns=no
rev_dns=no
use_dns_cache=off
dns_try_ipv6=no
listen=udp:$PBX_IP:5060
alias="corp.example"
server_header="Server: corp-pbx"

loadmodule "pv.so"
loadmodule "xlog.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"

modparam("usrloc", "db_mode", 0)
modparam("rr", "append_fromtag", 0)

request_route {
	if (!mf_process_maxfwd_header("10")) {
		sl_send_reply("483", "Too Many Hops");
		exit;
	}
	if (is_method("CANCEL")) {
		if (t_check_trans())
			t_relay();
		exit;
	}
	if (has_totag()) {
		# In a dialog: follow its route set.
		if (loose_route()) {
			xlog("L_INFO", "in-dialog \$rm to \$ru via \$du\n");
			route(RELAY);
		}
		if (is_method("ACK") && t_check_trans()) {
			t_relay();
			exit;
		}
		sl_send_reply("404", "Not Here");
		exit;
	}
	t_check_trans();
	remove_hf("Route");
	if (is_method("INVITE|SUBSCRIBE|REFER"))
		record_route();
	if (uri == myself) {
		if (is_method("REGISTER")) {
			if (!save("location"))
				sl_reply_error();
			xlog("L_INFO", "registered \$tU at \$(ct{nameaddr.uri})\n");
			exit;
		}
		if (!lookup("location")) {
			xlog("L_INFO", "\$rm for \$rU: no such user\n");
			sl_send_reply("404", "Not Found at the PBX");
			exit;
		}
		xlog("L_INFO", "\$rm for \$tU to \$ru\n");
		route(RELAY);
	}
	if (is_method("REGISTER")) {
		sl_send_reply("403", "Not Our Domain");
		exit;
	}
	# Foreign domains and outside users: hrac is the outbound proxy.
	\$du = "sip:$TB_LAN_IP:5060";
	xlog("L_INFO", "\$rm for \$ru out via hrac\n");
	route(RELAY);
}

route[RELAY] {
	if (!t_relay())
		sl_reply_error();
	exit;
}
EOF
}

# pbx_start: check the config, then run Kamailio in the foreground in
# the LAN, its pid file and runtime files in \$TB_DIR.
pbx_start() {
	mkdir -p "$TB_DIR/pbx" || tb_fail "mkdir pbx"
	pbx_conf "$TB_DIR/kamailio.cfg"
	tb_run_lan kamailio -c -f "$TB_DIR/kamailio.cfg" -Y "$TB_DIR/pbx" \
	    >"$TB_DIR/pbx-check.out" 2>&1 ||
	    tb_fail "kamailio rejects its config: $(tail -n 15 \
	    "$TB_DIR/pbx-check.out")"
	tb_start pbx "$TB_LAN" kamailio -DD -E -f "$TB_DIR/kamailio.cfg" \
	    -Y "$TB_DIR/pbx" -P "$TB_DIR/pbx/kamailio.pid" -m 32 -M 4
	_dl=$(( $(date +%s) + 10 ))
	until tb_run_lan ss -Hlun "sport = :5060" | grep -q "$PBX_IP:5060"; do
		tb_running pbx || tb_fail "kamailio exited"
		[ "$(date +%s)" -lt "$_dl" ] ||
		    tb_fail "kamailio does not listen on $PBX_IP:5060"
		sleep 0.1
	done
}

# sipp_run NS NAME ARGS...: sipp in a namespace, bounded, in the
# foreground, output in NAME.log, its errors in NAME.err.
sipp_run() {
	_ns=$1
	_name=$2
	shift 2
	ip netns exec "$_ns" timeout 40 sipp -nostdin -trace_err \
	    -error_file "$TB_DIR/$_name.err" -timeout 30 -timeout_error \
	    "$@" >"$TB_DIR/$_name.log" 2>&1
}

# register USER IP: USER@corp.example registers IP:5070 with the PBX.
register() {
	sipp_run "$TB_LAN" "reg-$1" -sf "$S/register.xml" -key domain corp.example -s "$1" -i "$2" \
	    -p 5070 -m 1 "$PBX_IP:5060" ||
	    tb_fail "$1 could not register with the PBX"
}

# answer NAME USER IP MEDIA_PORT: USER's phone at IP:5070 answers one call
# and echoes its voice.
answer() {
	tb_start "$1" "$TB_LAN" sipp -nostdin -sf "$S/pbx_uas.xml" -s "$2" \
	    -rtp_echo -i "$3" -p 5070 -mi "$3" -mp "$4" -m 1 -trace_msg \
	    -message_file "$TB_DIR/$1.msg"
	sleep 0.5
}

# echoed NAME: the answering phone NAME echoed a call's voice.
echoed() {
	grep -Eq '[0-9]{3} Total echo RTP pckts 1st stream' "$TB_DIR/$1.log"
}

# voice NAME N: NAME's log has N closed media flows, each with 200+
# packets each way.
voice() {
	awk -v want="$2" '/media flow .* closed:/ { n++
	    if ($(NF-3) < 200 || $(NF-1) < 200) bad = 1 }
	    END { exit !(n == want && !bad) }' "$TB_DIR/$1.log"
}

tb_up
tb_squid_start
vofw_hras_conf "$TB_DIR/hras.conf"
INSIDE_PROXY="inside_proxy = \"$PBX_IP:5060\";
inside_proxy_users = \"^(alice|carol)\$\";"
[ "${PBX_NO_INSIDE_PROXY:-0}" != 1 ] || INSIDE_PROXY=
vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" \
    "$TB_PROXY_URL" "" "" "domains = [ \"corp.example\" ];
$INSIDE_PROXY"
vofw_start_hras
vofw_start_hrac
tb_wait_log hrac 'tunnel up \(stream mode\)' 15
ip -n "$TB_WAN" addr add "$EVE_IP/24" dev eth0 || tb_fail "WAN address $EVE_IP"
ln -s /usr/share/sip-tester "$TB_DIR/pcap"
cd "$TB_DIR"

# A broken PBX config is caught before anything runs on it.
printf 'request_route {\n\tno_such_function();\n}\n' >bad.cfg
! tb_run_lan kamailio -c -f "$TB_DIR/bad.cfg" -Y "$TB_DIR" >/dev/null 2>&1 ||
    tb_fail "kamailio -c accepts a broken config"
pbx_start
echo "ok: kamailio config checked (a broken one is refused); PBX on $PBX_IP:5060"

# 1. The phones register with the PBX, not with hrac.
register alice "$ALICE_IP"
register carol "$CAROL_IP"
tb_wait_log pbx "registered alice at sip:alice@$ALICE_IP:5070" 2
tb_wait_log pbx "registered carol at sip:carol@$CAROL_IP:5070" 2
! grep -q 'registered' "$TB_DIR/hras.log" ||
    tb_fail "a registration reached hras"
echo "ok: alice and carol registered with the PBX (nothing reached hras)"

# Inside to inside through the PBX: carol calls alice; hrac is not asked.
answer alice-in alice "$ALICE_IP" 16000
tb_fw_reset
sipp_run "$TB_LAN" carol-calls -sf "$S/uac_domain.xml" -key domain corp.example \
    -s alice -i "$CAROL_IP" -p 5080 -mi "$CAROL_IP" -m 1 "$PBX_IP:5060" ||
    tb_fail "carol's call to alice through the PBX failed"
fw=$(tb_fw_lan_bytes both)
tb_stop alice-in
# ~500 voice packets (~100 KB) went phone to phone; only the tunnel's
# keepalives crossed the firewall meanwhile.
[ "$fw" -lt 20000 ] || tb_fail "$fw bytes crossed the firewall during an inside call"
echoed alice-in || tb_fail "alice echoed no voice to carol"
grep -q "INVITE for alice to sip:alice@$ALICE_IP:5070" pbx.log &&
    [ "$(vofw_count pbx 'in-dialog BYE')" = 1 ] ||
    tb_fail "carol's call did not go through the PBX"
! grep -Eq 'call .*(alice|carol)' hrac.log hras.log ||
    tb_fail "the relays saw an inside call"
echo "ok: inside call carol -> alice through the PBX, voice both ways, $fw bytes at the firewall"

# 2. An outside phone calls alice@corp.example: hras -> tunnel -> hrac ->
# PBX -> alice's phone, and the voice through both relays.
answer alice alice "$ALICE_IP" 16100
sipp_run "$TB_WAN" bob-calls -sf "$S/uac_domain.xml" -key domain corp.example \
    -s alice -i "$BOB_IP" -p 5080 -mi "$BOB_IP" -m 1 -trace_msg \
    -message_file "$TB_DIR/bob-calls.msg" "$TB_WAN_IP:5060" ||
    tb_fail "the outside call to alice through the PBX failed"
tb_wait_log hras 'ended: BYE' 5
tb_wait_log hrac 'ended: BYE' 5
tb_stop alice
grep -q "INVITE for alice to sip:alice@$ALICE_IP:5070" pbx.log ||
    tb_fail "the inbound call did not go through the PBX"
[ "$(vofw_count pbx 'in-dialog BYE')" = 2 ] ||
    tb_fail "the BYE did not pass the PBX"
echoed alice || tb_fail "alice echoed no voice to the outside"
voice hras 1 || tb_fail "hras relayed too little voice: $(grep closed: hras.log)"
voice hrac 1 || tb_fail "hrac relayed too little voice: $(grep closed: hrac.log)"
echo "ok: outside -> alice@corp.example through hras, hrac and the PBX, voice both ways, BYE through the PBX"

# What the outside phone got names nothing inside in the headers the
# relays answer for: the PBX's Record-Route is sealed into hras's.
INSIDE='^(Via|v|Record-Route|Route|Contact|m|c|o)[:=].*10\.77\.0\.'
grep -q '^SIP/2.0 200' bob-calls.msg || tb_fail "no message trace of bob's call"
! grep -nE "$INSIDE" bob-calls.msg ||
    tb_fail "an inside address reached the outside caller"
# A 100 goes one hop: the caller's is hras's own, not the PBX's too.
[ "$(grep -c '^SIP/2.0 100' bob-calls.msg)" -le 1 ] ||
    tb_fail "the caller got the PBX's 100 Trying as well as hras's"

# 3. alice calls an outside phone: alice -> PBX -> hrac -> hras -> bob.
tb_start bob "$TB_WAN" sipp -nostdin -sf "$S/pbx_uas.xml" -s bob \
    -rtp_echo -i "$BOB_IP" -p 5090 -mi "$BOB_IP" -mp 18100 -m 1 \
    -trace_msg -message_file "$TB_DIR/bob.msg"
sleep 0.5
sipp_run "$TB_LAN" alice-calls -sf "$S/uac_domain.xml" \
    -key domain "$BOB_IP:5090" -s bob -i "$ALICE_IP" -p 5072 \
    -mi "$ALICE_IP" -m 1 "$PBX_IP:5060" ||
    tb_fail "alice's call to the outside through the PBX failed"
tb_wait_log hras 'ended: BYE' 5
tb_stop bob
grep -q "INVITE for sip:bob@$BOB_IP:5090 out via hrac" pbx.log ||
    tb_fail "the outbound call did not go through the PBX"
echoed bob || tb_fail "bob echoed no voice"
grep -q '^INVITE sip:bob@' bob.msg || tb_fail "no message trace of bob's answer"
! grep -nE "$INSIDE" bob.msg || tb_fail "an inside address reached the callee"
voice hras 2 || tb_fail "outbound voice at hras: $(grep closed: hras.log)"
voice hrac 2 || tb_fail "outbound voice at hrac: $(grep closed: hrac.log)"
echo "ok: alice -> outside phone through the PBX, hrac and hras, voice both ways"

# 4. Toll fraud: an outsider calls a user the PBX never registered, a
# number its trunk would dial, and one with a Route naming the PBX. Each
# gets hrac's 404; the PBX sees none of them.
# fraud NAME USER [ROUTE]: eve's INVITE for USER@corp.example gets 404.
fraud() {
	if [ -n "${3:-}" ]; then
		set -- "$1" "$2" -sf "$S/pbx_route_404.xml" -key route "$3"
	else
		set -- "$1" "$2" -sf "$S/pbx_invite_404.xml"
	fi
	_fn=$1
	_fu=$2
	shift 2
	sipp_run "$TB_WAN" "$_fn" "$@" -key domain corp.example -s "$_fu" \
	    -i "$EVE_IP" -p 5082 -m 1 -trace_msg \
	    -message_file "$TB_DIR/$_fn.msg" "$TB_WAN_IP:5060" ||
	    tb_fail "eve's call for $_fu did not get 404"
	tb_wait_log hrac "INVITE for $_fu@corp.example refused: not a user the inside proxy takes from outside" 2
}
fraud nobody nobody
fraud premium 0900123456
fraud routed 0900123457 "sip:$PBX_IP:5060"
sleep 0.5
! grep -Eq 'nobody|09001234' pbx.log ||
    tb_fail "an outsider's request for a user the PBX never registered reached it: $(grep -E 'nobody|0900' pbx.log)"
echo "ok: an unknown user, a trunk number and one with a Route to the PBX get hrac's 404; none reached the PBX"
