/*
 * How hras admits a client and how each tunnel request proves it belongs
 * to an admitted session (docs/protocol.md, "Handshake"). Shared so that
 * both halves compute exactly the same messages.
 */
#ifndef VOFW_AUTH_H
#define VOFW_AUTH_H

#include <stdint.h>

#include "crypto.h"

#define AUTH_VERSION_STR "2"	/* admission protocol spoken */
#define AUTH_HEXLEN	(2 * CRYPTO_MACLEN + 1)
#define AUTH_REQ_MACLEN	16	/* bytes of HMAC kept on each request */
#define AUTH_SIDLEN	16
#define AUTH_CHALLENGELEN 32	/* number, expiry, random, MAC */

/* What both sides' proofs and keys cover, as sent (hex). */
struct auth_transcript {
	const char	*id;		/* client id */
	const char	*sid;		/* session id hras chose */
	const char	*snonce;	/* hras's challenge */
	const char	*cpub;		/* hrac's ephemeral X25519 key */
	const char	*spub;		/* hras's ephemeral X25519 key */
};

/* Sliding window of request numbers seen (IPsec-style replay check). */
struct auth_window {
	uint64_t	top;
	uint64_t	seen;	/* bit i: request top - i was seen */
};

int	auth_challenge_make(const uint8_t key[CRYPTO_KEYLEN], uint64_t count,
	    uint32_t expires, uint8_t out[AUTH_CHALLENGELEN]);
int	auth_challenge_check(const uint8_t key[CRYPTO_KEYLEN],
	    const uint8_t tok[AUTH_CHALLENGELEN], uint32_t now,
	    uint64_t *count);
int	auth_open_mac(const char *secret, const char *id,
	    const char *snonce_hex, const char *cpub_hex,
	    char out[AUTH_HEXLEN]);
int	auth_welcome_mac(const char *secret, const struct auth_transcript *,
	    char out[AUTH_HEXLEN]);
int	auth_session_keys(const uint8_t shared[CRYPTO_KEYLEN],
	    const char *secret, const struct auth_transcript *,
	    struct crypto_session_keys *);
int	auth_request_mac(const uint8_t key[CRYPTO_KEYLEN], const char *method,
	    const char *path, const char *sid_hex, uint64_t req,
	    char out[AUTH_HEXLEN]);
int	auth_lane_path(const char *path, int lane, char *, size_t);
int	auth_window_accept(struct auth_window *, uint64_t req);

#endif
