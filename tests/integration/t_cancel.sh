#!/bin/sh
# CANCEL through both halves, both ways: the caller gives up while the
# callee rings; the CANCEL reaches the callee as the same transaction as
# its INVITE (same branch through each proxy), the 487 and the ACK for it
# come through, and the call's relay ports are released.
# timeout: 60
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

S=$VOFW_ROOT/tests/sipp
vofw_pair_up
cd "$TB_DIR"
vofw_register alice 10.77.0.3

cancel() {	# cancel NAME CALLEE_NS CALLEE_IP CALLER_NS CALLER_IP ARGS...
	_n=$1 _cns=$2 _cip=$3 _rns=$4 _rip=$5
	shift 5
	tb_start "$_n-uas" "$_cns" sipp -nostdin -sf "$S/cancel_uas.xml" \
	    -i "$_cip" -p 5070 -m 1 -timeout 20 -timeout_error
	sleep 0.5
	ip netns exec "$_rns" timeout 20 sipp -nostdin -sf "$S/cancel_uac.xml" \
	    -i "$_rip" -p 5080 -m 1 -timeout 15 -timeout_error "$@" \
	    >"$_n-uac.log" 2>&1 || tb_fail "$_n: the caller's side failed"
	_dl=$(($(date +%s) + 10))
	while tb_running "$_n-uas"; do
		[ "$(date +%s)" -lt "$_dl" ] || tb_fail "$_n: callee still waits"
		sleep 0.1
	done
	grep -qE '^  Successful call .* 1 *$' "$TB_DIR/$_n-uas.log" ||
	    tb_fail "$_n: the callee's side failed"
}
cancel inbound "$TB_LAN" 10.77.0.3 "$TB_WAN" 198.51.100.14 -s alice \
    "$TB_WAN_IP:5060"
tb_wait_log hras 'ended: (CANCEL|INVITE failed)' 5
tb_wait_log hrac 'ended: (CANCEL|INVITE failed)' 5
echo "ok: an outside caller's CANCEL reaches the inside phone"
cancel outbound "$TB_WAN" 198.51.100.14 "$TB_LAN" 10.77.0.4 -s bob \
    -rsa "$TB_LAN_IP:5060" 198.51.100.14:5070
echo "ok: an inside caller's CANCEL reaches the outside phone"
opened=$(grep -c 'media flow .* open' "$TB_DIR/hras.log")
closed=$(grep -c 'media flow .* closed' "$TB_DIR/hras.log")
[ "$opened" = "$closed" ] || tb_fail "hras: $opened flows opened, $closed closed"
echo "ok: relay ports of cancelled calls released ($closed)"
