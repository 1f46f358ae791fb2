/*
 * Cryptography of the tunnel. A client proves it holds its secret with an
 * HMAC over a fresh server nonce and its ephemeral X25519 public key; hras
 * answers with its own, and both halves derive per-session keys
 * (HKDF-SHA256) from the X25519 shared value and the secret. The private
 * halves are thrown away at once, so a secret learnt later opens no
 * recorded session (forward secrecy). Every frame is sealed with
 * AES-256-GCM using its sequence number as nonce, so a replayed, reordered
 * or altered frame fails to open.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "crypto.h"

static int	crypto_hkdf(const uint8_t *, size_t, const uint8_t *, size_t,
		    const char *, uint8_t *, size_t);
static void	crypto_iv(const struct crypto_aead *, uint64_t, uint8_t[12]);

/* Fill a buffer with cryptographically strong random bytes. */
int
crypto_random(void *buf, size_t len)
{
	return RAND_bytes(buf, (int)len) == 1 ? 0 : -1;
}

/* HMAC-SHA256 of a message. */
int
crypto_hmac(const void *key, size_t keylen, const void *msg, size_t msglen,
    uint8_t out[CRYPTO_MACLEN])
{
	unsigned int	 outlen = CRYPTO_MACLEN;

	if (HMAC(EVP_sha256(), key, (int)keylen, msg, msglen, out,
	    &outlen) == NULL || outlen != CRYPTO_MACLEN)
		return -1;
	return 0;
}

/* Constant-time comparison; 1 when equal. */
int
crypto_equal(const void *a, const void *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0;
}

/* HKDF-SHA256 (extract and expand) of key material into one labelled key. */
static int
crypto_hkdf(const uint8_t *ikm, size_t ikmlen, const uint8_t *salt,
    size_t saltlen, const char *label, uint8_t *out, size_t outlen)
{
	EVP_KDF		*kdf;
	EVP_KDF_CTX	*kctx;
	OSSL_PARAM	 params[5];
	int		 rc;

	if ((kdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) == NULL)
		return -1;
	kctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	if (kctx == NULL)
		return -1;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)(uintptr_t)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)(uintptr_t)ikm, ikmlen);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)(uintptr_t)salt, saltlen);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    (void *)(uintptr_t)label, strlen(label));
	params[4] = OSSL_PARAM_construct_end();
	rc = EVP_KDF_derive(kctx, out, outlen, params) == 1 ? 0 : -1;
	EVP_KDF_CTX_free(kctx);
	return rc;
}

/* Make a fresh ephemeral X25519 key pair. */
int
crypto_kx_new(struct crypto_kx *kx)
{
	size_t	 len = CRYPTO_PUBLEN;

	if ((kx->key = EVP_PKEY_Q_keygen(NULL, NULL, "X25519")) == NULL)
		return -1;
	if (EVP_PKEY_get_raw_public_key(kx->key, kx->pub, &len) != 1 ||
	    len != CRYPTO_PUBLEN) {
		crypto_kx_clear(kx);
		return -1;
	}
	return 0;
}

/*
 * The X25519 shared value of our key pair and the peer's public key; -1
 * when the peer's key is not a usable point (all-zero result: RFC 7748,
 * section 6.1).
 */
int
crypto_kx_shared(struct crypto_kx *kx, const uint8_t peer[CRYPTO_PUBLEN],
    uint8_t out[CRYPTO_KEYLEN])
{
	static const uint8_t	 zero[CRYPTO_KEYLEN];
	EVP_PKEY		*pk;
	EVP_PKEY_CTX		*ctx;
	size_t			 len = CRYPTO_KEYLEN;
	int			 rc = -1;

	if (kx->key == NULL || (pk = EVP_PKEY_new_raw_public_key(
	    EVP_PKEY_X25519, NULL, peer, CRYPTO_PUBLEN)) == NULL)
		return -1;
	if ((ctx = EVP_PKEY_CTX_new(kx->key, NULL)) != NULL &&
	    EVP_PKEY_derive_init(ctx) == 1 &&
	    EVP_PKEY_derive_set_peer(ctx, pk) == 1 &&
	    EVP_PKEY_derive(ctx, out, &len) == 1 && len == CRYPTO_KEYLEN &&
	    !crypto_equal(out, zero, CRYPTO_KEYLEN))
		rc = 0;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	if (rc == -1)
		OPENSSL_cleanse(out, CRYPTO_KEYLEN);
	return rc;
}

/* Throw an ephemeral key pair away. */
void
crypto_kx_clear(struct crypto_kx *kx)
{
	EVP_PKEY_free(kx->key);
	kx->key = NULL;
}

/*
 * Derive the keys of one tunnel session: HKDF-SHA256 over the X25519
 * shared value followed by the secret, salted with the handshake's
 * transcript. Without the shared value (that is, without one side's
 * ephemeral private key) the secret alone yields nothing.
 */
int
crypto_derive(const uint8_t shared[CRYPTO_KEYLEN], const char *secret,
    const void *salt, size_t saltlen, struct crypto_session_keys *keys)
{
	uint8_t	 ikm[CRYPTO_KEYLEN + 1024];
	size_t	 slen = strlen(secret), n = CRYPTO_KEYLEN + slen;
	int	 rc = 0;

	if (slen > sizeof(ikm) - CRYPTO_KEYLEN)
		return -1;
	memcpy(ikm, shared, CRYPTO_KEYLEN);
	memcpy(ikm + CRYPTO_KEYLEN, secret, slen);
	if (crypto_hkdf(ikm, n, salt, saltlen, "vofw2 up", keys->up,
	    CRYPTO_KEYLEN) == -1 ||
	    crypto_hkdf(ikm, n, salt, saltlen, "vofw2 down", keys->down,
	    CRYPTO_KEYLEN) == -1 ||
	    crypto_hkdf(ikm, n, salt, saltlen, "vofw2 req", keys->req,
	    CRYPTO_KEYLEN) == -1) {
		OPENSSL_cleanse(keys, sizeof(*keys));
		rc = -1;
	}
	OPENSSL_cleanse(ikm, n);
	return rc;
}

/* Set up one direction's cipher; the label keeps the two IVs apart. */
int
crypto_aead_init(struct crypto_aead *a, const uint8_t key[CRYPTO_KEYLEN],
    const char *label)
{
	uint8_t	 h[CRYPTO_MACLEN];

	if ((a->ctx = EVP_CIPHER_CTX_new()) == NULL)
		return -1;
	if (crypto_hmac(key, CRYPTO_KEYLEN, label, strlen(label), h) == -1 ||
	    EVP_CipherInit_ex(a->ctx, EVP_aes_256_gcm(), NULL, key, NULL,
	    -1) != 1) {
		crypto_aead_clear(a);
		return -1;
	}
	memcpy(a->salt, h, sizeof(a->salt));
	return 0;
}

/* Free one direction's cipher. */
void
crypto_aead_clear(struct crypto_aead *a)
{
	EVP_CIPHER_CTX_free(a->ctx);
	a->ctx = NULL;
}

/* The 96-bit GCM nonce: 4 bytes of salt, then the 64-bit sequence. */
static void
crypto_iv(const struct crypto_aead *a, uint64_t seq, uint8_t iv[12])
{
	int	 i;

	memcpy(iv, a->salt, 4);
	for (i = 0; i < 8; i++)
		iv[4 + i] = (uint8_t)(seq >> (56 - 8 * i));
}

/* Encrypt len bytes into out, appending the tag (out has len + TAGLEN). */
int
crypto_aead_seal(struct crypto_aead *a, uint64_t seq, const uint8_t *aad,
    size_t aadlen, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t	 iv[12];
	int	 n;

	crypto_iv(a, seq, iv);
	if (EVP_EncryptInit_ex(a->ctx, NULL, NULL, NULL, iv) != 1 ||
	    EVP_EncryptUpdate(a->ctx, NULL, &n, aad, (int)aadlen) != 1 ||
	    (len > 0 && EVP_EncryptUpdate(a->ctx, out, &n, in,
	    (int)len) != 1) ||
	    EVP_EncryptFinal_ex(a->ctx, out + len, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_GCM_GET_TAG, CRYPTO_TAGLEN,
	    out + len) != 1)
		return -1;
	return 0;
}

/*
 * Decrypt and authenticate len bytes (ciphertext plus tag) into out, which
 * receives len - TAGLEN bytes; -1 when the frame is not authentic.
 */
int
crypto_aead_open(struct crypto_aead *a, uint64_t seq, const uint8_t *aad,
    size_t aadlen, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t	 iv[12], tag[CRYPTO_TAGLEN];
	size_t	 clen;
	int	 n;

	if (len < CRYPTO_TAGLEN)
		return -1;
	clen = len - CRYPTO_TAGLEN;
	memcpy(tag, in + clen, CRYPTO_TAGLEN);
	crypto_iv(a, seq, iv);
	if (EVP_DecryptInit_ex(a->ctx, NULL, NULL, NULL, iv) != 1 ||
	    EVP_DecryptUpdate(a->ctx, NULL, &n, aad, (int)aadlen) != 1 ||
	    (clen > 0 && EVP_DecryptUpdate(a->ctx, out, &n, in,
	    (int)clen) != 1) ||
	    EVP_CIPHER_CTX_ctrl(a->ctx, EVP_CTRL_GCM_SET_TAG, CRYPTO_TAGLEN,
	    tag) != 1 ||
	    EVP_DecryptFinal_ex(a->ctx, out + clen, &n) != 1)
		return -1;
	return 0;
}

/* Lower-case hex of len bytes into out (2 * len + 1 bytes). */
void
crypto_hex(const uint8_t *in, size_t len, char *out)
{
	static const char	 digits[] = "0123456789abcdef";
	size_t			 i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * len] = '\0';
}

/* Parse exactly 2 * outlen hex digits; -1 on any other input. */
int
crypto_unhex(const char *s, uint8_t *out, size_t outlen)
{
	size_t	 i;
	int	 hi, lo;

	if (strlen(s) != 2 * outlen)
		return -1;
	for (i = 0; i < outlen; i++) {
		hi = OPENSSL_hexchar2int((unsigned char)s[2 * i]);
		lo = OPENSSL_hexchar2int((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* OpenSSL's reason for an error code, never NULL. */
const char *
crypto_strerror(unsigned long e)
{
	const char	*s = ERR_reason_error_string(e);

	return s != NULL ? s : "unknown TLS error";
}
