#!/bin/sh
# No SIP message handed to the tunnel is lost in an outage: the firewall
# drops everything to and from the LAN for a while, long enough for hrac
# to find the tunnel dead. (a) A REGISTER an inside phone sends once (no
# retransmission) while the tunnel is down reaches hras when the tunnel is
# back. (b) A BYE an outside phone sends once into a tunnel that is dead
# but not yet known dead at hras reaches the inside phone after hrac has
# reconnected, and its 200 comes back.
# timeout: 120
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

S=$VOFW_ROOT/tests/sipp
# hrac finds a silent tunnel dead after 6 s; hras only after 20 s, so that
# what it sends into the dark meanwhile must be sent again after hrac
# comes back.
VOFW_TIMERS=""
tb_up
tb_squid_start
HRAS_TUNNEL_EXTRA="keepalive = 2; timeout = 20;" \
    vofw_hras_conf "$TB_DIR/hras.conf"
vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" \
    "$TB_PROXY_URL" "" "timeout = 6; backoff_max = 2;"
vofw_start_hras
vofw_start_hrac
tb_wait_log hrac 'tunnel up \(stream mode\)' 15
cd "$TB_DIR"

outage() {	# outage on|off: the firewall's LAN side goes dark both ways
	if [ "$1" = on ]; then
		ip netns exec "$TB_FW" nft -f - <<EOF || tb_fail "nft outage"
table inet outage {
	chain in {
		type filter hook input priority -10; policy accept;
		iifname "lan" drop
	}
	chain out {
		type filter hook output priority -10; policy accept;
		oifname "lan" drop
	}
}
EOF
	else
		ip netns exec "$TB_FW" nft delete table inet outage ||
		    tb_fail "nft outage off"
	fi
}

# (a) alice registers, once, while the tunnel is down.
outage on
tb_wait_log hrac 'tunnel down' 15
tb_start reg "$TB_LAN" sipp -nostdin -nr -sf "$S/register.xml" \
    -key domain corp.example -s alice -i 10.77.0.3 -p 5070 -m 1 \
    -timeout 40 -timeout_error "$TB_LAN_IP:5060"
sleep 1
outage off
vofw_wait_count hrac 'tunnel up \(stream mode\)' 2 20
tb_wait_log hras 'alice@corp.example registered' 10
_dl=$(($(date +%s) + 10))
while tb_running reg; do
	[ "$(date +%s)" -lt "$_dl" ] || tb_fail "alice got no answer"
	sleep 0.2
done
grep -q 'Successful call.*|  *1 ' reg.log ||
    tb_fail "alice's REGISTER was not answered: $(tail -20 reg.log)"
echo "ok: (a) a REGISTER sent once during an outage reaches hras after it"

# (b) bob calls alice; while the call is up the path goes dark; bob hangs
# up, once; the BYE waits at hras and reaches alice after hrac is back.
tb_start alice "$TB_LAN" sipp -nostdin -sn uas -i 10.77.0.3 -p 5070 -m 1
sleep 0.5
tb_start bob "$TB_WAN" sipp -nostdin -nr -sn uac -s alice \
    -i 198.51.100.14 -p 5080 -m 1 -d 4000 -timeout 60 -timeout_error \
    "$TB_WAN_IP:5060"
tb_wait_log hrac 'call .* -> sip:alice@' 10
n=$(vofw_count hrac 'tunnel up \(stream mode\)')
# The call's set-up acknowledged well before the path goes
# dark, so that only the BYE and its answer wait for the tunnel.
sleep 2
outage on
# bob's BYE leaves about 2 s from now, long before hras finds the tunnel
# dead; hrac finds it dead after 6 s.
vofw_wait_count hrac 'tunnel down' 2 15
! grep -q 'ended: BYE' hrac.log || tb_fail "the BYE crossed the outage"
outage off
vofw_wait_count hrac 'tunnel up \(stream mode\)' $((n + 1)) 20
_dl=$(($(date +%s) + 20))
while tb_running bob || tb_running alice; do
	[ "$(date +%s)" -lt "$_dl" ] || tb_fail "the call did not end"
	sleep 0.2
done
grep -q 'Successful call.*|  *1 ' bob.log ||
    tb_fail "bob's BYE got no 200: $(tail -20 bob.log)"
grep -q 'Successful call.*|  *1 ' alice.log ||
    tb_fail "alice got no BYE: $(tail -20 alice.log)"
grep -q 'unacknowledged SIP message(s) will be sent again' hras.log ||
    tb_fail "hras sent nothing again"
echo "ok: (b) a BYE sent once into a dead tunnel reaches the inside phone"
