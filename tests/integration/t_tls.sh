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
tb_tls_certs "$TB_DIR" "$TB_WAN_IP"
# Another CA that did not sign it.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj '/CN=other CA' \
    -keyout other.key -out other.pem 2>/dev/null
fp=$(openssl x509 -in hras.pem -noout -fingerprint -sha256 | sed 's/.*=//')
# As docs/security.md says: root:vofw 0640, so a reload (as vofw) reads it.
chgrp vofw ./*.key && chmod 640 ./*.key || tb_fail "key modes"
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
# The streaming POST reads nothing while the tunnel is up: past hrac's
# 10 s connect timeout, the tunnel must still be the first one.
sleep 12
vofw_push_up 50
vofw_push_down 50
! grep -q 'tunnel down' "$TB_DIR/hrac.log" ||
    tb_fail "the TLS tunnel went down: $(grep 'tunnel down' "$TB_DIR/hrac.log")"
grep -q "CONNECT $TB_WAN_IP:8080" "$TB_DIR/squid/access.log" 2>/dev/null ||
    sleep 2
tb_stop hrac
grep -q "CONNECT $TB_WAN_IP:8080" "$TB_DIR/squid/access.log" ||
    tb_fail "Squid did not log a CONNECT"
echo "ok: https through CONNECT, server verified by CA, up past 10 s"

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
tb_wait_log hrac 'tunnel attempt failed: tls: .*not the pinned certificate' 10
tb_stop hrac
! grep -q 'tunnel up' "$TB_DIR/hrac.log" || tb_fail "wrong pin accepted"
echo "ok: a certificate that does not match the pin is refused"

# -n loads the certificate and key: a key of another certificate, or
# garbage, is refused naming the key; so is a media.address that is not
# on the machine, and an hrac CA file that holds no certificate.
ncheck() {	# ncheck NS BIN FILE ERE: -n fails with a line matching ERE
	_nc_rc=0
	_nc_out=$(ip netns exec "$1" "$2" -n -f "$3" 2>&1) || _nc_rc=$?
	[ "$_nc_rc" != 0 ] || tb_fail "-n accepted ${3##*/}: $_nc_out"
	echo "$_nc_out" | grep -Eq -- "$4" ||
	    tb_fail "-n on ${3##*/} said: $_nc_out"
	! echo "$_nc_out" | grep -q 'configuration OK' ||
	    tb_fail "-n on ${3##*/} said OK too"
}
echo 'not a key' >"$TB_DIR/garbage.key"
sed "s|$TB_DIR/hras.key|$TB_DIR/other.key|" "$TB_DIR/hras.conf" \
    >"$TB_DIR/mismatch.conf"
ncheck "$TB_WAN" "$TB_HRAS" "$TB_DIR/mismatch.conf" \
    "tunnel\.tls\.key \"$TB_DIR/other\.key\" does not match the certificate"
sed "s|$TB_DIR/hras.key|$TB_DIR/garbage.key|" "$TB_DIR/hras.conf" \
    >"$TB_DIR/garbage.conf"
ncheck "$TB_WAN" "$TB_HRAS" "$TB_DIR/garbage.conf" \
    "tunnel\.tls\.key \"$TB_DIR/garbage\.key\": "
sed "s|media = { address = \"$TB_WAN_IP\"|media = { address = \"198.51.100.99\"|" \
    "$TB_DIR/hras.conf" >"$TB_DIR/media.conf"
ncheck "$TB_WAN" "$TB_HRAS" "$TB_DIR/media.conf" \
    'media\.address "198\.51\.100\.99" is not an address of this machine'
vofw_hrac_conf "$TB_DIR/badca.conf" "$S" "$TB_PROXY_URL" "" "" \
    "tls = { ca = \"$TB_DIR/garbage.key\"; };"
ncheck "$TB_LAN" "$TB_HRAC" "$TB_DIR/badca.conf" \
    "tls\.ca \"$TB_DIR/garbage\.key\" holds no usable CA certificate"
echo "ok: -n refuses a mismatched or garbage key, a media.address not on" \
    "the machine, a CA file without a certificate"

# served FP: the SHA-256 fingerprint a new handshake with hras presents.
served() {
	ip netns exec "$TB_WAN" openssl s_client -connect "$TB_WAN_IP:8080" \
	    </dev/null 2>/dev/null | openssl x509 -noout -fingerprint \
	    -sha256 | sed 's/.*=//'
}
[ "$(served)" = "$fp" ] || tb_fail "hras serves $(served), not $fp"

# SIGHUP with a renewed certificate: new handshakes get it, the live
# tunnel carries on; a key that does not match is refused, the old kept.
run_hrac renew "tls = { ca = \"$TB_DIR/ca.pem\"; };"
tb_wait_log hrac 'tunnel up \(stream mode\) to https://' 15
cd "$TB_DIR"
openssl req -newkey rsa:2048 -nodes -subj "/CN=$TB_WAN_IP" \
    -keyout new.key -out new.csr 2>/dev/null
openssl x509 -req -in new.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -days 2 -extfile san.ext -out new.pem 2>/dev/null
newfp=$(openssl x509 -in new.pem -noout -fingerprint -sha256 | sed 's/.*=//')
chgrp vofw new.key && chmod 640 new.key || tb_fail "new.key's mode"
cd - >/dev/null
cp "$TB_DIR/hras.pem" "$TB_DIR/hras.pem.old"
cp "$TB_DIR/new.pem" "$TB_DIR/hras.pem"
kill -HUP "$(tb_pid hras)"
tb_wait_log hras 'error: reload refused, keeping the running configuration: tunnel\.tls\.key .* does not match' 5
[ "$(served)" = "$fp" ] || tb_fail "a refused reload changed the certificate"
cp "$TB_DIR/new.key" "$TB_DIR/hras.key"
kill -HUP "$(tb_pid hras)"
tb_wait_log hras 'reload: tunnel certificate .* loaded' 5
[ "$(served)" = "$newfp" ] ||
    tb_fail "after SIGHUP hras serves $(served), not the new $newfp"
vofw_push_up 20
vofw_push_down 20
[ "$(vofw_count hrac 'tunnel down')" = 0 ] ||
    tb_fail "the certificate reload dropped the tunnel"
echo "ok: SIGHUP loads a renewed certificate for new handshakes; the live" \
    "tunnel carries on; a mismatched key is refused"

# hrac: a CA file that does not load is refused on reload; a pin changed
# to the new certificate's is taken and used by the next handshake.
cp "$TB_DIR/hrac.conf" "$TB_DIR/hrac.good"
sed "s|$TB_DIR/ca.pem|$TB_DIR/garbage.key|" "$TB_DIR/hrac.good" \
    >"$TB_DIR/hrac.conf"
kill -HUP "$(tb_pid hrac)"
tb_wait_log hrac 'error: reload refused, keeping the running configuration: tls\.ca' 5
vofw_hrac_conf "$TB_DIR/hrac.conf" "$S" "$TB_PROXY_URL" "" "" \
    "tls = { fingerprint = \"$newfp\"; };"
kill -HUP "$(tb_pid hrac)"
tb_wait_log hrac 'configuration reloaded' 5
tb_stop hras
tb_wait_log hrac 'tunnel down' 10
vofw_start_hras
vofw_wait_count hrac 'tunnel up \(stream mode\) to https://' 2 20
echo "ok: hrac refuses a CA that does not load on reload, and takes a new pin"
