/* SPDX-License-Identifier: BSD-3-Clause */
#include "crc32.h"

#include <zlib.h>

/* crc32_z takes a size_t length, so no loop over 4 GiB pieces is needed. */
uint32_t
sg_crc32(const void *buf, size_t len)
{
	return (uint32_t)crc32_z(crc32_z(0, Z_NULL, 0), buf, len);
}
