/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A list of bindings as bytes: the bindings part of the dataplane's cache
 * file. Format version 1, integers little-endian:
 *   u32 magic "SGBW"  u16 version  u16 record size (24)  u32 count
 *   count x { u8 ip version (4 or 6), u8 prefix_len, u8 source,
 *             u8 zero, u16 sgt, u16 zero, u8 addr[16] (network order) }
 *   u32 crc32 (zlib) of every byte before
 * The IP version, not the host's AF_ number, so that the bytes mean the
 * same on any system.
 */
#ifndef SGTGW_BINDING_WIRE_H
#define SGTGW_BINDING_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "binding.h"

#define BINDING_WIRE_MAGIC 0x57424753u  /* "SGBW" in the file */
#define BINDING_WIRE_VERSION 1u
#define BINDING_WIRE_RECORD 24u
#define BINDING_WIRE_MAX (1u << 24)     /* bindings in one list */

/* Size of the encoding of n bindings. */
size_t binding_wire_size(uint32_t n);

/* Encode n bindings into buf (cap >= binding_wire_size(n)). Every binding
 * is checked first (binding_check): 0, or -1 naming the bad one. */
int binding_wire_encode(const struct binding *b, uint32_t n, uint8_t *buf,
			size_t cap, char *err, size_t errlen);

/* Decode untrusted bytes: magic, version, record size, count against the
 * length, CRC, then every binding. On success *out is a new array of *n
 * (free() it; NULL when n is 0); on error -1, *out NULL and a message. */
int binding_wire_decode(const uint8_t *blob, size_t len, struct binding **out,
			uint32_t *n, char *err, size_t errlen);

#endif
