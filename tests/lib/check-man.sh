#!/bin/sh
# The man pages under docs/man/ against the code: `mandoc -T lint` finds
# nothing in any of them, every key of each half's configuration table
# (hrac/hrac_config.c, hras/hras_config.c and the shared CONFIG_KEYS_*
# macros of common/config.h they use) has its own ".It Ic key" entry in
# hrac.conf(5) or hras.conf(5), and every flag daemon_parse_args() takes
# is in hrac(8) and hras(8). So a key or flag added without its page
# fails `make check`.
#
#   sh tests/lib/check-man.sh          (from the top of the tree)
set -u

ROOT=$(cd "$(dirname "$0")/../.." && pwd -P) || exit 1
cd "$ROOT" || exit 1
fail=0

if ! command -v mandoc >/dev/null 2>&1; then
	echo "check-man: no mandoc (tests/lib/install-deps.sh installs it)" >&2
	exit 1
fi
for page in docs/man/*.[58]; do
	# -W warning: style notes are not errors; everything else is.
	if ! out=$(mandoc -T lint -W warning "$page" 2>&1) || [ -n "$out" ]
	then
		printf '%s\n' "$out"
		fail=1
	fi
done

# keys HALF: the dotted paths of every key in HALF's tables, one a line.
keys() {
	awk -v half="$1" '
	# Collect the shared macros of config.h: name -> body, one line.
	FNR == 1 { file++ }
	file == 1 {
		if (!inmac && $0 ~ /^#define CONFIG_KEYS_[A-Z_]+\(/) {
			name = $2; sub(/\(.*/, "", name)
			args = $0; sub(/^[^(]*\(/, "", args)
			sub(/\).*/, "", args); params[name] = args
			inmac = 1; body[name] = ""
		}
		if (inmac) {
			body[name] = body[name] " " $0
			if ($0 !~ /\\$/) inmac = 0
		}
		next
	}
	{ text = text " " $0 }
	# expand(s, side): the keys of a piece of source, macros included.
	function expand(s, side,    out, m, mname, marg, k, rest) {
		out = ""
		# "hook." #side ".port" -> "hook.listen.port"
		if (side != "") {
			gsub(/" #side "/, side, s)
			gsub(/" #side/, side "\"", s)
		}
		while (match(s, /CONFIG_KEYS_[A-Z_]+\([^)]*\)|CONFIG_KEY_[A-Z]+\("[^)]*|\.path = "[^"]*"/)) {
			m = substr(s, RSTART, RLENGTH)
			s = substr(s, RSTART + RLENGTH)
			if (m ~ /^CONFIG_KEYS_/) {
				mname = m; sub(/\(.*/, "", mname)
				marg = m; sub(/^[^,]*,[ \t]*/, "", marg)
				sub(/\)$/, "", marg)
				if (marg == m) marg = ""
				rest = body[mname]
				sub(/^[^)]*\)/, "", rest)
				out = out expand(rest, marg)
				continue
			}
			k = m; sub(/^[^"]*"/, "", k)
			sub(/".*/, "", k)
			out = out k "\n"
		}
		return out
	}
	END { printf "%s", expand(text, "") }
	' common/config.h "$1/$1_config.c" | sort -u
}

for half in hrac hras; do
	page=docs/man/$half.conf.5
	n=0
	for k in $(keys "$half"); do
		n=$((n + 1))
		if ! grep -Eq "^\.It Ic $(printf '%s' "$k" |
		    sed 's/\./\\./g')( |\$)" "$page"; then
			echo "check-man: $page lacks key $k" >&2
			fail=1
		fi
	done
	if [ "$n" -lt 20 ]; then
		echo "check-man: only $n keys found for $half: parser broken" >&2
		fail=1
	fi
	for flag in $(sed -n 's/.*getopt(argc, argv, "\([^"]*\)").*/\1/p' \
	    common/daemon.c | sed 's/://g; s/./& /g'); do
		if ! grep -q "^\.It Fl $flag" "docs/man/$half.8"; then
			echo "check-man: docs/man/$half.8 lacks flag -$flag" >&2
			fail=1
		fi
	done
done

[ "$fail" -eq 0 ] && echo "check-man: pages lint clean, every key and flag documented"
exit "$fail"
