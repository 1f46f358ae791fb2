#!/bin/sh
# A flood of challenges from another address does not keep a client from
# being admitted: while an attacker in the WAN (198.51.100.66, neither the
# proxy's address nor hrac's) asks for challenges as fast as it can, a
# restarted hrac is admitted through Squid at once and its tunnel comes
# up, restart after restart.
# Challenges take no room in hras (docs/security.md, "Secrets and keys"),
# so nothing the flood does can push out the client's pending one.
# timeout: 60
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

ATTACKER=198.51.100.66
vofw_pair_up
ip -n "$TB_WAN" addr add "$ATTACKER/24" dev eth0 ||
    tb_fail "attacker address"
URL=http://$TB_WAN_IP:8080/vofw/v1

# Many connections, each asking again as soon as it has an answer.
flood() {
	tb_start "$1" "$TB_WAN" curl -s -o /dev/null --interface "$ATTACKER" \
	    -Z --parallel-max 200 --parallel-immediate "$URL/challenge?version=2&n=[1-5000000]"
}
flood flood1
flood flood2
flood flood3
sleep 1
tb_running flood1 || tb_fail "the flood did not start: $(cat "$TB_DIR/flood1.log")"

# hrac restarted during the flood is admitted at once, every time (with
# a ring of pending challenges, most restarts lose theirs).
i=0
while [ $i -lt 12 ]; do
	i=$((i + 1))
	tb_stop hrac
	vofw_start_hrac
	# Admission is what is tested: under the flood (and a sanitizer
	# build) the probe for streaming may time out and choose poll mode.
	tb_wait_log hrac 'tunnel up \((stream|poll) mode\)' 20
	! grep -q 'refused the tunnel' "$TB_DIR/hrac.log" ||
	    tb_fail "restart $i: hras refused hrac:" \
	    "$(grep 'refused the tunnel' "$TB_DIR/hrac.log")"
	! grep -q 'refused tunnel-admission from .*: client corp:' \
	    "$TB_DIR/hras.log" || tb_fail "restart $i: hras refused hrac:" \
	    "$(grep 'client corp:' "$TB_DIR/hras.log")"
done
tb_running flood1 && tb_running flood2 && tb_running flood3 ||
    tb_fail "the flood stopped early"
tb_stop flood1
tb_stop flood2
tb_stop flood3
vofw_push_up 20
vofw_push_down 20
echo "ok: a challenge flood from another address does not block admission"
