/* SPDX-License-Identifier: BSD-3-Clause */
#include "hash_seed.h"

#include <sys/random.h>
#include <time.h>

uint64_t
hash_random_seed(void)
{
	uint64_t seed = 0;
	struct timespec ts;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == sizeof(seed) &&
	    seed != 0)
		return seed;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return hash_fmix64((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^
			   (uint64_t)(uintptr_t)&seed) | 1u;
}
