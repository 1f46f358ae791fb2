#!/bin/sh
# The command line and SIGHUP: -V and -n behave; a reload with a broken
# file keeps the running configuration and says why (file and line); a good
# reload is applied; neither drops the tunnel.
# timeout: 60
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

tb_up
tb_squid_start
vofw_hras_conf "$TB_DIR/hras.conf"
vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" "$TB_PROXY_URL"

# -V, and -n on a good and a broken file.
[ "$("$TB_HRAS" -V)" = "hras 0.1.0" ] || tb_fail "hras -V: $("$TB_HRAS" -V)"
[ "$("$TB_HRAC" -V)" = "hrac 0.1.0" ] || tb_fail "hrac -V: $("$TB_HRAC" -V)"
[ "$(ip netns exec "$TB_WAN" "$TB_HRAS" -n -f "$TB_DIR/hras.conf")" = \
    "configuration OK" ] ||
    tb_fail "hras -n on a good file"
cp "$TB_DIR/hras.conf" "$TB_DIR/bad.conf"
printf 'sip = { port = "x"; };\n' >>"$TB_DIR/bad.conf"
rc=0
msg=$(ip netns exec "$TB_WAN" "$TB_HRAS" -n -f "$TB_DIR/bad.conf" 2>&1) ||
    rc=$?
[ "$rc" != 0 ] || tb_fail "hras -n accepted a broken file"
echo "$msg" | grep -q "bad.conf:[0-9]" || tb_fail "hras -n said: $msg"
echo "ok: -V and -n ($msg)"

vofw_start_hras
vofw_start_hrac
tb_wait_log hrac 'tunnel up \(stream mode\)' 15

# A broken file: refused, reason logged with file and line, old one kept.
cp "$TB_DIR/hras.conf" "$TB_DIR/hras.good"
printf 'tunnel = { keepalive = 0; };\n' >>"$TB_DIR/hras.conf"
kill -HUP "$(tb_pid hras)"
tb_wait_log hras 'error: reload refused, keeping the running configuration: .*hras.conf:[0-9]+' 5
cp "$TB_DIR/hrac.conf" "$TB_DIR/hrac.good"
printf 'id = 5;\n' >>"$TB_DIR/hrac.conf"
kill -HUP "$(tb_pid hrac)"
tb_wait_log hrac 'error: reload refused, keeping the running configuration: .*hrac.conf:[0-9]+' 5
vofw_push_up 20
echo "ok: broken reloads refused with file and line, tunnel kept"

# A good file: applied, tunnel kept.
cp "$TB_DIR/hras.good" "$TB_DIR/hras.conf"
cp "$TB_DIR/hrac.good" "$TB_DIR/hrac.conf"
kill -HUP "$(tb_pid hras)"
kill -HUP "$(tb_pid hrac)"
tb_wait_log hras 'configuration reloaded' 5
tb_wait_log hrac 'configuration reloaded' 5
vofw_push_up 20
vofw_push_down 20
[ "$(vofw_count hrac 'tunnel down')" = 0 ] || tb_fail "a reload dropped the tunnel"
echo "ok: good reloads applied, tunnel kept"

# A moved SIP listener cannot follow a reload: said so, the rest applied.
sed 's/port = 5060;/port = 5070;/' "$TB_DIR/hras.good" >"$TB_DIR/hras.conf"
sed 's/port = 5060;/port = 5070;/' "$TB_DIR/hrac.good" >"$TB_DIR/hrac.conf"
kill -HUP "$(tb_pid hras)"
kill -HUP "$(tb_pid hrac)"
tb_wait_log hras 'reload: SIP or media address change needs a restart' 5
tb_wait_log hrac 'reload: SIP or media address change needs a restart' 5
vofw_wait_count hras 'configuration reloaded' 2 5
vofw_wait_count hrac 'configuration reloaded' 2 5
echo "ok: a moved SIP listener is reported as needing a restart"
