/*
 * How hras admits a client and how each tunnel request proves it belongs
 * to an admitted session (docs/protocol.md, "Handshake"). Shared so that
 * both halves compute exactly the same messages.
 */
#ifndef VOFW_AUTH_H
#define VOFW_AUTH_H

#include <stdint.h>

#include "crypto.h"

#define AUTH_HEXLEN	(2 * CRYPTO_MACLEN + 1)
#define AUTH_REQ_MACLEN	16	/* bytes of HMAC kept on each request */
#define AUTH_SIDLEN	16

/* Sliding window of request numbers seen (IPsec-style replay check). */
struct auth_window {
	uint64_t	top;
	uint64_t	seen;	/* bit i: request top - i was seen */
};

int	auth_open_mac(const char *secret, const char *id,
	    const char *snonce_hex, const char *cnonce_hex,
	    char out[AUTH_HEXLEN]);
int	auth_welcome_mac(const char *secret, const char *sid_hex,
	    const char *snonce_hex, const char *cnonce_hex,
	    char out[AUTH_HEXLEN]);
int	auth_request_mac(const uint8_t key[CRYPTO_KEYLEN], const char *method,
	    const char *path, const char *sid_hex, uint64_t req,
	    char out[AUTH_HEXLEN]);
int	auth_window_accept(struct auth_window *, uint64_t req);

#endif
