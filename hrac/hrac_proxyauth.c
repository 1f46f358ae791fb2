/*
 * hrac's authentication to the company's HTTP proxy: Basic, NTLM (NTLMv2,
 * common/ntlm.c) and Negotiate (SPNEGO, Kerberos through GSSAPI). The
 * session holds the credentials and the scheme (configured, or under
 * "auto" chosen from the proxy's first 407: Negotiate, then NTLM, then
 * Basic); each link drives its own handshake, because NTLM and Negotiate
 * authenticate a connection, not a request: the tokens go out on one
 * connection until the proxy stops answering 407, and a new connection
 * starts over. hrac_link.c asks here for the Proxy-Authorization line of
 * a request and what to do with a 407; everything a proxy sends in its
 * Proxy-Authenticate headers is parsed with limits.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "crypto.h"
#include "hrac.h"
#include "log.h"
#include "ntlm.h"

#define PA_TOKEN_MAX	6144	/* a decoded token from the proxy */

/* What the proxy's 407 offers. */
struct pa_offer {
	int		 basic;
	int		 ntlm;
	int		 negotiate;
	const char	*ntlm_token;	/* base64, in the message, or NULL */
	size_t		 ntlm_len;
	const char	*neg_token;
	size_t		 neg_len;
};

static const char *const pa_names[] = {
	"none", "Basic", "NTLM", "Negotiate"
};

/* SPNEGO, 1.3.6.1.5.5.2. */
static char		pa_spnego_der[] = "\x2b\x06\x01\x05\x05\x02";
static gss_OID_desc	pa_spnego = { 6, pa_spnego_der };

static void	pa_offers(const struct http_msg *, struct pa_offer *);
static int	pa_choose(struct hrac_link *, const struct http_msg *,
		    const struct pa_offer *, char *, size_t, char *, size_t);
static int	pa_start(struct hrac_link *, char *, size_t, char *, size_t);
static int	pa_basic(const struct hrac_session *, char *, size_t);
static int	pa_ntlm_answer(struct hrac_link *, const struct pa_offer *,
		    char *, size_t, char *, size_t);
static int	pa_gss_step(struct hrac_link *, const char *, size_t, char *,
		    size_t, char *, size_t);
static void	pa_gss_error(OM_uint32, OM_uint32, char *, size_t);
static int	pa_line(const char *, const uint8_t *, size_t, char *, size_t);
static int	pa_unbase64(const char *, size_t, uint8_t *, size_t, size_t *);
static void	pa_offered(const struct pa_offer *, char *, size_t);
static const char *pa_who(const struct hrac_session *, char *, size_t);

/*
 * Take the credentials and the method from the configuration: user and
 * password from proxy_auth or, as before it existed, from proxy's URL
 * (which then means Basic unless proxy_auth says otherwise); "DOMAIN\user"
 * splits into NTLM's domain and user. MD4 is loaded now, before the
 * sandbox, when NTLM may be used.
 */
int
hrac_proxyauth_init(struct hrac_session *s, const struct hrac_config *conf)
{
	struct hrac_pauth_conf	*pa = &s->pa;
	const char		*user, *bs;

	memset(pa, 0, sizeof(*pa));
	if (!s->has_proxy)
		return 0;
	pa->method = conf->proxy_auth_method;
	if (s->proxy.user[0] != '\0' && !conf->proxy_auth_set)
		pa->method = PROXY_AUTH_BASIC;
	user = conf->proxy_auth_user != NULL ? conf->proxy_auth_user :
	    s->proxy.user;
	if (conf->proxy_auth_password != NULL)
		snprintf(pa->password, sizeof(pa->password), "%s",
		    conf->proxy_auth_password);
	else
		snprintf(pa->password, sizeof(pa->password), "%s",
		    s->proxy.pass);
	if (conf->proxy_auth_domain != NULL)
		snprintf(pa->domain, sizeof(pa->domain), "%s",
		    conf->proxy_auth_domain);
	if ((bs = strchr(user, '\\')) != NULL && pa->domain[0] == '\0' &&
	    pa->method != PROXY_AUTH_BASIC) {
		snprintf(pa->domain, sizeof(pa->domain), "%.*s",
		    (int)(bs - user), user);
		user = bs + 1;
	}
	snprintf(pa->user, sizeof(pa->user), "%s", user);
	if (gethostname(pa->workstation, sizeof(pa->workstation)) == -1)
		pa->workstation[0] = '\0';
	pa->workstation[sizeof(pa->workstation) - 1] = '\0';
	if ((pa->method == PROXY_AUTH_NTLM || (pa->method == PROXY_AUTH_AUTO &&
	    pa->password[0] != '\0')) && ntlm_init() == -1) {
		log_warnx("proxy_auth: NTLM needs MD4 from OpenSSL's legacy "
		    "provider (ossl-modules/legacy.so), which does not load");
		return pa->method == PROXY_AUTH_NTLM ? -1 : 0;
	}
	return 0;
}

/* Forget the credentials. */
void
hrac_proxyauth_free(struct hrac_session *s)
{
	OPENSSL_cleanse(&s->pa, sizeof(s->pa));
}

/* End a link's handshake: free what it holds. */
void
hrac_proxyauth_done(struct hrac_link *l)
{
	OM_uint32	 minor;
	gss_ctx_id_t	 ctx = l->pa.gss;

	if (ctx != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
	l->pa.gss = NULL;
}

/* The scheme a new connection starts with: configured or learnt. */
static enum proxy_auth_method
pa_scheme(const struct hrac_session *s)
{
	return s->pa.method != PROXY_AUTH_AUTO ? s->pa.method : s->pa.learnt;
}

/*
 * Whether this link must authenticate its connection before the tunnel's
 * request: through a plain-http proxy with NTLM or Negotiate (through
 * CONNECT the CONNECT itself carries the handshake).
 */
int
hrac_proxyauth_preflight(const struct hrac_link *l)
{
	enum proxy_auth_method	 m = pa_scheme(l->s);

	return l->s->has_proxy && !l->s->server.tls && l->pa.round == 0 &&
	    (m == PROXY_AUTH_NTLM || m == PROXY_AUTH_NEGOTIATE);
}

/* Whether the link's requests each carry credentials (Basic). */
int
hrac_proxyauth_per_request(const struct hrac_link *l)
{
	return (l->pa.scheme == PROXY_AUTH_AUTO ? pa_scheme(l->s) :
	    l->pa.scheme) == PROXY_AUTH_BASIC;
}

/*
 * The Proxy-Authorization line of the next request to the proxy on this
 * link (CRLF-ended), or "" when it needs none: Basic on every request,
 * NTLM's and Negotiate's first token once per connection. -1 with why.
 */
int
hrac_proxyauth_header(struct hrac_link *l, char *out, size_t len, char *why,
    size_t wlen)
{
	out[0] = '\0';
	if (!l->s->has_proxy)
		return 0;
	if (l->pa.scheme == PROXY_AUTH_AUTO)
		l->pa.scheme = pa_scheme(l->s);
	switch (l->pa.scheme) {
	case PROXY_AUTH_AUTO:
		return 0;
	case PROXY_AUTH_BASIC:
		if (pa_basic(l->s, out, len) == -1) {
			snprintf(why, wlen, "proxy credentials too long");
			return -1;
		}
		l->pa.round = 1;
		return 0;
	default:
		return l->pa.round == 0 ? pa_start(l, out, len, why, wlen) : 0;
	}
}

/* NTLM's NEGOTIATE or Negotiate's first token. */
static int
pa_start(struct hrac_link *l, char *out, size_t len, char *why, size_t wlen)
{
	uint8_t	 neg[NTLM_NEGOTIATE_LEN];

	l->pa.round = 1;
	if (l->pa.scheme == PROXY_AUTH_NTLM) {
		if (pa_line("NTLM", neg, ntlm_negotiate(neg), out, len) == -1) {
			snprintf(why, wlen, "out of memory");
			return -1;
		}
		return 0;
	}
	return pa_gss_step(l, NULL, 0, out, len, why, wlen);
}

/* "Proxy-Authorization: Basic base64(user:password)". */
static int
pa_basic(const struct hrac_session *s, char *out, size_t len)
{
	char	 plain[260];
	int	 n;

	n = snprintf(plain, sizeof(plain), "%s:%s", s->pa.user,
	    s->pa.password);
	if (n < 0 || (size_t)n >= sizeof(plain))
		return -1;
	n = pa_line("Basic", (const uint8_t *)plain, (size_t)n, out, len);
	OPENSSL_cleanse(plain, sizeof(plain));
	return n;
}

/*
 * The proxy answered 407 on this link. 1: send the request again, on
 * the same connection, with the line in out; 0: authentication failed,
 * why says how and what to configure.
 */
int
hrac_proxyauth_next(struct hrac_link *l, const struct http_msg *m, char *out,
    size_t len, char *why, size_t wlen)
{
	struct hrac_session	*s = l->s;
	struct hrac_pauth_conf	*pa = &s->pa;
	struct pa_offer		 o;
	char			 offered[64], who[300];

	out[0] = '\0';
	pa_offers(m, &o);
	pa_offered(&o, offered, sizeof(offered));
	pa_who(s, who, sizeof(who));
	if (l->pa.scheme == PROXY_AUTH_AUTO) {
		/* Nothing sent yet: answer what the proxy offers. */
		return pa_choose(l, m, &o, out, len, why, wlen);
	}
	if ((l->pa.scheme == PROXY_AUTH_NTLM && !o.ntlm) ||
	    (l->pa.scheme == PROXY_AUTH_NEGOTIATE && !o.negotiate) ||
	    (l->pa.scheme == PROXY_AUTH_BASIC && !o.basic)) {
		snprintf(why, wlen, "%s does not accept %s authentication "
		    "(%d %.80s; it offers %s); set proxy_auth.method to "
		    "\"auto\" or to what it offers", who,
		    pa_names[l->pa.scheme], m->status, m->reason, offered);
		return 0;
	}
	if (l->pa.scheme == PROXY_AUTH_NTLM && l->pa.round == 1 &&
	    o.ntlm_token != NULL)
		return pa_ntlm_answer(l, &o, out, len, why, wlen);
	if (l->pa.scheme == PROXY_AUTH_NEGOTIATE && o.neg_token != NULL &&
	    l->pa.gss != NULL && !l->pa.gss_complete)
		return pa_gss_step(l, o.neg_token, o.neg_len, out, len, why,
		    wlen) == 0 ? 1 : 0;
	if (l->pa.scheme == PROXY_AUTH_NEGOTIATE)
		snprintf(why, wlen, "%s refused the Kerberos ticket of %s "
		    "(%d %.80s); check that the proxy's keytab holds "
		    "HTTP/%s and that hrac's credentials are current (klist)",
		    who, pa->user[0] != '\0' ? pa->user : "the credential "
		    "cache", m->status, m->reason, s->proxy.host);
	else if (s->pa.method == PROXY_AUTH_BASIC && s->proxy.user[0] != '\0')
		snprintf(why, wlen, "the proxy refused the credentials of user "
		    "%s (%d %.80s); check the user and password in proxy",
		    pa->user, m->status, m->reason);
	else
		snprintf(why, wlen, "%s refused the %s credentials of user "
		    "%s%s%s (%d %.80s); check proxy_auth's user, password%s",
		    who, pa_names[l->pa.scheme], pa->domain, pa->domain[0] !=
		    '\0' ? "\\" : "", pa->user, m->status, m->reason,
		    l->pa.scheme == PROXY_AUTH_NTLM ? " and domain" : "");
	return 0;
}

/*
 * The proxy's first 407 on a link that sent no credentials: the
 * configured scheme, or under "auto" the strongest it offers that hrac
 * can answer (Negotiate while GSSAPI finds credentials, then NTLM, then
 * Basic, each with a user and password), with its first token.
 */
static int
pa_choose(struct hrac_link *l, const struct http_msg *m,
    const struct pa_offer *o, char *out, size_t len, char *why, size_t wlen)
{
	struct hrac_pauth_conf	*pa = &l->s->pa;
	enum proxy_auth_method	 want;
	char			 offered[64], who[300];
	int			 pw = pa->password[0] != '\0';

	pa_offered(o, offered, sizeof(offered));
	pa_who(l->s, who, sizeof(who));
	for (;;) {
		want = pa->method;
		if (want == PROXY_AUTH_AUTO) {
			if (o->negotiate && !pa->gss_failed)
				want = PROXY_AUTH_NEGOTIATE;
			else if (o->ntlm && pw)
				want = PROXY_AUTH_NTLM;
			else if (o->basic && pw)
				want = PROXY_AUTH_BASIC;
		}
		if (want == PROXY_AUTH_AUTO) {
			if (o->negotiate)
				snprintf(why, wlen, "%s requires authentication "
				    "(%d %.80s; it offers %s); give hrac a "
				    "Kerberos ticket (KRB5CCNAME), a keytab "
				    "(KRB5_CLIENT_KTNAME) or proxy_auth's user "
				    "and password", who, m->status, m->reason,
				    offered);
			else
				snprintf(why, wlen, "%s requires authentication "
				    "(%d %.80s; it offers %s); give its user and "
				    "password in proxy_auth (or in proxy, "
				    "\"http://user:password@host:port\")", who,
				    m->status, m->reason, offered);
			return 0;
		}
		l->pa.scheme = want;
		l->pa.round = 0;
		if (hrac_proxyauth_header(l, out, len, why, wlen) == 0)
			break;
		hrac_proxyauth_done(l);
		/* Kerberos failed before anything went out: try the next. */
		if (want != PROXY_AUTH_NEGOTIATE ||
		    pa->method != PROXY_AUTH_AUTO)
			return 0;
		log_info("%s", why);
	}
	if (want == PROXY_AUTH_BASIC && pa->method == PROXY_AUTH_AUTO &&
	    !pa->basic_said) {
		log_info("%s offers only Basic authentication: the password "
		    "of %s crosses the LAN in clear text", who, pa->user);
		pa->basic_said = 1;
	}
	if (pa->method == PROXY_AUTH_AUTO && pa->learnt != want)
		log_info("%s: authenticating with %s (it offers %s)", who,
		    pa_names[want], offered);
	if (pa->method == PROXY_AUTH_AUTO)
		pa->learnt = want;
	return 1;
}

/* Answer NTLM's CHALLENGE with the AUTHENTICATE message. */
static int
pa_ntlm_answer(struct hrac_link *l, const struct pa_offer *o, char *out,
    size_t len, char *why, size_t wlen)
{
	struct hrac_pauth_conf	*pa = &l->s->pa;
	struct ntlm_challenge	 c;
	struct ntlm_identity	 id;
	uint8_t			 msg[NTLM_MSG_MAX], cchal[8];
	size_t			 n;
	char			 who[300];
	int			 rc;

	pa_who(l->s, who, sizeof(who));
	if (pa_unbase64(o->ntlm_token, o->ntlm_len, msg, sizeof(msg),
	    &n) == -1 || ntlm_parse_challenge(msg, n, &c) == -1) {
		log_debug("NTLM challenge refused: %.*s", (int)(o->ntlm_len >
		    200 ? 200 : o->ntlm_len), o->ntlm_token);
		snprintf(why, wlen, "%s sent a malformed NTLM challenge", who);
		return 0;
	}
	id.user = pa->user;
	id.domain = pa->domain;
	id.password = pa->password;
	id.workstation = pa->workstation;
	if (crypto_random(cchal, sizeof(cchal)) == -1 ||
	    ntlm_authenticate(&c, &id, cchal, ntlm_filetime_now(), msg,
	    sizeof(msg), &n) == -1) {
		snprintf(why, wlen, "cannot answer the NTLM challenge of %s "
		    "(are proxy_auth's user, password and domain UTF-8?)",
		    who);
		return 0;
	}
	rc = pa_line("NTLM", msg, n, out, len);
	OPENSSL_cleanse(msg, sizeof(msg));
	if (rc == -1) {
		snprintf(why, wlen, "NTLM answer too long");
		return 0;
	}
	l->pa.round = 2;
	return 1;
}

/*
 * One step of the GSSAPI (SPNEGO) context towards HTTP@proxy: the first
 * with no input, later ones with the proxy's token. 0 with the line to
 * send, -1 with why (and, before anything was sent, the session learns
 * that Negotiate cannot work here, so "auto" tries the next scheme).
 */
static int
pa_gss_step(struct hrac_link *l, const char *b64, size_t b64len, char *out,
    size_t len, char *why, size_t wlen)
{
	struct hrac_session	*s = l->s;
	struct hrac_pauth_conf	*pa = &s->pa;
	OM_uint32		 major, minor, flags;
	gss_buffer_desc		 in = GSS_C_EMPTY_BUFFER, tok = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc		 nb, pw;
	gss_name_t		 target = GSS_C_NO_NAME, user = GSS_C_NO_NAME;
	gss_cred_id_t		 cred = GSS_C_NO_CREDENTIAL;
	gss_ctx_id_t		 ctx = l->pa.gss;
	gss_OID_set_desc	 mechs = { 1, &pa_spnego };
	uint8_t			 buf[PA_TOKEN_MAX];
	char			 svc[300], msg[200], who[300];
	size_t			 n;
	int			 rc = -1;

	pa_who(s, who, sizeof(who));
	if (b64 != NULL) {
		if (pa_unbase64(b64, b64len, buf, sizeof(buf), &n) == -1) {
			snprintf(why, wlen, "%s sent a malformed Negotiate "
			    "token", who);
			return -1;
		}
		in.value = buf;
		in.length = n;
	}
	snprintf(svc, sizeof(svc), "HTTP@%s", s->proxy.host);
	nb.value = svc;
	nb.length = strlen(svc);
	major = gss_import_name(&minor, &nb, GSS_C_NT_HOSTBASED_SERVICE,
	    &target);
	if (!GSS_ERROR(major) && pa->password[0] != '\0') {
		nb.value = pa->user;
		nb.length = strlen(pa->user);
		pw.value = pa->password;
		pw.length = strlen(pa->password);
		major = gss_import_name(&minor, &nb, GSS_C_NT_USER_NAME, &user);
		if (!GSS_ERROR(major))
			major = gss_acquire_cred_with_password(&minor, user,
			    &pw, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE,
			    &cred, NULL, NULL);
	}
	if (!GSS_ERROR(major))
		major = gss_init_sec_context(&minor, cred, &ctx, target,
		    &pa_spnego, GSS_C_MUTUAL_FLAG, GSS_C_INDEFINITE,
		    GSS_C_NO_CHANNEL_BINDINGS, b64 != NULL ? &in :
		    GSS_C_NO_BUFFER, NULL, &tok, &flags, NULL);
	l->pa.gss = ctx;
	if (GSS_ERROR(major)) {
		pa_gss_error(major, minor, msg, sizeof(msg));
		snprintf(why, wlen, "Negotiate (Kerberos) towards %s for "
		    "HTTP/%s: %s; check the credential cache (KRB5CCNAME, "
		    "klist) or keytab (KRB5_CLIENT_KTNAME) or proxy_auth's "
		    "user and password", who, s->proxy.host, msg);
		if (b64 == NULL)
			pa->gss_failed = 1;
		goto out;
	}
	l->pa.gss_complete = major == GSS_S_COMPLETE;
	if (tok.length == 0) {
		snprintf(why, wlen, "Negotiate towards %s: nothing to send "
		    "though the proxy still asks", who);
		goto out;
	}
	if (pa_line("Negotiate", tok.value, tok.length, out, len) == -1) {
		snprintf(why, wlen, "Negotiate token too long");
		goto out;
	}
	rc = 0;
out:
	gss_release_buffer(&minor, &tok);
	if (target != GSS_C_NO_NAME)
		gss_release_name(&minor, &target);
	if (user != GSS_C_NO_NAME)
		gss_release_name(&minor, &user);
	if (cred != GSS_C_NO_CREDENTIAL)
		gss_release_cred(&minor, &cred);
	return rc;
}

/* GSSAPI's own words for a failure: the mechanism's, else the major's. */
static void
pa_gss_error(OM_uint32 major, OM_uint32 minor, char *out, size_t len)
{
	OM_uint32	 m2, ctx = 0;
	gss_buffer_desc	 b = GSS_C_EMPTY_BUFFER;

	if (minor != 0 && !GSS_ERROR(gss_display_status(&m2, minor,
	    GSS_C_MECH_CODE, GSS_C_NO_OID, &ctx, &b)))
		snprintf(out, len, "%.*s", (int)b.length, (char *)b.value);
	else if (!GSS_ERROR(gss_display_status(&m2, major, GSS_C_GSS_CODE,
	    GSS_C_NO_OID, &ctx, &b)))
		snprintf(out, len, "%.*s", (int)b.length, (char *)b.value);
	else
		snprintf(out, len, "GSSAPI error %u", (unsigned int)major);
	gss_release_buffer(&m2, &b);
}

/* What the proxy's 407 offers, from its Proxy-Authenticate headers. */
static void
pa_offers(const struct http_msg *m, struct pa_offer *o)
{
	const char	*t;
	size_t		 n;

	memset(o, 0, sizeof(*o));
	o->basic = http_auth_offer(m, "Proxy-Authenticate", "Basic", &t, &n);
	o->ntlm = http_auth_offer(m, "Proxy-Authenticate", "NTLM",
	    &o->ntlm_token, &o->ntlm_len);
	o->negotiate = http_auth_offer(m, "Proxy-Authenticate", "Negotiate",
	    &o->neg_token, &o->neg_len);
}

/* "Proxy-Authorization: SCHEME base64(data)\r\n" into out. */
static int
pa_line(const char *scheme, const uint8_t *data, size_t n, char *out,
    size_t len)
{
	size_t	 pre = strlen("Proxy-Authorization: ") + strlen(scheme) + 1;
	int	 k;

	if (n > PA_TOKEN_MAX || len < pre + 4 * ((n + 2) / 3) + 3)
		return -1;
	k = snprintf(out, len, "Proxy-Authorization: %s ", scheme);
	if (k < 0 || (size_t)k != pre)
		return -1;
	k = EVP_EncodeBlock((unsigned char *)out + pre, data, (int)n);
	memcpy(out + pre + (size_t)k, "\r\n", 3);
	return 0;
}

/* Decode base64 of a proxy's token, strictly: no junk, bounded. */
static int
pa_unbase64(const char *b64, size_t len, uint8_t *out, size_t outlen,
    size_t *n)
{
	size_t	 i, pad = 0;
	int	 k;

	if (len == 0 || len % 4 != 0 || len / 4 * 3 > outlen)
		return -1;
	for (i = 0; i < len; i++) {
		if (b64[i] == '=' && i >= len - 2)
			pad++;
		else if (pad > 0 || (!isalnum((unsigned char)b64[i]) &&
		    b64[i] != '+' && b64[i] != '/'))
			return -1;
	}
	if ((k = EVP_DecodeBlock(out, (const unsigned char *)b64,
	    (int)len)) < 0 || (size_t)k < pad)
		return -1;
	*n = (size_t)k - pad;
	return 0;
}

/* "Negotiate, NTLM, Basic" (or "nothing"). */
static void
pa_offered(const struct pa_offer *o, char *out, size_t len)
{
	snprintf(out, len, "%s%s%s%s%s", o->negotiate ? "Negotiate" : "",
	    o->negotiate && (o->ntlm || o->basic) ? ", " : "",
	    o->ntlm ? "NTLM" : "", o->ntlm && o->basic ? ", " : "",
	    o->basic ? "Basic" : "");
	if (out[0] == '\0')
		snprintf(out, len, "no scheme");
}

/* "the proxy at host:port". */
static const char *
pa_who(const struct hrac_session *s, char *out, size_t len)
{
	snprintf(out, len, "the proxy at %s:%u", s->proxy.host, s->proxy.port);
	return out;
}
