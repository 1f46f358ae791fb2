/*
 * TLS on hrac's links: the client context a configuration asks for (hras
 * verified against a CA file or the system's, or pinned by its
 * certificate's fingerprint), keeping the certificate that failed, and
 * the failures told apart for the log: a certificate that does not
 * verify, a pin that does not match (a proxy that inspects TLS, named
 * with the certificate it presented), a server that does not speak TLS.
 */
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "crypto.h"
#include "hrac.h"
#include "log.h"

static int	hrac_tls_verify(int, X509_STORE_CTX *);
static void	hrac_tls_cert(struct hrac_link *, char *, size_t);

/*
 * The client TLS context a configuration asks for: verify hras against
 * its CA unless a fingerprint pins it. NULL (logged) if the CA does not
 * load. Reloads build a new one the same way.
 */
struct ssl_ctx_st *
hrac_tls_ctx(const struct hrac_config *conf)
{
	SSL_CTX	*ctx;

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		return NULL;
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	if (conf->tls_fingerprint != NULL)
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	else {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, hrac_tls_verify);
		if ((conf->tls_ca != NULL && SSL_CTX_load_verify_locations(ctx,
		    conf->tls_ca, NULL) != 1) || (conf->tls_ca == NULL &&
		    SSL_CTX_set_default_verify_paths(ctx) != 1)) {
			log_warnx("tls: cannot load CA %s", conf->tls_ca !=
			    NULL ? conf->tls_ca : "(system default)");
			SSL_CTX_free(ctx);
			return NULL;
		}
	}
	return ctx;
}

/*
 * OpenSSL's verdict on a certificate of the chain stands; a failed one
 * keeps the server's own certificate on the link, which a failed
 * handshake does not: the failure names what was presented.
 */
static int
hrac_tls_verify(int ok, X509_STORE_CTX *ctx)
{
	SSL			*ssl;
	struct hrac_link	*l;
	X509			*cert;

	if (ok)
		return ok;
	ssl = X509_STORE_CTX_get_ex_data(ctx,
	    SSL_get_ex_data_X509_STORE_CTX_idx());
	if (ssl == NULL || (l = SSL_get_app_data(ssl)) == NULL ||
	    l->peer != NULL)
		return ok;
	if ((cert = X509_STORE_CTX_get0_cert(ctx)) != NULL &&
	    X509_up_ref(cert) == 1)
		l->peer = cert;
	return ok;
}

/* With a pinned fingerprint, the server's certificate must match it. */
int
hrac_tls_pinned(struct hrac_link *l)
{
	const char	*pin = l->s->h->conf->tls_fingerprint;
	SSL		*ssl = bufferevent_openssl_get_ssl(l->bev);
	X509		*cert;
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen, i;
	char		 hex[2 * EVP_MAX_MD_SIZE + 1];
	char		 got[2 * EVP_MAX_MD_SIZE + 1];
	const char	*p;
	size_t		 n = 0;

	if (pin == NULL)
		return 1;
	if (ssl == NULL || (cert = SSL_get1_peer_certificate(ssl)) == NULL)
		return 0;
	i = X509_digest(cert, EVP_sha256(), md, &mdlen);
	X509_free(cert);
	if (i != 1)
		return 0;
	for (p = pin; *p != '\0' && n < sizeof(hex) - 1; p++)
		if (*p != ':')
			hex[n++] = (char)(*p >= 'A' && *p <= 'F' ?
			    *p - 'A' + 'a' : *p);
	hex[n] = '\0';
	crypto_hex(md, mdlen, got);
	return strlen(got) == n && crypto_equal(got, hex, n);
}

/* "subject S, issued by I (sha256 HEX)": the certificate presented. */
static void
hrac_tls_cert(struct hrac_link *l, char *out, size_t len)
{
	SSL		*ssl;
	X509		*cert;
	char		 subj[256], iss[256], hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;

	out[0] = '\0';
	if (l->bev == NULL || (ssl = bufferevent_openssl_get_ssl(l->bev)) ==
	    NULL)
		return;
	if ((cert = SSL_get1_peer_certificate(ssl)) == NULL) {
		if (l->peer == NULL || X509_up_ref(l->peer) != 1)
			return;
		cert = l->peer;
	}
	X509_NAME_oneline(X509_get_subject_name(cert), subj, sizeof(subj));
	X509_NAME_oneline(X509_get_issuer_name(cert), iss, sizeof(iss));
	if (X509_digest(cert, EVP_sha256(), md, &mdlen) != 1)
		mdlen = 0;
	X509_free(cert);
	crypto_hex(md, mdlen, hex);
	snprintf(out, len, "subject %s, issued by %s (sha256 %s)", subj, iss,
	    hex);
}

/*
 * The certificate is not the pinned one. Through a proxy that is its
 * TLS inspection (or hras's certificate changed): say so, with the
 * certificate it presented, and what to configure instead.
 */
void
hrac_tls_not_pinned(struct hrac_link *l)
{
	struct hrac_session	*s = l->s;
	char			 cert[700];

	hrac_tls_cert(l, cert, sizeof(cert));
	if (s->has_proxy)
		hrac_link_fail(l, "tls: the proxy at %s:%u intercepts TLS (or "
		    "hras's certificate changed): for %s:%u it presented %s, "
		    "not the pinned certificate; either remove tls.fingerprint "
		    "and trust the company's inspection CA (tls.ca, or the "
		    "system's CAs), or have the proxy pass %s through "
		    "uninspected (Squid: ssl_bump splice for it); if hras's "
		    "certificate was replaced, update tls.fingerprint",
		    s->proxy.host, s->proxy.port, s->server.host,
		    s->server.port, cert[0] != '\0' ? cert : "no certificate",
		    s->server.host);
	else
		hrac_link_fail(l, "tls: server certificate does not match the "
		    "pinned fingerprint: %s:%u presented %s; something on the "
		    "path intercepts TLS, or hras's certificate changed "
		    "(update tls.fingerprint)", s->server.host, s->server.port,
		    cert[0] != '\0' ? cert : "no certificate");
}

/*
 * The TLS handshake failed. A TLS server answers a ClientHello at once;
 * one that stays silent or sends something that is not a TLS record
 * speaks plain HTTP (or nothing at all) on that port.
 */
void
hrac_tls_failed(struct hrac_link *l, short what)
{
	struct hrac_session	*s = l->s;
	SSL			*ssl = bufferevent_openssl_get_ssl(l->bev);
	unsigned long		 e = bufferevent_get_openssl_error(l->bev);
	long			 v;
	int			 reason = e != 0 ? ERR_GET_REASON(e) : 0;
	char			 cert[700];

	if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED && ssl != NULL &&
	    (v = SSL_get_verify_result(ssl)) != X509_V_OK) {
		hrac_tls_cert(l, cert, sizeof(cert));
		if (s->has_proxy && cert[0] != '\0' &&
		    (v == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY ||
		    v == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT ||
		    v == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT ||
		    v == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
		    v == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE))
			hrac_link_fail(l, "tls: certificate verify failed: %s; "
			    "for %s:%u the certificate presented is %s: if that "
			    "issuer is the company's, the proxy at %s:%u "
			    "intercepts TLS: trust its CA (tls.ca, or the "
			    "system's CAs) or have the proxy pass %s through "
			    "uninspected (Squid: ssl_bump splice for it); "
			    "otherwise check tls.ca in hrac.conf",
			    X509_verify_cert_error_string(v), s->server.host,
			    s->server.port, cert, s->proxy.host, s->proxy.port,
			    s->server.host);
		else if (cert[0] != '\0')
			hrac_link_fail(l, "tls: certificate verify failed: %s; "
			    "the certificate presented is %s; check tls.ca in "
			    "hrac.conf and the name in server",
			    X509_verify_cert_error_string(v), cert);
		else
			hrac_link_fail(l, "tls: certificate verify failed: %s; "
			    "check tls.ca in hrac.conf and the name in server",
			    X509_verify_cert_error_string(v));
		return;
	}
	if (reason == SSL_R_WRONG_VERSION_NUMBER ||
	    reason == SSL_R_PACKET_LENGTH_TOO_LONG ||
	    reason == SSL_R_HTTP_REQUEST) {
		hrac_link_fail(l, "the server at %s:%u did not answer TLS (it "
		    "sent something else): is it http://?", s->server.host,
		    s->server.port);
		return;
	}
	/* A close during the handshake may come up as an error without a
	   reason: nothing read is what tells it. */
	if (e == 0 && (ssl == NULL || BIO_number_read(SSL_get_rbio(ssl)) ==
	    0)) {
		hrac_link_fail(l, "the server at %s:%u did not answer TLS (%s): "
		    "is it http://?", s->server.host, s->server.port,
		    what & BEV_EVENT_TIMEOUT ? "no answer to the handshake" :
		    "it closed the connection");
		return;
	}
	if (e != 0)
		hrac_link_fail(l, "tls: handshake with %s:%u failed: %s",
		    s->server.host, s->server.port, crypto_strerror(e));
	else
		hrac_link_fail(l, "tls: handshake with %s:%u failed: %s",
		    s->server.host, s->server.port, what & BEV_EVENT_TIMEOUT ?
		    "timed out" : what & BEV_EVENT_EOF ? "connection closed" :
		    strerror(EVUTIL_SOCKET_ERROR()));
}
