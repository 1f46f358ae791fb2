/*
 * Admission and per-request proofs. The client answers a single-use server
 * nonce with HMAC(secret, "vofw1 open" id snonce cnonce); the server proves
 * it knows the secret too with HMAC(secret, "vofw1 welcome" sid snonce
 * cnonce). Every later request carries a number that only ever grows and
 * an HMAC under the session's request key, so a captured request is
 * refused when replayed.
 */
#include <stdio.h>
#include <string.h>

#include "auth.h"

static int	auth_mac_hex(const void *, size_t, const char *, size_t,
		    char *);

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

/* The client's proof of its secret over both nonces. */
int
auth_open_mac(const char *secret, const char *id, const char *snonce_hex,
    const char *cnonce_hex, char out[AUTH_HEXLEN])
{
	char	 msg[512];
	int	 n;

	n = snprintf(msg, sizeof(msg), "vofw1 open %s %s %s", id, snonce_hex,
	    cnonce_hex);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return -1;
	return auth_mac_hex(secret, strlen(secret), msg, CRYPTO_MACLEN, out);
}

/* The server's proof of the same secret, binding the session id. */
int
auth_welcome_mac(const char *secret, const char *sid_hex,
    const char *snonce_hex, const char *cnonce_hex, char out[AUTH_HEXLEN])
{
	char	 msg[512];
	int	 n;

	n = snprintf(msg, sizeof(msg), "vofw1 welcome %s %s %s", sid_hex,
	    snonce_hex, cnonce_hex);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return -1;
	return auth_mac_hex(secret, strlen(secret), msg, CRYPTO_MACLEN, out);
}

/* The MAC one tunnel request carries. */
int
auth_request_mac(const uint8_t key[CRYPTO_KEYLEN], const char *method,
    const char *path, const char *sid_hex, uint64_t req,
    char out[AUTH_HEXLEN])
{
	char	 msg[512];
	int	 n;

	n = snprintf(msg, sizeof(msg), "vofw1 %s %s %s %llu", method, path,
	    sid_hex, (unsigned long long)req);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return -1;
	return auth_mac_hex(key, CRYPTO_KEYLEN, msg, AUTH_REQ_MACLEN, out);
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
