#!/bin/sh
# Relay ports under a flood (docs/security.md, Media): one outside address
# sends INVITEs with four m= lines each, 150 a second for 20 s (3000), to an
# inside phone that only rings. hras caps the relay ports the calls of one
# source may hold (media.streams_per_source, default 256) and ends calls
# never answered after Timer C (sip.timer_c, 8 s here), so that
# - a call from another outside address and a call from inside both get
#   through with voice both ways, during the flood and after it;
# - once the flood stops, hras's and hrac's relay ports go back to their
#   idle count within Timer C;
# - refusals are logged with the source address, at most a line a second.
# First, OPTIONS and MESSAGE requests with SDP open no relay port at all.
#
# The per-source SIP request limiter would ban the flooder after 16
# requests in 2 s (t_pike shows that); this test is about what gets past
# it, so the flooder is on the limiter's allow list here.
# timeout: 150
# shellcheck disable=SC2015  # "a && b || fail"
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

S=$VOFW_ROOT/tests/sipp
BOB=198.51.100.14	# an outside caller
OUT=198.51.100.15	# an outside callee
FLOOD=198.51.100.66	# the flooder: no caller's, not the proxy's
TIMER_C=8
FLOOD_SECS=20
# shellcheck disable=SC2034  # read by vofw_hras_conf, vofw_hrac_conf
VOFW_SIP_EXTRA="timer_c = $TIMER_C;"
HRAS_LIMITS="limits = { allow = [ \"198.51.100.0/27\", \"$FLOOD\" ]; };"
tb_up
tb_squid_start
vofw_hras_conf "$TB_DIR/hras.conf"
vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" "$TB_PROXY_URL"
vofw_start_hras
vofw_start_hrac
tb_wait_log hrac 'tunnel up \(stream mode\)' 15
cd "$TB_DIR"
ip -n "$TB_WAN" addr add "$FLOOD/24" dev eth0 || tb_fail "flooder address"
vofw_register alice 10.77.0.3	# the phone that only rings
vofw_register carol 10.77.0.4	# answers the outside caller

# ports NS IP: how many UDP sockets are bound in the media range 20000..
# 20999 of IP in namespace NS (the relay ports of hras or hrac).
ports() {
	ip netns exec "$1" ss -Huan | awk -v ip="$2" '{
		n = split($4, a, ":"); p = a[n] + 0
		if (substr($4, 1, length(ip) + 1) == ip ":" &&
		    p >= 20000 && p <= 20999) c++
	} END { print c + 0 }'
}

# sdp_port MSG_TEXT: the port of the first m= line.
sdp_port() {
	printf '%s\n' "$1" | vofw_sdp m= | cut -d' ' -f2
}

# sdp_ip MSG_TEXT: the address of the first c= line.
sdp_ip() {
	printf '%s\n' "$1" | vofw_sdp c= | cut -d' ' -f3
}

# call NAME CALLEE_NS CALLEE_IP CALLEE_RTP CALLER_NS CALLER_IP CALLER_RTP
# SIPP_ARGS...: a call (media_uac.xml to media_uas.xml) with voice both
# ways: 50 datagrams from each phone's SDP port reach the other phone.
call() {
	_n=$1 _cns=$2 _cip=$3 _crtp=$4 _rns=$5 _rip=$6 _rrtp=$7
	shift 7
	tb_start "$_n-uas" "$_cns" sipp -nostdin -sf "$S/media_uas.xml" \
	    -i "$_cip" -p 5070 -mp 6100 -m 1 -key rtp "$_crtp" \
	    -key proto RTP/AVP -key a1 "rtpmap:0 PCMU/8000" -key a2 sendrecv \
	    -timeout 60 -timeout_error -trace_msg \
	    -message_file "$TB_DIR/$_n-uas.msg"
	sleep 0.3
	tb_start "$_n-uac" "$_rns" sipp -nostdin -sf "$S/media_uac.xml" \
	    -i "$_rip" -p 5080 -mp 6200 -m 1 -key rtp "$_rrtp" \
	    -key proto RTP/AVP -key a1 "rtpmap:0 PCMU/8000" -key a2 sendrecv \
	    -timeout 60 -timeout_error -trace_msg \
	    -message_file "$TB_DIR/$_n-uac.msg" "$@"
	vofw_wait_msg "$_n-uac.msg" sent '^ACK ' 10
	_inv=$(vofw_msg "$_n-uas.msg" received '^INVITE ')
	_ok=$(vofw_msg "$_n-uac.msg" received '^SIP/2.0 200')
	tb_start "$_n-rx1" "$_cns" "$TB_UDPTOOL" recv "$_cip" "$_crtp" 50 8000
	sleep 0.3
	ip netns exec "$_rns" "$TB_UDPTOOL" send -s "$_rip" -p "$_rrtp" \
	    "$(sdp_ip "$_ok")" "$(sdp_port "$_ok")" 50 172 5000 ||
	    tb_fail "$_n: udptool send"
	tb_wait_log "$_n-rx1" '^received ' 10
	grep -q '^received 50$' "$_n-rx1.log" ||
	    tb_fail "$_n: callee heard $(cat "$_n-rx1.log"), want 50"
	tb_start "$_n-rx2" "$_rns" "$TB_UDPTOOL" recv "$_rip" "$_rrtp" 50 8000
	sleep 0.3
	ip netns exec "$_cns" "$TB_UDPTOOL" send -s "$_cip" -p "$_crtp" \
	    "$(sdp_ip "$_inv")" "$(sdp_port "$_inv")" 50 172 5000 ||
	    tb_fail "$_n: udptool send"
	tb_wait_log "$_n-rx2" '^received ' 10
	grep -q '^received 50$' "$_n-rx2.log" ||
	    tb_fail "$_n: caller heard $(cat "$_n-rx2.log"), want 50"
	echo "$_rip $(vofw_msg "$_n-uac.msg" sent '^INVITE ' |
	    sed -n 's/^Call-ID: //p')" >"$_n.caller"
}

# hangup NAME: a NOTIFY straight to the caller of call NAME makes it send
# BYE (media_uac.xml); both phones must end with the call successful.
hangup() {
	read -r _rip _cid <"$1.caller"
	printf '%s\r\n' "NOTIFY sip:caller@$_rip:5080 SIP/2.0" \
	    "Via: SIP/2.0/UDP $_rip:9;branch=z9hG4bK-hangup-$1" \
	    "From: <sip:test@$_rip>;tag=hangup" "To: <sip:caller@$_rip>" \
	    "Call-ID: $_cid" "CSeq: 1 NOTIFY" "Max-Forwards: 70" \
	    "Content-Length: 0" "" >"$1.notify"
	_ns=$TB_WAN
	case $_rip in 10.*) _ns=$TB_LAN ;; esac
	ip netns exec "$_ns" "$TB_UDPTOOL" raw -s "$_rip" "$_rip" 5080 \
	    "$1.notify" || tb_fail "$1: cannot send the hang-up"
	vofw_wait_sipp "$1-uac" 10
	vofw_wait_sipp "$1-uas" 5
}

# calls WHEN: one call in from an outside address, one out from inside.
calls() {
	call "in-$1" "$TB_LAN" 10.77.0.4 16500 "$TB_WAN" "$BOB" 18500 \
	    -s carol "$TB_WAN_IP:5060"
	call "out-$1" "$TB_WAN" "$OUT" 18600 "$TB_LAN" 10.77.0.5 16600 \
	    -s bob -rsa "$TB_LAN_IP:5060" "$OUT:5070"
	echo "ok: $1 the flood, a call from outside and one from inside" \
	    "carry voice both ways"
	hangup "in-$1"
	hangup "out-$1"
}

[ "$(ports "$TB_WAN" "$TB_WAN_IP")" = 0 ] &&
    [ "$(ports "$TB_LAN" "$TB_LAN_IP")" = 0 ] ||
    tb_fail "relay ports open before any call"

# --- OPTIONS and MESSAGE with SDP open no relay port ------------------------
SDP='v=0
o=flood 1 1 IN IP4 198.51.100.66
s=-
c=IN IP4 198.51.100.66
t=0 0
m=audio 30000 RTP/AVP 0
m=audio 30002 RTP/AVP 0
m=video 30004 RTP/AVP 96
m=video 30006 RTP/AVP 96
'
for i in 1 2 3 4 5; do
	for m in OPTIONS MESSAGE; do
		for u in alice nobody; do
			printf '%s\r\n' "$m sip:$u@corp.example SIP/2.0" \
			    "Via: SIP/2.0/UDP $FLOOD:5091;branch=z9hG4bK-$m$u$i" \
			    "From: <sip:flood@$FLOOD>;tag=f$i" \
			    "To: <sip:$u@corp.example>" \
			    "Call-ID: nosession-$m-$u-$i" "CSeq: 1 $m" \
			    "Max-Forwards: 70" \
			    "Content-Type: application/sdp" \
			    "Content-Length: $(printf '%s' "$SDP" |
			    sed 's/$/\r/' | wc -c)" "" >req.sip
			printf '%s' "$SDP" | sed 's/$/\r/' >>req.sip
			ip netns exec "$TB_WAN" "$TB_UDPTOOL" raw -s "$FLOOD" \
			    -p 5091 "$TB_WAN_IP" 5060 req.sip ||
			    tb_fail "udptool raw"
		done
	done
done
tb_wait_log hrac 'MESSAGE for .* refused|nosession-MESSAGE' 5 || true
sleep 1
h=$(ports "$TB_WAN" "$TB_WAN_IP") c=$(ports "$TB_LAN" "$TB_LAN_IP")
[ "$h" = 0 ] && [ "$c" = 0 ] ||
    tb_fail "OPTIONS/MESSAGE with SDP opened relay ports: hras $h, hrac $c"
echo "ok: 20 OPTIONS and 20 MESSAGE with SDP opened no relay port"

# --- the flood -------------------------------------------------------------
tb_start ring "$TB_LAN" sipp -nostdin -sf "$S/ring_uas.xml" -i 10.77.0.3 \
    -p 5070 -mp 6300
sleep 0.5
start=$(date +%s)
# -nd: sipp must not CANCEL the calls it gives up on.
tb_start flood "$TB_WAN" sipp -nostdin -nd -sf "$S/flood_uac.xml" \
    -i "$FLOOD" -p 5090 -mp 6400 -r 150 -m $((FLOOD_SECS * 150)) -s alice \
    "$TB_WAN_IP:5060"
sleep 4
max=$(ports "$TB_WAN" "$TB_WAN_IP")
# 256 pairs for the flooder's calls at most (of the 500 pairs here).
[ "$max" -le 512 ] || tb_fail "the flooder holds $max of hras's ports"
calls during
tb_running flood || tb_fail "the flood ended before the calls"
while tb_running flood; do
	[ $(($(date +%s) - start)) -lt $((FLOOD_SECS + 20)) ] ||
	    tb_fail "the flood did not end"
	sleep 0.5
done
sent=$(sed -n 's/^ *INVITE ---------->  *\([0-9]*\).*/\1/p' flood.log |
    tail -n 1)
echo "ok: the flooder sent ${sent:-?} INVITEs in $(($(date +%s) - start)) s"
refused=$(vofw_count hras 'refused call from 198\.51\.100\.66: .*its calls hold')
[ "$refused" -ge 1 ] || tb_fail "hras logged no refusal of the flooder"
[ "$refused" -le $((FLOOD_SECS + 10)) ] ||
    tb_fail "$refused refusal lines: not rate-limited"

# --- ports back to idle after Timer C ---------------------------------------
stop=$(date +%s)
until [ "$(ports "$TB_WAN" "$TB_WAN_IP")" = 0 ] &&
    [ "$(ports "$TB_LAN" "$TB_LAN_IP")" = 0 ]; do
	[ $(($(date +%s) - stop)) -le $((TIMER_C + 5)) ] ||
	    tb_fail "relay ports still open $((TIMER_C + 5)) s after the" \
	    "flood: hras $(ports "$TB_WAN" "$TB_WAN_IP"), hrac" \
	    "$(ports "$TB_LAN" "$TB_LAN_IP")"
	sleep 0.5
done
[ "$(vofw_count hras 'never answered \(Timer C\)')" -ge 1 ] &&
    [ "$(vofw_count hrac 'never answered \(Timer C\)')" -ge 1 ] ||
    tb_fail "no call ended by Timer C"
echo "ok: relay ports of both halves back to idle $(($(date +%s) - stop)) s after the flood (Timer C $TIMER_C s)"

calls after
tb_stop ring
