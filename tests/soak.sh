#!/bin/sh
# Soak (`make soak`, not part of `make check`): both halves in the testbed
# for SOAK_MINUTES (default 60) under steady churn: outside phones keep
# SOAK_IN (default 40) calls to an inside phone going and the inside phone
# keeps SOAK_OUT (default 10) calls to an outside phone going, each call
# ~9 s of G.711 echoed back, set up and hung up continuously; meanwhile a
# trickle of malformed SIP reaches hras from an outsider and hrac from an
# inside address. Every minute it prints both daemons' resident memory and
# open descriptors; at the end the mean of the last samples must stay
# within SOAK_SLACK % (default 5) of the mean of the samples taken just
# after the first 5 minutes (the warm-up), for both figures of both
# daemons, and both daemons must still run.
#
#   VOFW_BIN=build/bin sh tests/soak.sh
#   SOAK_MINUTES=12 make soak            (a shorter run; 12 is the least
#                                         that still gives a verdict)
set -eu

. "$(dirname "$0")/lib/testbed.sh"
. "$(dirname "$0")/lib/vofw.sh"

MINUTES=${SOAK_MINUTES:-60}
IN_CALLS=${SOAK_IN:-40}
OUT_CALLS=${SOAK_OUT:-10}
SLACK=${SOAK_SLACK:-5}
WARMUP=5
S=$VOFW_ROOT/tests/sipp

# Samples from minute WARMUP on; the first and the last WINDOW of them are
# compared, so the run needs at least WARMUP + 2 * 3 + 1 minutes.
WINDOW=$(( (MINUTES - WARMUP) / 2 ))
[ "$WINDOW" -le 5 ] || WINDOW=5
[ "$WINDOW" -ge 3 ] || tb_fail "SOAK_MINUTES=$MINUTES: want at least 12"

CALLER=198.51.100.15		# outside phones calling in
BOB=198.51.100.14		# outside phone called from inside
BADOUT=198.51.100.13		# outsider sending malformed SIP
ALICE=10.77.0.3			# inside phone
BADIN=10.77.0.5			# inside address sending malformed SIP

echo "== soak: $MINUTES min, $IN_CALLS calls in and $OUT_CALLS out at a" \
    "time, malformed SIP trickling in"
tb_up
tb_squid_start
# The callers set up several calls a second: they are this hras's known
# peers, not the flood its per-source limit is there for.
vofw_hras_conf "$TB_DIR/hras.conf" "${SOAK_HRAS_EXTRA:-}"
vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" "$TB_PROXY_URL"
# Info level, not -d: an hour of debug lines is gigabytes.
ip netns exec "$TB_WAN" "$TB_HRAS" -n -f "$TB_DIR/hras.conf" >/dev/null ||
    tb_fail "hras rejects its config"
ip netns exec "$TB_LAN" "$TB_HRAC" -n -f "$TB_DIR/hrac.conf" >/dev/null ||
    tb_fail "hrac rejects its config"
tb_start hras "$TB_WAN" ${VOFW_WRAP:-} "$TB_HRAS" -f "$TB_DIR/hras.conf"
tb_wait_log hras 'tunnel listening' 10
tb_start hrac "$TB_LAN" ${VOFW_WRAP:-} "$TB_HRAC" -f "$TB_DIR/hrac.conf"
tb_wait_log hrac 'tunnel up' 20
HRAS_PID=$(tb_pid hras)
HRAC_PID=$(tb_pid hrac)

ln -s /usr/share/sip-tester "$TB_DIR/pcap"
cd "$TB_DIR"
vofw_register alice "$ALICE"

# The phones: alice and bob answer and echo; the callers keep their
# number of calls going (-l) for as long as the soak runs.
tb_start alice "$TB_LAN" sipp -nostdin -sn uas -rtp_echo -i "$ALICE" \
    -p 5070 -mi "$ALICE" -mp 16000
tb_start bob "$TB_WAN" sipp -nostdin -sn uas -rtp_echo -i "$BOB" \
    -p 5090 -mi "$BOB" -mp 18100
sleep 0.5
tb_start calls_in "$TB_WAN" sipp -nostdin -sn uac_pcap -s alice \
    -i "$CALLER" -p 5080 -mi "$CALLER" -mp 18000 -r 6 -l "$IN_CALLS" \
    -timeout_error -recv_timeout 20000 "$TB_WAN_IP:5060"
tb_start calls_out "$TB_LAN" sipp -nostdin -sn uac_pcap -s bob \
    -i "$ALICE" -p 5072 -mi "$ALICE" -mp 16100 -r 2 -l "$OUT_CALLS" \
    -recv_timeout 20000 -rsa "$TB_LAN_IP:5060" "$BOB:5090"
# One malformed request a second at each half, alternating kinds.
tb_start bad_out "$TB_WAN" sipp -nostdin -sf "$S/bad_request.xml" \
    -i "$BADOUT" -p 5099 -r 1 -recv_timeout 5000 "$TB_WAN_IP:5060"
tb_start bad_sdp "$TB_WAN" sipp -nostdin -sf "$S/bad_sdp.xml" -s alice \
    -i "$BADOUT" -p 5098 -r 1 -rp 2000 -recv_timeout 5000 \
    "$TB_WAN_IP:5060"
tb_start bad_in "$TB_LAN" sipp -nostdin -sf "$S/bad_request.xml" \
    -i "$BADIN" -p 5099 -r 1 -recv_timeout 5000 "$TB_LAN_IP:5060"

# sample PID: "RSS_KB FDS" of a running daemon.
sample() {
	_rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status") || return 1
	_fds=$(ls "/proc/$1/fd" | wc -l)
	echo "$_rss $_fds"
}

SAMPLES=$TB_DIR/samples
: >"$SAMPLES"
printf '%6s  %12s %9s  %12s %9s  %s\n' minute hras_rss_kb hras_fds \
    hrac_rss_kb hrac_fds calls_in/out
m=1
while [ "$m" -le "$MINUTES" ]; do
	sleep 60
	for n in hras hrac calls_in calls_out alice bob; do
		tb_running "$n" || tb_fail "minute $m: $n is no longer running"
	done
	a=$(sample "$HRAS_PID") || tb_fail "minute $m: hras is gone"
	c=$(sample "$HRAC_PID") || tb_fail "minute $m: hrac is gone"
	done_in=$(grep -c 'ended: BYE' hras.log || true)
	echo "$m $a $c" >>"$SAMPLES"
	# shellcheck disable=SC2086
	printf '%6d  %12d %9d  %12d %9d  %s\n' "$m" $a $c "$done_in"
	m=$((m + 1))
done

# Calls that failed count against the run: a soak that loses calls is no
# soak. sipp writes its totals when it is stopped.
for n in calls_in calls_out bad_out bad_sdp bad_in; do
	tb_stop "$n"
done
ok_in=$(grep -E '^  Successful call' calls_in.log | tail -1 | awk '{print $NF}')
bad_in=$(grep -E '^  Failed call' calls_in.log | tail -1 | awk '{print $NF}')
ok_out=$(grep -E '^  Successful call' calls_out.log | tail -1 | awk '{print $NF}')
bad_outc=$(grep -E '^  Failed call' calls_out.log | tail -1 | awk '{print $NF}')
echo "calls in: ${ok_in:-?} completed, ${bad_in:-?} failed;" \
    "calls out: ${ok_out:-?} completed, ${bad_outc:-?} failed"

verdict=$(awk -v w="$WINDOW" -v from="$WARMUP" -v slack="$SLACK" '
	$1 >= from { n++; for (i = 2; i <= 5; i++) v[n, i] = $i }
	END {
		split("hras_rss hras_fds hrac_rss hrac_fds", name, " ")
		bad = 0
		for (i = 2; i <= 5; i++) {
			a = b = 0
			for (k = 1; k <= w; k++) {
				a += v[k, i]
				b += v[n - w + k, i]
			}
			a /= w; b /= w
			r = a > 0 ? b / a : 0
			printf "%s: %.0f after warm-up, %.0f at the end (x%.3f)\n",
			    name[i - 1], a, b, r
			if (r > 1 + slack / 100 || r < 1 - slack / 100)
				bad = 1
		}
		print bad ? "NOT FLAT" : "FLAT"
	}' "$SAMPLES")
echo "$verdict"
case $verdict in
*"NOT FLAT"*) tb_fail "resident memory or descriptors not flat within" \
    "$SLACK %" ;;
esac
[ "${bad_in:-1}" = 0 ] && [ "${bad_outc:-1}" = 0 ] ||
    tb_fail "calls failed during the soak"
echo "soak: passed"
