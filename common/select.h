/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Choosing between two values without a branch. The fast path judges mixed
 * traffic: a branch on a packet's protocol, family or binding mispredicts
 * often enough to cost more than computing both sides, and GCC turns a
 * plain ?: into a branch when it cannot prove both sides safe to compute
 * (a pointer one of them derives from, for one). Masks keep it a select.
 */
#ifndef SGTGW_SELECT_H
#define SGTGW_SELECT_H

#include <stdbool.h>
#include <stdint.h>

static inline uint32_t
select_u32(bool c, uint32_t if_true, uint32_t if_false)
{
	uint32_t m = -(uint32_t)c;

	return (if_true & m) | (if_false & ~m);
}

/* Either pointer may be one that must not be followed when not chosen;
 * it is only combined as an integer. */
static inline const void *
select_ptr(bool c, const void *if_true, const void *if_false)
{
	uintptr_t m = -(uintptr_t)c;

	return (const void *)(((uintptr_t)if_true & m) |
			      ((uintptr_t)if_false & ~m));
}

#endif
