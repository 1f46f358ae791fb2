#!/bin/sh
# hrac started while another socket holds its SIP port exits non-zero
# with a clear error, without crashing (it used to end the calls of a
# call table it had not set up yet: a segfault) and, in the sanitizer
# build, without a report.
# timeout: 30
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

tb_up
vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/"
# Something else owns 10.77.0.2:5060/udp.
tb_start holder "$TB_LAN" "$TB_UDPTOOL" recv "$TB_LAN_IP" 5060 1 20000
sleep 0.3
tb_running holder || tb_fail "the holder did not start: $(cat \
    "$TB_DIR/holder.log")"

rc=0
ip netns exec "$TB_LAN" timeout 10 "$TB_HRAC" -d -f "$TB_DIR/hrac.conf" \
    >"$TB_DIR/hrac.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || tb_fail "hrac exited with $rc, want 1: $(cat \
    "$TB_DIR/hrac.log")"
grep -q "bind $TB_LAN_IP:5060: Address already in use" "$TB_DIR/hrac.log" ||
    tb_fail "no clear error: $(cat "$TB_DIR/hrac.log")"
grep -q 'cannot open the SIP listeners' "$TB_DIR/hrac.log" ||
    tb_fail "no clear error: $(cat "$TB_DIR/hrac.log")"
echo "ok: hrac refuses a taken SIP port with exit 1 and a clear error"
tb_stop holder
