#!/bin/sh
# hras admits only configured clients: a wrong secret is refused with a
# clear message in hrac's log and no tunnel; a captured admission or tunnel
# request cannot be replayed. The requests are made here by hand (curl and
# openssl) exactly as hrac makes them, so that they can be replayed.
# timeout: 90
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

tb_up
vofw_hras_conf "$TB_DIR/hras.conf"
vofw_start_hras
URL=http://$TB_WAN_IP:8080/vofw/v1

# (1) hrac with a wrong secret: refused, said clearly, retried, never up.
tb_squid_start
vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" "$TB_PROXY_URL" \
    "not-the-secret"
vofw_start_hrac
tb_wait_log hrac 'hras refused the tunnel \(403\): check id and secret' 10
tb_wait_log hras 'tunnel request refused \(corp\): wrong secret' 2
vofw_wait_count hrac 'refused the tunnel' 2 10
! grep -q 'tunnel up' "$TB_DIR/hrac.log" || tb_fail "a wrong secret got up"
tb_stop hrac
echo "ok: wrong secret refused, no tunnel"

wan_curl() {
	tb_run_wan curl -sS --max-time 5 "$@"
}
hmac() {	# hmac KEY-OPTION MESSAGE: hex HMAC-SHA256
	printf '%s' "$2" | openssl dgst -sha256 -mac HMAC -macopt "$1" |
	    sed 's/.*= //'
}

# (2) An admission made by hand works once; replayed, it is refused.
nonce=$(wan_curl "$URL/challenge" | sed -n 's/^nonce=//p')
[ ${#nonce} = 32 ] || tb_fail "challenge: '$nonce'"
cnonce=00112233445566778899aabbccddeeff
mac=$(hmac "key:$VOFW_SECRET" "vofw1 open corp $nonce $cnonce")
open="$URL/open?id=corp&nonce=$nonce&cnonce=$cnonce&mac=$mac"
answer=$(wan_curl "$open")
sid=$(echo "$answer" | sed -n 's/^sid=//p')
[ ${#sid} = 32 ] || tb_fail "open: '$answer'"
code=$(wan_curl -o /dev/null -w '%{http_code}' "$open")
[ "$code" = 403 ] || tb_fail "replayed open: $code, want 403"
grep -q 'stale or replayed nonce' "$TB_DIR/hras.log" ||
    tb_fail "hras did not log the replayed nonce"
echo "ok: replayed admission refused"

# (3) A tunnel request made by hand works; replayed, it is refused.
reqkey=$(openssl kdf -keylen 32 -kdfopt digest:SHA256 \
    -kdfopt "key:$VOFW_SECRET" -kdfopt "hexsalt:$nonce$cnonce" \
    -kdfopt "info:vofw1 req" HKDF | tr -d ':' | tr 'A-F' 'a-f')
rmac=$(hmac "hexkey:$reqkey" "vofw1 POST /vofw/v1/up $sid 1" | cut -c1-32)
up="$URL/up?sid=$sid&req=1&mac=$rmac"
code=$(wan_curl -o /dev/null -w '%{http_code}' -X POST \
    -H 'Content-Type: application/octet-stream' --data-binary '' "$up")
[ "$code" = 200 ] || tb_fail "hand-made up request: $code, want 200"
code=$(wan_curl -o /dev/null -w '%{http_code}' -X POST \
    -H 'Content-Type: application/octet-stream' --data-binary '' "$up")
[ "$code" = 403 ] || tb_fail "replayed up request: $code, want 403"
grep -q 'replayed request' "$TB_DIR/hras.log" ||
    tb_fail "hras did not log the replayed request"
# A forged MAC is refused too.
code=$(wan_curl -o /dev/null -w '%{http_code}' -X POST --data-binary '' \
    "$URL/up?sid=$sid&req=2&mac=00000000000000000000000000000000")
[ "$code" = 403 ] || tb_fail "forged request: $code, want 403"
echo "ok: replayed and forged tunnel requests refused"

# (4) Garbage in the upstream body closes that connection, hras lives on.
reqmac=$(hmac "hexkey:$reqkey" "vofw1 POST /vofw/v1/up $sid 3" | cut -c1-32)
wan_curl -o /dev/null -X POST --data-binary 'this is not a frame at all!!' \
    "$URL/up?sid=$sid&req=3&mac=$reqmac" 2>/dev/null || true
tb_wait_log hras 'bad frame from .*unsupported frame version' 5
code=$(wan_curl -o /dev/null -w '%{http_code}' "http://$TB_WAN_IP:8080/")
[ "$code" = 200 ] || tb_fail "hras stopped serving after a bad frame"
# A malformed request head gets 400 and hras still serves.
printf 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n' |
    tb_run_wan timeout 3 bash -c 'exec 3<>/dev/tcp/198.51.100.10/8080;
    cat >&3; head -1 <&3' | grep -q '^HTTP/1.1 400' ||
    tb_fail "duplicate Content-Length not answered 400"
code=$(wan_curl -o /dev/null -w '%{http_code}' "http://$TB_WAN_IP:8080/")
[ "$code" = 200 ] || tb_fail "hras stopped serving after a bad request"
echo "ok: bad frames and bad requests are refused, hras keeps serving"
