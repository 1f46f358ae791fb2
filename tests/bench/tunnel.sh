#!/bin/sh
# The tunnel benchmark: round trips of G.711-sized datagrams through both
# Half Relay Agents on loopback, side by side in one run with direct UDP
# (no relay) as the floor, in the tunnel's stream and poll modes.
#
#   udptool rtt --> hrac hook --> tunnel --> hras hook --> udptool echo
#       ^                                                      |
#       +------- hrac hook <-- tunnel <-- hras hook <----------+
#
# A round-trip stream at R datagrams/s puts R/s on each direction of the
# tunnel: N G.711 calls (50 pps each way) are R = N x 50.  For every load
# it prints the achieved rate, loss, RTT p50/p99, the one-way delay the two
# relays add ((tunnel RTT - direct RTT) / 2), ratios to the direct RTT and
# the CPU time (utime + stime) hrac and hras spent per relayed datagram.
#
# Environment (defaults in brackets):
#   BENCH_SECONDS      seconds per load [10]
#   BENCH_LOADS        loads in concurrent calls [1 100 200 1000]
#   BENCH_MAX_RATE     datagrams/s offered in the max-throughput run [200000]
#   BENCH_MAX_SECONDS  seconds of the max-throughput run [3]
#   BENCH_SIZE         datagram size, bytes [172: 160 of G.711 + RTP header]
#   BENCH_DRAIN_MS     how long to wait for echoes after the last send [1000]
#   BENCH_PORT         first of the 41 loopback ports used [from our PID]
#   BENCH_WRITE=1      also rewrite the results in docs/performance.md
#   BENCH_KEEP=1       keep the temporary directory (configs, logs)
set -u

. "$(dirname "$0")/../lib/bench.sh"

VOFW_ROOT=${VOFW_ROOT:-$(cd "$(dirname "$0")/../.." && pwd -P)} || exit 1
VOFW_BIN=${VOFW_BIN:-$VOFW_ROOT/build/bin}
VOFW_TOOLS=${VOFW_TOOLS:-$(dirname "$VOFW_BIN")/tools}
HRAC=$VOFW_BIN/hrac
HRAS=$VOFW_BIN/hras
UDPTOOL=$VOFW_TOOLS/udptool

SECONDS_PER_LOAD=${BENCH_SECONDS:-10}
LOADS=${BENCH_LOADS:-1 100 200 1000}
MAX_RATE=${BENCH_MAX_RATE:-200000}
MAX_SECONDS=${BENCH_MAX_SECONDS:-3}
# A client secret of this run, as an administrator makes one.
BENCH_SECRET=$(openssl rand -base64 32)
SIZE=${BENCH_SIZE:-172}
DRAIN_MS=${BENCH_DRAIN_MS:-1000}
# Below the usual ephemeral range, spread by PID so parallel runs differ.
PORT=${BENCH_PORT:-$((22000 + ($$ % 200) * 50))}
LO=127.0.0.1
HZ=$(getconf CLK_TCK)
DOC=$VOFW_ROOT/docs/performance.md

BT=$(mktemp -d "${TMPDIR:-/tmp}/vofw-bench.XXXXXX") || exit 1
PIDS=

# --- processes: started here, recorded by PID, stopped only by PID --------

# bt_start NAME CMD...: run CMD in the background, logging to $BT/NAME.log;
# record its PID and start time (so that a recycled PID is never killed).
bt_start() {
	_n=$1
	shift
	"$@" >"$BT/$_n.log" 2>&1 &
	echo $! >"$BT/$_n.pid"
	bt_field $! 20 >"$BT/$_n.start"
	# Newest first, so that cleanup stops hrac before its hras.
	PIDS="$_n $PIDS"
}

# bt_field PID N: field N of /proc/PID/stat counted after the command name
# (1 is the state, 12 utime, 13 stime, 20 the start time), or nothing.
bt_field() {
	sed -n 's/^.*) //p' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f"$2"
}

# bt_alive NAME: true while the process recorded for NAME still runs.
bt_alive() {
	[ -f "$BT/$1.pid" ] || return 1
	_p=$(cat "$BT/$1.pid")
	_s=$(bt_field "$_p" 1)
	[ -n "$_s" ] && [ "$_s" != Z ] &&
	    [ "$(bt_field "$_p" 20)" = "$(cat "$BT/$1.start")" ]
}

# bt_stop NAME: SIGTERM, then SIGKILL after 3 s, the process of NAME.
# shellcheck disable=SC2317  # bt_stop and bt_cleanup run from the trap
bt_stop() {
	bt_alive "$1" || return 0
	_p=$(cat "$BT/$1.pid")
	kill "$_p" 2>/dev/null
	_i=0
	while bt_alive "$1" && [ "$_i" -lt 30 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	bt_alive "$1" && kill -9 "$_p" 2>/dev/null
	wait "$_p" 2>/dev/null
	return 0
}

# bt_cpu NAME: utime + stime of NAME's process, in clock ticks.
bt_cpu() {
	_p=$(cat "$BT/$1.pid")
	bt_field "$_p" 12-13 | awk '{ print $1 + $2 }'
}

# bt_cleanup: the EXIT trap; stop what we started, remove $BT.
# shellcheck disable=SC2317
bt_cleanup() {
	for _n in $PIDS; do
		bt_stop "$_n"
	done
	PIDS=
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		echo "tunnel: kept $BT" >&2
	else
		rm -rf "$BT"
	fi
}

# bt_fail MSG: print MSG and the tail of every log of this run, exit 1.
bt_fail() {
	echo "tunnel: FAIL: $*" >&2
	for _l in "$BT"/*.log; do
		[ -s "$_l" ] || continue
		echo "---- $(basename "$_l") (last 20 lines) ----" >&2
		tail -n 20 "$_l" >&2
	done
	exit 1
}

trap 'bt_cleanup' EXIT
trap 'trap - INT TERM; echo "tunnel: interrupted" >&2; exit 130' INT TERM

# --- the two pairs of daemons -------------------------------------------------

# bt_pair NAME MODE OFFSET: write configs for a hras/hrac pair whose tunnel
# runs in MODE on ports PORT+OFFSET.., start it and its echo server.
# hrac hook: listen +3, forward +4 (rtt binds there); hras hook: listen +5,
# forward +6 (the echo).
bt_pair() {
	_b=$((PORT + $3))
	cat >"$BT/$1-hras.conf" <<EOF
domains = [ "bench.example" ];
sip = { address = "$LO"; port = $((_b + 1)); };
media = { address = "$LO"; port_min = $((_b + 8)); port_max = $((_b + 11)); };
tunnel = { address = "$LO"; port = $_b; };
clients = ( { id = "bench"; secret = "$BENCH_SECRET";
    domains = [ "bench.example" ]; } );
hook = { listen = { address = "$LO"; port = $((_b + 5)); };
    forward = { address = "$LO"; port = $((_b + 6)); }; };
EOF
	cat >"$BT/$1-hrac.conf" <<EOF
id = "bench";
secret = "$BENCH_SECRET";
server = "http://$LO:$_b/";
tunnel = { mode = "$2"; };
sip = { address = "$LO"; port = $((_b + 2)); };
media = { address = "$LO"; port_min = $((_b + 12)); port_max = $((_b + 15)); };
hook = { listen = { address = "$LO"; port = $((_b + 3)); };
    forward = { address = "$LO"; port = $((_b + 4)); }; };
EOF
	bt_start "$1-echo" "$UDPTOOL" echo "$LO" $((_b + 6))
	bt_start "$1-hras" "$HRAS" -f "$BT/$1-hras.conf"
	bt_start "$1-hrac" "$HRAC" -f "$BT/$1-hrac.conf"
}

# bt_wait_up NAME MODE: wait (10 s at most) until NAME's hrac reports its
# tunnel up, then until a short stream crosses it without loss (5 tries).
bt_wait_up() {
	_i=0
	until grep -q "tunnel up ($2 mode)" "$BT/$1-hrac.log" 2>/dev/null; do
		bt_alive "$1-hras" || bt_fail "$1: hras exited"
		bt_alive "$1-hrac" || bt_fail "$1: hrac exited"
		[ "$_i" -lt 100 ] || bt_fail "$1: no tunnel up in 10 s"
		sleep 0.1
		_i=$((_i + 1))
	done
	_b=$(bt_base "$1")
	for _i in 1 2 3 4 5; do
		_r=$(timeout 10 "$UDPTOOL" rtt -s "$LO" -p $((_b + 4)) \
		    "$LO" $((_b + 3)) 50 500 "$SIZE" 1000) || true
		case $_r in *" loss_pct 0.000 "*) return 0 ;; esac
		sleep 0.5
	done
	bt_fail "$1: warm-up stream lost datagrams: $_r"
}

# bt_base PAIR: the first port of PAIR (its tunnel listener).
bt_base() {
	case $1 in
	stream) echo $((PORT + 0)) ;;
	poll) echo $((PORT + 20)) ;;
	esac
}

# bt_quiet PAIR: wait (15 s at most) until PAIR's daemons stop using CPU,
# so that a backlog left by one run does not load the next.
bt_quiet() {
	_last=-1
	_i=0
	while [ "$_i" -lt 50 ]; do
		_now=$(($(bt_cpu "$1-hrac") + $(bt_cpu "$1-hras")))
		[ "$_now" = "$_last" ] && return 0
		_last=$_now
		sleep 0.3
		_i=$((_i + 1))
	done
	echo "tunnel: $1 still busy after 15 s" >&2
}

# --- one measurement -----------------------------------------------------------

# bt_run LABEL CALLS RATE SECONDS PATH: one rtt stream; append a row
# "label calls path sent received loss p50 p99 max pps hrac_us hras_us"
# to $BT/rows (CPU figures "-" for the direct path).
bt_run() {
	_count=$(($3 * $4))
	# Bound even a sender that cannot keep the pace: 4x, plus the drain.
	_limit=$(($4 * 4 + DRAIN_MS / 1000 + 10))
	if [ "$5" = direct ]; then
		_dst=$((PORT + 40))
		_src=
	else
		_b=$(bt_base "$5")
		_dst=$((_b + 3))
		_src="-s $LO -p $((_b + 4))"
		bt_alive "$5-hrac" || bt_fail "$5: hrac died before '$1'"
		bt_alive "$5-hras" || bt_fail "$5: hras died before '$1'"
		_c0=$(bt_cpu "$5-hrac")
		_s0=$(bt_cpu "$5-hras")
	fi
	# shellcheck disable=SC2086
	_r=$(timeout "$_limit" "$UDPTOOL" rtt $_src "$LO" "$_dst" "$_count" \
	    "$3" "$SIZE" "$DRAIN_MS") || bt_fail "$5 '$1': rtt failed: $_r"
	if [ "$5" = direct ]; then
		_cpu="- -"
	else
		bt_alive "$5-hrac" || bt_fail "$5: hrac died during '$1'"
		bt_alive "$5-hras" || bt_fail "$5: hras died during '$1'"
		_c1=$(bt_cpu "$5-hrac")
		_s1=$(bt_cpu "$5-hras")
		bt_quiet "$5"
		# Each delivered round trip crossed each daemon twice.
		_cpu=$(echo "$_r" | awk -v hz="$HZ" -v c="$((_c1 - _c0))" \
		    -v s="$((_s1 - _s0))" '{
			n = 2 * $4
			if (n == 0) { print "- -"; exit }
			printf "%.1f %.1f\n", c / hz * 1e6 / n, s / hz * 1e6 / n
		}')
	fi
	# sent N received M loss_pct X p50_us A p99_us B max_us C pps D
	echo "$_r" | awk -v l="$1" -v n="$2" -v p="$5" -v cpu="$_cpu" '{
		printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l, n, p,
		    $2, $4, $6, $8, $10, $12, $14, cpu
	}' >>"$BT/rows"
	printf '  %-10s %-6s %s  cpu hrac/hras us/dgram %s\n' "$1" "$5" \
	    "$_r" "$_cpu" >&2
}

# --- the report ----------------------------------------------------------------

# bt_table: the markdown table of $BT/rows, ratios against the direct row
# of the same load.
bt_table() {
	awk -F'\t' '
	function f(x, d) { return sprintf("%." d "f", x) }
	{
		key = $1; path[NR] = $3; load[NR] = key; calls[NR] = $2
		sent[NR] = $4; recv[NR] = $5; loss[NR] = $6; p50[NR] = $7
		p99[NR] = $8; mx[NR] = $9; pps[NR] = $10
		split($11, cpu, " "); hc[NR] = cpu[1]; sc[NR] = cpu[2]
		if ($3 == "direct") { d50[key] = $7; d99[key] = $8 }
	}
	END {
		print "| load | path | sent pps | delivered pps | loss % " \
		    "| RTT p50 µs | RTT p99 µs | RTT max µs " \
		    "| added one-way p50 µs | added one-way p99 µs " \
		    "| RTT p50 × direct | RTT p99 × direct " \
		    "| hrac µs CPU/dgram | hras µs CPU/dgram |"
		print "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
		for (i = 1; i <= NR; i++) {
			k = load[i]
			lbl = (calls[i] == "max") ? "max" : calls[i] \
			    (calls[i] == 1 ? " call" : " calls")
			dl = (sent[i] > 0) ? recv[i] * pps[i] / sent[i] : 0
			# Overloaded, the floor is no floor: no ratios.
			if (calls[i] == "max") {
				a50 = a99 = r50 = r99 = "n/a"
			} else if (path[i] == "direct" || !(k in d50)) {
				a50 = a99 = r50 = r99 = "–"
			} else {
				a50 = f((p50[i] - d50[k]) / 2, 0)
				a99 = f((p99[i] - d99[k]) / 2, 0)
				r50 = (d50[k] > 0) ? f(p50[i] / d50[k], 1) : "–"
				r99 = (d99[k] > 0) ? f(p99[i] / d99[k], 1) : "–"
			}
			if (path[i] == "direct" && calls[i] != "max")
				r50 = r99 = "1.0"
			printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | " \
			    "%s | %s | %s | %s | %s |\n", lbl, path[i],
			    f(pps[i], 0), f(dl, 0), f(loss[i], 3), f(p50[i], 0),
			    f(p99[i], 0), f(mx[i], 0), a50, a99, r50, r99,
			    (hc[i] == "-" ? "–" : hc[i]),
			    (sc[i] == "-" ? "–" : sc[i])
		}
	}' "$BT/rows"
}

# bt_targets: product.md targets as figures of this run.
bt_targets() {
	awk -F'\t' '
	$3 == "direct" { d50[$2] = $7; d99[$2] = $8; next }
	$2 == 200 {
		a50 = ($7 - d50[200]) / 2; a99 = ($8 - d99[200]) / 2
		printf "- 200 calls, %s: added one-way delay p50 %.0f µs " \
		    "(target ≤ 200: %s), p99 %.0f µs (target ≤ 1000: %s)\n",
		    $3, a50, (a50 <= 200 ? "met" : "NOT met"), a99,
		    (a99 <= 1000 ? "met" : "NOT met")
	}
	$2 == 1000 {
		printf "- 1000 calls (50,000 pps each way), %s: loss %.3f %% " \
		    "(target < 0.1 %%: %s)\n", $3, $6,
		    ($6 < 0.1 ? "met" : "NOT met")
	}' "$BT/rows"
}

# --- main ---------------------------------------------------------------------------

for f in "$HRAC" "$HRAS" "$UDPTOOL"; do
	[ -x "$f" ] || bt_fail "$f missing (make all tools)"
done

# Other work on the machine skews every figure: say how busy it was.
BUSY=$(bench_busy)
CPU_MARK=$(head -n 1 /proc/stat)
case $BUSY in
[0-9] | 1[0-9]) ;;
*) echo "tunnel: warning: the machine is ${BUSY} % busy before we start;" \
    "the figures will be skewed" >&2 ;;
esac
echo "tunnel: ports $PORT..$((PORT + 40)) on $LO, $SECONDS_PER_LOAD s per" \
    "load, loads: $LOADS calls + max $MAX_RATE pps for $MAX_SECONDS s" >&2
bt_start direct-echo "$UDPTOOL" echo "$LO" $((PORT + 40))
bt_pair stream stream 0
bt_pair poll poll 20
bt_wait_up stream stream
bt_wait_up poll poll
: >"$BT/rows"

# Interleaved per load, so that the floor is measured next to the tunnel;
# the overload run goes last, its backlog cannot spill into another run.
for n in $LOADS; do
	for path in direct stream poll; do
		bt_run "$n" "$n" $((n * 50)) "$SECONDS_PER_LOAD" "$path"
	done
done
for path in direct stream poll; do
	bt_run max max "$MAX_RATE" "$MAX_SECONDS" "$path"
done

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
STEAL=$(bench_steal "$CPU_MARK")
bench_steal_warn tunnel "$STEAL"
cmd="make bench"
[ "${BENCH_WRITE:-0}" = 1 ] && cmd="BENCH_WRITE=1 make bench"
for v in BENCH_SECONDS BENCH_LOADS BENCH_MAX_RATE BENCH_MAX_SECONDS \
    BENCH_SIZE BENCH_DRAIN_MS; do
	eval "val=\${$v:-}"
	# shellcheck disable=SC2154
	[ -n "$val" ] && cmd="$v='$val' $cmd"
done
{
	echo "Run: \`$cmd\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc)" \
	    "CPUs ($cpu), $(uname -r), CPUs $BUSY % busy with other work" \
	    "just before, $STEAL % of their time taken by the hypervisor" \
	    "(steal) during the run;" \
	    "$SIZE-byte datagrams," \
	    "$SECONDS_PER_LOAD s per load, max run $MAX_RATE pps offered for" \
	    "$MAX_SECONDS s; echoes later than $DRAIN_MS ms after the last" \
	    "send count as lost."
	echo
	bt_table
	echo
	bt_targets
} >"$BT/report"
cat "$BT/report"
if [ "${BENCH_WRITE:-0}" = 1 ]; then
	bench_write_doc "$DOC" tunnel "$BT/report" ||
	    bt_fail "the results could not be written"
fi
exit 0
