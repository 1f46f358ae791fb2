#!/bin/sh
# hras admits only configured clients: a wrong secret is refused with a
# clear message in hrac's log and no tunnel; a captured admission or tunnel
# request cannot be replayed, nor an ephemeral key replaced. The requests
# are made here by hand (curl and openssl, X25519 included) exactly as hrac
# makes them, so that they can be replayed.
# timeout: 90
set -eu

. "$(dirname "$0")/../lib/testbed.sh"
. "$(dirname "$0")/../lib/vofw.sh"

tb_up

# (0) Weak secrets are refused by -n and at start, with file, line and
# how to make one.
for weak in change-me password testbed-secret-1; do
	VOFW_SECRET=$weak vofw_hras_conf "$TB_DIR/weak.conf"
	! out=$("$TB_HRAS" -n -f "$TB_DIR/weak.conf" 2>&1) ||
	    tb_fail "hras -n accepts secret '$weak'"
	echo "$out" | grep -q "weak.conf:7: clients\[0\].secret: .*openssl rand -base64 32" ||
	    tb_fail "hras -n, secret '$weak': $out"
	! out=$(tb_run_wan timeout 5 "$TB_HRAS" -d -f "$TB_DIR/weak.conf" \
	    2>&1) || tb_fail "hras starts with secret '$weak'"
	echo "$out" | grep -q "weak.conf:7: clients\[0\].secret: " ||
	    tb_fail "hras start, secret '$weak': $out"
	vofw_hrac_conf "$TB_DIR/weak.conf" "http://$TB_WAN_IP:8080/" "" "$weak"
	! out=$("$TB_HRAC" -n -f "$TB_DIR/weak.conf" 2>&1) ||
	    tb_fail "hrac -n accepts secret '$weak'"
	echo "$out" | grep -q "weak.conf:2: secret: .*openssl rand -base64 32" ||
	    tb_fail "hrac -n, secret '$weak': $out"
done
echo "ok: weak secrets refused"

vofw_hras_conf "$TB_DIR/hras.conf"
vofw_start_hras
URL=http://$TB_WAN_IP:8080/vofw/v1

# (1) hrac with a wrong secret: refused, said clearly, retried, never up.
tb_squid_start
vofw_hrac_conf "$TB_DIR/hrac.conf" "http://$TB_WAN_IP:8080/" "$TB_PROXY_URL" \
    "$(vofw_secret)"
vofw_start_hrac
tb_wait_log hrac 'hras refused the tunnel \(403\): check id and secret' 10
tb_wait_log hras 'refused tunnel-admission from [0-9.]*: client corp: wrong secret' 2
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
# hrac's side of the X25519 exchange, made with openssl.
hexof() {	# hexof FILE: the bytes of FILE as lower-case hex
	od -An -v -tx1 "$1" | tr -d ' \n'
}
openssl genpkey -algorithm X25519 -out "$TB_DIR/c.pem" 2>/dev/null ||
    tb_fail "openssl genpkey X25519"
openssl pkey -in "$TB_DIR/c.pem" -pubout -outform DER |
    tail -c 32 >"$TB_DIR/c.pub"
cpub=$(hexof "$TB_DIR/c.pub")
answer=$(wan_curl "$URL/challenge")
[ "$answer" = "refused" ] || tb_fail "challenge without a version: '$answer'"
tb_wait_log hras 'admission protocol 1, this hras 2: upgrade hrac' 2
challenge=$(wan_curl "$URL/challenge?version=2")
echo "$challenge" | grep -qx 'version=2' || tb_fail "challenge: '$challenge'"
nonce=$(echo "$challenge" | sed -n 's/^nonce=//p')
[ ${#nonce} = 64 ] || tb_fail "challenge: '$challenge'"
mac=$(hmac "key:$VOFW_SECRET" "vofw2 open corp $nonce $cpub")
open="$URL/open?id=corp&nonce=$nonce&pub=$cpub&mac=$mac"
answer=$(wan_curl "$open")
sid=$(echo "$answer" | sed -n 's/^sid=//p')
spub=$(echo "$answer" | sed -n 's/^pub=//p')
smac=$(echo "$answer" | sed -n 's/^mac=//p')
[ ${#sid} = 32 ] && [ ${#spub} = 64 ] || tb_fail "open: '$answer'"
want=$(hmac "key:$VOFW_SECRET" "vofw2 welcome corp $sid $nonce $cpub $spub")
[ "$smac" = "$want" ] || tb_fail "hras's proof: '$smac', want '$want'"
code=$(wan_curl -o /dev/null -w '%{http_code}' "$open")
[ "$code" = 403 ] || tb_fail "replayed open: $code, want 403"
grep -q 'replayed nonce' "$TB_DIR/hras.log" ||
    tb_fail "hras did not log the replayed nonce"
# Our key replaced by another on the way: the MAC no longer covers it.
other=$(echo "$cpub" | cut -c1-62)00
nonce2=$(wan_curl "$URL/challenge?version=2" | sed -n 's/^nonce=//p')
code=$(wan_curl -o /dev/null -w '%{http_code}' \
    "$URL/open?id=corp&nonce=$nonce2&pub=$other&mac=$(hmac \
    "key:$VOFW_SECRET" "vofw2 open corp $nonce2 $cpub")")
[ "$code" = 403 ] || tb_fail "substituted key: $code, want 403"
echo "ok: replayed admission and substituted key refused"

# (3) A tunnel request made by hand works; replayed, it is refused. The
# keys come from the X25519 shared value and the secret.
perl -e 'print pack("H*", $ARGV[0])' "302a300506032b656e032100$spub" \
    >"$TB_DIR/s.der" || tb_fail "perl"
openssl pkey -pubin -inform DER -in "$TB_DIR/s.der" -out "$TB_DIR/s.pem" ||
    tb_fail "hras's key: $spub"
openssl pkeyutl -derive -inkey "$TB_DIR/c.pem" -peerkey "$TB_DIR/s.pem" \
    -out "$TB_DIR/shared" || tb_fail "openssl pkeyutl -derive"
shared=$(hexof "$TB_DIR/shared")
sechex=$(printf '%s' "$VOFW_SECRET" | od -An -v -tx1 | tr -d ' \n')
reqkey=$(openssl kdf -keylen 32 -kdfopt digest:SHA256 \
    -kdfopt "hexkey:$shared$sechex" \
    -kdfopt "salt:vofw2 keys corp $sid $nonce $cpub $spub" \
    -kdfopt "info:vofw2 req" HKDF | tr -d ':' | tr 'A-F' 'a-f')
rmac=$(hmac "hexkey:$reqkey" "vofw2 POST /vofw/v1/up $sid 1" | cut -c1-32)
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
reqmac=$(hmac "hexkey:$reqkey" "vofw2 POST /vofw/v1/up $sid 3" | cut -c1-32)
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
