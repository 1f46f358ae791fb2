#!/bin/sh
# A buffering path in front of hras (nginx as a reverse proxy with its
# default buffering: whole request bodies, buffered responses, HTTP/1.0 to
# hras) defeats streaming. hrac notices by itself at connect time and falls
# back to poll mode, in which datagrams still flow both ways.
# timeout: 120
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

tb_up
tb_squid_start
tb_nginx_start
vofw_hras_conf "$TB_DIR/hras.conf"
vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_NGINX_IP:8080/" \
    "$TB_PROXY_URL"
vofw_start_hras
vofw_start_hrac
tb_wait_log hrac 'does not stream .* switching to poll mode' 20
tb_wait_log hrac 'tunnel up \(poll mode\)' 15
echo "ok: buffering path detected, poll mode chosen"

vofw_push_up 100
vofw_push_down 100
echo "ok: datagrams flow both ways in poll mode through nginx and Squid"

# Poll mode holds no body open: hras saw only HTTP/1.0 requests from nginx
# and the tunnel stays up past the dead-tunnel timeout (6 s) while idle.
sleep 8
vofw_push_down 20
[ "$(vofw_count hrac 'tunnel down')" = 0 ] ||
    tb_fail "the poll-mode tunnel went down while idle"
echo "ok: idle poll-mode tunnel stays up"

# Forcing stream mode over this path fails clearly instead of hanging.
tb_stop hrac
vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_NGINX_IP:8080/" \
    "$TB_PROXY_URL" "" 'mode = "stream";'
mv "$TB_DIR/hrac.log" "$TB_DIR/hrac-auto.log"
vofw_start_hrac
tb_wait_log hrac 'no answer to the stream probe' 15
echo "ok: forced stream mode reports the buffering path"

# Poll mode straight through Squid's kept-alive connections, with the
# daemons' own timers: a GET hras holds for keepalive (15 s) outlives the
# 10 s hras gives a connection to send its next request, and the tunnel
# stays up while idle for longer than both.
tb_stop hrac
tb_stop hras
mv "$TB_DIR/hras.log" "$TB_DIR/hras-nginx.log"
mv "$TB_DIR/hrac.log" "$TB_DIR/hrac-stream.log"
VOFW_TIMERS= vofw_hras_conf "$TB_DIR/hras.conf"
VOFW_TIMERS= vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" \
    "$TB_PROXY_URL" "" 'mode = "poll";'
vofw_start_hras
vofw_start_hrac
tb_wait_log hrac 'tunnel up \(poll mode\)' 15
sleep 17
vofw_push_up 20
vofw_push_down 20
[ "$(vofw_count hrac 'tunnel down')" = 0 ] ||
    tb_fail "the poll-mode tunnel went down while idle: $(grep 'tunnel down' \
    "$TB_DIR/hrac.log")"
echo "ok: idle poll-mode tunnel through Squid stays up past hras's 10 s request wait"
