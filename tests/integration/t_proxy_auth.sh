#!/bin/sh
# A proxy that requires Basic authentication: hrac with the credentials in
# its proxy URL gets through; without them, or with wrong ones, it says
# which and what to do.
# timeout: 90
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

tb_up
tb_squid_start auth alice 's3cret:pw'
vofw_hras_conf "$TB_DIR/hras.conf"
vofw_start_hras

vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" "$TB_PROXY_URL"
vofw_start_hrac
tb_wait_log hrac 'tunnel attempt failed: the proxy at 10\.77\.0\.1:3128 requires authentication \(407 Proxy Authentication Required; it offers Basic\); give its user and password in proxy_auth \(or in proxy, "http://user:password@host:port"\)$' 10
tb_stop hrac
mv "$TB_DIR/hrac.log" "$TB_DIR/hrac-noauth.log"
echo "ok: missing proxy credentials reported"

vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" \
    "http://alice:wrong@$TB_FW_LAN_IP:$TB_PROXY_PORT"
vofw_start_hrac
tb_wait_log hrac 'tunnel attempt failed: the proxy refused the credentials of user alice \(407 Proxy Authentication Required\); check the user and password in proxy$' 10
tb_stop hrac
mv "$TB_DIR/hrac.log" "$TB_DIR/hrac-badauth.log"
echo "ok: wrong proxy credentials reported as such"

vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" \
    "http://alice:s3cret%3Apw@$TB_FW_LAN_IP:$TB_PROXY_PORT"
vofw_start_hrac
tb_wait_log hrac 'tunnel up \(stream mode\)' 15
vofw_push_up 50
vofw_push_down 50
echo "ok: tunnel through an authenticating proxy"
