#!/bin/sh
# Bad input from either side gets a clear answer and harms nothing: a
# malformed request gets 400, unparsable SDP 488, an oversized message is
# refused; an outsider's REGISTER is refused 403, an inside one with an
# unusable Contact 400 (binding nothing), an unknown user is 404,
# a call for a client whose tunnel is down gets 480; each half keeps
# answering after every one.
# timeout: 90
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

S=$VOFW_ROOT/tests/sipp
vofw_pair_up
cd "$TB_DIR"

sipp1() {	# sipp1 NS NAME SRC TARGET ARGS...: one scenario, must pass
	_ns=$1 _name=$2 _src=$3 _dst=$4
	shift 4
	ip netns exec "$_ns" timeout 20 sipp -nostdin -i "$_src" -m 1 \
	    -timeout 10 -timeout_error "$@" "$_dst" >"$_name.log" 2>&1 ||
	    tb_fail "$_name: scenario failed"
}
alive() {	# both halves still answer OPTIONS
	sipp1 "$TB_WAN" alive-hras 198.51.100.16 "$TB_WAN_IP:5060" \
	    -sf "$S/options.xml"
	sipp1 "$TB_LAN" alive-hrac 10.77.0.6 "$TB_LAN_IP:5060" \
	    -sf "$S/options.xml"
}

sipp1 "$TB_LAN" reg 10.77.0.3 "$TB_LAN_IP:5060" -sf "$S/register.xml" \
    -key domain corp.example \
    -s alice -p 5070
alive
echo "ok: alice registered; both halves answer OPTIONS"

for side in hras hrac; do
	if [ $side = hras ]; then ns=$TB_WAN src=198.51.100.16 dst=$TB_WAN_IP
	else ns=$TB_LAN src=10.77.0.6 dst=$TB_LAN_IP; fi
	sipp1 "$ns" badreq-$side $src "$dst:5060" -sf "$S/bad_request.xml" \
	    -s alice
	# From the outside to alice; from the inside to an outside phone
	# (a call between inside phones is not hrac's to look into).
	if [ $side = hras ]; then
		sipp1 "$ns" badsdp-$side $src "$dst:5060" \
		    -sf "$S/bad_sdp.xml" -s alice
	else
		sipp1 "$ns" badsdp-$side $src 198.51.100.14:5090 \
		    -rsa "$dst:5060" -sf "$S/bad_sdp.xml" -s bob
	fi
	# One 20,000-byte datagram: refused, nothing breaks.
	ip netns exec "$ns" "$TB_UDPTOOL" send -s "$src" "$dst" 5060 1 20000
	tb_wait_log $side 'refused: message too large' 5
	alive
	echo "ok: $side: 400 for a malformed request, 488 for bad SDP," \
	    "oversized message refused, still serving"
done

# Routing refusals, with the reason in the log.
sipp1 "$TB_WAN" reg-outside 198.51.100.16 "$TB_WAN_IP:5060" \
    -sf "$S/register_refused.xml" -key domain corp.example -s mallory
tb_wait_log hras 'REGISTER from 198\.51\.100\.16:[0-9]+: 403 \(outsiders cannot register\)' 2
echo "ok: an outsider cannot register as an inside user (403), the line" \
    "names its source address"
sipp1 "$TB_LAN" reg-badcontact 10.77.0.6 "$TB_LAN_IP:5060" \
    -sf "$S/register_bad_contact.xml" -key domain corp.example -s carol
tb_wait_log hras 'REGISTER for carol@corp.example refused: unusable Contact' 2
sipp1 "$TB_WAN" carol-unbound 198.51.100.16 "$TB_WAN_IP:5060" \
    -sf "$S/invite_404.xml" -s carol
echo "ok: a REGISTER with an unusable Contact is refused 400, binds nothing"
sipp1 "$TB_WAN" nobody 198.51.100.16 "$TB_WAN_IP:5060" \
    -sf "$S/invite_404.xml" -s nobody
echo "ok: a call for an unknown user gets 404"
tb_stop hrac
tb_wait_log hras 'client corp: tunnel down' 10
sipp1 "$TB_WAN" tunnel-down 198.51.100.16 "$TB_WAN_IP:5060" \
    -sf "$S/invite_480.xml" -s alice
echo "ok: a call for alice while corp's tunnel is down gets 480"
