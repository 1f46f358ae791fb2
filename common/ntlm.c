/*
 * NTLM (MS-NLMP) for HTTP proxy authentication, client side. The
 * NEGOTIATE message asks for NTLM with extended session security; the
 * proxy's CHALLENGE is network input, parsed with every offset and length
 * checked against the message and the caps of ntlm.h; the AUTHENTICATE
 * message carries an NTLMv2 response (never LM or NTLMv1) and no session
 * key exchange or MIC, as curl's does. MD4, which only OpenSSL 3's legacy
 * provider has, is fetched from a library context of its own, so loading
 * that provider changes nothing for the rest of the process.
 */
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/provider.h>

#include "ntlm.h"

#define NTLM_SIG		"NTLMSSP"	/* with its NUL: 8 bytes */
#define NTLM_TYPE_CHALLENGE	2
#define NTLM_TYPE_AUTHENTICATE	3
#define NTLM_AUTH_HEAD		64	/* AUTHENTICATE without version/MIC */

/* NegotiateFlags (MS-NLMP 2.2.2.5). */
#define NTLM_F_UNICODE		0x00000001
#define NTLM_F_OEM		0x00000002
#define NTLM_F_REQUEST_TARGET	0x00000004
#define NTLM_F_NTLM		0x00000200
#define NTLM_F_ALWAYS_SIGN	0x00008000
#define NTLM_F_EXTENDED		0x00080000
#define NTLM_F_TARGET_INFO	0x00800000

#define NTLM_AV_EOL		0
#define NTLM_AV_TIMESTAMP	7

/* Seconds from 1601-01-01 to 1970-01-01. */
#define NTLM_EPOCH_DIFF		11644473600ULL

static OSSL_LIB_CTX	*ntlm_libctx;
static EVP_MD		*ntlm_md4;

static uint16_t	ntlm_get16(const uint8_t *);
static uint32_t	ntlm_get32(const uint8_t *);
static void	ntlm_put16(uint8_t *, uint16_t);
static void	ntlm_put32(uint8_t *, uint32_t);
static int	ntlm_utf16(const char *, int upper, uint8_t *, size_t,
		    size_t *);
static int	ntlm_av_pairs(const uint8_t *, size_t,
		    struct ntlm_challenge *);
static int	ntlm_hmac(const uint8_t key[16], const uint8_t *, size_t,
		    const uint8_t *, size_t, uint8_t out[16]);

static uint16_t
ntlm_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
ntlm_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static void
ntlm_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
ntlm_put32(uint8_t *p, uint32_t v)
{
	ntlm_put16(p, (uint16_t)v);
	ntlm_put16(p + 2, (uint16_t)(v >> 16));
}

/*
 * Load MD4 from OpenSSL's legacy provider, once, into a library context
 * of its own. Call it before the sandbox: the provider is a module file.
 */
int
ntlm_init(void)
{
	if (ntlm_md4 != NULL)
		return 0;
	if (ntlm_libctx == NULL && (ntlm_libctx = OSSL_LIB_CTX_new()) == NULL)
		return -1;
	if (OSSL_PROVIDER_load(ntlm_libctx, "legacy") == NULL ||
	    (ntlm_md4 = EVP_MD_fetch(ntlm_libctx, "MD4", NULL)) == NULL)
		return -1;
	return 0;
}

/* The NEGOTIATE message: NTLM, Unicode, no domain or workstation. */
size_t
ntlm_negotiate(uint8_t out[NTLM_NEGOTIATE_LEN])
{
	memset(out, 0, NTLM_NEGOTIATE_LEN);
	memcpy(out, NTLM_SIG, 8);
	ntlm_put32(out + 8, 1);
	ntlm_put32(out + 12, NTLM_F_UNICODE | NTLM_F_OEM |
	    NTLM_F_REQUEST_TARGET | NTLM_F_NTLM | NTLM_F_ALWAYS_SIGN |
	    NTLM_F_EXTENDED);
	/* Domain and workstation fields: empty, offset past the header. */
	ntlm_put32(out + 20, NTLM_NEGOTIATE_LEN);
	ntlm_put32(out + 28, NTLM_NEGOTIATE_LEN);
	return NTLM_NEGOTIATE_LEN;
}

/*
 * Parse a CHALLENGE message (MS-NLMP 2.2.1.2): 0, or -1 when anything
 * is out of place, too long or points outside the message.
 */
int
ntlm_parse_challenge(const uint8_t *m, size_t len, struct ntlm_challenge *c)
{
	uint32_t	 off;
	uint16_t	 n;

	memset(c, 0, sizeof(*c));
	if (len < 32 || len > NTLM_MSG_MAX || memcmp(m, NTLM_SIG, 8) != 0 ||
	    ntlm_get32(m + 8) != NTLM_TYPE_CHALLENGE)
		return -1;
	/* The target name is not needed; some servers (Squid's
	   ntlm_fake_auth) put junk in its offset, so it is not read. */
	c->flags = ntlm_get32(m + 20);
	memcpy(c->challenge, m + 24, 8);
	/* Target info only when the flags say so, as curl reads it. */
	if (!(c->flags & NTLM_F_TARGET_INFO))
		return 0;
	if (len < 48)
		return -1;
	n = ntlm_get16(m + 40);
	off = ntlm_get32(m + 44);
	if (n == 0)
		return 0;
	if (off > len || n > len - off || n > NTLM_TARGET_INFO_MAX)
		return -1;
	memcpy(c->target_info, m + off, n);
	c->target_info_len = n;
	return ntlm_av_pairs(c->target_info, n, c);
}

/* Walk the AV pairs: each inside, the list ended by MsvAvEOL. */
static int
ntlm_av_pairs(const uint8_t *p, size_t len, struct ntlm_challenge *c)
{
	size_t		 i = 0;
	uint16_t	 id, n;

	while (len - i >= 4) {
		id = ntlm_get16(p + i);
		n = ntlm_get16(p + i + 2);
		i += 4;
		if (n > len - i)
			return -1;
		if (id == NTLM_AV_EOL)
			return n == 0 ? 0 : -1;
		if (id == NTLM_AV_TIMESTAMP) {
			if (n != 8)
				return -1;
			c->has_timestamp = 1;
			c->timestamp = (uint64_t)ntlm_get32(p + i) |
			    (uint64_t)ntlm_get32(p + i + 4) << 32;
		}
		i += n;
	}
	return -1;
}

/*
 * UTF-8 to UTF-16LE, optionally with ASCII letters upper-cased (the
 * user name in NTOWFv2). -1 on invalid UTF-8 or when out is too small.
 */
static int
ntlm_utf16(const char *s, int upper, uint8_t *out, size_t outlen,
    size_t *len)
{
	const uint8_t	*p = (const uint8_t *)s;
	uint32_t	 cp;
	size_t		 n = 0;
	int		 more, i;

	while (*p != '\0') {
		if (*p < 0x80) {
			cp = *p;
			more = 0;
		} else if ((*p & 0xe0) == 0xc0) {
			cp = *p & 0x1f;
			more = 1;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p & 0x0f;
			more = 2;
		} else if ((*p & 0xf8) == 0xf0) {
			cp = *p & 0x07;
			more = 3;
		} else
			return -1;
		p++;
		for (i = 0; i < more; i++, p++) {
			if ((*p & 0xc0) != 0x80)
				return -1;
			cp = cp << 6 | (*p & 0x3f);
		}
		if ((more == 1 && cp < 0x80) || (more == 2 && cp < 0x800) ||
		    (more == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return -1;
		if (upper && cp >= 'a' && cp <= 'z')
			cp -= 'a' - 'A';
		if (cp >= 0x10000) {
			if (outlen - n < 4)
				return -1;
			cp -= 0x10000;
			ntlm_put16(out + n, (uint16_t)(0xd800 | cp >> 10));
			ntlm_put16(out + n + 2, (uint16_t)(0xdc00 |
			    (cp & 0x3ff)));
			n += 4;
		} else {
			if (outlen - n < 2)
				return -1;
			ntlm_put16(out + n, (uint16_t)cp);
			n += 2;
		}
	}
	*len = n;
	return 0;
}

/* HMAC-MD5 over two concatenated parts. */
static int
ntlm_hmac(const uint8_t key[16], const uint8_t *a, size_t alen,
    const uint8_t *b, size_t blen, uint8_t out[16])
{
	uint8_t		 buf[8 + 28 + NTLM_TARGET_INFO_MAX + 4];
	unsigned int	 n = 0;

	if (alen > sizeof(buf) || blen > sizeof(buf) - alen)
		return -1;
	memcpy(buf, a, alen);
	if (blen > 0)
		memcpy(buf + alen, b, blen);
	if (HMAC(EVP_md5(), key, 16, buf, alen + blen, out, &n) == NULL ||
	    n != 16)
		return -1;
	return 0;
}

/* NT hash: MD4 of the UTF-16LE password (MS-NLMP 3.3.1). */
int
ntlm_nt_hash(const char *password, uint8_t out[16])
{
	uint8_t		 u[2 * NTLM_FIELD_MAX];
	size_t		 n;
	unsigned int	 mdlen = 0;
	int		 rc;

	if (ntlm_init() == -1 || ntlm_utf16(password, 0, u, sizeof(u),
	    &n) == -1)
		return -1;
	rc = EVP_Digest(u, n, out, &mdlen, ntlm_md4, NULL) == 1 &&
	    mdlen == 16 ? 0 : -1;
	OPENSSL_cleanse(u, sizeof(u));
	return rc;
}

/* NTOWFv2: HMAC-MD5(NT hash, UTF-16LE(upper(user) || domain)). */
int
ntlm_v2_hash(const uint8_t nt_hash[16], const char *user, const char *domain,
    uint8_t out[16])
{
	uint8_t	 u[2 * NTLM_FIELD_MAX], d[2 * NTLM_FIELD_MAX];
	size_t	 un, dn;

	if (ntlm_utf16(user, 1, u, sizeof(u), &un) == -1 ||
	    ntlm_utf16(domain, 0, d, sizeof(d), &dn) == -1)
		return -1;
	return ntlm_hmac(nt_hash, u, un, d, dn, out);
}

/* The NTLMv2 client blob ("temp" of MS-NLMP 3.3.2) into out. */
static size_t
ntlm_blob(const struct ntlm_challenge *c, const uint8_t cchal[8],
    uint64_t time, uint8_t *out)
{
	memset(out, 0, 28);
	out[0] = 1;
	out[1] = 1;
	ntlm_put32(out + 8, (uint32_t)time);
	ntlm_put32(out + 12, (uint32_t)(time >> 32));
	memcpy(out + 16, cchal, 8);
	memcpy(out + 28, c->target_info, c->target_info_len);
	memset(out + 28 + c->target_info_len, 0, 4);
	return 28 + c->target_info_len + 4;
}

/*
 * NTProofStr and the LMv2 response for a challenge (MS-NLMP 3.3.2);
 * with the server's timestamp, the LM response is zeros.
 */
int
ntlm_v2_proof(const uint8_t v2_hash[16], const struct ntlm_challenge *c,
    const uint8_t cchal[8], uint64_t time, uint8_t proof[16], uint8_t lm[24])
{
	uint8_t	 blob[28 + NTLM_TARGET_INFO_MAX + 4];
	size_t	 n = ntlm_blob(c, cchal, time, blob);

	if (ntlm_hmac(v2_hash, c->challenge, 8, blob, n, proof) == -1)
		return -1;
	if (c->has_timestamp) {
		memset(lm, 0, 24);
		return 0;
	}
	if (ntlm_hmac(v2_hash, c->challenge, 8, cchal, 8, lm) == -1)
		return -1;
	memcpy(lm + 16, cchal, 8);
	return 0;
}

/* Now as a Windows FILETIME. */
uint64_t
ntlm_filetime_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec + NTLM_EPOCH_DIFF) * 10000000ULL +
	    (uint64_t)ts.tv_nsec / 100;
}

/*
 * The AUTHENTICATE message answering c as id, with the client challenge
 * cchal at time (the server's timestamp when it sent one). 0 and *len,
 * or -1 when a field is invalid or out is too small.
 */
int
ntlm_authenticate(const struct ntlm_challenge *c,
    const struct ntlm_identity *id, const uint8_t cchal[8], uint64_t time,
    uint8_t *out, size_t outlen, size_t *len)
{
	uint8_t		 nt[16], v2[16], lm[24], proof[16];
	uint8_t		 blob[28 + NTLM_TARGET_INFO_MAX + 4];
	uint8_t		 dom[2 * NTLM_FIELD_MAX], usr[2 * NTLM_FIELD_MAX];
	uint8_t		 ws[2 * NTLM_FIELD_MAX];
	size_t		 dn, un, wn, bn, off;
	int		 rc = -1;

	if (c->has_timestamp)
		time = c->timestamp;
	if (ntlm_utf16(id->domain, 0, dom, sizeof(dom), &dn) == -1 ||
	    ntlm_utf16(id->user, 0, usr, sizeof(usr), &un) == -1 ||
	    ntlm_utf16(id->workstation, 0, ws, sizeof(ws), &wn) == -1 ||
	    ntlm_nt_hash(id->password, nt) == -1 ||
	    ntlm_v2_hash(nt, id->user, id->domain, v2) == -1 ||
	    ntlm_v2_proof(v2, c, cchal, time, proof, lm) == -1)
		goto out;
	bn = ntlm_blob(c, cchal, time, blob);
	if (outlen < NTLM_AUTH_HEAD + 24 + 16 + bn + dn + un + wn)
		goto out;
	memset(out, 0, NTLM_AUTH_HEAD);
	memcpy(out, NTLM_SIG, 8);
	ntlm_put32(out + 8, NTLM_TYPE_AUTHENTICATE);
	off = NTLM_AUTH_HEAD;
	/* Each field: length, maximum length, offset; then its bytes. */
#define NTLM_FIELD(at, src, n) do {					\
		ntlm_put16(out + (at), (uint16_t)(n));			\
		ntlm_put16(out + (at) + 2, (uint16_t)(n));		\
		ntlm_put32(out + (at) + 4, (uint32_t)off);		\
		memcpy(out + off, (src), (n));				\
		off += (n);						\
	} while (0)
	NTLM_FIELD(12, lm, 24);
	ntlm_put16(out + 20, (uint16_t)(16 + bn));
	ntlm_put16(out + 22, (uint16_t)(16 + bn));
	ntlm_put32(out + 24, (uint32_t)off);
	memcpy(out + off, proof, 16);
	memcpy(out + off + 16, blob, bn);
	off += 16 + bn;
	NTLM_FIELD(28, dom, dn);
	NTLM_FIELD(36, usr, un);
	NTLM_FIELD(44, ws, wn);
	ntlm_put32(out + 56, (uint32_t)off);	/* no session key */
#undef NTLM_FIELD
	ntlm_put32(out + 60, NTLM_F_UNICODE | NTLM_F_REQUEST_TARGET |
	    NTLM_F_NTLM | NTLM_F_ALWAYS_SIGN | NTLM_F_EXTENDED);
	*len = off;
	rc = 0;
out:
	OPENSSL_cleanse(nt, sizeof(nt));
	OPENSSL_cleanse(v2, sizeof(v2));
	return rc;
}
