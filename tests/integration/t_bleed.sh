#!/bin/sh
# RTP bleed (docs/security.md, Media): an outsider at another WAN address
# sends one datagram to every port of hras's media range while an inbound
# call rings, and again during the call, then listens. hras relays voice
# only with the outside phone's own address (its SDP's, or its SIP
# source's), so the attacker receives no voice and injects none, and both
# phones hear each other, every packet, in order.
# timeout: 90
# shellcheck disable=SC2015  # "a && b || fail"
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

S=$VOFW_ROOT/tests/sipp
BOB=198.51.100.14	# the outside caller
EVE=198.51.100.66	# the attacker: not in the call, not the proxy
N=100			# voice packets each way
vofw_pair_up
cd "$TB_DIR"
ip -n "$TB_WAN" addr add "$EVE/24" dev eth0 || tb_fail "attacker address"
vofw_register alice 10.77.0.3

# sdp_port MSG_TEXT: the port of the first m= line.
sdp_port() {
	printf '%s\n' "$1" | vofw_sdp m= | cut -d' ' -f2
}

# stream NAME N FROM HEXFILE: recv -x NAME got N datagrams from FROM
# (ip:port), the lines of HEXFILE (udptool rtp's output) in that order.
stream() {
	tb_wait_log "$1" '^received ' 20
	grep -q "^received $2\$" "$1.log" ||
	    tb_fail "$1: $(tail -n 1 "$1.log"), want $2"
	grep "^from " "$1.log" | awk -v f="$3" '$2 != f { bad++ }
	    { print $5 } END { exit bad > 0 }' >"$1.hex" ||
	    tb_fail "$1: datagrams not from $3"
	cmp -s "$1.hex" "$4" || tb_fail "$1: another stream arrived:" \
	    "$(diff "$4" "$1.hex" | head -n 4 | cut -c1-100)"
}

# spray NAME WAIT_MS: the attacker sends one RTP-looking datagram to every
# port of hras's media range (both parities) and listens WAIT_MS for
# anything coming back.
spray() {
	ip netns exec "$TB_WAN" "$TB_UDPTOOL" spray -s "$EVE" -p 40000 \
	    "$TB_WAN_IP" 20000 20999 eve.bin "$2" >"$1.log" ||
	    tb_fail "$1: udptool spray"
}

# nothing_back NAME: the spray NAME got no datagram back.
nothing_back() {
	grep -q '^sprayed 1000$' "$1.log" || tb_fail "$1: $(head -n 1 "$1.log")"
	grep -q '^received 0$' "$1.log" ||
	    tb_fail "the attacker received voice: $(head -n 4 "$1.log")"
}

printf '\200\000\000\001\000\000\000\240\336\255\276\357evil-evil-evil' \
    >eve.bin

# bob calls alice; her phone rings (183) for 6 s before it answers.
tb_start uas "$TB_LAN" sipp -nostdin -sf "$S/early_uas.xml" \
    -i 10.77.0.3 -p 5070 -mp 6100 -m 1 -d 6000 -key rtp 16500 \
    -timeout 60 -timeout_error -trace_msg -message_file "$TB_DIR/uas.msg"
sleep 0.5
tb_start uac "$TB_WAN" sipp -nostdin -sf "$S/early_uac.xml" \
    -i "$BOB" -p 5080 -mp 6200 -m 1 -d 30000 -key rtp 18500 \
    -timeout 60 -timeout_error -trace_msg -message_file "$TB_DIR/uac.msg" \
    -s alice "$TB_WAN_IP:5060"
vofw_wait_msg uac.msg received '^SIP/2.0 183' 10
hras_rtp=$(sdp_port "$(vofw_msg uac.msg received '^SIP/2.0 183')")
hrac_rtp=$(sdp_port "$(vofw_msg uas.msg received '^INVITE ')")
[ -n "$hras_rtp" ] && [ -n "$hrac_rtp" ] || tb_fail "no relay ports in SDP"

# Each phone listens for the whole test: what it gets must be the other
# phone's voice only.
tb_start alice-rx "$TB_LAN" "$TB_UDPTOOL" recv -x 10.77.0.3 16500 "$N" \
    40000
tb_start bob-rx "$TB_WAN" "$TB_UDPTOOL" recv -x "$BOB" 18500 "$N" 40000
sleep 0.3

# While it rings.
spray ring 500
nothing_back ring
[ -z "$(vofw_msg uac.msg received '^SIP/2.0 200')" ] ||
    tb_fail "the call was answered before the spray ended"
echo "ok: spray while the call rings: nothing back"

# Answered; the attacker sprays again and listens while both talk.
vofw_wait_msg uac.msg sent '^ACK ' 15
tb_start call-spray "$TB_WAN" "$TB_UDPTOOL" spray -s "$EVE" -p 40000 \
    "$TB_WAN_IP" 20000 20999 eve.bin 7000
sleep 0.5
# alice sends from another port of her address (hrac takes any port of
# it); bob, from his SDP address once his receiver is done with it.
ip netns exec "$TB_LAN" "$TB_UDPTOOL" rtp -s 10.77.0.3 -p 16502 \
    "$TB_LAN_IP" "$hrac_rtp" "$N" 20000 1111 >alice.hex ||
    tb_fail "alice's voice"
stream bob-rx "$N" "$TB_WAN_IP:$hras_rtp" alice.hex
ip netns exec "$TB_WAN" "$TB_UDPTOOL" rtp -s "$BOB" -p 18500 \
    "$TB_WAN_IP" "$hras_rtp" "$N" 20000 2222 >bob.hex || tb_fail "bob's voice"
stream alice-rx "$N" "$TB_LAN_IP:$hrac_rtp" bob.hex
echo "ok: both phones heard each other, $N packets each, nothing else"
tb_wait_log call-spray '^received ' 10
nothing_back call-spray
echo "ok: spray during the call: the attacker received no voice"
[ "$(vofw_count hras 'dropped datagram from 198\.51\.100\.66')" -ge 1 ] ||
    tb_fail "hras logged no dropped datagram from the attacker"
tb_stop uac
tb_stop uas
