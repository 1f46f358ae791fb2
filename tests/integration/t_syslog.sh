#!/bin/sh
# log.syslog = true: each half sends its lines to syslog with facility
# daemon, its own name and PID as ident and the line's level as priority,
# and writes nothing to stderr; with -d they go to stderr and none to
# syslog.  Each daemon runs in a private mount namespace whose /dev is a
# tmpfs holding the usual character devices and, as /dev/log, the socket
# of a logsink (tests/tools/logsink.c) playing syslogd.
# timeout: 60
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

# Run by `unshare -m sh -c` before the daemon: $1 is the socket to show as
# /dev/log, $2 an empty directory to build the new /dev in, the rest the
# command.  The mounts exist only in the daemon's mount namespace.
# shellcheck disable=SC2016  # expanded by that sh, not this one
SYSLOG_DEV='set -e
mount -t tmpfs -o mode=755 vofw-dev "$2"
for n in null zero full random urandom; do
	touch "$2/$n"
	mount --bind "/dev/$n" "$2/$n"
done
touch "$2/log"
mount --bind "$1" "$2/log"
mount --rbind "$2" /dev
shift 2
exec "$@"'

# syslog_sink SINK: start a logsink on $TB_DIR/SINK.sock; what it receives
# lands in $TB_DIR/SINK.log, one datagram a line.
syslog_sink() {
	tb_start "$1" - "$TB_LOGSINK" "$TB_DIR/$1.sock" 60000
	tb_wait_log "$1" '^listening$' 5
}

# syslog_start NAME NS SINK CMD...: start CMD as NAME in namespace NS (its
# stdout and stderr in $TB_DIR/NAME.log) with SINK's socket as /dev/log.
# Every step execs the next, so tb_pid NAME is CMD's PID.
syslog_start() {
	_s_name=$1
	_s_ns=$2
	_s_sink=$3
	shift 3
	mkdir -p "$TB_DIR/dev-$_s_name"
	tb_start "$_s_name" "$_s_ns" unshare -m sh -c "$SYSLOG_DEV" sh \
	    "$TB_DIR/$_s_sink.sock" "$TB_DIR/dev-$_s_name" "$@"
}

# syslog_ere PRI IDENT PID MSG: an ERE for one line as syslog(3) sends it
# to /dev/log, "<PRI>Mmm dd hh:mm:ss IDENT[PID]: MSG" (MSG an ERE too).
# PRI is facility * 8 + level: daemon (3) with err 27, warning 28, info
# 30, debug 31.
syslog_ere() {
	printf '^<%s>[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} %s\[%s\]: %s$' \
	    "$1" "$2" "$3" "$4"
}

# syslog_quiet NAME: NAME wrote nothing to stdout or stderr.
syslog_quiet() {
	[ ! -s "$TB_DIR/$1.log" ] ||
	    tb_fail "$1 wrote to stderr with log.syslog: $(cat "$TB_DIR/$1.log")"
}

tb_up
tb_squid_start
vofw_hras_conf "$TB_DIR/hras.conf" 'log = { syslog = true; };'
vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" \
    "$TB_PROXY_URL" "" "" 'log = { syslog = true; debug = true; };'
ip netns exec "$TB_WAN" "$TB_HRAS" -n -f "$TB_DIR/hras.conf" >/dev/null ||
    tb_fail "hras -n"
ip netns exec "$TB_LAN" "$TB_HRAC" -n -f "$TB_DIR/hrac.conf" >/dev/null ||
    tb_fail "hrac -n"
syslog_sink sink-hras
syslog_sink sink-hrac

# Start-up: info lines, each half under its own name.
syslog_start hras "$TB_WAN" sink-hras "$TB_HRAS" -f "$TB_DIR/hras.conf"
hras=$(tb_pid hras)
tb_wait_log sink-hras "$(syslog_ere 30 hras "$hras" 'hras [0-9.]+ started')" 10
tb_wait_log sink-hras "$(syslog_ere 30 hras "$hras" \
    'tunnel listening on http://198\.51\.100\.10:8080/')" 1
echo "ok: hras's start-up lines reach syslog as daemon.info from hras[$hras]"

syslog_start hrac "$TB_LAN" sink-hrac "$TB_HRAC" -f "$TB_DIR/hrac.conf"
hrac=$(tb_pid hrac)
tb_wait_log sink-hrac "$(syslog_ere 30 hrac "$hrac" 'hrac [0-9.]+ started')" 10
tb_wait_log sink-hrac "$(syslog_ere 30 hrac "$hrac" \
    'tunnel up \(stream mode\) to .*')" 15
# log.debug = true: debug lines too, still to syslog.
tb_wait_log sink-hrac "$(syslog_ere 31 hrac "$hrac" \
    'admitted by hras, session .*')" 1
echo "ok: hrac's start-up and tunnel lines reach syslog from hrac[$hrac]," \
    "debug lines as daemon.debug"

# log.debug = false on a reload stops the debug lines (without -d nothing
# keeps them): a phone registering shows them before, not after.
vofw_register alice 10.77.0.3
tb_wait_log sink-hrac "$(syslog_ere 31 hrac "$hrac" \
    'inside contact 10\.77\.0\.3:5070 learned')" 5
sed 's/debug = true;/debug = false;/' "$TB_DIR/hrac.conf" >"$TB_DIR/hrac.new"
mv "$TB_DIR/hrac.new" "$TB_DIR/hrac.conf"
kill -HUP "$hrac"
tb_wait_log sink-hrac "$(syslog_ere 30 hrac "$hrac" \
    'configuration reloaded from .*')" 5
before=$(grep -c '^<31>' "$TB_DIR/sink-hrac.log")
vofw_register bob 10.77.0.4
sleep 0.5
[ "$(grep -c '^<31>' "$TB_DIR/sink-hrac.log")" = "$before" ] ||
    tb_fail "debug lines after a reload with log.debug = false:" \
    "$(grep '^<31>' "$TB_DIR/sink-hrac.log" | tail -n 2)"
echo "ok: a reload with log.debug = false stops the debug lines"

# An error: a reload with a broken file, refused.
cp "$TB_DIR/hras.conf" "$TB_DIR/hras.good"
printf 'tunnel = { keepalive = 0; };\n' >>"$TB_DIR/hras.conf"
kill -HUP "$hras"
tb_wait_log sink-hras "$(syslog_ere 27 hras "$hras" \
    'reload refused, keeping the running configuration: .*hras\.conf:[0-9]+.*')" 5
cp "$TB_DIR/hras.good" "$TB_DIR/hras.conf"
echo "ok: a refused reload reaches syslog as daemon.err"

# An error: a second hras cannot have the tunnel's port, and says so.
syslog_start hras2 "$TB_WAN" sink-hras "$TB_HRAS" -f "$TB_DIR/hras.conf"
hras2=$(tb_pid hras2)
tb_wait_log sink-hras "$(syslog_ere 28 hras "$hras2" \
    'tunnel listener 198\.51\.100\.10:8080: Address already in use')" 5
tb_wait_log sink-hras "$(syslog_ere 27 hras "$hras2" \
    'cannot open the tunnel listener')" 5
tb_stop hras2
syslog_quiet hras2
echo "ok: a fatal start-up error reaches syslog as daemon.err, not stderr"

# log.syslog cannot change on a reload: said so, to syslog, the rest
# applied.
sed 's/syslog = true;/syslog = false;/' "$TB_DIR/hras.good" >"$TB_DIR/hras.conf"
kill -HUP "$hras"
tb_wait_log sink-hras "$(syslog_ere 28 hras "$hras" \
    'reload: log\.syslog change needs a restart')" 5
tb_wait_log sink-hras "$(syslog_ere 30 hras "$hras" \
    'configuration reloaded from .*')" 5
cp "$TB_DIR/hras.good" "$TB_DIR/hras.conf"
echo "ok: a reload that turns log.syslog off says it needs a restart"

# Shutting down: logged to syslog to the end; nothing ever on stderr.
tb_stop hrac
tb_stop hras
tb_wait_log sink-hrac "$(syslog_ere 30 hrac "$hrac" 'stopped')" 1
tb_wait_log sink-hras "$(syslog_ere 30 hras "$hras" 'stopped')" 1
syslog_quiet hrac
syslog_quiet hras
echo "ok: both halves logged to syslog until they stopped, nothing to stderr"

# -d wins over log.syslog: every line to stderr, none to syslog.
syslog_start hras "$TB_WAN" sink-hras "$TB_HRAS" -d -f "$TB_DIR/hras.conf"
hras=$(tb_pid hras)
tb_wait_log hras '^hras: info: hras [0-9.]+ started$' 10
tb_stop hras
grep -q '^hras: info: stopped$' "$TB_DIR/hras.log" ||
    tb_fail "hras -d did not log its stop to stderr"
# Its last syslog(3) call, if any, returned before it exited: give the
# sink a moment to read what is queued.
sleep 0.5
if grep -q "hras\[$hras\]" "$TB_DIR/sink-hras.log"; then
	tb_fail "hras -d logged to syslog: $(grep "hras\[$hras\]" \
	    "$TB_DIR/sink-hras.log")"
fi
echo "ok: with -d, lines go to stderr and none to syslog"
