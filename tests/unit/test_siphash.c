/*
 * Unit tests for SipHash-2-4 (common/siphash.c): the reference vectors of
 * the SipHash paper (key 00..0f, message 00..len-1), every length from 0
 * to 16 hashing apart, and a key change moving the hash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "siphash.h"

/* The paper's key: bytes 00..0f read little-endian. */
static const struct siphash_key	ts_key = {
	{ 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL }
};

/* Vectors from Aumasson and Bernstein's reference implementation. */
static void
test_siphash_vectors(void **state)
{
	uint8_t	 msg[16];
	size_t	 i;

	(void)state;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	assert_true(siphash24(&ts_key, msg, 0) == 0x726fdb47dd0e0e31ULL);
	assert_true(siphash24(&ts_key, msg, 1) == 0x74f839c593dc67fdULL);
	assert_true(siphash24(&ts_key, msg, 2) == 0x0d6c8009d9a94f5aULL);
	/* The paper's worked example, across a word boundary. */
	assert_true(siphash24(&ts_key, msg, 15) == 0xa129ca6149be45e5ULL);
}

/* Each prefix of a message hashes apart; so does the same one keyed anew. */
static void
test_siphash_keyed(void **state)
{
	struct siphash_key	 k2 = ts_key;
	uint64_t		 h[17];
	uint8_t			 msg[16] = { 0 };
	size_t			 i, j;

	(void)state;
	for (i = 0; i <= sizeof(msg); i++)
		h[i] = siphash24(&ts_key, msg, i);
	for (i = 0; i <= sizeof(msg); i++)
		for (j = i + 1; j <= sizeof(msg); j++)
			assert_true(h[i] != h[j]);
	k2.k[1] ^= 1;
	assert_true(siphash24(&k2, msg, 8) != h[8]);
	assert_int_equal(siphash_key_random(&k2), 0);
	assert_true(siphash24(&k2, msg, 8) != h[8]);
}

int
main(void)
{
	const struct CMUnitTest	 tests[] = {
		cmocka_unit_test(test_siphash_vectors),
		cmocka_unit_test(test_siphash_keyed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
