#!/bin/sh
# Real soft phones (baresip 1.0) through the firewall and Squid.  Each
# phone plays a tone of its own from a WAV file and records what it hears;
# the far phone's tone (and never its own) must fill each recording, so
# voice crossed both relays both ways.
#   (a) bob (outside) calls alice (inside, registered through hrac) at the
#       company's public address; bob hangs up;
#   (b) alice calls bob through hrac; alice hangs up;
#   (c) carol, outside behind her own NAT router (a namespace of this test),
#       calls alice and hangs up: hras must answer where her SIP comes from
#       (rport/received) and send her voice where it comes from (symmetric
#       RTP), her SDP and Contact naming an address nobody can reach.
#   (c1) alice hangs up a call from carol, and (c2) alice calls carol back
#       through her router's port forward: in-dialog requests reach carol
#       at the address her messages came from, not her private Contact.
#   (d) alice calls dave, another inside phone registered through hrac:
#       the call stays inside (inside_calls "local"), voice phone to
#       phone, nothing of it at the firewall's LAN port.
# timeout: 150
# shellcheck disable=SC2015,SC2016  # "a && b || fail"; bash -c script
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

command -v baresip >/dev/null ||
    tb_fail "baresip missing: run tests/lib/install-deps.sh"
BS_MODS=/usr/lib/baresip/modules
for _m in aufile aubridge sndfile g711 menu ctrl_tcp; do
	[ -f "$BS_MODS/$_m.so" ] || tb_fail "baresip module $_m missing"
done

ALICE_IP=10.77.0.3
BOB_IP=198.51.100.14
HOME_NS=vofw-home-$TB_ID	# vofw-*-ID: the runner cleans it up too
NAT_NS=vofw-nat-$TB_ID
CAROL_IP=192.168.77.2		# behind her own NAT router
NAT_LAN_IP=192.168.77.1
NAT_WAN_IP=198.51.100.17	# the router's public address
CAROL_SIP_PORT=5062		# the router maps carol's SIP port 5060 here
# Each phone's tone in Hz (a whole number of cycles per 100 ms block) and
# its RTP ports.
ALICE_HZ=600 ALICE_RTP=30000
BOB_HZ=1000 BOB_RTP=30100
CAROL_HZ=1400 CAROL_RTP=30200
DAVE_IP=10.77.0.6 DAVE_HZ=1800 DAVE_RTP=30300
CALL_SECS=3			# of voice per call
MIN_BLOCKS=15			# 100 ms blocks of the far tone each way

# bs_down: the EXIT trap: the testbed (phones included), then our own
# namespaces.
bs_down() {
	_rc=$?
	tb_down
	ip netns delete "$HOME_NS" 2>/dev/null || true
	ip netns delete "$NAT_NS" 2>/dev/null || true
	exit "$_rc"
}

# wav_tone FILE HZ SECONDS: write an 8 kHz mono S16LE WAV of a sine tone.
wav_tone() {
	LC_ALL=C awk -v hz="$2" -v secs="$3" '
	function le(v, n,  i) {
		for (i = 0; i < n; i++) { printf "%c", v % 256; v = int(v / 256) }
	}
	BEGIN {
		n = 8000 * secs; bytes = 2 * n
		printf "RIFF"; le(36 + bytes, 4); printf "WAVEfmt "
		le(16, 4); le(1, 2); le(1, 2); le(8000, 4); le(16000, 4)
		le(2, 2); le(16, 2); printf "data"; le(bytes, 4)
		w = 2 * 3.14159265358979 * hz / 8000
		for (i = 0; i < n; i++) {
			s = int(8000 * sin(w * i))
			le(s < 0 ? s + 65536 : s, 2)
		}
	}' >"$1" || tb_fail "cannot write $1"
}

# tone_blocks FILE HZ: print how many 100 ms blocks of the 8 kHz S16LE WAV
# FILE are loud (RMS > 500) and mostly HZ (Goertzel: over half the power).
tone_blocks() {
	od -An -v -t d2 -j 44 "$1" | LC_ALL=C awk -v hz="$2" '
	BEGIN { c = 2 * cos(2 * 3.14159265358979 * hz / 8000); n = 800 }
	{
		for (i = 1; i <= NF; i++) {
			s0 = $i + c * s1 - s2; s2 = s1; s1 = s0; e += $i * $i
			if (++k < n)
				continue
			p = s1 * s1 + s2 * s2 - c * s1 * s2
			if (e / n > 250000 && p / (n / 2 * e) > 0.5)
				good++
			k = 0; s1 = s2 = e = 0
		}
	}
	END { print good + 0 }'
}

# bs_conf NAME IP RTP_PORT HZ ACCOUNT [CTRL_PORT]: a baresip config directory
# $TB_DIR/NAME for a phone on IP:5060 with no audio device: it plays its
# tone from a WAV file (aufile), hears into a null player (aubridge) and
# records what it sends and hears (sndfile) in $TB_DIR/NAME/rec; its
# control port on 127.0.0.1 is CTRL_PORT (default 4444).
bs_conf() {
	_d=$TB_DIR/$1
	mkdir -p "$_d/rec" || tb_fail "mkdir $_d"
	echo "${6:-4444}" >"$_d/ctrl_port" || tb_fail "cannot write $_d/ctrl_port"
	wav_tone "$_d/tone.wav" "$4" 20
	cat >"$_d/config" <<EOF || tb_fail "cannot write $_d/config"
poll_method		epoll
net_interface		$2
sip_listen		$2:5060
call_local_timeout	20
call_max_calls		1
audio_path		$_d
audio_source		aufile,$_d/tone.wav
audio_player		aubridge,nil
audio_alert		aubridge,nil
ausrc_srate		8000
ausrc_channels		1
auplay_srate		8000
auplay_channels		1
audio_buffer		20-160
rtp_ports		$3-$(($3 + 99))
rtcp_mux		no
jitter_buffer_delay	1-10
rtp_timeout		10
module_path		$BS_MODS
module			g711.so
module			aufile.so
module			aubridge.so
module			sndfile.so
module_tmp		account.so
module_app		menu.so
module_app		ctrl_tcp.so
ctrl_tcp_listen		127.0.0.1:${6:-4444}
statmode_default	off
ringback_disabled	yes
snd_path		$_d/rec
EOF
	printf '%s;answermode=auto;audio_codecs=pcmu\n' "$5" \
	    >"$_d/accounts" || tb_fail "cannot write $_d/accounts"
	: >"$_d/contacts"
}

# bs_source NS FROM_IP RTP_PORT TO_IP: baresip binds its RTP sockets to
# the wildcard address, so in a namespace whose first address is a relay's
# its voice would leave from the relay's address; rewrite the source to the
# phone's own, statelessly (before conntrack), so no port changes.
bs_source() {
	ip netns exec "$1" nft -f - <<EOF || tb_fail "nft phone source in $1"
table ip phone_src_$3 {
	chain out {
		type filter hook output priority raw - 10; policy accept;
		ip saddr $2 udp sport $3-$(($3 + 99)) ip saddr set $4
	}
}
EOF
}

# bs_start NAME NS: start the phone NAME in namespace NS, bounded in time.
bs_start() {
	tb_start "$1" "$2" baresip -s -f "$TB_DIR/$1" -t 110
	tb_wait_log "$1" 'baresip is ready' 10
	tb_wait_listen "$2" 127.0.0.1 "$(cat "$TB_DIR/$1/ctrl_port")" 10
}

# bs_cmd NAME NS COMMAND [PARAMS]: one command to the phone's ctrl_tcp (a
# JSON netstring); its answer and events go to $TB_DIR/NAME.ctl.
bs_cmd() {
	_json="{\"command\":\"$3\",\"params\":\"${4:-}\",\"token\":\"t\"}"
	ip netns exec "$2" timeout 5 bash -c '
	    exec 3<>"/dev/tcp/127.0.0.1/$2" || exit 1
	    printf "%d:%s," "${#1}" "$1" >&3
	    timeout 0.5 cat <&3; echo' sh "$_json" \
	    "$(cat "$TB_DIR/$1/ctrl_port")" >>"$TB_DIR/$1.ctl" 2>&1 ||
	    tb_fail "$1: command $3 not sent"
}

# bs_take NAME TAG: move the recording NAME heard in its last call to
# $TB_DIR/TAG-NAME.wav.
bs_take() {
	set -- "$1" "$2" "$TB_DIR/$1/rec"
	[ "$(find "$3" -name '*-dec.wav' | wc -l)" = 1 ] ||
	    tb_fail "$1: not one recording in $3: $(ls "$3")"
	mv "$3"/*-dec.wav "$TB_DIR/$2-$1.wav" && rm -f "$3"/*-enc.wav ||
	    tb_fail "$1: recording"
}

# bye_ok NAME: how many 200 OK to a BYE NAME's SIP trace holds.
bye_ok() {
	awk '/^SIP\/2\.0 200/ { r = 1; next }
	    /^SIP\/2\.0 |^[A-Z]+ sip:/ { r = 0 }
	    r && /^CSeq: *[0-9]+ BYE/ { n++; r = 0 }
	    END { print n + 0 }' "$TB_DIR/$1.log"
}

# heard TAG NAME HZ OWN_HZ: NAME's recording of call TAG has HZ in at
# least MIN_BLOCKS blocks, and never its own tone (no echo, no loop).
heard() {
	_f=$TB_DIR/$1-$2.wav
	_far=$(tone_blocks "$_f" "$3")
	_own=$(tone_blocks "$_f" "$4")
	echo "   $2 heard $_far x 100 ms of $3 Hz, $_own of its own" \
	    "$4 Hz ($(wc -c <"$_f") bytes)"
	[ "$_far" -ge "$MIN_BLOCKS" ] ||
	    tb_fail "$1: $2 heard too little of the far phone"
	[ "$_own" = 0 ] || tb_fail "$1: $2 heard its own voice"
}

# relayed NAME: the last media flow NAME closed carried 100+ each way.
relayed() {
	_l=$(grep 'media flow .* closed:' "$TB_DIR/$1.log" | tail -n 1)
	echo "$_l" | awk '{ exit !($(NF-3) >= 100 && $(NF-1) >= 100) }' ||
	    tb_fail "$1 relayed too little voice: $_l"
}

# call TAG CALLER CALLER_NS CALLEE URI HANGER HANGER_NS N: CALLER dials URI,
# CALLEE answers by itself, voice for CALL_SECS, HANGER hangs up and its
# BYE is answered; N is the number of calls the relays will have ended
# with this one ("-" for a call they do not relay).
call() {
	_c1=$(vofw_count "$2" 'Call established')
	_c2=$(vofw_count "$4" 'Call established')
	bs_cmd "$2" "$3" dial "$5"
	vofw_wait_count "$2" 'Call established' $((_c1 + 1)) 10
	vofw_wait_count "$4" 'Call established' $((_c2 + 1)) 5
	sleep "$CALL_SECS"
	_t1=$(vofw_count "$2" 'terminated \(duration')
	_t2=$(vofw_count "$4" 'terminated \(duration')
	_b1=$(bye_ok "$2")
	_b2=$(bye_ok "$4")
	bs_cmd "$6" "$7" hangup
	vofw_wait_count "$2" 'terminated \(duration' $((_t1 + 1)) 5
	vofw_wait_count "$4" 'terminated \(duration' $((_t2 + 1)) 5
	# The BYE was answered: one more 200 OK to a BYE in each trace.
	_dl=$(($(date +%s) + 5))
	until [ "$(bye_ok "$2")" -gt "$_b1" ] && [ "$(bye_ok "$4")" -gt "$_b2" ]
	do
		[ "$(date +%s)" -lt "$_dl" ] ||
		    tb_fail "$1: the BYE got no 200 OK end to end"
		sleep 0.1
	done
	if [ "$8" != - ]; then
		vofw_wait_count hras 'ended: BYE' "$8" 5
		vofw_wait_count hrac 'ended: BYE' "$8" 5
		vofw_wait_count hras 'media flow .* closed:' "$8" 5
		vofw_wait_count hrac 'media flow .* closed:' "$8" 5
	fi
	bs_take "$2" "$1"
	bs_take "$4" "$1"
}

tb_up
trap bs_down EXIT
tb_squid_start
vofw_hras_conf "$TB_DIR/hras.conf"
vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" "$TB_PROXY_URL"
vofw_start_hras
vofw_start_hrac
tb_wait_log hrac 'tunnel up \(stream mode\)' 15

bs_source "$TB_LAN" "$TB_LAN_IP" "$ALICE_RTP" "$ALICE_IP"
bs_source "$TB_WAN" "$TB_WAN_IP" "$BOB_RTP" "$BOB_IP"
bs_conf alice "$ALICE_IP" "$ALICE_RTP" "$ALICE_HZ" \
    "<sip:alice@corp.example>;outbound=\"sip:$TB_LAN_IP;lr\";regint=600"
bs_conf bob "$BOB_IP" "$BOB_RTP" "$BOB_HZ" "<sip:bob@$BOB_IP>;regint=0"
bs_start alice "$TB_LAN"
bs_start bob "$TB_WAN"
tb_wait_log hras \
    'alice@corp\.example registered at sip:alice[^@]*@10\.77\.0\.3:5060' 10
echo "ok: alice (baresip) registered through hrac, Squid and the tunnel"

# (a) bob calls alice at the company's public address; bob hangs up.
call a bob "$TB_WAN" alice "sip:alice@$TB_WAN_IP" bob "$TB_WAN" 1
heard a alice "$BOB_HZ" "$ALICE_HZ"
heard a bob "$ALICE_HZ" "$BOB_HZ"
relayed hras
relayed hrac
echo "ok: (a) bob -> alice: answered, voice both ways, hung up by bob"

# (b) alice calls bob through hrac; alice hangs up.
call b alice "$TB_LAN" bob "sip:bob@$BOB_IP" alice "$TB_LAN" 2
heard b alice "$BOB_HZ" "$ALICE_HZ"
heard b bob "$ALICE_HZ" "$BOB_HZ"
relayed hras
relayed hrac
echo "ok: (b) alice -> bob: answered, voice both ways, hung up by alice"

# What the outside phone saw of the inside network: nothing (its SIP trace
# holds every message and SDP it sent and received).
! grep -n '10\.77\.0\.' "$TB_DIR/bob.log" ||
    tb_fail "an inside address reached bob"
echo "ok: no inside address in bob's SIP trace"

# (c) carol's home: her phone at 192.168.77.2 in a namespace of its own,
# behind a router namespace with the public address 198.51.100.17 that
# masquerades UDP to ports 40000-40999 (her voice leaves from ports she
# never wrote in her SDP) and maps her SIP port 5060 to 5062 both ways (a
# port forward, so that she can be called back).  She registers nowhere.
ip netns add "$NAT_NS" && ip netns add "$HOME_NS" || tb_fail "netns add"
for _ns in "$NAT_NS" "$HOME_NS"; do
	ip -n "$_ns" link set lo up &&
	ip netns exec "$_ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1 || tb_fail "$_ns setup"
done
ip -n "$TB_WAN" addr del "$NAT_WAN_IP/24" dev eth0 &&
ip -n "$NAT_NS" link add wan type veth peer name nat0 netns "$TB_WAN" &&
ip -n "$NAT_NS" link add lan type veth peer name eth0 netns "$HOME_NS" &&
ip -n "$NAT_NS" addr add "$NAT_WAN_IP/24" dev wan &&
ip -n "$NAT_NS" addr add "$NAT_LAN_IP/24" dev lan &&
ip -n "$NAT_NS" link set wan up && ip -n "$NAT_NS" link set lan up &&
ip -n "$TB_WAN" link set nat0 up &&
ip -n "$TB_WAN" route add "$NAT_WAN_IP/32" dev nat0 &&
ip -n "$HOME_NS" addr add "$CAROL_IP/24" dev eth0 &&
ip -n "$HOME_NS" link set eth0 up &&
ip -n "$HOME_NS" route add default via "$NAT_LAN_IP" &&
ip netns exec "$NAT_NS" sysctl -qw net.ipv4.ip_forward=1 ||
    tb_fail "home network"
ip netns exec "$NAT_NS" nft -f - <<EOF || tb_fail "nft home router"
table ip home {
	chain dnat_in {
		type nat hook prerouting priority dstnat; policy accept;
		iifname "wan" udp dport $CAROL_SIP_PORT dnat to $CAROL_IP:5060
	}
	chain snat_out {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "wan" ip saddr $CAROL_IP udp sport 5060 \\
		    snat to $NAT_WAN_IP:$CAROL_SIP_PORT
		oifname "wan" ip protocol udp masquerade to :40000-40999
		oifname "wan" masquerade
	}
	chain filter_fwd {
		type filter hook forward priority filter; policy drop;
		ct state established,related accept
		iifname "lan" oifname "wan" accept
		ct status dnat accept
	}
}
EOF

bs_conf carol "$CAROL_IP" "$CAROL_RTP" "$CAROL_HZ" \
    "<sip:carol@$CAROL_IP>;regint=0"
bs_start carol "$HOME_NS"

call c carol "$HOME_NS" alice "sip:alice@$TB_WAN_IP" carol "$HOME_NS" 3
heard c alice "$CAROL_HZ" "$ALICE_HZ"
heard c carol "$ALICE_HZ" "$CAROL_HZ"
relayed hras
relayed hrac
grep -q "rport=$CAROL_SIP_PORT;received=$NAT_WAN_IP" "$TB_DIR/carol.log" ||
    tb_fail "hras's answers to carol lack" \
    "rport=$CAROL_SIP_PORT;received=$NAT_WAN_IP"
grep -Eq "rtp peer learnt \(the party's IP\): ${NAT_WAN_IP}:40[0-9]{3}\$" \
    "$TB_DIR/hras.log" ||
    tb_fail "hras did not learn carol's public RTP address"
! grep -n '10\.77\.0\.' "$TB_DIR/carol.log" ||
    tb_fail "an inside address reached carol"
echo "ok: (c) carol (behind NAT) -> alice: answered to her NAT's address" \
    "(rport), voice both ways (symmetric RTP), hung up by carol"

# In-dialog requests to carol: alice hangs up a call from carol, then calls
# carol back at her router's forwarded port.
call c1 carol "$HOME_NS" alice "sip:alice@$TB_WAN_IP" alice "$TB_LAN" 4
heard c1 alice "$CAROL_HZ" "$ALICE_HZ"
heard c1 carol "$ALICE_HZ" "$CAROL_HZ"
echo "ok: (c1) carol (behind NAT) -> alice, hung up by alice"
call c2 alice "$TB_LAN" carol "sip:carol@$NAT_WAN_IP:$CAROL_SIP_PORT" \
    carol "$HOME_NS" 5
heard c2 alice "$CAROL_HZ" "$ALICE_HZ"
heard c2 carol "$ALICE_HZ" "$CAROL_HZ"
echo "ok: (c2) alice -> carol (behind NAT), hung up by carol"

# (d) dave, a second inside phone, registers through hrac; alice calls
# him: hrac routes the call itself and the voice goes phone to phone.
bs_source "$TB_LAN" "$TB_LAN_IP" "$DAVE_RTP" "$DAVE_IP"
bs_conf dave "$DAVE_IP" "$DAVE_RTP" "$DAVE_HZ" \
    "<sip:dave@corp.example>;outbound=\"sip:$TB_LAN_IP;lr\";regint=600" 4445
bs_start dave "$TB_LAN"
tb_wait_log hras \
    'dave@corp\.example registered at sip:dave[^@]*@10\.77\.0\.6:5060' 10
_relayed=$(vofw_count hras 'ended: BYE')
tb_fw_reset
call d alice "$TB_LAN" dave "sip:dave@corp.example" dave "$TB_LAN" -
_fw=$(tb_fw_lan_bytes both)
heard d alice "$DAVE_HZ" "$ALICE_HZ"
heard d dave "$ALICE_HZ" "$DAVE_HZ"
[ "$(vofw_count hras 'ended: BYE')" = "$_relayed" ] ||
    tb_fail "(d) hras relayed the inside call"
# ~3 s of G.711 both ways would be ~100 KB; the tunnel's keepalives are
# all that may cross meanwhile.
[ "$_fw" -lt 4000 ] || tb_fail "(d) $_fw bytes crossed the firewall"
echo "ok: (d) alice -> dave (both inside): voice phone to phone," \
    "$_fw bytes at the firewall"

# The phones quit while the relays still run: alice unregisters.
tb_stop dave
tb_stop carol
tb_stop bob
tb_stop alice 5
tb_wait_log hras 'alice@corp\.example unregistered' 2
echo "ok: alice unregistered on quitting"
