#!/bin/sh
# Slow connections from one outside address: 1100 connections, each
# trickling a byte of a request head every 3 s and reopened a second after
# hras closes it, at the tunnel port and then at the SIP port. Neither
# keeps anyone else out: a restarted hrac's tunnel comes up through the
# proxy within 10 s, another address's SIP over TCP is answered, and the
# refusals are logged with the attacker's address, rate-limited.
# timeout: 90
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

ATTACKER=198.51.100.66
vofw_pair_up
ip -n "$TB_WAN" addr add "$ATTACKER/24" dev eth0 || tb_fail "attacker address"

# (1) The tunnel port, while hrac restarts.
tb_start slow_http "$TB_WAN" "$VOFW_TOOLS/connflood" slow "$ATTACKER" \
    "$TB_WAN_IP" 8080 1100 3000 1000 30 'GET / HTTP/1.1\r\nHost: x\r\nX: y\r\n'
sleep 5
tb_stop hrac
mv "$TB_DIR/hrac.log" "$TB_DIR/hrac-first.log"
vofw_start_hrac
tb_wait_log hrac 'tunnel up \(stream mode\)' 10
vofw_push_up 20
echo "ok: hrac's tunnel came back during a slow attack on the tunnel port"
tb_wait_log hras "refused tunnel from $ATTACKER: " 5
lines=$(vofw_count hras "refused tunnel from $ATTACKER: ")
[ "$lines" -le 20 ] || tb_fail "$lines refusal lines: not rate-limited"
echo "ok: $lines refusal lines name the attacker"
tb_stop slow_http
echo "attacker: $(cat "$TB_DIR/slow_http.log")"

# (2) The SIP port over TCP: another address still gets through.
tb_start slow_sip "$TB_WAN" "$VOFW_TOOLS/connflood" slow "$ATTACKER" \
    "$TB_WAN_IP" 5060 1100 3000 1000 30 'OPTIONS sip:x SIP/2.0\r\nVia: x\r\n'
sleep 5
ip netns exec "$TB_WAN" timeout 15 sipp -nostdin -t t1 -i 198.51.100.16 \
    -m 1 -timeout 10 -timeout_error -sf "$VOFW_ROOT/tests/sipp/options.xml" \
    "$TB_WAN_IP:5060" >"$TB_DIR/options-tcp.log" 2>&1 ||
    tb_fail "OPTIONS over TCP from another address failed"
echo "ok: SIP over TCP answered during a slow attack on the SIP port"
tb_wait_log hras "refused sip-tcp from $ATTACKER: " 5
tb_stop slow_sip
echo "attacker: $(cat "$TB_DIR/slow_sip.log")"
