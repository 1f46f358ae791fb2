#!/bin/sh
# The shipped tunnel.lanes = 2 and tunnel.copies = "on-loss": on a
# clean path only the first lane carries frames, so voice echoed through
# the tunnel brings few copies (a keepalive's); once the firewall's WAN
# link loses 5 % of its packets each way (tb_impair, 20 ms RTT), hras
# sees its connections to Squid send segments again or get them out of
# order, copies every frame into the second lane and tells hrac, which
# does the same: both control sockets say so, hrac logs it, and each
# half counts the other's copies. Nothing echoed is lost: copies start
# with what the second lane missed of the last moments (common/recent.h),
# so frames the first lane still holds back are not skipped.
# timeout: 90
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

vofw_pair_up

hrac_json() { "$TB_HRAC" -f "$TB_DIR/hrac.conf" -c tunnel -j; }
hras_json() { "$TB_HRAS" -f "$TB_DIR/hras.conf" -c tunnels -j; }
# copies HALF: the frames that half got twice so far.
copies() {
	if [ "$1" = hrac ]; then
		hrac_json | jq -e '.tunnel.rx_copies'
	else
		hras_json | jq -e '.tunnels[0].rx_copies'
	fi
}
_i=0
until hrac_json | jq -e '.tunnel.lanes == 2' >/dev/null; do
	_i=$((_i + 1))
	[ "$_i" -lt 100 ] || tb_fail "two lanes never opened: $(hrac_json)"
	sleep 0.1
done
hrac_json | jq -e '.tunnel.copies == "on-loss" and
    (.tunnel.copying | not)' >/dev/null ||
    tb_fail "hrac copies on a clean path: $(hrac_json)"
hras_json | jq -e '.tunnels[0].copies == "on-loss" and
    (.tunnels[0].copying | not) and .tunnels[0].lanes == 2' >/dev/null ||
    tb_fail "hras did not take hrac's copies on loss: $(hras_json)"

tb_start echo "$TB_WAN" "$TB_UDPTOOL" echo 198.51.100.12 7003
sleep 0.2
# rtt N: N datagrams at 50/s through the hooks and the tunnel and back.
rtt() {
	tb_run_lan timeout 30 "$TB_UDPTOOL" rtt -s 10.77.0.3 -p 7001 \
	    "$TB_LAN_IP" 7000 "$1" 50 172 2000
}
# A first batch goes into the idle second lane as a keepalive: start
# counting after it.
rtt 10 >/dev/null
c_hrac=$(copies hrac)
c_hras=$(copies hras)
out=$(rtt 150)
echo "clean: $out"
echo "$out" | grep -q 'sent 150 received 150 ' ||
    tb_fail "voice lost on a clean path: $out"
# Each half still feeds the idle lane a batch now and then (hras every
# keepalive, 2 s here; hrac every half timeout, 3 s), with the frames it
# missed of the last 300 ms (common/recent.h): two or three of those in
# 3 s, some 15 frames each at one call, where copying would be 150.
[ "$(copies hrac)" -le $((c_hrac + 50)) ] &&
    [ "$(copies hras)" -le $((c_hras + 50)) ] ||
    tb_fail "copies on a clean path: hrac $c_hrac -> $(copies hrac)," \
    "hras $c_hras -> $(copies hras)"
hrac_json | jq -e '.tunnel.loss_seen == 0 and .tunnel.loss_told == 0' \
    >/dev/null || tb_fail "loss seen on a clean path: $(hrac_json)"

tb_impair 20 50
c_hrac=$(copies hrac)
c_hras=$(copies hras)
out=$(rtt 500)
echo "lossy: $out"
echo "$out" | grep -q 'sent 500 received 500 ' ||
    tb_fail "voice lost on the lossy path: $out"
tb_wait_log hrac 'the path loses segments; every frame goes on every lane' 5
hras_json | jq -e '.tunnels[0].copying and .tunnels[0].loss_seen >= 1' \
    >/dev/null || tb_fail "hras saw no loss: $(hras_json)"
hrac_json | jq -e '.tunnel.copying and .tunnel.loss_told >= 1' \
    >/dev/null || tb_fail "hrac was not told of loss: $(hrac_json)"
got_hrac=$(($(copies hrac) - c_hrac))
got_hras=$(($(copies hras) - c_hras))
echo "copies while lossy: hrac got $got_hrac, hras $got_hras"
# 500 echoes each way; the first second or two go before the loss is seen.
[ "$got_hrac" -ge 200 ] && [ "$got_hras" -ge 200 ] ||
    tb_fail "too few copies on the lossy path: hrac $got_hrac, hras $got_hras"
"$TB_HRAC" -f "$TB_DIR/hrac.conf" -c tunnel |
    grep '^copies: *on-loss, copying;' ||
    tb_fail "hrac -c tunnel: $("$TB_HRAC" -f "$TB_DIR/hrac.conf" -c tunnel)"
tb_impair 0 0
echo "ok: few copies on a clean path; copies both ways once the path lost" \
    "segments (hrac got $got_hrac, hras $got_hras)"
