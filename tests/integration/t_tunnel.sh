#!/bin/sh
# The tunnel comes up from the LAN through the firewall's Squid, carries
# datagrams both ways, while a direct datagram from the LAN is dropped.
# timeout: 90
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

vofw_pair_up
tb_wait_log hras 'client corp: streaming both ways' 5
echo "ok: tunnel up through Squid in stream mode"

# The tunnel's connections really go through the proxy: hras sees Squid.
grep -q "client corp admitted from $TB_FW_WAN_IP:" "$TB_DIR/hras.log" ||
    tb_fail "hras did not see the client come from the proxy"

vofw_push_up 200
echo "ok: 200 datagrams LAN -> WAN through the tunnel"
vofw_push_down 200
echo "ok: 200 datagrams WAN -> LAN through the tunnel"

# The same datagram sent directly does not reach the WAN receiver.
tb_start rx_direct "$TB_WAN" "$TB_UDPTOOL" recv 198.51.100.12 7003 1 1500
sleep 0.2
tb_run_lan "$TB_UDPTOOL" send -s 10.77.0.3 198.51.100.12 7003 5 172 1000
tb_wait_log rx_direct '^received 0$' 4
echo "ok: direct UDP from the LAN dropped by the firewall"

# A plain web client gets a plain web page, not a tunnel error.
page=$(tb_run_wan curl -sS --max-time 5 "http://$TB_WAN_IP:8080/")
echo "$page" | grep -q '<h1>Welcome</h1>' || tb_fail "GET / said: $page"
code=$(tb_run_wan curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
    "http://$TB_WAN_IP:8080/admin")
[ "$code" = 404 ] || tb_fail "GET /admin gave $code, want 404"
echo "ok: ordinary requests get ordinary pages"

# Both daemons end cleanly on SIGTERM.
tb_stop hrac
tb_stop hras
grep -q 'stopped' "$TB_DIR/hrac.log" || tb_fail "hrac did not stop cleanly"
grep -q 'stopped' "$TB_DIR/hras.log" || tb_fail "hras did not stop cleanly"
echo "ok: clean shutdown"
