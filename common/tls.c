/*
 * hras's TLS server context: the certificate chain and its private key,
 * loaded and checked against each other (a key of another certificate, or
 * garbage, is refused here, not at the first handshake).
 */
#include <stdio.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "crypto.h"
#include "tls.h"

/*
 * A server context for TLS 1.2 and later from a PEM chain and key; NULL
 * with the reason, naming the file that failed, in err.
 */
struct ssl_ctx_st *
tls_server_ctx(const char *cert, const char *key, char *err, size_t errlen)
{
	SSL_CTX		*ctx;
	unsigned long	 e;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		snprintf(err, errlen, "cannot create a TLS context: %s",
		    crypto_strerror(ERR_get_error()));
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		snprintf(err, errlen, "tunnel.tls.cert \"%s\": %s", cert,
		    crypto_strerror(ERR_get_error()));
		goto fail;
	}
	/* OpenSSL checks the key against the certificate as it loads it. */
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		e = ERR_peek_last_error();
		if (ERR_GET_LIB(e) == ERR_LIB_X509 &&
		    ERR_GET_REASON(e) == X509_R_KEY_VALUES_MISMATCH)
			goto mismatch;
		snprintf(err, errlen, "tunnel.tls.key \"%s\": %s", key,
		    crypto_strerror(e));
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
mismatch:
		snprintf(err, errlen, "tunnel.tls.key \"%s\" does not match "
		    "the certificate of tunnel.tls.cert \"%s\"", key, cert);
		goto fail;
	}
	ERR_clear_error();
	return ctx;
fail:
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return NULL;
}
