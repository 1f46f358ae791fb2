#!/bin/sh
# A request hrac accepts gets its answer, even from a phone hrac has
# learned nothing about: an inside phone that never registered (no
# Contact) sends OPTIONS to an outside user through hrac, and the 200
# comes back to it; the same to a registered inside phone, which hrac
# routes itself. hrac remembers where each relayed request came from
# (per transaction, bounded, with expiry); before, it dropped the answer
# ("response for an unknown inside address dropped").
# timeout: 60
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

S=$VOFW_ROOT/tests/sipp
vofw_pair_up
cd "$TB_DIR"

# bob, outside, answers one OPTIONS.
tb_start bob "$TB_WAN" sipp -nostdin -sf "$S/options_uas.xml" \
    -i 198.51.100.14 -p 5090 -m 1
sleep 0.5
# A phone at 10.77.0.7 that has sent nothing before asks bob, through hrac.
ip netns exec "$TB_LAN" timeout 20 sipp -nostdin -sf "$S/options_uac.xml" \
    -s bob -i 10.77.0.7 -p 5076 -m 1 -timeout 10 -timeout_error \
    -rsa "$TB_LAN_IP:5060" 198.51.100.14:5090 >probe.log 2>&1 ||
    tb_fail "the phone got no answer to its OPTIONS"
vofw_wait_sipp bob 5
[ "$(vofw_count hrac 'unknown inside address')" = 0 ] ||
    tb_fail "hrac dropped an answer: $(grep 'unknown inside' hrac.log)"
echo "ok: OPTIONS from an unregistered inside phone answered through hrac"

# The same between two inside phones, routed by hrac alone: alice
# registers, then answers an OPTIONS from another phone hrac never heard.
vofw_register alice 10.77.0.3
tb_start alice "$TB_LAN" sipp -nostdin -sf "$S/options_uas.xml" \
    -i 10.77.0.3 -p 5070 -m 1
sleep 0.5
ip netns exec "$TB_LAN" timeout 20 sipp -nostdin -sf "$S/options_uac.xml" \
    -s alice -i 10.77.0.8 -p 5078 -m 1 -timeout 10 -timeout_error \
    "$TB_LAN_IP:5060" >probe-inside.log 2>&1 ||
    tb_fail "the phone got no answer from alice"
vofw_wait_sipp alice 5
tb_wait_log hrac 'OPTIONS routed inside to sip:alice@10\.77\.0\.3:5070' 1
[ "$(vofw_count hrac 'unknown inside address')" = 0 ] ||
    tb_fail "hrac dropped an answer: $(grep 'unknown inside' hrac.log)"
echo "ok: OPTIONS between inside phones answered, the caller unregistered"

tb_stop hrac
tb_stop hras
