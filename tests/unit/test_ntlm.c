/*
 * Unit tests for NTLM (common/ntlm.c): the NTLMv2 test vectors of MS-NLMP
 * section 4.2.4 (user "User", domain "Domain", password "Password",
 * server challenge 0123456789abcdef, client challenge aa..aa, time 0),
 * the CHALLENGE message of 4.2.4.3 parsed, an AUTHENTICATE message whose
 * fields point where they should, and malformed CHALLENGE messages
 * refused: truncated, wrong signature or type, target info outside the
 * message, AV pairs that overrun or never end; and the junk-laden
 * challenge of Squid's ntlm_fake_auth accepted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ntlm.h"

/* MS-NLMP 4.2.4.3: the CHALLENGE_MESSAGE of the NTLMv2 example. */
static const uint8_t tn_challenge[] = {
	0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00,
	0x02, 0x00, 0x00, 0x00, 0x0c, 0x00, 0x0c, 0x00,
	0x38, 0x00, 0x00, 0x00, 0x33, 0x82, 0x8a, 0xe2,
	0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x24, 0x00, 0x24, 0x00, 0x44, 0x00, 0x00, 0x00,
	0x06, 0x00, 0x70, 0x17, 0x00, 0x00, 0x00, 0x0f,
	0x53, 0x00, 0x65, 0x00, 0x72, 0x00, 0x76, 0x00,
	0x65, 0x00, 0x72, 0x00, 0x02, 0x00, 0x0c, 0x00,
	0x44, 0x00, 0x6f, 0x00, 0x6d, 0x00, 0x61, 0x00,
	0x69, 0x00, 0x6e, 0x00, 0x01, 0x00, 0x0c, 0x00,
	0x53, 0x00, 0x65, 0x00, 0x72, 0x00, 0x76, 0x00,
	0x65, 0x00, 0x72, 0x00, 0x00, 0x00, 0x00, 0x00
};

/* What Squid 5.7's ntlm_fake_auth sends: the target name's offset is
   junk (0xaaaaaaae), there is no target info. */
static const uint8_t tn_fake[] = {
	0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00,
	0x02, 0x00, 0x00, 0x00, 0x09, 0x00, 0x09, 0x00,
	0xae, 0xaa, 0xaa, 0xaa, 0x07, 0x82, 0x08, 0x00,
	0xd4, 0x3d, 0x48, 0x18, 0x74, 0xf7, 0x23, 0xbd,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3a, 0x00,
	0x57, 0x4f, 0x52, 0x4b, 0x47, 0x52, 0x4f, 0x55,
	0x50
};

static const uint8_t tn_cchal[8] = {
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa
};

/* 4.2.2.1.2: NTOWFv1("Password"). */
static const uint8_t tn_nt_hash[16] = {
	0xa4, 0xf4, 0x9c, 0x40, 0x65, 0x10, 0xbd, 0xca,
	0xb6, 0x82, 0x4e, 0xe7, 0xc3, 0x0f, 0xd8, 0x52
};

/* 4.2.4.1.1: NTOWFv2("Password", "User", "Domain"). */
static const uint8_t tn_v2_hash[16] = {
	0x0c, 0x86, 0x8a, 0x40, 0x3b, 0xfd, 0x7a, 0x93,
	0xa3, 0x00, 0x1e, 0xf2, 0x2e, 0xf0, 0x2e, 0x3f
};

/* 4.2.4.2.1: LMv2 response. */
static const uint8_t tn_lm[24] = {
	0x86, 0xc3, 0x50, 0x97, 0xac, 0x9c, 0xec, 0x10,
	0x25, 0x54, 0x76, 0x4a, 0x57, 0xcc, 0xcc, 0x19,
	0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa
};

/* 4.2.4.2.2: NTProofStr, the first 16 bytes of the NTLMv2 response. */
static const uint8_t tn_proof[16] = {
	0x68, 0xcd, 0x0a, 0xb8, 0x51, 0xe5, 0x1c, 0x96,
	0xaa, 0xbc, 0x92, 0x7b, 0xeb, 0xef, 0x6a, 0x1c
};

static uint16_t
tn_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
tn_get32(const uint8_t *p)
{
	return (uint32_t)tn_get16(p) | (uint32_t)tn_get16(p + 2) << 16;
}

/* The hashes of the specification's example. */
static void
test_ntlm_hashes(void **state)
{
	uint8_t	 nt[16], v2[16];

	(void)state;
	assert_int_equal(ntlm_nt_hash("Password", nt), 0);
	assert_memory_equal(nt, tn_nt_hash, 16);
	assert_int_equal(ntlm_v2_hash(nt, "User", "Domain", v2), 0);
	assert_memory_equal(v2, tn_v2_hash, 16);
	/* The user name is case-insensitive, the domain is not. */
	assert_int_equal(ntlm_v2_hash(nt, "uSeR", "Domain", v2), 0);
	assert_memory_equal(v2, tn_v2_hash, 16);
	assert_int_equal(ntlm_v2_hash(nt, "User", "DOMAIN", v2), 0);
	assert_memory_not_equal(v2, tn_v2_hash, 16);
	/* Not UTF-8. */
	assert_int_equal(ntlm_nt_hash("\xff", nt), -1);
	assert_int_equal(ntlm_nt_hash("\xc0\x80", nt), -1);
}

/* 4.2.4.3's CHALLENGE parsed; the responses of 4.2.4.2 computed. */
static void
test_ntlm_v2_vectors(void **state)
{
	struct ntlm_challenge	 c;
	uint8_t			 proof[16], lm[24];
	static const uint8_t	 sc[8] = {
		0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef
	};

	(void)state;
	assert_int_equal(ntlm_parse_challenge(tn_challenge,
	    sizeof(tn_challenge), &c), 0);
	assert_memory_equal(c.challenge, sc, 8);
	assert_true(c.flags == 0xe28a8233);
	assert_int_equal(c.target_info_len, 36);
	assert_memory_equal(c.target_info, tn_challenge + 0x44, 36);
	assert_false(c.has_timestamp);
	assert_int_equal(ntlm_v2_proof(tn_v2_hash, &c, tn_cchal, 0, proof,
	    lm), 0);
	assert_memory_equal(proof, tn_proof, 16);
	assert_memory_equal(lm, tn_lm, 24);
}

/* An AUTHENTICATE message: its fields inside it, holding what they say. */
static void
test_ntlm_authenticate(void **state)
{
	struct ntlm_challenge	 c;
	struct ntlm_identity	 id = { "User", "Domain", "Password",
				    "COMPUTER" };
	uint8_t			 out[NTLM_MSG_MAX], neg[NTLM_NEGOTIATE_LEN];
	size_t			 len, i;
	uint32_t		 off;
	uint16_t		 n;

	(void)state;
	assert_int_equal(ntlm_negotiate(neg), NTLM_NEGOTIATE_LEN);
	assert_memory_equal(neg, "NTLMSSP\0\1\0\0\0", 12);
	assert_int_equal(ntlm_parse_challenge(tn_challenge,
	    sizeof(tn_challenge), &c), 0);
	assert_int_equal(ntlm_authenticate(&c, &id, tn_cchal, 0, out,
	    sizeof(out), &len), 0);
	assert_memory_equal(out, "NTLMSSP\0\3\0\0\0", 12);
	for (i = 12; i <= 52; i += 8) {
		n = tn_get16(out + i);
		off = tn_get32(out + i + 4);
		assert_true(off >= 64 && off + n <= len);
	}
	assert_memory_equal(out + tn_get32(out + 16), tn_lm, 24);
	assert_memory_equal(out + tn_get32(out + 24), tn_proof, 16);
	assert_int_equal(tn_get16(out + 20), 16 + 28 + 36 + 4);
	assert_int_equal(tn_get16(out + 36), 8);
	assert_memory_equal(out + tn_get32(out + 40), "U\0s\0e\0r\0", 8);
	/* Too small an output buffer is refused, not overrun. */
	assert_int_equal(ntlm_authenticate(&c, &id, tn_cchal, 0, out, 100,
	    &len), -1);
}

/* A server timestamp replaces the client's time; the LM response is 0. */
static void
test_ntlm_timestamp(void **state)
{
	uint8_t			 m[sizeof(tn_challenge) + 12];
	struct ntlm_challenge	 c;
	uint8_t			 proof[16], lm[24], zero[24] = { 0 };
	size_t			 ti = 0x44 + 32;	/* before MsvAvEOL */

	(void)state;
	memcpy(m, tn_challenge, ti);
	memcpy(m + ti, "\x07\x00\x08\x00\x01\x02\x03\x04\x05\x06\x07\x08",
	    12);
	memcpy(m + ti + 12, tn_challenge + ti, 4);
	m[40] = m[42] = 36 + 12;
	assert_int_equal(ntlm_parse_challenge(m, sizeof(m), &c), 0);
	assert_true(c.has_timestamp);
	assert_true(c.timestamp == 0x0807060504030201ULL);
	assert_int_equal(ntlm_v2_proof(tn_v2_hash, &c, tn_cchal, 0, proof,
	    lm), 0);
	assert_memory_equal(lm, zero, 24);
}

/* Malformed CHALLENGE messages are refused. */
static void
test_ntlm_malformed(void **state)
{
	uint8_t			 m[sizeof(tn_challenge)];
	struct ntlm_challenge	 c;
	size_t			 i;

	(void)state;
	for (i = 0; i < 32; i++)
		assert_int_equal(ntlm_parse_challenge(tn_challenge, i, &c), -1);
	/* Cut inside the target info: it points past the end. */
	for (i = 48; i < sizeof(tn_challenge); i++)
		assert_int_equal(ntlm_parse_challenge(tn_challenge, i, &c), -1);
	/* Wrong signature, wrong type. */
	memcpy(m, tn_challenge, sizeof(m));
	m[0] = 'X';
	assert_int_equal(ntlm_parse_challenge(m, sizeof(m), &c), -1);
	memcpy(m, tn_challenge, sizeof(m));
	m[8] = 3;
	assert_int_equal(ntlm_parse_challenge(m, sizeof(m), &c), -1);
	/* Target info offset far outside, or wrapping with the length. */
	memcpy(m, tn_challenge, sizeof(m));
	m[47] = 0x80;
	assert_int_equal(ntlm_parse_challenge(m, sizeof(m), &c), -1);
	memcpy(m, tn_challenge, sizeof(m));
	memcpy(m + 44, "\xff\xff\xff\xff", 4);
	assert_int_equal(ntlm_parse_challenge(m, sizeof(m), &c), -1);
	/* The flag says target info, but the message ends before its field. */
	assert_int_equal(ntlm_parse_challenge(tn_challenge, 40, &c), -1);
	/* Target info longer than the message. */
	memcpy(m, tn_challenge, sizeof(m));
	m[40] = 0x40;
	assert_int_equal(ntlm_parse_challenge(m, sizeof(m), &c), -1);
	/* An AV pair overrunning the list. */
	memcpy(m, tn_challenge, sizeof(m));
	m[0x44 + 2] = 0x30;
	assert_int_equal(ntlm_parse_challenge(m, sizeof(m), &c), -1);
	/* No MsvAvEOL: the list is cut before it. */
	memcpy(m, tn_challenge, sizeof(m));
	m[40] = m[42] = 32;
	assert_int_equal(ntlm_parse_challenge(m, sizeof(m), &c), -1);
	/* A timestamp of the wrong size. */
	memcpy(m, tn_challenge, sizeof(m));
	m[0x44] = 7;
	assert_int_equal(ntlm_parse_challenge(m, sizeof(m), &c), -1);
	/* Squid's ntlm_fake_auth: junk target name offset, no target info
	   flag; the challenge is all that counts. */
	assert_int_equal(ntlm_parse_challenge(tn_fake, sizeof(tn_fake), &c),
	    0);
	assert_int_equal(c.target_info_len, 0);
	assert_memory_equal(c.challenge, tn_fake + 24, 8);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ntlm_hashes),
		cmocka_unit_test(test_ntlm_v2_vectors),
		cmocka_unit_test(test_ntlm_authenticate),
		cmocka_unit_test(test_ntlm_timestamp),
		cmocka_unit_test(test_ntlm_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
