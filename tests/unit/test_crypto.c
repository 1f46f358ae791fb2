/*
 * Unit tests of the tunnel's cryptography and admission proofs: HMAC and
 * HKDF against known answers (RFC 4231; openssl kdf), AES-256-GCM frames
 * that open only with the exact sequence number, header, tag and label,
 * hex coding, the handshake MACs, and the request-number replay window.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "auth.h"
#include "crypto.h"

#define TC_SECRET	"change-me"

static void	tc_unhex(const char *, uint8_t *, size_t);
static void	tc_nonces(uint8_t *, uint8_t *);
static void	tc_aead(struct crypto_aead *, const uint8_t *, const char *);

/* Known answers: openssl kdf -kdfopt digest:SHA256 -kdfopt key:change-me
 * -kdfopt hexsalt:<snonce cnonce> -kdfopt info:"vofw1 up" HKDF, etc. */
static const char tc_up_hex[] =
    "889f658d7a5a6c16fc91ed9858101c385061188e818f918f035ef674aa873420";
static const char tc_down_hex[] =
    "1a73e93b714cdd8312274193872ffc9154f0c8412da540eba3eb00716750dbba";
static const char tc_req_hex[] =
    "3f82d139a421f213906947b9d5431a2997b634fedc4aca696256c2a45d5c88b9";

/* Parse a hex constant of the test, which must be valid. */
static void
tc_unhex(const char *hex, uint8_t *out, size_t len)
{
	assert_int_equal(crypto_unhex(hex, out, len), 0);
}

/* The nonces of the known-answer vectors: 00..0f and f0..ff. */
static void
tc_nonces(uint8_t *sn, uint8_t *cn)
{
	int	 i;

	for (i = 0; i < CRYPTO_NONCELEN; i++) {
		sn[i] = (uint8_t)i;
		cn[i] = (uint8_t)(0xf0 + i);
	}
}

/* Set up a direction, which must succeed. */
static void
tc_aead(struct crypto_aead *a, const uint8_t *key, const char *label)
{
	assert_int_equal(crypto_aead_init(a, key, label), 0);
	assert_non_null(a->ctx);
}

/* RFC 4231 test cases 1 and 2 for HMAC-SHA256. */
static void
test_hmac_rfc4231(void **state)
{
	uint8_t	 key[20], mac[CRYPTO_MACLEN], want[CRYPTO_MACLEN];

	(void)state;
	memset(key, 0x0b, sizeof(key));
	assert_int_equal(crypto_hmac(key, sizeof(key), "Hi There", 8, mac), 0);
	tc_unhex("b0344c61d8db38535ca8afceaf0bf12b"
	    "881dc200c9833da726e9376c2e32cff7", want, sizeof(want));
	assert_memory_equal(mac, want, sizeof(want));

	assert_int_equal(crypto_hmac("Jefe", 4, "what do ya want for nothing?",
	    28, mac), 0);
	tc_unhex("5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843", want, sizeof(want));
	assert_memory_equal(mac, want, sizeof(want));
}

/* Constant-time comparison answers like memcmp == 0. */
static void
test_equal(void **state)
{
	(void)state;
	assert_int_equal(crypto_equal("abcd", "abcd", 4), 1);
	assert_int_equal(crypto_equal("abcd", "abce", 4), 0);
	assert_int_equal(crypto_equal("xbcd", "abcd", 4), 0);
	assert_int_equal(crypto_equal("abcd", "abce", 3), 1);
}

/* Random bytes: filled, and not the same twice. */
static void
test_random(void **state)
{
	uint8_t	 a[32], b[32], zero[32];

	(void)state;
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(zero, 0, sizeof(zero));
	assert_int_equal(crypto_random(a, sizeof(a)), 0);
	assert_int_equal(crypto_random(b, sizeof(b)), 0);
	assert_memory_not_equal(a, zero, sizeof(a));
	assert_memory_not_equal(a, b, sizeof(a));
}

/* HKDF gives the known keys, the same every time. */
static void
test_derive_known(void **state)
{
	struct crypto_session_keys	 k1, k2;
	uint8_t				 sn[CRYPTO_NONCELEN];
	uint8_t				 cn[CRYPTO_NONCELEN];
	uint8_t				 want[CRYPTO_KEYLEN];

	(void)state;
	tc_nonces(sn, cn);
	assert_int_equal(crypto_derive(TC_SECRET, sn, cn, &k1), 0);
	tc_unhex(tc_up_hex, want, sizeof(want));
	assert_memory_equal(k1.up, want, CRYPTO_KEYLEN);
	tc_unhex(tc_down_hex, want, sizeof(want));
	assert_memory_equal(k1.down, want, CRYPTO_KEYLEN);
	tc_unhex(tc_req_hex, want, sizeof(want));
	assert_memory_equal(k1.req, want, CRYPTO_KEYLEN);

	memset(&k2, 0, sizeof(k2));
	assert_int_equal(crypto_derive(TC_SECRET, sn, cn, &k2), 0);
	assert_memory_equal(&k1, &k2, sizeof(k1));
}

/* Any change of secret or nonce changes every key. */
static void
test_derive_differs(void **state)
{
	struct crypto_session_keys	 base, k;
	uint8_t				 sn[CRYPTO_NONCELEN];
	uint8_t				 cn[CRYPTO_NONCELEN];

	(void)state;
	tc_nonces(sn, cn);
	assert_int_equal(crypto_derive(TC_SECRET, sn, cn, &base), 0);
	assert_memory_not_equal(base.up, base.down, CRYPTO_KEYLEN);
	assert_memory_not_equal(base.up, base.req, CRYPTO_KEYLEN);
	assert_memory_not_equal(base.down, base.req, CRYPTO_KEYLEN);

	assert_int_equal(crypto_derive("change-mE", sn, cn, &k), 0);
	assert_memory_not_equal(k.up, base.up, CRYPTO_KEYLEN);
	assert_memory_not_equal(k.down, base.down, CRYPTO_KEYLEN);
	assert_memory_not_equal(k.req, base.req, CRYPTO_KEYLEN);

	sn[CRYPTO_NONCELEN - 1] ^= 1;
	assert_int_equal(crypto_derive(TC_SECRET, sn, cn, &k), 0);
	assert_memory_not_equal(k.up, base.up, CRYPTO_KEYLEN);
	assert_memory_not_equal(k.down, base.down, CRYPTO_KEYLEN);
	assert_memory_not_equal(k.req, base.req, CRYPTO_KEYLEN);
	sn[CRYPTO_NONCELEN - 1] ^= 1;

	cn[0] ^= 0x80;
	assert_int_equal(crypto_derive(TC_SECRET, sn, cn, &k), 0);
	assert_memory_not_equal(k.up, base.up, CRYPTO_KEYLEN);
	assert_memory_not_equal(k.down, base.down, CRYPTO_KEYLEN);
	assert_memory_not_equal(k.req, base.req, CRYPTO_KEYLEN);
	cn[0] ^= 0x80;

	/* The nonces are not interchangeable. */
	assert_int_equal(crypto_derive(TC_SECRET, cn, sn, &k), 0);
	assert_memory_not_equal(k.up, base.up, CRYPTO_KEYLEN);
}

/* A sealed frame matches an independent AES-256-GCM computation. */
static void
test_aead_known(void **state)
{
	struct crypto_aead	 a;
	uint8_t			 key[CRYPTO_KEYLEN], aad[16], out[64];
	uint8_t			 want[64];
	int			 i;

	(void)state;
	tc_unhex(tc_up_hex, key, sizeof(key));
	for (i = 0; i < 16; i++)
		aad[i] = (uint8_t)i;
	/* IV = HMAC(key, "up")[0..3] || seq (big-endian), per crypto.c. */
	tc_aead(&a, key, "up");
	assert_int_equal(crypto_aead_seal(&a, 7, aad, sizeof(aad),
	    (const uint8_t *)"hello", 5, out), 0);
	tc_unhex("11cc6ca489" "7ab0ca46f1793ff97c48d39e478eadc6", want, 21);
	assert_memory_equal(out, want, 21);
	assert_int_equal(crypto_aead_seal(&a, 7, aad, sizeof(aad), NULL, 0,
	    out), 0);
	tc_unhex("301d775e47cbbf5fd43124d9cef9e85a", want, 16);
	assert_memory_equal(out, want, 16);
	crypto_aead_clear(&a);
	assert_null(a.ctx);
}

/* Seal then open with the peer's context: the plaintext comes back. */
static void
test_aead_round_trip(void **state)
{
	struct crypto_aead	 tx, rx;
	uint8_t			 key[CRYPTO_KEYLEN], aad[16], msg[300];
	uint8_t			 sealed[300 + CRYPTO_TAGLEN], opened[300];
	uint64_t		 seq;
	size_t			 i, len;

	(void)state;
	memset(key, 0x42, sizeof(key));
	memset(aad, 0x17, sizeof(aad));
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7);
	tc_aead(&tx, key, "up");
	tc_aead(&rx, key, "up");
	for (seq = 1, len = 0; len <= sizeof(msg); seq++, len += 37) {
		assert_int_equal(crypto_aead_seal(&tx, seq, aad, sizeof(aad),
		    msg, len, sealed), 0);
		if (len > 16)
			assert_memory_not_equal(sealed, msg, 16);
		memset(opened, 0, sizeof(opened));
		assert_int_equal(crypto_aead_open(&rx, seq, aad, sizeof(aad),
		    sealed, len + CRYPTO_TAGLEN, opened), 0);
		if (len > 0)
			assert_memory_equal(opened, msg, len);
	}
	/* The same plaintext under another sequence number differs. */
	assert_int_equal(crypto_aead_seal(&tx, 100, aad, sizeof(aad), msg, 32,
	    sealed), 0);
	assert_int_equal(crypto_aead_seal(&tx, 101, aad, sizeof(aad), msg, 32,
	    opened), 0);
	assert_memory_not_equal(sealed, opened, 32);
	crypto_aead_clear(&tx);
	crypto_aead_clear(&rx);
}

/* Each alteration makes the frame fail to open. */
static void
test_aead_open_fails(void **state)
{
	struct crypto_aead	 tx, rx, other;
	uint8_t			 key[CRYPTO_KEYLEN], key2[CRYPTO_KEYLEN];
	uint8_t			 aad[16], msg[40], out[40];
	uint8_t			 sealed[40 + CRYPTO_TAGLEN];
	size_t			 slen = sizeof(sealed);

	(void)state;
	memset(key, 0x42, sizeof(key));
	memset(key2, 0x42, sizeof(key2));
	key2[31] ^= 1;
	memset(aad, 0x17, sizeof(aad));
	memset(msg, 'm', sizeof(msg));
	tc_aead(&tx, key, "up");
	tc_aead(&rx, key, "up");
	assert_int_equal(crypto_aead_seal(&tx, 5, aad, sizeof(aad), msg,
	    sizeof(msg), sealed), 0);
	assert_int_equal(crypto_aead_open(&rx, 5, aad, sizeof(aad), sealed,
	    slen, out), 0);

	/* Wrong sequence number: the neighbours and a high bit. */
	assert_int_equal(crypto_aead_open(&rx, 4, aad, sizeof(aad), sealed,
	    slen, out), -1);
	assert_int_equal(crypto_aead_open(&rx, 6, aad, sizeof(aad), sealed,
	    slen, out), -1);
	assert_int_equal(crypto_aead_open(&rx, 5 | (1ULL << 63), aad,
	    sizeof(aad), sealed, slen, out), -1);

	/* A flipped ciphertext bit, first and last byte. */
	sealed[0] ^= 0x01;
	assert_int_equal(crypto_aead_open(&rx, 5, aad, sizeof(aad), sealed,
	    slen, out), -1);
	sealed[0] ^= 0x01;
	sealed[39] ^= 0x80;
	assert_int_equal(crypto_aead_open(&rx, 5, aad, sizeof(aad), sealed,
	    slen, out), -1);
	sealed[39] ^= 0x80;

	/* A flipped tag bit. */
	sealed[40] ^= 0x01;
	assert_int_equal(crypto_aead_open(&rx, 5, aad, sizeof(aad), sealed,
	    slen, out), -1);
	sealed[40] ^= 0x01;
	sealed[slen - 1] ^= 0x40;
	assert_int_equal(crypto_aead_open(&rx, 5, aad, sizeof(aad), sealed,
	    slen, out), -1);
	sealed[slen - 1] ^= 0x40;

	/* A flipped bit of the associated data (the frame header). */
	aad[1] ^= 0x04;
	assert_int_equal(crypto_aead_open(&rx, 5, aad, sizeof(aad), sealed,
	    slen, out), -1);
	aad[1] ^= 0x04;
	aad[15] ^= 0x01;
	assert_int_equal(crypto_aead_open(&rx, 5, aad, sizeof(aad), sealed,
	    slen, out), -1);
	aad[15] ^= 0x01;
	/* Associated data cut short. */
	assert_int_equal(crypto_aead_open(&rx, 5, aad, sizeof(aad) - 1, sealed,
	    slen, out), -1);

	/* Truncated: a byte less, or less than a tag. */
	assert_int_equal(crypto_aead_open(&rx, 5, aad, sizeof(aad), sealed,
	    slen - 1, out), -1);
	assert_int_equal(crypto_aead_open(&rx, 5, aad, sizeof(aad), sealed,
	    CRYPTO_TAGLEN - 1, out), -1);

	/* The other direction's label: same key, other IV salt. */
	tc_aead(&other, key, "down");
	assert_int_equal(crypto_aead_open(&other, 5, aad, sizeof(aad), sealed,
	    slen, out), -1);
	crypto_aead_clear(&other);
	/* Another key, same label. */
	tc_aead(&other, key2, "up");
	assert_int_equal(crypto_aead_open(&other, 5, aad, sizeof(aad), sealed,
	    slen, out), -1);
	crypto_aead_clear(&other);

	/* The untouched frame still opens: failures left no state behind. */
	assert_int_equal(crypto_aead_open(&rx, 5, aad, sizeof(aad), sealed,
	    slen, out), 0);
	assert_memory_equal(out, msg, sizeof(msg));
	crypto_aead_clear(&tx);
	crypto_aead_clear(&rx);
}

/* Lower-case hex out; exact-length hex in either case back. */
static void
test_hex(void **state)
{
	static const uint8_t	 bytes[] = { 0x00, 0xab, 0xff, 0x10, 0x9c };
	uint8_t			 back[5];
	char			 hex[11];

	(void)state;
	memset(hex, 'x', sizeof(hex));
	crypto_hex(bytes, sizeof(bytes), hex);
	assert_string_equal(hex, "00abff109c");
	crypto_hex(bytes, 0, hex);
	assert_string_equal(hex, "");

	memset(back, 0, sizeof(back));
	assert_int_equal(crypto_unhex("00abff109c", back, sizeof(back)), 0);
	assert_memory_equal(back, bytes, sizeof(bytes));
	memset(back, 0, sizeof(back));
	assert_int_equal(crypto_unhex("00ABFF109C", back, sizeof(back)), 0);
	assert_memory_equal(back, bytes, sizeof(bytes));
	assert_int_equal(crypto_unhex("", back, 0), 0);

	/* Wrong lengths, odd lengths, non-hex characters. */
	assert_int_equal(crypto_unhex("00abff109", back, sizeof(back)), -1);
	assert_int_equal(crypto_unhex("00abff109c0", back, sizeof(back)), -1);
	assert_int_equal(crypto_unhex("00abff109c00", back, sizeof(back)), -1);
	assert_int_equal(crypto_unhex("00abff10", back, sizeof(back)), -1);
	assert_int_equal(crypto_unhex("00abff109g", back, sizeof(back)), -1);
	assert_int_equal(crypto_unhex("g0abff109c", back, sizeof(back)), -1);
	assert_int_equal(crypto_unhex("00ab ff109", back, sizeof(back)), -1);
	assert_int_equal(crypto_unhex("0xabff109c", back, sizeof(back)), -1);
	assert_int_equal(crypto_unhex("00abff10-c", back, sizeof(back)), -1);
	assert_int_equal(crypto_unhex("", back, sizeof(back)), -1);
}

/* The handshake MACs against HMAC computed by openssl dgst. */
static void
test_auth_known(void **state)
{
	uint8_t	 req[CRYPTO_KEYLEN];
	char	 out[AUTH_HEXLEN];

	(void)state;
	/* printf 'vofw1 open corp aa bb' | openssl dgst -sha256 -hmac ... */
	assert_int_equal(auth_open_mac(TC_SECRET, "corp", "aa", "bb", out), 0);
	assert_string_equal(out, "c8f73fce9501ce2af01f67efcbb6b140"
	    "5d609831bd10dd88fb76fb72faa6878b");
	assert_int_equal(auth_welcome_mac(TC_SECRET, "0011", "aa", "bb", out),
	    0);
	assert_string_equal(out, "413075be3413ecddbdeed803dff017e4"
	    "eb40db92b9f68148b7bfbfc19aa52081");
	/* 'vofw1 POST /up 0011 7' under the derived request key, cut to 16. */
	tc_unhex(tc_req_hex, req, sizeof(req));
	assert_int_equal(auth_request_mac(req, "POST", "/up", "0011", 7, out),
	    0);
	assert_string_equal(out, "c768a13926fc5eb828b88dcecbb10b83");
	assert_int_equal(strlen(out), 2 * AUTH_REQ_MACLEN);
}

/* The same inputs give the same MAC; any one field changed, another. */
static void
test_auth_differs(void **state)
{
	char	 a[AUTH_HEXLEN], b[AUTH_HEXLEN], base[AUTH_HEXLEN];
	uint8_t	 key[CRYPTO_KEYLEN], key2[CRYPTO_KEYLEN];

	(void)state;
	assert_int_equal(auth_open_mac("s", "id", "sn", "cn", base), 0);
	assert_int_equal(auth_open_mac("s", "id", "sn", "cn", a), 0);
	assert_string_equal(a, base);
	assert_int_equal(auth_open_mac("t", "id", "sn", "cn", a), 0);
	assert_string_not_equal(a, base);
	assert_int_equal(auth_open_mac("s", "iD", "sn", "cn", a), 0);
	assert_string_not_equal(a, base);
	assert_int_equal(auth_open_mac("s", "id", "sN", "cn", a), 0);
	assert_string_not_equal(a, base);
	assert_int_equal(auth_open_mac("s", "id", "sn", "cN", a), 0);
	assert_string_not_equal(a, base);
	assert_int_equal(auth_open_mac("s", "id", "cn", "sn", a), 0);
	assert_string_not_equal(a, base);
	/* Welcome over the same fields is a different message. */
	assert_int_equal(auth_welcome_mac("s", "id", "sn", "cn", a), 0);
	assert_string_not_equal(a, base);

	assert_int_equal(auth_welcome_mac("s", "sid", "sn", "cn", base), 0);
	assert_int_equal(auth_welcome_mac("s", "sid", "sn", "cn", a), 0);
	assert_string_equal(a, base);
	assert_int_equal(auth_welcome_mac("S", "sid", "sn", "cn", a), 0);
	assert_string_not_equal(a, base);
	assert_int_equal(auth_welcome_mac("s", "sie", "sn", "cn", a), 0);
	assert_string_not_equal(a, base);
	assert_int_equal(auth_welcome_mac("s", "sid", "so", "cn", a), 0);
	assert_string_not_equal(a, base);
	assert_int_equal(auth_welcome_mac("s", "sid", "sn", "co", a), 0);
	assert_string_not_equal(a, base);

	memset(key, 1, sizeof(key));
	memcpy(key2, key, sizeof(key));
	key2[0] ^= 1;
	assert_int_equal(auth_request_mac(key, "GET", "/d", "s", 1, base), 0);
	assert_int_equal(auth_request_mac(key, "GET", "/d", "s", 1, a), 0);
	assert_string_equal(a, base);
	assert_int_equal(auth_request_mac(key2, "GET", "/d", "s", 1, a), 0);
	assert_string_not_equal(a, base);
	assert_int_equal(auth_request_mac(key, "POST", "/d", "s", 1, a), 0);
	assert_string_not_equal(a, base);
	assert_int_equal(auth_request_mac(key, "GET", "/u", "s", 1, a), 0);
	assert_string_not_equal(a, base);
	assert_int_equal(auth_request_mac(key, "GET", "/d", "t", 1, a), 0);
	assert_string_not_equal(a, base);
	assert_int_equal(auth_request_mac(key, "GET", "/d", "s", 2, a), 0);
	assert_string_not_equal(a, base);
	assert_int_equal(auth_request_mac(key, "GET", "/d", "s",
	    UINT64_MAX, b), 0);
	assert_string_not_equal(b, base);
	assert_string_not_equal(b, a);
}

/* Fields too long for the MAC's message buffer are refused, not cut. */
static void
test_auth_too_long(void **state)
{
	char	 big[600], out[AUTH_HEXLEN];
	uint8_t	 key[CRYPTO_KEYLEN];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(key, 0, sizeof(key));
	assert_int_equal(auth_open_mac("s", big, "sn", "cn", out), -1);
	assert_int_equal(auth_welcome_mac("s", big, "sn", "cn", out), -1);
	assert_int_equal(auth_request_mac(key, "GET", big, "s", 1, out), -1);
}

/* The replay window: each number once, 64 back, never 0. */
static void
test_window(void **state)
{
	struct auth_window	 w;
	uint64_t		 i;

	(void)state;
	memset(&w, 0, sizeof(w));
	assert_int_equal(auth_window_accept(&w, 0), 0);
	assert_int_equal(auth_window_accept(&w, 1), 1);
	assert_int_equal(auth_window_accept(&w, 1), 0);
	assert_int_equal(auth_window_accept(&w, 0), 0);
	/* Out of order within the window: once each. */
	assert_int_equal(auth_window_accept(&w, 5), 1);
	assert_int_equal(auth_window_accept(&w, 3), 1);
	assert_int_equal(auth_window_accept(&w, 3), 0);
	assert_int_equal(auth_window_accept(&w, 2), 1);
	assert_int_equal(auth_window_accept(&w, 4), 1);
	assert_int_equal(auth_window_accept(&w, 5), 0);
	assert_int_equal(auth_window_accept(&w, 4), 0);
	assert_int_equal(auth_window_accept(&w, 2), 0);

	/* top 100: 37 is 63 back (in), 36 is 64 back (out). */
	assert_int_equal(auth_window_accept(&w, 100), 1);
	assert_int_equal(auth_window_accept(&w, 36), 0);
	assert_int_equal(auth_window_accept(&w, 37), 1);
	assert_int_equal(auth_window_accept(&w, 37), 0);
	assert_int_equal(auth_window_accept(&w, 99), 1);
	assert_int_equal(auth_window_accept(&w, 100), 0);

	/* Advance by 63: what was seen is still remembered at the edge. */
	assert_int_equal(auth_window_accept(&w, 163), 1);
	assert_int_equal(auth_window_accept(&w, 100), 0);
	assert_int_equal(auth_window_accept(&w, 101), 1);
	assert_int_equal(auth_window_accept(&w, 99), 0);
	/* Advance by exactly 64: everything before is too old. */
	assert_int_equal(auth_window_accept(&w, 227), 1);
	assert_int_equal(auth_window_accept(&w, 163), 0);
	assert_int_equal(auth_window_accept(&w, 164), 1);
	assert_int_equal(auth_window_accept(&w, 226), 1);

	/* A big jump forgets the past; the new window starts empty. */
	assert_int_equal(auth_window_accept(&w, 1000000), 1);
	assert_int_equal(auth_window_accept(&w, 999999), 1);
	assert_int_equal(auth_window_accept(&w, 999937), 1);
	assert_int_equal(auth_window_accept(&w, 999936), 0);
	assert_int_equal(auth_window_accept(&w, 227), 0);
	assert_int_equal(auth_window_accept(&w, 1000000), 0);

	/* Every number of a full window once, in reverse order. */
	memset(&w, 0, sizeof(w));
	assert_int_equal(auth_window_accept(&w, 200), 1);
	for (i = 199; i > 136; i--)
		assert_int_equal(auth_window_accept(&w, i), 1);
	for (i = 200; i > 136; i--)
		assert_int_equal(auth_window_accept(&w, i), 0);
	assert_int_equal(auth_window_accept(&w, 136), 0);

	/* The top of the number space. */
	assert_int_equal(auth_window_accept(&w, UINT64_MAX), 1);
	assert_int_equal(auth_window_accept(&w, UINT64_MAX), 0);
	assert_int_equal(auth_window_accept(&w, UINT64_MAX - 63), 1);
	assert_int_equal(auth_window_accept(&w, UINT64_MAX - 64), 0);
	assert_int_equal(auth_window_accept(&w, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hmac_rfc4231),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_random),
		cmocka_unit_test(test_derive_known),
		cmocka_unit_test(test_derive_differs),
		cmocka_unit_test(test_aead_known),
		cmocka_unit_test(test_aead_round_trip),
		cmocka_unit_test(test_aead_open_fails),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_auth_known),
		cmocka_unit_test(test_auth_differs),
		cmocka_unit_test(test_auth_too_long),
		cmocka_unit_test(test_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
