#!/bin/sh
# shellcheck disable=SC2015  # "a && b || tb_fail"
# Aliases and targets (docs/security.md): hras never sends a request to
# an address an outsider, a Request-URI or a forged mark chose when it is
# loopback or one of hras's own. Listeners wait on 127.0.0.1 in hras's
# namespace (SIP over TCP on 5555, over UDP on 5556); none of them may
# hear anything.
#  (b) An outsider (eve, 198.51.100.66) calls alice with a Contact that
#      already carries a vofw-alias naming 127.0.0.1:5555 over TCP; alice
#      hangs up: her BYE reaches eve herself, not the listener.
#  (c) Inside phones call sip:svc@127.0.0.1:5556, hras's own tunnel port
#      and a Request-URI with a forged alias: refused 403, 403 and 400,
#      each with a log line, and nothing reaches the listeners.
# timeout: 60
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

S=$VOFW_ROOT/tests/sipp
EVE=198.51.100.66

vofw_pair_up
ip -n "$TB_WAN" addr add "$EVE/24" dev eth0 || tb_fail "WAN address $EVE"
cd "$TB_DIR"

tb_start lo-tcp "$TB_WAN" sipp -nostdin -sn uas -t t1 -i 127.0.0.1 \
    -p 5555 -trace_msg -message_file "$TB_DIR/lo-tcp.msg"
tb_start lo-udp "$TB_WAN" sipp -nostdin -sn uas -i 127.0.0.1 -p 5556 \
    -trace_msg -message_file "$TB_DIR/lo-udp.msg"
tb_wait_listen "$TB_WAN" 127.0.0.1 5555 5

# heard NAME: the listener NAME received a message.
heard() {
	[ -s "$TB_DIR/$1.msg" ] && grep -q 'message received' "$TB_DIR/$1.msg"
}

vofw_register alice 10.77.0.3
tb_wait_log hras 'alice@corp.example registered' 3

# (b) The forged alias.
tb_start alice "$TB_LAN" sipp -nostdin -sf "$S/uas_bye.xml" -s alice \
    -i 10.77.0.3 -p 5070 -mi 10.77.0.3 -mp 16000 -m 1
sleep 0.3
ip netns exec "$TB_WAN" timeout 20 sipp -nostdin -sf "$S/alias_uac.xml" \
    -key domain corp.example -key alias "127.0.0.1~5555~t" -s alice \
    -i "$EVE" -p 5080 -m 1 -timeout 15 -trace_msg \
    -message_file "$TB_DIR/eve.msg" "$TB_WAN_IP:5060" >eve.log 2>&1 ||
    tb_fail "eve's call did not end with alice's BYE reaching her"
tb_stop alice
! heard lo-tcp || tb_fail "hras sent a request to the address a forged alias named"
echo "ok: a forged alias from outside is stripped: the BYE went to eve, nothing to 127.0.0.1:5555"

# (c) Targets hras must not reach, named by an inside phone.
# refused NAME DOMAIN CODE: an INVITE to sip:svc@DOMAIN gets CODE.
refused() {
	ip netns exec "$TB_LAN" timeout 20 sipp -nostdin \
	    -sf "$S/invite_refused.xml" -key domain "$2" -s svc -i 10.77.0.4 \
	    -p 5090 -m 1 -timeout 10 -trace_msg -message_file "$TB_DIR/$1.msg" \
	    "$TB_LAN_IP:5060" >"$1.log" 2>&1 ||
	    tb_fail "$1: the INVITE to $2 was not refused"
	[ -n "$(vofw_msg "$1.msg" received "^SIP/2.0 $3 ")" ] ||
	    tb_fail "$1: no $3 for $2"
}
refused loopback "127.0.0.1:5556" 403
tb_wait_log hras 'INVITE to 127.0.0.1:5556 refused: not an address hras sends requests to' 2
refused tunnel-port "$TB_WAN_IP:8080" 403
tb_wait_log hras "INVITE to $TB_WAN_IP:8080 refused" 2
refused forged "198.51.100.14;vofw-alias=127.0.0.1~5555~t" 400
tb_wait_log hras 'INVITE refused: an alias hras did not make' 2
sleep 0.5
! heard lo-udp || tb_fail "a request reached 127.0.0.1:5556"
! heard lo-tcp || tb_fail "a request reached 127.0.0.1:5555"
echo "ok: requests to loopback, hras's own tunnel port and a forged alias refused (403, 403, 400); no listener heard anything"
