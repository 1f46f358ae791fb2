#!/bin/sh
# Early media through both halves, both ways: the callee answers 183
# Session Progress with SDP and plays voice while the call still rings,
# then 200 OK. The caller hears that voice through both relays before the
# 200, and the 183's SDP it sees names the relay of its own half (hrac's
# inside address for an inside caller, hras's public one for an outside
# caller), the port that voice comes from: nothing of the far phone or of
# the far half.
# timeout: 60
# shellcheck disable=SC2015  # "a && b || fail"
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

S=$VOFW_ROOT/tests/sipp
RING_MS=5000	# how long the callee plays early media before its 200
N=20		# early-media packets, 20 ms apart
vofw_pair_up
cd "$TB_DIR"
vofw_register alice 10.77.0.3

# Early voice: an RTP header and opaque bytes, as the relays must not care.
{
	printf '\200\000\000\001\000\000\000\240\336\255\276\357'
	head -c 160 /dev/urandom
} >early.bin || tb_fail "early.bin"
HEX=$(od -An -v -tx1 early.bin | tr -d ' \n')

# early NAME CALLEE_NS CALLEE_IP CALLEE_RELAY CALLER_NS CALLER_IP
#     CALLER_RELAY SIPP_ARGS...: the callee (port 5070, RTP 18400) plays
# early media to CALLEE_RELAY; the caller (port 5080, RTP 16400) must get
# it from CALLER_RELAY before the 200.
early() {
	_n=$1 _cns=$2 _cip=$3 _crelay=$4 _rns=$5 _rip=$6 _rrelay=$7
	shift 7
	tb_start "$_n-uas" "$_cns" sipp -nostdin -sf "$S/early_uas.xml" \
	    -i "$_cip" -p 5070 -mp 6100 -m 1 -d "$RING_MS" -key rtp 18400 \
	    -timeout 20 -timeout_error -trace_msg \
	    -message_file "$TB_DIR/$_n-uas.msg"
	tb_start "$_n-rx" "$_rns" "$TB_UDPTOOL" recv -x "$_rip" 16400 "$N" \
	    8000
	sleep 0.5
	tb_start "$_n-uac" "$_rns" sipp -nostdin -sf "$S/early_uac.xml" \
	    -i "$_rip" -p 5080 -mp 6200 -m 1 -d 200 -key rtp 16400 \
	    -timeout 20 -timeout_error -trace_msg \
	    -message_file "$TB_DIR/$_n-uac.msg" "$@"

	# The 183 reached the caller: both halves know the callee's SDP.
	vofw_wait_msg "$_n-uac.msg" received '^SIP/2.0 183' 10
	_inv=$(vofw_msg "$_n-uas.msg" received '^INVITE ')
	_c=$(printf '%s\n' "$_inv" | vofw_sdp c=)
	[ "$_c" = "IN IP4 $_crelay" ] ||
	    tb_fail "$_n: the callee's INVITE has c=$_c, not $_crelay"
	_port=$(printf '%s\n' "$_inv" | vofw_sdp m= | cut -d' ' -f2)
	ip netns exec "$_cns" "$TB_UDPTOOL" raw -s "$_cip" -p 18400 \
	    "$_crelay" "$_port" early.bin "$N" 20000 ||
	    tb_fail "$_n: udptool raw"
	tb_wait_log "$_n-rx" '^received ' 10
	grep -q "^received $N\$" "$_n-rx.log" ||
	    tb_fail "$_n: early media: $(tail -n 1 "$_n-rx.log"), want $N"
	# Still ringing: the callee holds its 200 for RING_MS.
	[ -z "$(vofw_msg "$_n-uac.msg" received '^SIP/2.0 200')" ] ||
	    tb_fail "$_n: the 200 came before the early media was checked" \
	    "(slow machine?)"

	# The 183 the caller saw: its own half's relay, the port voice came
	# from; nothing of the callee or of the far half.
	_r183=$(vofw_msg "$_n-uac.msg" received '^SIP/2.0 183')
	_c=$(printf '%s\n' "$_r183" | vofw_sdp c=)
	_o=$(printf '%s\n' "$_r183" | vofw_sdp o=)
	_m=$(printf '%s\n' "$_r183" | vofw_sdp m=)
	_rport=$(printf '%s\n' "$_m" | cut -d' ' -f2)
	[ "$_c" = "IN IP4 $_rrelay" ] && [ "${_o##* }" = "$_rrelay" ] ||
	    tb_fail "$_n: the caller's 183 has c=$_c o=$_o, not $_rrelay"
	[ "$_m" = "audio $_rport RTP/AVP 0" ] && [ "$_rport" != 18400 ] ||
	    tb_fail "$_n: the caller's 183 has m=$_m"
	! printf '%s\n' "$_r183" | grep -E "^[a-z]=.*($_cip|$_crelay)" ||
	    tb_fail "$_n: the caller's 183 names the callee or the far half"
	_good=$(grep -c "^from $_rrelay:$_rport len [0-9]* $HEX\$" \
	    "$_n-rx.log" || true)
	[ "$_good" = "$N" ] ||
	    tb_fail "$_n: $_good of $N packets came from $_rrelay:$_rport" \
	    "unchanged: $(head -n 2 "$_n-rx.log")"

	vofw_wait_sipp "$_n-uac" 15
	vofw_wait_sipp "$_n-uas" 5
}

early outbound "$TB_WAN" 198.51.100.14 "$TB_WAN_IP" \
    "$TB_LAN" 10.77.0.4 "$TB_LAN_IP" \
    -s bob -rsa "$TB_LAN_IP:5060" 198.51.100.14:5070
echo "ok: an outside callee's early media reaches the inside caller through both relays before the 200"
echo "ok: the 183 the inside caller sees holds hrac's inside address and relay port"

early inbound "$TB_LAN" 10.77.0.3 "$TB_LAN_IP" \
    "$TB_WAN" 198.51.100.14 "$TB_WAN_IP" \
    -s alice "$TB_WAN_IP:5060"
echo "ok: an inside callee's early media reaches the outside caller through both relays before the 200"
echo "ok: the 183 the outside caller sees holds hras's public address and relay port"

tb_wait_log hras 'ended: BYE' 5
[ "$(vofw_count hras 'ended: BYE')" = 2 ] &&
    [ "$(vofw_count hrac 'ended: BYE')" = 2 ] ||
    tb_fail "the relays did not see both calls end by BYE"
echo "ok: both early-media calls answered and ended by BYE"
