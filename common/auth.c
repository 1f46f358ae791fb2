/*
 * Admission and per-request proofs (admission protocol 2). hras's
 * challenges are self-contained: a number that only grows, an expiry and a
 * MAC under a key only hras knows, so they take no room in hras and no
 * flood of challenges can push out a client's. The client answers one
 * with its ephemeral X25519 public key and HMAC(secret, "vofw2 open" id
 * challenge key); the server proves it knows the secret too with
 * HMAC(secret, "vofw2 welcome" id sid challenge key key'), covering its
 * own ephemeral key. Every later request carries a number that only ever
 * grows and an HMAC under the session's request key, so a captured
 * request is refused when replayed.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"

static int	auth_transcript_line(const char *,
		    const struct auth_transcript *, char *, size_t);
static int	auth_mac_hex(const void *, size_t, const char *, size_t,
		    char *);
static int	auth_challenge_tag(const uint8_t *, const uint8_t *,
		    uint8_t *);

/* HMAC of a message, as lower-case hex of the first n bytes. */
static int
auth_mac_hex(const void *key, size_t keylen, const char *msg, size_t n,
    char *out)
{
	uint8_t	 mac[CRYPTO_MACLEN];

	if (crypto_hmac(key, keylen, msg, strlen(msg), mac) == -1)
		return -1;
	crypto_hex(mac, n, out);
	return 0;
}

/* The MAC that closes a challenge, over its first 16 bytes. */
static int
auth_challenge_tag(const uint8_t *key, const uint8_t *tok, uint8_t *tag)
{
	uint8_t	 mac[CRYPTO_MACLEN];

	if (crypto_hmac(key, CRYPTO_KEYLEN, tok, AUTH_CHALLENGELEN / 2,
	    mac) == -1)
		return -1;
	memcpy(tag, mac, AUTH_CHALLENGELEN / 2);
	return 0;
}

/*
 * Make challenge number count, valid until expires (seconds on hras's
 * monotonic clock): the number (8 bytes), the expiry (4), 4 random bytes
 * and 16 bytes of HMAC(key) over them.
 */
int
auth_challenge_make(const uint8_t key[CRYPTO_KEYLEN], uint64_t count,
    uint32_t expires, uint8_t out[AUTH_CHALLENGELEN])
{
	int	 i;

	for (i = 0; i < 8; i++)
		out[i] = (uint8_t)(count >> (56 - 8 * i));
	for (i = 0; i < 4; i++)
		out[8 + i] = (uint8_t)(expires >> (24 - 8 * i));
	if (crypto_random(out + 12, 4) == -1)
		return -1;
	return auth_challenge_tag(key, out, out + AUTH_CHALLENGELEN / 2);
}

/*
 * Check a challenge made with key and not expired at now; its number goes
 * to *count. -1 when forged, altered or stale. Whether it was answered
 * before is the caller's to check (numbers only grow).
 */
int
auth_challenge_check(const uint8_t key[CRYPTO_KEYLEN],
    const uint8_t tok[AUTH_CHALLENGELEN], uint32_t now, uint64_t *count)
{
	uint8_t		 tag[AUTH_CHALLENGELEN / 2];
	uint32_t	 expires = 0;
	int		 i;

	if (auth_challenge_tag(key, tok, tag) == -1 ||
	    !crypto_equal(tag, tok + AUTH_CHALLENGELEN / 2, sizeof(tag)))
		return -1;
	for (i = 0; i < 4; i++)
		expires = expires << 8 | tok[8 + i];
	if (expires < now)
		return -1;
	*count = 0;
	for (i = 0; i < 8; i++)
		*count = *count << 8 | tok[i];
	return 0;
}

/* The client's proof of its secret over the challenge and its key. */
int
auth_open_mac(const char *secret, const char *id, const char *snonce_hex,
    const char *cpub_hex, char out[AUTH_HEXLEN])
{
	char	 msg[512];
	int	 n;

	n = snprintf(msg, sizeof(msg), "vofw2 open %s %s %s", id, snonce_hex,
	    cpub_hex);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return -1;
	return auth_mac_hex(secret, strlen(secret), msg, CRYPTO_MACLEN, out);
}

/*
 * The exchange as one line, "vofw2 LABEL id sid challenge key key'", for
 * what covers all of it (the welcome's MAC, the keys' salt); its length,
 * or -1 when it does not fit.
 */
static int
auth_transcript_line(const char *label, const struct auth_transcript *tr,
    char *buf, size_t len)
{
	int	 n;

	n = snprintf(buf, len, "vofw2 %s %s %s %s %s %s", label, tr->id,
	    tr->sid, tr->snonce, tr->cpub, tr->spub);
	if (n < 0 || (size_t)n >= len)
		return -1;
	return n;
}

/*
 * The server's proof of the same secret over the whole exchange: the
 * session id and both public keys, so that nobody without the secret can
 * put their own key in place of either side's.
 */
int
auth_welcome_mac(const char *secret, const struct auth_transcript *tr,
    char out[AUTH_HEXLEN])
{
	char	 msg[512];

	if (auth_transcript_line("welcome", tr, msg, sizeof(msg)) == -1)
		return -1;
	return auth_mac_hex(secret, strlen(secret), msg, CRYPTO_MACLEN, out);
}

/* The session's keys, from the X25519 shared value, secret and exchange. */
int
auth_session_keys(const uint8_t shared[CRYPTO_KEYLEN], const char *secret,
    const struct auth_transcript *tr, struct crypto_session_keys *keys)
{
	char	 salt[512];
	int	 n;

	if ((n = auth_transcript_line("keys", tr, salt, sizeof(salt))) == -1)
		return -1;
	return crypto_derive(shared, secret, salt, (size_t)n, keys);
}

/* The MAC one tunnel request carries. */
int
auth_request_mac(const uint8_t key[CRYPTO_KEYLEN], const char *method,
    const char *path, const char *sid_hex, uint64_t req,
    char out[AUTH_HEXLEN])
{
	char	 msg[512];
	int	 n;

	n = snprintf(msg, sizeof(msg), "vofw2 %s %s %s %llu", method, path,
	    sid_hex, (unsigned long long)req);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return -1;
	return auth_mac_hex(key, CRYPTO_KEYLEN, msg, AUTH_REQ_MACLEN, out);
}

/*
 * The path a tunnel request's MAC covers: a lane beyond the first
 * (tunnel.h) is named in it, so that no one on the way can move a
 * request to another lane.
 */
int
auth_lane_path(const char *path, int lane, char *out, size_t len)
{
	int	 n;

	if (lane == 0)
		n = snprintf(out, len, "%s", path);
	else
		n = snprintf(out, len, "%s?lane=%d", path, lane);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/*
 * Accept a request number once: 1 when new (and now remembered), 0 when
 * already seen or too old to tell. Requests may overtake one another on
 * separate connections, so a window of 64 is kept, not a single maximum.
 */
int
auth_window_accept(struct auth_window *w, uint64_t req)
{
	uint64_t	 age;

	if (req == 0)
		return 0;
	if (req > w->top) {
		age = req - w->top;
		w->seen = age >= 64 ? 1 : (w->seen << age) | 1;
		w->top = req;
		return 1;
	}
	age = w->top - req;
	if (age >= 64 || (w->seen & ((uint64_t)1 << age)))
		return 0;
	w->seen |= (uint64_t)1 << age;
	return 1;
}
