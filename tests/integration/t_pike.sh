#!/bin/sh
# shellcheck disable=SC2015  # "a && b || tb_fail"
# A SIP flood from one outside address (docs/security.md, "SIP floods and
# quotas"): hras bans it with the shipped limits (more than 16 requests in
# 2 s; the ban shortened to 10 s here), drops what it sends unanswered over
# UDP, closes its TCP connections, and says so in one line carrying the
# address, for fail2ban; meanwhile a call from another outside address
# completes with voice both ways. An address on limits.allow sends as much
# and is never banned. When the ban ends, the flooder is answered again.
# timeout: 90
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

S=$VOFW_ROOT/tests/sipp
EVE=198.51.100.66		# the flooder, no caller's address
TRUNK=198.51.100.15		# on the allow list
BOB=198.51.100.14		# an outside phone

# Only the trunk is allow-listed; bob and eve meet the defaults.
HRAS_LIMITS="limits = { ban = 10; allow = [ \"$TRUNK\" ]; };"
vofw_pair_up
ip -n "$TB_WAN" addr add "$EVE/24" dev eth0 || tb_fail "WAN address $EVE"
ln -s /usr/share/sip-tester "$TB_DIR/pcap"
cd "$TB_DIR"

# options NAME IP N RATE [ARGS...]: N OPTIONS to hras from IP at RATE a
# second, bounded; sipp's summary in NAME.log.
options() {
	_n=$1
	_ip=$2
	_m=$3
	_r=$4
	shift 4
	ip netns exec "$TB_WAN" timeout 30 sipp -nostdin -sf "$S/options.xml" \
	    -i "$_ip" -p 5097 -m "$_m" -r "$_r" -timeout 10 "$@" \
	    "$TB_WAN_IP:5060" >"$TB_DIR/$_n.log" 2>&1
}

# answered NAME: how many OPTIONS of the run NAME got their 200.
answered() {
	awk '/Successful call/ { print $(NF); exit }' "$TB_DIR/$1.log"
}

vofw_register alice 10.77.0.3
tb_wait_log hras 'alice@corp.example registered' 3

# 1. The trunk sends 100 OPTIONS at 200 a second: all answered.
options trunk "$TRUNK" 100 200 || tb_fail "the allow-listed trunk was not answered: $(tail -n 5 trunk.log)"
[ "$(answered trunk)" = 100 ] || tb_fail "trunk: $(answered trunk) of 100 answered"
! grep -q "sip flood from $TRUNK" hras.log || tb_fail "the allow-listed address was banned"
echo "ok: 100 OPTIONS in 0.5 s from an allow-listed address, all answered, no ban"

# 2. eve floods (40 OPTIONS a second for 5 s, each retransmitted) while
# bob calls alice.
tb_start alice "$TB_LAN" sipp -nostdin -sn uas -rtp_echo -i 10.77.0.3 \
    -p 5070 -mi 10.77.0.3 -mp 16000
tb_start eve "$TB_WAN" sipp -nostdin -sf "$S/options.xml" -i "$EVE" \
    -p 5099 -m 200 -r 40 -trace_msg -message_file "$TB_DIR/eve.msg" \
    "$TB_WAN_IP:5060"
tb_wait_log hras "sip flood from $EVE: banned for 10 s" 5

# While banned: one more OPTIONS over UDP is not answered, and a TCP
# connection is closed.
options eve-udp "$EVE" 1 1 -p 5098 -timeout 2 && tb_fail "a banned address was answered over UDP" || true
options eve-tcp "$EVE" 1 1 -p 5098 -t t1 -timeout 2 && tb_fail "a banned address was answered over TCP" || true
echo "ok: a banned address gets no answer over UDP or TCP"
ip netns exec "$TB_WAN" timeout 40 sipp -nostdin -sn uac_pcap -s alice \
    -i "$BOB" -p 5080 -mi "$BOB" -mp 18000 -m 1 -timeout 30 \
    "$TB_WAN_IP:5060" >bob.log 2>&1 || tb_fail "bob's call failed during the flood"
tb_wait_log hras 'ended: BYE' 5
tb_stop alice
grep -Eq '[0-9]{3} Total echo RTP pckts 1st stream' alice.log ||
    tb_fail "alice echoed no voice"
awk '/media flow .* closed:/ { n++; if ($(NF-3) < 200 || $(NF-1) < 200)
    bad = 1 } END { exit !(n > 0 && !bad) }' hras.log ||
    tb_fail "too little voice through hras: $(grep closed: hras.log)"
echo "ok: eve banned; bob's call to alice completed with voice both ways"

# At most 16 of eve's OPTIONS were answered before each ban (it may
# have ended and started again while eve kept sending); bob was never
# counted.
tb_stop eve
ans=$(tr -d '\r' <eve.msg | grep -c '^SIP/2.0 200' || true)
bans=$(vofw_count hras "sip flood from $EVE: banned")
[ "$ans" -le $((16 * bans)) ] || tb_fail "eve got $ans answers in $bans bans"
! grep -q "sip flood from $BOB" hras.log || tb_fail "bob was banned"
grep -Eq "^.*warning: sip flood from $EVE: banned for 10 s \(more than 16 requests in 2 s\)" hras.log ||
    tb_fail "no fail2ban-usable ban line: $(grep 'sip flood' hras.log)"

echo "ok: one fail2ban-usable line with eve's address"

# 3. Each ban ends (one line), and eve is answered again.
vofw_wait_count hras "sip flood from $EVE: ban ended, [0-9]+ messages dropped" "$bans" 15
options eve-after "$EVE" 1 1 || tb_fail "eve is not answered after the ban"
echo "ok: the ban ended after its time, with a line; eve is answered again"
