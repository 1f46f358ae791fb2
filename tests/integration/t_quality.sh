#!/bin/sh
# Voice quality measured by the relays themselves (docs/calls.md): each
# half writes, when a call ends, one line with the call's duration and,
# per stream and direction, packets, loss, jitter, late packets and
# drops, and the call's MOS. A clean call reads 0 % both ways and a MOS
# near G.711's ceiling of 4.41; a call whose outside phone loses 5 % of
# its voice on the way to hras (nftables, numgen random) reads 5 +- 2 %
# to_inside on both halves, 0 to_outside, and a lower MOS, in the line
# and, while the call is up, in `-c calls -j` on both halves.
# timeout: 120
# shellcheck disable=SC2015  # "a && b || fail"
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

S=$VOFW_ROOT/tests/sipp
BOB=198.51.100.14	# the outside phone
ALICE=10.77.0.3		# the inside phone
vofw_pair_up
cd "$TB_DIR"
vofw_register alice "$ALICE"

# call_up NAME UAS_RTP UAC_RTP: bob calls alice, alice answers with RTP
# port UAS_RTP, bob's is UAC_RTP; returns once the call is up, with
# hras's port (bob's side) and hrac's port (alice's side) in NAME.ports.
call_up() {
	tb_start "$1-uas" "$TB_LAN" sipp -nostdin -sf "$S/media_uas.xml" \
	    -i "$ALICE" -p 5070 -mp 6100 -m 1 -key rtp "$2" \
	    -key proto RTP/AVP -key a1 "rtpmap:8 PCMA/8000" -key a2 sendrecv \
	    -timeout 60 -timeout_error -trace_msg \
	    -message_file "$TB_DIR/$1-uas.msg"
	sleep 0.5
	tb_start "$1-uac" "$TB_WAN" sipp -nostdin -sf "$S/media_uac.xml" \
	    -i "$BOB" -p 5080 -mp 6200 -m 1 -key rtp "$3" \
	    -key proto RTP/AVP -key a1 "rtpmap:8 PCMA/8000" -key a2 sendrecv \
	    -timeout 60 -timeout_error -trace_msg \
	    -message_file "$TB_DIR/$1-uac.msg" -s alice "$TB_WAN_IP:5060"
	vofw_wait_msg "$1-uac.msg" sent '^ACK ' 10
	_hras=$(vofw_msg "$1-uac.msg" received '^SIP/2.0 200' | vofw_sdp m= |
	    cut -d' ' -f2)
	_hrac=$(vofw_msg "$1-uas.msg" received '^INVITE ' | vofw_sdp m= |
	    cut -d' ' -f2)
	[ -n "$_hras" ] && [ -n "$_hrac" ] || tb_fail "$1: no relay ports"
	echo "$_hras $_hrac" >"$1.ports"
}

# talk NAME COUNT INTERVAL_US STEP: both phones send COUNT RTP packets to
# their relay at once, INTERVAL_US apart, timestamps STEP apart.
talk() {
	read -r _hras _hrac <"$1.ports"
	ip netns exec "$TB_WAN" "$TB_UDPTOOL" rtp -s "$BOB" -p 18800 -t "$4" \
	    "$TB_WAN_IP" "$_hras" "$2" "$3" 1111 >/dev/null &
	_bob=$!
	ip netns exec "$TB_LAN" "$TB_UDPTOOL" rtp -s "$ALICE" -p 16800 \
	    -t "$4" "$TB_LAN_IP" "$_hrac" "$2" "$3" 2222 >/dev/null ||
	    tb_fail "$1: alice could not send"
	wait "$_bob" || tb_fail "$1: bob could not send"
	sleep 0.5	# the last packets cross the tunnel
}

# hangup NAME: a NOTIFY straight to bob makes him send BYE; both halves
# log the call's end.
hangup() {
	_cid=$(vofw_msg "$1-uac.msg" sent '^INVITE ' | sed -n 's/^Call-ID: //p')
	printf '%s\r\n' "NOTIFY sip:caller@$BOB:5080 SIP/2.0" \
	    "Via: SIP/2.0/UDP $BOB:9;branch=z9hG4bK-hangup-$1" \
	    "From: <sip:test@$BOB>;tag=hangup" "To: <sip:caller@$BOB>" \
	    "Call-ID: $_cid" "CSeq: 1 NOTIFY" "Max-Forwards: 70" \
	    "Content-Length: 0" "" >"$1.notify"
	ip netns exec "$TB_WAN" "$TB_UDPTOOL" raw -s "$BOB" "$BOB" 5080 \
	    "$1.notify" || tb_fail "$1: cannot send the hang-up"
	vofw_wait_sipp "$1-uac" 10
	vofw_wait_sipp "$1-uas" 5
	tb_wait_log hras "call $_cid ended: BYE" 5
	tb_wait_log hrac "call $_cid ended: BYE" 5
	grep -F "call $_cid ended: BYE" hras.log | tail -n 1 >"$1.hras"
	grep -F "call $_cid ended: BYE" hrac.log | tail -n 1 >"$1.hrac"
}

# val NAME HALF KEY: KEY's value in HALF's end-of-call line of call NAME.
val() {
	_v=$(tr ' ' '\n' <"$1.$2" | sed -n "s/^$3=//p")
	[ -n "$_v" ] || tb_fail "$1: $2's end-of-call line has no $3:" \
	    "$(cat "$1.$2")"
	echo "$_v"
}

# within NAME HALF KEY MIN MAX: KEY's value is in [MIN, MAX].
within() {
	_w=$(val "$1" "$2" "$3")
	awk -v v="$_w" -v lo="$4" -v hi="$5" 'BEGIN { exit !(v >= lo && v <= hi) }' ||
	    tb_fail "$1: $2's $3=$_w, want $4..$5: $(cat "$1.$2")"
}

# --- a clean call ------------------------------------------------------------
call_up clean 16800 18800
talk clean 300 10000 80
hangup clean
for h in hras hrac; do
	within clean $h s0.in.packets 299 300
	within clean $h s0.out.packets 299 300
	within clean $h s0.in.loss_pct 0 0
	within clean $h s0.out.loss_pct 0 0
	within clean $h mos 4.3 4.41
	within clean $h duration_s 3 30
	[ "$(val clean $h s0)" = audio ] || tb_fail "clean: $h: s0 not audio"
done
echo "ok: a clean call: 0 % lost both ways on both halves, MOS" \
    "$(val clean hras mos) (hras) $(val clean hrac mos) (hrac)"

# --- 5 % of bob's voice lost before hras ----------------------------------
call_up lossy 16800 18800
read -r hras_rtp _ <lossy.ports
ip netns exec "$TB_WAN" nft -f - <<EOT || tb_fail "nft loss"
table inet quality {
	chain in {
		type filter hook input priority 0;
		ip saddr $BOB udp dport $hras_rtp numgen random mod 100 < 5 drop
	}
}
EOT
talk lossy 2000 5000 40
ip netns exec "$TB_WAN" nft delete table inet quality ||
    tb_fail "nft loss off"
# While the call is up, both halves' control sockets show the same.
for h in hras hrac; do
	"$VOFW_BIN/$h" -f "$TB_DIR/$h.conf" -c calls -j >"lossy-$h.json" ||
	    tb_fail "lossy: $h -c calls -j"
	jq -e '.calls | length == 1 and (.[0] | .mos < 4.3 and
	    (.streams[0] | .media == "audio" and
	    .to_inside.loss_pct >= 3 and .to_inside.loss_pct <= 7 and
	    .to_inside.packets >= 1860 and .to_outside.loss_pct == 0 and
	    .to_outside.packets >= 1999))' "lossy-$h.json" >/dev/null ||
	    tb_fail "lossy: $h -c calls -j: $(cat "lossy-$h.json")"
done
echo "ok: -c calls -j during the lossy call:" \
    "$(jq -c '.calls[0].streams[0].to_inside' lossy-hras.json) (hras)"
hangup lossy
for h in hras hrac; do
	within lossy $h s0.in.loss_pct 3 7
	within lossy $h s0.in.lost 60 140
	within lossy $h s0.out.loss_pct 0 0
	within lossy $h s0.out.lost 0 0
	within lossy $h s0.out.packets 1999 2000
	within lossy $h tunnel_rtt_ms 0 50
	awk -v a="$(val lossy $h mos)" -v b="$(val clean $h mos)" \
	    'BEGIN { exit !(a < b - 0.1) }' ||
	    tb_fail "lossy: $h's MOS $(val lossy $h mos) not below the" \
	    "clean call's $(val clean $h mos)"
done
cat lossy.hras lossy.hrac
echo "ok: 5 % dropped outside: to_inside $(val lossy hras s0.in.loss_pct) %" \
    "(hras) $(val lossy hrac s0.in.loss_pct) % (hrac), to_outside 0, MOS" \
    "$(val lossy hras mos) < $(val clean hras mos)"
