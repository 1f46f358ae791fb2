#!/bin/sh
# Tunnel batching follows the voice rate (common/batch.h): voice too sparse
# for company within tunnel.batch_wait goes at once; voice that comes
# often enough waits up to batch_wait for more; voice that fills
# tunnel.batch_bytes goes at once; with batching off nothing waits. Round
# trips through both halves' hooks (udptool rtt -> hrac -> tunnel -> hras
# -> echo -> hras -> tunnel -> hrac) show each: a waiting datagram waits
# once in each direction.
# timeout: 120
# serial: it measures waits of a millisecond
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

WAIT_US=50000
tb_up
tb_squid_start
HRAS_TUNNEL_EXTRA="batch_wait = $WAIT_US; batch_bytes = 16384;" \
    vofw_hras_conf "$TB_DIR/hras.conf"
vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" \
    "$TB_PROXY_URL" "" "batch_wait = $WAIT_US; batch_bytes = 16384;"
vofw_start_hras
vofw_start_hrac
tb_wait_log hrac 'tunnel up \(stream mode\)' 15
tb_start echo "$TB_WAN" "$TB_UDPTOOL" echo 198.51.100.12 7003
# The echo binds its socket as it starts: a first datagram before that
# is refused (ICMP) and counted lost.
sleep 0.2

# batch_rtt COUNT RATE: round trips from the LAN receiver's address;
# prints "p50_us P loss_pct L".
batch_rtt() {
	tb_run_lan timeout 30 "$TB_UDPTOOL" rtt -s 10.77.0.3 -p 7001 \
	    "$TB_LAN_IP" 7000 "$1" "$2" 172 2000 |
	    awk '{ for (i = 1; i < NF; i++) if ($i == "p50_us" ||
		$i == "loss_pct") printf "%s %s ", $i, $(i + 1); print "" }'
}

# field NAME LINE: the value after NAME.
field() {
	echo "$2" | awk -v n="$1" '{ for (i = 1; i < NF; i++)
	    if ($i == n) { printf "%d\n", $(i + 1); exit } }'
}

# Alone (5 per second, 200 ms apart): no company is due within the 50 ms,
# so nothing waits for it.
r=$(batch_rtt 15 5)
echo "lone datagrams: $r"
[ "$(field loss_pct "$r")" = 0 ] || tb_fail "lone datagrams lost: $r"
[ "$(field p50_us "$r")" -lt $((WAIT_US / 5)) ] ||
    tb_fail "lone datagrams waited for company that was not due: $r"
echo "ok: a datagram with no company due goes at once"

# 100 per second, 10 ms apart: company is due, the 16 KB batch is not, so
# voice waits in hrac and in hras, up to the 50 ms, and still arrives.
r=$(batch_rtt 300 100)
echo "company due: $r"
[ "$(field loss_pct "$r")" = 0 ] || tb_fail "waiting voice lost: $r"
p50=$(field p50_us "$r")
[ "$p50" -ge $((WAIT_US / 2)) ] && [ "$p50" -le $((2 * WAIT_US + 60000)) ] ||
    tb_fail "voice with company due: round trip $p50 µs, want $((WAIT_US / 2)) to $((2 * WAIT_US + 60000))"
echo "ok: voice with company due waits, at most batch_wait in each half"

# 16 KB of voice fills a batch: at 10,000 datagrams/s (179 bytes each as
# records) that takes 9 ms, so no datagram waits the 50 ms.
r=$(batch_rtt 5000 10000)
echo "voice filling batches: $r"
[ "$(field loss_pct "$r")" = 0 ] || tb_fail "full batches lost voice: $r"
[ "$(field p50_us "$r")" -lt $((WAIT_US / 2)) ] ||
    tb_fail "full batches waited: $r"
echo "ok: a batch that fills goes at once"

# Batching off (SIGHUP): nothing waits.
sed -i "s/batch_wait = $WAIT_US;/batch_wait = 0;/" "$TB_DIR/hras.conf" \
    "$TB_DIR/hrac.conf"
kill -HUP "$(tb_pid hras)" "$(tb_pid hrac)"
tb_wait_log hras 'configuration reloaded' 5
tb_wait_log hrac 'configuration reloaded' 5
r=$(batch_rtt 300 100)
echo "batching off: $r"
[ "$(field loss_pct "$r")" = 0 ] || tb_fail "batching off lost voice: $r"
[ "$(field p50_us "$r")" -lt $((WAIT_US / 5)) ] ||
    tb_fail "batching off, a lone datagram still waited: $r"
echo "ok: batch_wait = 0 sends at once, applied by SIGHUP"

tb_stop hrac
tb_stop hras
echo "ok: clean shutdown"
