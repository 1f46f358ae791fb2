#!/bin/sh
# Proxies cut requests after a maximum age, so hrac renews its long GET and
# POST before they get old (tunnel.get_age). Renewal must leave no gap and
# lose nothing: a steady voice-like stream crosses several renewals.
# timeout: 90
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

tb_up
tb_squid_start
vofw_hras_conf "$TB_DIR/hras.conf"
vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" \
    "$TB_PROXY_URL" "" "get_age = 10;"
vofw_start_hras
vofw_start_hrac
tb_wait_log hrac 'tunnel up \(stream mode\)' 15

# 25 s of one call's voice, echoed back: every datagram crosses the tunnel
# twice, across at least two renewals of each request.
tb_start echo "$TB_WAN" "$TB_UDPTOOL" echo 198.51.100.12 7003
sleep 0.2
out=$(tb_run_lan "$TB_UDPTOOL" rtt -s 10.77.0.3 -p 7001 "$TB_LAN_IP" 7000 \
    1250 50 172 2000)
echo "$out"
renew_down=$(vofw_count hrac 'renewing the downstream GET')
renew_up=$(vofw_count hrac 'renewing the upstream POST')
[ "$renew_down" -ge 2 ] && [ "$renew_up" -ge 2 ] ||
    tb_fail "renewals: $renew_down GET, $renew_up POST; want 2 or more each"
echo "$out" | grep -q 'sent 1250 received 1250 ' ||
    tb_fail "datagrams lost across renewals: $out"
[ "$(vofw_count hrac 'tunnel down')" = 0 ] ||
    tb_fail "the tunnel went down during renewals"
echo "ok: $renew_down GET and $renew_up POST renewals, nothing lost"
