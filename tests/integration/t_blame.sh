#!/bin/sh
# hrac names the party that failed and what to do: a proxy that forbids
# CONNECT to hras's port (Squid's SSL_ports rule), a proxy that cannot
# reach hras (nothing listens: Squid answers 503), a plain-HTTP hras
# behind an https:// URL, and a proxy name the company's resolver does
# not know (dnsmasq in the LAN, hrac's /etc/resolv.conf bound to it).
# Each case is one exact line in hrac's log.
# timeout: 150
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

DNS_IP=10.77.0.9
W=$TB_WAN_IP:8080

# expect NAME LINE: wait up to 15 s for the exact LINE in hrac's log (after
# its prefix), then stop hrac and keep its log as hrac-NAME.log.
expect() {
	_e_dl=$(($(date +%s) + 15))
	until grep -Eq -- "tunnel attempt failed: $(printf '%s' "$2" |
	    sed 's/[][\.*^$()+?{}|]/\\&/g')\$" "$TB_DIR/hrac.log"; do
		[ "$(date +%s)" -lt "$_e_dl" ] ||
		    tb_fail "$1: no line 'tunnel attempt failed: $2'"
		sleep 0.1
	done
	tb_stop hrac
	mv "$TB_DIR/hrac.log" "$TB_DIR/hrac-$1.log"
	echo "ok: $1: $2"
}

tb_up
TB_SQUID_RULES='acl SSL_ports port 443
acl CONNECT method CONNECT
http_access deny CONNECT !SSL_ports'
tb_squid_start
vofw_hras_conf "$TB_DIR/hras.conf"
vofw_start_hras

# 1. CONNECT to 8080 is not allowed: the proxy's 403, not hras's.
vofw_hrac_conf "$TB_DIR/hrac.conf" "https://$W/" "$TB_PROXY_URL"
vofw_start_hrac
expect connect-forbidden "the proxy refused CONNECT to $W: 403 Forbidden; allow this port for CONNECT in the proxy (Squid: SSL_ports)"

# 2. A plain-HTTP hras behind an https:// URL (CONNECT allowed now).
TB_SQUID_RULES=
tb_squid_restart
vofw_hrac_conf "$TB_DIR/hrac.conf" "https://$W/" "$TB_PROXY_URL"
vofw_start_hrac
expect plain-behind-https "the server at $W did not answer TLS (no answer to the handshake): is it http://?"

# 3. hras is not running: the proxy cannot reach it, for http:// and
# for CONNECT alike.
tb_stop hras
vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$W/" "$TB_PROXY_URL"
vofw_start_hrac
expect proxy-unreachable-http "the proxy could not reach hras at $W: 503 Service Unavailable; check that hras runs there and that the proxy may connect to it"
vofw_hrac_conf "$TB_DIR/hrac.conf" "https://$W/" "$TB_PROXY_URL"
vofw_start_hrac
expect proxy-unreachable-connect "the proxy could not reach hras at $W: 503 Service Unavailable; check that hras runs there and that the proxy may connect to it"

# 4. The proxy's name is unknown to the LAN's resolver.
tb_start dnsmasq "$TB_LAN" dnsmasq -k --no-resolv --no-hosts \
    --conf-file=/dev/null --port=53 --listen-address="$DNS_IP" \
    --bind-interfaces --user=nobody --group=nogroup \
    --pid-file="$TB_DIR/dnsmasq.pidfile" --log-queries --log-facility=- \
    --local=/example/
tb_wait_log dnsmasq 'started, version' 10
echo "nameserver $DNS_IP" >"$TB_DIR/resolv.conf"
vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$W/" \
    "http://proxy.corp.example:$TB_PROXY_PORT"
# hrac alone sees this resolv.conf: bound over /etc/resolv.conf in a mount
# namespace of its own (each exec keeps the PID tb_start records).
tb_start hrac "$TB_LAN" unshare -m --propagation private sh -c \
    'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$TB_DIR/resolv.conf" \
    "$TB_HRAC" -d -f "$TB_DIR/hrac.conf"
expect dns "cannot resolve the proxy's name proxy.corp.example: nodename nor servname provided, or not known; check proxy in hrac.conf and the resolver (/etc/resolv.conf)"
