#!/bin/sh
# A pipelined flood at the tunnel port: an outsider writes 100 MB of
# "GET /" on one connection and never reads the answers. hras stops
# reading once the answers wait (read watermark, backpressure): its
# resident memory grows by less than 32 MB, the writer stalls, and the
# tunnel keeps working.
# timeout: 60
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

ATTACKER=198.51.100.66
vofw_pair_up
ip -n "$TB_WAN" addr add "$ATTACKER/24" dev eth0 || tb_fail "attacker address"

rss() {	# rss PID: resident memory in kB
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}
before=$(rss "$(tb_pid hras)")
tb_start flood "$TB_WAN" "$VOFW_TOOLS/connflood" pipe "$ATTACKER" \
    "$TB_WAN_IP" 8080 100000000 12 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'
tb_wait_log flood '^written ' 20
after=$(rss "$(tb_pid hras)")
grew=$(( (after - before) / 1024 ))
echo "hras resident memory: $before kB before, $after kB after" \
    "($grew MB more); attacker: $(cat "$TB_DIR/flood.log")"
[ "$grew" -lt 32 ] || tb_fail "hras grew by $grew MB under a pipelined flood"
written=$(sed -n 's/^written //p' "$TB_DIR/flood.log")
[ "$written" -lt 100000000 ] ||
    tb_fail "hras read all $written bytes of a flood whose answers wait"
echo "ok: a pipelined flood stalls; hras grew by $grew MB"

vofw_push_up 20
vofw_push_down 20
tb_stop flood
echo "ok: the tunnel works during the flood"
