/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A policy (policy.h) as bytes: the snapshot the controlplane hands the
 * dataplane through a shared-memory slot, and the policy part of the
 * dataplane's on-disk cache. The ACE text is the source of truth: the
 * receiver parses every line again with sgacl_ace_parse, so the two
 * processes cannot disagree on a compiled form.
 *
 * Format version 1, integers little-endian:
 *   u32 magic "SGPW"   u16 version   u16 flags (bit 0: monitor_all)
 *   u32 total length (this header to the CRC, inclusive)
 *   u32 n_names        u32 n_sgacls  u32 n_cells
 *   names    n_names  x { u16 sgt, u8 len, name[len] }
 *   sgacls   n_sgacls x { u8 len, name[len], u32 n_aces,
 *                         n_aces x { u16 len, text[len] } }
 *   default  { u8 catch_all, u8 mode, u32 n, u32 sgacl_index[n] }
 *   cells    n_cells  x { u16 src, u16 dst, u8 catch_all, u8 mode,
 *                         u32 n, u32 sgacl_index[n] }
 *   u32 crc32 (zlib's CRC-32, the one of zip and PNG) of every byte before
 * Names are 1..POLICY_NAME_MAX-1 bytes without control characters; ACE
 * text is 1..POLICY_WIRE_TEXT_MAX bytes without NUL; nothing follows the
 * CRC. Encoding is canonical: decoding a blob and encoding the result
 * gives back the same bytes.
 */
#ifndef SGTGW_POLICY_WIRE_H
#define SGTGW_POLICY_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"

#define POLICY_WIRE_MAGIC 0x57504753u   /* "SGPW" in the file */
#define POLICY_WIRE_VERSION 1u
#define POLICY_WIRE_TEXT_MAX 1024u      /* one ACE line, as the config allows */
#define POLICY_WIRE_MAX_BYTES (1u << 30) /* refuse anything larger */

/* Encode into a new buffer (free() it). 0, or -1 with a message for a
 * policy that cannot be encoded (a name too long or empty, an ACE whose
 * text does not parse, limits) or out of memory. */
int policy_wire_encode(const struct policy *p, uint8_t **blob, size_t *len,
		       char *err, size_t errlen);

/* Encode into buf (a snapshot slot, say). *len is the encoded size; when
 * it exceeds cap, returns -1 and says how many bytes are needed. */
int policy_wire_encode_into(const struct policy *p, uint8_t *buf, size_t cap,
			    size_t *len, char *err, size_t errlen);

/*
 * Decode untrusted bytes into *out (zeroed first; free it with
 * policy_model_free). Checks the magic, version, length and CRC, then every
 * count against what the remaining bytes can hold, every name, index and
 * enum, and parses every ACE. 0, or -1 with a message saying what and
 * where, and *out empty.
 */
int policy_wire_decode(const uint8_t *blob, size_t len, struct policy *out,
		       char *err, size_t errlen);

#endif
