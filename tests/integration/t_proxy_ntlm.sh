#!/bin/sh
# A proxy that requires NTLM (Squid with ntlm_fake_auth, which runs the
# NTLM handshake and takes the user name from the AUTHENTICATE message):
# hrac with proxy_auth gets through, through plain http and through
# CONNECT to https://, with the three messages on one connection, and a
# call carries voice each time. A user the proxy does not let through,
# and a configured method the proxy does not offer, are refused with the
# proxy and the scheme named.
# timeout: 180
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"
. "$(dirname "$0")/../lib/voicecall.sh"

[ -x /usr/lib/squid/ntlm_fake_auth ] || tb_fail "no /usr/lib/squid/ntlm_fake_auth"
tb_up
# NTLM only; of the users it authenticates, only CORP\alice may pass.
TB_SQUID_RULES="auth_param ntlm program /usr/lib/squid/ntlm_fake_auth
auth_param ntlm children 2
acl authed proxy_auth REQUIRED
acl alice proxy_auth_regex -i ^corp.alice\$
http_access deny !authed
http_access deny !alice"
tb_squid_start

# hras over https too: a CA and a certificate for its address.
tb_tls_certs "$TB_DIR" "$TB_WAN_IP"

LAST=none
run_hrac() {	# run_hrac NAME SERVER PROXY_AUTH [EXTRA]
	[ ! -f "$TB_DIR/hrac.log" ] || mv "$TB_DIR/hrac.log" "$TB_DIR/hrac-$LAST.log"
	LAST=$1
	vofw_hrac_conf "$TB_DIR/hrac.conf" "$2" "$TB_PROXY_URL" "" "" \
	    "proxy_auth = { $3 }; ${4:-}"
	vofw_start_hrac
}

vofw_hras_conf "$TB_DIR/hras.conf"
vofw_start_hras

# Plain http: hrac learns NTLM from the proxy's 407 ("auto").
run_hrac http "http://$TB_WAN_IP:8080/" \
    'user = "alice"; password = "pw"; domain = "CORP";'
tb_wait_log hrac 'the proxy at 10\.77\.0\.1:3128: authenticating with NTLM \(it offers NTLM\)' 10
tb_wait_log hrac 'tunnel up \(stream mode\) to http://' 15
vofw_push_up 50
vofw_push_down 50
# Squid logs the user as CORP\\alice.
grep -Eq ' CORP.+alice HIER_DIRECT' "$TB_DIR/squid/access.log" ||
    tb_fail "Squid logged no request of alice of CORP"
echo "ok: tunnel through an NTLM proxy over plain http"
vofw_voice_call http
echo "ok: a call with voice through the NTLM proxy over plain http"
tb_stop hrac

# "DOMAIN\user" and method "ntlm": NTLM from the first request on.
run_hrac http-ntlm "http://$TB_WAN_IP:8080/" \
    'method = "ntlm"; user = "CORP\\alice"; password = "pw";'
tb_wait_log hrac 'tunnel up \(stream mode\) to http://' 15
! grep -q 'authenticating with' "$TB_DIR/hrac.log" ||
    tb_fail "method ntlm waited for the proxy's offer"
echo "ok: method ntlm with DOMAIN\\user"
tb_stop hrac

# A user the proxy does not let through.
run_hrac bob "http://$TB_WAN_IP:8080/" \
    'user = "bob"; password = "pw"; domain = "CORP";'
tb_wait_log hrac 'tunnel attempt failed: the proxy at 10\.77\.0\.1:3128 refused the NTLM credentials of user CORP\\bob \(407 Proxy Authentication Required\); check proxy_auth.s user, password and domain$' 10
echo "ok: refused NTLM credentials reported with the proxy and the scheme"
tb_stop hrac

# A method the proxy does not offer.
run_hrac basic "http://$TB_WAN_IP:8080/" \
    'method = "basic"; user = "alice"; password = "pw";'
tb_wait_log hrac 'tunnel attempt failed: the proxy at 10\.77\.0\.1:3128 does not accept Basic authentication \(407 Proxy Authentication Required; it offers NTLM\); set proxy_auth.method to "auto" or to what it offers$' 10
echo "ok: a method the proxy does not offer is reported as such"
tb_stop hrac

# No credentials at all.
run_hrac none "http://$TB_WAN_IP:8080/" 'method = "auto";'
tb_wait_log hrac 'tunnel attempt failed: the proxy at 10\.77\.0\.1:3128 requires authentication \(407 Proxy Authentication Required; it offers NTLM\); give its user and password in proxy_auth' 10
echo "ok: missing credentials reported with what the proxy offers"
tb_stop hrac

# https:// through CONNECT: the handshake rides the CONNECTs.
tb_stop hras
mv "$TB_DIR/hras.log" "$TB_DIR/hras-http.log"
HRAS_TUNNEL_EXTRA="tls = { cert = \"$TB_DIR/hras.pem\"; key = \"$TB_DIR/hras.key\"; };"
vofw_hras_conf "$TB_DIR/hras.conf"
vofw_start_hras
run_hrac https "https://$TB_WAN_IP:8080/" \
    'user = "alice"; password = "pw"; domain = "CORP";' \
    "tls = { ca = \"$TB_DIR/ca.pem\"; };"
tb_wait_log hrac 'tunnel up \(stream mode\) to https://' 15
vofw_push_up 50
vofw_push_down 50
grep -Eq 'CONNECT .* CORP.+alice HIER_DIRECT' "$TB_DIR/squid/access.log" ||
    tb_fail "Squid logged no CONNECT of alice of CORP"
echo "ok: tunnel through an NTLM proxy with CONNECT"
vofw_voice_call https
echo "ok: a call with voice through the NTLM proxy with CONNECT"
