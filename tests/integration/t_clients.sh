#!/bin/sh
# One hras, several clients at once: each admitted with its own secret,
# each tunnel carried on its own, one client's failure leaves the other
# alone, and one client's secret does not open another's tunnel.
# timeout: 90
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

CORP_SECRET=$(vofw_secret)
ACME_SECRET=$(vofw_secret)

tb_up
tb_squid_start
cat >"$TB_DIR/hras.conf" <<EOF
domains = [ "corp.example", "acme.example" ];
sip = { address = "$TB_WAN_IP"; port = 5060; };
media = { address = "$TB_WAN_IP"; port_min = 20000; port_max = 20999; };
tunnel = { address = "$TB_WAN_IP"; port = 8080; keepalive = 2; timeout = 6; };
clients = (
    { id = "corp"; secret = "$CORP_SECRET"; domains = [ "corp.example" ]; },
    { id = "acme"; secret = "$ACME_SECRET"; domains = [ "acme.example" ]; }
);
hook = { listen = { address = "$TB_WAN_IP"; port = 7002; };
    forward = { address = "198.51.100.12"; port = 7003; }; };
EOF
vofw_start_hras

# Two companies' hrac in the LAN (acme's on 10.77.0.4, hook :7010).
vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" \
    "$TB_PROXY_URL" "$CORP_SECRET"
sed -e 's/"corp"/"acme"/' -e "s/$CORP_SECRET/$ACME_SECRET/" \
    -e "s/$TB_LAN_IP/10.77.0.4/g" -e 's/port = 7000/port = 7010/' \
    -e 's/port = 7001/port = 7011/' "$TB_DIR/hrac.conf" >"$TB_DIR/acme.conf"
vofw_start_hrac
tb_start acme "$TB_LAN" "$TB_HRAC" -d -f "$TB_DIR/acme.conf"
tb_wait_log hrac 'tunnel up \(stream mode\)' 15
tb_wait_log acme 'tunnel up \(stream mode\)' 15
tb_wait_log hras 'client acme admitted' 2
tb_wait_log hras 'client corp admitted' 2
echo "ok: two clients admitted at once"

# Each carries its own datagrams.
vofw_push_up 50
tb_start rx "$TB_WAN" "$TB_UDPTOOL" recv 198.51.100.12 7003 50 5000
sleep 0.3
tb_run_lan "$TB_UDPTOOL" send -s 10.77.0.3 10.77.0.4 7010 50 172 2000
tb_wait_log rx '^received 50$' 8
tb_stop rx
echo "ok: both tunnels carry datagrams"

# One client goes away: the other is untouched.
tb_stop acme
tb_wait_log hras 'client acme: tunnel down' 10
vofw_push_up 50
vofw_push_down 50
[ "$(vofw_count hrac 'tunnel down')" = 0 ] || tb_fail "corp's tunnel dropped"
echo "ok: one client leaving does not disturb the other"

# acme's id with corp's secret is refused.
sed "s/$ACME_SECRET/$CORP_SECRET/" "$TB_DIR/acme.conf" >"$TB_DIR/mixed.conf"
tb_start mixed "$TB_LAN" "$TB_HRAC" -d -f "$TB_DIR/mixed.conf"
tb_wait_log mixed 'hras refused the tunnel \(403\)' 10
tb_stop mixed
echo "ok: another client's secret is refused"

# A reload that changes acme's secret closes acme's live tunnel, with a
# line naming it; its old secret no longer opens one. corp's is untouched.
tb_start acme "$TB_LAN" "$TB_HRAC" -d -f "$TB_DIR/acme.conf"
tb_wait_log acme 'tunnel up \(stream mode\)' 15
NEW_SECRET=$(vofw_secret)
sed "s/$ACME_SECRET/$NEW_SECRET/" "$TB_DIR/hras.conf" >"$TB_DIR/hras.new"
mv "$TB_DIR/hras.new" "$TB_DIR/hras.conf"
kill -HUP "$(tb_pid hras)"
tb_wait_log hras "client acme: tunnel closed: client's secret changed" 5
tb_wait_log acme 'hras refused the tunnel \(403\)' 15
vofw_push_up 20
vofw_push_down 20
[ "$(vofw_count hrac 'tunnel down')" = 0 ] || tb_fail "corp's tunnel dropped"
[ "$(vofw_count hras 'client corp: tunnel closed')" = 0 ] ||
    tb_fail "corp's tunnel closed on reload"
tb_stop acme
echo "ok: a changed secret closes that client's tunnel on reload, only it"

# With the new secret acme is back; removed from the file, its tunnel is
# closed, and it is refused from then on.
sed "s/$ACME_SECRET/$NEW_SECRET/" "$TB_DIR/acme.conf" >"$TB_DIR/acme2.conf"
tb_start acme2 "$TB_LAN" "$TB_HRAC" -d -f "$TB_DIR/acme2.conf"
tb_wait_log acme2 'tunnel up \(stream mode\)' 15
sed -e '/id = "acme"/d' -e 's/"corp.example" \]; },$/"corp.example" ]; }/' \
    -e 's/, "acme.example" \]/ ]/' "$TB_DIR/hras.conf" >"$TB_DIR/hras.new"
ip netns exec "$TB_WAN" "$TB_HRAS" -n -f "$TB_DIR/hras.new" >/dev/null ||
    tb_fail "the file without acme: $(ip netns exec "$TB_WAN" "$TB_HRAS" \
    -n -f "$TB_DIR/hras.new" 2>&1)"
mv "$TB_DIR/hras.new" "$TB_DIR/hras.conf"
kill -HUP "$(tb_pid hras)"
tb_wait_log hras 'client acme: tunnel closed: client removed from the configuration' 5
tb_wait_log acme2 'hras refused the tunnel \(403\)' 15
vofw_push_up 20
vofw_push_down 20
[ "$(vofw_count hrac 'tunnel down')" = 0 ] || tb_fail "corp's tunnel dropped"
tb_stop acme2
echo "ok: a client removed from the file has its tunnel closed on reload"
