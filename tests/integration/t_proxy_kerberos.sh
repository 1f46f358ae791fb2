#!/bin/sh
# A proxy that requires Negotiate (Kerberos): an MIT KDC inside the LAN
# (krb5kdc, its realm, the user alice and the proxy's HTTP/10.77.0.1
# made with kadmin.local), Squid checking tickets with
# negotiate_kerberos_auth and its keytab. hrac, with alice's credential
# cache from kinit (KRB5CCNAME) and the test's krb5.conf (KRB5_CONFIG),
# gets through plain http and CONNECT, a call carries voice each time;
# with a password instead of a cache too; without any credentials it says
# what the proxy offers and what Kerberos said.
# timeout: 180
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"
. "$(dirname "$0")/../lib/voicecall.sh"

for t in krb5kdc kdb5_util kadmin.local kinit; do
	command -v "$t" >/dev/null || tb_fail "no $t (krb5-kdc, krb5-admin-server, krb5-user)"
done
[ -x /usr/lib/squid/negotiate_kerberos_auth ] ||
    tb_fail "no /usr/lib/squid/negotiate_kerberos_auth"
tb_up

# The realm: its KDC listens on hrac's LAN address, as a domain
# controller inside the company would.
K=$TB_DIR/krb
mkdir -p "$K" && chmod 755 "$TB_DIR" "$K" || tb_fail "krb dir"
cat >"$K/krb5.conf" <<CONF || tb_fail "krb5.conf"
[libdefaults]
	default_realm = VOFW.TEST
	dns_lookup_kdc = false
	dns_lookup_realm = false
	rdns = false
	dns_canonicalize_hostname = false
[realms]
	VOFW.TEST = {
		kdc = $TB_LAN_IP:88
	}
CONF
cat >"$K/kdc.conf" <<CONF || tb_fail "kdc.conf"
[kdcdefaults]
	kdc_ports = 88
	kdc_tcp_ports = 88
[realms]
	VOFW.TEST = {
		database_name = $K/principal
		key_stash_file = $K/stash
		acl_file = $K/kadm5.acl
		max_life = 1h
		supported_enctypes = aes256-cts-hmac-sha1-96:normal
	}
[logging]
	kdc = FILE:$K/kdc.log
CONF
chmod 644 "$K"/*.conf
export KRB5_CONFIG="$K/krb5.conf" KRB5_KDC_PROFILE="$K/kdc.conf"
kdb5_util create -s -r VOFW.TEST -P "kdc-master-$$" >"$K/create.log" 2>&1 ||
    tb_fail "kdb5_util create: $(cat "$K/create.log")"
mkdir -p "$TB_DIR/squid" || tb_fail "squid dir"
kadmin.local -q "addprinc -pw alice-pw-$$ alice" >"$K/kadmin.log" 2>&1 &&
kadmin.local -q "addprinc -randkey HTTP/$TB_FW_LAN_IP" >>"$K/kadmin.log" 2>&1 &&
kadmin.local -q "ktadd -k $TB_DIR/squid/squid.keytab HTTP/$TB_FW_LAN_IP" \
    >>"$K/kadmin.log" 2>&1 || tb_fail "kadmin.local: $(cat "$K/kadmin.log")"
tb_start kdc "$TB_LAN" krb5kdc -n
tb_wait_listen "$TB_LAN" "$TB_LAN_IP" 88 10

# alice's ticket, in a cache hrac (as vofw) can read.
echo "alice-pw-$$" | ip netns exec "$TB_LAN" env KRB5CCNAME="FILE:$K/alice.cc" \
    kinit alice >"$K/kinit.log" 2>&1 || tb_fail "kinit: $(cat "$K/kinit.log")"
chown vofw "$K/alice.cc" || tb_fail "chown cache"

# Squid (as proxy) reads the keytab; only Negotiate is offered.
chown -R proxy:proxy "$TB_DIR/squid" || tb_fail "chown squid"
TB_SQUID_RULES="auth_param negotiate program /usr/lib/squid/negotiate_kerberos_auth -k $TB_DIR/squid/squid.keytab -s HTTP/$TB_FW_LAN_IP@VOFW.TEST
auth_param negotiate children 2
auth_param negotiate keep_alive on
acl authed proxy_auth REQUIRED
http_access deny !authed"
tb_squid_start

tb_tls_certs "$TB_DIR" "$TB_WAN_IP"

LAST=none
run_hrac() {	# run_hrac NAME CCACHE SERVER PROXY_AUTH [EXTRA]
	[ ! -f "$TB_DIR/hrac.log" ] || mv "$TB_DIR/hrac.log" "$TB_DIR/hrac-$LAST.log"
	LAST=$1
	vofw_hrac_conf "$TB_DIR/hrac.conf" "$3" "$TB_PROXY_URL" "" "" \
	    "proxy_auth = { $4 }; ${5:-}"
	VOFW_WRAP="env KRB5_CONFIG=$K/krb5.conf KRB5CCNAME=$2" vofw_start_hrac
}

vofw_hras_conf "$TB_DIR/hras.conf"
vofw_start_hras

# Plain http, "auto" with nothing but the credential cache.
run_hrac http "FILE:$K/alice.cc" "http://$TB_WAN_IP:8080/" 'method = "auto";'
tb_wait_log hrac 'the proxy at 10\.77\.0\.1:3128: authenticating with Negotiate \(it offers Negotiate\)' 10
tb_wait_log hrac 'tunnel up \(stream mode\) to http://' 15
vofw_push_up 50
vofw_push_down 50
grep -Eq ' alice@VOFW.TEST HIER_DIRECT' "$TB_DIR/squid/access.log" ||
    tb_fail "Squid logged no request of alice@VOFW.TEST"
echo "ok: tunnel through a Kerberos proxy over plain http"
vofw_voice_call http
echo "ok: a call with voice through the Kerberos proxy over plain http"
tb_stop hrac

# A user and password instead of a cache (gss_acquire_cred_with_password).
run_hrac password "FILE:$K/pw.cc" "http://$TB_WAN_IP:8080/" \
    "method = \"negotiate\"; user = \"alice\"; password = \"alice-pw-$$\";"
tb_wait_log hrac 'tunnel up \(stream mode\) to http://' 15
echo "ok: Negotiate with proxy_auth's user and password"
tb_stop hrac

# No credentials: what the proxy offers and what Kerberos said.
run_hrac nocache "FILE:$K/empty.cc" "http://$TB_WAN_IP:8080/" 'method = "auto";'
tb_wait_log hrac 'Negotiate \(Kerberos\) towards the proxy at 10\.77\.0\.1:3128 for HTTP/10\.77\.0\.1: .*; check the credential cache' 10
tb_wait_log hrac 'tunnel attempt failed: the proxy at 10\.77\.0\.1:3128 requires authentication \(407 Proxy Authentication Required; it offers Negotiate\); give hrac a Kerberos ticket \(KRB5CCNAME\), a keytab \(KRB5_CLIENT_KTNAME\) or proxy_auth.s user and password$' 10
echo "ok: no Kerberos credentials reported with the proxy and the scheme"
tb_stop hrac

# https:// through CONNECT.
tb_stop hras
mv "$TB_DIR/hras.log" "$TB_DIR/hras-http.log"
HRAS_TUNNEL_EXTRA="tls = { cert = \"$TB_DIR/hras.pem\"; key = \"$TB_DIR/hras.key\"; };"
vofw_hras_conf "$TB_DIR/hras.conf"
vofw_start_hras
run_hrac https "FILE:$K/alice.cc" "https://$TB_WAN_IP:8080/" \
    'method = "negotiate";' "tls = { ca = \"$TB_DIR/ca.pem\"; };"
tb_wait_log hrac 'tunnel up \(stream mode\) to https://' 15
vofw_push_up 50
vofw_push_down 50
grep -Eq 'CONNECT .* alice@VOFW.TEST HIER_DIRECT' "$TB_DIR/squid/access.log" ||
    tb_fail "Squid logged no CONNECT of alice@VOFW.TEST"
echo "ok: tunnel through a Kerberos proxy with CONNECT"
vofw_voice_call https
echo "ok: a call with voice through the Kerberos proxy with CONNECT"
