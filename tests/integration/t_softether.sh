#!/bin/sh
# The benchmarks' SoftEther VPN path (tests/lib/softether.sh): vpnclient in
# LAN reaches vpnserver in WAN only through Squid's CONNECT, datagrams from
# the inside phone's VPN address reach an outside phone and back while the
# firewall still forwards nothing for the LAN, and se_stop leaves nothing:
# no process, interface, rule or file, in the run's directory or in the
# system's (Debian's binaries would write to /var/lib/softether, ...).
# Skipped where SoftEther is not installed (make deps-bench).
# timeout: 90
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/softether.sh"

if [ ! -x "$SE_SERVER" ] || [ ! -x "$SE_CLIENT" ] || [ ! -x "$SE_CMD" ]; then
	echo "SKIP: SoftEther VPN is not installed; make deps-bench installs it"
	exit 77
fi
sys_before=$(ls -d /var/lib/softether /var/log/softether /run/softether \
    2>/dev/null || true)

tb_up
tb_squid_start
se_start
[ "$(se_addr in)" = 10.77.0.2 ] && tb_fail "se_addr in is hrac's address"
# shellcheck disable=SC2046  # two PIDs
set -- $(se_pids)
[ $# -eq 2 ] || tb_fail "se_pids printed $# PIDs"
for pid; do
	[ -d "/proc/$pid" ] || tb_fail "se_pids: $pid does not run"
done
echo "ok: SoftEther up through Squid, workers $*"

# 200 datagrams each way between the inside phone's VPN address and an
# outside phone, with the forward chain's LAN drop counter unchanged.
tb_fw_reset
tb_start out-recv "$TB_WAN" "$TB_UDPTOOL" recv 198.51.100.15 7003 200 10000
tb_start in-recv "$TB_LAN" "$TB_UDPTOOL" recv "$(se_addr in)" 7001 200 10000
sleep 0.3
tb_run_lan "$TB_UDPTOOL" send -s "$(se_addr in)" 198.51.100.15 7003 200 \
    172 2000 >/dev/null || tb_fail "send inside -> outside"
tb_run_wan "$TB_UDPTOOL" send -s 198.51.100.15 "$(se_addr out)" 7001 200 \
    172 2000 >/dev/null || tb_fail "send outside -> inside"
tb_wait_log out-recv '^received' 12
tb_wait_log in-recv '^received' 12
grep -q '^received 200' "$TB_DIR/out-recv.log" ||
    tb_fail "outside phone: $(cat "$TB_DIR/out-recv.log")"
grep -q '^received 200' "$TB_DIR/in-recv.log" ||
    tb_fail "inside phone: $(cat "$TB_DIR/in-recv.log")"
echo "ok: 200 datagrams each way through the VPN"

dropped=$(tb_run_fw nft list chain inet vofw forward |
    sed -n 's/.*counter packets \([0-9]*\) .*"lan forward dropped".*/\1/p')
[ "${dropped:-0}" = 0 ] ||
    tb_fail "the firewall dropped $dropped forwarded LAN packets"
lan=$(tb_fw_lan_bytes both)
[ "$lan" -ge $((400 * 200)) ] ||
    tb_fail "only $lan bytes crossed the firewall's LAN side"
# Squid logs a CONNECT when it ends: look at its connections instead.
tb_run_fw ss -Htn state established "( dport = :$SE_PORT )" |
    grep -q "$TB_WAN_IP:$SE_PORT" ||
    tb_fail "Squid holds no connection to vpnserver's port $SE_PORT"
echo "ok: the voice crossed the firewall inside Squid's connections" \
    "($lan bytes), nothing forwarded"

se_stop
for pid; do
	if [ -d "/proc/$pid" ] &&
	    [ "$(_tb_proc_field "$pid" 1)" != Z ]; then
		tb_fail "worker $pid still runs after se_stop"
	fi
done
! ip -n "$TB_LAN" link show vpn_se >/dev/null 2>&1 ||
    tb_fail "vpn_se left in LAN"
! ip -n "$TB_WAN" link show tap_se >/dev/null 2>&1 ||
    tb_fail "tap_se left in WAN"
! ip -n "$TB_LAN" rule | grep -q "$SE_IN_IP" || tb_fail "policy rule left"
[ ! -e "$TB_DIR/softether" ] || tb_fail "$TB_DIR/softether left"
sys_after=$(ls -d /var/lib/softether /var/log/softether /run/softether \
    2>/dev/null || true)
[ "$sys_after" = "$sys_before" ] ||
    tb_fail "SoftEther wrote to the system: $sys_after"
echo "ok: se_stop left no process, interface, rule or file"

# And again: se_start after se_stop.
se_start
se_stop
echo "ok: SoftEther restarts after se_stop"
