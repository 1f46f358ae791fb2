#!/bin/sh
# systemd's notification protocol (sd_notify, Type=notify) and the journal's
# priority prefixes. Each daemon gets a NOTIFY_SOCKET where a logsink
# listens, as systemd would: READY=1 once its listeners are open (hrac's
# without waiting for the tunnel), STATUS= following tunnels, registrations
# and calls, RELOADING=1 then READY=1 around a SIGHUP, a refused reload
# that keeps the old configuration and says so in STATUS= and at error
# priority, WATCHDOG=1 at half of WATCHDOG_USEC, STOPPING=1 on SIGTERM.
# hras's stderr is announced as the journal's stream (JOURNAL_STREAM):
# its lines carry <N> priorities; hrac's names another file: unchanged.
# timeout: 90
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

tb_up
tb_squid_start
vofw_hras_conf "$TB_DIR/hras.conf"
vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" "$TB_PROXY_URL"

# notify_sink NAME: a datagram socket at $TB_DIR/NAME.sock, printing what
# it receives into $TB_DIR/NAME.log (a message's newlines shown as '?').
notify_sink() {
	tb_start "$1" - "$TB_LOGSINK" "$TB_DIR/$1.sock" 60000
	tb_wait_log "$1" '^listening$' 5
	# The daemons send after dropping root, as to systemd's socket (0777).
	chmod 666 "$TB_DIR/$1.sock" || tb_fail "chmod $1.sock"
}
notify_sink notify-hras
notify_sink notify-hrac

# JOURNAL_STREAM=dev:inode of the stderr the daemon is given, or of
# another file (hrac): as systemd sets it for StandardError=journal.
cat >"$TB_DIR/jwrap" <<'WRAP'
#!/bin/sh
# jwrap FILE CMD...: JOURNAL_STREAM names FILE ("-": stderr), then exec CMD.
if [ "$1" = - ]; then
	JOURNAL_STREAM=$(stat -L -c %d:%i /proc/self/fd/2)
else
	JOURNAL_STREAM=$(stat -L -c %d:%i "$1")
fi
export JOURNAL_STREAM
shift
exec "$@"
WRAP
chmod 755 "$TB_DIR/jwrap"
: >"$TB_DIR/elsewhere"

# STATUS lines (without "STATUS=") a sink has received, newest last.
status_of() {
	sed -n 's/^STATUS=//p' "$TB_DIR/$1.log"
}

# wait_status NAME ERE TIMEOUT_S: until the newest STATUS matches ERE.
wait_status() {
	_w_dl=$(($(date +%s) + $3))
	until status_of "$1" | tail -n 1 | grep -Eq -- "$2"; do
		[ "$(date +%s)" -lt "$_w_dl" ] ||
		    tb_fail "$1: STATUS is not /$2/ after $3 s:" \
		    "$(status_of "$1" | tail -n 1)"
		sleep 0.1
	done
}

VOFW_WRAP="env NOTIFY_SOCKET=$TB_DIR/notify-hras.sock WATCHDOG_USEC=1000000
    $TB_DIR/jwrap -" vofw_start_hras
tb_wait_log notify-hras '^READY=1$' 10
# Its log lines were written before READY=1 was sent.
grep -q 'tunnel listening on' "$TB_DIR/hras.log" &&
    grep -q 'SIP listening on' "$TB_DIR/hras.log" ||
    tb_fail "READY=1 before the listeners: $(cat "$TB_DIR/hras.log")"
tb_wait_log notify-hras '^STATUS=0 tunnels, 0 calls, 0 registrations$' 5
echo "ok: hras: READY=1 once listening, STATUS=0 tunnels, 0 calls, 0 registrations"

# The journal's prefixes: every line of hras's stderr starts with one.
grep -Eq '^<6>hras: info: tunnel listening on' "$TB_DIR/hras.log" ||
    tb_fail "no <6> prefix: $(head -n 3 "$TB_DIR/hras.log")"

# The watchdog: WATCHDOG_USEC=1 s, petted every 0.5 s from the loop.
sleep 2
n=$(grep -c '^WATCHDOG=1$' "$TB_DIR/notify-hras.log" || true)
[ "$n" -ge 3 ] && [ "$n" -le 8 ] ||
    tb_fail "$n WATCHDOG=1 in about 2 s with WATCHDOG_USEC=1000000"
echo "ok: WATCHDOG=1 every WATCHDOG_USEC/2 ($n in ~2 s)"

# hrac: ready before the tunnel is up; its status follows the tunnel.
VOFW_WRAP="env NOTIFY_SOCKET=$TB_DIR/notify-hrac.sock
    $TB_DIR/jwrap $TB_DIR/elsewhere" vofw_start_hrac
tb_wait_log notify-hrac '^READY=1$' 10
first=$(status_of notify-hrac | head -n 1)
case $first in
"tunnel up"*) tb_fail "hrac waited for the tunnel before READY=1" ;;
"tunnel "*", 0 calls, 0 phones registered") ;;
*) tb_fail "hrac's first STATUS: $first" ;;
esac
tb_wait_log hrac 'tunnel up \(stream mode\)' 15
tb_wait_log notify-hrac '^STATUS=tunnel up \(stream\), 0 calls, 0 phones registered$' 5
tb_wait_log notify-hras '^STATUS=1 tunnel, 0 calls, 0 registrations$' 5
! grep -q '^WATCHDOG' "$TB_DIR/notify-hrac.log" ||
    tb_fail "hrac petted a watchdog nobody asked for"
grep -Eq '^<7>hras: debug: ' "$TB_DIR/hras.log" ||
    tb_fail "no <7> prefix: $(head -n 3 "$TB_DIR/hras.log")"
! grep -Evq '^<[3467]>hras: (error|warning|info|debug): ' "$TB_DIR/hras.log" ||
    tb_fail "a line without its prefix: $(grep -Ev '^<[3467]>' \
    "$TB_DIR/hras.log" | head -n 1)"
echo "ok: hras's lines carry journald priorities (<6> info, <7> debug)"
grep -Eq '^hrac: info: hrac .* started' "$TB_DIR/hrac.log" ||
    tb_fail "hrac's lines changed with another file's JOURNAL_STREAM"
echo "ok: hrac: READY=1 before the tunnel ($first), STATUS follows it;" \
    "no prefixes when stderr is not the journal's stream"

# A registration and a call show in both.
vofw_register alice 10.77.0.3 5070
tb_wait_log notify-hras '^STATUS=1 tunnel, 0 calls, 1 registration$' 5
tb_wait_log notify-hrac '^STATUS=tunnel up \(stream\), 0 calls, 1 phone registered$' 5
tb_start alice "$TB_LAN" timeout 30 sipp -nostdin -sn uas -i 10.77.0.3 \
    -p 5070 -m 1
sleep 0.5
tb_start bob "$TB_WAN" timeout 30 sipp -nostdin -sn uac -s alice \
    -i 198.51.100.14 -p 5080 -d 5000 -m 1 "$TB_WAN_IP:5060"
tb_wait_log notify-hras '^STATUS=1 tunnel, 1 call, 1 registration$' 8
tb_wait_log notify-hrac '^STATUS=tunnel up \(stream\), 1 call, 1 phone registered$' 8
vofw_wait_sipp bob 20
tb_stop alice
echo "ok: a registration and a call change STATUS on both halves"

# A good reload: RELOADING=1 (with MONOTONIC_USEC), then READY=1.
kill -HUP "$(tb_pid hras)"
tb_wait_log hras 'configuration reloaded' 5
tb_wait_log notify-hras '^RELOADING=1\?MONOTONIC_USEC=[0-9]+$' 2
awk '/^RELOADING=1/ { r = NR } /^READY=1$/ && r { ok = NR > r } END {
    exit !ok }' "$TB_DIR/notify-hras.log" ||
    tb_fail "no READY=1 after RELOADING=1: $(tail -n 5 \
    "$TB_DIR/notify-hras.log")"
echo "ok: SIGHUP: RELOADING=1 with MONOTONIC_USEC, then READY=1"

# A refused reload: the old configuration serves on, STATUS says why, an
# error line says why, and READY=1 follows.
cp "$TB_DIR/hras.conf" "$TB_DIR/hras.good"
printf 'tunnel = { keepalive = 0; };\n' >>"$TB_DIR/hras.conf"
ready=$(grep -c '^READY=1$' "$TB_DIR/notify-hras.log")
kill -HUP "$(tb_pid hras)"
tb_wait_log hras '^<3>hras: error: reload refused, keeping the running configuration: .*hras\.conf:[0-9]+' 5
wait_status notify-hras '^reload refused: .*hras\.conf:[0-9]+.*; 1 tunnel, [0-9]+ calls?, 1 registration$' 5
vofw_wait_count notify-hras '^READY=1$' $((ready + 1)) 5
vofw_push_up 20
vofw_push_down 20
echo "ok: a refused reload: error line, STATUS=reload refused, READY=1," \
    "the old configuration still serves"
cp "$TB_DIR/hras.good" "$TB_DIR/hras.conf"
kill -HUP "$(tb_pid hras)"
wait_status notify-hras '^1 tunnel, [0-9]+ calls?, 1 registration$' 5
echo "ok: the next good reload clears the refusal from STATUS"

# hrac too.
kill -HUP "$(tb_pid hrac)"
tb_wait_log hrac 'configuration reloaded' 5
tb_wait_log notify-hrac '^RELOADING=1\?MONOTONIC_USEC=[0-9]+$' 2
vofw_wait_count notify-hrac '^READY=1$' 2 5
echo "ok: hrac: RELOADING=1, READY=1"

# SIGTERM: STOPPING=1.
tb_stop hrac
tb_wait_log notify-hrac '^STOPPING=1' 2
tb_stop hras
tb_wait_log notify-hras '^STOPPING=1' 2
echo "ok: STOPPING=1 on SIGTERM"
