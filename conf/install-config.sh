#!/bin/sh
# `make install`'s last step: the user vofw and the configuration files.
#
#   sh conf/install-config.sh DESTDIR SYSCONFDIR SYSUSERS_FILE CONF...
#
# When DESTDIR is empty (this machine) or a system's root (it has
# etc/passwd), creates vofw there (systemd-sysusers, else useradd) and
# installs each CONF absent from DESTDIR/SYSCONFDIR as root:vofw 0640.
# A file already there is never touched: it is the sysadmin's. In a bare
# staging directory the files are installed root-owned, 0640, and the
# package's scripts set the group.
set -eu

destdir=$1 sysconfdir=$2 sysusers=$3
shift 3

gid=
if [ -z "$destdir" ] || [ -f "$destdir/etc/passwd" ]; then
	if ! grep -q '^vofw:' "$destdir/etc/group" 2>/dev/null; then
		echo "install: creating the system user vofw"
		if command -v systemd-sysusers >/dev/null 2>&1; then
			systemd-sysusers ${destdir:+--root="$destdir"} \
			    "$sysusers"
		else
			useradd ${destdir:+--prefix "$destdir"} --system \
			    --user-group --no-create-home \
			    --home-dir /nonexistent \
			    --shell /usr/sbin/nologin vofw
		fi
	fi
	gid=$(awk -F: '$1 == "vofw" { print $3 }' "$destdir/etc/group")
	[ -n "$gid" ] || { echo "install: no group vofw" >&2; exit 1; }
fi

for f in "$@"; do
	dst=$destdir$sysconfdir/$(basename "$f")
	if [ -e "$dst" ]; then
		echo "install: keeping $dst"
		continue
	fi
	install -m 640 "$f" "$dst"
	if [ -n "$gid" ]; then
		chown "0:$gid" "$dst"
	fi
done
