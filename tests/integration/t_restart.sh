#!/bin/sh
# Restart without losing reach: hras keeps registrations in memory only.
# An inside phone registers through hrac (for an hour); hras is stopped
# and started again; once the tunnel is back, hrac registers the phone at
# hras again by itself (the phone is not asked, nor told), and an outside
# phone calls it within seconds, with voice both ways.
# timeout: 120
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

vofw_pair_up
ln -s /usr/share/sip-tester "$TB_DIR/pcap"
cd "$TB_DIR"

vofw_register alice 10.77.0.3 5070
tb_wait_log hras 'client corp: alice@corp.example registered at sip:alice@10.77.0.3:5070' 5
echo "ok: alice registered through hrac"

# alice answers every call and echoes its voice; she logs every message,
# so an answer hrac should have kept to itself would show.
tb_start alice "$TB_LAN" sipp -nostdin -sn uas -rtp_echo -i 10.77.0.3 \
    -p 5070 -mi 10.77.0.3 -mp 16000 -trace_msg \
    -message_file "$TB_DIR/alice.msg"

# hras stops (SIGTERM to its PID) and starts again with nothing in memory.
tb_stop hras
mv "$TB_DIR/hras.log" "$TB_DIR/hras-before.log"
vofw_start_hras
vofw_wait_count hrac 'tunnel up' 2 15
tb_wait_log hras 'client corp: alice@corp.example registered at sip:alice@10.77.0.3:5070' 3
tb_wait_log hrac 'inside bindings registered at hras again' 3
echo "ok: hrac registered alice at the restarted hras"

ip netns exec "$TB_WAN" timeout 40 sipp -nostdin -sn uac_pcap -s alice \
    -i 198.51.100.14 -p 5080 -mi 198.51.100.14 -mp 18000 -m 1 \
    -timeout 30 -timeout_error "$TB_WAN_IP:5060" >"$TB_DIR/bob.log" 2>&1 ||
    tb_fail "the call to alice after the restart failed"
tb_wait_log hras 'ended: BYE' 5
tb_stop alice
awk '/media flow .* closed:/ { n++; if ($(NF-3) < 200 || $(NF-1) < 200)
    bad = 1 } END { exit !(n > 0 && !bad) }' "$TB_DIR/hras.log" ||
    tb_fail "too little voice: $(grep closed: "$TB_DIR/hras.log")"
grep -Eq '[0-9]{3} Total echo RTP pckts 1st stream' "$TB_DIR/alice.log" ||
    tb_fail "alice echoed no voice"
! grep -q 'REGISTER' "$TB_DIR/alice.msg" ||
    tb_fail "hrac's own REGISTER or its answer reached the phone"
echo "ok: an outside call reached alice after the restart, voice both ways"
