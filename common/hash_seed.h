/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * For the hash tables keyed by what peers send (binding prefixes reach us
 * from SXP and ISE): a bit mixer and a random seed, so that where keys
 * land cannot be predicted from outside.
 */
#ifndef SGTGW_HASH_SEED_H
#define SGTGW_HASH_SEED_H

#include <stdint.h>

/* murmur3's finaliser: every input bit reaches every output bit. */
static inline uint64_t
hash_fmix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* A non-zero seed from getrandom(), or, without it (old kernel, early
 * boot), from the clock and the stack's address: still different for
 * each process, which is what defeats precomputed collisions. */
uint64_t hash_random_seed(void);

#endif
