/*
 * SipHash-2-4: two compression rounds per 8-byte word, four to finish,
 * words read little-endian whatever the host.
 */
#include <sys/random.h>

#include "log.h"
#include "siphash.h"

#define SIPHASH_ROTL(x, b)	(((x) << (b)) | ((x) >> (64 - (b))))

/* One SipHash round over the state v[0..3]. */
static void
siphash_round(uint64_t *v)
{
	v[0] += v[1];
	v[1] = SIPHASH_ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = SIPHASH_ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = SIPHASH_ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = SIPHASH_ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = SIPHASH_ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = SIPHASH_ROTL(v[2], 32);
}

/* A fresh key from the kernel's generator; -1 (logged) if it has none. */
int
siphash_key_random(struct siphash_key *key)
{
	if (getrandom(key->k, sizeof(key->k), 0) != sizeof(key->k)) {
		log_warn("%s: getrandom", __func__);
		return -1;
	}
	return 0;
}

/* SipHash-2-4 of len bytes at data under key. */
uint64_t
siphash24(const struct siphash_key *key, const void *data, size_t len)
{
	const unsigned char	*s = data;
	uint64_t		 v[4], m;
	size_t			 i, j;

	v[0] = key->k[0] ^ 0x736f6d6570736575ULL;
	v[1] = key->k[1] ^ 0x646f72616e646f6dULL;
	v[2] = key->k[0] ^ 0x6c7967656e657261ULL;
	v[3] = key->k[1] ^ 0x7465646279746573ULL;
	for (i = 0; i + 8 <= len; i += 8) {
		for (m = 0, j = 0; j < 8; j++)
			m |= (uint64_t)s[i + j] << (8 * j);
		v[3] ^= m;
		siphash_round(v);
		siphash_round(v);
		v[0] ^= m;
	}
	for (m = (uint64_t)len << 56, j = 0; i + j < len; j++)
		m |= (uint64_t)s[i + j] << (8 * j);
	v[3] ^= m;
	siphash_round(v);
	siphash_round(v);
	v[0] ^= m;
	v[2] ^= 0xff;
	for (j = 0; j < 4; j++)
		siphash_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}
