#!/bin/sh
# The testbed's firewall does what the paper's company firewall does: from
# the LAN nothing reaches the WAN directly, neither UDP (voice) nor TCP;
# only HTTP through the proxy gets out, and with proxy authentication only
# with the right credentials.
# timeout: 90
set -eu

. "$(dirname "$0")/../lib/testbed.sh"

[ -x "$TB_UDPTOOL" ] || tb_fail "$TB_UDPTOOL missing: run make tools"

tb_up

# The proxy URL, and curl that never takes a proxy from the environment.
P=$TB_PROXY_URL
lan_curl() {
	tb_run_lan env -u http_proxy -u https_proxy -u HTTP_PROXY \
	    -u HTTPS_PROXY -u all_proxy -u ALL_PROXY -u no_proxy \
	    curl -sS --max-time 5 "$@"
}

# An outside web server: static, on hras's address and tunnel port.
mkdir "$TB_DIR/www"
echo "hello from the WAN" >"$TB_DIR/www/hello.txt"
tb_web_start "$TB_WAN_IP" 8080 "$TB_DIR/www"
tb_squid_start

# Controls: the WAN server answers in the WAN, and the UDP receiver works.
body=$(tb_run_wan curl -sS --max-time 5 "http://$TB_WAN_IP:8080/hello.txt") ||
    tb_fail "web server does not answer inside the WAN"
[ "$body" = "hello from the WAN" ] || tb_fail "web server said '$body'"
tb_start udp_ctl "$TB_WAN" "$TB_UDPTOOL" recv "$TB_WAN_IP" 5004 1 5000
sleep 0.2
tb_run_wan "$TB_UDPTOOL" probe -s 198.51.100.12 "$TB_WAN_IP" 5004
tb_wait_log udp_ctl '^received 1$' 6

# (a) Direct UDP from the LAN does not arrive, though it reaches FW.
tb_fw_reset
tb_start udp_fw "$TB_WAN" "$TB_UDPTOOL" recv "$TB_WAN_IP" 5004 1 1500
sleep 0.2
tb_run_lan "$TB_UDPTOOL" probe "$TB_WAN_IP" 5004
tb_run_lan "$TB_UDPTOOL" send -s 10.77.0.3 "$TB_WAN_IP" 5004 5 172 1000
tb_wait_log udp_fw '^received 0$' 4
lan_bytes=$(tb_fw_lan_bytes)
# 6 datagrams: 44 + 5 * 200 bytes of IP packets at least.
[ "$lan_bytes" -ge 1044 ] ||
    tb_fail "FW counted $lan_bytes bytes from the LAN, expected >= 1044"
echo "ok a: direct UDP dropped ($lan_bytes bytes entered FW from the LAN)"

# (b) A direct TCP connection from the LAN does not succeed: the SYN is
# dropped (a timeout, curl's 28), not refused, although the server listens.
rc=0
lan_curl --connect-timeout 1 -o /dev/null "http://$TB_WAN_IP:8080/hello.txt" \
    2>/dev/null || rc=$?
[ "$rc" = 28 ] ||
    tb_fail "direct TCP from the LAN to the WAN: curl exit $rc, want 28"
# Nor to FW itself on any port but the proxy's (timeout's 124: dropped).
rc=0
tb_run_lan timeout 1 bash -c 'exec 3<>/dev/tcp/198.51.100.1/3128' \
    2>/dev/null || rc=$?
[ "$rc" = 124 ] ||
    tb_fail "direct TCP from the LAN to FW's WAN side: exit $rc, want 124"
echo "ok b: direct TCP dropped"

# (c) HTTP through Squid does get out: GET, CONNECT to port 8080, and a GET
# through the buffering nginx reverse proxy in front of the server.
body=$(lan_curl -x "$P" "http://$TB_WAN_IP:8080/hello.txt") ||
    tb_fail "GET through the proxy failed"
[ "$body" = "hello from the WAN" ] || tb_fail "proxy GET gave '$body'"
body=$(lan_curl -p -x "$P" "http://$TB_WAN_IP:8080/hello.txt") ||
    tb_fail "CONNECT to port 8080 through the proxy failed"
[ "$body" = "hello from the WAN" ] || tb_fail "proxy CONNECT gave '$body'"
tb_nginx_start
body=$(lan_curl -x "$P" "http://$TB_NGINX_IP:8080/hello.txt") ||
    tb_fail "GET through proxy and nginx failed"
[ "$body" = "hello from the WAN" ] || tb_fail "nginx GET gave '$body'"
# Squid logs a request when it ends.
tb_wait_log squid/access 'CONNECT 198\.51\.100\.10:8080' 5
echo "ok c: HTTP through the proxy"

# (d) Basic proxy authentication: 407 without or with bad credentials,
# 200 with the right ones.
tb_squid_stop
tb_squid_start auth alice 's3cret pass'
code=$(lan_curl -o /dev/null -w '%{http_code}' -x "$P" \
    "http://$TB_WAN_IP:8080/hello.txt") || tb_fail "curl without auth"
[ "$code" = 407 ] || tb_fail "no credentials: got $code, want 407"
code=$(lan_curl -o /dev/null -w '%{http_code}' -x "$P" \
    -U 'alice:wrong' "http://$TB_WAN_IP:8080/hello.txt") ||
    tb_fail "curl with a wrong password"
[ "$code" = 407 ] || tb_fail "wrong password: got $code, want 407"
code=$(lan_curl -o /dev/null -w '%{http_code}' -x "$P" \
    -U 'alice:s3cret pass' "http://$TB_WAN_IP:8080/hello.txt") ||
    tb_fail "curl with credentials"
[ "$code" = 200 ] || tb_fail "right credentials: got $code, want 200"
# The same credentials in the proxy URL, as hrac's config gives them.
code=$(lan_curl -o /dev/null -w '%{http_code}' \
    -x "http://alice:s3cret%20pass@$TB_FW_LAN_IP:$TB_PROXY_PORT" \
    "http://$TB_WAN_IP:8080/hello.txt") || tb_fail "curl with URL creds"
[ "$code" = 200 ] || tb_fail "credentials in URL: got $code, want 200"
# And a restart keeps the authentication.
tb_squid_restart
code=$(lan_curl -o /dev/null -w '%{http_code}' -x "$P" \
    "http://$TB_WAN_IP:8080/hello.txt") || tb_fail "curl after restart"
[ "$code" = 407 ] || tb_fail "after restart: got $code, want 407"
echo "ok d: proxy authentication"

echo "t_firewall: all checks passed"
