#!/bin/sh
# What the relays promise a call's media beyond plain voice, with real
# calls (sipp) through the firewall and Squid, and the phones' media played
# and checked by udptool:
# - RTCP: sent to a relay's RTP port + 1 (or the port its a=rtcp names), it
#   reaches the far phone's RTCP port (its a=rtcp, else RTP + 1), both ways;
# - SRTP passes through: RTP/SAVP and a=crypto reach the far phone as they
#   were (only o=, c= and m='s port rewritten), payload bytes bit-identical;
# - symmetric RTP: once hras has learnt the outside phone's source, packets
#   to the same port from any other source are not relayed;
# - media timeout: a call whose phones go silent without BYE is ended by
#   both halves after media.timeout seconds, and its relay ports closed;
#   ringing longer than that does not count, silence after the answer does.
# timeout: 120
# shellcheck disable=SC2015  # "a && b || fail"
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

S=$VOFW_ROOT/tests/sipp
BOB=198.51.100.14	# the outside phone
EVE=198.51.100.15	# another outside address, not in the call
vofw_pair_up
cd "$TB_DIR"
vofw_register alice 10.77.0.3

# The SDP of each side of the next call (media_uac.xml, media_uas.xml).
UAC_PROTO=RTP/AVP UAC_A1="rtpmap:0 PCMU/8000" UAC_A2=sendrecv
UAS_PROTO=RTP/AVP UAS_A1="rtpmap:0 PCMU/8000" UAS_A2=sendrecv

# call_up NAME CALLEE_NS CALLEE_IP CALLER_NS CALLER_IP SIPP_ARGS...: the
# callee answers on CALLEE_IP:5070 with RTP port $UAS_RTP, the caller calls
# from CALLER_IP:5080 with RTP port $UAC_RTP; returns once the call is up.
# The caller holds it until hangup NAME.
call_up() {
	_n=$1 _cns=$2 _cip=$3 _rns=$4 _rip=$5
	shift 5
	tb_start "$_n-uas" "$_cns" sipp -nostdin -sf "$S/media_uas.xml" \
	    -i "$_cip" -p 5070 -mp 6100 -m 1 -key rtp "$UAS_RTP" \
	    -key proto "$UAS_PROTO" -key a1 "$UAS_A1" -key a2 "$UAS_A2" \
	    -timeout 45 -timeout_error -trace_msg \
	    -message_file "$TB_DIR/$_n-uas.msg"
	sleep 0.5
	tb_start "$_n-uac" "$_rns" sipp -nostdin -sf "$S/media_uac.xml" \
	    -i "$_rip" -p 5080 -mp 6200 -m 1 -key rtp "$UAC_RTP" \
	    -key proto "$UAC_PROTO" -key a1 "$UAC_A1" -key a2 "$UAC_A2" \
	    -timeout 45 -timeout_error -trace_msg \
	    -message_file "$TB_DIR/$_n-uac.msg" "$@"
	vofw_wait_msg "$_n-uac.msg" sent '^ACK ' 10
	echo "$_rns $_rip" >"$_n.caller"
}

# hangup NAME: a NOTIFY straight to the caller of call NAME makes it send
# BYE; both phones must end with the call successful.
hangup() {
	read -r _rns _rip <"$1.caller"
	printf '%s\r\n' "NOTIFY sip:caller@$_rip:5080 SIP/2.0" \
	    "Via: SIP/2.0/UDP $_rip:9;branch=z9hG4bK-hangup-$1" \
	    "From: <sip:test@$_rip>;tag=hangup" "To: <sip:caller@$_rip>" \
	    "Call-ID: $(call_id "$1")" "CSeq: 1 NOTIFY" "Max-Forwards: 70" \
	    "Content-Length: 0" "" >"$1.notify"
	ip netns exec "$_rns" "$TB_UDPTOOL" raw -s "$_rip" "$_rip" 5080 \
	    "$1.notify" || tb_fail "$1: cannot send the hang-up"
	vofw_wait_sipp "$1-uac" 10
	vofw_wait_sipp "$1-uas" 5
}

# call_id NAME: the Call-ID of call NAME.
call_id() {
	vofw_msg "$1-uac.msg" sent '^INVITE ' | sed -n 's/^Call-ID: //p'
}

# sdp_port MSG_TEXT: the port of the first m= line.
sdp_port() {
	printf '%s\n' "$1" | vofw_sdp m= | cut -d' ' -f2
}

# sdp_kept MSG_TEXT: the SDP lines a relay must pass on unchanged: all
# but o= and c=, and m= without its port.
sdp_kept() {
	printf '%s\n' "$1" | sed -n '/^v=/,$p' | grep -v '^[oc]=' |
	    sed 's/^\(m=[a-z]*\) [0-9]*/\1 PORT/'
}

# hex FILE: the bytes of FILE in hex, as udptool recv -x prints them.
hex() {
	od -An -v -tx1 "$1" | tr -d ' \n'
}

# packet FILE RTP_HEADER_OCTAL N: FILE is the header, every byte value
# 0..255 and N random bytes: payload no relay may touch.
packet() {
	{
		# shellcheck disable=SC2059  # the header is an octal format
		printf "$2"
		LC_ALL=C awk 'BEGIN { for (i = 0; i < 256; i++) printf "%c", i }'
		head -c "$3" /dev/urandom
	} >"$1" || tb_fail "cannot write $1"
}

# got NAME N FROM FILE: recv -x NAME got exactly N datagrams, each from
# FROM (ip:port) and each FILE's bytes unchanged.
got() {
	tb_wait_log "$1" '^received ' 10
	grep -q "^received $2\$" "$1.log" ||
	    tb_fail "$1: $(tail -n 1 "$1.log"), want $2"
	_g=$(grep -c "^from $3 len [0-9]* $(hex "$4")\$" "$1.log" || true)
	[ "$_g" = "$2" ] || tb_fail "$1: $_g of $2 datagrams came from $3" \
	    "as $4 was sent: $(cut -c1-120 "$1.log")"
}

# stream NAME N FROM HEXFILE: recv -x NAME got N datagrams from FROM
# (ip:port), the lines of HEXFILE (udptool rtp's output) in that order.
stream() {
	tb_wait_log "$1" '^received ' 15
	grep -q "^received $2\$" "$1.log" ||
	    tb_fail "$1: $(tail -n 1 "$1.log"), want $2"
	grep "^from " "$1.log" | awk -v f="$3" '$2 != f { bad++ }
	    { print $5 } END { exit bad > 0 }' >"$1.hex" ||
	    tb_fail "$1: datagrams not from $3"
	cmp -s "$1.hex" "$4" || tb_fail "$1: the stream arrived altered:" \
	    "$(diff "$4" "$1.hex" | head -n 4 | cut -c1-100)"
}

# nothing NAME: udptool recv NAME (COUNT 1) got nothing before its timeout.
nothing() {
	tb_wait_log "$1" '^received ' 10
	grep -q '^received 0$' "$1.log" ||
	    tb_fail "$1 should have got nothing: $(cut -c1-120 "$1.log")"
}

# bound NS IP:PORT: something in NS has a UDP socket on IP:PORT.
bound() {
	ip netns exec "$1" ss -Huln | awk -v a="$2" '$4 == a { f = 1 }
	    END { exit !f }'
}

# udp NS ARGS...: udptool in namespace NS.
udp() {
	_ns=$1
	shift
	ip netns exec "$_ns" "$TB_UDPTOOL" "$@" || tb_fail "udptool $*"
}

packet sr.bin '\200\310\000\014' 40	# RTCP sender report, bob's
packet rr.bin '\201\311\000\007' 20	# RTCP receiver report, alice's

# --- RTCP, both ways --------------------------------------------------------
# bob calls alice; bob names his RTCP port (a=rtcp:18507), alice does not
# (hers is 16501). Each sends RTCP to where the SDP it got says.
UAC_RTP=18500 UAC_A2=rtcp:18507 UAS_RTP=16500 UAS_A2=sendrecv
call_up rtcp "$TB_LAN" 10.77.0.3 "$TB_WAN" "$BOB" -s alice "$TB_WAN_IP:5060"
inv=$(vofw_msg rtcp-uas.msg received '^INVITE ')
ok=$(vofw_msg rtcp-uac.msg received '^SIP/2.0 200')
hrac_rtp=$(sdp_port "$inv")
hrac_rtcp=$(printf '%s\n' "$inv" | vofw_sdp a=rtcp:)
hras_rtp=$(sdp_port "$ok")
[ "$hrac_rtcp" = $((hrac_rtp + 1)) ] ||
    tb_fail "alice got a=rtcp:$hrac_rtcp for hrac's RTP port $hrac_rtp"
[ -z "$(printf '%s\n' "$ok" | vofw_sdp a=rtcp:)" ] ||
    tb_fail "bob got an a=rtcp alice never sent"

# alice first: before bob sends any, hras must use his a=rtcp port (not
# RTP + 1); it learns his source only from what he sends.
tb_start rtcp-b "$TB_WAN" "$TB_UDPTOOL" recv -x "$BOB" 18507 5 8000
tb_start rtcp-b-rtp "$TB_WAN" "$TB_UDPTOOL" recv "$BOB" 18500 1 2500
tb_start rtcp-b-odd "$TB_WAN" "$TB_UDPTOOL" recv "$BOB" 18501 1 2500
sleep 0.3
udp "$TB_LAN" raw -s 10.77.0.3 -p 16501 "$TB_LAN_IP" "$hrac_rtcp" rr.bin 5
got rtcp-b 5 "$TB_WAN_IP:$((hras_rtp + 1))" rr.bin
nothing rtcp-b-rtp
nothing rtcp-b-odd
# Then bob, to hras's RTP port + 1 (its SDP has no a=rtcp).
tb_start rtcp-a "$TB_LAN" "$TB_UDPTOOL" recv -x 10.77.0.3 16501 5 8000
tb_start rtcp-a-rtp "$TB_LAN" "$TB_UDPTOOL" recv 10.77.0.3 16500 1 2500
sleep 0.3
udp "$TB_WAN" raw -s "$BOB" -p 18507 "$TB_WAN_IP" $((hras_rtp + 1)) sr.bin 5
got rtcp-a 5 "$TB_LAN_IP:$hrac_rtcp" sr.bin
nothing rtcp-a-rtp
hangup rtcp
echo "ok: RTCP to each relay's RTP port + 1 / a=rtcp port reaches the far phone's RTCP port, both ways, unchanged"

# --- SRTP passes through ----------------------------------------------------
# alice (10.77.0.4) calls bob, both with RTP/SAVP and their own keys
# (RFC 4568's examples); the packets are opaque bytes of any value.
UAC_RTP=16600 UAC_PROTO=RTP/SAVP
UAC_A2="crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:32"
UAS_RTP=18600 UAS_PROTO=RTP/SAVP
UAS_A2="crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32"
call_up srtp "$TB_WAN" "$BOB" "$TB_LAN" 10.77.0.4 \
    -s bob -rsa "$TB_LAN_IP:5060" "$BOB:5070"
inv_sent=$(vofw_msg srtp-uac.msg sent '^INVITE ')
inv=$(vofw_msg srtp-uas.msg received '^INVITE ')
ok_sent=$(vofw_msg srtp-uas.msg sent '^SIP/2.0 200')
ok=$(vofw_msg srtp-uac.msg received '^SIP/2.0 200')
printf '%s\n' "$inv" | grep -qFx "a=$UAC_A2" &&
    printf '%s\n' "$ok" | grep -qFx "a=$UAS_A2" ||
    tb_fail "an a=crypto line did not arrive unchanged"
[ "$(sdp_kept "$inv")" = "$(sdp_kept "$inv_sent")" ] ||
    tb_fail "bob's INVITE SDP changed beyond o=, c=, m= port:
$(printf '%s\n' "$inv" | sed -n '/^v=/,$p')"
[ "$(sdp_kept "$ok")" = "$(sdp_kept "$ok_sent")" ] ||
    tb_fail "alice's 200 SDP changed beyond o=, c=, m= port:
$(printf '%s\n' "$ok" | sed -n '/^v=/,$p')"
hras_rtp=$(sdp_port "$inv")
hrac_rtp=$(sdp_port "$ok")
[ "$(printf '%s\n' "$inv" | vofw_sdp c=)" = "IN IP4 $TB_WAN_IP" ] &&
    [ "$(printf '%s\n' "$inv" | vofw_sdp m=)" = \
    "audio $hras_rtp RTP/SAVP 0" ] && [ "$hras_rtp" != "$UAC_RTP" ] ||
    tb_fail "bob's INVITE: c=/m= not hras's"
[ "$(printf '%s\n' "$ok" | vofw_sdp c=)" = "IN IP4 $TB_LAN_IP" ] &&
    [ "$(printf '%s\n' "$ok" | vofw_sdp m=)" = \
    "audio $hrac_rtp RTP/SAVP 0" ] && [ "$hrac_rtp" != "$UAS_RTP" ] ||
    tb_fail "alice's 200: c=/m= not hrac's"
echo "ok: RTP/SAVP and a=crypto reach the far phone unchanged both ways, c=/m= rewritten"

packet srtp-out.bin '\200\000\000\001\000\000\000\240\001\002\003\004' 30
packet srtp-in.bin '\200\000\023\210\000\001\365\000\376\355\372\316' 900
tb_start srtp-b "$TB_WAN" "$TB_UDPTOOL" recv -x "$BOB" 18600 5 8000
sleep 0.3
udp "$TB_LAN" raw -s 10.77.0.4 -p 16600 "$TB_LAN_IP" "$hrac_rtp" \
    srtp-out.bin 5
got srtp-b 5 "$TB_WAN_IP:$hras_rtp" srtp-out.bin
tb_start srtp-a "$TB_LAN" "$TB_UDPTOOL" recv -x 10.77.0.4 16600 5 8000
sleep 0.3
udp "$TB_WAN" raw -s "$BOB" -p 18600 "$TB_WAN_IP" "$hras_rtp" srtp-in.bin 5
got srtp-a 5 "$TB_LAN_IP:$hrac_rtp" srtp-in.bin
echo "ok: SRTP packets (opaque bytes, $(wc -c <srtp-out.bin) and $(wc -c <srtp-in.bin) long) arrive bit-identical both ways"

# A stream as phones send it (its RTP headers compressed in the tunnel:
# docs/protocol.md), sequence numbers and timestamps wrapping, a silence
# and marker bits, arrives bit-identical and in order both ways.
tb_start rtp-b "$TB_WAN" "$TB_UDPTOOL" recv -x "$BOB" 18600 300 10000
sleep 0.3
udp "$TB_LAN" rtp -s 10.77.0.4 -p 16600 "$TB_LAN_IP" "$hrac_rtp" 300 2000 \
    4660 >rtp-out.hex
stream rtp-b 300 "$TB_WAN_IP:$hras_rtp" rtp-out.hex
tb_start rtp-a "$TB_LAN" "$TB_UDPTOOL" recv -x 10.77.0.4 16600 300 10000
sleep 0.3
udp "$TB_WAN" rtp -s "$BOB" -p 18600 "$TB_WAN_IP" "$hras_rtp" 300 2000 \
    3405691582 >rtp-in.hex
stream rtp-a 300 "$TB_LAN_IP:$hrac_rtp" rtp-in.hex
hangup srtp
echo "ok: RTP streams arrive bit-identical and in order both ways"

# --- symmetric RTP: hras relays only the source it learnt -------------------
UAC_PROTO=RTP/AVP UAC_RTP=16700 UAC_A2=sendrecv
UAS_PROTO=RTP/AVP UAS_RTP=18700 UAS_A2=sendrecv
call_up sym "$TB_WAN" "$BOB" "$TB_LAN" 10.77.0.4 \
    -s bob -rsa "$TB_LAN_IP:5060" "$BOB:5070"
hras_rtp=$(sdp_port "$(vofw_msg sym-uas.msg received '^INVITE ')")
hrac_rtp=$(sdp_port "$(vofw_msg sym-uac.msg received '^SIP/2.0 200')")
packet bob.bin '\200\000\000\007\000\000\000\240\000\000\000\142' 20
packet eve.bin '\200\000\000\010\000\000\000\240\000\000\000\145' 20
packet alice.bin '\200\000\000\011\000\000\000\240\000\000\000\141' 20
tb_start sym-a "$TB_LAN" "$TB_UDPTOOL" recv -x 10.77.0.4 16700 10 8000
sleep 0.3
# bob speaks first: hras learns 198.51.100.14:18700.
udp "$TB_WAN" raw -s "$BOB" -p 18700 "$TB_WAN_IP" "$hras_rtp" bob.bin 5
_dl=$(($(date +%s) + 5))
until [ "$(grep -c '^from ' sym-a.log || true)" -ge 5 ]; do
	[ "$(date +%s)" -lt "$_dl" ] || tb_fail "bob's first RTP not relayed"
	sleep 0.1
done
# Another address, then bob's own address from another port.
udp "$TB_WAN" raw -s "$EVE" -p 18700 "$TB_WAN_IP" "$hras_rtp" eve.bin 5
udp "$TB_WAN" raw -s "$BOB" -p 18702 "$TB_WAN_IP" "$hras_rtp" eve.bin 5
udp "$TB_WAN" raw -s "$BOB" -p 18700 "$TB_WAN_IP" "$hras_rtp" bob.bin 5
# Arrival is in order through one socket, one tunnel: alice's first ten
# datagrams are bob's ten if, and only if, the others were dropped.
got sym-a 10 "$TB_LAN_IP:$hrac_rtp" bob.bin
tb_start sym-b "$TB_WAN" "$TB_UDPTOOL" recv -x "$BOB" 18700 5 8000
tb_start sym-eve "$TB_WAN" "$TB_UDPTOOL" recv "$EVE" 18700 1 2000
sleep 0.3
udp "$TB_LAN" raw -s 10.77.0.4 -p 16700 "$TB_LAN_IP" "$hrac_rtp" alice.bin 5
got sym-b 5 "$TB_WAN_IP:$hras_rtp" alice.bin
nothing sym-eve
hangup sym
echo "ok: hras relays only the outside phone's learnt source, not another address or port, and still answers it"

# --- media timeout ------------------------------------------------------------
# Both halves again, with media.timeout = 5 s; their logs so far are kept.
TIMEOUT=5
tb_stop hrac
tb_stop hras
mv hras.log hras-1.log
mv hrac.log hrac-1.log
# shellcheck disable=SC2034  # read by vofw_hras_conf, vofw_hrac_conf
VOFW_MEDIA_EXTRA="timeout = $TIMEOUT;"
vofw_hras_conf "$TB_DIR/hras.conf"
vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" "$TB_PROXY_URL"
vofw_start_hras
vofw_start_hrac
tb_wait_log hrac 'tunnel up \(stream mode\)' 15

UAC_RTP=16800 UAS_RTP=18800
call_up tmo "$TB_WAN" "$BOB" "$TB_LAN" 10.77.0.4 \
    -s bob -rsa "$TB_LAN_IP:5060" "$BOB:5070"
cid=$(call_id tmo)
hras_rtp=$(sdp_port "$(vofw_msg tmo-uas.msg received '^INVITE ')")
hrac_rtp=$(sdp_port "$(vofw_msg tmo-uac.msg received '^SIP/2.0 200')")
for p in "$hras_rtp" $((hras_rtp + 1)); do
	bound "$TB_WAN" "$TB_WAN_IP:$p" || tb_fail "hras has no port $p open"
done
for p in "$hrac_rtp" $((hrac_rtp + 1)); do
	bound "$TB_LAN" "$TB_LAN_IP:$p" || tb_fail "hrac has no port $p open"
done
# Voice both ways for longer than the timeout (alice echoes bob's), then
# silence, without BYE.
tb_start tmo-echo "$TB_LAN" "$TB_UDPTOOL" echo 10.77.0.4 16800
sleep 0.3
udp "$TB_WAN" rtt -s "$BOB" -p 18800 "$TB_WAN_IP" "$hras_rtp" \
    $((TIMEOUT * 50 + 100)) 50 172 100 >tmo-rtt.log
# At most ~100 ms after the last RTP (rtt's wait for late echoes).
silent=$(date +%s%3N)
tb_stop tmo-echo
awk -v n=$((TIMEOUT * 50 + 100)) '{ exit !($4 >= n * 0.97) }' tmo-rtt.log ||
    tb_fail "voice before the silence: $(cat tmo-rtt.log)"
[ "$(vofw_count hras 'ended: no media')" = 0 ] &&
    [ "$(vofw_count hrac 'ended: no media')" = 0 ] ||
    tb_fail "a call with voice was ended for no media"
tb_wait_log hras "call $cid ended: no media" $((TIMEOUT + 5))
tb_wait_log hrac "call $cid ended: no media" 2
took=$(($(date +%s%3N) - silent))
[ "$took" -ge $((TIMEOUT * 1000 - 300)) ] ||
    tb_fail "the call was ended $took ms into the silence, before $TIMEOUT s"
echo "ok: both halves ended a call silent for $TIMEOUT s without BYE (after $took ms)"

for p in "$hras_rtp" $((hras_rtp + 1)); do
	! bound "$TB_WAN" "$TB_WAN_IP:$p" || tb_fail "hras port $p still open"
done
for p in "$hrac_rtp" $((hrac_rtp + 1)); do
	! bound "$TB_LAN" "$TB_LAN_IP:$p" || tb_fail "hrac port $p still open"
done
tb_start tmo-a "$TB_LAN" "$TB_UDPTOOL" recv 10.77.0.4 16800 1 1500
sleep 0.3
udp "$TB_WAN" raw -s "$BOB" -p 18800 "$TB_WAN_IP" "$hras_rtp" bob.bin 3
nothing tmo-a
echo "ok: the timed-out call's relay ports are closed on both halves and relay nothing"
hangup tmo

# A call that rings (183, no voice) longer than the timeout, then is
# answered and stays silent: ringing is not silence, the answer starts the
# clock, and both halves end it.
tb_start ring-uas "$TB_WAN" sipp -nostdin -sf "$S/early_uas.xml" \
    -i "$BOB" -p 5070 -mp 6100 -m 1 -d $(((TIMEOUT + 2) * 1000)) \
    -key rtp 18900 -timeout 45 -timeout_error -trace_msg \
    -message_file "$TB_DIR/ring-uas.msg"
sleep 0.5
tb_start ring-uac "$TB_LAN" sipp -nostdin -sf "$S/early_uac.xml" \
    -i 10.77.0.4 -p 5080 -mp 6200 -m 1 -d 30000 -key rtp 16900 \
    -timeout 45 -timeout_error -trace_msg \
    -message_file "$TB_DIR/ring-uac.msg" \
    -s bob -rsa "$TB_LAN_IP:5060" "$BOB:5070"
vofw_wait_msg ring-uac.msg sent '^ACK ' $((TIMEOUT + 10))
answered=$(date +%s%3N)
cid=$(vofw_msg ring-uac.msg sent '^INVITE ' | sed -n 's/^Call-ID: //p')
[ "$(vofw_count hras "call $cid ended")" = 0 ] &&
    [ "$(vofw_count hrac "call $cid ended")" = 0 ] ||
    tb_fail "a ringing call was ended"
tb_wait_log hras "call $cid ended: no media" $((TIMEOUT + 5))
tb_wait_log hrac "call $cid ended: no media" $((TIMEOUT + 5))
took=$(($(date +%s%3N) - answered))
[ "$took" -ge $((TIMEOUT * 1000 - 300)) ] ||
    tb_fail "the answered call was ended $took ms after the answer"
tb_stop ring-uac
tb_stop ring-uas
echo "ok: a call that rang longer than $TIMEOUT s is ended by both halves once answered and silent (after $took ms)"
