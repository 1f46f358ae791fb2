#!/bin/sh
# tinyproxy (Debian's 1.11) as the LAN's only way out instead of Squid: it
# closes the client's connection after every response (HTTP allows a proxy
# to), so each of hrac's requests after the first on a connection (the
# admission's open, every poll-mode POST and GET) must go on a new one.
# It relays a chunked POST as it comes and streams the GET's answer: the
# probe picks stream mode, and a call with voice crosses, across renewals
# of both requests. Forced poll mode works too, and so does https://
# through tinyproxy's CONNECT.
# timeout: 150
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

command -v tinyproxy >/dev/null || tb_fail "tinyproxy is not installed (tinyproxy-bin)"

tb_up
tb_tinyproxy_start
vofw_hras_conf "$TB_DIR/hras.conf"
vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" \
    "$TB_PROXY_URL" "" "get_age = 10;"
vofw_start_hras
vofw_start_hrac
tb_wait_log hrac 'tunnel up \(stream mode\)' 20
grep -q 'Closed connection between local client' \
    "$TB_DIR/tinyproxy/tinyproxy.log" ||
    tb_fail "tinyproxy did not close a connection after its response"
echo "ok: tunnel up in stream mode through tinyproxy, which closes" \
    "each connection after its response"

vofw_push_up 100
vofw_push_down 100
echo "ok: datagrams flow both ways"

# A call with voice: alice inside answers and echoes, bob outside calls.
ln -s /usr/share/sip-tester "$TB_DIR/pcap"
cd "$TB_DIR"
vofw_register alice 10.77.0.3
tb_wait_log hras 'client corp: alice@corp.example registered' 5
tb_start alice "$TB_LAN" sipp -nostdin -sn uas -rtp_echo -i 10.77.0.3 \
    -p 5070 -mi 10.77.0.3 -mp 16000
sleep 0.5
ip netns exec "$TB_WAN" timeout 40 sipp -nostdin -trace_err \
    -error_file "$TB_DIR/bob_calls.err" -timeout 30 -timeout_error \
    -sn uac_pcap -s alice \
    -i 198.51.100.14 -p 5080 -mi 198.51.100.14 -mp 18000 -m 1 \
    "$TB_WAN_IP:5060" >"$TB_DIR/bob_calls.log" 2>&1 ||
    tb_fail "the call through tinyproxy failed"
tb_wait_log hrac 'ended: BYE' 5
tb_stop alice
awk '/media flow .* closed:/ { n++; if ($(NF-3) < 200 || $(NF-1) < 200)
    bad = 1 } END { exit !(n > 0 && !bad) }' "$TB_DIR/hrac.log" ||
    tb_fail "too little voice: $(grep closed: "$TB_DIR/hrac.log")"
grep -Eq '[0-9]{3} Total echo RTP pckts 1st stream' "$TB_DIR/alice.log" ||
    tb_fail "alice echoed no voice"
echo "ok: a call with voice both ways through tinyproxy"

# The call outlived get_age (10 s): both requests were renewed, each on
# a connection of its own, and the tunnel stayed up.
[ "$(vofw_count hrac 'renewing the downstream GET')" -ge 1 ] &&
[ "$(vofw_count hrac 'renewing the upstream POST')" -ge 1 ] ||
    tb_fail "no renewal during the call"
[ "$(vofw_count hrac 'tunnel (down|attempt failed)')" = 0 ] ||
    tb_fail "the tunnel failed: $(grep -E 'tunnel (down|attempt)' \
    "$TB_DIR/hrac.log")"
echo "ok: renewals through tinyproxy, the tunnel stayed up"

# Poll mode: every POST and every GET after the first goes on a new
# connection; the tunnel carries datagrams and stays up while idle.
tb_stop hrac
mv "$TB_DIR/hrac.log" "$TB_DIR/hrac-stream.log"
vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" \
    "$TB_PROXY_URL" "" 'mode = "poll";'
vofw_start_hrac
tb_wait_log hrac 'tunnel up \(poll mode\)' 20
vofw_push_up 50
vofw_push_down 50
sleep 8
vofw_push_down 20
[ "$(vofw_count hrac 'tunnel (down|attempt failed)')" = 0 ] ||
    tb_fail "the poll-mode tunnel failed: $(grep -E 'tunnel (down|attempt)' \
    "$TB_DIR/hrac.log")"
[ "$(vofw_count hrac 'closed (the kept-alive|an idle) connection')" -ge 1 ] ||
    tb_fail "hrac never sent a request again on a new connection"
echo "ok: poll mode through tinyproxy, each request on its own connection"

# https:// through tinyproxy's CONNECT: the tunnel stays open as one
# connection, TLS to hras inside it.
tb_tls_certs "$TB_DIR" "$TB_WAN_IP"
tb_stop hrac
tb_stop hras
mv "$TB_DIR/hrac.log" "$TB_DIR/hrac-poll.log"
mv "$TB_DIR/hras.log" "$TB_DIR/hras-http.log"
HRAS_TUNNEL_EXTRA="tls = { cert = \"$TB_DIR/hras.pem\"; key = \"$TB_DIR/hras.key\"; };"
vofw_hras_conf "$TB_DIR/hras.conf"
vofw_start_hras
vofw_hrac_conf "$TB_DIR/hrac.conf" "https://$TB_WAN_IP:8080/" \
    "$TB_PROXY_URL" "" "" "tls = { ca = \"$TB_DIR/ca.pem\"; };"
vofw_start_hrac
tb_wait_log hrac 'tunnel up \(stream mode\) to https://' 20
vofw_push_up 50
vofw_push_down 50
grep -q "CONNECT $TB_WAN_IP:8080" "$TB_DIR/tinyproxy/tinyproxy.log" ||
    tb_fail "tinyproxy logged no CONNECT"
echo "ok: https:// through tinyproxy's CONNECT, stream mode"
