#!/bin/sh
# The control socket of both halves (hras -c, hrac -c): status, tunnels,
# registrations, phones and the calls in progress, as tables and as JSON
# (jq parses it); the socket's mode and group; a client that connects and
# never sends does not hold up the next; an unknown command is refused.
# timeout: 120
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

command -v jq >/dev/null || tb_fail "no jq: run make deps"
vofw_pair_up
cd "$TB_DIR"

hras_c() { "$TB_HRAS" -f "$TB_DIR/hras.conf" -c "$@"; }
hrac_c() { "$TB_HRAC" -f "$TB_DIR/hrac.conf" -c "$@"; }

# Mode 0660, group of the user the daemons became (vofw).
for d in hras hrac; do
	m=$(stat -c '%a %G' "$TB_DIR/$d.sock") || tb_fail "no $d.sock"
	[ "$m" = "660 $(id -gn vofw)" ] ||
	    tb_fail "$d.sock is '$m', want '660 $(id -gn vofw)'"
done
echo "ok: both sockets are 0660 with the daemons' group"

hras_c status -j | jq -e '.daemon == "hras" and .tunnels_up == 1 and
    .clients == 1' >/dev/null || tb_fail "hras status: $(hras_c status -j)"
hrac_c status -j | jq -e '.daemon == "hrac" and .tunnel == "up"' \
    >/dev/null || tb_fail "hrac status: $(hrac_c status -j)"
hras_c tunnels -j | jq -e '.tunnels | length == 1 and .[0].client ==
    "corp" and .[0].state == "up" and .[0].mode == "stream" and
    .[0].rx_bytes > 0' >/dev/null ||
    tb_fail "hras tunnels: $(hras_c tunnels -j)"
hrac_c tunnel -j | jq -e '.tunnel.state == "up" and .tunnel.mode ==
    "stream" and .tunnel.proxy != null and .tunnel.tx_frames > 0' \
    >/dev/null || tb_fail "hrac tunnel: $(hrac_c tunnel -j)"
hras_c tunnels | grep -Eq '^corp +up +stream' ||
    tb_fail "hras tunnels table: $(hras_c tunnels)"
echo "ok: status and tunnels on both halves"

vofw_register alice 10.77.0.3
tb_wait_log hras 'alice@corp.example registered' 5
hras_c registrations -j | jq -e '.registrations | map(select(.aor ==
    "alice@corp.example" and .client == "corp" and .expires_s > 0)) |
    length == 1' >/dev/null ||
    tb_fail "hras registrations: $(hras_c registrations -j)"
hrac_c phones -j | jq -e '.phones | map(select(.aor ==
    "alice@corp.example" and (.contact | test("10.77.0.3:5070")))) |
    length == 1' >/dev/null || tb_fail "hrac phones: $(hrac_c phones -j)"
echo "ok: registrations on hras, phones on hrac"

# A call in progress: alice answers and echoes, bob plays ~10 s of voice.
ln -s /usr/share/sip-tester "$TB_DIR/pcap"
tb_start alice "$TB_LAN" sipp -nostdin -sn uas -rtp_echo -i 10.77.0.3 \
    -p 5070 -mi 10.77.0.3 -mp 16000
sleep 0.5
tb_start bob "$TB_WAN" timeout 40 sipp -nostdin -sn uac_pcap -s alice \
    -i 198.51.100.14 -p 5080 -mi 198.51.100.14 -mp 18000 -m 1 \
    "$TB_WAN_IP:5060"
up=0
for i in $(seq 1 50); do
	if hras_c calls -j | jq -e '.calls | length == 1 and
	    .[0].state == "up"' >/dev/null 2>&1; then
		up=1
		break
	fi
	sleep 0.1
done
[ $up = 1 ] || tb_fail "hras lists no call up: $(hras_c calls -j)"
for d in hras hrac; do
	${d}_c calls -j >"$TB_DIR/$d-calls.json"
	jq -e '.calls | length == 1 and (.[0] | (.from | test("sipp@")) and
	    (.to | test("alice@")) and .state == "up" and
	    .duration_s >= 0 and (.streams | length >= 1) and
	    (.call_id | length > 0))' "$TB_DIR/$d-calls.json" >/dev/null ||
	    tb_fail "$d calls: $(cat "$TB_DIR/$d-calls.json")"
done
jq -e '.calls[0].client == "corp"' "$TB_DIR/hras-calls.json" >/dev/null ||
    tb_fail "hras calls: no client: $(cat "$TB_DIR/hras-calls.json")"
[ "$(jq -r '.calls[0].call_id' "$TB_DIR/hras-calls.json")" = \
  "$(jq -r '.calls[0].call_id' "$TB_DIR/hrac-calls.json")" ] ||
    tb_fail "the halves list different Call-IDs"
hrac_c calls | grep -q "$(jq -r '.calls[0].call_id' \
    "$TB_DIR/hrac-calls.json" | cut -c1-20)" ||
    tb_fail "hrac calls table: $(hrac_c calls)"
echo "ok: the call in progress on both halves, JSON and table"

# A client that connects and says nothing does not hold up the next.
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
time.sleep(8)' "$TB_DIR/hras.sock" &
silent=$!
sleep 0.3
t0=$(date +%s%N)
hras_c status >/dev/null || tb_fail "status behind a silent client failed"
dt=$(( ($(date +%s%N) - t0) / 1000000 ))
kill "$silent" 2>/dev/null || true
wait "$silent" 2>/dev/null || true
[ "$dt" -lt 1000 ] || tb_fail "status behind a silent client took $dt ms"
echo "ok: a silent client does not block others ($dt ms)"

# A bad command: refused locally, and by the daemon if sent raw.
if hras_c bogus 2>/dev/null; then tb_fail "-c bogus accepted"; fi
out=$(python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"calls\x01 json\n")
print(s.recv(100).decode())' "$TB_DIR/hras.sock")
[ "$out" = "error: unknown command" ] || tb_fail "raw bad command: $out"
echo "ok: unknown commands refused"

tb_wait_log hras 'ended: BYE' 20
hras_c calls -j | jq -e '.calls | length == 0' >/dev/null ||
    tb_fail "a call still listed after BYE: $(hras_c calls -j)"
echo "ok: the ended call is gone from the list"
