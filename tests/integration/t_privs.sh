#!/bin/sh
# Started as root (as every test starts them), each half ends up running
# as the user vofw, groups and all, with no way back to root, inside its
# system call filter (Seccomp: 2, NoNewPrivs: 1), and still serves: the
# tunnel is up, a phone registers, datagrams cross both ways, a SIGHUP
# reload reads the file as vofw. A user that does not exist stops a root
# start with a clear error; user = "root" keeps root.
# timeout: 60
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

getent passwd vofw >/dev/null || tb_fail "no user vofw: run make deps"
uid=$(id -u vofw)
gid=$(id -g vofw)

# status_is NAME FIELD VALUE: /proc/PID/status of NAME has FIELD VALUE
# (its words separated by single spaces).
status_is() {
	_got=$(awk -v f="$2:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' \
	    "/proc/$(tb_pid "$1")/status")
	[ "$_got" = "$3" ] || tb_fail "$1: $2 is \"$_got\", want \"$3\""
}

vofw_pair_up
for d in hras hrac; do
	status_is $d Uid "$uid $uid $uid $uid"
	status_is $d Gid "$gid $gid $gid $gid"
	status_is $d Groups "$(id -G vofw)"
	status_is $d NoNewPrivs 1
	if grep -q 'sanitizer build: no system call filter' "$TB_DIR/$d.log"
	then
		echo "ok: $d: sanitizer build, no filter to check"
	else
		status_is $d Seccomp 2
	fi
	grep -q "running as user vofw (uid $uid, gid $gid)" "$TB_DIR/$d.log" ||
	    tb_fail "$d did not say who it runs as"
done
echo "ok: both halves run as vofw ($uid:$gid), filtered"

vofw_register alice 10.77.0.3
tb_wait_log hras 'alice@corp.example registered' 5
vofw_push_up 50
vofw_push_down 50
kill -HUP "$(tb_pid hras)" "$(tb_pid hrac)"
tb_wait_log hras 'configuration reloaded' 5
tb_wait_log hrac 'configuration reloaded' 5
vofw_push_up 20
echo "ok: still serving as vofw: register, voice both ways, reload"

# A change of user at reload is refused with a line; the process stays.
vofw_hras_conf "$TB_DIR/hras.conf" 'user = "nobody";'
kill -HUP "$(tb_pid hras)"
tb_wait_log hras 'reload: user or sandbox change needs a restart' 5
status_is hras Uid "$uid $uid $uid $uid"
tb_stop hrac
tb_stop hras
echo "ok: a reload cannot change the user"

# A root start with a user that does not exist stops, clearly.
vofw_hras_conf "$TB_DIR/hras.conf" 'user = "vofw-no-such-user";'
rc=0
ip netns exec "$TB_WAN" timeout 10 "$TB_HRAS" -d -f "$TB_DIR/hras.conf" \
    >"$TB_DIR/nouser.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || tb_fail "hras exited $rc: $(cat "$TB_DIR/nouser.log")"
grep -q 'user vofw-no-such-user does not exist' "$TB_DIR/nouser.log" ||
    tb_fail "no clear error: $(cat "$TB_DIR/nouser.log")"
echo "ok: an unknown user stops a root start"

# user = "root" keeps root, and says so.
vofw_hras_conf "$TB_DIR/hras.conf" 'user = "root";'
vofw_start_hras
status_is hras Uid "0 0 0 0"
tb_wait_log hras 'user = "root": running as root' 1
tb_stop hras
echo "ok: user = \"root\" keeps root"
