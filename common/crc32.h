/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The checksum of every blob sgtgw writes for itself (policy snapshots,
 * binding lists, cache files): zlib's CRC-32 (the IEEE polynomial of zip,
 * PNG and Ethernet), from the system's zlib rather than a table of ours.
 * It catches corruption (a torn write, a flipped bit, a truncated file);
 * it is not a defence against someone forging a file.
 */
#ifndef SGTGW_CRC32_H
#define SGTGW_CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t sg_crc32(const void *buf, size_t len);

#endif
