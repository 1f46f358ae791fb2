#!/bin/sh
# Proxy discovery (proxy = "auto"): a PAC file from the company's web
# server picks Squid for hras; a PAC file on disk says DIRECT for hras,
# whom the firewall lets the LAN reach, and when it changes the next
# attempt follows it; the environment's http_proxy, and no_proxy
# exempting hras; WPAD through the LAN's DNS. Each choice is logged, and
# each carries the tunnel (the first a call with voice). A PAC file that never answers is refused within
# proxy_pac_timeout while hrac stays responsive, and the last proxy that
# worked is kept.
# timeout: 220
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"
. "$(dirname "$0")/../lib/voicecall.sh"

tb_up
tb_squid_start
vofw_hras_conf "$TB_DIR/hras.conf"
vofw_start_hras
S=http://$TB_WAN_IP:8080/

# The company's web server (on the firewall box, port 8081, which the
# LAN may reach) serves the PAC file.
mkdir -p "$TB_DIR/www"
cat >"$TB_DIR/www/proxy.pac" <<EOF
function FindProxyForURL(url, host) {
	if (isPlainHostName(host) || dnsDomainIs(host, ".corp.example"))
		return "DIRECT";
	if (isInNet(host, "198.51.100.0", "255.255.255.0") &&
	    shExpMatch(url, "http://*") && isInNet(myIpAddress(), "10.77.0.0",
	    "255.255.255.0"))
		return "PROXY $TB_FW_LAN_IP:$TB_PROXY_PORT; DIRECT";
	return "PROXY nowhere.invalid:1";
}
EOF
tb_fw_allow "$TB_FW_LAN_IP" 8081
tb_web_start "$TB_FW_LAN_IP" 8081 "$TB_DIR/www" "$TB_FW"

# restart_hrac NAME CONFIG-EXTRA: (re)start hrac with proxy = "auto"; the
# log of the one before is kept as hrac-ITS_NAME.log.
LAST=
restart_hrac() {
	if [ -n "$LAST" ]; then
		tb_stop hrac
		mv "$TB_DIR/hrac.log" "$TB_DIR/hrac-$LAST.log"
	fi
	LAST=$1
	vofw_hrac_conf "$TB_DIR/hrac.conf" "$S" auto "" "" "$2"
	vofw_start_hrac
}

restart_hrac pac-url "proxy_pac = \"http://$TB_FW_LAN_IP:8081/proxy.pac\";"
tb_wait_log hrac "proxy for $S: $TB_FW_LAN_IP:$TB_PROXY_PORT \\(the PAC file http://$TB_FW_LAN_IP:8081/proxy.pac says \"PROXY $TB_FW_LAN_IP:$TB_PROXY_PORT; DIRECT\"\\)" 15
tb_wait_log hrac 'tunnel up \(stream mode\) .* through the proxy' 15
vofw_push_up 20
vofw_push_down 20
grep -q "$TB_WAN_IP:8080/vofw/v1/" "$TB_DIR/squid/access.log" ||
    tb_fail "the tunnel did not go through Squid"
vofw_voice_call pac
echo "ok: a PAC file from the web server picks Squid for hras; a call with voice crosses"

# A PAC file on disk: DIRECT for hras, which the firewall lets through.
# Squid is stopped: a tunnel that comes up did not use it.
tb_squid_stop
tb_fw_allow "$TB_WAN_IP" 8080
cat >"$TB_DIR/direct.pac" <<EOF
function FindProxyForURL(url, host) {
	if (dnsResolve(host) == "$TB_WAN_IP") return "DIRECT";
	return "PROXY $TB_FW_LAN_IP:$TB_PROXY_PORT";
}
EOF
chmod 644 "$TB_DIR/direct.pac"
restart_hrac pac-file "proxy_pac = \"$TB_DIR/direct.pac\";"
tb_wait_log hrac "proxy for $S: none, direct \\(the PAC file $TB_DIR/direct.pac says \"DIRECT\"\\)" 15
tb_wait_log hrac "tunnel up \\(stream mode\\) to $S\$" 15
vofw_push_up 20
echo "ok: a PAC file on disk says DIRECT; the tunnel goes straight out"

# The PAC file changes: the next attempt (hras restarted) follows it.
tb_squid_start
cat >"$TB_DIR/direct.pac" <<EOF
function FindProxyForURL(url, host) {
	return "PROXY $TB_FW_LAN_IP:$TB_PROXY_PORT";
}
EOF
tb_stop hras
mv "$TB_DIR/hras.log" "$TB_DIR/hras-1.log"
vofw_start_hras
tb_wait_log hrac "proxy for $S: $TB_FW_LAN_IP:$TB_PROXY_PORT \\(the PAC file $TB_DIR/direct.pac" 20
tb_wait_log hrac 'tunnel up \(stream mode\) .* through the proxy' 20
vofw_push_up 20
echo "ok: the PAC file is read again at each attempt"

# A PAC file that never answers (it comes from the network: anyone who
# serves it may send one): each attempt, hrac refuses it once
# proxy_pac_timeout has passed, stays responsive meanwhile (its control
# socket answers while the script spins), and keeps the last proxy a
# tunnel came up through. A good file is taken at the next attempt.
restart_hrac pac-loop "proxy_pac = \"$TB_DIR/direct.pac\"; proxy_pac_timeout = 3000;"
tb_wait_log hrac 'tunnel up \(stream mode\) .* through the proxy' 15
# restart_hras: a new tunnel attempt, so discovery runs again.
NHRAS=1
restart_hras() {
	tb_stop hras
	NHRAS=$((NHRAS + 1))
	mv "$TB_DIR/hras.log" "$TB_DIR/hras-$NHRAS.log"
	vofw_start_hras
}
REFUSED="the PAC file $TB_DIR/direct.pac did not answer within 3000 ms: refused; hrac keeps the last proxy that worked, $TB_FW_LAN_IP:$TB_PROXY_PORT\$"
for loop in 'function FindProxyForURL(url, host) { while (true) {} }' \
    'while (true) {}'; do
	echo "$loop" >"$TB_DIR/direct.pac"
	n=$(vofw_count hrac "$REFUSED")
	ups=$(vofw_count hrac 'tunnel up \(stream mode\) .* through the proxy')
	downs=$(vofw_count hrac 'tunnel (down|attempt failed)')
	restart_hras
	vofw_wait_count hrac 'tunnel (down|attempt failed)' $((downs + 1)) 15
	# The next attempt's script spins now; hrac answers meanwhile.
	sleep 1
	timeout 2 "$TB_HRAC" -f "$TB_DIR/hrac.conf" -c status \
	    >"$TB_DIR/status-loop.out" 2>&1 ||
	    tb_fail "hrac did not answer status while a PAC file ran: $(cat \
	    "$TB_DIR/status-loop.out")"
	vofw_wait_count hrac "$REFUSED" $((n + 1)) 20
	vofw_wait_count hrac 'tunnel up \(stream mode\) .* through the proxy' \
	    $((ups + 1)) 20
	vofw_push_up 20
	echo "ok: a PAC file that never answers ($loop) is refused; the last proxy is kept"
done

cat >"$TB_DIR/direct.pac" <<EOF
function FindProxyForURL(url, host) { return "DIRECT"; }
EOF
restart_hras
tb_wait_log hrac "proxy for $S: none, direct \\(the PAC file $TB_DIR/direct.pac says \"DIRECT\"\\)" 20
tb_wait_log hrac "tunnel up \\(stream mode\\) to $S\$" 20
vofw_push_up 20
echo "ok: a good PAC file is taken again at the next attempt"

# A PAC file that fails: the attempt fails and says why.
echo 'function FindProxyForURL(url, host) { return "SOCKS s:1080"; }' \
    >"$TB_DIR/direct.pac"
restart_hrac pac-bad "proxy_pac = \"$TB_DIR/direct.pac\";"
tb_wait_log hrac "tunnel attempt failed: the PAC file $TB_DIR/direct.pac answers \"SOCKS s:1080\" for $TB_WAN_IP: no PROXY or DIRECT entry hrac can use" 15
echo "ok: an unusable PAC answer is named"

# The environment: http_proxy, then no_proxy exempting hras.
VOFW_WRAP="env http_proxy=$TB_PROXY_URL"
restart_hrac env ""
tb_wait_log hrac "proxy for $S: $TB_FW_LAN_IP:$TB_PROXY_PORT \\(from http_proxy\\)" 15
tb_wait_log hrac 'tunnel up \(stream mode\) .* through the proxy' 15
vofw_push_up 20
echo "ok: http_proxy from the environment"

VOFW_WRAP="env http_proxy=$TB_PROXY_URL no_proxy=localhost,198.51.100.0/24"
restart_hrac no-proxy ""
tb_wait_log hrac "proxy for $S: none, direct \\(no_proxy exempts $TB_WAN_IP\\)" 15
tb_wait_log hrac "tunnel up \\(stream mode\\) to $S\$" 15
vofw_push_up 20
echo "ok: no_proxy exempts hras: direct"

# WPAD: no proxy_pac, no variables. The LAN's resolver (dnsmasq, seen by
# hrac alone through a resolv.conf bound over its own) searches
# sub.corp.example; wpad.sub.corp.example does not exist, so hrac goes on
# to wpad.corp.example, the web server on port 80, whose wpad.dat picks
# Squid.
DNS_IP=10.77.0.9
tb_start dnsmasq "$TB_LAN" dnsmasq -k --no-resolv --no-hosts \
    --conf-file=/dev/null --port=53 --listen-address="$DNS_IP" \
    --bind-interfaces --user=nobody --group=nogroup \
    --pid-file="$TB_DIR/dnsmasq.pidfile" --log-queries --log-facility=- \
    --address="/wpad.corp.example/$TB_FW_LAN_IP" --local=/example/
tb_wait_log dnsmasq 'started, version' 10
printf 'search sub.corp.example\nnameserver %s\n' "$DNS_IP" \
    >"$TB_DIR/resolv.conf"
cp "$TB_DIR/www/proxy.pac" "$TB_DIR/www/wpad.dat"
tb_web_stop
tb_fw_allow "$TB_FW_LAN_IP" 80
tb_web_start "$TB_FW_LAN_IP" 80 "$TB_DIR/www" "$TB_FW"
tb_stop hrac
mv "$TB_DIR/hrac.log" "$TB_DIR/hrac-$LAST.log"
vofw_hrac_conf "$TB_DIR/hrac.conf" "$S" auto
tb_start hrac "$TB_LAN" unshare -m --propagation private sh -c \
    'mount --bind "$0" /etc/resolv.conf && exec "$@"' "$TB_DIR/resolv.conf" \
    "$TB_HRAC" -d -f "$TB_DIR/hrac.conf"
tb_wait_log hrac "proxy for $S: $TB_FW_LAN_IP:$TB_PROXY_PORT \\(the PAC file http://wpad.corp.example/wpad.dat says" 20
tb_wait_log hrac 'tunnel up \(stream mode\) .* through the proxy' 15
grep -qi 'query\[A\] wpad.sub.corp.example' "$TB_DIR/dnsmasq.log" ||
    tb_fail "hrac did not look for wpad.sub.corp.example first"
vofw_push_up 20
echo "ok: WPAD finds wpad.corp.example's wpad.dat, which picks Squid"

# The path doctor (hrac -T) says which proxy it found and where from,
# and names a PAC file that fails.
tb_stop hrac
vofw_hrac_conf "$TB_DIR/hrac.conf" "$S" auto "" "" \
    "proxy_pac = \"http://$TB_FW_LAN_IP/proxy.pac\";"
tb_run_lan timeout 60 "$TB_HRAC" -T -L 2 -f "$TB_DIR/hrac.conf" \
    >"$TB_DIR/doctor.out" 2>&1 || tb_fail "the doctor failed: $(cat \
    "$TB_DIR/doctor.out")"
grep -qxF "ok  proxy: $TB_FW_LAN_IP:$TB_PROXY_PORT (the PAC file http://$TB_FW_LAN_IP/proxy.pac says \"PROXY $TB_FW_LAN_IP:$TB_PROXY_PORT; DIRECT\")" \
    "$TB_DIR/doctor.out" &&
grep -qx "ok  dns proxy: .*" "$TB_DIR/doctor.out" ||
    tb_fail "the doctor's proxy lines: $(cat "$TB_DIR/doctor.out")"
vofw_hrac_conf "$TB_DIR/hrac.conf" "$S" auto "" "" \
    "proxy_pac = \"$TB_DIR/direct.pac\";"
! tb_run_lan timeout 60 "$TB_HRAC" -T -L 2 -f "$TB_DIR/hrac.conf" \
    >"$TB_DIR/doctor-bad.out" 2>&1 || tb_fail "the doctor passed a bad PAC"
grep -qxF "FAIL proxy: the PAC file $TB_DIR/direct.pac answers \"SOCKS s:1080\" for $TB_WAN_IP: no PROXY or DIRECT entry hrac can use" \
    "$TB_DIR/doctor-bad.out" ||
    tb_fail "the doctor on a bad PAC: $(cat "$TB_DIR/doctor-bad.out")"
echo "ok: the doctor names the proxy found, and a PAC file that fails"
