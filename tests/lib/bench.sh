# shellcheck shell=sh
# Helpers the benchmarks share (tests/bench/*.sh).  The log helpers read
# $TB_DIR/NAME.log and wait with tests/lib/testbed.sh's tb_running and
# tb_stop, so that file is sourced first where they are used.

# bench_since NAME FIRST: NAME's log from line FIRST + 1 on.
bench_since() {
	tail -n "+$(($2 + 1))" "$TB_DIR/$1.log"
}

# bench_count_since NAME FIRST REGEX: lines of NAME's log after line
# FIRST that match the extended REGEX.
bench_count_since() {
	bench_since "$1" "$2" | grep -Ec -- "$3" || true
}

# bench_wait_exit NAME SECONDS: wait until the process started as NAME
# has exited; stop it (SIGTERM, then SIGKILL) and return 1 if it still
# runs after SECONDS.
bench_wait_exit() {
	_dl=$(_tb_deadline "$2")
	while tb_running "$1" && [ "$(_tb_now_ms)" -lt "$_dl" ]; do
		sleep 0.1
	done
	if tb_running "$1"; then
		tb_stop "$1"
		return 1
	fi
	tb_stop "$1"
}

# bench_busy: how busy all CPUs are over one second, in % (from
# /proc/stat).
bench_busy() {
	_a=$(head -n 1 /proc/stat)
	sleep 1
	_b=$(head -n 1 /proc/stat)
	printf '%s\n%s\n' "$_a" "$_b" | awk '{
		idle[NR] = $5 + $6; tot[NR] = 0
		for (i = 2; i <= NF; i++) tot[NR] += $i
	} END {
		t = tot[2] - tot[1]
		printf "%.0f\n", (t > 0 ? 100 * (1 - (idle[2] - idle[1]) / t) : 0)
	}'
}

# bench_steal MARK: the share of the CPUs' time the hypervisor gave to
# other machines (steal) since MARK, a first line of /proc/stat, in %.
# On a shared virtual machine that time is lost to whatever ran, so
# delays grow with it; 0 on bare metal.
bench_steal() {
	printf '%s\n%s\n' "$1" "$(head -n 1 /proc/stat)" | awk '{
		st[NR] = $9; tot[NR] = 0
		for (i = 2; i <= NF; i++) tot[NR] += $i
	} END {
		t = tot[2] - tot[1]
		printf "%.0f\n", (t > 0 ? 100 * (st[2] - st[1]) / t : 0)
	}'
}

# bench_steal_warn NAME STEAL: on stderr, when the hypervisor took 5 % or
# more of the CPUs during the run.
bench_steal_warn() {
	[ "$2" -lt 5 ] ||
	    echo "$1: warning: the hypervisor took $2 % of the CPUs" \
	    "during the run (steal): delays are skewed" >&2
}

# bench_relay_calls HRAS FIRST_S HRAC FIRST_C CIDS: each call's relay
# ports and phones, from the debug logs of hras (started as HRAS) and hrac
# after their lines FIRST_S and FIRST_C, HRAS_IP and HRAC_IP their
# addresses: a line per call both halves opened, "outside-ip outside-port
# hras-ip hras-port inside-ip inside-port hrac-ip hrac-port", in the order
# hras learnt the outside phones; their Call-IDs, in the same order, to
# the file CIDS.
bench_relay_calls() {
	{
		bench_since "$1" "$2" | sed 's/^/S /'
		bench_since "$3" "$4" | sed 's/^/C /'
	} | awk -v hs="$HRAS_IP" -v hc="$HRAC_IP" -v cid="$5" '
	/ info: call .*\(flows [0-9a-f]+\)$/ {
		c = $5; sub(/:$/, "", c); f = $NF; sub(/\)$/, "", f)
		if ($1 == "S") call[f] = c
		next
	}
	/ debug: media flow [0-9a-f]+ open on port / {
		port[$1, $6] = $NF; next
	}
	/ debug: media flow [0-9a-f]+ peer / {
		split($8, a, ":"); split(a[2], p, "/")
		ip[$1, $6] = a[1]; pp[$1, $6] = p[1]
		if ($1 == "S") order[++n] = $6
	}
	END {
		printf "" > cid
		for (i = 1; i <= n; i++) {
			f = order[i]
			if (!(("C", f) in pp) || !(("S", f) in port))
				continue
			printf "%s %s %s %s %s %s %s %s\n", ip["S", f],
			    pp["S", f], hs, port["S", f], ip["C", f],
			    pp["C", f], hc, port["C", f]
			print call[f] > cid
		}
	}'
}

# bench_write_doc FILE BLOCK REPORT: replace what lies between FILE's
# markers <!-- bench:BLOCK:begin --> and <!-- bench:BLOCK:end --> with
# the file REPORT (FILE is rewritten in place, through REPORT.doc); 1,
# with the reason on stderr, when FILE lacks the markers or cannot be
# rewritten.
bench_write_doc() {
	if ! grep -q "^<!-- bench:$2:begin -->" "$1" ||
	    ! grep -q "^<!-- bench:$2:end -->" "$1"; then
		echo "$1 lacks the bench:$2 markers" >&2
		return 1
	fi
	awk -v res="$3" -v b="$2" '
	$0 == "<!-- bench:" b ":begin -->" {
		print
		while ((getline l < res) > 0)
			print l
		skip = 1
		next
	}
	$0 == "<!-- bench:" b ":end -->" { skip = 0 }
	!skip { print }
	' "$1" >"$3.doc" || { echo "cannot rewrite $1" >&2; return 1; }
	cat "$3.doc" >"$1" || { echo "cannot rewrite $1" >&2; return 1; }
	rm -f "$3.doc"
	echo "results written to $1 (bench:$2)" >&2
}

# bench_hangup IP PORT RATE CIDS CMD...: hang up the calls whose Call-IDs
# the file CIDS lists, RATE a second: a NOTIFY for each to the sipp
# phone at IP:PORT (the benchmarks' scenarios answer it with BYE), sent
# by perl run through CMD (the phone's namespace, a timeout).
bench_hangup() {
	_ip=$1 _port=$2 _rate=$3 _cids=$4
	shift 4
	# shellcheck disable=SC2016  # perl's variables
	"$@" perl -MSocket -e '
	my ($ip, $port, $rate) = @ARGV;
	socket(my $s, PF_INET, SOCK_DGRAM, 0) or die "socket: $!";
	my $to = sockaddr_in($port, inet_aton($ip));
	my $n = 0;
	while (my $cid = <STDIN>) {
		chomp $cid;
		my $m = "NOTIFY sip:bench\@$ip:$port SIP/2.0\r\n" .
		    "Via: SIP/2.0/UDP $ip:9;branch=z9hG4bK-hangup-$n\r\n" .
		    "From: <sip:bench\@$ip>;tag=hangup\r\n" .
		    "To: <sip:bench\@$ip>\r\nCall-ID: $cid\r\n" .
		    "CSeq: 1 NOTIFY\r\nMax-Forwards: 70\r\n" .
		    "Content-Length: 0\r\n\r\n";
		defined(send($s, $m, 0, $to)) or die "send: $!";
		$n++;
		select(undef, undef, undef, 1 / $rate);
	}' "$_ip" "$_port" "$_rate" <"$_cids"
}

# bench_fw_rule add|del TAG A B PORTS: in the testbed, let UDP to ports
# PORTS between the addresses A and B (both ways) through the firewall,
# as the rule commented "bench TAG"; del removes every such rule. 1 when
# the rule could not be added.
bench_fw_rule() {
	if [ "$1" = add ]; then
		tb_run_fw nft insert rule inet vofw forward \
		    ip saddr "{ $3, $4 }" ip daddr "{ $3, $4 }" \
		    udp dport "$5" accept comment "\"bench $2\""
		return
	fi
	tb_run_fw nft -a list chain inet vofw forward |
	    sed -n "s/.*\"bench $2\".*# handle \([0-9]*\).*/\1/p" |
	while read -r _h; do
		tb_run_fw nft delete rule inet vofw forward handle "$_h" ||
		    echo "bench: cannot delete firewall rule $_h" >&2
	done
}
