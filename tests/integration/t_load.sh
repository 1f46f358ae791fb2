#!/bin/sh
# Load through the tunnel: 200 calls at 20 calls/s from outside phones to an
# inside phone, each with G.711 voice echoed back, over UDP and then over
# TCP between the outside phone and hras. No call may fail.
# timeout: 150
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

SIPP_DIR=$VOFW_ROOT/tests/sipp
vofw_pair_up
ln -s /usr/share/sip-tester "$TB_DIR/pcap"
cd "$TB_DIR"

vofw_register alice 10.77.0.3
tb_start alice "$TB_LAN" sipp -nostdin -sn uas -rtp_echo -i 10.77.0.3 \
    -p 5070 -mi 10.77.0.3 -mp 16000
sleep 0.5

load() {	# load NAME TRANSPORT PORT
	ip netns exec "$TB_WAN" timeout 90 sipp -nostdin -sn uac_pcap -s alice \
	    -i 198.51.100.15 -p "$3" -mi 198.51.100.15 -mp 18000 -t "$2" \
	    -r 20 -m 200 -l 200 -timeout 80 -timeout_error \
	    -trace_stat -stf "$TB_DIR/$1.csv" "$TB_WAN_IP:5060" \
	    >"$TB_DIR/$1.log" 2>&1 || tb_fail "$1: calls failed"
	ok=$(grep -E '^  Successful call' "$TB_DIR/$1.log" | awk '{print $NF}')
	bad=$(grep -E '^  Failed call' "$TB_DIR/$1.log" | awk '{print $NF}')
	[ "$ok" = 200 ] && [ "$bad" = 0 ] ||
	    tb_fail "$1: $ok successful, $bad failed calls"
	echo "ok: $1: 200 calls at 20/s, none failed"
}
load udp u1 5080
load tcp t1 5082

# Every call's voice went through both relays both ways.
flows=$(grep -c 'media flow .* closed:' "$TB_DIR/hras.log")
short=$(awk '/media flow .* closed:/ { if ($(NF-3) < 200 || $(NF-1) < 200)
    n++ } END { print n + 0 }' "$TB_DIR/hras.log")
[ "$flows" -ge 400 ] || tb_fail "hras closed $flows media flows, want 400"
[ "$short" = 0 ] || tb_fail "$short flows carried under 200 packets a way"
echo "ok: $flows calls' voice relayed both ways"
