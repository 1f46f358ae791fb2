#!/bin/sh
# The tunnel comes back by itself: after hras is killed and restarted, and
# after the company proxy is restarted; datagrams flow again each time.
# timeout: 120
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

vofw_pair_up
vofw_push_up 50

# hras dies without a word (SIGKILL), and comes back a little later.
kill -KILL "$(tb_pid hras)"
tb_stop hras 1
tb_wait_log hrac 'tunnel down' 10
sleep 1
mv "$TB_DIR/hras.log" "$TB_DIR/hras-first.log"
vofw_start_hras
vofw_wait_count hrac 'tunnel up \(stream mode\)' 2 20
vofw_push_up 50
vofw_push_down 50
echo "ok: reconnected after hras was killed and restarted"

# The proxy restarts: every connection through it is cut.
tb_squid_restart
vofw_wait_count hrac 'tunnel (down|attempt failed)' 2 15
vofw_wait_count hrac 'tunnel up \(stream mode\)' 3 25
vofw_push_up 50
vofw_push_down 50
echo "ok: reconnected after Squid was restarted"

# Back-off: the waits between failed attempts grow (with jitter).
grep -Eo 'reconnecting in [0-9.]+ s' "$TB_DIR/hrac.log" | head -3
