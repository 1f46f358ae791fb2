#!/bin/sh
# In-dialog requests cross both halves: ACK, a re-INVITE that moves the
# media and puts the call on hold, and BYE, sent by each side along the
# route set and to the remote target it learned (for an outside phone,
# a Contact token on hras). The relays follow the moved media.
# timeout: 60
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

S=$VOFW_ROOT/tests/sipp
vofw_pair_up
cd "$TB_DIR"
vofw_register alice 10.77.0.3

dialog() {	# dialog NAME CALLEE_NS CALLEE_IP CALLER_NS CALLER_IP ARGS...
	_n=$1 _cns=$2 _cip=$3 _rns=$4 _rip=$5
	shift 5
	tb_start "$_n-uas" "$_cns" sipp -nostdin -sf "$S/reinvite_uas.xml" \
	    -i "$_cip" -p 5070 -m 1 -timeout 20 -timeout_error
	sleep 0.5
	ip netns exec "$_rns" timeout 20 sipp -nostdin \
	    -sf "$S/reinvite_uac.xml" -i "$_rip" -p 5080 -m 1 -timeout 15 \
	    -timeout_error -trace_msg -message_file "$TB_DIR/$_n-uac.msg" \
	    "$@" >"$_n-uac.log" 2>&1 || tb_fail "$_n: the caller's side failed"
	_dl=$(($(date +%s) + 10))
	while tb_running "$_n-uas"; do
		[ "$(date +%s)" -lt "$_dl" ] || tb_fail "$_n: callee still waits"
		sleep 0.1
	done
	grep -qE '^  Successful call .* 1 *$' "$TB_DIR/$_n-uas.log" ||
	    tb_fail "$_n: the callee's side failed"
}
dialog inbound "$TB_LAN" 10.77.0.3 "$TB_WAN" 198.51.100.14 -s alice \
    "$TB_WAN_IP:5060"
grep -q "peer 198.51.100.14:17000/" "$TB_DIR/hras.log" &&
    grep -q "peer 198.51.100.14:17002/" "$TB_DIR/hras.log" ||
    tb_fail "hras did not follow the re-INVITE's new media port"
grep -Eq '^(INVITE|BYE) sip:vofw-[0-9a-f]+@198.51.100.10' \
    "$TB_DIR/inbound-uac.msg" ||
    tb_fail "the outside phone did not target hras's Contact token"
tb_wait_log hras 'ended: BYE' 5
echo "ok: outside phone's re-INVITE (hold, new port) and BYE through both halves"
dialog outbound "$TB_WAN" 198.51.100.14 "$TB_LAN" 10.77.0.4 -s bob \
    -rsa "$TB_LAN_IP:5060" 198.51.100.14:5070
grep -q "peer 10.77.0.4:17002/" "$TB_DIR/hrac.log" ||
    tb_fail "hrac did not follow the re-INVITE's new media port"
echo "ok: inside phone's re-INVITE (hold, new port) and BYE through both halves"
