#!/bin/sh
# tunnel.lanes = 2, set by a reload of a running hrac: hrac opens a second
# GET and POST through the proxy, and both halves send every frame on both
# lanes (tunnel.copies = "always"; t_lanes_loss has "on-loss"); a reload back to 1 closes them again. One lane's connections
# between Squid and hras are then cut off for 4 s (every packet dropped
# at the firewall, as a stalled or lossy path would hold them): voice
# echoed through the tunnel all that time must neither be lost nor held
# back, and the tunnel must stay up. With one lane the same cut holds the
# voice for 4 s (checked by hand: this test then fails on max_us).
# t_lanes_tls runs the same over https:// (CONNECT, TLS to hras).
# timeout: 90
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

tb_up
tb_squid_start
scheme=http
tls=
if [ "${VOFW_LANES_TLS:-0}" = 1 ]; then
	tb_tls_certs "$TB_DIR" "$TB_WAN_IP"
	chgrp vofw "$TB_DIR"/*.key && chmod 640 "$TB_DIR"/*.key ||
	    tb_fail "key modes"
	HRAS_TUNNEL_EXTRA="tls = { cert = \"$TB_DIR/hras.pem\";
	    key = \"$TB_DIR/hras.key\"; };"
	scheme=https
	tls="tls = { ca = \"$TB_DIR/ca.pem\"; };"
fi
vofw_hras_conf "$TB_DIR/hras.conf"
vofw_hrac_conf "$TB_DIR/hrac.conf" "$scheme://$TB_WAN_IP:8080/" \
    "$TB_PROXY_URL" "" "lanes = 1; copies = \"always\";" "$tls"
vofw_start_hras
vofw_start_hrac
tb_wait_log hrac 'tunnel up \(stream mode\)' 15

# lanes N: reload hrac with tunnel.lanes = N; wait until its control
# socket says N lanes are open.
lanes() {
	sed -i "s/lanes = [0-9];/lanes = $1;/" "$TB_DIR/hrac.conf" ||
	    tb_fail "cannot edit hrac.conf"
	kill -HUP "$(cat "$TB_DIR/hrac.pid")"
	_i=0
	until "$TB_HRAC" -f "$TB_DIR/hrac.conf" -c tunnel |
	    grep -q "^lanes: *$1 of $1,"; do
		_i=$((_i + 1))
		[ "$_i" -lt 100 ] || tb_fail "hrac -c tunnel after the" \
		    "reload: $("$TB_HRAC" -f "$TB_DIR/hrac.conf" -c tunnel)"
		sleep 0.1
	done
}
lanes 2
for what in 'lane 1 downstream' 'lane 1 upstream'; do
	tb_wait_log hras "$what from" 10
done
# hras's control socket says the same.
"$TB_HRAS" -f "$TB_DIR/hras.conf" -c tunnels -j |
    jq -e '.tunnels[0].lanes == 2' >/dev/null ||
    tb_fail "hras -c tunnels: $("$TB_HRAS" -f "$TB_DIR/hras.conf" -c \
    tunnels -j)"

# Squid's ports of the first lane's connections to hras, from hras's log.
ports=$(sed -n 's/.*lane 0 [a-z]*stream from [0-9.]*:\([0-9]*\).*/\1/p' \
    "$TB_DIR/hras.log" | sort -u | paste -sd, -)
[ "$(echo "$ports" | tr ',' '\n' | wc -l)" = 2 ] ||
    tb_fail "lane 0's connections not found in hras's log: '$ports'"
echo "lane 0: Squid ports $ports"

tb_start echo "$TB_WAN" "$TB_UDPTOOL" echo 198.51.100.12 7003
sleep 0.2
# 10 s of one call's voice; lane 0 is cut off from 3 s to 7 s.
tb_run_lan "$TB_UDPTOOL" rtt -s 10.77.0.3 -p 7001 "$TB_LAN_IP" 7000 \
    500 50 172 2000 >"$TB_DIR/rtt.out" &
rtt=$!
sleep 3
ip netns exec "$TB_FW" nft -f - <<NFT || tb_fail "cannot cut lane 0"
table inet vofw_lanes {
	chain out { type filter hook output priority 0; tcp sport { $ports } drop; }
	chain in { type filter hook input priority 0; tcp dport { $ports } drop; }
}
NFT
sleep 4
dropped=$(ip netns exec "$TB_FW" nft list table inet vofw_lanes |
    grep -c drop)
ip netns exec "$TB_FW" nft delete table inet vofw_lanes
wait "$rtt" || tb_fail "udptool rtt failed"
out=$(cat "$TB_DIR/rtt.out")
echo "$out"
[ "$dropped" = 2 ] || tb_fail "the cut was not in place"
echo "$out" | grep -q 'sent 500 received 500 ' ||
    tb_fail "voice lost while a lane was cut: $out"
max=$(echo "$out" | sed -n 's/.* max_us \([0-9]*\).*/\1/p')
[ "${max:-999999}" -lt 150000 ] ||
    tb_fail "voice held back while a lane was cut: max RTT $max µs"
[ "$(vofw_count hrac 'tunnel down')" = 0 ] ||
    tb_fail "the tunnel went down while a lane was cut"
# The copies lane 0 brought late were counted and dropped.
copies=$("$TB_HRAC" -f "$TB_DIR/hrac.conf" -c tunnel -j |
    sed -n 's/.*"rx_copies":\([0-9]*\).*/\1/p')
[ "${copies:-0}" -ge 250 ] ||
    tb_fail "copies of frames counted by hrac: '$copies', want 250 or more"

# Back to one lane: hrac closes the second; voice goes on over the first.
lanes 1
[ "$(vofw_count hrac 'tunnel lane 1 closed')" = 1 ] ||
    tb_fail "hrac did not say it closed lane 1"
out=$(tb_run_lan "$TB_UDPTOOL" rtt -s 10.77.0.3 -p 7001 "$TB_LAN_IP" 7000 \
    50 50 172 2000)
echo "$out" | grep -q 'sent 50 received 50 ' ||
    tb_fail "voice lost after lane 1 closed: $out"
[ "$(vofw_count hrac 'tunnel down')" = 0 ] ||
    tb_fail "the tunnel went down when lane 1 closed"
echo "ok: nothing lost or held back (max RTT $max µs) with lane 0 cut for" \
    "4 s; the second lane opened and closed by reloads"
