/*
 * SipHash-2-4 (Aumasson and Bernstein), the keyed hash of every table
 * whose keys a peer chooses (Call-IDs, source addresses, client names): a
 * key drawn at start leaves no collisions to be chosen in advance.
 */
#ifndef VOFW_SIPHASH_H
#define VOFW_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

struct siphash_key {
	uint64_t	 k[2];
};

int		 siphash_key_random(struct siphash_key *);
uint64_t	 siphash24(const struct siphash_key *, const void *, size_t);

#endif
