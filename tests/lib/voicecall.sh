# Sourced by integration tests after testbed.sh and vofw.sh: one call with
# voice through whatever path the running hrac and hras took.
#
# vofw_voice_call NAME: alice (10.77.0.3:5070) registers through hrac, an
# outside phone calls her, she echoes its G.711 voice back; the call must
# complete and each relay carry 200+ packets each way in its one new
# media flow. NAME tells this call's files apart; run one at a time.
vofw_voice_call() {
	_vc=$1
	[ -e "$TB_DIR/pcap" ] || ln -s /usr/share/sip-tester "$TB_DIR/pcap"
	ip netns exec "$TB_LAN" timeout 20 sipp -nostdin \
	    -sf "$VOFW_ROOT/tests/sipp/register.xml" -key domain corp.example \
	    -s alice -i 10.77.0.3 -p 5070 -m 1 "$TB_LAN_IP:5060" \
	    >"$TB_DIR/$_vc-reg.log" 2>&1 || tb_fail "$_vc: alice could not register"
	_vc_closed=$(grep -c 'media flow .* closed:' "$TB_DIR/hras.log" || true)
	tb_start "$_vc-alice" "$TB_LAN" sipp -nostdin -sn uas -rtp_echo \
	    -i 10.77.0.3 -p 5070 -mi 10.77.0.3 -mp 16000
	sleep 0.5
	(cd "$TB_DIR" && ip netns exec "$TB_WAN" timeout 40 sipp -nostdin \
	    -sn uac_pcap -s alice -i 198.51.100.14 -p 5080 \
	    -mi 198.51.100.14 -mp 18000 -m 1 -timeout 30 -timeout_error \
	    "$TB_WAN_IP:5060" >"$TB_DIR/$_vc-call.log" 2>&1) ||
	    tb_fail "$_vc: the call failed"
	vofw_wait_count hras 'media flow .* closed:' $((_vc_closed + 1)) 5
	tb_stop "$_vc-alice"
	grep 'media flow .* closed:' "$TB_DIR/hras.log" | tail -1 |
	    awk '{ exit !($(NF-3) >= 200 && $(NF-1) >= 200) }' ||
	    tb_fail "$_vc: too little voice: $(grep closed: "$TB_DIR/hras.log" | tail -1)"
}
