#!/bin/sh
# The metrics endpoints of both halves (metrics = { ... }): with a call in
# progress, GET /metrics on each passes `promtool check metrics`, and what
# must move does (tunnel up, the call active, voice relayed); the call's
# end is counted by cause. Only GET /metrics is served (404, 405, 400);
# idle and slow connections neither block a scrape nor pass the cap, and
# a head that never ends is cut off. A real Prometheus in the firewall's
# namespace scrapes both and reports up == 1 for each.
# timeout: 150
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

command -v promtool >/dev/null || tb_fail "no promtool: run make deps"
command -v prometheus >/dev/null || tb_fail "no prometheus: run make deps"

HRAS_M="$TB_WAN_IP:9466"
HRAC_M="$TB_LAN_IP:9467"	# hrac's default port: only the address given

tb_up
tb_squid_start
vofw_hras_conf "$TB_DIR/hras.conf" \
    "metrics = { address = \"$TB_WAN_IP\"; port = 9466; };"
vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" \
    "$TB_PROXY_URL" "" "" "metrics = { address = \"$TB_LAN_IP\"; };"
vofw_start_hras
vofw_start_hrac
tb_wait_log hrac 'tunnel up \(stream mode\)' 15
cd "$TB_DIR"

# scrape NAME ADDR: GET /metrics from the firewall (which reaches both
# halves), into NAME.prom; fails the test unless it is a 200.
scrape() {
	code=$(tb_run_fw curl -sS --max-time 5 -o "$TB_DIR/$1.prom" \
	    -w '%{http_code}' "http://$2/metrics") ||
	    tb_fail "scrape $1: curl failed"
	[ "$code" = 200 ] || tb_fail "scrape $1: HTTP $code"
}
# value NAME SAMPLE: the value of a sample (its name and labels exactly
# as written) in NAME.prom, or "" when absent.
value() {
	awk -v s="$2" 'substr($0, 1, length(s) + 1) == s " " { print $2 }' \
	    "$TB_DIR/$1.prom"
}
# check NAME: promtool accepts NAME.prom (lint warnings included).
check() {
	promtool check metrics <"$TB_DIR/$1.prom" >"$TB_DIR/$1.lint" 2>&1 ||
	    tb_fail "promtool check metrics on $1: $(cat "$TB_DIR/$1.lint")"
}

scrape hras "$HRAS_M"
scrape hrac "$HRAC_M"
check hras
check hrac
[ "$(value hras 'vofw_tunnel_up{client="corp"}')" = 1 ] ||
    tb_fail "hras: tunnel not up: $(grep tunnel_up hras.prom)"
[ "$(value hras 'vofw_tunnel_mode{client="corp",mode="stream"}')" = 1 ] ||
    tb_fail "hras: mode: $(grep tunnel_mode hras.prom)"
[ "$(value hrac vofw_tunnel_up)" = 1 ] ||
    tb_fail "hrac: tunnel not up: $(grep tunnel_up hrac.prom)"
[ "$(value hrac 'vofw_tunnel_state{state="up"}')" = 1 ] ||
    tb_fail "hrac: state: $(grep tunnel_state hrac.prom)"
[ "$(value hras 'vofw_tunnel_admissions_total{client="corp"}')" -ge 1 ] ||
    tb_fail "hras: no admission counted"
grep -q '^vofw_build_info{daemon="hras",version="' hras.prom ||
    tb_fail "hras: no build info"
grep -q '^# TYPE vofw_tunnel_bytes_total counter' hrac.prom ||
    tb_fail "hrac: no tunnel bytes family"
echo "ok: both endpoints pass promtool; tunnel up on both"

# A malformed handshake, refused by hras and counted by reason.
tb_run_lan curl -sS --max-time 5 -x "$TB_PROXY_URL" -o /dev/null \
    "http://$TB_WAN_IP:8080/vofw/v1/open?id=corp&nonce=00&pub=00&mac=00" ||
    true
scrape hras "$HRAS_M"
[ "$(value hras 'vofw_tunnel_refusals_total{reason="malformed"}')" -ge 1 ] ||
    tb_fail "hras: refusal not counted: $(grep refusals hras.prom)"
echo "ok: a refused tunnel request is counted by reason"

# A call in progress: alice answers and echoes, bob plays ~10 s of voice.
vofw_register alice 10.77.0.3
tb_wait_log hras 'alice@corp.example registered' 5
ln -s /usr/share/sip-tester "$TB_DIR/pcap"
tb_start alice "$TB_LAN" sipp -nostdin -sn uas -rtp_echo -i 10.77.0.3 \
    -p 5070 -mi 10.77.0.3 -mp 16000
sleep 0.5
tb_start bob "$TB_WAN" timeout 40 sipp -nostdin -sn uac_pcap -s alice \
    -i 198.51.100.14 -p 5080 -mi 198.51.100.14 -mp 18000 -m 1 \
    "$TB_WAN_IP:5060"
up=0
for i in $(seq 1 50); do
	scrape hras "$HRAS_M"
	if [ "$(value hras 'vofw_calls_active{client="corp"}')" = 1 ] &&
	    [ "$(value hras \
	    'vofw_voice_packets_total{direction="from_terminals"}')" -gt 0 ]
	then
		up=1
		break
	fi
	sleep 0.1
done
[ $up = 1 ] || tb_fail "hras: no active call with voice: $(grep -E \
    'calls_active|voice_packets' hras.prom)"
scrape hrac "$HRAC_M"
[ "$(value hrac vofw_calls_active)" = 1 ] ||
    tb_fail "hrac: calls active: $(grep calls_active hrac.prom)"
# One call is no load: neither loop paces itself.
[ "$(value hrac vofw_loop_pace_seconds)" = 0 ] &&
    [ "$(value hras vofw_loop_pace_seconds)" = 0 ] ||
    tb_fail "a paced loop at one call: $(grep -h loop_pace hrac.prom hras.prom)"
[ "$(value hras 'vofw_registrations')" = 1 ] ||
    tb_fail "hras: registrations: $(grep registrations hras.prom)"
[ "$(value hrac 'vofw_registrations')" = 1 ] ||
    tb_fail "hrac: registrations: $(grep registrations hrac.prom)"
p1=$(value hras 'vofw_voice_packets_total{direction="from_terminals"}')
f1=$(value hrac 'vofw_tunnel_frames_total{direction="in"}')
b1=$(value hras 'vofw_tunnel_bytes_total{client="corp",direction="out"}')
check hras
check hrac
sleep 1
scrape hras "$HRAS_M"
scrape hrac "$HRAC_M"
p2=$(value hras 'vofw_voice_packets_total{direction="from_terminals"}')
f2=$(value hrac 'vofw_tunnel_frames_total{direction="in"}')
b2=$(value hras 'vofw_tunnel_bytes_total{client="corp",direction="out"}')
[ "$p2" -gt "$p1" ] && [ "$f2" -gt "$f1" ] && [ "$b2" -gt "$b1" ] ||
    tb_fail "counters did not move: packets $p1 -> $p2, hrac frames" \
    "$f1 -> $f2, hras tunnel bytes $b1 -> $b2"
[ "$(value hrac 'vofw_voice_packets_total{direction="to_terminals"}')" \
    -gt 0 ] || tb_fail "hrac: no voice to its terminals"
echo "ok: during the call, calls active 1 and the voice counters move" \
    "($p1 -> $p2 packets)"

# The call's voice figures: packets expected by place, a MOS, and the
# tunnel's round trip once a ping came back while voice flowed.
rtt=""
for i in $(seq 1 30); do
	scrape hras "$HRAS_M"
	rtt=$(value hras 'vofw_tunnel_rtt_seconds{client="corp"}')
	[ -z "$rtt" ] || break
	sleep 0.2
done
[ -n "$rtt" ] || tb_fail "hras: no tunnel round trip: $(grep rtt hras.prom)"
scrape hrac "$HRAC_M"
[ -n "$(value hrac vofw_tunnel_rtt_seconds)" ] ||
    tb_fail "hrac: no tunnel round trip: $(grep rtt hrac.prom)"
for d in hras hrac; do
	for place in from_terminals from_tunnel; do
		[ "$(value $d \
		    "vofw_voice_expected_packets_total{place=\"$place\"}")" \
		    -gt 0 ] || tb_fail "$d: nothing expected $place:" \
		    "$(grep expected $d.prom)"
	done
	awk '$1 == "vofw_calls_mos_min" && $2 > 3.5 { ok = 1 }
	    END { exit !ok }' "$TB_DIR/$d.prom" ||
	    tb_fail "$d: MOS: $(grep mos_min $d.prom)"
done
check hras
check hrac
echo "ok: voice figures by place, MOS $(value hras vofw_calls_mos_min)," \
    "tunnel round trip $rtt s"

# status line, status code, and the Content-Type Prometheus wants
# status ADDR ARGS...: print the HTTP status of a request.
status() {
	_a=$1
	shift
	tb_run_fw curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "$@" \
	    "http://$_a" || true
}
[ "$(status "$HRAS_M/")" = 404 ] || tb_fail "GET / is not a 404"
[ "$(status "$HRAS_M/metricsx")" = 404 ] || tb_fail "/metricsx: not 404"
[ "$(status "$HRAS_M/metrics" -X POST -d x=1)" = 405 ] ||
    tb_fail "POST /metrics is not a 405"
[ "$(status "$HRAC_M/metrics" -X DELETE)" = 405 ] ||
    tb_fail "hrac: DELETE /metrics is not a 405"
[ "$(status "$HRAS_M/metrics?x=1")" = 200 ] ||
    tb_fail "GET /metrics?x=1 is not a 200"
ct=$(tb_run_fw curl -sS --max-time 5 -o /dev/null -w '%{content_type}' \
    "http://$HRAS_M/metrics")
[ "$ct" = "text/plain; version=0.0.4; charset=utf-8" ] ||
    tb_fail "Content-Type: $ct"
out=$(tb_run_fw python3 -c 'import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), 5)
s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
print(s.recv(100).decode().split("\r\n")[0])' "$TB_WAN_IP" 9466)
[ "$out" = "HTTP/1.1 400 Bad Request" ] || tb_fail "malformed head: $out"
echo "ok: 404 for other paths, 405 for other methods, 400 for bad heads"

# A head trickled a byte at a time and never ended is cut off after 5 s.
tb_run_fw python3 -c 'import socket, sys, time
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), 5)
t0 = time.time()
try:
    for c in b"GET /metrics HTTP/1.1\r\nX: " + b"y" * 100:
        s.sendall(bytes([c]))
        time.sleep(0.2)
    print("never cut off")
except OSError:
    print("cut off after %.1f s" % (time.time() - t0))' "$TB_WAN_IP" 9466 \
    >"$TB_DIR/slow.out" 2>&1 || true
grep -Eq '^cut off after [4-6]\.' "$TB_DIR/slow.out" ||
    tb_fail "a head that never ends: $(cat "$TB_DIR/slow.out")"
echo "ok: a head that never ends: $(cat "$TB_DIR/slow.out")"

# 30 connections that say nothing: scrapes still answer at once (the
# oldest idle connection gives way), and at most 8 are held.
tb_run_fw python3 -c 'import socket, sys, time
ss = []
for i in range(30):
    ss.append(socket.create_connection((sys.argv[1], int(sys.argv[2])), 5))
time.sleep(8)' "$TB_WAN_IP" 9466 &
idle=$!
sleep 1
for i in 1 2 3; do
	t0=$(date +%s%N)
	scrape hras "$HRAS_M"
	dt=$(( ($(date +%s%N) - t0) / 1000000 ))
	[ "$dt" -lt 1000 ] || tb_fail "a scrape behind idle connections took" \
	    "$dt ms"
done
n=$(tb_run_wan ss -Htn state established '( sport = :9466 )' | wc -l)
[ "$n" -le 8 ] || tb_fail "$n connections held, more than the cap of 8"
kill "$idle" 2>/dev/null || true
wait "$idle" 2>/dev/null || true
echo "ok: idle connections neither block a scrape ($dt ms) nor pass the" \
    "cap ($n held)"

# A real Prometheus in the firewall's namespace scrapes both halves.
mkdir -p "$TB_DIR/prom-data"
cat >"$TB_DIR/prometheus.yml" <<EOF2
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: vofw
    static_configs:
      - targets: [ "$HRAS_M", "$HRAC_M" ]
EOF2
promtool check config "$TB_DIR/prometheus.yml" >/dev/null ||
    tb_fail "prometheus.yml: $(promtool check config "$TB_DIR/prometheus.yml")"
tb_start prometheus "$TB_FW" prometheus \
    --config.file="$TB_DIR/prometheus.yml" \
    --storage.tsdb.path="$TB_DIR/prom-data" \
    --web.listen-address=127.0.0.1:9090
ok=0
for i in $(seq 1 60); do
	if tb_run_fw curl -sS --max-time 2 \
	    'http://127.0.0.1:9090/api/v1/query?query=up' \
	    >"$TB_DIR/up.json" 2>/dev/null &&
	    jq -e '[.data.result[] | select(.value[1] == "1")] | length == 2' \
	    "$TB_DIR/up.json" >/dev/null 2>&1; then
		ok=1
		break
	fi
	sleep 0.5
done
[ $ok = 1 ] || tb_fail "Prometheus: up is not 1 for both: $(cat \
    "$TB_DIR/up.json" 2>/dev/null)"
tb_run_fw curl -sS --max-time 2 --data-urlencode \
    'query=vofw_tunnel_up{client="corp"}' \
    'http://127.0.0.1:9090/api/v1/query' >"$TB_DIR/q.json"
jq -e '.data.result[0].value[1] == "1"' "$TB_DIR/q.json" >/dev/null ||
    tb_fail "Prometheus: vofw_tunnel_up: $(cat "$TB_DIR/q.json")"
tb_stop prometheus
echo "ok: Prometheus scrapes both halves: up == 1 for both"

tb_wait_log hras 'ended: BYE' 30
scrape hras "$HRAS_M"
scrape hrac "$HRAC_M"
[ "$(value hras 'vofw_calls_ended_total{cause="bye"}')" = 1 ] ||
    tb_fail "hras: BYE not counted: $(grep calls_ended hras.prom)"
[ "$(value hrac 'vofw_calls_ended_total{cause="bye"}')" = 1 ] ||
    tb_fail "hrac: BYE not counted: $(grep calls_ended hrac.prom)"
[ "$(value hras 'vofw_calls_active{client="corp"}')" = 0 ] ||
    tb_fail "hras: a call still active after BYE"
[ "$(value hras vofw_call_mos_count)" = 1 ] &&
    [ "$(value hras 'vofw_call_mos_bucket{le="+Inf"}')" = 1 ] ||
    tb_fail "hras: the call's MOS not counted: $(grep call_mos hras.prom)"
check hras
echo "ok: the ended call counted by cause on both halves"
