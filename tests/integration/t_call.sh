#!/bin/sh
# Calls both ways through the firewall and Squid with a real SIP client
# (sipp): an inside phone registers through hrac; an outside phone calls
# it through hras; it calls an outside phone through hrac; voice (G.711
# from a pcap, echoed back) flows both ways through both relays.
# timeout: 120
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

SIPP_DIR=$VOFW_ROOT/tests/sipp
vofw_pair_up

# sipp's built-in uac_pcap plays pcap/g711a.pcap (and RFC 4733 DTMF)
# from its working directory.
ln -s /usr/share/sip-tester "$TB_DIR/pcap"
cd "$TB_DIR"

# sipp in a namespace, bounded, in the foreground.
sipp_run() {	# sipp_run NS NAME ARGS...
	_ns=$1
	_name=$2
	shift 2
	ip netns exec "$_ns" timeout 40 sipp -nostdin -trace_err \
	    -error_file "$TB_DIR/$_name.err" -timeout 30 -timeout_error \
	    "$@" >"$TB_DIR/$_name.log" 2>&1
}

# alice (10.77.0.3:5070) registers through hrac.
sipp_run "$TB_LAN" reg -sf "$SIPP_DIR/register.xml" \
    -key domain corp.example -s alice \
    -i 10.77.0.3 -p 5070 -m 1 "$TB_LAN_IP:5060" ||
    tb_fail "alice could not register"
tb_wait_log hras 'client corp: alice@corp.example registered at sip:alice@10.77.0.3:5070' 2
echo "ok: alice registered through hrac and the tunnel"

# alice answers and echoes voice back; an outside phone calls her.
tb_start alice "$TB_LAN" sipp -nostdin -sn uas -rtp_echo -i 10.77.0.3 \
    -p 5070 -mi 10.77.0.3 -mp 16000
sleep 0.5
sipp_run "$TB_WAN" bob_calls -sn uac_pcap -s alice -i 198.51.100.14 \
    -p 5080 -mi 198.51.100.14 -mp 18000 -m 1 -trace_msg \
    -message_file "$TB_DIR/bob_calls.msg" "$TB_WAN_IP:5060" ||
    tb_fail "the inbound call failed"
tb_wait_log hras 'ended: BYE' 5
tb_wait_log hrac 'ended: BYE' 5
echo "ok: inbound call outside -> inside completed"
tb_stop alice

# Voice crossed both relays both ways: G.711 from the pcap (236 packets
# and RFC 4733 DTMF) out, echoed back. Each relay logs its flow's counts.
voice() {	# voice NAME: every flow of NAME's log carried 200+ each way
	awk '/media flow .* closed:/ { n++; if ($(NF-3) < 200 || $(NF-1) < 200)
	    bad = 1 } END { exit !(n > 0 && !bad) }' "$TB_DIR/$1.log"
}
voice hras || tb_fail "hras relayed too little voice: $(grep closed: "$TB_DIR/hras.log")"
voice hrac || tb_fail "hrac relayed too little voice: $(grep closed: "$TB_DIR/hrac.log")"
grep -Eq '[0-9]{3} Total echo RTP pckts 1st stream' "$TB_DIR/alice.log" ||
    tb_fail "alice echoed no voice"
echo "ok: voice both ways through both relays"

# The outside phone saw nothing of the inside network where a proxy has a
# say: Via, Record-Route, Route, Contact and SDP (From and Call-ID are the
# phone's own, a proxy does not touch them).
INSIDE='^(Via|v|Record-Route|Route|Contact|m|c|o)[:=].*10\.77\.0\.' 
grep -q 'INVITE sip:alice@' "$TB_DIR/bob_calls.msg" ||
    tb_fail "no message trace for the outside phone"
! grep -nE "$INSIDE" "$TB_DIR/bob_calls.msg" ||
    tb_fail "an inside address reached the outside phone"
echo "ok: no inside address in what the outside phone received"

# bob answers outside; alice calls him through hrac.
tb_start bob "$TB_WAN" sipp -nostdin -sn uas -rtp_echo -i 198.51.100.14 \
    -p 5090 -mi 198.51.100.14 -mp 18100 -trace_msg \
    -message_file "$TB_DIR/bob.msg"
sleep 0.5
sipp_run "$TB_LAN" alice_calls -sn uac_pcap -s bob -i 10.77.0.3 -p 5072 \
    -mi 10.77.0.3 -mp 16100 -m 1 -rsa "$TB_LAN_IP:5060" 198.51.100.14:5090 ||
    tb_fail "the outbound call failed"
tb_wait_log hras 'ended: BYE' 5
tb_stop bob
[ "$(grep -c 'media flow .* closed:' "$TB_DIR/hras.log")" = 2 ] ||
    tb_fail "hras did not close two calls' media"
voice hras || tb_fail "outbound voice: $(grep closed: "$TB_DIR/hras.log")"
grep -Eq '[0-9]{3} Total echo RTP pckts 1st stream' "$TB_DIR/bob.log" ||
    tb_fail "bob echoed no voice"
! grep -nE "$INSIDE" "$TB_DIR/bob.msg" ||
    tb_fail "an inside address reached the outside phone"
echo "ok: outbound call inside -> outside completed, voice both ways"
