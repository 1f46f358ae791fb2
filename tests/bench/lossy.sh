#!/bin/sh
# The lossy-path benchmark: voice between a WAN phone and a LAN phone when
# the firewall's uplink is distant and loses packets, through VoFW (the
# tunnel through Squid), through SoftEther VPN via the same Squid (the
# paper's peer, tests/lib/softether.sh) and, as the floor, straight across
# the same impaired firewall (direct UDP through a temporary accept rule).
#
#   WAN phone --> hras --> tunnel (TCP, Squid in FW) --> hrac --> LAN phone
#   (rtpbench) <--     <--         ^                  <--     <-- (rtpbench)
#                                  |
#              FW's wan link: RTT/2 each way, LOSS each way (tb_impair)
#
#   WAN phone --> tap_se, vpnserver --> TCP (Squid CONNECT) --> vpnclient,
#   (rtpbench) <--                  <--                     <-- vpn_se: LAN
#                                                               phone on
#                                                               10.79.0.2
#
# The impairment is tb_impair (tests/lib/testbed.sh): every packet crossing
# the firewall's WAN link, either way, is dropped with the given
# probability (nftables numgen) and the rest held half the round trip
# (tests/tools/delayline, NFQUEUE).  Each path crosses that link once each
# way: direct UDP loses LOSS of each datagram's one crossing; the tunnel's
# TCP (Squid <-> hras) loses LOSS of its segments and of its ACKs and
# retransmits, and every voice datagram behind a lost segment waits for
# the retransmission (head-of-line blocking); SoftEther's TCP (Squid <->
# vpnserver) the same.
#
# The calls are real: sipp sets up N calls from a WAN phone to alice, a
# sipp UAS registered through hrac (as tests/bench/calls.sh does), each
# SDP naming one of rtpbench's sockets; rtpbench then plays both phones of
# every call, 50 G.711-sized datagrams/s each way, and times every
# datagram one way (one process, one clock, the kernel's receive
# timestamps).  The calls are set up once per load, before any loss, and
# carry every run of that load; each run's direct floor is measured next
# to it under the same impairment.  Real calls rather than the diagnostic
# hook (tests/bench/tunnel.sh): the hook carries one stream and measures
# round trips, where N calls and each direction's one-way delay are the
# point; rtpbench and the calls benchmark's sipp scenarios already exist,
# so the machinery is theirs.  SoftEther carries no calls (it is a VPN: the
# phones reach each other by address), so its path is the direct path's
# CALLFILE with the LAN phone on the VPN's address; vpnclient and vpnserver
# are started for each load on a clean link, like VoFW's calls, and stay up
# through every run of that load.  The vofw path has one lane
# (tunnel.lanes = 1).  The vofw2 path is VoFW with two lanes
# (tunnel.lanes = 2, tunnel.copies = "always": a second GET and POST carry
# every frame too), on the same calls: hrac is reloaded with two lanes
# before its run and with one after it.  The vofw2l path is the same with
# copies on loss (tunnel.copies = "on-loss", the shipped setting as is
# tunnel.lanes = 2): the second lane carries
# every frame for 60 s after either half saw its connections lose
# segments.  Both halves watch their connections whatever the lanes, so
# at the loss of a run after the first lossy one the halves have seen
# loss within the hold and vofw2l copies from its first datagram: the
# steady state of a link that keeps losing.  (When copies start, the
# first second or two cost what one lane would: t_lanes_loss shows the
# start.)
#
# Per run it reports lost %, late % (arrived more than 150 ms after it was
# sent: too late for a phone's jitter buffer), late + lost %, one-way
# p50/p99/max and the delay each path adds over the direct path at the
# same load and loss, and checks issue 14's goal for VoFW at 1 % loss:
# product.md's target (p99 <= 150 ms, late + lost <= 1.5 x the loss) and
# VoFW ahead of SoftEther (late + lost and p99 no worse than SoftEther's
# at the same load and loss).
#
# Environment (defaults in brackets):
#   BENCH_LOSSY_RTT_MS  round trip the impaired link adds [20]
#   BENCH_LOSSY_LOSS    loss per mille each way, 0 first (the reference)
#                       [0 5 10 20]
#   BENCH_LOSSY_CALLS   loads, in concurrent calls [1 10] (200 at most)
#   BENCH_LOSSY_PATHS   paths measured, each run in this order under each
#                       impairment [direct vofw vofw2l vofw2 softether;
#                       the same without softether where SoftEther is
#                       not installed, with a note]; vofw2 and vofw2l
#                       need vofw
#   BENCH_SECONDS       measured seconds per run [10]
#   BENCH_WRITE=1       also rewrite the results in docs/performance.md
#   BENCH_KEEP=1        keep the run's directory (configs, logs)
# Needs root, sipp, perl, Squid, nft and iptables-nft, SoftEther from
# `make deps-bench` for its path; processes are stopped by their PIDs only.
set -u

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/bench.sh"
. "$(dirname "$0")/../lib/softether.sh"

RTT=${BENCH_LOSSY_RTT_MS:-20}
LOSSES=${BENCH_LOSSY_LOSS:-0 5 10 20}
LOADS=${BENCH_LOSSY_CALLS:-1 10}
SE_INSTALLED=1
[ -x "$SE_SERVER" ] && [ -x "$SE_CLIENT" ] && [ -x "$SE_CMD" ] ||
    SE_INSTALLED=
if [ -n "$SE_INSTALLED" ]; then
	PATHS=${BENCH_LOSSY_PATHS:-direct vofw vofw2l vofw2 softether}
else
	PATHS=${BENCH_LOSSY_PATHS:-direct vofw vofw2l vofw2}
fi
SECS=${BENCH_SECONDS:-10}
WARM_MS=500
DRAIN_MS=1000	# later than this after the last send: lost
LATE_MS=150	# one way; later is late (ITU-T G.114's bound)
SIZE=172	# 160 bytes of G.711 + the RTP header
CPS=50		# calls set up (and hung up) per second
TARGET_LOSS=10	# per mille: the loss product.md's target is set at
# shellcheck disable=SC2034  # read by tb_down
TB_KEEP=${BENCH_KEEP:-0}
BENCH_SECRET=$(openssl rand -base64 32)
DOC=$VOFW_ROOT/docs/performance.md
SIPP_DIR=$VOFW_ROOT/tests/sipp
RTPBENCH=$VOFW_TOOLS/rtpbench

HRAS_IP=$TB_WAN_IP
HRAC_IP=$TB_LAN_IP
OUT_IP=198.51.100.15	# the WAN phone
IN_IP=10.77.0.3		# alice, in the LAN
PHONE_PORT=24000	# phone k's RTP port: PHONE_PORT + 2k, both sides
MAX_CALLS=200

# --- helpers -----------------------------------------------------------------

# lb_fail MSG: fail the benchmark, with the logs (tb_fail).
lb_fail() {
	tb_fail "lossy: $*"
}

# lb_note MSG: print MSG and keep it for the report.
lb_note() {
	echo "lossy: $*" >&2
	echo "- $*" >>"$TB_DIR/notes"
}

# --- VoFW: the relays and the calls -------------------------------------------

# lb_vofw_start: hras in WAN, hrac in LAN through Squid (shipped tunnel
# settings), alice registered through hrac.
lb_vofw_start() {
	# The direct runs leave the calls silent for a while: a long
	# media.timeout keeps them up.
	cat >"$TB_DIR/hras.conf" <<EOF || lb_fail "hras.conf"
domains = [ "corp.example" ];
sip = { address = "$HRAS_IP"; port = 5060; };
media = { address = "$HRAS_IP"; port_min = 20000; port_max = 23999;
    timeout = 600; streams_per_source = 1024; streams_per_client = 1024;
    calls_per_client = 1024; };
tunnel = { address = "$HRAS_IP"; port = 8080; };
clients = ( { id = "corp"; secret = "$BENCH_SECRET";
    domains = [ "corp.example" ]; } );
limits = { allow = [ "$OUT_IP" ]; };
EOF
	cat >"$TB_DIR/hrac.conf" <<EOF || lb_fail "hrac.conf"
id = "corp";
secret = "$BENCH_SECRET";
server = "http://$HRAS_IP:8080/";
proxy = "$TB_PROXY_URL";
sip = { address = "$HRAC_IP"; port = 5060; };
media = { address = "$HRAC_IP"; port_min = 20000; port_max = 23999;
    timeout = 600; };
tunnel = { lanes = 1; copies = "always"; };
control = { socket = "$TB_DIR/hrac.sock"; };
EOF
	tb_start hras "$TB_WAN" "$TB_HRAS" -d -f "$TB_DIR/hras.conf"
	tb_wait_log hras 'tunnel listening' 10
	tb_start hrac "$TB_LAN" "$TB_HRAC" -d -f "$TB_DIR/hrac.conf"
	tb_wait_log hrac 'tunnel up \(stream mode\)' 15
	tb_run_lan timeout 20 sipp -nostdin -sf "$SIPP_DIR/register.xml" \
	    -key domain corp.example -s alice -i "$IN_IP" -p 5070 -m 1 \
	    "$HRAC_IP:5060" >"$TB_DIR/register.log" 2>&1 ||
	    lb_fail "alice could not register through hrac"
}

# lb_lanes N COPIES: reload hrac with tunnel.lanes = N and tunnel.copies
# = COPIES and wait until it has N lanes open (the vofw2 and vofw2l
# paths' runs have two).
lb_lanes() {
	sed -i -e "s/lanes = [0-9];/lanes = $1;/" \
	    -e "s/copies = \"[a-z-]*\";/copies = \"$2\";/" \
	    "$TB_DIR/hrac.conf" || lb_fail "cannot edit hrac.conf"
	kill -HUP "$(cat "$TB_DIR/hrac.pid")" || lb_fail "cannot reload hrac"
	_ll=0
	until "$TB_HRAC" -f "$TB_DIR/hrac.conf" -c tunnel 2>/dev/null |
	    grep -q "^lanes: *$1 of $1,"; do
		_ll=$((_ll + 1))
		[ "$_ll" -lt 100 ] || lb_fail "hrac has not $1 lanes open" \
		    "10 s after its reload"
		sleep 0.1
	done
}

# lb_vofw_calls_up N HOLD_S: sipp calls alice N times from the WAN phone,
# each SDP naming phone k's port, the calls held HOLD_S at most; wait
# until both relays know the peers of N calls; write $TB_DIR/vofw.calls
# (rtpbench's CALLFILE: each call's phones and relay ports, from the
# relays' debug logs) and $TB_DIR/cids (the Call-IDs).
lb_vofw_calls_up() {
	awk -v n="$1" -v b="$PHONE_PORT" 'BEGIN {
		print "SEQUENTIAL"
		for (k = 0; k < n; k++) print b + 2 * k
	}' >"$TB_DIR/ports.csv"
	HRAS0=$(wc -l <"$TB_DIR/hras.log")
	HRAC0=$(wc -l <"$TB_DIR/hrac.log")
	UAS=uas-$1
	UAC=uac-$1
	tb_start "$UAS" "$TB_LAN" sipp -nostdin -timeout "$2" \
	    -sf "$SIPP_DIR/bench_uas.xml" -inf "$TB_DIR/ports.csv" \
	    -i "$IN_IP" -p 5070 -mi "$IN_IP" -m "$1" -trace_err \
	    -error_file "$TB_DIR/$UAS.err"
	sleep 0.3
	tb_start "$UAC" "$TB_WAN" sipp -nostdin -timeout "$2" \
	    -sf "$SIPP_DIR/bench_uac.xml" -inf "$TB_DIR/ports.csv" -s alice \
	    -i "$OUT_IP" -p 5080 -mi "$OUT_IP" -r "$CPS" -l "$1" -m "$1" \
	    -trace_err -error_file "$TB_DIR/$UAC.err" "$HRAS_IP:5060"
	_dl=$(_tb_deadline $((10 + 2 * $1 / CPS)))
	until [ "$(bench_count_since hras "$HRAS0" 'media flow .* peer ')" \
	    -ge "$1" ] && [ "$(bench_count_since hrac "$HRAC0" \
	    'media flow .* peer ')" -ge "$1" ]; do
		tb_running "$UAC" || break
		[ "$(_tb_now_ms)" -lt "$_dl" ] || break
		sleep 0.1
	done
	bench_relay_calls hras "$HRAS0" hrac "$HRAC0" "$TB_DIR/cids" \
	    >"$TB_DIR/vofw.calls"
	_up=$(wc -l <"$TB_DIR/vofw.calls")
	echo "  $1 calls: $_up up" >&2
	[ "$_up" -eq "$1" ] || lb_fail "only $_up of $1 calls set up"
}

# lb_vofw_calls_down N: hang every call up (a NOTIFY per Call-ID, sent
# straight to the WAN phone, makes it send BYE through both relays) and
# wait for both sipp to finish.
lb_vofw_calls_down() {
	bench_hangup "$OUT_IP" 5080 "$CPS" "$TB_DIR/cids" \
	    tb_run_wan timeout $((30 + 2 * $1 / CPS)) ||
	    lb_note "$1 calls: sending the hang-ups failed"
	bench_wait_exit "$UAC" $((15 + 2 * $1 / CPS)) ||
	    lb_note "$1 calls: the WAN phone (sipp) did not finish"
	bench_wait_exit "$UAS" 10 ||
	    lb_note "$1 calls: alice (sipp) did not finish"
}

# --- the direct path ----------------------------------------------------------

# lb_direct_rule add|del: let the phones' RTP through the firewall (and
# only theirs), routed across the same impaired link.
lb_direct_rule() {
	if [ "$1" = add ]; then
		bench_fw_rule add "lossy direct" "$OUT_IP" "$IN_IP" \
		    "$PHONE_PORT-32767" || lb_fail "nft insert"
		return 0
	fi
	bench_fw_rule del "lossy direct"
}

# lb_direct_calls N: rtpbench's CALLFILE for N calls, phone to phone.
lb_direct_calls() {
	awk -v n="$1" -v b="$PHONE_PORT" -v o="$OUT_IP" -v i="$IN_IP" 'BEGIN {
		for (k = 0; k < n; k++)
			printf "%s %d %s %d %s %d %s %d\n", o, b + 2 * k, i,
			    b + 2 * k, i, b + 2 * k, o, b + 2 * k
	}' >"$TB_DIR/direct.calls"
}

# --- SoftEther VPN through the same Squid -------------------------------------

# lb_se_calls N: rtpbench's CALLFILE for N calls through SoftEther: the
# direct path's phones and ports, the LAN phone on the VPN's address (what
# it sends from there takes the VPN; the WAN phone reaches it through
# vpnserver's tap device).
lb_se_calls() {
	awk -v n="$1" -v b="$PHONE_PORT" -v o="$OUT_IP" -v i="$(se_addr in)" \
	    -v to="$(se_addr out)" 'BEGIN {
		for (k = 0; k < n; k++)
			printf "%s %d %s %d %s %d %s %d\n", o, b + 2 * k, to,
			    b + 2 * k, i, b + 2 * k, o, b + 2 * k
	}' >"$TB_DIR/softether.calls"
}

# lb_se_alive WHEN: fail unless both SoftEther workers still run.
lb_se_alive() {
	for _n in $(se_names); do
		tb_running "$_n" || lb_fail "SoftEther's $_n died $1"
	done
}

# --- the paths: one set-up, measurement and teardown each ---------------------
#
# A path is a word of BENCH_LOSSY_PATHS with a case in each of the three
# functions below; the report takes its rows whatever their path.

# lb_path_up PATH N HOLD_S: make PATH ready to carry N calls for HOLD_S.
lb_path_up() {
	case $1 in
	direct) lb_direct_calls "$2" ;;
	vofw) lb_vofw_calls_up "$2" "$3" ;;
	vofw2 | vofw2l) ;;
	softether)
		se_start
		lb_se_calls "$2"
		;;
	*) lb_fail "unknown path '$1'" ;;
	esac
}

# lb_path_run PATH N LOSS: one measured run of PATH's N calls.
lb_path_run() {
	case $1 in
	direct)
		lb_direct_rule add
		lb_rtpbench "$1" "$2" "$3" "$TB_DIR/direct.calls"
		lb_direct_rule del
		;;
	vofw)
		tb_running hras || lb_fail "hras died"
		tb_running hrac || lb_fail "hrac died"
		lb_rtpbench "$1" "$2" "$3" "$TB_DIR/vofw.calls"
		;;
	vofw2 | vofw2l)
		lb_lanes 2 "$([ "$1" = vofw2 ] && echo always || echo on-loss)"
		lb_rtpbench "$1" "$2" "$3" "$TB_DIR/vofw.calls"
		lb_lanes 1 always
		tb_running hras || lb_fail "hras died"
		tb_running hrac || lb_fail "hrac died"
		;;
	softether)
		lb_se_alive "before $2 calls at $3 ‰"
		lb_rtpbench "$1" "$2" "$3" "$TB_DIR/softether.calls"
		lb_se_alive "during $2 calls at $3 ‰"
		;;
	esac
}

# lb_path_down PATH N: release what lb_path_up took.
lb_path_down() {
	case $1 in
	direct | vofw2 | vofw2l) ;;
	vofw) lb_vofw_calls_down "$2" ;;
	softether) se_stop ;;
	esac
}

# --- one measurement ----------------------------------------------------------

# lb_rtpbench PATH N LOSS CALLFILE: one rtpbench run; append a row to
# $TB_DIR/rows: "calls loss path sent lost% late% late+lost% p50 p99 max
# (µs, both directions) down_p99 up_p99 line_drops".
lb_rtpbench() {
	_d0=$(tb_impair_drops | awk '{ print $1 + $2 }')
	_r=$(timeout $((SECS + 40)) "$RTPBENCH" -S "$SECS" -W "$WARM_MS" \
	    -D "$DRAIN_MS" -z "$SIZE" -L "$LATE_MS" -o "$TB_WAN" \
	    -i "$TB_LAN" "$4") || lb_fail "$2 calls, $3 ‰, $1: rtpbench: $_r"
	_d1=$(tb_impair_drops | awk '{ print $1 + $2 }')
	echo "$_r" | sed "s/^/  $2 calls, $3 ‰, $1: /" >&2
	echo "$_r" | awk -v n="$2" -v l="$3" -v p="$1" -v dr="$((_d1 - _d0))" '
	$1 == "down" { d99 = $11 }
	$1 == "up" { u99 = $11 }
	$1 == "all" {
		sent = $3; loss = $7; p50 = $9; p99 = $11; mx = $13
		late = (sent > 0) ? 100 * $15 / sent : 0; ll = $17
	}
	END {
		printf "%s\t%s\t%s\t%s\t%s\t%.3f\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n",
		    n, l, p, sent, loss, late, ll, p50, p99, mx, d99, u99, dr
	}' >>"$TB_DIR/rows"
}

# --- the report ---------------------------------------------------------------

# lb_table: the markdown table of $TB_DIR/rows; each path's added delay
# is over the direct row of the same load and loss.
lb_table() {
	awk -F'\t' '
	function ms(x) { return sprintf("%.1f", x / 1000) }
	function label(p) {
		if (p == "vofw")
			return "vofw, 1 lane"
		if (p == "vofw2")
			return "vofw, 2 lanes"
		if (p == "vofw2l")
			return "vofw, 2 lanes on loss (shipped)"
		return p
	}
	{
		row[NR] = $0
		if ($3 == "direct") { d50[$1, $2] = $8; d99[$1, $2] = $9 }
	}
	END {
		print "| calls | loss each way % | path | datagrams sent " \
		    "| lost % | late % | late + lost % | one-way p50 ms " \
		    "| one-way p99 ms | one-way max ms | added p50 ms " \
		    "| added p99 ms | packets the link dropped |"
		print "|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
		for (i = 1; i <= NR; i++) {
			split(row[i], r, "\t")
			k = r[1] SUBSEP r[2]
			a50 = a99 = "–"
			if (r[3] != "direct" && (k in d50)) {
				a50 = ms(r[8] - d50[k])
				a99 = ms(r[9] - d99[k])
			}
			printf "| %s | %.1f | %s | %s | %.2f | %.2f | %.2f " \
			    "| %s | %s | %s | %s | %s | %s |\n", r[1],
			    r[2] / 10, label(r[3]), r[4], r[5], r[6], r[7], ms(r[8]),
			    ms(r[9]), ms(r[10]), a50, a99, r[13]
		}
	}' "$TB_DIR/rows"
}

# lb_targets: issue 14's goal for VoFW at 1 % loss, per load and for each
# VoFW path (one lane, two lanes on loss, two lanes): product.md's target (one-way p99 <= 150
# ms, late + lost <= 1.5 x the loss each way) and ahead of SoftEther
# (VoFW's late + lost and p99 no worse than SoftEther's at the same load
# and loss), met / NOT met each; then VoFW against SoftEther at every loss
# of the run.
lb_targets() {
	awk -F'\t' -v tl="$TARGET_LOSS" -v late="$LATE_MS" -v rtt="$RTT" '
	function pc(x) { return sprintf("%.2f", x) }
	function ms(x) { return sprintf("%.1f", x / 1000) }
	function ok(b) { return (b ? "met" : "NOT met") }
	# no_worse(C, L, P): VoFW path P no worse than SoftEther at both
	# figures, as printed (0.01 %, 0.1 ms), so a verdict never
	# contradicts its figures.
	function no_worse(c, l, p) {
		return pc(ll[c, l, p]) + 0 <= pc(ll[c, l, "softether"]) + 0 &&
		    ms(p99[c, l, p]) + 0 <= ms(p99[c, l, "softether"]) + 0
	}
	function calls(c) { return c " call" (c == 1 ? "" : "s") }
	BEGIN {
		vp[1] = "vofw"; vn["vofw"] = "VoFW with 1 lane"
		vp[2] = "vofw2l"
		vn["vofw2l"] = "VoFW as shipped (2 lanes, copies on loss)"
		vp[3] = "vofw2"; vn["vofw2"] = "VoFW with 2 lanes"
	}
	{
		k = $1 SUBSEP $2 SUBSEP $3
		have[k] = 1; ll[k] = $7; p99[k] = $9
		if (!($2 in seenl)) { seenl[$2] = 1; loss[++nl] = $2 }
		if ($3 == "vofw" && !($1 in seenc)) {
			seenc[$1] = 1; load[++nc] = $1
		}
	}
	END {
		lim = 1.5 * tl / 10
		if (!((tl) in seenl))
			print "- VoFW at " tl / 10 " % loss: not measured " \
			    "(BENCH_LOSSY_LOSS lacks " tl ")"
		for (i = 1; i <= nc; i++) for (q = 1; q <= 3; q++) {
			c = load[i]
			p = vp[q]
			v = c SUBSEP tl SUBSEP p
			se = c SUBSEP tl SUBSEP "softether"
			d = c SUBSEP tl SUBSEP "direct"
			if (!(v in have)) continue
			printf "- %s, %s, %s ms RTT, %.1f %% loss each " \
			    "way: one-way p99 %s ms (target ≤ %d: %s); " \
			    "late + lost %s %% (target ≤ 1.5 × %.1f %% = " \
			    "%s %%: %s; direct UDP: %s %%)\n", vn[p], calls(c),
			    rtt, tl / 10, ms(p99[v]), late,
			    ok(p99[v] / 1000 <= late), pc(ll[v]), tl / 10, pc(lim),
			    ok(ll[v] <= lim), (d in have ? pc(ll[d]) : "–")
			if (!(se in have)) {
				printf "- %s ahead of SoftEther VPN, %s, " \
				    "%.1f %% loss: SoftEther not measured, " \
				    "no verdict\n", vn[p], calls(c), tl / 10
				continue
			}
			printf "- %s ahead of SoftEther VPN, %s, %.1f %% " \
			    "loss each way: late + lost %s against %s %%, " \
			    "one-way p99 %s against %s ms (goal: no worse at " \
			    "both: %s); SoftEther itself: p99 ≤ %d ms %s, " \
			    "late + lost ≤ %s %% %s\n", vn[p], calls(c),
			    tl / 10, pc(ll[v]), pc(ll[se]), ms(p99[v]),
			    ms(p99[se]), ok(no_worse(c, tl, p)), late,
			    (p99[se] / 1000 <= late ? "yes" : "no"), pc(lim),
			    (ll[se] <= lim ? "yes" : "no")
		}
		for (i = 1; i <= nc; i++) for (q = 1; q <= 3; q++) {
			c = load[i]
			p = vp[q]
			line = ""
			for (j = 1; j <= nl; j++) {
				l = loss[j]
				v = c SUBSEP l SUBSEP p
				se = c SUBSEP l SUBSEP "softether"
				if (!(v in have) || !(se in have)) continue
				verdict = no_worse(c, l, p) ? "no worse" : "worse"
				line = line sprintf("%s %.1f %%: %s/%s %%, " \
				    "%s/%s ms, %s", (line == "" ? "" : ";"),
				    l / 10, pc(ll[v]), pc(ll[se]), ms(p99[v]),
				    ms(p99[se]), verdict)
			}
			if (line != "")
				printf "- %s/SoftEther VPN at every loss, %s " \
				    "(late + lost, one-way p99):%s\n", vn[p],
				    calls(c), line
		}
	}' "$TB_DIR/rows"
}

# --- main ---------------------------------------------------------------------

for f in "$TB_HRAC" "$TB_HRAS" "$RTPBENCH" "$TB_DELAYLINE"; do
	[ -x "$f" ] || { echo "lossy: $f missing (make all tools)" >&2; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "lossy: the testbed needs root" >&2; exit 1; }
for c in sipp perl squid nft iptables-nft; do
	command -v "$c" >/dev/null ||
	    { echo "lossy: $c missing (make deps)" >&2; exit 1; }
done
for v in "$RTT" $LOSSES $LOADS "$SECS"; do
	case $v in
	'' | *[!0-9]*) echo "lossy: '$v' is no number" >&2; exit 1 ;;
	esac
done
[ "$RTT" -le 2000 ] || { echo "lossy: RTT $RTT ms: 2000 at most" >&2; exit 1; }
for l in $LOSSES; do
	[ "$l" -le 1000 ] ||
	    { echo "lossy: loss $l ‰: 1000 at most" >&2; exit 1; }
done
for n in $LOADS; do
	if [ "$n" -lt 1 ] || [ "$n" -gt "$MAX_CALLS" ]; then
		echo "lossy: $n calls: not in 1..$MAX_CALLS" >&2
		exit 1
	fi
done
for p in $PATHS; do
	case $p in
	direct | vofw | vofw2 | vofw2l | softether) ;;
	*) echo "lossy: unknown path '$p'" >&2; exit 1 ;;
	esac
done
case " $PATHS " in
*" vofw2 "* | *" vofw2l "*)
	case " $PATHS " in
	*" vofw "*) ;;
	*) echo "lossy: vofw2 and vofw2l run on vofw's calls: list vofw" \
	       "too" >&2
	   exit 1 ;;
	esac
	;;
esac
if [ -z "$SE_INSTALLED" ]; then
	PATHS=$(echo "$PATHS" | tr ' ' '\n' | grep -vx softether | paste -sd' ')
	echo "lossy: SoftEther VPN is not installed ($SE_SERVER; make" \
	    "deps-bench installs it): its path is not measured" >&2
fi
[ -n "$PATHS" ] || { echo "lossy: no path left to measure" >&2; exit 1; }

BUSY=$(bench_busy)
CPU_MARK=$(head -n 1 /proc/stat)
case $BUSY in
[0-9] | 1[0-9]) ;;
*) echo "lossy: warning: the machine is ${BUSY} % busy before we start;" \
    "the figures will be skewed" >&2 ;;
esac
echo "lossy: $RTT ms RTT, loss $LOSSES ‰ each way, loads $LOADS calls," \
    "paths $PATHS, $SECS s per run" >&2

tb_up
: >"$TB_DIR/rows"
: >"$TB_DIR/notes"
[ -n "$SE_INSTALLED" ] || lb_note "SoftEther VPN is not installed" \
    "(make deps-bench): its path was not measured"
case " $PATHS " in
*" vofw "* | *" softether "*) tb_squid_start ;;
esac
case " $PATHS " in
*" vofw "*) lb_vofw_start ;;
esac
nloss=$(echo "$LOSSES" | wc -w)
npath=$(echo "$PATHS" | wc -w)
# Each call outlives every run of its load.
HOLD=$((nloss * npath * (SECS + 10) + 60))
for n in $LOADS; do
	for p in $PATHS; do
		lb_path_up "$p" "$n" "$HOLD"
	done
	# Interleaved: every path's run next to the others', same impairment.
	for l in $LOSSES; do
		tb_impair "$RTT" "$l"
		for p in $PATHS; do
			lb_path_run "$p" "$n" "$l"
		done
	done
	# The hang-ups and the next set-up on a clean link.
	tb_impair_clear
	for p in $PATHS; do
		lb_path_down "$p" "$n"
	done
done

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
STEAL=$(bench_steal "$CPU_MARK")
bench_steal_warn lossy "$STEAL"
cmd="make bench"
[ "${BENCH_WRITE:-0}" = 1 ] && cmd="BENCH_WRITE=1 make bench"
for v in BENCH BENCH_LOSSY_RTT_MS BENCH_LOSSY_LOSS BENCH_LOSSY_CALLS \
    BENCH_LOSSY_PATHS BENCH_SECONDS; do
	eval "val=\${$v:-}"
	# shellcheck disable=SC2154
	[ -n "$val" ] && cmd="$v='$val' $cmd"
done
{
	echo "Run: \`$cmd\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc)" \
	    "CPUs ($cpu), $(uname -r), CPUs $BUSY % busy with other work" \
	    "just before, $STEAL % of their time taken by the hypervisor" \
	    "(steal) during the run;" \
	    "the firewall's WAN link $RTT ms RTT ($((RTT / 2)) ms" \
	    "each way) and the given loss each way; $SIZE-byte datagrams at" \
	    "50/s per call each way, $WARM_MS ms unmeasured then $SECS s" \
	    "measured per run; late: more than $LATE_MS ms one way; later" \
	    "than $DRAIN_MS ms after the last send: lost."
	echo
	lb_table
	echo
	lb_targets
	cat "$TB_DIR/notes"
} >"$TB_DIR/report"
cat "$TB_DIR/report"
if [ "${BENCH_WRITE:-0}" = 1 ]; then
	bench_write_doc "$DOC" lossy "$TB_DIR/report" ||
	    lb_fail "the results could not be written"
fi
exit 0
