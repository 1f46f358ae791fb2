#!/bin/sh
# inside_calls = "hras" and "off" (paper 3.5): with "hras", a call between
# two inside phones is set up through hras (the INVITE and its answer
# cross the tunnel) but neither half records the route or rewrites SDP, so
# the voice goes phone to phone; with "off", the call is relayed like any
# other, one leg out of the tunnel and one back in. The firewall's LAN
# counters tell which bytes crossed. t_local covers the default, "local".
# timeout: 120
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

S=$VOFW_ROOT/tests/sipp
VOFW_TIMERS=""		# default keepalives: the firewall count stays quiet
vofw_pair_up
ln -s /usr/share/sip-tester "$TB_DIR/pcap"
cd "$TB_DIR"
vofw_register alice 10.77.0.3
vofw_register carol 10.77.0.5

mode() {	# mode VALUE: hrac takes inside_calls = VALUE on SIGHUP
	n=$(vofw_count hrac 'configuration reloaded')
	vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" \
	    "$TB_PROXY_URL" "" "" "inside_calls = \"$1\";"
	kill -HUP "$(tb_pid hrac)"
	vofw_wait_count hrac 'configuration reloaded' $((n + 1)) 5
}

call() {	# call NAME: alice calls carol (answers, echoes voice)
	tb_start "$1-carol" "$TB_LAN" sipp -nostdin -sn uas -rtp_echo \
	    -i 10.77.0.5 -p 5070 -mi 10.77.0.5 -mp 16200 -m 1 -trace_msg \
	    -message_file "$TB_DIR/$1-carol.msg"
	sleep 0.5
	tb_fw_reset
	ip netns exec "$TB_LAN" timeout 40 sipp -nostdin -sn uac_pcap -s carol \
	    -i 10.77.0.3 -p 5080 -mi 10.77.0.3 -mp 16000 -m 1 -timeout 30 \
	    -timeout_error "$TB_LAN_IP:5060" >"$1.log" 2>&1 ||
	    tb_fail "$1: the inside call failed"
	fw=$(tb_fw_lan_bytes both)
	tb_stop "$1-carol"
	grep -Eq '[0-9]{3} Total echo RTP pckts 1st stream' "$1-carol.log" ||
	    tb_fail "$1: carol echoed no voice"
}

# --- "hras": set-up through the tunnel, voice phone to phone -------------
mode hras
call viahras
tb_wait_log hras 'client corp: inside call carol@corp.example set up through hras' 2
# The 9 s call carried ~500 voice packets each way (~100 KB per direction
# at the firewall if it were relayed); the set-up's few messages are a
# few KB.
[ "$fw" -gt 1500 ] || tb_fail "hras mode: only $fw bytes crossed; no set-up?"
[ "$fw" -lt 30000 ] || tb_fail "hras mode: $fw bytes crossed; voice relayed?"
! grep -Eq 'call [^ ]+: .* -> sip:carol@' "$TB_DIR/hras.log" ||
    tb_fail "hras mode: hras relays the call's media"
! grep -Eq 'call [^ ]+: .* -> sip:carol@' "$TB_DIR/hrac.log" ||
    tb_fail "hras mode: hrac relays the call's media"
grep -q '^c=IN IP4 10.77.0.3' "$TB_DIR/viahras-carol.msg" ||
    tb_fail "hras mode: carol did not get alice's own SDP"
! grep -qi '^Record-Route' "$TB_DIR/viahras-carol.msg" ||
    tb_fail "hras mode: the INVITE was record-routed"
echo "ok: inside_calls = hras: set-up through hras, voice phone to phone ($fw bytes at the firewall)"

# carol's phone moves (registers again from port 5072, the old binding
# left to expire): the set-up follows the newest binding.
vofw_register carol 10.77.0.5 5072
tb_start moved-carol "$TB_LAN" sipp -nostdin -sn uas -i 10.77.0.5 -p 5072 \
    -mi 10.77.0.5 -mp 16300 -m 1
sleep 0.5
ip netns exec "$TB_LAN" timeout 20 sipp -nostdin -sn uac -s carol \
    -i 10.77.0.3 -p 5084 -m 1 -d 500 -timeout 10 -timeout_error \
    "$TB_LAN_IP:5060" >moved.log 2>&1 ||
    tb_fail "hras mode: the call did not follow carol's new binding"
tb_stop moved-carol
echo "ok: inside_calls = hras follows a binding that moved"
sleep 1
vofw_register carol 10.77.0.5		# back at 5070, the newest again

# --- "off": two relayed legs, voice through hras ---------------------------
mode off
call relayed
[ "$fw" -gt 150000 ] || tb_fail "off mode: only $fw bytes crossed"
# Two legs in each half's VCIT: alice's call out, carol's call in.
tb_wait_log hras 'call [^ ]*-vofw2@[^ ]* ended: BYE' 5
tb_wait_log hrac 'call [^ ]*-vofw2@[^ ]* ended: BYE' 5
[ "$(vofw_count hras 'call [^ ]+: .* -> sip:carol@')" -ge 2 ] ||
    tb_fail "off mode: hras did not relay two legs: $(grep 'call ' hras.log)"
[ "$(vofw_count hrac 'call [^ ]+: .* -> sip:carol@')" -ge 2 ] ||
    tb_fail "off mode: hrac did not relay two legs: $(grep 'call ' hrac.log)"
grep -q "^c=IN IP4 $TB_LAN_IP" "$TB_DIR/relayed-carol.msg" ||
    tb_fail "off mode: carol's SDP does not name hrac's relay"
echo "ok: inside_calls = off: both legs relayed through hras ($fw bytes at the firewall)"

# --- unknown inside user: 404 in either mode ----------------------------------
for m in hras off; do
	mode $m
	ip netns exec "$TB_LAN" timeout 20 sipp -nostdin \
	    -sf "$S/invite_404.xml" -s nobody -i 10.77.0.3 -p 5082 -m 1 \
	    -timeout 10 -timeout_error "$TB_LAN_IP:5060" >nobody-$m.log 2>&1 ||
	    tb_fail "$m mode: a call for an unknown inside user did not get 404"
done
echo "ok: unknown inside user gets 404 with hras and off"
