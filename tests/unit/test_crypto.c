/*
 * Unit tests of the tunnel's cryptography and admission proofs: HMAC and
 * HKDF against known answers (RFC 4231; openssl kdf), the X25519 key
 * schedule (both sides agree; a recorded session does not open with the
 * secret alone; a substituted key fails admission), AES-256-GCM frames
 * that open only with the exact sequence number, header, tag and label,
 * hex coding, challenges, the handshake MACs, and the request-number
 * replay window.
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
static void	tc_shared(uint8_t *);
static void	tc_aead(struct crypto_aead *, const uint8_t *, const char *);
static void	tc_transcript(struct auth_transcript *);

/* Known answers: openssl kdf -kdfopt digest:SHA256 -kdfopt hexkey:<shared
 * 01..20, then "change-me" in hex> -kdfopt salt:"vofw2 keys corp 0011 aa bb
 * cc" -kdfopt info:"vofw2 up" HKDF, etc. */
static const char tc_up_hex[] =
    "fb4fb8fe3982e3193cb13d239adf28ed1f6aca8347ebdbe77d9730c783e52758";
static const char tc_down_hex[] =
    "cfabf73d9101225b2b74acc346d07b641b2b116327b1768f3eddd29797db8a9b";
static const char tc_req_hex[] =
    "77b9ca9681699828ba033b7cb179a706053b81e3372dcd234aa71d797608d659";
/* The key of the AES-256-GCM known answer. */
static const char tc_aead_hex[] =
    "889f658d7a5a6c16fc91ed9858101c385061188e818f918f035ef674aa873420";

/* Parse a hex constant of the test, which must be valid. */
static void
tc_unhex(const char *hex, uint8_t *out, size_t len)
{
	assert_int_equal(crypto_unhex(hex, out, len), 0);
}

/* The shared value of the known-answer vectors: 01..20. */
static void
tc_shared(uint8_t *sh)
{
	int	 i;

	for (i = 0; i < CRYPTO_KEYLEN; i++)
		sh[i] = (uint8_t)(i + 1);
}

/* The transcript of the known-answer vectors. */
static void
tc_transcript(struct auth_transcript *tr)
{
	tr->id = "corp";
	tr->sid = "0011";
	tr->snonce = "aa";
	tr->cpub = "bb";
	tr->spub = "cc";
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
	struct auth_transcript		 tr;
	uint8_t				 sh[CRYPTO_KEYLEN];
	uint8_t				 want[CRYPTO_KEYLEN];

	(void)state;
	tc_shared(sh);
	tc_transcript(&tr);
	assert_int_equal(auth_session_keys(sh, TC_SECRET, &tr, &k1), 0);
	tc_unhex(tc_up_hex, want, sizeof(want));
	assert_memory_equal(k1.up, want, CRYPTO_KEYLEN);
	tc_unhex(tc_down_hex, want, sizeof(want));
	assert_memory_equal(k1.down, want, CRYPTO_KEYLEN);
	tc_unhex(tc_req_hex, want, sizeof(want));
	assert_memory_equal(k1.req, want, CRYPTO_KEYLEN);

	memset(&k2, 0, sizeof(k2));
	assert_int_equal(auth_session_keys(sh, TC_SECRET, &tr, &k2), 0);
	assert_memory_equal(&k1, &k2, sizeof(k1));
}

/* Any change of shared value, secret or exchange changes every key. */
static void
test_derive_differs(void **state)
{
	struct crypto_session_keys	 base, k;
	struct auth_transcript		 tr;
	uint8_t				 sh[CRYPTO_KEYLEN];

	(void)state;
	tc_shared(sh);
	tc_transcript(&tr);
	assert_int_equal(auth_session_keys(sh, TC_SECRET, &tr, &base), 0);
	assert_memory_not_equal(base.up, base.down, CRYPTO_KEYLEN);
	assert_memory_not_equal(base.up, base.req, CRYPTO_KEYLEN);
	assert_memory_not_equal(base.down, base.req, CRYPTO_KEYLEN);

	assert_int_equal(auth_session_keys(sh, "change-mE", &tr, &k), 0);
	assert_memory_not_equal(k.up, base.up, CRYPTO_KEYLEN);
	assert_memory_not_equal(k.down, base.down, CRYPTO_KEYLEN);
	assert_memory_not_equal(k.req, base.req, CRYPTO_KEYLEN);

	sh[CRYPTO_KEYLEN - 1] ^= 1;
	assert_int_equal(auth_session_keys(sh, TC_SECRET, &tr, &k), 0);
	assert_memory_not_equal(k.up, base.up, CRYPTO_KEYLEN);
	assert_memory_not_equal(k.down, base.down, CRYPTO_KEYLEN);
	assert_memory_not_equal(k.req, base.req, CRYPTO_KEYLEN);
	sh[CRYPTO_KEYLEN - 1] ^= 1;

	tr.spub = "cd";
	assert_int_equal(auth_session_keys(sh, TC_SECRET, &tr, &k), 0);
	assert_memory_not_equal(k.up, base.up, CRYPTO_KEYLEN);
	tc_transcript(&tr);
	tr.sid = "0012";
	assert_int_equal(auth_session_keys(sh, TC_SECRET, &tr, &k), 0);
	assert_memory_not_equal(k.up, base.up, CRYPTO_KEYLEN);
	tc_transcript(&tr);
	/* The public keys are not interchangeable. */
	tr.cpub = "cc";
	tr.spub = "bb";
	assert_int_equal(auth_session_keys(sh, TC_SECRET, &tr, &k), 0);
	assert_memory_not_equal(k.up, base.up, CRYPTO_KEYLEN);
}

/* One recorded handshake, both sides' keys and a frame sealed upstream. */
struct tc_session {
	char				 snonce[2 * AUTH_CHALLENGELEN + 1];
	char				 sid[2 * AUTH_SIDLEN + 1];
	char				 cpub[2 * CRYPTO_PUBLEN + 1];
	char				 spub[2 * CRYPTO_PUBLEN + 1];
	char				 open_mac[AUTH_HEXLEN];
	char				 welcome_mac[AUTH_HEXLEN];
	struct crypto_session_keys	 ckeys, skeys;
	uint8_t				 frame[32 + CRYPTO_TAGLEN];
};

#define TC_FRAME	"INVITE sip:alice@corp.example  "	/* 32 bytes */

/* Run the admission of docs/protocol.md between two key pairs. */
static void
tc_handshake(struct tc_session *ts)
{
	struct crypto_kx	 c, s;
	struct auth_transcript	 tr;
	struct crypto_aead	 a;
	uint8_t			 tok[AUTH_CHALLENGELEN], key[CRYPTO_KEYLEN];
	uint8_t			 csh[CRYPTO_KEYLEN], ssh[CRYPTO_KEYLEN];
	uint8_t			 sid[AUTH_SIDLEN], peer[CRYPTO_PUBLEN];
	char			 want[AUTH_HEXLEN];

	memset(key, 7, sizeof(key));
	assert_int_equal(auth_challenge_make(key, 1, 100, tok), 0);
	crypto_hex(tok, sizeof(tok), ts->snonce);
	/* hrac: its key pair and proof. */
	assert_int_equal(crypto_kx_new(&c), 0);
	crypto_hex(c.pub, sizeof(c.pub), ts->cpub);
	assert_int_equal(auth_open_mac(TC_SECRET, "corp", ts->snonce,
	    ts->cpub, ts->open_mac), 0);
	/* hras: checks the proof, answers with its key pair and proof. */
	assert_int_equal(auth_open_mac(TC_SECRET, "corp", ts->snonce,
	    ts->cpub, want), 0);
	assert_string_equal(want, ts->open_mac);
	assert_int_equal(crypto_kx_new(&s), 0);
	assert_int_equal(crypto_unhex(ts->cpub, peer, sizeof(peer)), 0);
	assert_int_equal(crypto_kx_shared(&s, peer, ssh), 0);
	crypto_kx_clear(&s);
	assert_null(s.key);
	assert_int_equal(crypto_random(sid, sizeof(sid)), 0);
	crypto_hex(sid, sizeof(sid), ts->sid);
	crypto_hex(s.pub, sizeof(s.pub), ts->spub);
	tr.id = "corp";
	tr.sid = ts->sid;
	tr.snonce = ts->snonce;
	tr.cpub = ts->cpub;
	tr.spub = ts->spub;
	assert_int_equal(auth_welcome_mac(TC_SECRET, &tr, ts->welcome_mac), 0);
	assert_int_equal(auth_session_keys(ssh, TC_SECRET, &tr, &ts->skeys),
	    0);
	/* hrac: checks hras's proof and derives the same keys. */
	assert_int_equal(auth_welcome_mac(TC_SECRET, &tr, want), 0);
	assert_string_equal(want, ts->welcome_mac);
	assert_int_equal(crypto_unhex(ts->spub, peer, sizeof(peer)), 0);
	assert_int_equal(crypto_kx_shared(&c, peer, csh), 0);
	crypto_kx_clear(&c);
	assert_memory_equal(csh, ssh, sizeof(csh));
	assert_int_equal(auth_session_keys(csh, TC_SECRET, &tr, &ts->ckeys),
	    0);
	/* One frame hrac -> hras. */
	tc_aead(&a, ts->ckeys.up, "up");
	assert_int_equal(crypto_aead_seal(&a, 1, NULL, 0,
	    (const uint8_t *)TC_FRAME, 32, ts->frame), 0);
	crypto_aead_clear(&a);
}

/* Both sides derive the same keys; hras opens hrac's frame. */
static void
test_kx_agree(void **state)
{
	struct tc_session	 ts, ts2;
	struct crypto_aead	 a;
	uint8_t			 out[32];

	(void)state;
	tc_handshake(&ts);
	assert_memory_equal(&ts.ckeys, &ts.skeys, sizeof(ts.ckeys));
	tc_aead(&a, ts.skeys.up, "up");
	assert_int_equal(crypto_aead_open(&a, 1, NULL, 0, ts.frame,
	    sizeof(ts.frame), out), 0);
	assert_memory_equal(out, TC_FRAME, 32);
	crypto_aead_clear(&a);
	/* Every session has its own keys, even with the same challenge. */
	tc_handshake(&ts2);
	assert_memory_not_equal(ts.ckeys.up, ts2.ckeys.up, CRYPTO_KEYLEN);
	assert_memory_not_equal(ts.ckeys.req, ts2.ckeys.req, CRYPTO_KEYLEN);
}

/*
 * Forward secrecy: someone who recorded the whole handshake and a frame,
 * and learns the secret later, cannot open the frame: the keys need the
 * X25519 shared value too. Tried in its place: zeroes, either recorded
 * public key, and an X25519 exchange of their own with either of them.
 */
static void
test_kx_recorded(void **state)
{
	struct tc_session	 ts;
	struct auth_transcript	 tr;
	struct crypto_session_keys k;
	struct crypto_kx	 mine;
	struct crypto_aead	 a;
	uint8_t			 guess[CRYPTO_KEYLEN], out[32];
	uint8_t			 pub[CRYPTO_PUBLEN];
	int			 i;

	(void)state;
	tc_handshake(&ts);
	tr.id = "corp";
	tr.sid = ts.sid;
	tr.snonce = ts.snonce;
	tr.cpub = ts.cpub;
	tr.spub = ts.spub;
	for (i = 0; i < 5; i++) {
		switch (i) {
		case 0:
			memset(guess, 0, sizeof(guess));
			break;
		case 1:
			assert_int_equal(crypto_unhex(ts.cpub, guess,
			    sizeof(guess)), 0);
			break;
		case 2:
			assert_int_equal(crypto_unhex(ts.spub, guess,
			    sizeof(guess)), 0);
			break;
		default:
			assert_int_equal(crypto_kx_new(&mine), 0);
			assert_int_equal(crypto_unhex(i == 3 ? ts.cpub :
			    ts.spub, pub, sizeof(pub)), 0);
			assert_int_equal(crypto_kx_shared(&mine, pub, guess),
			    0);
			crypto_kx_clear(&mine);
			break;
		}
		assert_int_equal(auth_session_keys(guess, TC_SECRET, &tr, &k),
		    0);
		assert_memory_not_equal(k.up, ts.ckeys.up, CRYPTO_KEYLEN);
		tc_aead(&a, k.up, "up");
		assert_int_equal(crypto_aead_open(&a, 1, NULL, 0, ts.frame,
		    sizeof(ts.frame), out), -1);
		crypto_aead_clear(&a);
	}
}

/*
 * A man in the middle without the secret puts his own public key in
 * place of either side's: the proof of the other side no longer matches,
 * so admission fails at hras (hrac's key) or at hrac (hras's key).
 */
static void
test_kx_substituted(void **state)
{
	struct tc_session	 ts;
	struct auth_transcript	 tr;
	struct crypto_kx	 mitm;
	char			 mine[2 * CRYPTO_PUBLEN + 1], want[AUTH_HEXLEN];

	(void)state;
	tc_handshake(&ts);
	assert_int_equal(crypto_kx_new(&mitm), 0);
	crypto_hex(mitm.pub, sizeof(mitm.pub), mine);
	crypto_kx_clear(&mitm);
	/* hras checks hrac's proof over the key it received. */
	assert_int_equal(auth_open_mac(TC_SECRET, "corp", ts.snonce, mine,
	    want), 0);
	assert_string_not_equal(want, ts.open_mac);
	/* One bit of hrac's key changed in transit. */
	ts.cpub[0] = ts.cpub[0] == '0' ? '1' : '0';
	assert_int_equal(auth_open_mac(TC_SECRET, "corp", ts.snonce, ts.cpub,
	    want), 0);
	assert_string_not_equal(want, ts.open_mac);
	ts.cpub[0] = ts.cpub[0] == '0' ? '1' : '0';
	/* hrac checks hras's proof over the key it received. */
	tr.id = "corp";
	tr.sid = ts.sid;
	tr.snonce = ts.snonce;
	tr.cpub = ts.cpub;
	tr.spub = mine;
	assert_int_equal(auth_welcome_mac(TC_SECRET, &tr, want), 0);
	assert_string_not_equal(want, ts.welcome_mac);
	/* Or hrac's key replaced in hras's proof only. */
	tr.cpub = mine;
	tr.spub = ts.spub;
	assert_int_equal(auth_welcome_mac(TC_SECRET, &tr, want), 0);
	assert_string_not_equal(want, ts.welcome_mac);
}

/* A public key of a low-order point gives no shared value. */
static void
test_kx_bad_point(void **state)
{
	struct crypto_kx	 kx;
	uint8_t			 zero[CRYPTO_PUBLEN], one[CRYPTO_PUBLEN];
	uint8_t			 out[CRYPTO_KEYLEN], none[CRYPTO_KEYLEN];

	(void)state;
	memset(zero, 0, sizeof(zero));
	memset(one, 0, sizeof(one));
	one[0] = 1;
	memset(none, 0, sizeof(none));
	assert_int_equal(crypto_kx_new(&kx), 0);
	assert_int_equal(crypto_kx_shared(&kx, zero, out), -1);
	assert_memory_equal(out, none, sizeof(out));
	assert_int_equal(crypto_kx_shared(&kx, one, out), -1);
	crypto_kx_clear(&kx);
	crypto_kx_clear(&kx);
	assert_int_equal(crypto_kx_shared(&kx, one, out), -1);
}

/* Challenges: checked with their key until they expire, never forged. */
static void
test_challenge(void **state)
{
	uint8_t		 key[CRYPTO_KEYLEN], tok[AUTH_CHALLENGELEN];
	uint8_t		 tok2[AUTH_CHALLENGELEN];
	uint64_t	 n = 0;
	int		 i;

	(void)state;
	memset(key, 3, sizeof(key));
	assert_int_equal(auth_challenge_make(key, 0x0102030405060708ULL, 130,
	    tok), 0);
	assert_int_equal(auth_challenge_check(key, tok, 100, &n), 0);
	assert_true(n == 0x0102030405060708ULL);
	assert_int_equal(auth_challenge_check(key, tok, 130, &n), 0);
	assert_int_equal(auth_challenge_check(key, tok, 131, &n), -1);
	/* Two challenges of the same number still differ. */
	assert_int_equal(auth_challenge_make(key, 0x0102030405060708ULL, 130,
	    tok2), 0);
	assert_memory_not_equal(tok, tok2, sizeof(tok));
	/* Any byte changed, or another key: refused. */
	for (i = 0; i < AUTH_CHALLENGELEN; i++) {
		memcpy(tok2, tok, sizeof(tok));
		tok2[i] ^= 0x40;
		assert_int_equal(auth_challenge_check(key, tok2, 100, &n), -1);
	}
	key[0] ^= 1;
	assert_int_equal(auth_challenge_check(key, tok, 100, &n), -1);
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
	tc_unhex(tc_aead_hex, key, sizeof(key));
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
	struct auth_transcript	 tr;
	uint8_t			 req[CRYPTO_KEYLEN];
	char			 out[AUTH_HEXLEN];

	(void)state;
	/* printf 'vofw2 open corp aa bb' | openssl dgst -sha256 -hmac ... */
	assert_int_equal(auth_open_mac(TC_SECRET, "corp", "aa", "bb", out), 0);
	assert_string_equal(out, "915cde8ac229e633992832d39764d6c2"
	    "61b34d1a79c42b58f653dac7d0f979ad");
	/* 'vofw2 welcome corp 0011 aa bb cc' */
	tc_transcript(&tr);
	assert_int_equal(auth_welcome_mac(TC_SECRET, &tr, out), 0);
	assert_string_equal(out, "4417945faa7ec99c25253e7df9eb441c"
	    "afca17394d511b37b65cdeae900d0e5d");
	/* 'vofw2 POST /up 0011 7' under the derived request key, cut to 16. */
	tc_unhex(tc_req_hex, req, sizeof(req));
	assert_int_equal(auth_request_mac(req, "POST", "/up", "0011", 7, out),
	    0);
	assert_string_equal(out, "c02930dad7cffb91a4daeee5a06aa7c6");
	assert_int_equal(strlen(out), 2 * AUTH_REQ_MACLEN);
}

/* The same inputs give the same MAC; any one field changed, another. */
static void
test_auth_differs(void **state)
{
	struct auth_transcript	 tr;
	char			 a[AUTH_HEXLEN], b[AUTH_HEXLEN];
	char			 base[AUTH_HEXLEN];
	uint8_t			 key[CRYPTO_KEYLEN], key2[CRYPTO_KEYLEN];

	(void)state;
	assert_int_equal(auth_open_mac("s", "id", "sn", "cp", base), 0);
	assert_int_equal(auth_open_mac("s", "id", "sn", "cp", a), 0);
	assert_string_equal(a, base);
	assert_int_equal(auth_open_mac("t", "id", "sn", "cp", a), 0);
	assert_string_not_equal(a, base);
	assert_int_equal(auth_open_mac("s", "iD", "sn", "cp", a), 0);
	assert_string_not_equal(a, base);
	assert_int_equal(auth_open_mac("s", "id", "sN", "cp", a), 0);
	assert_string_not_equal(a, base);
	assert_int_equal(auth_open_mac("s", "id", "sn", "cP", a), 0);
	assert_string_not_equal(a, base);
	assert_int_equal(auth_open_mac("s", "id", "cp", "sn", a), 0);
	assert_string_not_equal(a, base);

	tc_transcript(&tr);
	assert_int_equal(auth_welcome_mac("s", &tr, base), 0);
	assert_int_equal(auth_welcome_mac("s", &tr, a), 0);
	assert_string_equal(a, base);
	assert_int_equal(auth_welcome_mac("S", &tr, a), 0);
	assert_string_not_equal(a, base);
	tr.id = "corq";
	assert_int_equal(auth_welcome_mac("s", &tr, a), 0);
	assert_string_not_equal(a, base);
	tc_transcript(&tr);
	tr.sid = "0012";
	assert_int_equal(auth_welcome_mac("s", &tr, a), 0);
	assert_string_not_equal(a, base);
	tc_transcript(&tr);
	tr.snonce = "ab";
	assert_int_equal(auth_welcome_mac("s", &tr, a), 0);
	assert_string_not_equal(a, base);
	tc_transcript(&tr);
	tr.cpub = "bc";
	assert_int_equal(auth_welcome_mac("s", &tr, a), 0);
	assert_string_not_equal(a, base);
	tc_transcript(&tr);
	tr.spub = "cd";
	assert_int_equal(auth_welcome_mac("s", &tr, a), 0);
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

/* A second lane's requests are MACed over a path that names it. */
static void
test_auth_lane_path(void **state)
{
	char	 p[32], a[AUTH_HEXLEN], base[AUTH_HEXLEN];
	uint8_t	 key[CRYPTO_KEYLEN];

	(void)state;
	assert_int_equal(auth_lane_path("/vofw/v1/down", 0, p, sizeof(p)), 0);
	assert_string_equal(p, "/vofw/v1/down");
	assert_int_equal(auth_lane_path("/vofw/v1/down", 1, p, sizeof(p)), 0);
	assert_string_equal(p, "/vofw/v1/down?lane=1");
	memset(key, 1, sizeof(key));
	assert_int_equal(auth_request_mac(key, "GET", "/vofw/v1/down", "s", 1,
	    base), 0);
	assert_int_equal(auth_request_mac(key, "GET", p, "s", 1, a), 0);
	assert_string_not_equal(a, base);
	/* Too long for the room given: refused, not cut. */
	assert_int_equal(auth_lane_path("/vofw/v1/down", 1, p, 20), -1);
	assert_int_equal(auth_lane_path("/vofw/v1/down", 1, p, 21), 0);
}

/* Fields too long for the MAC's message buffer are refused, not cut. */
static void
test_auth_too_long(void **state)
{
	struct auth_transcript	 tr;
	char			 big[600], out[AUTH_HEXLEN];
	uint8_t			 key[CRYPTO_KEYLEN];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(key, 0, sizeof(key));
	assert_int_equal(auth_open_mac("s", big, "sn", "cn", out), -1);
	tc_transcript(&tr);
	tr.spub = big;
	assert_int_equal(auth_welcome_mac("s", &tr, out), -1);
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
		cmocka_unit_test(test_kx_agree),
		cmocka_unit_test(test_kx_recorded),
		cmocka_unit_test(test_kx_substituted),
		cmocka_unit_test(test_kx_bad_point),
		cmocka_unit_test(test_challenge),
		cmocka_unit_test(test_aead_known),
		cmocka_unit_test(test_aead_round_trip),
		cmocka_unit_test(test_aead_open_fails),
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_auth_known),
		cmocka_unit_test(test_auth_differs),
		cmocka_unit_test(test_auth_lane_path),
		cmocka_unit_test(test_auth_too_long),
		cmocka_unit_test(test_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
