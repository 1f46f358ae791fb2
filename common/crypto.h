/*
 * Cryptography of the tunnel: the HMAC that admits a client, the
 * ephemeral X25519 exchange and key derivation per tunnel session, and the
 * AEAD that authenticates and encrypts every frame end to end between the
 * two halves.
 */
#ifndef VOFW_CRYPTO_H
#define VOFW_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_KEYLEN	32	/* AES-256-GCM key */
#define CRYPTO_TAGLEN	16	/* GCM tag appended to each frame */
#define CRYPTO_MACLEN	32	/* HMAC-SHA256 output */
#define CRYPTO_PUBLEN	32	/* X25519 public key */

struct evp_cipher_ctx_st;
struct evp_pkey_st;

/* One direction of a tunnel session: key, fixed IV salt, cipher context. */
struct crypto_aead {
	struct evp_cipher_ctx_st	*ctx;
	uint8_t				 salt[4];
};

/* One side's ephemeral X25519 key pair, for one handshake only. */
struct crypto_kx {
	struct evp_pkey_st	*key;
	uint8_t			 pub[CRYPTO_PUBLEN];
};

/* Key material both halves derive from the exchange and the secret. */
struct crypto_session_keys {
	uint8_t		up[CRYPTO_KEYLEN];	/* hrac -> hras frames */
	uint8_t		down[CRYPTO_KEYLEN];	/* hras -> hrac frames */
	uint8_t		req[CRYPTO_KEYLEN];	/* per-request MACs */
};

int	crypto_random(void *, size_t);
int	crypto_hmac(const void *key, size_t keylen, const void *msg,
	    size_t msglen, uint8_t out[CRYPTO_MACLEN]);
int	crypto_equal(const void *, const void *, size_t);
int	crypto_kx_new(struct crypto_kx *);
int	crypto_kx_shared(struct crypto_kx *, const uint8_t peer[CRYPTO_PUBLEN],
	    uint8_t out[CRYPTO_KEYLEN]);
void	crypto_kx_clear(struct crypto_kx *);
int	crypto_derive(const uint8_t shared[CRYPTO_KEYLEN], const char *secret,
	    const void *salt, size_t saltlen, struct crypto_session_keys *);

int	crypto_aead_init(struct crypto_aead *, const uint8_t key[CRYPTO_KEYLEN],
	    const char *label);
void	crypto_aead_clear(struct crypto_aead *);
int	crypto_aead_seal(struct crypto_aead *, uint64_t seq,
	    const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len,
	    uint8_t *out);
int	crypto_aead_open(struct crypto_aead *, uint64_t seq,
	    const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len,
	    uint8_t *out);

const char *crypto_strerror(unsigned long);
void	crypto_hex(const uint8_t *, size_t, char *out);
int	crypto_unhex(const char *, uint8_t *out, size_t outlen);

#endif
