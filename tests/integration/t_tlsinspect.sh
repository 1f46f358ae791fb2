#!/bin/sh
# A TLS-inspecting company proxy: Squid with ssl_bump opens TLS to hras
# itself and shows hrac a certificate for hras's address that the company
# CA signs. hrac trusting the company CA gets through (the proxy sees the
# HTTP, but the frames are encrypted between the halves anyway) and a call
# with voice crosses. hrac that pins hras's certificate, or trusts only
# hras's own CA, refuses and says that the proxy intercepts TLS, with the
# certificate it was shown and what to configure instead; with the
# exception the message suggests (ssl_bump splice for hras), the pin works.
# timeout: 180
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

tb_up

# hras's own CA and certificate; the company's inspection CA.
cd "$TB_DIR"
tb_tls_certs "$TB_DIR" "$TB_WAN_IP"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
    -subj '/O=Corp/CN=Corp TLS inspection CA' \
    -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign \
    -keyout corp.key -out corp.pem 2>/dev/null
fp=$(openssl x509 -in hras.pem -noout -fingerprint -sha256 | sed 's/.*=//')
chgrp vofw ./*.key && chmod 640 ./*.key || tb_fail "key modes"
cd - >/dev/null

tb_squid_bump_start "$TB_DIR/corp.pem" "$TB_DIR/corp.key" "$TB_DIR/ca.pem"
HRAS_TUNNEL_EXTRA="tls = { cert = \"$TB_DIR/hras.pem\"; key = \"$TB_DIR/hras.key\"; };"
vofw_hras_conf "$TB_DIR/hras.conf"
vofw_start_hras
S=https://$TB_WAN_IP:8080/

# run_hrac NAME TLS-SETTINGS: (re)start hrac; the log of the one before
# is kept as hrac-ITS_NAME.log.
LAST=
run_hrac() {
	if [ -n "$LAST" ]; then
		tb_stop hrac
		mv "$TB_DIR/hrac.log" "$TB_DIR/hrac-$LAST.log"
	fi
	LAST=$1
	vofw_hrac_conf "$TB_DIR/hrac.conf" "$S" "$TB_PROXY_URL" "" "" "$2"
	vofw_start_hrac
}

# Trusting the company CA: through, and Squid saw the requests inside.
run_hrac corp "tls = { ca = \"$TB_DIR/corp.pem\"; };"
tb_wait_log hrac 'tunnel up \((stream|poll) mode\) to https://' 25
mode=$(sed -n 's/.*tunnel up (\([a-z]*\) mode).*/\1/p' "$TB_DIR/hrac.log")
for _ in 1 2 3 4 5 6 7 8 9 10; do
	grep -q "https://$TB_WAN_IP:8080/vofw/v1/" \
	    "$TB_DIR/squid/access.log" 2>/dev/null && break
	sleep 0.5
done
grep -q "https://$TB_WAN_IP:8080/vofw/v1/" "$TB_DIR/squid/access.log" ||
    tb_fail "Squid did not inspect the tunnel: $(cat \
    "$TB_DIR/squid/access.log")"
echo "ok: through the TLS-inspecting Squid, trusting the company CA:" \
    "$mode mode"

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
    -sn uac_pcap -s alice -i 198.51.100.14 -p 5080 -mi 198.51.100.14 \
    -mp 18000 -m 1 "$TB_WAN_IP:5060" >"$TB_DIR/bob_calls.log" 2>&1 ||
    tb_fail "the call through the inspecting proxy failed"
cd - >/dev/null
tb_wait_log hrac 'ended: BYE' 5
tb_stop alice
awk '/media flow .* closed:/ { n++; if ($(NF-3) < 200 || $(NF-1) < 200)
    bad = 1 } END { exit !(n > 0 && !bad) }' "$TB_DIR/hrac.log" ||
    tb_fail "too little voice: $(grep closed: "$TB_DIR/hrac.log")"
grep -Eq '[0-9]{3} Total echo RTP pckts 1st stream' "$TB_DIR/alice.log" ||
    tb_fail "alice echoed no voice"
echo "ok: a call with voice both ways through the inspecting proxy"

# Pinned to hras's certificate: refused, and the line says why and what
# to do.
run_hrac pin "tls = { fingerprint = \"$fp\"; };"
tb_wait_log hrac 'tunnel attempt failed' 15
line=$(grep -m1 'tunnel attempt failed' "$TB_DIR/hrac.log")
echo "$line"
for want in 'the proxy at 10\.77\.0\.1:3128 intercepts TLS' \
    "subject /CN=$TB_WAN_IP" 'issued by /O=Corp/CN=Corp TLS inspection CA' \
    'tls\.ca' 'ssl_bump splice'; do
	echo "$line" | grep -q "$want" || tb_fail "no /$want/ in: $line"
done
[ "$(vofw_count hrac 'tunnel up')" = 0 ] ||
    tb_fail "a pinned hrac accepted the proxy's certificate"
echo "ok: with a pin, hrac refuses and names the interception"

# Trusting only hras's own CA: refused the same way.
run_hrac ownca "tls = { ca = \"$TB_DIR/ca.pem\"; };"
tb_wait_log hrac 'tunnel attempt failed' 15
line=$(grep -m1 'tunnel attempt failed' "$TB_DIR/hrac.log")
echo "$line"
echo "$line" | grep -q 'the proxy at 10\.77\.0\.1:3128 intercepts TLS' &&
echo "$line" | grep -q 'issued by /O=Corp/CN=Corp TLS inspection CA' ||
    tb_fail "the untrusted interception is not named: $line"
echo "ok: trusting hras's CA only, hrac refuses and names the interception"

# The exception: Squid splices hras's address; the pin holds again.
tb_squid_stop
tb_squid_bump_start "$TB_DIR/corp.pem" "$TB_DIR/corp.key" "$TB_DIR/ca.pem" \
    "$TB_WAN_IP"
run_hrac splice "tls = { fingerprint = \"$fp\"; };"
tb_wait_log hrac 'tunnel up \(stream mode\) to https://' 25
vofw_push_up 20
vofw_push_down 20
echo "ok: with ssl_bump splice for hras, the pinned tunnel comes up"
