#!/bin/sh
# RFC 3263 routing of other domains by hras, against a real DNS server
# (dnsmasq, on a WAN address of its own; the machine's resolver is never
# asked). An inside phone calls bob@other.example: NAPTR leads past a TLS
# record to _sip._udp, whose first SRV target has no address (failover)
# and whose second is an outside phone on port 5090, which only SRV can
# tell; the call completes with voice both ways. Then a domain with only
# an A record (port 5060), an upstream named by a host name, a domain that
# does not exist (404), a DNS server that is gone (503 at once) and one
# that never answers (503 after the timeout and one retry), and a call
# cancelled while hras waits.
# timeout: 120
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

S=$VOFW_ROOT/tests/sipp
DNS_IP=198.51.100.53

tb_up
tb_squid_start
ip -n "$TB_WAN" addr add "$DNS_IP/24" dev eth0 || tb_fail "WAN address $DNS_IP"

# Everything in the zone is local: unknown names get NXDOMAIN, not REFUSED.
tb_start dnsmasq "$TB_WAN" dnsmasq -k --no-resolv --no-hosts \
    --conf-file=/dev/null --port=53 --listen-address="$DNS_IP" \
    --bind-interfaces --user=nobody --group=nogroup \
    --pid-file="$TB_DIR/dnsmasq.pidfile" --log-queries --log-facility=- \
    --local=/example/ \
    --naptr-record=other.example,5,10,S,SIPS+D2T,,_sips._tcp.other.example \
    --naptr-record=other.example,10,10,S,SIP+D2U,,_sip._udp.other.example \
    --naptr-record=other.example,20,10,S,SIP+D2T,,_sip._tcp.other.example \
    --srv-host=_sips._tcp.other.example,tls.other.example,5061,1,0 \
    --srv-host=_sip._udp.other.example,gone.other.example,5070,5,0 \
    --srv-host=_sip._udp.other.example,sip.other.example,5090,10,0 \
    --srv-host=_sip._tcp.other.example,sip.other.example,5091,10,0 \
    --host-record=sip.other.example,198.51.100.14 \
    --host-record=tls.other.example,198.51.100.16 \
    --host-record=aonly.example,198.51.100.15
tb_wait_log dnsmasq 'started, version' 10

vofw_hras_conf "$TB_DIR/hras.conf" \
    "dns = { server = \"$DNS_IP\"; timeout = 2; };"
vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" "$TB_PROXY_URL"
vofw_start_hras
vofw_start_hrac
tb_wait_log hrac 'tunnel up \(stream mode\)' 15
ln -s /usr/share/sip-tester "$TB_DIR/pcap"
cd "$TB_DIR"

# call NAME DOMAIN SCENARIO: an inside phone (10.77.0.3) calls bob@DOMAIN
# through hrac, bounded in time.
call() {
	ip netns exec "$TB_LAN" timeout 40 sipp -nostdin -sf "$S/$3" \
	    -key domain "$2" -s bob -i 10.77.0.3 -p 5072 -mi 10.77.0.3 \
	    -mp 16100 -m 1 -timeout 30 -timeout_error -trace_msg \
	    -message_file "$TB_DIR/$1.msg" "$TB_LAN_IP:5060" \
	    >"$TB_DIR/$1.log" 2>&1
}

# wait_udp IP PORT: wait (5 s at most) until something in WAN listens on
# UDP IP:PORT.
wait_udp() {
	_dl=$(($(date +%s) + 5))
	until ip netns exec "$TB_WAN" ss -Hlun "sport = :$2" | grep -q "$1:$2 "
	do
		[ "$(date +%s)" -lt "$_dl" ] || tb_fail "nothing on UDP $1:$2"
		sleep 0.1
	done
}

# ms: milliseconds since the epoch.
ms() {
	date +%s%3N
}

# voice NAME: every media flow of NAME's log carried 200+ packets each way.
voice() {
	awk '/media flow .* closed:/ { n++; if ($(NF-3) < 200 || $(NF-1) < 200)
	    bad = 1 } END { exit !(n > 0 && !bad) }' "$TB_DIR/$1.log"
}

# 1. NAPTR, SRV with failover, A: bob answers on 198.51.100.14:5090.
tb_start bob "$TB_WAN" sipp -nostdin -sn uas -rtp_echo -i 198.51.100.14 \
    -p 5090 -mi 198.51.100.14 -mp 18100 -m 1
wait_udp 198.51.100.14 5090
call srv other.example uac_domain.xml || tb_fail "the call via SRV failed"
tb_wait_log hras 'ended: BYE' 5
grep -q 'resolve other.example: 198.51.100.14:5090 over UDP' \
    "$TB_DIR/hras.log" || tb_fail "hras did not resolve other.example"
# (evdns asks in mixed case, RFC 5452's 0x20 hack: compare without case.)
for q in 'query\[NAPTR\] other.example' 'query\[SRV\] _sip._udp.other.example' \
    'query\[A\] gone.other.example' 'query\[A\] sip.other.example'; do
	grep -qi "$q from 198.51.100.10" "$TB_DIR/dnsmasq.log" ||
	    tb_fail "hras did not ask: $q"
done
! grep -qi '_sips\|tls.other' "$TB_DIR/dnsmasq.log" ||
    tb_fail "hras followed a TLS record"
voice hras || tb_fail "too little voice: $(grep closed: "$TB_DIR/hras.log")"
tb_stop bob	# sipp writes its echo counts as it exits
grep -Eq '[0-9]{3} Total echo RTP pckts 1st stream' "$TB_DIR/bob.log" ||
    tb_fail "bob echoed no voice"
echo "ok: call to other.example via NAPTR and SRV (failover), voice both ways"

# 2. Only an A record: port 5060, UDP.
tb_start bob5060 "$TB_WAN" sipp -nostdin -sn uas -rtp_echo \
    -i 198.51.100.15 -p 5060 -mi 198.51.100.15 -mp 18200 -m 2
wait_udp 198.51.100.15 5060
call aonly aonly.example uac_domain.xml || tb_fail "the call via A failed"
grep -q 'resolve aonly.example: 198.51.100.15:5060 over UDP' \
    "$TB_DIR/hras.log" || tb_fail "hras did not resolve aonly.example"
echo "ok: call to aonly.example via its A record, port 5060"

# 2b. upstream named by a host name: every other domain goes there, the
# name resolved by its A record (SIGHUP applies it, and takes it back).
vofw_hras_conf "$TB_DIR/hras.conf" \
    "dns = { server = \"$DNS_IP\"; timeout = 2; };
upstream = \"aonly.example:5060\";"
kill -HUP "$(tb_pid hras)"
vofw_wait_count hras 'configuration reloaded' 1 5
n=$(vofw_count hras 'resolve aonly.example: 198.51.100.15:5060 over UDP')
call viaup elsewhere.test uac_domain.xml ||
    tb_fail "the call via a named upstream failed"
vofw_wait_count hras 'resolve aonly.example: 198.51.100.15:5060 over UDP' \
    $((n + 1)) 1
! grep -qi 'elsewhere.test' "$TB_DIR/dnsmasq.log" ||
    tb_fail "hras looked up the callee's domain despite upstream"
vofw_hras_conf "$TB_DIR/hras.conf" \
    "dns = { server = \"$DNS_IP\"; timeout = 2; };"
kill -HUP "$(tb_pid hras)"
vofw_wait_count hras 'configuration reloaded' 2 5
tb_stop bob5060
echo "ok: a named upstream takes calls to other domains, resolved by A"

# 3. A domain that does not exist: 404.
call nowhere nowhere.example invite_domain_fail.xml ||
    tb_fail "nowhere.example: no refusal"
grep -q '^SIP/2.0 404' "$TB_DIR/nowhere.msg" ||
    tb_fail "nowhere.example: not 404"
grep -q 'INVITE to nowhere.example: no SIP server in DNS' \
    "$TB_DIR/hras.log" || tb_fail "hras did not say why"
echo "ok: nowhere.example answered 404"

# 4. The DNS server gone (ICMP port unreachable): 503 at once.
tb_stop dnsmasq
t0=$(ms)
call gone aonly.example invite_domain_fail.xml ||
    tb_fail "DNS server gone: no refusal"
grep -q '^SIP/2.0 503' "$TB_DIR/gone.msg" || tb_fail "DNS server gone: not 503"
[ $(($(ms) - t0)) -lt 3000 ] || tb_fail "DNS server gone: 503 too late"
echo "ok: DNS server gone, 503 at once"

# 5. A server that never answers: asked twice, 503 after 2 x 2 s.
tb_start sink "$TB_WAN" "$TB_UDPTOOL" recv "$DNS_IP" 53 2 15000
wait_udp "$DNS_IP" 53
t0=$(ms)
call silent aonly.example invite_domain_fail.xml ||
    tb_fail "silent DNS server: no refusal"
grep -q '^SIP/2.0 503' "$TB_DIR/silent.msg" ||
    tb_fail "silent DNS server: not 503"
[ $(($(ms) - t0)) -ge 3900 ] || tb_fail "silent DNS server: 503 too early"
tb_wait_log sink '^received 2$' 5
tb_stop sink
echo "ok: silent DNS server, query sent twice, then 503"

# 6. A call cancelled while hras waits for DNS: 200, then 487 for it.
tb_start sink2 "$TB_WAN" "$TB_UDPTOOL" recv "$DNS_IP" 53 100 20000
wait_udp "$DNS_IP" 53
call cancel aonly.example cancel_domain.xml ||
    tb_fail "a call cancelled while resolving did not end with 487"
grep -q 'INVITE to aonly.example cancelled while waiting for DNS' \
    "$TB_DIR/hras.log" || tb_fail "hras did not cancel the waiting INVITE"
echo "ok: INVITE cancelled while waiting for DNS: 200 and 487"
