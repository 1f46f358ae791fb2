#!/bin/sh
# Inside calls stay inside (paper appendix 4): hrac knows its phones'
# bindings from the REGISTER answers it relayed and routes a call between
# two of them itself, without Record-Route or SDP rewriting, so signalling
# after the INVITE and all voice go phone to phone. The firewall's LAN port
# sees nothing of the call; the call also works with hras stopped.
# timeout: 90
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

call() {	# call NAME: alice calls carol (answers, echoes voice)
	tb_start "$1-carol" "$TB_LAN" sipp -nostdin -sn uas -rtp_echo \
	    -i 10.77.0.5 -p 5070 -mi 10.77.0.5 -mp 16200 -m 1
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

call local
# The call lasted 9 s with ~500 voice packets (~100 KB); at most a
# keepalive or two of the tunnel crossed the firewall meanwhile.
[ "$fw" -lt 2000 ] || tb_fail "$fw bytes crossed the firewall during the call"
! grep -q 'call .*carol' "$TB_DIR/hras.log" ||
    tb_fail "hras saw the inside call"
echo "ok: inside call with voice both ways; $fw bytes at the firewall (keepalives only)"

# carol's phone moves (registers again from port 5072): hrac follows the
# REGISTER answer and routes the next call there.
vofw_register carol 10.77.0.5 5072
tb_start moved-carol "$TB_LAN" sipp -nostdin -sn uas -i 10.77.0.5 -p 5072 \
    -m 1
sleep 0.5
ip netns exec "$TB_LAN" timeout 20 sipp -nostdin -sn uac -s carol \
    -i 10.77.0.3 -p 5084 -m 1 -d 500 -timeout 10 -timeout_error \
    "$TB_LAN_IP:5060" >moved.log 2>&1 ||
    tb_fail "the inside call did not follow carol's new binding"
tb_stop moved-carol
echo "ok: an inside call follows a binding that moved"
sleep 1
vofw_register carol 10.77.0.5		# back at 5070, the newest again

tb_stop hras
tb_wait_log hrac 'tunnel down' 60
call offline
echo "ok: inside call works with hras stopped"

# An inside user with no binding: 404 from hrac itself.
ip netns exec "$TB_LAN" timeout 20 sipp -nostdin -sf "$S/invite_404.xml" \
    -s nobody -i 10.77.0.3 -p 5082 -m 1 -timeout 10 \
    -timeout_error "$TB_LAN_IP:5060" >nobody.log 2>&1 ||
    tb_fail "a call for an unknown inside user did not get 404"
echo "ok: unknown inside user gets 404"
