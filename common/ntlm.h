/*
 * NTLM (MS-NLMP) messages for HTTP proxy authentication: the NEGOTIATE
 * message a client opens with, a bounds-checked parser of the proxy's
 * CHALLENGE, and the AUTHENTICATE message with an NTLMv2 response. The
 * hashes come from OpenSSL (MD4 from its legacy provider, HMAC-MD5).
 */
#ifndef VOFW_NTLM_H
#define VOFW_NTLM_H

#include <stddef.h>
#include <stdint.h>

#define NTLM_MSG_MAX		2048	/* a CHALLENGE or AUTHENTICATE */
#define NTLM_TARGET_INFO_MAX	1024	/* the CHALLENGE's AV pairs */
#define NTLM_NEGOTIATE_LEN	32
#define NTLM_FIELD_MAX		256	/* user, domain, workstation (UTF-8) */

/* What a CHALLENGE message carries that the answer needs. */
struct ntlm_challenge {
	uint32_t	 flags;
	uint8_t		 challenge[8];
	uint8_t		 target_info[NTLM_TARGET_INFO_MAX];
	size_t		 target_info_len;
	int		 has_timestamp;	/* MsvAvTimestamp was in target_info */
	uint64_t	 timestamp;	/* FILETIME, 100 ns since 1601 */
};

/* Who answers, and the per-answer randomness (tests fix it). */
struct ntlm_identity {
	const char	*user;
	const char	*domain;
	const char	*password;
	const char	*workstation;
};

int	 ntlm_init(void);
size_t	 ntlm_negotiate(uint8_t out[NTLM_NEGOTIATE_LEN]);
int	 ntlm_parse_challenge(const uint8_t *, size_t,
	    struct ntlm_challenge *);
int	 ntlm_nt_hash(const char *password, uint8_t out[16]);
int	 ntlm_v2_hash(const uint8_t nt_hash[16], const char *user,
	    const char *domain, uint8_t out[16]);
int	 ntlm_v2_proof(const uint8_t v2_hash[16],
	    const struct ntlm_challenge *, const uint8_t cchal[8],
	    uint64_t time, uint8_t proof[16], uint8_t lm[24]);
int	 ntlm_authenticate(const struct ntlm_challenge *,
	    const struct ntlm_identity *, const uint8_t cchal[8],
	    uint64_t time, uint8_t *out, size_t outlen, size_t *len);
uint64_t ntlm_filetime_now(void);

#endif
