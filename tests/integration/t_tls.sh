#!/bin/sh
# https:// to hras: through Squid with CONNECT, hras verified against a CA
# file, or by a pinned certificate fingerprint; a server that fails either
# check gets no tunnel.
# timeout: 120
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

tb_up
tb_squid_start

# A CA, and a certificate for hras's address signed by it.
cd "$TB_DIR"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=vofw test CA' \
    -keyout ca.key -out ca.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=$TB_WAN_IP" \
    -keyout hras.key -out hras.csr 2>/dev/null
printf 'subjectAltName=IP:%s\n' "$TB_WAN_IP" >san.ext
openssl x509 -req -in hras.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -days 2 -extfile san.ext -out hras.pem 2>/dev/null
# Another CA that did not sign it.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=other CA' \
    -keyout other.key -out other.pem 2>/dev/null
fp=$(openssl x509 -in hras.pem -noout -fingerprint -sha256 | sed 's/.*=//')
cd - >/dev/null

HRAS_TUNNEL_EXTRA="tls = { cert = \"$TB_DIR/hras.pem\"; key = \"$TB_DIR/hras.key\"; };"
vofw_hras_conf "$TB_DIR/hras.conf"
vofw_start_hras
grep -q 'tunnel listening on https://' "$TB_DIR/hras.log" ||
    tb_fail "hras does not listen with TLS"
S=https://$TB_WAN_IP:8080/

run_hrac() {	# run_hrac NAME TLS-SETTINGS
	vofw_hrac_conf "$TB_DIR/hrac.conf" "$S" "$TB_PROXY_URL" "" "" "$2"
	[ -f "$TB_DIR/hrac.log" ] && mv "$TB_DIR/hrac.log" "$TB_DIR/hrac-$1.log"
	vofw_start_hrac
}

run_hrac ca "tls = { ca = \"$TB_DIR/ca.pem\"; };"
tb_wait_log hrac 'tunnel up \(stream mode\) to https://' 15
vofw_push_up 50
vofw_push_down 50
grep -q "CONNECT $TB_WAN_IP:8080" "$TB_DIR/squid/access.log" 2>/dev/null ||
    sleep 2
tb_stop hrac
grep -q "CONNECT $TB_WAN_IP:8080" "$TB_DIR/squid/access.log" ||
    tb_fail "Squid did not log a CONNECT"
echo "ok: https through CONNECT, server verified by CA"

run_hrac pin "tls = { fingerprint = \"$fp\"; };"
tb_wait_log hrac 'tunnel up \(stream mode\) to https://' 15
vofw_push_up 20
tb_stop hrac
echo "ok: https with a pinned fingerprint"

run_hrac wrongca "tls = { ca = \"$TB_DIR/other.pem\"; };"
tb_wait_log hrac 'tunnel attempt failed: tls: certificate verify failed' 10
tb_stop hrac
! grep -q 'tunnel up' "$TB_DIR/hrac.log" || tb_fail "unverified server used"
echo "ok: a server the CA did not sign is refused"

wrong=$(echo "$fp" | sed 's/^../00/')
run_hrac wrongpin "tls = { fingerprint = \"$wrong\"; };"
tb_wait_log hrac 'does not match the pinned fingerprint' 10
tb_stop hrac
! grep -q 'tunnel up' "$TB_DIR/hrac.log" || tb_fail "wrong pin accepted"
echo "ok: a certificate that does not match the pin is refused"
