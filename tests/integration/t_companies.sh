#!/bin/sh
# Two companies on one hras: clients corp and acme, each with its hrac,
# domain and phones. A call from a corp phone to an acme user goes out of
# corp's tunnel and into acme's, relayed by hras on both legs, with voice
# both ways; no company sees the other's inside addresses, and neither
# client can register into the other's domain.
# timeout: 120
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

CORP_SECRET=$(vofw_secret)
ACME_SECRET=$(vofw_secret)

S=$VOFW_ROOT/tests/sipp
tb_up
tb_squid_start
vofw_hras_conf "$TB_DIR/hras.conf"
sed -i -e 's/^domains = .*/domains = [ "corp.example", "acme.example" ];/' \
    -e '/^clients = /,/} );/d' "$TB_DIR/hras.conf"
cat >>"$TB_DIR/hras.conf" <<EOF
clients = (
    { id = "corp"; secret = "$CORP_SECRET"; domains = [ "corp.example" ]; },
    { id = "acme"; secret = "$ACME_SECRET"; domains = [ "acme.example" ]; }
);
EOF
vofw_start_hras
# corp's hrac on 10.77.0.2, acme's on 10.77.0.4 (same LAN, own tunnel).
vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" \
    "$TB_PROXY_URL" "$CORP_SECRET"
sed -e 's/"corp"/"acme"/' -e "s/$CORP_SECRET/$ACME_SECRET/" \
    -e "s/$TB_LAN_IP/10.77.0.4/g" -e '/^hook = /,/; };$/d' \
    "$TB_DIR/hrac.conf" >"$TB_DIR/acme.conf"
vofw_start_hrac
tb_start acme "$TB_LAN" "$TB_HRAC" -d -f "$TB_DIR/acme.conf"
tb_wait_log hrac 'tunnel up \(stream mode\)' 15
tb_wait_log acme 'tunnel up \(stream mode\)' 15

ln -s /usr/share/sip-tester "$TB_DIR/pcap"
cd "$TB_DIR"
vofw_register alice 10.77.0.3 5070 corp.example
vofw_register dave 10.77.0.6 5070 acme.example 10.77.0.4
tb_wait_log hras 'client acme: dave@acme.example registered' 2

# Neither client registers into the other's domain.
ip netns exec "$TB_LAN" timeout 20 sipp -nostdin \
    -sf "$S/register_refused.xml" -key domain acme.example -s mallory \
    -i 10.77.0.3 -p 5074 -m 1 -timeout 10 -timeout_error "$TB_LAN_IP:5060" \
    >cross-reg.log 2>&1 || tb_fail "corp's hrac registered into acme.example"
tb_wait_log hras 'client corp: REGISTER for mallory@acme.example refused' 2
echo "ok: a client cannot register into another company's domain"

calls() {	# calls NAME CALLER_IP HRAC USER DOMAIN CALLEE_IP
	tb_start "$1-callee" "$TB_LAN" sipp -nostdin -sn uas -rtp_echo \
	    -i "$6" -p 5070 -mi "$6" -mp 16200 -m 1 -trace_msg \
	    -message_file "$TB_DIR/$1-callee.msg"
	sleep 0.5
	ip netns exec "$TB_LAN" timeout 40 sipp -nostdin -sf "$S/uac_domain.xml" \
	    -key domain "$5" -s "$4" -i "$2" -p 5080 -mi "$2" -mp 16000 -m 1 \
	    -timeout 30 -timeout_error -trace_msg \
	    -message_file "$TB_DIR/$1-caller.msg" "$3:5060" >"$1.log" 2>&1 ||
	    tb_fail "$1: the call failed: $(tail -5 "$1.log")"
	tb_stop "$1-callee"
	grep -Eq '[0-9]{3} Total echo RTP pckts 1st stream' "$1-callee.log" ||
	    tb_fail "$1: the callee echoed no voice"
}

calls corp2acme 10.77.0.3 "$TB_LAN_IP" dave acme.example 10.77.0.6
tb_wait_log hras 'call [^ ]*-vofw2@[^ ]* ended: BYE' 5
# Each leg is a relayed call of its own client at hras.
grep -Eq 'call [^ ]+: .*acme.example.*flows' hras.log ||
    tb_fail "hras relayed no leg"
[ "$(vofw_count hras 'media flow .* closed:')" -ge 2 ] ||
    tb_fail "hras relayed the voice of fewer than two legs"
awk '/media flow .* closed:/ { n++; if ($(NF-3) < 200 || $(NF-1) < 200)
    bad = 1 } END { exit !(n >= 2 && !bad) }' hras.log ||
    tb_fail "a leg carried too little voice: $(grep closed: hras.log)"
# Each company saw only hras of the other: no 10.77.0.x address of the
# other company's hrac or phones in what its phone received.
! grep -E '^(Via|Record-Route|Contact|c|o)[:=].*10\.77\.0\.(6|4)' \
    corp2acme-caller.msg || tb_fail "alice saw acme's inside addresses"
! grep -E '^(Via|Record-Route|Contact|c|o)[:=].*10\.77\.0\.(3|2)[^0-9]' \
    corp2acme-callee.msg || tb_fail "dave saw corp's inside addresses"
echo "ok: corp calls acme: both legs relayed by hras, voice both ways"

# And back: acme's user calls corp's.
calls acme2corp 10.77.0.6 10.77.0.4 alice corp.example 10.77.0.3
echo "ok: acme calls corp"
