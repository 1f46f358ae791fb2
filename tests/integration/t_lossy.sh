#!/bin/sh
# Voice over a distant, lossy uplink: with the firewall's WAN link at
# 20 ms RTT and 1 % loss each way (tb_impair: nftables numgen drops and
# the NFQUEUE delay line, tests/tools/delayline), the tunnel through Squid
# still carries everything: datagrams through the diagnostic hook all come
# back, a round trip now over 20 ms where it was under 10 ms before, and a
# real call (sipp, G.711 echoed back) gets its voice both ways, with the
# relays' own tunnel round trip at 20 ms or more in its end-of-call line.
# Last, the delay line's bound: held to 4 packets, a burst of 100 loses
# the rest in the kernel's queue, and SIGTERM gives back what it held.
# timeout: 90
# shellcheck disable=SC2015  # "a && b || fail"
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"
. "$(dirname "$0")/../lib/voicecall.sh"

# hook_rtt LABEL: 150 round trips at 50/s from the LAN through hrac's
# hook, the tunnel, hras's hook, an echo in WAN and back; print udptool's
# line (sent N received M loss_pct X p50_us A ...).
hook_rtt() {
	tb_run_lan timeout 20 "$TB_UDPTOOL" rtt -s 10.77.0.3 -p 7001 \
	    "$TB_LAN_IP" 7000 150 50 172 2000 >"$TB_DIR/rtt-$1.out" ||
	    tb_fail "$1: udptool rtt failed: $(cat "$TB_DIR/rtt-$1.out")"
	cat "$TB_DIR/rtt-$1.out"
}

# field LINE KEY: the number after KEY in udptool's LINE.
field() {
	echo "$1" | tr ' ' '\n' | sed -n "/^$2\$/{n;p;}"
}

vofw_pair_up
tb_start echo "$TB_WAN" "$TB_UDPTOOL" echo 198.51.100.12 7003
sleep 0.3

# The floor: the testbed's own links add well under 10 ms.
r=$(hook_rtt clean)
[ "$(field "$r" loss_pct)" = 0.000 ] || tb_fail "clean: lost: $r"
awk -v p="$(field "$r" p50_us)" 'BEGIN { exit !(p < 10000) }' ||
    tb_fail "clean: round trip p50 $(field "$r" p50_us) us, want < 10 ms"
echo "ok: clean link: hook round trip p50 $(field "$r" p50_us) us"

# 20 ms RTT, 1 % loss each way, on the firewall's WAN link.
tb_impair 20 10
tb_running delayline || tb_fail "the delay line did not start"
r=$(hook_rtt lossy)
[ "$(field "$r" loss_pct)" = 0.000 ] ||
    tb_fail "lossy: the tunnel lost datagrams: $r"
awk -v p="$(field "$r" p50_us)" 'BEGIN { exit !(p >= 20000 && p < 80000) }' ||
    tb_fail "lossy: round trip p50 $(field "$r" p50_us) us, want 20..80 ms"
echo "ok: 20 ms RTT, 1 % loss: hook round trip p50 $(field "$r" p50_us)" \
    "us, p99 $(field "$r" p99_us) us, nothing lost"

# A real call through the impaired link: voice both ways (200+ packets
# each way through hras's one new media flow).
vofw_voice_call lossy
line=$(grep ' ended: BYE' "$TB_DIR/hras.log" | tail -n 1)
rtt=$(echo "$line" | tr ' ' '\n' | sed -n 's/^tunnel_rtt_ms=//p')
[ -n "$rtt" ] || tb_fail "no tunnel_rtt_ms in hras's end-of-call line: $line"
awk -v r="$rtt" 'BEGIN { exit !(r >= 20 && r < 200) }' ||
    tb_fail "the call's tunnel round trip $rtt ms, want 20..200: $line"
echo "ok: a call through the impaired link carried its voice both ways," \
    "tunnel round trip $rtt ms: $(grep 'media flow .* closed:' \
    "$TB_DIR/hras.log" | tail -n 1 | sed 's/.*closed: //')"

# The loss was applied: the link dropped packets both ways.
read -r drop_in drop_out <<EOF
$(tb_impair_drops)
EOF
[ "$((drop_in + drop_out))" -gt 0 ] ||
    tb_fail "the impaired link dropped nothing"
tb_impair_clear
tb_running delayline && tb_fail "the delay line still runs"
r=$(hook_rtt cleared)
awk -v p="$(field "$r" p50_us)" 'BEGIN { exit !(p < 10000) }' ||
    tb_fail "cleared: round trip p50 $(field "$r" p50_us) us, want < 10 ms"
echo "ok: the link dropped $drop_in packets in, $drop_out out; cleared," \
    "the round trip is back to $(field "$r" p50_us) us"

# The bound: a line of 4 packets and 200 ms on a queue of its own, a
# burst of 100 datagrams routed LAN -> WAN (a temporary accept rule).
tb_start bounded "$TB_FW" "$TB_DELAYLINE" -b 4 7 200000
tb_wait_log bounded 'bound' 5
tb_run_fw iptables-nft -t mangle -A POSTROUTING -o wan -p udp \
    -j NFQUEUE --queue-num 7 || tb_fail "iptables-nft NFQUEUE 7"
tb_run_fw nft insert rule inet vofw forward ip saddr 10.77.0.3 \
    udp dport 9000 accept || tb_fail "nft accept"
tb_start burst_rx "$TB_WAN" "$TB_UDPTOOL" recv 198.51.100.15 9000 100 1500
sleep 0.3
tb_run_lan "$TB_UDPTOOL" send -s 10.77.0.3 198.51.100.15 9000 100 172 100 ||
    tb_fail "udptool send"
tb_wait_log burst_rx '^received ' 5
got=$(sed -n 's/^received //p' "$TB_DIR/burst_rx.log")
[ "$got" -ge 4 ] && [ "$got" -le 20 ] ||
    tb_fail "a burst of 100 through a line of 4: $got arrived, want 4..20"
tb_stop bounded
grep -q '^delayline: queue 7: .* packets taken' "$TB_DIR/bounded.log" &&
    grep -Eq '^delayline: kernel: queue 7 dropped [1-9]' \
    "$TB_DIR/bounded.log" ||
    tb_fail "the bounded line's counts: $(cat "$TB_DIR/bounded.log")"
echo "ok: a line of 4 let $got of a burst of 100 through:" \
    "$(grep 'kernel:' "$TB_DIR/bounded.log")"
