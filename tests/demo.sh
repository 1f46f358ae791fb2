#!/bin/sh
# The main job, end to end on this machine: a company LAN whose firewall
# lets out only web traffic through Squid, hrac inside, hras outside. It
# brings the testbed up, opens the tunnel, registers an inside phone, has
# an outside phone call it and it call back (sipp, G.711 voice from a pcap
# echoed by the far phone), then loads the tunnel with voice-sized
# datagrams (172 bytes, 50 per second per call) to measure added delay and
# bytes at the firewall, prints what happened and tears everything down.
#
#   DEMO_CALLS (default 10)   concurrent voice streams
#   DEMO_SECONDS (default 5)  how long they run
set -eu

. "$(dirname "$0")/lib/testbed.sh"
. "$(dirname "$0")/lib/vofw.sh"

VOFW_TIMERS=""
CALLS=${DEMO_CALLS:-10}
SECONDS_RUN=${DEMO_SECONDS:-5}
RATE=$((CALLS * 50))
COUNT=$((RATE * SECONDS_RUN))

echo "== VoFW demo: $CALLS voice streams for $SECONDS_RUN s through a" \
    "firewall and an HTTP proxy"
tb_up
tb_squid_start
vofw_hras_conf "$TB_DIR/hras.conf"
vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" "$TB_PROXY_URL"
vofw_start_hras
t0=$(date +%s%3N)
vofw_start_hrac
tb_wait_log hrac 'tunnel up' 20
t1=$(date +%s%3N)
mode=$(sed -n 's/.*tunnel up (\([a-z]*\) mode).*/\1/p' "$TB_DIR/hrac.log" |
    head -1)

# A real call each way between SIP phones (sipp).
ln -s /usr/share/sip-tester "$TB_DIR/pcap"
cd "$TB_DIR"
ip netns exec "$TB_LAN" timeout 20 sipp -nostdin \
    -sf "$VOFW_ROOT/tests/sipp/register.xml" \
    -key domain corp.example -s alice -i 10.77.0.3 -p 5070 \
    -m 1 "$TB_LAN_IP:5060" >reg.log 2>&1 || tb_fail "alice cannot register"
call() {	# call NAME CALLEE_NS CALLEE_IP CALLER_NS CALLER_IP SIPP-ARGS...
	_n=$1 _cns=$2 _cip=$3 _rns=$4 _rip=$5
	shift 5
	tb_start "$_n-callee" "$_cns" sipp -nostdin -sn uas -rtp_echo \
	    -i "$_cip" -p 5070 -mi "$_cip" -mp 16000
	sleep 0.5
	ip netns exec "$_rns" timeout 40 sipp -nostdin -sn uac_pcap \
	    -i "$_rip" -p 5080 -mi "$_rip" -mp 18000 -m 1 -timeout 30 \
	    -timeout_error -trace_rtt -rtt_freq 1 "$@" >"$_n.log" 2>&1 ||
	    tb_fail "$_n call failed"
	tb_stop "$_n-callee"
	# sipp's response time 1: from sending the INVITE to the 200 OK.
	setup=$(awk -F';' 'NR > 1 { if ($2 < 1) print "under 1 ms"
	    else printf "%.0f ms", $2 }' uac_pcap_*_rtt.csv)
	rm -f uac_pcap_*_rtt.csv
	echoed=$(sed -n 's/^ *\([0-9]*\) Total echo RTP pckts 1st.*/\1/p' \
	    "$TB_DIR/$_n-callee.log" | tail -1)
	echo "$_n call: set up in $setup (INVITE to 200 OK, as sipp counts" \
	    "it, in whole ms); $echoed voice packets echoed back by the callee"
}
mark=$(grep -c 'closed:' hras.log || true)
CALLS_OUT=$(
call inbound "$TB_LAN" 10.77.0.3 "$TB_WAN" 198.51.100.14 -s alice \
    "$TB_WAN_IP:5060"
call outbound "$TB_WAN" 198.51.100.14 "$TB_LAN" 10.77.0.4 -s bob \
    -rsa "$TB_LAN_IP:5060" 198.51.100.14:5070
)
relayed=$(sed -n 's/.*media flow .* closed: port [0-9]*, \([0-9]*\) in, \([0-9]*\) out/\1 \2/p' hras.log | tail -n +$((mark + 1)))
cd - >/dev/null

# The far end echoes every datagram: each one crosses the tunnel twice.
tb_start echo "$TB_WAN" "$TB_UDPTOOL" echo 198.51.100.12 7003
tb_start direct_echo "$TB_WAN" "$TB_UDPTOOL" echo 198.51.100.13 7005
sleep 0.3
direct=$(tb_run_wan "$TB_UDPTOOL" rtt -s 198.51.100.14 198.51.100.13 7005 \
    "$COUNT" "$RATE" 172 2000)
tb_fw_reset
relay=$(tb_run_lan "$TB_UDPTOOL" rtt -s 10.77.0.3 -p 7001 "$TB_LAN_IP" 7000 \
    "$COUNT" "$RATE" 172 2000)
fw_bytes=$(tb_fw_lan_bytes both)
tb_fw_reset
sleep 30
idle=$(tb_fw_lan_bytes both)

field() { echo "$1" | awk -v k="$2" '{ for (i = 1; i < NF; i++)
    if ($i == k) print $(i + 1) }'; }
sent=$(field "$relay" sent)
recv=$(field "$relay" received)
# What the same voice would put on the wire sent directly as UDP: each
# datagram crosses the LAN port once out and once back, 172 + 28 bytes.
plain=$((2 * sent * 200))

echo
echo "tunnel set-up (hrac start to tunnel up): $((t1 - t0)) ms, $mode mode"
echo "inside phone alice@corp.example registered through hrac and hras"
echo "$CALLS_OUT"
echo "$relayed" | awk '{ printf "call %d voice through hras: %d packets " \
    "from the outside phone, %d to it\n", NR, $1, $2 }'
echo
echo "voice-sized datagrams, $CALLS streams for $SECONDS_RUN s:"
echo "datagrams out (LAN -> WAN):  $sent sent"
echo "datagrams back (WAN -> LAN): $recv received"
echo "loss: $(field "$relay" loss_pct) %"
awk -v r50="$(field "$relay" p50_us)" -v r99="$(field "$relay" p99_us)" \
    -v d50="$(field "$direct" p50_us)" -v d99="$(field "$direct" p99_us)" \
    'BEGIN {
	printf "round trip p50/p99: %.0f/%.0f us through both relays, " \
	    "%.0f/%.0f us direct\n", r50, r99, d50, d99
	printf "added one-way delay p50/p99: %.3f/%.3f ms\n",
	    (r50 - d50) / 2000, (r99 - d99) / 2000
    }'
awk -v f="$fw_bytes" -v p="$plain" 'BEGIN {
	printf "bytes at the firewall LAN port: %d (%.2f x the same voice " \
	    "sent as plain UDP)\n", f, f / p }'
awk -v i="$idle" 'BEGIN { printf "idle tunnel: %d bytes in 30 s " \
    "(%.0f bytes per minute)\n", i, i * 2 }'
[ "$recv" -gt 0 ] || tb_fail "no voice came back"
